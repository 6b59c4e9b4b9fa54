//! Property tests of the segmenter and a differential test against the `sms_splitter` oracle
//! (a port of the npm `split-sms`).
//!
//! Units are recomputed here from each part's own text with tables written independently of the
//! crate (the GSM-7 character string of spec section 3), so a part that split an escape pair or
//! miscounted one would show up as a mismatch or an over-full part. Part texts are `String`s, so
//! a surrogate pair cannot be split without the units check failing (a lone surrogate is not
//! representable); grapheme boundaries are checked explicitly.

use bramka_core::encoding::{self, Analysis, ConcatRef, Encoding, Policy, SplitMode};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

/// Spec section 3, septet order, ESC omitted.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Spec section 4.
const GSM_EXT: &str = "\u{c}^{}\\[~]|€";

fn septets(s: &str) -> Option<usize> {
    s.chars()
        .map(|c| {
            if GSM_BASIC.contains(c) {
                Some(1)
            } else if GSM_EXT.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum()
}

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Characters for UCS-2 texts: BMP letters, non-BMP emoji, and the pieces of multi-code-point
/// clusters (regional indicators, ZWJ, skin tones, variation selector, keycap, combining marks).
const UCS2_POOL: &[&str] = &[
    "a",
    "b",
    " ",
    "€",
    "{",
    "ł",
    "ś",
    "Ж",
    "я",
    "北",
    "😀",
    "🎉",
    "👍",
    "👨",
    "👩",
    "\u{1F3FD}",
    "\u{200D}",
    "\u{FE0F}",
    "\u{20E3}",
    "\u{1F1F5}",
    "\u{1F1F1}",
    "\u{301}",
    "\u{308}",
    "e",
    "\r",
    "\n",
    "𝐀",
];
/// The same without cluster-forming pieces or anything NFC changes.
const SIMPLE_UCS2_POOL: &[&str] = &["a", "b", " ", "€", "{", "ł", "ś", "Ж", "я", "北", "😀", "🎉", "𝐀", "é"];

fn gsm_text(max: usize) -> impl Strategy<Value = String> {
    let pool: Vec<char> = GSM_BASIC.chars().chain(GSM_EXT.chars()).collect();
    // Weight plain letters and extension characters so boundaries get exercised.
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(vec!['a', 'b', ' ']),
            2 => prop::sample::select(GSM_EXT.chars().collect::<Vec<_>>()),
            2 => prop::sample::select(pool),
        ],
        0..max,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn pooled_text(pool: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pool), 0..max).prop_map(|v| v.concat())
}

/// Many distinct characters (CJK, Hangul, Cyrillic) to exercise the distinct-character set.
fn varied_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![0x4E00u32..0x4F00, 0xAC00u32..0xAD00, 0x400u32..0x480, Just(0x61u32)],
        0..600,
    )
    .prop_map(|v| v.into_iter().filter_map(char::from_u32).collect())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        gsm_text(1300),
        pooled_text(UCS2_POOL, 400),
        pooled_text(SIMPLE_UCS2_POOL, 400),
        varied_text()
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        prop::sample::select(vec![SplitMode::Graphemes, SplitMode::CodePoints]),
        prop::sample::select(vec![ConcatRef::EightBit, ConcatRef::SixteenBit]),
        1u8..=10,
        any::<bool>(),
    )
        .prop_map(|(s, r, m, nfc)| {
            Policy::default().with_split_mode(s).with_concat_ref(r).with_max_parts(m).with_nfc(nfc)
        })
}

fn capacities(enc: Encoding, r: ConcatRef) -> (usize, usize) {
    match (enc, r) {
        (Encoding::Gsm7, ConcatRef::EightBit) => (160, 153),
        (Encoding::Gsm7, _) => (160, 152),
        (_, ConcatRef::EightBit) => (70, 67),
        _ => (70, 66),
    }
}

/// The atoms the text must be packed in: units of each indivisible piece.
fn atoms(a: &Analysis, multi: usize) -> Vec<usize> {
    let text = a.text();
    match a.encoding() {
        Encoding::Gsm7 => text.chars().map(|c| septets(c.encode_utf8(&mut [0; 4])).unwrap()).collect(),
        _ if a.split_mode() == SplitMode::CodePoints => text.chars().map(char::len_utf16).collect(),
        _ => text
            .graphemes(true)
            .flat_map(|g| {
                if utf16(g) <= multi { vec![utf16(g)] } else { g.chars().map(char::len_utf16).collect() }
            })
            .collect(),
    }
}

/// Fewest parts for `atoms`, by dynamic programming over every split (independent of greed).
fn min_parts(atoms: &[usize], single: usize, multi: usize) -> usize {
    let total: usize = atoms.iter().sum();
    if total <= single {
        return 1;
    }
    let n = atoms.len();
    let mut best = vec![usize::MAX; n + 1];
    best[0] = 0;
    for i in 0..n {
        if best[i] == usize::MAX {
            continue;
        }
        let mut used = 0;
        for j in i..n {
            used += atoms[j];
            if used > multi {
                break;
            }
            best[j + 1] = best[j + 1].min(best[i] + 1);
        }
    }
    best[n]
}

fn check_invariants(input: &str, p: &Policy) -> Result<(), TestCaseError> {
    let a = encoding::analyze(input, p);
    let text = a.text();
    // Parts concatenate back to the analysed text.
    prop_assert_eq!(a.parts().iter().map(|x| x.text.as_str()).collect::<String>(), text);
    prop_assert!(a.segments() >= 1);
    // Encoding is GSM-7 iff every character is.
    prop_assert_eq!(a.encoding() == Encoding::Gsm7, septets(text).is_some());
    let (single, multi) = capacities(a.encoding(), p.concat_ref);
    let cap = if a.segments() == 1 { single } else { multi };
    prop_assert_eq!(a.part_capacity(), cap);
    let mut total = 0;
    for part in a.parts() {
        let units = match a.encoding() {
            Encoding::Gsm7 => septets(&part.text).unwrap(),
            _ => utf16(&part.text),
        };
        prop_assert_eq!(units, part.units, "units of part {:?}", part.text);
        prop_assert!(units <= cap, "part of {} units over {}", units, cap);
        total += units;
    }
    prop_assert_eq!(total, a.units());
    // Grapheme mode: a boundary inside a cluster only for clusters longer than a part.
    if a.encoding() == Encoding::Ucs2 && a.split_mode() == SplitMode::Graphemes {
        let mut at = 0;
        let clusters: Vec<(usize, &str)> = text.grapheme_indices(true).collect();
        for part in &a.parts()[..a.segments() - 1] {
            at += part.text.len();
            let (start, g) = clusters.iter().rev().find(|(i, _)| *i <= at).copied().unwrap();
            prop_assert!(start == at || utf16(g) > multi, "cluster {:?} split at {}", g, at);
        }
    }
    // The characters that forced UCS-2: distinct, first-occurrence order.
    let mut forcing: Vec<char> = Vec::new();
    for c in text.chars().filter(|c| septets(c.encode_utf8(&mut [0; 4])).is_none()) {
        if !forcing.contains(&c) {
            forcing.push(c);
        }
    }
    prop_assert_eq!(a.ucs2_chars(), &forcing[..]);
    // Minimal part count.
    prop_assert_eq!(a.segments(), min_parts(&atoms(&a, multi), single, multi));
    // The cap.
    prop_assert_eq!(a.fits(), a.segments() <= usize::from(p.max_parts));
    if !a.fits() {
        let too_many = matches!(a.ensure_fits(), Err(encoding::EncodingError::TooManyParts { .. }));
        prop_assert!(too_many);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn segmentation_invariants(text in any_text(), p in policy()) {
        check_invariants(&text, &p)?;
    }

    /// Same text, code points vs graphemes: grapheme-atomic never needs fewer parts.
    #[test]
    fn grapheme_mode_never_undercounts(text in pooled_text(UCS2_POOL, 400)) {
        let g = encoding::analyze(&text, &Policy::default());
        let c = encoding::analyze(&text, &Policy::default().with_split_mode(SplitMode::CodePoints));
        prop_assert!(g.segments() >= c.segments());
        prop_assert_eq!(g.units(), c.units());
    }
}

fn oracle(text: &str) -> (Encoding, Vec<usize>) {
    let owned: String = text.into();
    let r = sms_splitter::SplitSms::default().split(owned);
    match r.character_set.as_str() {
        "GSM" => (Encoding::Gsm7, r.parts.iter().map(|p| p.bytes).collect()),
        _ => (Encoding::Ucs2, r.parts.iter().map(|p| p.bytes / 2).collect()),
    }
}

fn ours(text: &str, p: &Policy) -> (Encoding, Vec<usize>) {
    let a = encoding::analyze(text, p);
    (a.encoding(), a.parts().iter().map(|x| x.units).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Code-point mode equals `split-sms` on any text (NFC off: the oracle does not compose).
    #[test]
    fn differential_code_points(text in prop_oneof![gsm_text(1300), pooled_text(UCS2_POOL, 400)]) {
        prop_assume!(!text.is_empty());
        let p = Policy::default().with_split_mode(SplitMode::CodePoints).with_nfc(false);
        prop_assert_eq!(ours(&text, &p), oracle(&text));
    }

    /// The default policy equals `split-sms` on text without multi-code-point clusters.
    #[test]
    fn differential_default_policy(text in prop_oneof![gsm_text(1300), pooled_text(SIMPLE_UCS2_POOL, 400)]) {
        prop_assume!(!text.is_empty());
        prop_assert_eq!(ours(&text, &Policy::default()), oracle(&text));
    }
}

#[test]
fn oracle_agrees_on_spec_anchors() {
    for text in [
        "a".repeat(161),
        "a".repeat(152) + "€" + &"b".repeat(10),
        "€".repeat(533),
        "ś".repeat(470),
        "a".repeat(66) + "😀" + &"b".repeat(10),
        "😀".repeat(232),
    ] {
        assert_eq!(ours(&text, &Policy::default()), oracle(&text), "{text}");
    }
}
