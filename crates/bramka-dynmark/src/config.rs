//! [`DynmarkConfig`]: credentials, endpoint, senders, timeouts.

use std::fmt;
use std::time::Duration;

use bramka_core::http::Timeouts;
use bramka_core::{Error, Secret};
use url::Url;

use crate::wire;

/// Configuration of a [`DynmarkGateway`](crate::DynmarkGateway). Build with [`DynmarkConfig::builder`].
///
/// ```
/// use bramka_dynmark::DynmarkConfig;
/// let config = DynmarkConfig::builder("acme", "s3cret")
///     .sender("Acme")
///     .sender("AcmeAlerts")
///     .build()
///     .unwrap();
/// assert_eq!(config.default_sender(), Some("Acme"));
/// assert!(!format!("{config:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct DynmarkConfig {
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) base_url: Url,
    pub(crate) senders: Vec<String>,
    pub(crate) timeouts: Timeouts,
}

impl DynmarkConfig {
    /// Starts a builder with the account's username and password (HTTP Basic).
    pub fn builder(username: impl Into<String>, password: impl Into<Secret>) -> DynmarkConfigBuilder {
        DynmarkConfigBuilder {
            username: username.into(),
            password: password.into(),
            base_url: None,
            senders: Vec::new(),
            timeouts: Timeouts {
                connect: Duration::from_secs(wire::RECOMMENDED_CONNECT_TIMEOUT_SECS),
                request: Duration::from_secs(wire::RECOMMENDED_TIMEOUT_SECS),
            },
        }
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The REST base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
    /// The configured sender names; the first is the default.
    pub fn senders(&self) -> &[String] {
        &self.senders
    }
    /// The sender used when a message has none.
    pub fn default_sender(&self) -> Option<&str> {
        self.senders.first().map(String::as_str)
    }
    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }
}

impl fmt::Debug for DynmarkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynmarkConfig")
            .field("username", &self.username)
            .field("password", &self.password)
            .field("base_url", &self.base_url.as_str())
            .field("senders", &self.senders)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

/// Builds a [`DynmarkConfig`]; every check happens in [`build`](Self::build).
#[derive(Debug, Clone)]
pub struct DynmarkConfigBuilder {
    username: String,
    password: Secret,
    base_url: Option<String>,
    senders: Vec<String>,
    timeouts: Timeouts,
}

impl DynmarkConfigBuilder {
    /// Another REST base URL (tests point it at a mock server). Default
    /// `https://services.dynmark.com/webapi/`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Adds a sender name (2 to 11 characters) or number; the first added is the default.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.senders.push(sender.into());
        self
    }
    /// Request timeout (default 130 s, as Dynmark recommends).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeouts.request = d;
        self
    }
    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.timeouts.connect = d;
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<DynmarkConfig, Error> {
        if self.username.trim().is_empty() {
            return Err(Error::config("Dynmark needs a username").with_gateway("dynmark"));
        }
        if self.password.is_empty() {
            return Err(Error::config("Dynmark needs a password").with_gateway("dynmark"));
        }
        let raw = self.base_url.unwrap_or_else(|| wire::DEFAULT_BASE_URL.to_owned());
        let mut base_url = Url::parse(&raw).map_err(|e| {
            Error::config(format!(
                "invalid Dynmark base URL {raw:?}: {e}; expected e.g. {}",
                wire::DEFAULT_BASE_URL
            ))
            .with_gateway("dynmark")
        })?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(Error::config(format!("invalid Dynmark base URL {raw:?}: http or https expected"))
                .with_gateway("dynmark"));
        }
        if !base_url.path().ends_with('/') {
            let p = format!("{}/", base_url.path());
            base_url.set_path(&p);
        }
        for s in &self.senders {
            check_sender(s)?;
        }
        if self.timeouts.request.is_zero() || self.timeouts.connect.is_zero() {
            return Err(Error::config("Dynmark timeouts must be longer than zero").with_gateway("dynmark"));
        }
        Ok(DynmarkConfig {
            username: self.username,
            password: self.password,
            base_url,
            senders: self.senders,
            timeouts: self.timeouts,
        })
    }
}

/// Checks a Dynmark sender: a name of 2 to 11 letters, digits or spaces with at least one letter,
/// or a number of up to 15 digits (an optional leading `+` is dropped when sending).
pub fn check_sender(sender: &str) -> Result<(), Error> {
    let digits = sender.strip_prefix('+').unwrap_or(sender);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return if digits.len() <= 15 {
            Ok(())
        } else {
            Err(sender_error(sender, "a numeric sender has at most 15 digits"))
        };
    }
    let n = sender.chars().count();
    if !(wire::SENDER_MIN..=wire::SENDER_MAX).contains(&n) {
        return Err(sender_error(
            sender,
            &format!(
                "has {n} characters; Dynmark sender names have {} to {}",
                wire::SENDER_MIN,
                wire::SENDER_MAX
            ),
        ));
    }
    if let Some(c) = sender.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == ' ')) {
        return Err(sender_error(
            sender,
            &format!("character {c:?} not accepted; use letters, digits and spaces"),
        ));
    }
    Ok(())
}

fn sender_error(sender: &str, reason: &str) -> Error {
    Error::new(
        bramka_core::ErrorKind::InvalidSender,
        bramka_core::Certainty::NotSent,
        format!("invalid sender {sender:?}: {reason}"),
    )
    .with_gateway("dynmark")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_lengths() {
        assert!(check_sender("A").is_err());
        assert!(check_sender("AB").is_ok());
        assert!(check_sender("ABCDEFGHIJK").is_ok());
        let e = check_sender("ABCDEFGHIJKL").unwrap_err();
        assert!(e.to_string().contains("2 to 11"), "{e}");
        assert!(check_sender("Shop!").is_err());
        assert!(check_sender("447700900123").is_ok());
        assert!(check_sender("+447700900123").is_ok());
        assert!(check_sender("1234567890123456").is_err());
    }

    #[test]
    fn builder_checks() {
        assert!(DynmarkConfig::builder("", "p").build().is_err());
        assert!(DynmarkConfig::builder("u", "").build().is_err());
        assert!(DynmarkConfig::builder("u", "p").base_url("ftp://x").build().is_err());
        assert!(DynmarkConfig::builder("u", "p").sender("X").build().is_err());
        let c = DynmarkConfig::builder("u", "p").base_url("http://127.0.0.1:9/webapi").build().unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9/webapi/");
        assert_eq!(c.timeouts().request, Duration::from_secs(130));
    }
}
