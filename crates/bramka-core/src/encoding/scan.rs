//! One pass over a text that yields everything the common case needs: GSM-7 septets (with the
//! default tables), UTF-16 length, and whether NFC composition might change the text.

use super::{gsm7, nfc};

/// What one pass over a text found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Septets with the default tables; `None` when a character is not GSM-7.
    pub(crate) septets: Option<usize>,
    /// UTF-16 code units.
    pub(crate) utf16: usize,
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

/// Septets of the block at `bytes[i..]` if every character starting in it is GSM-7 (default
/// tables). `block` is those bytes, or the tail padded with spaces.
#[inline(always)]
fn gsm_block(bytes: &[u8], i: usize, block: &[u8; BLOCK]) -> Option<usize> {
    if all_gsm_ascii(block) {
        return Some(BLOCK + block_sum(block, |b| u8::from(gsm7::ascii_ext(b))));
    }
    if block.iter().fold(0u8, |a, &b| a | u8::from(b < 0x80 && gsm7::ascii_bad(b))) != 0 {
        return None;
    }
    // GSM-7 ASCII and multi-byte characters: check only the lead bytes.
    let mut leads = block.iter().enumerate().fold(0u32, |m, (j, &b)| m | (u32::from(b >= 0xC0) << j));
    while leads != 0 {
        let j = leads.trailing_zeros() as usize;
        leads &= leads - 1;
        if gsm7::multibyte_cost(bytes, i + j).0 == 0 {
            return None;
        }
    }
    Some(block_sum(block, gsm7::septets_of_byte))
}

/// Scans `text` once.
#[inline]
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    if text.is_ascii() {
        let bad = byte_sum(bytes, |b| u8::from(gsm7::ascii_bad(b))) != 0;
        let ext = byte_sum(bytes, |b| u8::from(gsm7::ascii_ext(b)));
        return Scan {
            septets: (!bad).then_some(bytes.len() + ext),
            utf16: bytes.len(),
            maybe_not_nfc: false,
        };
    }
    let utf16 = byte_sum(bytes, utf16_units);
    // Phase 1: GSM-7 septets until the first character GSM-7 lacks. A block of GSM-7 ASCII is
    // counted at once; other blocks byte by byte, decoding only the 2- and 3-byte characters.
    // GSM-7 characters are all NFC-stable, so this phase needs no NFC check.
    let mut septets = 0usize;
    let mut suspect = false;
    let mut i = 0;
    let mut gsm = true;
    'outer: while i < bytes.len() {
        if let Some(block) = block_at(bytes, i) {
            if let Some(k) = gsm_block(bytes, i, block) {
                septets += k;
                i += BLOCK;
                continue;
            }
        } else {
            // The tail, padded with spaces (1 septet each) to a whole block.
            let tail = &bytes[i..];
            let mut padded = [b' '; BLOCK];
            padded[..tail.len()].copy_from_slice(tail);
            if let Some(k) = gsm_block(bytes, i, &padded) {
                septets += k - (BLOCK - tail.len());
                i = bytes.len();
                continue;
            }
        }
        // Byte by byte to the end of this block (to find the first character GSM-7 lacks).
        let end = (i + BLOCK).min(bytes.len());
        while i < end {
            let b = bytes[i];
            let (k, n) = if b < 0x80 {
                (gsm7::ASCII_SEPTETS[usize::from(b)], 1)
            } else if (b as i8) < -64 {
                (0, 1) // continuation byte of a character counted in the previous block
            } else {
                match gsm7::multibyte_cost(bytes, i) {
                    (0, _) => {
                        gsm = false;
                        break 'outer;
                    }
                    found => found,
                }
            };
            if k == 0 && b < 0x80 {
                gsm = false;
                break 'outer;
            }
            septets += usize::from(k);
            i += n;
        }
    }
    // Phase 2 (UCS-2): only the NFC check, decoding only characters whose lead byte belongs to
    // a range that holds characters outside `trivially_nfc`.
    while !suspect && i < bytes.len() {
        let mut padded = [b' '; BLOCK];
        let block = match block_at(bytes, i) {
            Some(block) => block,
            None => {
                padded[..bytes.len() - i].copy_from_slice(&bytes[i..]);
                &padded
            }
        };
        let mut leads =
            block.iter().enumerate().fold(0u32, |m, (j, &b)| m | (u32::from(suspect_lead(b)) << j));
        while leads != 0 {
            let j = leads.trailing_zeros() as usize;
            leads &= leads - 1;
            // A suspect byte is always a lead byte, so `i + j` is a character boundary.
            if let Some(c) = text.get(i + j..).and_then(|t| t.chars().next())
                && !nfc::trivially_nfc(c)
            {
                suspect = true;
                break;
            }
        }
        i += BLOCK;
    }
    Scan { septets: gsm.then_some(septets), utf16, maybe_not_nfc: suspect }
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
    fn scan_counts() {
        let s = scan("a{€é\n");
        assert_eq!((s.septets, s.utf16, s.maybe_not_nfc), (Some(7), 5, false));
        let s = scan("a`");
        assert_eq!((s.septets, s.utf16), (None, 2));
        let s = scan("ł😀e\u{301}");
        assert_eq!((s.septets, s.utf16, s.maybe_not_nfc), (None, 5, true));
        assert_eq!(scan("^~|[]\\{}\u{c}").septets, Some(18));
        assert_eq!(scan("").septets, Some(0));
    }
}
