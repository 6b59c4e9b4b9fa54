//! NFC composition with a fast path: most SMS text is already NFC and is returned borrowed.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Ranges of characters that are NFC_Quick_Check=Yes with canonical combining class 0, so any
/// sequence of them is already NFC and none composes with its neighbour. Verified against
/// `unicode-normalization` for every code point by the tests below.
const TRIVIAL: &[(u32, u32)] = &[
    (0, 0x2FF),     // Latin, Latin-1, Latin Extended-A/B, IPA, spacing modifiers
    (0x370, 0x373), // Greek (not the singletons)
    (0x375, 0x37D),
    (0x37F, 0x386),
    (0x388, 0x3FF),
    (0x400, 0x482), // Cyrillic letters (not the combining 0x483..=0x489)
    (0x48A, 0x52F),
    (0x620, 0x64A), // Arabic letters (not the harakat)
    (0x671, 0x6D3),
    (0x900, 0x93B), // Devanagari (not nukta, virama, stress signs, 0x958..=0x95F)
    (0x93D, 0x94C),
    (0x94E, 0x950),
    (0x955, 0x957),
    (0x960, 0x97F),
    (0x200B, 0x2027), // general punctuation (not the space singletons)
    (0x2030, 0x205E),
    (0x20A0, 0x20C0), // currency symbols
    (0x20E3, 0x20E3), // combining enclosing keycap (class 0)
    (0x2190, 0x2328), // arrows, symbols, dingbats (not the angle brackets, U+2ADC)
    (0x232B, 0x2ADB),
    (0x2ADD, 0x2BFF),
    (0x3041, 0x3096), // kana (not the combining voiced marks)
    (0x309B, 0x30FF),
    (0x3400, 0x9FFF), // CJK unified ideographs (extension A, Yijing hexagrams, the main block)
    (0xAC00, 0xD7A3), // Hangul syllables
    (0xFE00, 0xFE0F), // variation selectors
    (0x1F000, 0x1FFFF), // emoji, pictographs, legacy computing symbols
    (0xE0020, 0xE007F), // tags (subdivision flags)
];

/// [`TRIVIAL`] for the BMP as a bitmap (one bit per code point, 8 KiB), built at compile time.
static BMP: [u64; 1024] = {
    let mut t = [0u64; 1024];
    let mut r = 0;
    while r < TRIVIAL.len() {
        let (first, last) = TRIVIAL[r];
        let mut u = first;
        while u <= last && u < 0x10000 {
            t[(u >> 6) as usize] |= 1 << (u & 63);
            u += 1;
        }
        r += 1;
    }
    t
};

/// Combining marks of common scripts (Hebrew points, Arabic harakat, Indic nukta and virama,
/// Thai vowel and tone marks) that are NFC_Quick_Check=Yes with a non-zero combining class: NFC
/// leaves one alone (nothing composes with it) unless it stands next to another mark it could be
/// reordered with. Verified against `unicode-normalization` by the tests below.
const LONE_MARKS: &[(u32, u32)] = &[
    (0x591, 0x5BD),
    (0x5BF, 0x5BF),
    (0x5C1, 0x5C2),
    (0x5C4, 0x5C5),
    (0x5C7, 0x5C7),
    (0x610, 0x61A),
    (0x64B, 0x652),
    (0x656, 0x65F),
    (0x670, 0x670),
    (0x6D6, 0x6DC),
    (0x6DF, 0x6E4),
    (0x6E7, 0x6E8),
    (0x6EA, 0x6ED),
    (0x94D, 0x94D),
    (0x951, 0x954),
    (0x9BC, 0x9BC),
    (0x9CD, 0x9CD),
    (0xA3C, 0xA3C),
    (0xA4D, 0xA4D),
    (0xABC, 0xABC),
    (0xACD, 0xACD),
    (0xB3C, 0xB3C),
    (0xB4D, 0xB4D),
    (0xBCD, 0xBCD),
    (0xC3C, 0xC3C),
    (0xC4D, 0xC4D),
    (0xC55, 0xC55),
    (0xCBC, 0xCBC),
    (0xCCD, 0xCCD),
    (0xD3B, 0xD3C),
    (0xD4D, 0xD4D),
    (0xE38, 0xE3A),
    (0xE48, 0xE4B),
];

/// [`LONE_MARKS`] as a bitmap of the first 4096 code points (512 bytes).
static LONE_MARK_BITS: [u64; 64] = {
    let mut t = [0u64; 64];
    let mut r = 0;
    while r < LONE_MARKS.len() {
        let (first, last) = LONE_MARKS[r];
        let mut u = first;
        while u <= last {
            t[(u >> 6) as usize] |= 1 << (u & 63);
            u += 1;
        }
        r += 1;
    }
    t
};

/// Whether the BMP code point `u` is in [`LONE_MARKS`].
#[inline(always)]
pub(crate) fn lone_mark_bmp(u: u32) -> bool {
    u < 0x1000 && LONE_MARK_BITS[(u >> 6) as usize & 63] >> (u & 63) & 1 != 0
}

/// Whether `c` is in [`TRIVIAL`]: one bit lookup in the BMP.
#[inline]
pub(crate) fn trivially_nfc(c: char) -> bool {
    let u = c as u32;
    if u < 0x10000 { trivially_nfc_bmp(u) } else { matches!(u, 0x1F000..=0x1FFFF | 0xE0020..=0xE007F) }
}

/// [`trivially_nfc`] for a BMP code point `u` (below 0x10000).
#[inline(always)]
pub(crate) fn trivially_nfc_bmp(u: u32) -> bool {
    BMP[(u >> 6) as usize & 1023] >> (u & 63) & 1 != 0
}

/// `text` in Unicode Normalization Form C, borrowed when it already is.
///
/// A [`trivially_nfc`] character is a starter (combining class 0) that nothing before it composes
/// with (Quick_Check Yes) and that stops reordering, so NFC works on the runs of other characters
/// separately, each with the character before it (which may take part in a composition): the runs
/// are quick-checked one by one and only a run that may change is normalised; the rest is copied.
pub(crate) fn to_nfc(text: &str) -> Cow<'_, str> {
    // Every byte below 0xCC means every character is below U+0300: NFC by construction.
    if text.bytes().all(|b| b < 0xCC) {
        return Cow::Borrowed(text);
    }
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut composed = String::new(); // one buffer for every run
    for (from, to) in runs(text) {
        let segment = &text[from..to];
        if is_nfc_quick(segment.chars()) == IsNormalized::Yes {
            continue;
        }
        composed.clear();
        composed.extend(segment.nfc());
        if composed == segment {
            continue;
        }
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[copied..from]);
        out.push_str(&composed);
        copied = to;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The segments NFC works on: each maximal run of characters that are not [`trivially_nfc`],
/// with the character before it (if any), as byte ranges `(from, to)`.
fn runs(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    let mut prev = 0; // start of the last trivially NFC character
    std::iter::from_fn(move || {
        loop {
            let (i, c) = chars.next()?;
            if trivially_nfc(c) {
                prev = i;
                continue;
            }
            let from = if i == 0 { 0 } else { prev };
            let mut to = text.len();
            while let Some(&(j, d)) = chars.peek() {
                if trivially_nfc(d) {
                    to = j;
                    break;
                }
                chars.next();
            }
            return Some((from, to));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_matches_ranges() {
        for u in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let want = TRIVIAL.iter().any(|&(a, b)| a <= u && u <= b);
            assert_eq!(trivially_nfc(c), want, "U+{u:04X}");
        }
    }

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
    fn lone_marks_are_quick_check_yes_with_a_class() {
        for u in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let want = LONE_MARKS.iter().any(|&(a, b)| a <= u && u <= b);
            assert_eq!(u < 0x10000 && lone_mark_bmp(u), want, "U+{u:04X}");
            if want {
                let mut buf = [0u8; 4];
                assert_eq!(is_nfc_quick(c.encode_utf8(&mut buf).chars()), IsNormalized::Yes, "U+{u:04X}");
                assert_ne!(unicode_normalization::char::canonical_combining_class(c), 0, "U+{u:04X}");
                assert!(!trivially_nfc(c), "U+{u:04X}");
            }
        }
    }

    /// Run by run equals normalising the whole text.
    #[test]
    fn run_by_run_equals_whole_text() {
        let pool = [
            "a", "e", "é", " ", "\u{301}", "\u{323}", "\u{308}", "\u{2126}", "\u{1100}", "\u{1161}",
            "\u{11A8}", "가", "\u{0915}", "\u{093C}", "\u{094D}", "\u{09C7}", "\u{09BE}", "ł", "😀",
            "\u{200D}", "\u{FE0F}", "\u{0958}", "Å", "\u{212B}", "\u{0627}", "\u{0653}", "\u{1E0A}",
            "\u{0F73}", "\u{0345}",
        ];
        let mut rng = fastrand::Rng::with_seed(17);
        for _ in 0..50_000 {
            let text: String = (0..rng.usize(0..24)).map(|_| pool[rng.usize(..pool.len())]).collect();
            let whole: String = text.nfc().collect();
            assert_eq!(to_nfc(&text), whole, "{text:?}");
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
