//! National language shift tables for Turkish, Spanish and Portuguese (3GPP TS 23.038 Annex A,
//! Release 18), cross-checked against `warthog618/sms` and Android's tables. Opt-in: HTTP SMS APIs generally do not signal them.

use serde::Serialize;

use super::gsm7::{self, BASIC, EXTENSION};

/// A national language whose 3GPP shift tables may be used for GSM-7 (opt-in, see
/// [`Policy::with_language`](super::Policy::with_language)).
///
/// ```
/// use bramka_core::encoding::{analyze, Encoding, NationalLanguage, Policy};
///
/// let turkish = Policy::default().with_language(Some(NationalLanguage::Turkish));
/// assert_eq!(analyze("Şeker", &turkish).encoding(), Encoding::Gsm7);
/// assert_eq!(NationalLanguage::parse("tr"), Some(NationalLanguage::Turkish));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum NationalLanguage {
    /// Turkish (language id 1): locking and single shift tables.
    Turkish,
    /// Spanish (language id 2): single shift table only.
    Spanish,
    /// Portuguese (language id 3): locking and single shift tables.
    Portuguese,
}

impl NationalLanguage {
    /// The language identifier carried in the UDH information element.
    pub fn id(self) -> u8 {
        match self {
            NationalLanguage::Turkish => 1,
            NationalLanguage::Spanish => 2,
            NationalLanguage::Portuguese => 3,
        }
    }

    /// Parses `tr`, `es`, `pt` (or the English names, any case).
    pub fn parse(s: &str) -> Option<NationalLanguage> {
        match s.to_ascii_lowercase().as_str() {
            "tr" | "turkish" => Some(NationalLanguage::Turkish),
            "es" | "spanish" => Some(NationalLanguage::Spanish),
            "pt" | "portuguese" => Some(NationalLanguage::Portuguese),
            _ => None,
        }
    }

    fn locking(self) -> Option<&'static [char; 128]> {
        match self {
            NationalLanguage::Turkish => Some(&TURKISH_LOCKING),
            NationalLanguage::Spanish => None,
            NationalLanguage::Portuguese => Some(&PORTUGUESE_LOCKING),
        }
    }

    fn single(self) -> &'static [(u8, char)] {
        match self {
            NationalLanguage::Turkish => &TURKISH_SINGLE,
            NationalLanguage::Spanish => &SPANISH_SINGLE,
            NationalLanguage::Portuguese => &PORTUGUESE_SINGLE,
        }
    }
}

/// Which shift tables a GSM-7 message uses; `None` means the default alphabet / extension table.
/// Each table in use adds a 3-octet information element to the UDH of every part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct ShiftTables {
    /// Locking shift table replacing the default alphabet.
    pub locking: Option<NationalLanguage>,
    /// Single shift table replacing the extension table.
    pub single: Option<NationalLanguage>,
}

impl ShiftTables {
    /// Number of shift-table information elements in the UDH (0, 1 or 2).
    pub fn ies(self) -> usize {
        usize::from(self.locking.is_some()) + usize::from(self.single.is_some())
    }

    /// The combinations Android tries for `lang`, default tables first.
    pub(crate) fn candidates(lang: NationalLanguage) -> impl Iterator<Item = ShiftTables> {
        let l = lang.locking().map(|_| lang);
        [
            ShiftTables { locking: None, single: None },
            ShiftTables { locking: None, single: Some(lang) },
            ShiftTables { locking: l, single: None },
            ShiftTables { locking: l, single: Some(lang) },
        ]
        .into_iter()
        .enumerate()
        .filter(move |(i, _)| *i < 2 || l.is_some())
        .map(|(_, t)| t)
    }

    /// Septets `c` costs with these tables: 1, 2, or 0 when they cannot carry it.
    #[inline]
    pub(crate) fn cost(self, c: char) -> u8 {
        if self.locking.is_none() && self.single.is_none() {
            return gsm7::cost(c);
        }
        let basic = match self.locking.and_then(NationalLanguage::locking) {
            None => gsm7::cost(c) == 1,
            Some(table) => table.contains(&c),
        };
        if basic {
            return 1;
        }
        let ext = match self.single {
            None => EXTENSION.iter().any(|&(_, e)| e == c),
            Some(lang) => lang.single().iter().any(|&(_, e)| e == c),
        };
        if ext { 2 } else { 0 }
    }
}

const fn patch(diffs: &[(usize, char)]) -> [char; 128] {
    let mut t = BASIC;
    let mut i = 0;
    while i < diffs.len() {
        t[diffs[i].0] = diffs[i].1;
        i += 1;
    }
    t
}

/// Turkish locking shift (A.3.1): the default alphabet with these septets changed.
const TURKISH_LOCKING: [char; 128] = patch(&[
    (0x04, '€'),
    (0x07, 'ı'),
    (0x0B, 'Ğ'),
    (0x0C, 'ğ'),
    (0x1C, 'Ş'),
    (0x1D, 'ş'),
    (0x40, 'İ'),
    (0x60, 'ç'),
]);

/// Portuguese locking shift (A.3.3): the default alphabet with these septets changed.
const PORTUGUESE_LOCKING: [char; 128] = patch(&[
    (0x04, 'ê'),
    (0x06, 'ú'),
    (0x07, 'í'),
    (0x08, 'ó'),
    (0x09, 'ç'),
    (0x0B, 'Ô'),
    (0x0C, 'ô'),
    (0x0E, 'Á'),
    (0x0F, 'á'),
    (0x12, 'ª'),
    (0x13, 'Ç'),
    (0x14, 'À'),
    (0x15, '∞'),
    (0x16, '^'),
    (0x17, '\\'),
    (0x18, '€'),
    (0x19, 'Ó'),
    (0x1A, '|'),
    (0x1C, 'Â'),
    (0x1D, 'â'),
    (0x1E, 'Ê'),
    (0x24, 'º'),
    (0x40, 'Í'),
    (0x5B, 'Ã'),
    (0x5C, 'Õ'),
    (0x5D, 'Ú'),
    (0x60, '~'),
    (0x7B, 'ã'),
    (0x7C, 'õ'),
    (0x7D, '`'),
]);

/// Turkish single shift (A.2.1).
const TURKISH_SINGLE: [(u8, char); 17] = [
    (0x0A, '\u{000C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x47, 'Ğ'),
    (0x49, 'İ'),
    (0x53, 'Ş'),
    (0x63, 'ç'),
    (0x65, '€'),
    (0x67, 'ğ'),
    (0x69, 'ı'),
    (0x73, 'ş'),
];

/// Spanish single shift (A.2.2).
const SPANISH_SINGLE: [(u8, char); 19] = [
    (0x09, 'ç'),
    (0x0A, '\u{000C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x41, 'Á'),
    (0x49, 'Í'),
    (0x4F, 'Ó'),
    (0x55, 'Ú'),
    (0x61, 'á'),
    (0x65, '€'),
    (0x69, 'í'),
    (0x6F, 'ó'),
    (0x75, 'ú'),
];

/// Portuguese single shift (A.2.3).
const PORTUGUESE_SINGLE: [(u8, char); 37] = [
    (0x05, 'ê'),
    (0x09, 'ç'),
    (0x0A, '\u{000C}'),
    (0x0B, 'Ô'),
    (0x0C, 'ô'),
    (0x0E, 'Á'),
    (0x0F, 'á'),
    (0x12, 'Φ'),
    (0x13, 'Γ'),
    (0x14, '^'),
    (0x15, 'Ω'),
    (0x16, 'Π'),
    (0x17, 'Ψ'),
    (0x18, 'Σ'),
    (0x19, 'Θ'),
    (0x1F, 'Ê'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x41, 'À'),
    (0x49, 'Í'),
    (0x4F, 'Ó'),
    (0x55, 'Ú'),
    (0x5B, 'Ã'),
    (0x5C, 'Õ'),
    (0x61, 'Â'),
    (0x65, '€'),
    (0x69, 'í'),
    (0x6F, 'ó'),
    (0x75, 'ú'),
    (0x7B, 'ã'),
    (0x7C, 'õ'),
    (0x7F, 'â'),
];

#[cfg(test)]
mod tests {
    use super::super::gsm7::NONE;
    use super::*;

    #[test]
    fn single_shift_tables_hold_the_default_extension() {
        for lang in [NationalLanguage::Turkish, NationalLanguage::Spanish, NationalLanguage::Portuguese] {
            for &(s, c) in &EXTENSION {
                assert!(lang.single().contains(&(s, c)), "{lang:?} lacks {c:?}");
            }
            assert!(lang.single().windows(2).all(|w| w[0].0 < w[1].0), "{lang:?} septets sorted, unique");
            assert!(lang.single().iter().all(|&(s, _)| s != 0x1B && s != 0x0D && s < 0x80));
        }
    }

    #[test]
    fn locking_tables_match_spec_rows() {
        // Spot checks against the grids of spec section 9 (column + row).
        assert_eq!(TURKISH_LOCKING[0x60], 'ç');
        assert_eq!(TURKISH_LOCKING[0x1B], NONE);
        assert_eq!(TURKISH_LOCKING[0x41], 'A');
        assert_eq!(PORTUGUESE_LOCKING[0x7D], '`');
        assert_eq!(PORTUGUESE_LOCKING[0x7E], 'ü');
        assert_eq!(PORTUGUESE_LOCKING[0x10], 'Δ');
        assert_eq!(PORTUGUESE_LOCKING[0x5E], 'Ü');
        for t in [&TURKISH_LOCKING, &PORTUGUESE_LOCKING] {
            let distinct: std::collections::HashSet<_> = t.iter().filter(|&&c| c != NONE).collect();
            assert_eq!(distinct.len(), 127);
        }
    }

    #[test]
    fn costs_per_table_set() {
        let tr = NationalLanguage::Turkish;
        let lock = ShiftTables { locking: Some(tr), single: None };
        let single = ShiftTables { locking: None, single: Some(tr) };
        assert_eq!(lock.cost('ş'), 1);
        assert_eq!(lock.cost('è'), 0, "the Turkish locking table drops è");
        assert_eq!(lock.cost('€'), 1, "€ is a single septet in the Turkish locking table");
        assert_eq!(single.cost('ş'), 2);
        assert_eq!(single.cost('è'), 1);
        let pt = ShiftTables { locking: Some(NationalLanguage::Portuguese), single: None };
        assert_eq!(pt.cost('^'), 1);
        assert_eq!(pt.cost('{'), 2);
        assert_eq!(pt.cost('ß'), 0);
        assert_eq!(ShiftTables::candidates(NationalLanguage::Spanish).count(), 2);
        assert_eq!(ShiftTables::candidates(tr).count(), 4);
    }
}
