//! [`DynmarkConfig`]: credentials, endpoint, senders, HTTP settings.

use std::fmt;
use std::time::Duration;

use bramka_core::http::{BaseUrl, HttpSettings};
use bramka_core::{Certainty, Error, ErrorKind, Secret};

use crate::wire;

/// Configuration of a [`DynmarkGateway`](crate::DynmarkGateway). Build with [`DynmarkConfig::builder`].
///
/// ```
/// use bramka_dynmark::DynmarkConfig;
/// let config = DynmarkConfig::builder("acme", "s3cret").sender("Acme").sender("AcmeAlerts").build().unwrap();
/// assert_eq!(config.default_sender(), Some("Acme"));
/// assert!(!format!("{config:?}").contains("s3cret"));
/// // Plain http to a non-loopback host would send the password in clear: refused unless asked for.
/// assert!(DynmarkConfig::builder("acme", "s3cret").base_url("http://dynmark.example").build().is_err());
/// ```
#[derive(Clone)]
pub struct DynmarkConfig {
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) base_url: BaseUrl,
    pub(crate) senders: Vec<String>,
    pub(crate) http: HttpSettings,
}

impl DynmarkConfig {
    /// Starts a builder with the account's username and password (HTTP Basic).
    pub fn builder(username: impl Into<String>, password: impl Into<Secret>) -> DynmarkConfigBuilder {
        DynmarkConfigBuilder {
            username: username.into(),
            password: password.into(),
            base_url: None,
            senders: Vec::new(),
            http: HttpSettings::with_timeouts(wire::TIMEOUTS),
        }
    }
    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The REST base URL.
    pub fn base_url(&self) -> &BaseUrl {
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
    /// The HTTP settings (timeouts, client, `insecure_http`).
    pub fn http(&self) -> &HttpSettings {
        &self.http
    }
}

impl fmt::Debug for DynmarkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynmarkConfig")
            .field("username", &mask(&self.username))
            .field("password", &self.password)
            .field("base_url", &self.base_url.as_str())
            .field("senders", &self.senders)
            .field("http", &self.http)
            .finish()
    }
}

/// The username as Debug shows it: its first character, the rest hidden (with the password, it
/// is half of the account's credentials).
fn mask(username: &str) -> String {
    format!("{}***", username.chars().next().unwrap_or_default())
}

/// Builds a [`DynmarkConfig`]; every check happens in [`build`](Self::build).
#[derive(Debug, Clone)]
pub struct DynmarkConfigBuilder {
    username: String,
    password: Secret,
    base_url: Option<String>,
    senders: Vec<String>,
    http: HttpSettings,
}

impl DynmarkConfigBuilder {
    /// Another REST base URL, a path prefix allowed (default `https://services.dynmark.com/webapi/`).
    /// https unless the host is loopback; see [`insecure_http`](Self::insecure_http).
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
        self.http = self.http.timeout(d);
        self
    }
    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.http = self.http.connect_timeout(d);
        self
    }
    /// Allows a plain-http base URL to a non-loopback host (the password travels unencrypted).
    pub fn insecure_http(mut self, on: bool) -> Self {
        self.http = self.http.insecure_http(on);
        self
    }
    /// Replaces the HTTP settings whole (e.g. to share the application's `reqwest::Client`).
    pub fn http(mut self, http: HttpSettings) -> Self {
        self.http = http;
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<DynmarkConfig, Error> {
        let bad = |what: &str| Err(Error::config(format!("Dynmark needs {what}")).with_gateway("dynmark"));
        if self.username.trim().is_empty() {
            return bad("a username");
        }
        if self.password.is_empty() {
            return bad("a password");
        }
        self.http.check("dynmark")?;
        let raw = self.base_url.as_deref().unwrap_or(wire::DEFAULT_BASE_URL);
        let base_url = self.http.base_url(raw).map_err(|e| e.with_gateway("dynmark"))?;
        self.senders.iter().try_for_each(|s| check_sender(s))?;
        Ok(DynmarkConfig {
            username: self.username,
            password: self.password,
            base_url,
            senders: self.senders,
            http: self.http,
        })
    }
}

/// Checks a Dynmark sender: a name of 2 to 11 letters, digits or spaces with at least one letter,
/// or a number of up to 15 digits (an optional leading `+` is dropped when sending).
pub fn check_sender(sender: &str) -> Result<(), Error> {
    let bad = |reason: String| {
        Err(Error::new(
            ErrorKind::InvalidSender,
            Certainty::NotSent,
            format!("invalid sender {sender:?}: {reason}"),
        )
        .with_gateway("dynmark"))
    };
    let digits = sender.strip_prefix('+').unwrap_or(sender);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return if digits.len() <= 15 {
            Ok(())
        } else {
            bad("a numeric sender has at most 15 digits".into())
        };
    }
    let n = sender.chars().count();
    if !(wire::SENDER_MIN..=wire::SENDER_MAX).contains(&n) {
        let (min, max) = (wire::SENDER_MIN, wire::SENDER_MAX);
        return bad(format!("has {n} characters; Dynmark sender names have {min} to {max}"));
    }
    if let Some(c) = sender.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == ' ')) {
        return bad(format!("character {c:?} not accepted; use letters, digits and spaces"));
    }
    Ok(())
}
