//! Phone numbers: parsing, normalisation to E.164 digits, recipient lists, masking.
//!
//! STUB: to be completed (trunk rules, list parsing with positions, masking, property tests).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form (8 to 15 digits, country code first).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    digits: String,
}

/// How national numbers are completed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PhonePolicy {
    /// Country calling code (digits, e.g. `"48"`) given to numbers of `national_max_len` digits or fewer.
    pub default_prefix: Option<String>,
    /// Numbers with at most this many digits get the default prefix (9 by default).
    pub national_max_len: usize,
    /// Strip one national trunk `0` before adding the prefix (UK `07700 900123`).
    pub trunk_zero: bool,
}

impl PhonePolicy {
    /// A policy with a default prefix such as `"+48"` or `"48"`.
    pub fn with_default_prefix(prefix: &str) -> Self {
        PhonePolicy {
            default_prefix: Some(prefix.trim_start_matches('+').to_owned()),
            national_max_len: 9,
            trunk_zero: false,
        }
    }
}

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    /// Empty input.
    #[error("empty phone number")]
    Empty,
    /// A character that is not a digit or an accepted separator.
    #[error(
        "invalid character {found:?} in phone number {input:?}: digits, spaces, '-', '.', '(', ')' and a leading '+' or '00' are accepted"
    )]
    InvalidCharacter {
        /// The input.
        input: String,
        /// The offending character.
        found: char,
    },
    /// The result has the wrong number of digits.
    #[error("phone number {input:?} has {digits} digits after normalisation; E.164 needs 8 to 15")]
    InvalidLength {
        /// The input.
        input: String,
        /// Digits counted.
        digits: usize,
    },
}

impl PhoneNumber {
    /// Parses an international number (`+48 600 100 200`, `0048600100200`, `48600100200`).
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        Self::parse_with(input, &PhonePolicy::default())
    }

    /// Parses with a policy (default prefix, trunk zero).
    pub fn parse_with(input: &str, policy: &PhonePolicy) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::new();
        let mut plus = false;
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !plus && i <= 1 => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                other => {
                    return Err(PhoneError::InvalidCharacter { input: input.to_owned(), found: other });
                }
            }
        }
        let intl = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(prefix) =
            policy.default_prefix.as_deref().filter(|_| digits.len() <= policy.national_max_len)
        {
            let national =
                if policy.trunk_zero { digits.strip_prefix('0').unwrap_or(&digits) } else { &digits };
            format!("{prefix}{national}")
        } else {
            digits
        };
        if !(8..=15).contains(&intl.len()) {
            return Err(PhoneError::InvalidLength { input: input.to_owned(), digits: intl.len() });
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

    /// A masked rendering for logs (`+48600***200`).
    pub fn masked(&self) -> String {
        let d = &self.digits;
        let n = d.len();
        format!("+{}***{}", &d[..n.saturating_sub(6).min(n)], &d[n.saturating_sub(3)..])
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntryError {
    /// 1-based position of the entry in the list.
    pub position: usize,
    /// The entry as written.
    pub input: String,
    /// Why it was refused.
    pub error: PhoneError,
}

/// A recipient list had bad entries; all of them are listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} bad recipient(s): {}", .errors.len(), .errors.iter().map(|e| format!("#{} {:?}: {}", e.position, e.input, e.error)).collect::<Vec<_>>().join("; "))]
pub struct RecipientListError {
    /// Every bad entry.
    pub errors: Vec<ListEntryError>,
}

/// Parses `"a, b; c"` or newline-separated lists; removes duplicates keeping the first.
pub fn parse_list(input: &str, policy: &PhonePolicy) -> Result<Vec<PhoneNumber>, RecipientListError> {
    let mut out: Vec<PhoneNumber> = Vec::new();
    let mut errors = Vec::new();
    for (i, entry) in list_entries(input).enumerate() {
        match PhoneNumber::parse_with(entry, policy) {
            Ok(n) => {
                if !out.contains(&n) {
                    out.push(n)
                }
            }
            Err(error) => errors.push(ListEntryError { position: i + 1, input: entry.to_owned(), error }),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(RecipientListError { errors }) }
}

/// The non-empty, trimmed entries of a recipient list, in order.
pub fn list_entries(input: &str) -> impl Iterator<Item = &str> {
    input.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty())
}
