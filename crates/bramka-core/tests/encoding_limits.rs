//! Hostile input for the encoding layer: a size limit refused with a typed error before analysis,
//! and clusters longer than a part split by code points (in time linear in the text: see the
//! `growth` benchmark in `benches/segmentation.rs`).

use bramka_core::encoding::{self, EncodingError, MAX_TEXT_BYTES, Policy};
use bramka_core::message::MessageError;
use bramka_core::{Encoding, Message};

#[test]
fn texts_over_the_limit_are_refused_before_analysis() {
    let at_limit = "a".repeat(MAX_TEXT_BYTES);
    let a = encoding::try_analyze(&at_limit, &Policy::default().with_max_parts(255)).unwrap();
    assert_eq!(a.units(), MAX_TEXT_BYTES);
    assert!(!a.fits());

    let over = "ą".repeat(MAX_TEXT_BYTES / 2) + "a";
    let err = encoding::try_analyze(&over, &Policy::default()).unwrap_err();
    assert_eq!(err, EncodingError::TextTooLong { bytes: MAX_TEXT_BYTES + 1, max_bytes: MAX_TEXT_BYTES });
    assert_eq!(
        err.to_string(),
        format!(
            "text of {} bytes is too long to analyse: at most {} bytes are accepted (255 parts hold at most 40,800 GSM-7 characters)",
            MAX_TEXT_BYTES + 1,
            MAX_TEXT_BYTES
        )
    );
    // Far above what 255 parts carry in any encoding.
    const { assert!(MAX_TEXT_BYTES > 10 * 255 * 160) };
}

#[test]
fn a_message_with_a_text_over_the_limit_is_refused() {
    let text = "\u{301}".repeat(MAX_TEXT_BYTES); // one long cluster, as hostile inbound text could be
    let err = Message::builder().to("+48600100200").text(text).build().unwrap_err();
    assert!(
        matches!(
            err,
            MessageError::Encoding(EncodingError::TextTooLong { bytes, max_bytes: MAX_TEXT_BYTES })
                if bytes == 2 * MAX_TEXT_BYTES
        ),
        "{err:?}"
    );
}

/// One grapheme cluster of 200,000 code points (a base letter and combining marks): longer than a
/// part, so it is split by code points into full parts.
#[test]
fn a_cluster_longer_than_a_part_is_split_by_code_points() {
    let text = format!("ok {}", format_args!("x{}", "\u{300}".repeat(199_999)));
    let a = encoding::analyze(&text, &Policy::default().with_max_parts(255));
    assert_eq!(a.encoding(), Encoding::Ucs2);
    assert_eq!(a.units(), 200_003);
    assert_eq!(a.segments(), 200_003usize.div_ceil(67));
    let parts = a.parts();
    assert!(parts[..parts.len() - 1].iter().all(|p| p.units == 67));
    assert_eq!(parts.last().unwrap().units, 200_003 % 67);
    assert_eq!(parts.iter().map(|p| p.text.as_str()).collect::<String>(), text);
}

/// A cluster of exactly a part's units moves whole to the next part; one unit more and it is
/// split where the part is full.
#[test]
fn cluster_cap_is_a_part() {
    let fits = format!("{}{}", "ł".repeat(10), format_args!("x{}", "\u{300}".repeat(66)));
    let a = encoding::analyze(&fits, &Policy::default());
    assert_eq!(a.parts().iter().map(|p| p.units).collect::<Vec<_>>(), [10, 67]);
    let over = format!("{}{}", "ł".repeat(10), format_args!("x{}", "\u{300}".repeat(67)));
    let a = encoding::analyze(&over, &Policy::default());
    assert_eq!(a.parts().iter().map(|p| p.units).collect::<Vec<_>>(), [67, 11]);
}
