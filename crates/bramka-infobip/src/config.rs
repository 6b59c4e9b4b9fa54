//! [`InfobipConfig`]: the account's base URL, the API key, defaults.

use std::fmt;
use std::sync::Arc;

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::http::{BaseUrl, BasicAuth, HttpSettings, Timeouts};
use bramka_core::{Error, Idempotency, Secret, Sender};

use crate::options::InfobipOptions;

/// Why a configuration was refused; found before any I/O.
///
/// ```
/// use bramka_infobip::{ConfigError, InfobipConfig};
///
/// assert!(matches!(InfobipConfig::builder("xxxxx.api.infobip.com", "").build(), Err(ConfigError::EmptyApiKey)));
/// let e = InfobipConfig::builder("xxxxx.api.infobip.com", "s3cret key").build().unwrap_err();
/// assert!(matches!(e, ConfigError::InvalidApiKey { len: 10 }), "{e}");
/// assert!(!e.to_string().contains("s3cret"), "the key is never shown");
/// ```
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
    /// The username or password of Basic authentication is unusable (the password is not shown).
    #[error("{reason}; give the account's username and password, or use an API key")]
    Credentials {
        /// What is wrong.
        reason: String,
    },
    /// The default sender is invalid.
    #[error(transparent)]
    Sender(#[from] bramka_core::SenderError),
    /// An option is invalid.
    #[error(transparent)]
    Options(#[from] crate::options::OptionError),
    /// A timeout is zero.
    #[error("Infobip timeouts must be longer than zero")]
    Timeouts,
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
    pub(crate) base_url: BaseUrl,
    /// The API key, or the password when `basic` is set.
    pub(crate) api_key: Secret,
    /// HTTP Basic credentials ([`InfobipConfig::builder_basic`]).
    pub(crate) basic: Option<BasicAuth>,
    pub(crate) sender: Option<Sender>,
    pub(crate) http: HttpSettings,
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
            basic: None,
            sender: None,
            http: HttpSettings::new(),
            options: InfobipOptions::default(),
            trust_duplicate_rejection: false,
            clock: Arc::new(SystemClock),
        }
    }

    /// The base URL (not a secret: Infobip says so).
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }
    /// The default sender.
    pub fn sender(&self) -> Option<&Sender> {
        self.sender.as_ref()
    }
    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.http.timeouts()
    }
    /// The HTTP settings (timeouts, own client, `insecure_http`).
    pub fn http(&self) -> &HttpSettings {
        &self.http
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
            // With the password, the username is half of the credentials: its first character only.
            .field("username", &self.basic.as_ref().map(|b| bramka_core::secret::Masked::new(b.username())))
            .field("sender", &self.sender)
            .field("http", &self.http)
            .field("options", &self.options)
            .field("idempotency", &self.idempotency)
            .finish()
    }
}

/// Builds an [`InfobipConfig`]; every check happens in [`build`](Self::build).
///
/// ```
/// use bramka_infobip::{InfobipConfig, InfobipOptions, Transliteration};
///
/// let config = InfobipConfig::builder("https://xxxxx.api.infobip.com", "api-key")
///     .sender("Shop")
///     .options(InfobipOptions::new().transliteration(Transliteration::CentralEuropean))
///     .build()
///     .unwrap();
/// assert_eq!(config.sender().unwrap().to_string(), "Shop");
/// ```
pub struct InfobipConfigBuilder {
    base_url: String,
    api_key: Secret,
    pub(crate) basic: Option<BasicAuth>,
    sender: Option<String>,
    http: HttpSettings,
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
    #[must_use]
    pub fn sender(mut self, sender: &str) -> Self {
        self.sender = Some(sender.to_owned());
        self
    }
    bramka_core::http_setters!(http);
    /// Default Infobip options for every send.
    #[must_use]
    pub fn options(mut self, options: InfobipOptions) -> Self {
        self.options = options;
        self
    }
    /// Advertise [`Idempotency::ServerDedupe`] instead of [`Idempotency::ClientReference`].
    ///
    /// Off by default: Infobip documents that a reused `messageId` is rejected (status 23) but
    /// not the scope or time window of that check, nor whether it is reported synchronously.
    /// Turn it on only once your account's behaviour is
    /// confirmed (e.g. by Infobip support).
    #[must_use]
    pub fn trust_duplicate_rejection(mut self, on: bool) -> Self {
        self.trust_duplicate_rejection = on;
        self
    }
    /// The clock used for the 180-day scheduling bound (tests use `ManualClock`).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Validates and builds.
    ///
    /// The base URL gets `https://` when it has no scheme; a path prefix is kept. Plain
    /// `http://` is accepted only for loopback hosts (tests), unless
    /// [`insecure_http`](Self::insecure_http) is on.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::BaseUrl`] for an empty or unusable base URL, [`ConfigError::Timeouts`] for a
    /// zero timeout, [`ConfigError::Credentials`] for an unusable Basic username or password,
    /// [`ConfigError::EmptyApiKey`] or [`ConfigError::InvalidApiKey`] for an API key that is empty or cannot
    /// be a header value, [`ConfigError::Sender`] for an invalid default sender, and [`ConfigError::Options`]
    /// for invalid default options.
    pub fn build(self) -> Result<InfobipConfig, ConfigError> {
        let base_url = parse_base_url(&self.base_url, self.http.allows_insecure_http())?;
        if self.http.timeouts().request.is_zero() || self.http.timeouts().connect.is_zero() {
            return Err(ConfigError::Timeouts);
        }
        let key = self.api_key.expose();
        if let Some(basic) = &self.basic {
            crate::credentials::check_username(basic.username())
                .map_err(|reason| ConfigError::Credentials { reason })?;
            if key.is_empty() {
                return Err(ConfigError::Credentials { reason: "the Infobip password is empty".into() });
            }
        } else {
            if key.trim().is_empty() {
                return Err(ConfigError::EmptyApiKey);
            }
            if !key.chars().all(|c| c.is_ascii_graphic()) {
                return Err(ConfigError::InvalidApiKey { len: key.chars().count() });
            }
        }
        let sender = self.sender.as_deref().map(Sender::parse).transpose()?;
        self.options.validate()?;
        Ok(InfobipConfig {
            base_url,
            api_key: self.api_key,
            basic: self.basic,
            sender,
            http: self.http,
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

/// The base URL as given, with `https://` added when it has no scheme, checked by
/// [`BaseUrl::parse`] (https unless loopback or `insecure_http`; no credentials, query or fragment).
fn parse_base_url(input: &str, insecure_http: bool) -> Result<BaseUrl, ConfigError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ConfigError::BaseUrl { input: String::new(), reason: "it is empty".to_owned() });
    }
    let with_scheme = if s.contains("://") { s.to_owned() } else { format!("https://{s}") };
    BaseUrl::parse(&with_scheme, insecure_http).map_err(|e| ConfigError::BaseUrl {
        // BaseUrl's message shows the URL with any credentials masked; never the raw input.
        input: redact_userinfo(s),
        reason: e.operator_message().to_owned(),
    })
}

/// `s` with any `user:password@` replaced by `***@`.
fn redact_userinfo(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(i), Some(at)) if at > i && !s[i + 3..at].contains('/') => {
            format!("{}***@{}", &s[..i + 3], &s[at + 1..])
        }
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        let ok = |s: &str| parse_base_url(s, false).unwrap().to_string();
        assert_eq!(ok("xxxxx.api.infobip.com"), "https://xxxxx.api.infobip.com/");
        assert_eq!(ok("https://xxxxx.api.infobip.com/"), "https://xxxxx.api.infobip.com/");
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(ok("http://localhost:1"), "http://localhost:1/");
        assert_eq!(ok("https://proxy.example/infobip"), "https://proxy.example/infobip/");
        for bad in ["", "http://xxxxx.api.infobip.com", "ftp://x.y", "https://u:p@x.y", "https://x.y/?a=1"] {
            let e = parse_base_url(bad, false).unwrap_err();
            assert!(matches!(e, ConfigError::BaseUrl { .. }), "{bad}: {e}");
            assert!(!e.to_string().contains(":p@"), "{e}");
        }
        assert_eq!(
            parse_base_url("http://10.0.0.1:8080", true).unwrap().to_string(),
            "http://10.0.0.1:8080/"
        );
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
