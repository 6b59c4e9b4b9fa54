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
pub(crate) const fn utf16_units(b: u8) -> u8 {
    ((b as i8) >= -64) as u8 + (b >= 0xF0) as u8
}

const HIGH: u64 = 0x8080_8080_8080_8080;

/// The first 8 `bytes` as a little-endian word.
#[inline(always)]
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(w)
}

/// UTF-16 units of the 8 UTF-8 `bytes`, in byte lanes (at most 2 each): continuation bytes
/// (`10xxxxxx`) count 0, lead bytes of 4-byte characters (`11110xxx` and up) 2, other bytes 1.
#[inline(always)]
fn utf16_lanes(bytes: &[u8]) -> u64 {
    let w = word(bytes);
    // Bit 7 of `w << k` in a byte is bit `7 - k` of the same byte: no carry between bytes.
    let continuation = w & !(w << 1) & HIGH;
    let four_byte = w & (w << 1) & (w << 2) & (w << 3) & HIGH;
    ((HIGH ^ continuation) >> 7) + (four_byte >> 7)
}

/// Sum of the byte lanes of `lanes` when it is below 256.
#[inline(always)]
fn lane_sum(lanes: u64) -> usize {
    (lanes.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

/// UTF-16 units of the UTF-8 bytes of `block` (as [`utf16_units`] summed; a character counts
/// where its lead byte is), eight bytes at a time.
#[inline(always)]
pub(crate) fn utf16_block(block: &[u8; BLOCK]) -> usize {
    // Each byte lane holds at most 4 * 2, their sum at most 64.
    lane_sum(block.chunks_exact(8).map(utf16_lanes).sum())
}

/// UTF-16 units of the 8 UTF-8 `bytes` (as [`utf16_units`] summed).
#[inline(always)]
pub(crate) fn utf16_word(bytes: &[u8]) -> usize {
    lane_sum(utf16_lanes(bytes))
}

/// Septets of the 8 bytes of GSM-7 text `bytes` (as [`gsm7::septets_of_byte`] summed).
#[inline(always)]
pub(crate) fn gsm7_word_septets(bytes: &[u8]) -> usize {
    (bytes.iter().fold(0u32, |a, &b| a + GSM_CLASS[usize::from(b)]) & 0xFF) as usize
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
/// bytes at a time (the last word padded with spaces, which no mask marks).
#[inline(always)]
fn each_marked(bytes: &[u8], mask: impl Fn(&[u8]) -> u64, mut f: impl FnMut(usize)) {
    let mut words = bytes.chunks_exact(8);
    let mut base = 0;
    let mut visit = |mut m: u64, base: usize| {
        while m != 0 {
            f(base + (m.trailing_zeros() / 8) as usize);
            m &= m - 1;
        }
    };
    for w in &mut words {
        visit(mask(w), base);
        base += 8;
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut padded = [b' '; 8];
        padded[..rest.len()].copy_from_slice(rest);
        visit(mask(&padded), base);
    }
}

/// Per-byte classes for [`gsm7_word_septets`] (and the reference for [`gsm_bad`], [`gsm_check`]): septets the byte adds
/// (bits 0..8, as [`gsm7::septets_of_byte`]), a lead byte of a character that may be GSM-7
/// (bits 8..16: 0xC2, 0xC3, 0xCE, 0xE2, checked one by one), a byte that is not GSM-7 (from
/// bit 16: ASCII GSM-7 lacks, other lead bytes, bytes that are never in UTF-8).
const GSM_CLASS: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        t[b] = if byte < 0x80 {
            if gsm7::ascii_bad(byte) {
                GSM_BAD
            } else if gsm7::ascii_ext(byte) {
                2
            } else {
                1
            }
        } else if byte < 0xC0 {
            0
        } else if matches!(byte, 0xC2 | 0xC3 | 0xCE) {
            1 | GSM_CHECK
        } else if byte == 0xE2 {
            2 | GSM_CHECK
        } else {
            GSM_BAD
        };
        b += 1;
    }
    t
};
const GSM_CHECK: u32 = 1 << 8;
const GSM_BAD: u32 = 1 << 16;

/// A byte that rules a text out of GSM-7 (default tables): ASCII GSM-7 lacks, a lead byte other
/// than 0xC2, 0xC3, 0xCE, 0xE2, or a byte never in UTF-8. Compares only, so loops vectorise.
#[inline(always)]
const fn gsm_bad(b: u8) -> bool {
    (b < 0x20 && b != b'\n' && b != b'\r' && b != 0x0C)
        || b == b'`'
        || b == 0x7F
        || (b >= 0xC0 && b != 0xC2 && b != 0xC3 && b != 0xCE && b != 0xE2)
}

/// A lead byte of a multi-byte character that may be GSM-7 (checked one by one).
#[inline(always)]
const fn gsm_check(b: u8) -> bool {
    b == 0xC2 || b == 0xC3 || b == 0xCE || b == 0xE2
}

/// Bytes per run of the vectorised loops: byte-lane sums of at most 2 per byte stay below 256.
const RUN: usize = 127;

/// Scans `text` run by run: for GSM-7 text one vectorised pass (septets, and whether a byte rules
/// GSM-7 out or starts a multi-byte character to check one by one); at the first run that rules
/// it out, [`scan_ucs2`].
#[inline]
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut septets = 0;
    for (n, run) in bytes.chunks(RUN).enumerate() {
        let (mut sum, mut bad, mut check) = (0u8, 0u8, 0u8);
        for &b in run {
            sum = sum.wrapping_add(gsm7::septets_of_byte(b));
            bad |= u8::from(gsm_bad(b));
            check |= u8::from(gsm_check(b));
        }
        if bad != 0 {
            return scan_ucs2(text);
        }
        if check != 0 {
            // Continuation bytes may be in the next run: `multibyte_cost` reads the text.
            let base = n * RUN;
            let mut bad = false;
            each_marked(run, swar_lead, |j| bad |= gsm7::multibyte_cost(bytes, base + j).0 == 0);
            if bad {
                return scan_ucs2(text);
            }
        }
        septets += usize::from(sum);
    }
    // GSM-7 characters are all NFC-stable (none is a combining mark or a singleton).
    Scan { septets: Some(septets), utf16: None, maybe_not_nfc: false }
}

/// A byte from 0xCC up, except 0xD0 and 0xD1 (Cyrillic U+0400..=U+047F, all NFC-stable) and 0xF0
/// (looked at in pairs: only U+1F000..=U+1FFFF, lead 0xF0 then 0x9F, is skipped): the lead bytes
/// [`scan_ucs2`] looks at one by one.
#[inline(always)]
const fn nfc_candidate(b: u8) -> bool {
    b >= 0xCC && b != 0xD0 && b != 0xD1 && b != 0xF0
}

/// Whether the character starting at byte `j` (a lead byte from 0xCC) may change in NFC: BMP
/// characters by one bit of the trivially-NFC bitmap, the code point assembled from the bytes;
/// emoji from their bytes; other 4-byte characters decoded.
#[inline(always)]
fn may_change_in_nfc(text: &str, j: usize) -> bool {
    let bytes = text.as_bytes();
    let lead = u32::from(bytes[j]);
    let cont = |k: usize| u32::from(bytes.get(j + k).copied().unwrap_or(0) & 0x3F);
    let cp = match lead {
        0xC0..=0xDF => ((lead & 0x1F) << 6) | cont(1),
        0xE0..=0xEF => ((lead & 0x0F) << 12) | (cont(1) << 6) | cont(2),
        // Emoji first: the most common 4-byte characters in SMS.
        _ if bytes.get(j..j + 2) == Some(&[0xF0, 0x9F]) => return false,
        _ => return text.get(j..).and_then(|t| t.chars().next()).is_some_and(|c| !nfc::trivially_nfc(c)),
    };
    !nfc::trivially_nfc_bmp(cp)
}

/// Scans text that is not GSM-7 (default tables): UTF-16 length (one vectorised pass in runs) and,
/// from lead bytes of ranges that are not NFC-stable, whether NFC composition might change it.
fn scan_ucs2(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut utf16 = 0;
    let mut suspect = false;
    for (n, run) in bytes.chunks(RUN).enumerate() {
        let (mut units, mut candidates) = (0u8, 0u8);
        for &b in run {
            units = units.wrapping_add(utf16_units(b));
            candidates |= u8::from(nfc_candidate(b));
        }
        utf16 += usize::from(units);
        if suspect {
            continue;
        }
        let base = n * RUN;
        if candidates != 0 {
            // A byte from 0xCC is a lead byte, so `base + j` is a character boundary.
            each_marked(run, swar_at_least_cc, |j| suspect |= may_change_in_nfc(text, base + j));
        }
        // 4-byte characters outside U+1F000..=U+1FFFF (emoji and pictographs, all trivially NFC):
        // lead 0xF0 not followed by 0x9F (checked in pairs that may cross into the next run).
        let pairs = &bytes[base..(base + run.len() + 1).min(bytes.len())];
        let other = pairs.windows(2).fold(0u8, |a, w| a | u8::from(w[0] == 0xF0 && w[1] != 0x9F));
        if other != 0 {
            for (j, w) in pairs.windows(2).enumerate() {
                if w[0] == 0xF0 && w[1] != 0x9F {
                    suspect |= may_change_in_nfc(text, base + j);
                }
            }
        }
    }
    Scan { septets: None, utf16: Some(utf16), maybe_not_nfc: suspect }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From the bytes, exactly the characters that are not trivially NFC (every code point).
    #[test]
    fn may_change_in_nfc_matches_trivially_nfc() {
        for u in 0xC0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut buf = [0u8; 4];
            let s = format!("{}a", c.encode_utf8(&mut buf));
            if s.as_bytes()[0] >= 0xCC {
                assert_eq!(may_change_in_nfc(&s, 0), !nfc::trivially_nfc(c), "U+{u:04X}");
            }
        }
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
    fn utf16_block_matches_bytes() {
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..100_000 {
            let block: [u8; BLOCK] = std::array::from_fn(|_| rng.u8(..));
            let want: usize = block.iter().map(|&b| usize::from(utf16_units(b))).sum();
            assert_eq!(utf16_block(&block), want, "{block:x?}");
        }
        assert_eq!(utf16_block(&[0xFF; BLOCK]), 64);
        assert_eq!(utf16_block(&[0x80; BLOCK]), 0);
        let w: [u8; 8] = std::array::from_fn(|i| [b'a', 0xC5, 0x82, 0xF0, 0x9F, 0x98, 0x80, 0xE2][i]);
        assert_eq!(utf16_word(&w), 1 + 1 + 2 + 1);
        assert_eq!(gsm7_word_septets(b"ab{\xC3\xA9\xE2\x82\xAC"), 1 + 1 + 2 + 1 + 2);
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

    /// Characters straddling run boundaries at every offset: the scan agrees with counting
    /// character by character.
    #[test]
    fn scan_matches_char_by_char() {
        let pool = ['a', 'é', '€', '{', 'Ω', 'ü', '\n', 'ł', '😀', '`', 'Ж', '北', 'ç', '\u{301}', ' '];
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..20_000 {
            let len = rng.usize(0..90);
            let gsm_only = rng.bool();
            let text: String = (0..len)
                .map(|_| if gsm_only { pool[rng.usize(0..7)] } else { pool[rng.usize(..pool.len())] })
                .collect();
            let s = scan(&text);
            let septets =
                text.chars().try_fold(0, |a, c| (gsm7::cost(c) != 0).then(|| a + usize::from(gsm7::cost(c))));
            assert_eq!(s.septets, septets, "{text:?}");
            if septets.is_none() {
                assert_eq!(s.utf16, Some(text.encode_utf16().count()), "{text:?}");
                assert_eq!(s.maybe_not_nfc, text.contains('\u{301}'), "{text:?}");
            }
        }
    }

    #[test]
    fn class_tables_match_predicates() {
        for b in 0..=255u8 {
            let g = GSM_CLASS[usize::from(b)];
            let gsm_lead = matches!(b, 0xC2 | 0xC3 | 0xCE | 0xE2);
            assert_eq!(g >= GSM_BAD, (b < 0x80 && gsm7::ascii_bad(b)) || (b >= 0xC0 && !gsm_lead), "{b:#x}");
            assert_eq!(gsm_bad(b), g >= GSM_BAD, "{b:#x}");
            assert_eq!(gsm_check(b), gsm_lead, "{b:#x}");
            assert_eq!(nfc_candidate(b), b >= 0xCC && b != 0xD0 && b != 0xD1 && b != 0xF0, "{b:#x}");
            if g < GSM_BAD {
                assert_eq!(g & 0xFF, u32::from(gsm7::septets_of_byte(b)), "{b:#x}");
                assert_eq!(g >= GSM_CHECK, gsm_lead, "{b:#x}");
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
        // A 4-byte character NFC changes (U+1D15E, a composition exclusion) at every offset
        // around the run boundary, its lead byte 0xF0 checked in pairs.
        for k in 120..130 {
            let s = format!("ł{}\u{1D15E}", "a".repeat(k));
            assert!(scan(&s).maybe_not_nfc, "{k}");
            assert!(!scan(&format!("ł{}😀", "a".repeat(k))).maybe_not_nfc, "{k}");
        }
        assert_eq!(scan("^~|[]\\{}\u{c}").septets, Some(18));
        assert_eq!(scan("").septets, Some(0));
    }
}
