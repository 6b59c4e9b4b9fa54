//! Phone numbers: parsing, normalisation to E.164 digits, recipient lists, masking.
//!
//! A [`PhoneNumber`] holds the E.164 digits of a number (country code first, 8 to 15 digits).
//! Each operator formats it as it needs: [`PhoneNumber::e164`] (`+48600100200`),
//! [`PhoneNumber::digits`] (`48600100200`), or `format!("00{}", n.digits())`.
//!
//! # Parsing rules
//!
//! Parsing is plain code (no numbering-plan data; see the `strict-phone` feature for that):
//!
//! 1. Surrounding whitespace is trimmed. Inside the number, spaces (also tab, no-break, thin and
//!    narrow no-break spaces), `-` (and the Unicode hyphens and en dash), `.`, `/`, `(` and `)` are
//!    separators and ignored. Any other character (a letter, `*`, `#`, `,`...) is an error.
//! 2. A `+` is accepted once, before the first digit: `+48 600 100 200`, `(+48) 600 100 200`.
//!    After a `+` or a leading `00`, a `(0)` written after the country code (`+44 (0)20 7946 0958`)
//!    is dropped.
//! 3. `+` or `00` means the number is international: `0048600100200`.
//! 4. A number starting with a single `0` is national with a trunk prefix. It is accepted only when
//!    the policy's [`trunk_zero`](PhonePolicy::trunk_zero) rule is on (UK `07700 900123` with
//!    prefix 44 gives `+447700900123`); otherwise it is refused rather than guessed.
//! 5. A number of at most [`national_max_len`](PhonePolicy::national_max_len) digits (9 by default
//!    when a prefix is set: Polish national numbers) gets the policy's default country code.
//! 6. Anything else is taken as international written without `+`: `48600100200`.
//!    A number of 9 digits or fewer without `+`, `00` or a default prefix is refused
//!    ([`PhoneError::NationalWithoutPrefix`]): `600100200` is a Polish number written nationally,
//!    not +60 (Malaysia).
//! 7. The result must have 8 to 15 digits and its country code cannot start with `0`.
//!
//! ```
//! use bramka_core::phone::{PhoneNumber, PhonePolicy};
//!
//! let n = PhoneNumber::parse("(+48) 600-100-200").unwrap();
//! assert_eq!(n.e164(), "+48600100200");
//! assert_eq!(n.digits(), "48600100200");
//! assert_eq!(n.masked(), "+48600***200");
//!
//! let pl = PhonePolicy::with_default_prefix("+48");
//! assert_eq!(PhoneNumber::parse_with("600 100 200", &pl).unwrap().to_string(), "+48600100200");
//!
//! let uk = PhonePolicy::with_default_prefix("44").with_trunk_zero(true);
//! assert_eq!(PhoneNumber::parse_with("07700 900123", &uk).unwrap().e164(), "+447700900123");
//!
//! assert!(PhoneNumber::parse("+48 600 1OO 200").is_err()); // letters O, not zeros
//! ```
//!
//! # Recipient lists
//!
//! [`parse_list`] splits on `,`, `;` and newlines, skips empty entries, removes duplicates (after
//! normalisation, keeping the first) and reports every bad entry at once with its 1-based position
//! among the non-empty entries.
//!
//! ```
//! use bramka_core::phone::{parse_list, PhonePolicy};
//!
//! let pl = PhonePolicy::with_default_prefix("48");
//! let list = parse_list("600100200, +48 600 100 200; 0044 7911 123456\n", &pl).unwrap();
//! assert_eq!(list.len(), 2);
//!
//! let err = parse_list("600100200, abc; 12", &pl).unwrap_err();
//! assert_eq!(err.errors.iter().map(|e| e.position).collect::<Vec<_>>(), [2, 3]);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(feature = "strict-phone")]
mod strict;
#[cfg(feature = "strict-phone")]
pub use strict::{LineType, StrictError, StrictInfo, warm_up};

/// Fewest digits of a normalised number (country code included).
pub const MIN_DIGITS: usize = 8;
/// Most digits of a normalised number (the E.164 maximum).
pub const MAX_DIGITS: usize = 15;

/// What the parser accepts, quoted in errors.
const ACCEPTED: &str = "accepted: digits with spaces, '-', '.', '/' or parentheses, in international form \
     (+48 600 100 200, 0048600100200, 48600100200) or, with a default prefix configured, national form";

/// A phone number in E.164 form (8 to 15 digits, country code first).
///
/// `Display` and `Serialize` give `+` and the digits; `FromStr` and `Deserialize` parse with
/// [`PhoneNumber::parse`] (international form, no default prefix).
///
/// ```
/// use bramka_core::PhoneNumber;
///
/// let n = PhoneNumber::parse("+48 600-100-200").unwrap();
/// assert_eq!(n.e164(), "+48600100200");
/// assert_eq!(n.digits(), "48600100200");
/// assert_eq!(n.to_string(), "+48600100200");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    digits: String,
}

/// How national numbers are completed.
///
/// The default policy has no default prefix: every number must be international (with or without
/// `+`). Build one with [`PhonePolicy::with_default_prefix`] and the `with_*` methods.
///
/// ```
/// use bramka_core::{PhoneNumber, PhonePolicy};
///
/// let uk = PhonePolicy::with_default_prefix("+44").with_trunk_zero(true);
/// let n = PhoneNumber::parse_with("07700 900123", &uk).unwrap();
/// assert_eq!(n.e164(), "+447700900123");
/// // The default policy refuses national numbers.
/// assert!(PhoneNumber::parse_with("600100200", &PhonePolicy::default()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PhonePolicy {
    /// Country calling code (digits, e.g. `"48"`) given to numbers of `national_max_len` digits or fewer.
    pub default_prefix: Option<String>,
    /// Numbers with at most this many digits get the default prefix (9 by default).
    pub national_max_len: usize,
    /// Strip one national trunk `0` before adding the prefix (UK `07700 900123`).
    pub trunk_zero: bool,
}

impl Default for PhonePolicy {
    /// No default prefix; numbers of 9 digits or fewer without `+` are national and refused.
    fn default() -> Self {
        PhonePolicy { default_prefix: None, national_max_len: 9, trunk_zero: false }
    }
}

impl PhonePolicy {
    /// A policy with a default prefix such as `"+48"`, `"0048"` or `"48"`; national numbers are
    /// those of 9 digits or fewer, with no trunk `0`.
    ///
    /// The prefix is checked when a number is parsed (or by [`validate`](Self::validate)): it
    /// must be a country calling code, 1 to 3 digits not starting with `0`.
    pub fn with_default_prefix(prefix: &str) -> Self {
        let p = prefix.trim();
        let p = p.strip_prefix('+').or_else(|| p.strip_prefix("00")).unwrap_or(p);
        PhonePolicy { default_prefix: Some(p.trim().to_owned()), national_max_len: 9, trunk_zero: false }
    }

    /// Turns the national trunk `0` rule on or off (on for the UK, Germany, France...; off for
    /// Poland, whose numbers have no trunk prefix). With it, `0` followed by a national number
    /// is national whatever its length; the result must still have 8 to 15 digits.
    #[must_use]
    pub fn with_trunk_zero(mut self, on: bool) -> Self {
        self.trunk_zero = on;
        self
    }

    /// Sets the longest national number (without a trunk `0`) that gets the default prefix.
    #[must_use]
    pub fn with_national_max_len(mut self, digits: usize) -> Self {
        self.national_max_len = digits;
        self
    }

    /// Checks the default prefix (1 to 3 digits, not starting with `0`) and that the trunk rule
    /// has a prefix to add.
    ///
    /// # Errors
    ///
    /// Returns [`PhoneError::InvalidDefaultPrefix`] when the default prefix is not 1 to 3 digits or
    /// starts with `0`, or when the trunk-zero rule is on without a default prefix.
    pub fn validate(&self) -> Result<(), PhoneError> {
        match &self.default_prefix {
            Some(p) => {
                let ok = (1..=3).contains(&p.len())
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && !p.starts_with('0');
                if ok { Ok(()) } else { Err(PhoneError::InvalidDefaultPrefix { prefix: p.clone() }) }
            }
            None if self.trunk_zero => Err(PhoneError::InvalidDefaultPrefix { prefix: String::new() }),
            None => Ok(()),
        }
    }
}

/// Why a phone number was refused. Every variant with an `input` carries the text as given.
///
/// ```
/// use bramka_core::{PhoneError, PhoneNumber};
///
/// match PhoneNumber::parse("600100200") {
///     Err(PhoneError::NationalWithoutPrefix { input, digits }) => {
///         assert_eq!((input.as_str(), digits), ("600100200", 9));
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    /// Empty input.
    #[error("empty phone number; {ACCEPTED}")]
    Empty,
    /// A character that is not a digit or an accepted separator.
    #[error(
        "invalid character {found:?} in phone number {input:?}: digits, spaces, '-', '.', '/', '(', ')' and a leading '+' or '00' are accepted"
    )]
    InvalidCharacter {
        /// The input.
        input: String,
        /// The offending character.
        found: char,
    },
    /// The result has the wrong number of digits.
    #[error(
        "phone number {input:?} has {digits} digits after normalisation (country code included); 8 to 15 are accepted"
    )]
    InvalidLength {
        /// The input.
        input: String,
        /// Digits counted.
        digits: usize,
    },
    /// Separators only, no digit.
    #[error("phone number {input:?} has no digits; {ACCEPTED}")]
    NoDigits {
        /// The input.
        input: String,
    },
    /// A `+` after the first digit.
    #[error("phone number {input:?} has a '+' after its first digit; a '+' is accepted only at the start")]
    MisplacedPlus {
        /// The input.
        input: String,
    },
    /// More than one `+`.
    #[error("phone number {input:?} has more than one '+'; one leading '+' is accepted")]
    MultiplePlus {
        /// The input.
        input: String,
    },
    /// After `+` or `00` the country code starts with `0`, which no country code does.
    #[error(
        "phone number {input:?} has a country code starting with 0; after '+' or '00' write the country code (+48 600 100 200)"
    )]
    InvalidCountryCode {
        /// The input.
        input: String,
    },
    /// A national number with a trunk `0` while the policy has no trunk rule.
    #[error(
        "phone number {input:?} starts with a national trunk prefix 0; write it in international form (+44 7700 900123) or configure a default prefix with the trunk-zero rule"
    )]
    TrunkZero {
        /// The input.
        input: String,
    },
    /// A national number (no `+`, no `00`, at most 9 digits) while no default prefix is configured.
    #[error(
        "phone number {input:?} has {digits} digits and no country code, and no default prefix is configured; write it with '+' and the country code (+48 600 100 200) or set a default prefix (e.g. 48)"
    )]
    NationalWithoutPrefix {
        /// The input.
        input: String,
        /// Digits counted.
        digits: usize,
    },
    /// The policy's default prefix is not a country calling code.
    #[error(
        "invalid default prefix {prefix:?}: a country calling code of 1 to 3 digits not starting with 0 is accepted (\"48\", \"+44\"), and the trunk-zero rule needs one"
    )]
    InvalidDefaultPrefix {
        /// The prefix as configured (empty when the trunk rule has none).
        prefix: String,
    },
}

impl PhoneError {
    /// The input that was refused, when the error is about one input.
    pub fn input(&self) -> Option<&str> {
        match self {
            PhoneError::InvalidCharacter { input, .. }
            | PhoneError::InvalidLength { input, .. }
            | PhoneError::NoDigits { input }
            | PhoneError::MisplacedPlus { input }
            | PhoneError::MultiplePlus { input }
            | PhoneError::InvalidCountryCode { input }
            | PhoneError::TrunkZero { input }
            | PhoneError::NationalWithoutPrefix { input, .. } => Some(input),
            PhoneError::Empty | PhoneError::InvalidDefaultPrefix { .. } => None,
        }
    }
}

/// Separators ignored inside a number.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{a0}'
            | '\u{2009}'
            | '\u{202f}'
            | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2013}'
            | '.'
            | '/'
            | '('
            | ')'
    )
}

impl PhoneNumber {
    /// Parses an international number (`+48 600 100 200`, `0048600100200`, `48600100200`)
    /// with the default policy (no default prefix).
    ///
    /// # Errors
    ///
    /// Returns a [`PhoneError`] as [`parse_with`](Self::parse_with) does; without a default prefix a
    /// national number is [`PhoneError::NationalWithoutPrefix`].
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        Self::parse_with(input, &PhonePolicy::default())
    }

    /// Parses with a policy (default prefix, national length, trunk zero); see the
    /// [module documentation](self) for the rules.
    ///
    /// # Errors
    ///
    /// Returns a [`PhoneError`] naming the input and the rule it breaks: an invalid `policy`
    /// ([`PhoneError::InvalidDefaultPrefix`]), a blank input ([`PhoneError::Empty`]), a character
    /// other than digits and separators, a misplaced or repeated `+`, no digits, an unknown country
    /// code, a wrong length, a national number without a default prefix, or a trunk `0` where none is
    /// allowed.
    pub fn parse_with(input: &str, policy: &PhonePolicy) -> Result<Self, PhoneError> {
        policy.validate()?;
        let owned = || input.to_owned();
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        let mut rest = trimmed;
        while let Some(c) = rest.chars().next() {
            // `+44 (0)20 ...`: the `(0)` after an international country code is dropped.
            if c == '('
                && rest.starts_with("(0)")
                && ((plus && !digits.is_empty()) || (digits.starts_with("00") && digits.len() > 2))
            {
                rest = &rest[3..];
                continue;
            }
            match c {
                '0'..='9' => digits.push(c),
                '+' if plus => return Err(PhoneError::MultiplePlus { input: owned() }),
                '+' if !digits.is_empty() => {
                    return Err(if rest[1..].contains('+') {
                        PhoneError::MultiplePlus { input: owned() }
                    } else {
                        PhoneError::MisplacedPlus { input: owned() }
                    });
                }
                '+' => plus = true,
                c if is_separator(c) => {}
                other => return Err(PhoneError::InvalidCharacter { input: owned(), found: other }),
            }
            rest = &rest[c.len_utf8()..];
        }
        if digits.is_empty() {
            return Err(PhoneError::NoDigits { input: owned() });
        }
        let prefix = policy.default_prefix.as_deref();
        let intl = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(national) = digits.strip_prefix('0') {
            match prefix {
                Some(p) if policy.trunk_zero => format!("{p}{national}"),
                _ => return Err(PhoneError::TrunkZero { input: owned() }),
            }
        } else {
            match prefix {
                Some(p) if digits.len() <= policy.national_max_len => format!("{p}{digits}"),
                // A short number without a country code is national; sending it as it is would
                // send `600100200` to +60 (Malaysia).
                None if digits.len() <= policy.national_max_len => {
                    return Err(PhoneError::NationalWithoutPrefix { input: owned(), digits: digits.len() });
                }
                _ => digits,
            }
        };
        if intl.starts_with('0') {
            return Err(PhoneError::InvalidCountryCode { input: owned() });
        }
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&intl.len()) {
            return Err(PhoneError::InvalidLength { input: owned(), digits: intl.len() });
        }
        Ok(PhoneNumber { digits: intl })
    }

    /// E.164 digits without `+` (`48600100200`).
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// E.164 with `+` (`+48600100200`).
    pub fn e164(&self) -> String {
        format!("+{}", self.digits)
    }

    /// A masked rendering for logs: `+48600***200`.
    ///
    /// The last 3 digits are shown, the first 5 at most (country code and network prefix), and
    /// at least 3 digits are always hidden behind a fixed `***` (which does not reveal how many).
    pub fn masked(&self) -> String {
        let d = &self.digits;
        let n = d.len();
        let head = n.saturating_sub(6).min(5);
        format!("+{}***{}", &d[..head], &d[n - 3..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.digits)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber(+{})", self.digits)
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One refused entry of a recipient list.
///
/// ```
/// use bramka_core::phone::{parse_list, PhonePolicy};
///
/// let e = parse_list("+48600100200, 12x", &PhonePolicy::default()).unwrap_err();
/// assert_eq!(e.errors[0].position, 2);
/// assert_eq!(e.errors[0].input, "12x");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntryError {
    /// 1-based position of the entry among the list's non-empty entries.
    pub position: usize,
    /// The entry as written (trimmed).
    pub input: String,
    /// Why it was refused.
    pub error: PhoneError,
}

impl fmt::Display for ListEntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {:?}: {}", self.position, self.input, self.error)
    }
}

impl std::error::Error for ListEntryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A recipient list had bad entries; all of them are listed, in order.
///
/// ```
/// use bramka_core::phone::{parse_list, PhonePolicy};
///
/// let e = parse_list("1, +48600100200, 2", &PhonePolicy::default()).unwrap_err();
/// let positions: Vec<usize> = e.errors.iter().map(|x| x.position).collect();
/// assert_eq!(positions, [1, 3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} bad recipient(s): {}", .errors.len(), .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct RecipientListError {
    /// Every bad entry.
    pub errors: Vec<ListEntryError>,
}

/// Parses `"a, b; c"` or newline-separated lists; removes duplicates (after normalisation)
/// keeping the first; reports every bad entry with its position.
///
/// # Errors
///
/// Returns a [`RecipientListError`] listing every entry that [`PhoneNumber::parse_with`] refuses,
/// with its 1-based position and the [`PhoneError`].
pub fn parse_list(input: &str, policy: &PhonePolicy) -> Result<Vec<PhoneNumber>, RecipientListError> {
    let mut out: Vec<PhoneNumber> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for (i, entry) in list_entries(input).enumerate() {
        match PhoneNumber::parse_with(entry, policy) {
            Ok(n) => {
                if seen.insert(n.digits.clone()) {
                    out.push(n)
                }
            }
            Err(error) => errors.push(ListEntryError { position: i + 1, input: entry.to_owned(), error }),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(RecipientListError { errors }) }
}

/// The non-empty, trimmed entries of a recipient list (split on `,`, `;` and newlines), in order.
pub fn list_entries(input: &str) -> impl Iterator<Item = &str> {
    input.split([',', ';', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pl() -> PhonePolicy {
        PhonePolicy::with_default_prefix("+48")
    }

    #[test]
    fn accepted_forms_give_the_same_number() {
        for s in ["+48 600-100-200", "(+48) 600 100 200", "0048600100200", "48600100200", " +48.600/100/200 "]
        {
            assert_eq!(PhoneNumber::parse(s).unwrap().digits(), "48600100200", "{s}");
        }
        assert_eq!(PhoneNumber::parse_with("600 100 200", &pl()).unwrap().digits(), "48600100200");
    }

    #[test]
    fn prefix_forms_are_normalised_and_checked() {
        for p in ["48", "+48", "0048", " +48 "] {
            assert_eq!(PhonePolicy::with_default_prefix(p).default_prefix.as_deref(), Some("48"), "{p}");
        }
        for p in ["", "4a", "0", "1234"] {
            let err = PhoneNumber::parse_with("600100200", &PhonePolicy::with_default_prefix(p)).unwrap_err();
            assert!(matches!(err, PhoneError::InvalidDefaultPrefix { .. }), "{p}: {err}");
        }
        let no_prefix_trunk = PhonePolicy::default().with_trunk_zero(true);
        assert!(no_prefix_trunk.validate().is_err());
    }

    #[test]
    fn plus_rules() {
        let e = PhoneNumber::parse("48+600100200").unwrap_err();
        assert!(matches!(e, PhoneError::MisplacedPlus { .. }), "{e}");
        let e = PhoneNumber::parse("++48600100200").unwrap_err();
        assert!(matches!(e, PhoneError::MultiplePlus { .. }), "{e}");
        let e = PhoneNumber::parse("+48 600 +100 +200").unwrap_err();
        assert!(matches!(e, PhoneError::MultiplePlus { .. }), "{e}");
        let e = PhoneNumber::parse("4860+0100200").unwrap_err();
        assert!(matches!(e, PhoneError::MisplacedPlus { .. }), "{e}");
    }

    #[test]
    fn masked_hides_at_least_three_digits() {
        let m = |s: &str| PhoneNumber::parse(s).unwrap().masked();
        assert_eq!(m("+48600100200"), "+48600***200");
        assert_eq!(m("+12345678"), "+12***678");
        assert_eq!(m("+123456789012345"), "+12345***345");
    }

    #[test]
    fn paren_zero_after_country_code_is_dropped() {
        let n = PhoneNumber::parse("+44 (0)20 7946 0958").unwrap();
        assert_eq!(n.e164(), "+442079460958");
        let n = PhoneNumber::parse("0044 (0)20 7946 0958").unwrap();
        assert_eq!(n.e164(), "+442079460958");
        // Not after a country code: `(0)` is a plain zero, hence a trunk zero here.
        assert!(matches!(PhoneNumber::parse("(0)20 7946 0958"), Err(PhoneError::TrunkZero { .. })));
    }
}
