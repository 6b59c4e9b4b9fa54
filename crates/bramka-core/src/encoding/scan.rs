//! The hand-tuned scan, one entry point [`scan`]: one pass over a text, block by block in byte
//! lanes, that yields everything the common case needs: GSM-7 septets (with the default tables),
//! UTF-16 length, and whether NFC composition might change the text. `super::plain` is the plain
//! way it is tested against (with the rest of the tuned path) on the corpus and on proptest
//! inputs; the tests below check each block classifier against per-byte predicates.

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
/// than 0xC2, 0xC3, 0xCE, 0xE2, or a byte never in UTF-8 (the reference [`classify_gsm`] is
/// tested against).
#[cfg(test)]
const fn gsm_bad(b: u8) -> bool {
    (b < 0x20 && b != b'\n' && b != b'\r' && b != 0x0C)
        || b == b'`'
        || b == 0x7F
        || (b >= 0xC0 && b != 0xC2 && b != 0xC3 && b != 0xCE && b != 0xE2)
}

/// A lead byte of a multi-byte character that may be GSM-7 (checked one by one).
#[cfg(test)]
const fn gsm_check(b: u8) -> bool {
    b == 0xC2 || b == 0xC3 || b == 0xCE || b == 0xE2
}

/// The blocks of [`BLOCK`] bytes of `bytes`, each with its offset and the byte after it (0x80
/// at the end); the last one padded with continuation bytes (0x80, which count nothing and mark
/// nothing).
#[inline(always)]
fn blocks(bytes: &[u8]) -> impl Iterator<Item = (usize, [u8; BLOCK], u8)> + '_ {
    (0..bytes.len().div_ceil(BLOCK)).map(move |k| {
        let at = k * BLOCK;
        let block = match block_at(bytes, at) {
            Some(block) => *block,
            None => {
                let mut padded = [0x80u8; BLOCK];
                let rest = &bytes[at..];
                padded[..rest.len()].copy_from_slice(rest);
                padded
            }
        };
        (at, block, bytes.get(at + BLOCK).copied().unwrap_or(0x80))
    })
}

/// A bit per byte lane of `lanes` (each 0 or 1), bit `i` for lane `i`: eight lanes at a time by
/// one multiplication (lane `i` lands in bit `56 + i`, nothing below carries into it).
#[inline(always)]
fn lane_mask(lanes: &[u8; BLOCK]) -> u32 {
    lanes
        .chunks_exact(8)
        .enumerate()
        .fold(0u32, |m, (k, w)| m | (((word(w).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32) << (8 * k)))
}

/// Whether a byte lane is not zero.
#[inline(always)]
fn lanes_any(lanes: &[u8; BLOCK]) -> bool {
    lanes.chunks_exact(8).fold(0u64, |a, w| a | word(w)) != 0
}

/// One block of GSM-hopeful text in byte lanes (signed comparisons and equality only, what SSE2
/// has for bytes, so the whole block is vectorised): septets as if the text were GSM-7 (as
/// [`gsm7::septets_of_byte`], at most 64), whether a byte rules GSM-7 out ([`gsm_bad`]), and a
/// bit per lead byte of a character that may be GSM-7 ([`gsm_check`]: 0xC2, 0xC3, 0xCE, 0xE2).
#[inline(always)]
fn classify_gsm(block: &[u8; BLOCK]) -> (u8, bool, u32) {
    let (mut septets, mut bad) = (0u8, 0u8);
    let mut check = [0u8; BLOCK];
    for (&b, check) in block.iter().zip(&mut check) {
        let s = b as i8;
        let ascii = s >= 0;
        let folded = (b & 0xDF) as i8; // 0x7B..=0x7E onto 0x5B..=0x5E
        let ext = (ascii && (0x5B..=0x5E).contains(&folded)) || b == 0x0C;
        let gsm_lead = (b | 1) == 0xC3 || b == 0xCE || b == 0xE2;
        // Below 0x20 as a signed byte: ASCII controls and every byte from 0x80; of those, lead
        // bytes (from 0xC0) and controls but LF, FF, CR rule GSM-7 out, except `gsm_lead`.
        let not_gsm = ((-64..0x20).contains(&s) && b != b'\n' && (b | 1) != 0x0D && !gsm_lead)
            || b == b'`'
            || b == 0x7F;
        septets = septets.wrapping_add(u8::from(s >= -64) + u8::from(ext) + u8::from(b == 0xE2));
        bad |= u8::from(not_gsm);
        *check = u8::from(gsm_lead);
    }
    (septets, bad != 0, if lanes_any(&check) { lane_mask(&check) } else { 0 })
}

/// One block of text that is not GSM-7, in byte lanes: UTF-16 units (as [`utf16_units`], at most
/// 64) and a bit per lead byte [`nfc_candidate`] marks (`next` is the byte after the block).
#[inline(always)]
fn classify_ucs2(block: &[u8; BLOCK], next: u8) -> (u8, u32) {
    let mut after = [next; BLOCK];
    after[..BLOCK - 1].copy_from_slice(&block[1..]);
    let mut units = 0u8;
    let mut candidates = [0u8; BLOCK];
    for ((&b, &n), c) in block.iter().zip(&after).zip(&mut candidates) {
        units = units.wrapping_add(utf16_units(b));
        *c = u8::from(nfc_candidate(b, n));
    }
    (units, if lanes_any(&candidates) { lane_mask(&candidates) } else { 0 })
}

/// Scans `text` block by block (see [`blocks`]): while it may be GSM-7, septets and the
/// multi-byte characters to look up one by one ([`classify_gsm`]); from the first byte that rules
/// GSM-7 out, again from the start, UTF-16 units and the characters NFC might change
/// ([`classify_ucs2`]).
#[inline]
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    if let Some(septets) = gsm7_septets(bytes) {
        // GSM-7 characters are all NFC-stable (none is a combining mark or a singleton).
        return Scan { septets: Some(septets), utf16: None, maybe_not_nfc: false };
    }
    let mut utf16 = 0;
    let mut suspect = false;
    let mut mark_end = usize::MAX; // where the last lone mark ends
    for (at, block, next) in blocks(bytes) {
        let (u, mut candidates) = classify_ucs2(&block, next);
        utf16 += usize::from(u);
        while candidates != 0 && !suspect {
            // A marked byte is a lead byte, so `j` is a character boundary.
            let j = at + candidates.trailing_zeros() as usize;
            match nfc_class(text, j) {
                NfcClass::Trivial => {}
                NfcClass::LoneMark { len } => {
                    // NFC_Quick_Check: Yes unless two marks meet (they might need reordering).
                    suspect = j == mark_end;
                    mark_end = j + len;
                }
                NfcClass::Other => suspect = true,
            }
            candidates &= candidates - 1;
        }
    }
    Scan { septets: None, utf16: Some(utf16), maybe_not_nfc: suspect }
}

/// Septets of `bytes` if it is GSM-7 with the default tables, else `None` (at the first block
/// that shows it).
#[inline(always)]
fn gsm7_septets(bytes: &[u8]) -> Option<usize> {
    let mut septets = 0;
    for (at, block, _) in blocks(bytes) {
        let (s, bad, mut check) = classify_gsm(&block);
        if bad {
            return None;
        }
        while check != 0 {
            if gsm7::multibyte_cost(bytes, at + check.trailing_zeros() as usize).0 == 0 {
                return None;
            }
            check &= check - 1;
        }
        septets += usize::from(s);
    }
    Some(septets)
}

/// A lead byte whose character [`scan`] looks up one by one for NFC: every byte from 0xCC
/// except 0xD0 and 0xD1 (Cyrillic U+0400..=U+047F), 0xE4 to 0xE9 (CJK U+4000..=U+9FFF) and 0xF0
/// followed by 0x9F (U+1F000..=U+1FFFF, emoji and pictographs), all trivially NFC (a test checks
/// every code point). Signed comparisons and equality only, so it vectorises with SSE2.
#[inline(always)]
#[allow(clippy::manual_range_contains)] // `contains` is not const
const fn nfc_candidate(b: u8, next: u8) -> bool {
    let s = b as i8;
    s >= -52 && s < 0 && (b & 0xFE) != 0xD0 && !(s >= -28 && s <= -23) && !(b == 0xF0 && next == 0x9F)
}

/// What NFC may do to the character starting at byte `j` (a lead byte from 0xCC), by a bit of
/// the trivially-NFC bitmap for BMP characters (the code point assembled from the bytes), from
/// the bytes for emoji, decoded for other 4-byte characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NfcClass {
    /// [`nfc::trivially_nfc`]: nothing.
    Trivial,
    /// A combining mark of [`nfc::lone_mark_bmp`], `len` bytes: nothing unless next to another mark.
    LoneMark { len: usize },
    /// Anything else: it may change.
    Other,
}

#[inline(always)]
fn nfc_class(text: &str, j: usize) -> NfcClass {
    let bytes = text.as_bytes();
    let lead = u32::from(bytes[j]);
    let cont = |k: usize| u32::from(bytes.get(j + k).copied().unwrap_or(0) & 0x3F);
    let (cp, len) = match lead {
        0xC0..=0xDF => (((lead & 0x1F) << 6) | cont(1), 2),
        0xE0..=0xEF => (((lead & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3),
        // Emoji first: the most common 4-byte characters in SMS.
        _ if bytes.get(j..j + 2) == Some(&[0xF0, 0x9F]) => return NfcClass::Trivial,
        _ => {
            let trivial = text.get(j..).and_then(|t| t.chars().next()).is_some_and(nfc::trivially_nfc);
            return if trivial { NfcClass::Trivial } else { NfcClass::Other };
        }
    };
    if nfc::trivially_nfc_bmp(cp) {
        NfcClass::Trivial
    } else if nfc::lone_mark_bmp(cp) {
        NfcClass::LoneMark { len }
    } else {
        NfcClass::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From the bytes, exactly the characters that are not trivially NFC (every code point).
    #[test]
    fn nfc_class_matches_tables() {
        for u in 0xC0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut buf = [0u8; 4];
            let s = format!("{}a", c.encode_utf8(&mut buf));
            if s.as_bytes()[0] >= 0xCC {
                let want = if nfc::trivially_nfc(c) {
                    NfcClass::Trivial
                } else if u < 0x10000 && nfc::lone_mark_bmp(u) {
                    NfcClass::LoneMark { len: c.len_utf8() }
                } else {
                    NfcClass::Other
                };
                assert_eq!(nfc_class(&s, 0), want, "U+{u:04X}");
            }
        }
    }

    /// The block classifiers against the per-byte predicates, on random blocks and on blocks of
    /// every byte value at every position.
    #[test]
    fn classifiers_match_predicates() {
        let check = |block: &[u8; BLOCK], next: u8| {
            let (septets, bad, checks) = classify_gsm(block);
            let want_bad = block.iter().any(|&b| gsm_bad(b));
            assert_eq!(bad, want_bad, "{block:x?}");
            if !want_bad {
                let want: usize = block.iter().map(|&b| usize::from(gsm7::septets_of_byte(b))).sum();
                assert_eq!(usize::from(septets), want, "{block:x?}");
            }
            let (units, candidates) = classify_ucs2(block, next);
            assert_eq!(usize::from(units), block.iter().map(|&b| usize::from(utf16_units(b))).sum::<usize>());
            for (i, &b) in block.iter().enumerate() {
                assert_eq!(checks >> i & 1 == 1, gsm_check(b), "{block:x?} {i}");
                let after = block.get(i + 1).copied().unwrap_or(next);
                assert_eq!(candidates >> i & 1 == 1, nfc_candidate(b, after), "{block:x?} {i}");
            }
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..50_000 {
            let block: [u8; BLOCK] = std::array::from_fn(|_| rng.u8(..));
            check(&block, rng.u8(..));
            let ascii: [u8; BLOCK] = std::array::from_fn(|_| rng.u8(..0x80));
            check(&ascii, b'a');
        }
        for b in 0..=255u8 {
            for pos in 0..BLOCK {
                let mut block = [b'a'; BLOCK];
                block[pos] = b;
                check(&block, 0x9F);
                check(&block, b'a');
            }
        }
    }

    /// Every character [`nfc_candidate`] lets through unmarked is trivially NFC (every code
    /// point).
    #[test]
    fn unmarked_lead_bytes_are_trivially_nfc() {
        for u in 0x80..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            if !nfc_candidate(bytes[0], bytes.get(1).copied().unwrap_or(0x80)) {
                assert!(nfc::trivially_nfc(c) || bytes[0] < 0xCC && u < 0x300, "U+{u:04X}");
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
            assert_eq!(
                nfc_candidate(b, b'a'),
                b >= 0xCC && !matches!(b, 0xD0 | 0xD1 | 0xE4..=0xE9),
                "{b:#x}"
            );
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
