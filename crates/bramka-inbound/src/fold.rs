//! The matching key: how a received text is normalised before keywords and answers are compared.
//!
//! The stored text always stays exactly as received; only a matching copy is folded:
//!
//! 1. NFKC (composes decomposed accents such as `e` + combining ogonek, and flattens full-width
//!    and styled compatibility forms, so `ＶＯＴＥ` is `VOTE`);
//! 2. full, locale-independent case folding (`ß` → `ss`, final `ς` → `σ`, `İ` → `i̇`, then
//!    lower case), so there is no Turkish-i surprise;
//! 3. diacritic folding: decompose, drop combining marks, then an explicit table for letters
//!    that have no decomposition (`ł` → `l`, `đ` → `d`, `ø` → `o`, `æ` → `ae`, `œ` → `oe`,
//!    `ı` → `i`, `ð` → `d`, `þ` → `th`, `ħ` → `h`, `ŀ` → `l`).
//!
//! Senders often leave out Polish letters to stay in the 160-character GSM alphabet, so
//! `glosuje a` must meet `GŁOSUJĘ A`:
//!
//! ```
//! use bramka_inbound::fold::{fold, tokens};
//! assert_eq!(fold("GŁOSUJĘ"), "glosuje");
//! assert_eq!(fold("Straße"), "strasse");
//! assert_eq!(tokens("  Vote:-a , please"), vec!["vote", "a", "please"]);
//! ```

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Letters with no canonical decomposition and what they fold to (after case folding, so only
/// lower-case forms are listed).
const LETTERS: &[(char, &str)] = &[
    ('ł', "l"),
    ('đ', "d"),
    ('ø', "o"),
    ('æ', "ae"),
    ('œ', "oe"),
    ('ı', "i"),
    ('ð', "d"),
    ('þ', "th"),
    ('ħ', "h"),
    ('ŀ', "l"),
    ('ŧ', "t"),
    ('ƶ', "z"),
];

/// Full case folding of one character into `out` (Unicode `CaseFolding.txt` status C+F for the
/// characters where it differs from lower-casing; lower-casing otherwise).
fn case_fold_into(c: char, out: &mut String) {
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'ς' => out.push('σ'),
        'ſ' => out.push('s'),
        'ﬀ' => out.push_str("ff"),
        'ﬁ' => out.push_str("fi"),
        'ﬂ' => out.push_str("fl"),
        'ﬃ' => out.push_str("ffi"),
        'ﬄ' => out.push_str("ffl"),
        'ﬅ' | 'ﬆ' => out.push_str("st"),
        other => out.extend(other.to_lowercase()),
    }
}

/// The folded matching key of `s`: NFKC, full case folding, diacritic folding. Idempotent.
pub fn fold(s: &str) -> String {
    let mut cased = String::with_capacity(s.len());
    for c in s.nfkc() {
        case_fold_into(c, &mut cased);
    }
    let mut out = String::with_capacity(cased.len());
    for c in cased.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match LETTERS.iter().find(|(k, _)| *k == c) {
            Some((_, v)) => out.push_str(v),
            None => out.push(c),
        }
    }
    out.nfc().collect()
}

/// Whether `c` separates a keyword from its answer: any white space (including the no-break
/// space) and `:`, `.`, `,`, `-`, `;`.
pub fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ':' | '.' | ',' | '-' | ';' | '\u{2013}' | '\u{2014}')
}

/// The folded text split on runs of separators; empty tokens never appear.
pub fn tokens(s: &str) -> Vec<String> {
    fold(s).split(is_separator).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_polish_and_other_letters() {
        assert_eq!(fold("Zażółć gęślą jaźń ĄĆĘŁŃÓŚŹŻ"), "zazolc gesla jazn acelnoszz");
        assert_eq!(fold("GŁOSUJĘ"), fold("glosuje"));
        assert_eq!(fold("Ærø"), "aero");
        assert_eq!(fold("İSTANBUL"), "istanbul");
        assert_eq!(fold("ＶＯＴＥ"), "vote");
        // e + combining ogonek (decomposed) meets the precomposed ę.
        assert_eq!(fold("g\u{142}osuje\u{328}"), fold("głosuję"));
    }

    #[test]
    fn fold_is_idempotent_on_samples() {
        for s in ["GŁOSUJĘ A", "Straße", "ΣΟΦΟΣ", "ﬁne", "Ǆ", "ŉ"] {
            let once = fold(s);
            assert_eq!(fold(&once), once, "{s}");
        }
    }

    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    /// Polish text drawn from letters with and without diacritics, digits and separators.
    fn polish() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(
                "aąbcćdeęfghijklłmnńoóprsśtuwyzźżAĄBCĆDEĘFGHIJKLŁMNŃOÓPRSŚTUWYZŹŻ0159 :.,-\u{a0}\t"
                    .chars()
                    .collect::<Vec<_>>(),
            ),
            0..24,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn strip_polish(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                'ą' => 'a',
                'ć' => 'c',
                'ę' => 'e',
                'ł' => 'l',
                'ń' => 'n',
                'ó' => 'o',
                'ś' => 's',
                'ź' | 'ż' => 'z',
                'Ą' => 'A',
                'Ć' => 'C',
                'Ę' => 'E',
                'Ł' => 'L',
                'Ń' => 'N',
                'Ó' => 'O',
                'Ś' => 'S',
                'Ź' | 'Ż' => 'Z',
                o => o,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn matching_key_is_invariant(s in polish()) {
            let key = fold(&s);
            prop_assert_eq!(fold(&key), key.clone(), "idempotent");
            prop_assert_eq!(fold(&s.to_uppercase()), key.clone(), "case");
            prop_assert_eq!(fold(&s.nfd().collect::<String>()), key.clone(), "NFD");
            prop_assert_eq!(fold(&strip_polish(&s)), key.clone(), "diacritics dropped by the sender");
            prop_assert!(key.is_ascii(), "Polish folds to ASCII: {:?}", key);
        }

        #[test]
        fn tokens_ignore_separator_runs(words in proptest::collection::vec("[a-zA-Z0-9ąęłżŁĘ]{1,6}", 1..5),
                                        seps in proptest::collection::vec("[ :.,\\-\t]{1,4}", 5)) {
            let mut text = String::new();
            for (i, w) in words.iter().enumerate() {
                text.push_str(w);
                text.push_str(&seps[i]);
            }
            let expected: Vec<String> = words.iter().map(|w| fold(w)).collect();
            prop_assert_eq!(tokens(&text), expected);
        }
    }

    #[test]
    fn tokens_split_on_separator_runs() {
        assert_eq!(tokens("vote   a"), vec!["vote", "a"]);
        assert_eq!(tokens("Vote:a"), vec!["vote", "a"]);
        assert_eq!(tokens("vote\u{a0}-\ta"), vec!["vote", "a"]);
        assert!(tokens(" .:, ").is_empty());
    }
}
