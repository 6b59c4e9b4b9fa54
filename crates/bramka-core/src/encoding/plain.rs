//! The general path, written the plain way for tests: NFC with `unicode-normalization`, GSM-7 by
//! looking up every character, units by `encode_utf16`, parts by walking characters (GSM-7,
//! code points) or grapheme clusters from `unicode-segmentation` (a cluster of at most a part's
//! units kept whole, a longer one split by code points). The tuned path in `scan`, `segment` and
//! [`super::analyze`] must agree with it on every input (tests below and in `mod.rs`).

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::{Encoding, Policy, SplitMode, gsm7};

/// What the plain path computes: text, encoding, units and each part's end and units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plain {
    pub(crate) text: String,
    pub(crate) encoding: Encoding,
    pub(crate) units: usize,
    pub(crate) parts: Vec<(usize, usize)>,
}

/// The plain analysis of `text` under `policy` (default tables, no transliteration).
pub(crate) fn analyze(text: &str, policy: &Policy) -> Plain {
    let text: String = if policy.nfc { text.nfc().collect() } else { text.to_owned() };
    let septets: Option<usize> =
        text.chars().map(|c| (gsm7::cost(c) != 0).then_some(usize::from(gsm7::cost(c)))).sum();
    let (encoding, units, single, multi) = match septets {
        Some(s) => (Encoding::Gsm7, s, 160, 160 - (8 * policy.concat_ref.udh_octets()).div_ceil(7)),
        None => (Encoding::Ucs2, text.encode_utf16().count(), 70, (140 - policy.concat_ref.udh_octets()) / 2),
    };
    let mut parts = Vec::new();
    if units <= single {
        parts.push((text.len(), units));
    } else {
        // Atoms: (byte offset where it starts, units).
        let atoms: Vec<(usize, usize)> = match encoding {
            Encoding::Gsm7 => text.char_indices().map(|(i, c)| (i, usize::from(gsm7::cost(c)))).collect(),
            _ if policy.split_mode == SplitMode::CodePoints => {
                text.char_indices().map(|(i, c)| (i, c.len_utf16())).collect()
            }
            _ => text
                .grapheme_indices(true)
                .flat_map(|(i, g)| {
                    let u = g.encode_utf16().count();
                    if u <= multi {
                        vec![(i, u)]
                    } else {
                        g.char_indices().map(|(j, c)| (i + j, c.len_utf16())).collect()
                    }
                })
                .collect(),
        };
        let mut used = 0;
        for (at, u) in atoms {
            if used + u > multi {
                parts.push((at, used));
                used = 0;
            }
            used += u;
        }
        parts.push((text.len(), used));
    }
    Plain { text, encoding, units, parts }
}
