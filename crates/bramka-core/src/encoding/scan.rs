//! One pass over a text that yields everything the common case needs: GSM-7 septets (with the
//! default tables), UTF-16 length, and whether NFC composition might change the text.

use super::{gsm7, nfc};

/// What one pass over a text found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Septets with the default tables; `None` when a character is not GSM-7.
    pub(crate) septets: Option<usize>,
    /// UTF-16 code units (computed for UCS-2 text only).
    pub(crate) utf16: Option<usize>,
    /// A character outside the ranges known to be NFC-stable was seen.
    pub(crate) maybe_not_nfc: bool,
}

/// Bytes per block in the block-wise loops (a multiple of the 16-byte SIMD width).
pub(crate) const BLOCK: usize = 32;

/// Sum of `f(b)` over `bytes` for `f` returning at most 4, accumulated in `u8` lanes over runs
/// of 63 bytes so the compiler can use 16 lanes per SIMD instruction.
#[inline(always)]
pub(crate) fn byte_sum(bytes: &[u8], f: impl Fn(u8) -> u8) -> usize {
    let mut total = 0usize;
    for run in bytes.chunks(63) {
        let mut s = 0u8;
        for &b in run {
            s = s.wrapping_add(f(b));
        }
        total += usize::from(s);
    }
    total
}

/// The `BLOCK` bytes at `i`, as an array so the compiler knows the length and vectorises.
#[inline(always)]
pub(crate) fn block_at(bytes: &[u8], i: usize) -> Option<&[u8; BLOCK]> {
    bytes.get(i..i.checked_add(BLOCK)?)?.try_into().ok()
}

/// Sum of `f(b)` over a block (`f` at most 4), in `u8` lanes.
#[inline(always)]
pub(crate) fn block_sum(block: &[u8; BLOCK], f: impl Fn(u8) -> u8) -> usize {
    usize::from(block.iter().fold(0u8, |a, &b| a.wrapping_add(f(b))))
}

/// Whether every byte of `block` is an ASCII byte GSM-7 carries.
#[inline(always)]
pub(crate) fn all_gsm_ascii(block: &[u8; BLOCK]) -> bool {
    block.iter().fold(0u8, |a, &b| a | u8::from(b >= 0x80 || gsm7::ascii_bad(b))) == 0
}

/// UTF-16 units of the UTF-8 `bytes`: one per character, two for 4-byte characters.
#[inline(always)]
pub(crate) fn utf16_units(b: u8) -> u8 {
    u8::from((b as i8) >= -64) + u8::from(b >= 0xF0)
}

/// A UTF-8 lead byte of a 64-code-point (2-byte) or 4096-code-point (3-byte) range that is not
/// entirely NFC-stable: U+0300..=U+037F (combining marks), U+0380..=U+03BF (U+0387), U+0480..=U+04BF
/// (combining Cyrillic), U+0500 up to U+3FFF, U+A000..=U+AFFF, U+D000..=U+DFFF, U+F000 and up
/// (4-byte characters, emoji included, are checked one by one). The test
/// `safe_leads_are_nfc_stable` checks the ranges left out.
#[inline(always)]
pub(crate) fn suspect_lead(b: u8) -> bool {
    matches!(b, 0xCC..=0xCE | 0xD2 | 0xD4..=0xE3 | 0xEA | 0xED | 0xEF..=0xFF)
}

const HIGH: u64 = 0x8080_8080_8080_8080;

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(w)
}

/// Bit 7 set in each byte of the 8-byte `bytes` that is a UTF-8 lead byte (0xC0 and up).
#[inline(always)]
fn swar_lead(bytes: &[u8]) -> u64 {
    let w = word(bytes);
    w & (w << 1) & HIGH
}

/// Bit 7 set in each byte of the 8-byte `bytes` that is 0xCC or more, except 0xD0 and 0xD1
/// (Cyrillic U+0400..=U+047F, all NFC-stable). Exact: no carry crosses a byte.
#[inline(always)]
fn swar_at_least_cc(bytes: &[u8]) -> u64 {
    const LOW7: u64 = !HIGH;
    let w = word(bytes);
    let at_least_cc = ((w & LOW7) + 0x3434_3434_3434_3434) & w & HIGH;
    let v = (w & 0xFEFE_FEFE_FEFE_FEFE) ^ 0xD0D0_D0D0_D0D0_D0D0;
    let is_d0_d1 = !(((v & LOW7) + LOW7) | v) & HIGH;
    at_least_cc & !is_d0_d1
}

/// Calls `f` with the index of every byte of `bytes` whose bit 7 is set in `mask(word)`, eight
/// bytes at a time; stops when `f` returns `true` and returns whether it did.
#[inline(always)]
fn any_marked(bytes: &[u8], mask: impl Fn(&[u8]) -> u64, mut f: impl FnMut(usize) -> bool) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut base = 0;
    for w in &mut words {
        let mut m = mask(w);
        while m != 0 {
            let j = base + (m.trailing_zeros() / 8) as usize;
            m &= m - 1;
            if f(j) {
                return true;
            }
        }
        base += 8;
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut padded = [b' '; 8];
        padded[..rest.len()].copy_from_slice(rest);
        let mut m = mask(&padded);
        while m != 0 {
            let j = base + (m.trailing_zeros() / 8) as usize;
            m &= m - 1;
            if f(j) {
                return true;
            }
        }
    }
    false
}

/// Common NFC-stable characters recognised from their bytes without decoding: emoji
/// U+1F000..=U+1FAFF, typographic punctuation U+2010..=U+2027 and U+2030..=U+205E, currency
/// signs U+20A0..=U+20BF (all inside `trivially_nfc`).
#[inline(always)]
fn stable_by_bytes(bytes: &[u8], j: usize) -> bool {
    match (bytes[j], bytes.get(j + 1), bytes.get(j + 2)) {
        (0xF0, Some(0x9F), Some(&b)) => (0x80..=0xAB).contains(&b),
        (0xE2, Some(0x80), Some(&b)) => (0x90..=0xA7).contains(&b) || b >= 0xB0,
        (0xE2, Some(0x81), Some(&b)) => b <= 0x9E,
        (0xE2, Some(0x82), Some(&b)) => b >= 0xA0,
        _ => false,
    }
}

/// Scans `text`: a few whole-text passes the compiler vectorises, plus a look at each
/// multi-byte character's lead byte (GSM-7 membership) or, for UCS-2 text, at lead bytes of
/// ranges that are not NFC-stable.
#[inline]
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    // `ascii_bad` is false for every byte from 0x80.
    let bad_ascii = bytes.iter().fold(0u8, |a, &b| a | u8::from(gsm7::ascii_bad(b))) != 0;
    let ascii = text.is_ascii();
    // GSM-7 needs GSM-7 ASCII and, for each multi-byte character, a GSM-7 character.
    let gsm =
        !bad_ascii && (ascii || !any_marked(bytes, swar_lead, |j| gsm7::multibyte_cost(bytes, j).0 == 0));
    if gsm {
        // GSM-7 characters are all NFC-stable (none is a combining mark or a singleton).
        let septets = byte_sum(bytes, gsm7::septets_of_byte);
        return Scan { septets: Some(septets), utf16: None, maybe_not_nfc: false };
    }
    let utf16 = byte_sum(bytes, utf16_units);
    let suspect = !ascii
        && any_marked(bytes, swar_at_least_cc, |j| {
            // A byte from 0xCC is a lead byte, so `j` is a character boundary.
            suspect_lead(bytes[j])
                && !stable_by_bytes(bytes, j)
                && text.get(j..).and_then(|t| t.chars().next()).is_some_and(|c| !nfc::trivially_nfc(c))
        });
    Scan { septets: None, utf16: Some(utf16), maybe_not_nfc: suspect }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_leads_are_nfc_stable() {
        for u in 0x80..0x10000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut buf = [0u8; 4];
            let lead = c.encode_utf8(&mut buf).as_bytes()[0];
            if !suspect_lead(lead) {
                assert!(nfc::trivially_nfc(c) || !is_assigned_unsafe(c), "U+{u:04X}");
            }
        }
    }

    /// Whether `c` could make a text non-NFC (QC not Yes, or a non-zero combining class).
    fn is_assigned_unsafe(c: char) -> bool {
        use unicode_normalization::{IsNormalized, is_nfc_quick};
        let mut buf = [0u8; 4];
        is_nfc_quick(c.encode_utf8(&mut buf).chars()) != IsNormalized::Yes
            || unicode_normalization::char::canonical_combining_class(c) != 0
    }

    #[test]
    fn stable_by_bytes_is_right() {
        for u in 0x80..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut buf = [0u8; 4];
            if stable_by_bytes(c.encode_utf8(&mut buf).as_bytes(), 0) {
                assert!(nfc::trivially_nfc(c), "U+{u:04X}");
            }
        }
        assert!(stable_by_bytes("😀".as_bytes(), 0) && stable_by_bytes("“".as_bytes(), 0));
        assert!(stable_by_bytes("€".as_bytes(), 0));
    }

    #[test]
    fn swar_mask_exact_on_mixed_words() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100_000 {
            let w: [u8; 8] = std::array::from_fn(|_| rng.u8(..));
            let m = swar_at_least_cc(&w);
            for (j, &b) in w.iter().enumerate() {
                let want = b >= 0xCC && b != 0xD0 && b != 0xD1;
                assert_eq!(m >> (8 * j + 7) & 1 == 1, want, "{w:x?} byte {j}");
            }
        }
    }

    #[test]
    fn swar_masks() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = b;
                let lead = swar_lead(&w);
                assert_eq!(lead != 0, b >= 0xC0, "{b:#x}");
                let cc = swar_at_least_cc(&w);
                assert_eq!(cc != 0, b >= 0xCC && b != 0xD0 && b != 0xD1, "{b:#x}");
                if cc != 0 {
                    assert_eq!((cc.trailing_zeros() / 8) as usize, pos);
                }
            }
        }
    }

    #[test]
    fn scan_counts() {
        let s = scan("a{€é\n");
        assert_eq!((s.septets, s.maybe_not_nfc), (Some(7), false));
        let s = scan("a`");
        assert_eq!((s.septets, s.utf16), (None, Some(2)));
        let s = scan("ł😀e\u{301}");
        assert_eq!((s.septets, s.utf16, s.maybe_not_nfc), (None, Some(5), true));
        assert!(!scan("ł😀 “x” €").maybe_not_nfc);
        assert!(scan("ł\u{2126}").maybe_not_nfc);
        assert_eq!(scan("^~|[]\\{}\u{c}").septets, Some(18));
        assert_eq!(scan("").septets, Some(0));
    }
}
