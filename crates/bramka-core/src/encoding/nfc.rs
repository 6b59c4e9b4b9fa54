//! NFC composition with a fast path: most SMS text is already NFC and is returned borrowed.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Characters that are NFC_Quick_Check=Yes with canonical combining class 0, so any sequence of
/// them is already NFC and none composes with its neighbour. Verified against
/// `unicode-normalization` for every code point in the ranges by the test below.
#[inline]
pub(crate) fn trivially_nfc(c: char) -> bool {
    matches!(c as u32,
        0..=0x2FF                // Latin, Latin-1, Latin Extended-A/B, IPA, spacing modifiers
        | 0x370..=0x373 | 0x375..=0x37D | 0x37F..=0x386 | 0x388..=0x3FF // Greek (not the singletons)
        | 0x400..=0x482 | 0x48A..=0x52F // Cyrillic letters (not the combining 0x483..=0x489)
        | 0x2010..=0x2027 | 0x2030..=0x205E // general punctuation (not the space singletons)
        | 0x20A0..=0x20C0        // currency symbols
        | 0x4E00..=0x9FFF        // CJK unified ideographs
        | 0xFE0F | 0x200D        // emoji presentation selector, ZWJ
        | 0x1F000..=0x1FAFF) // emoji and pictographs
}

/// `text` in Unicode Normalization Form C, borrowed when it already is.
pub(crate) fn to_nfc(text: &str) -> Cow<'_, str> {
    // Every byte below 0xCC means every character is below U+0300: NFC by construction.
    if text.bytes().all(|b| b < 0xCC) {
        return Cow::Borrowed(text);
    }
    let Some(pos) = text.char_indices().find(|&(_, c)| !trivially_nfc(c)).map(|(i, _)| i) else {
        return Cow::Borrowed(text);
    };
    // Start the check at a safe character before `pos` so composition with it is seen.
    let from = text[..pos].char_indices().next_back().map_or(0, |(i, _)| i);
    if is_nfc_quick(text[from..].chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivially_nfc_ranges_are_right() {
        for u in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            if trivially_nfc(c) {
                let mut buf = [0u8; 4];
                assert_eq!(is_nfc_quick(c.encode_utf8(&mut buf).chars()), IsNormalized::Yes, "U+{u:04X}");
                assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0, "U+{u:04X}");
            }
        }
    }

    #[test]
    fn composes_and_borrows() {
        assert!(matches!(to_nfc("Cafe\u{301}"), Cow::Owned(s) if s == "Café"));
        assert!(matches!(to_nfc("Café Zażółć Привет 😀"), Cow::Borrowed(_)));
        assert_eq!(to_nfc("\u{2126}"), "\u{3A9}", "OHM SIGN becomes Omega");
        assert_eq!(to_nfc("Я\u{308}"), "Я\u{308}", "no precomposed form: unchanged");
        assert_eq!(to_nfc("е\u{308}"), "ё");
    }
}
