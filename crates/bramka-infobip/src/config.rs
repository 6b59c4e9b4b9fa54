//! [`InfobipConfig`]: the account's base URL, the API key, defaults.

use std::fmt;
use std::sync::Arc;

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::http::Timeouts;
use bramka_core::{Error, Idempotency, Secret, Sender};
use url::Url;

use crate::options::InfobipOptions;

/// Why a configuration was refused; found before any I/O.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is not a URL.
    #[error(
        "invalid Infobip base URL {input:?}: {reason}; expected your account's base URL such as https://xxxxx.api.infobip.com"
    )]
    BaseUrl {
        /// The URL as given.
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// The API key is empty.
    #[error(
        "the Infobip API key is empty; create one in the Infobip portal (it is sent as `Authorization: App <key>`)"
    )]
    EmptyApiKey,
    /// The API key has characters an HTTP header cannot carry (the key itself is not shown).
    #[error(
        "the Infobip API key has {len} characters, some of them not visible ASCII (spaces, line breaks or non-ASCII); copy it again from the Infobip portal"
    )]
    InvalidApiKey {
        /// Its length in characters.
        len: usize,
    },
    /// The default sender is invalid.
    #[error(transparent)]
    Sender(#[from] bramka_core::SenderError),
    /// An option is invalid.
    #[error(transparent)]
    Options(#[from] crate::options::OptionError),
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::config(e.to_string()).with_gateway(crate::errors::GATEWAY).with_source(e)
    }
}

/// The configuration of one Infobip account.
///
/// ```
/// use bramka_infobip::InfobipConfig;
/// let cfg = InfobipConfig::builder("xxxxx.api.infobip.com", "my-api-key").sender("Shop").build().unwrap();
/// assert_eq!(cfg.base_url().as_str(), "https://xxxxx.api.infobip.com/");
/// assert!(!format!("{cfg:?}").contains("my-api-key"));
/// ```
#[derive(Clone)]
pub struct InfobipConfig {
    pub(crate) base_url: Url,
    pub(crate) api_key: Secret,
    pub(crate) sender: Option<Sender>,
    pub(crate) timeouts: Timeouts,
    pub(crate) options: InfobipOptions,
    pub(crate) idempotency: Idempotency,
    pub(crate) clock: Arc<dyn Clock>,
}

impl InfobipConfig {
    /// Starts a builder with the account's base URL (`xxxxx.api.infobip.com`, with or without
    /// `https://`) and the API key.
    pub fn builder(base_url: &str, api_key: impl Into<Secret>) -> InfobipConfigBuilder {
        InfobipConfigBuilder {
            base_url: base_url.to_owned(),
            api_key: api_key.into(),
            sender: None,
            timeouts: Timeouts::default(),
            options: InfobipOptions::default(),
            trust_duplicate_rejection: false,
            clock: Arc::new(SystemClock),
        }
    }

    /// The base URL (not a secret: Infobip says so).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
    /// The default sender.
    pub fn sender(&self) -> Option<&Sender> {
        self.sender.as_ref()
    }
    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }
    /// The default Infobip options.
    pub fn options(&self) -> &InfobipOptions {
        &self.options
    }
    /// The duplicate protection advertised in the capabilities.
    pub fn idempotency(&self) -> Idempotency {
        self.idempotency
    }
}

impl fmt::Debug for InfobipConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfobipConfig")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"***")
            .field("sender", &self.sender)
            .field("timeouts", &self.timeouts)
            .field("options", &self.options)
            .field("idempotency", &self.idempotency)
            .finish()
    }
}

/// Builds an [`InfobipConfig`]; every check happens in [`build`](Self::build).
pub struct InfobipConfigBuilder {
    base_url: String,
    api_key: Secret,
    sender: Option<String>,
    timeouts: Timeouts,
    options: InfobipOptions,
    trust_duplicate_rejection: bool,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for InfobipConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfobipConfigBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &"***")
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl InfobipConfigBuilder {
    /// The default sender (alphanumeric name, number or short code), used when a message has none.
    pub fn sender(mut self, sender: &str) -> Self {
        self.sender = Some(sender.to_owned());
        self
    }
    /// Connect and request timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }
    /// Default Infobip options for every send.
    pub fn options(mut self, options: InfobipOptions) -> Self {
        self.options = options;
        self
    }
    /// Advertise [`Idempotency::ServerDedupe`] instead of [`Idempotency::ClientReference`].
    ///
    /// Off by default: Infobip documents that a reused `messageId` is rejected (status 23) but
    /// not the scope or time window of that check, nor whether it is reported synchronously
    /// (reference §14, open question 2). Turn it on only once your account's behaviour is
    /// confirmed (e.g. by Infobip support).
    pub fn trust_duplicate_rejection(mut self, on: bool) -> Self {
        self.trust_duplicate_rejection = on;
        self
    }
    /// The clock used for the 180-day scheduling bound (tests use `ManualClock`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Validates and builds.
    ///
    /// The base URL gets `https://` when it has no scheme. Plain `http://` is accepted only for
    /// `localhost`, `127.0.0.1` and `[::1]` (tests), like Infobip's official SDK.
    pub fn build(self) -> Result<InfobipConfig, ConfigError> {
        let base_url = parse_base_url(&self.base_url)?;
        let key = self.api_key.expose();
        if key.trim().is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        if !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ConfigError::InvalidApiKey { len: key.chars().count() });
        }
        let sender = self.sender.as_deref().map(Sender::parse).transpose()?;
        self.options.validate()?;
        Ok(InfobipConfig {
            base_url,
            api_key: self.api_key,
            sender,
            timeouts: self.timeouts,
            options: self.options,
            idempotency: if self.trust_duplicate_rejection {
                Idempotency::ServerDedupe
            } else {
                Idempotency::ClientReference
            },
            clock: self.clock,
        })
    }
}

/// Whether `host` is a loopback name or address.
pub(crate) fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1")
}

fn parse_base_url(input: &str) -> Result<Url, ConfigError> {
    let err = |reason: &str| ConfigError::BaseUrl { input: input.to_owned(), reason: reason.to_owned() };
    let s = input.trim().trim_end_matches('/');
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let with_scheme = if s.contains("://") { s.to_owned() } else { format!("https://{s}") };
    let url = Url::parse(&with_scheme).map_err(|e| err(&e.to_string()))?;
    let host = url.host_str().ok_or_else(|| err("it has no host"))?.to_owned();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => return Err(err("plain http is accepted only for localhost and 127.0.0.1")),
        other => return Err(err(&format!("scheme {other:?} is not http(s)"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err("credentials do not belong in the base URL; pass the API key separately"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err("a base URL has no query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        let ok = |s: &str| parse_base_url(s).unwrap().to_string();
        assert_eq!(ok("xxxxx.api.infobip.com"), "https://xxxxx.api.infobip.com/");
        assert_eq!(ok("https://xxxxx.api.infobip.com/"), "https://xxxxx.api.infobip.com/");
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(ok("http://localhost:1"), "http://localhost:1/");
        for bad in ["", "http://xxxxx.api.infobip.com", "ftp://x.y", "https://u:p@x.y", "https://x.y/?a=1"] {
            let e = parse_base_url(bad).unwrap_err();
            assert!(matches!(e, ConfigError::BaseUrl { .. }), "{bad}: {e}");
        }
    }

    #[test]
    fn builder_checks_key_sender_and_options() {
        assert_eq!(
            InfobipConfig::builder("x.api.infobip.com", " ").build().unwrap_err(),
            ConfigError::EmptyApiKey
        );
        let e =
            InfobipConfig::builder("x.api.infobip.com", "k").sender("TooLongSenderName").build().unwrap_err();
        assert!(matches!(e, ConfigError::Sender(_)), "{e}");
        let cfg = InfobipConfig::builder("x.api.infobip.com", "k").sender("Shop").build().unwrap();
        assert_eq!(cfg.sender().unwrap().as_string(), "Shop");
        assert_eq!(cfg.idempotency(), Idempotency::ClientReference);
        let cfg =
            InfobipConfig::builder("x.api.infobip.com", "k").trust_duplicate_rejection(true).build().unwrap();
        assert_eq!(cfg.idempotency(), Idempotency::ServerDedupe);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let b = InfobipConfig::builder("x.api.infobip.com", "sekret-key-123");
        assert!(!format!("{b:?}").contains("sekret-key-123"));
        let cfg = b.build().unwrap();
        let d = format!("{cfg:?}");
        assert!(!d.contains("sekret-key-123") && d.contains("***"), "{d}");
    }
}
