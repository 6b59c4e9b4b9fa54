//! `${VAR}` placeholders in configuration values (DSNs, tokens), expanded from a lookup such as
//! the process environment. One implementation for every configuration reader (the account
//! book and `bramka serve`'s file).
//!
//! ```
//! use bramka_core::placeholders::{Encode, expand};
//!
//! let env = |k: &str| (k == "TOKEN").then(|| "a b/c".to_owned());
//! assert_eq!(expand("smsapi://${TOKEN}@default", env, Encode::Percent).unwrap(), "smsapi://a%20b%2Fc@default");
//! assert_eq!(expand("Bearer ${TOKEN}", env, Encode::None).unwrap(), "Bearer a b/c");
//! assert_eq!(expand("${NOPE}", env, Encode::None).unwrap_err().to_string(),
//!     "environment variable NOPE is not set (named as ${NOPE})");
//! ```

/// How each value is written into the result.
///
/// ```
/// use bramka_core::placeholders::{expand, Encode};
///
/// let lookup = |_: &str| Some("a/b@c".to_owned());
/// assert_eq!(expand("smsapi://${T}@default", lookup, Encode::Percent).unwrap(), "smsapi://a%2Fb%40c@default");
/// assert_eq!(expand("${T}", lookup, Encode::None).unwrap(), "a/b@c");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encode {
    /// As it is (tokens, secrets).
    None,
    /// Percent-encoded, every byte but ASCII letters and digits (values inside a DSN or URL, so
    /// that `/`, `@` or `:` in a secret cannot change the URL's structure).
    Percent,
}

/// A placeholder could not be expanded.
///
/// ```
/// use bramka_core::placeholders::{expand, Encode, PlaceholderError};
///
/// let e = expand("smsapi://${TOKEN}@default", |_| None, Encode::Percent).unwrap_err();
/// assert_eq!(e, PlaceholderError::Missing { var: "TOKEN".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceholderError {
    /// The variable is not set.
    #[error("environment variable {var} is not set (named as ${{{var}}})")]
    Missing {
        /// The variable's name.
        var: String,
    },
    /// `${` without its `}`.
    #[error("an unclosed ${{ placeholder; write ${{VAR}}")]
    Unclosed,
}

/// Replaces every `${VAR}` in `template` with `lookup(VAR)`, encoded by `encode`. Text outside
/// placeholders is kept as it is.
///
/// # Errors
///
/// Returns [`PlaceholderError::Unclosed`] when a `${` has no closing `}`, and
/// [`PlaceholderError::Missing`] naming the variable when `lookup` returns `None` for it.
pub fn expand(
    template: &str,
    lookup: impl Fn(&str) -> Option<String>,
    encode: Encode,
) -> Result<String, PlaceholderError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or(PlaceholderError::Unclosed)?;
        let var = &after[..end];
        let value = lookup(var).ok_or_else(|| PlaceholderError::Missing { var: var.to_owned() })?;
        match encode {
            Encode::None => out.push_str(&value),
            Encode::Percent => {
                out.extend(percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC))
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unclosed_and_missing_are_refused() {
        let none = |_: &str| None;
        assert_eq!(expand("x${A", none, Encode::None), Err(PlaceholderError::Unclosed));
        assert_eq!(expand("x${A}", none, Encode::None), Err(PlaceholderError::Missing { var: "A".into() }));
        assert_eq!(expand("no placeholders", none, Encode::Percent).unwrap(), "no placeholders");
    }

    proptest! {
        /// A percent-encoded value decodes back to itself, whatever it holds.
        #[test]
        fn percent_round_trips(v in ".*") {
            let v2 = v.clone();
            let out = expand("a${V}b", move |_| Some(v2.clone()), Encode::Percent).unwrap();
            let inner = &out[1..out.len() - 1];
            prop_assert!(inner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'%'));
            prop_assert_eq!(percent_encoding::percent_decode_str(inner).decode_utf8().unwrap(), v);
        }
    }
}
