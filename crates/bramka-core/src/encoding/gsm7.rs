//! The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1 and §6.2.1.1).
//!
//! Source: the GSM 7-bit default alphabet and its extension table, 3GPP TS 23.038 section 6.2.1.
//! Lookups are const arrays (Latin-1, Greek capitals) and byte predicates: no hashing, no allocation.

/// Marks a septet that has no character of its own (0x1B, the escape to the extension table).
pub(crate) const NONE: char = '\u{FFFF}';

/// The default alphabet in septet order (0x00..=0x7F); 0x1B is the escape.
pub(crate) const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', NONE, 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The default extension table: (second septet after ESC, character). Each costs 2 septets.
pub(crate) const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{000C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Septet cost of each Latin-1 character (U+0000..=U+00FF): 0 = not GSM-7, 1 = default alphabet,
/// 2 = extension table.
pub(crate) const LATIN1_COST: [u8; 256] = costs::<256>(0);

/// Septet cost of U+0393..=U+03A9 (the Greek capitals GSM-7 has are in this range).
const GREEK_FIRST: u32 = 0x393;
const GREEK_COST: [u8; 0x3A9 - 0x393 + 1] = costs::<{ 0x3A9 - 0x393 + 1 }>(GREEK_FIRST);

const fn costs<const N: usize>(first: u32) -> [u8; N] {
    let mut t = [0u8; N];
    let mut i = 0;
    while i < 128 {
        let c = BASIC[i] as u32;
        if c != NONE as u32 && c >= first && c < first + N as u32 {
            t[(c - first) as usize] = 1;
        }
        i += 1;
    }
    let mut j = 0;
    while j < EXTENSION.len() {
        let c = EXTENSION[j].1 as u32;
        if c >= first && c < first + N as u32 {
            t[(c - first) as usize] = 2;
        }
        j += 1;
    }
    t
}

/// Septets `c` costs in GSM-7 with the default tables: 1 (default alphabet), 2 (extension table)
/// or 0 when GSM-7 cannot carry it.
#[inline]
pub(crate) fn cost(c: char) -> u8 {
    let u = c as u32;
    if u < 0x100 {
        LATIN1_COST[u as usize]
    } else if u.wrapping_sub(GREEK_FIRST) < GREEK_COST.len() as u32 {
        GREEK_COST[(u - GREEK_FIRST) as usize]
    } else if c == '€' {
        2
    } else {
        0
    }
}

/// Septets and byte length of the multi-byte UTF-8 character starting at `bytes[i]`; 0 septets
/// when GSM-7 lacks it. GSM-7's non-ASCII characters have lead bytes 0xC2, 0xC3 (Latin-1),
/// 0xCE (Greek capitals) and 0xE2 (only `€`, E2 82 AC).
#[inline(always)]
pub(crate) fn multibyte_cost(bytes: &[u8], i: usize) -> (u8, usize) {
    let lead = bytes[i];
    let next = bytes.get(i + 1).copied().unwrap_or(0);
    let code = (u32::from(lead & 0x1F) << 6) | u32::from(next & 0x3F);
    match lead {
        0xC2 | 0xC3 => (LATIN1_COST[code as usize], 2),
        0xCE => (cost(char::from_u32(code).unwrap_or('\0')), 2),
        0xE2 if bytes.get(i + 1..i + 3) == Some(&[0x82, 0xAC]) => (2, 3),
        _ => (0, 1),
    }
}

/// Septets contributed by one byte of a text known to be GSM-7 (default tables): ASCII 1 (2 for
/// the extension table), a lead byte 1 (2 for 0xE2, `€`), a continuation byte 0.
#[inline(always)]
pub(crate) fn septets_of_byte(b: u8) -> u8 {
    u8::from(b < 0x80) + u8::from(ascii_ext(b)) + u8::from(b >= 0xC0) + u8::from(b == 0xE2)
}

/// An ASCII byte GSM-7 cannot carry (controls other than LF, CR, FF; `` ` ``; DEL).
#[inline]
pub(crate) const fn ascii_bad(b: u8) -> bool {
    (b < 0x20 && b != b'\n' && b != b'\r' && b != 0x0C) || b == b'`' || b == 0x7F
}

/// An ASCII byte from the extension table (2 septets).
#[inline]
pub(crate) const fn ascii_ext(b: u8) -> bool {
    matches!(b, b'^' | b'{' | b'}' | b'\\' | b'[' | b'~' | b']' | b'|' | 0x0C)
}

/// Whether `c` is in the GSM-7 default alphabet or its extension table.
///
/// Note the traps of spec section 2: `ç`, U+001B, NBSP, TAB, `` ` ``, lowercase Greek and the
/// Latin-looking Greek capitals are **not** GSM-7.
///
/// ```
/// use bramka_core::encoding::is_gsm7;
/// assert!(is_gsm7('é') && is_gsm7('€') && is_gsm7('Ç') && is_gsm7('Ω'));
/// assert!(!is_gsm7('ç') && !is_gsm7('ł') && !is_gsm7('`') && !is_gsm7('\u{1B}') && !is_gsm7('\u{A0}'));
/// ```
#[inline]
pub fn is_gsm7(c: char) -> bool {
    cost(c) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast lookups agree with the transcribed tables for every BMP character.
    #[test]
    fn cost_matches_tables() {
        for u in 0..=0xFFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let want = if c != NONE && BASIC.contains(&c) {
                1
            } else if EXTENSION.iter().any(|&(_, e)| e == c) {
                2
            } else {
                0
            };
            assert_eq!(cost(c), want, "U+{u:04X}");
        }
    }

    #[test]
    fn ascii_predicates_match_tables() {
        for b in 0..128u8 {
            let want = if BASIC.contains(&char::from(b)) {
                1
            } else if EXTENSION.iter().any(|&(_, e)| e == char::from(b)) {
                2
            } else {
                0
            };
            assert_eq!(ascii_bad(b), want == 0, "{b:#x}");
            assert_eq!(ascii_ext(b), want == 2, "{b:#x}");
        }
    }

    #[test]
    fn multibyte_cost_matches_cost() {
        for u in 0x80..=0xFFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let (k, n) = multibyte_cost(bytes, 0);
            assert_eq!(k, cost(c), "U+{u:04X}");
            if k != 0 {
                assert_eq!(n, bytes.len());
            }
        }
    }

    #[test]
    fn table_shape() {
        let mut seen = std::collections::HashSet::new();
        for c in BASIC.iter().filter(|&&c| c != NONE) {
            assert!(seen.insert(*c), "duplicate {c:?}");
        }
        assert_eq!(seen.len(), 127);
        assert_eq!(BASIC[0x1B], NONE);
        assert_eq!(BASIC[0x00], '@');
        assert_eq!(BASIC[0x02], '$');
        assert_eq!(BASIC[0x24], '¤');
        assert_eq!(BASIC[0x7F], 'à');
    }
}
