//! [`Secret`]: tokens and passwords that never print.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A token, password or API key. `Debug` and `Display` print `***`; the value is zeroised on drop.
///
/// ```
/// use bramka_core::Secret;
/// let token = Secret::new("s3cr3t-token");
/// assert_eq!(format!("{token:?} {token}"), "*** ***");
/// assert_eq!(token.expose(), "s3cr3t-token");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The secret value, for building a request. Never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl PartialEq for Secret {
    /// Constant-time comparison of the exposed values.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// Half of a credential that is not secret on its own, such as a username: `Debug` and `Display`
/// show its first character only (`a***`), enough to tell accounts apart in logs.
///
/// ```
/// use bramka_core::secret::Masked;
/// let user = Masked::new("acme-user");
/// assert_eq!(format!("{user:?} {user}"), r#""a***" a***"#);
/// assert_eq!(user.as_str(), "acme-user");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Masked(String);

impl Masked {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Masked(value.into())
    }

    /// The whole value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn shown(&self) -> String {
        let first = self.0.chars().next().map(String::from).unwrap_or_default();
        format!("{first}***")
    }
}

impl fmt::Debug for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.shown(), f)
    }
}

impl fmt::Display for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl From<String> for Masked {
    fn from(s: String) -> Self {
        Masked(s)
    }
}

impl From<&str> for Masked {
    fn from(s: &str) -> Self {
        Masked(s.to_owned())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn masked_shows_the_first_character_only() {
        let m = Masked::from("hunter-user");
        for text in [format!("{m:?}"), m.to_string()] {
            assert!(text.contains("h***") && !text.contains("unter"), "{text}");
        }
        assert_eq!(Masked::default().to_string(), "***");
        assert_eq!(Masked::new("żółw").to_string(), "ż***");
    }
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("abc123");
        assert!(!format!("{s:?}").contains("abc123"));
        assert!(!format!("{s}").contains("abc123"));
        assert!(!format!("{:?}", Some(s.clone())).contains("abc123"));
        assert_eq!(s, Secret::new("abc123"));
        assert_ne!(s, Secret::new("abc124"));
    }
}
