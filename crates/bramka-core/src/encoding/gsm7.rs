//! The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1 and §6.2.1.1).
//!
//! Source: `shared/reference/segmentation.md` sections 3 and 4 (transcribed from the 3GPP tables).
//! Lookups are a 128-entry array for ASCII and a `match` for the rest: no hashing, no allocation.

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

/// Septet cost of each ASCII character: 0 = not GSM-7, 1 = default alphabet, 2 = extension table.
pub(crate) const ASCII_COST: [u8; 128] = ascii_costs();

const fn ascii_costs() -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let c = BASIC[i];
        if (c as u32) < 128 {
            t[c as usize] = 1;
        }
        i += 1;
    }
    let mut j = 0;
    while j < EXTENSION.len() {
        let c = EXTENSION[j].1;
        if (c as u32) < 128 {
            t[c as usize] = 2;
        }
        j += 1;
    }
    t
}

/// Septets `c` costs in GSM-7 with the default tables: 1 (default alphabet), 2 (extension table)
/// or 0 when GSM-7 cannot carry it.
#[inline]
pub(crate) fn cost(c: char) -> u8 {
    if c.is_ascii() {
        return ASCII_COST[c as usize];
    }
    match c {
        '£' | '¥' | 'è' | 'é' | 'ù' | 'ì' | 'ò' | 'Ç' | 'Ø' | 'ø' | 'Å' | 'å' | 'Δ' | 'Φ' | 'Γ' | 'Λ'
        | 'Ω' | 'Π' | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' | 'Æ' | 'æ' | 'ß' | 'É' | '¤' | '¡' | 'Ä' | 'Ö' | 'Ñ' | 'Ü'
        | '§' | '¿' | 'ä' | 'ö' | 'ñ' | 'ü' | 'à' => 1,
        '€' => 2,
        _ => 0,
    }
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
