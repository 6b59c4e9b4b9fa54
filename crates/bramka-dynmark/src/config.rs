//! [`DynmarkConfig`]: credentials, endpoint, senders, HTTP settings.

use bramka_core::http::{BaseUrl, BasicAuth, HttpSettings};
use bramka_core::senders::SenderList;
use bramka_core::{Error, Secret};

use crate::wire;

/// Configuration of a [`DynmarkGateway`](crate::DynmarkGateway). Build with [`DynmarkConfig::builder`].
/// `Debug` shows the username's first character only and never the password.
///
/// ```
/// use bramka_dynmark::DynmarkConfig;
/// let config = DynmarkConfig::builder("acme", "s3cret").sender("Acme").sender("AcmeAlerts").build().unwrap();
/// assert_eq!(config.default_sender(), Some("Acme"));
/// assert!(!format!("{config:?}").contains("s3cret"));
/// // Plain http to a non-loopback host would send the password in clear: refused unless asked for.
/// assert!(DynmarkConfig::builder("acme", "s3cret").base_url("http://dynmark.example").build().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct DynmarkConfig {
    pub(crate) auth: BasicAuth,
    pub(crate) base_url: BaseUrl,
    pub(crate) senders: SenderList,
    pub(crate) http: HttpSettings,
}

impl DynmarkConfig {
    /// Starts a builder with the account's username and password (HTTP Basic). The timeouts
    /// default to Dynmark's recommendation: 130 s per request, 10 s to connect.
    pub fn builder(username: impl Into<String>, password: impl Into<Secret>) -> DynmarkConfigBuilder {
        DynmarkConfigBuilder {
            auth: BasicAuth::new(username, password),
            base_url: None,
            senders: Vec::new(),
            http: HttpSettings::with_timeouts(wire::TIMEOUTS),
        }
    }
    /// The username.
    pub fn username(&self) -> &str {
        self.auth.username()
    }
    /// The REST base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }
    /// The configured sender names; the first is the default.
    pub fn senders(&self) -> &[String] {
        self.senders.names()
    }
    /// The sender used when a message has none.
    pub fn default_sender(&self) -> Option<&str> {
        self.senders.default()
    }
    /// The HTTP settings (timeouts, client, `insecure_http`).
    pub fn http(&self) -> &HttpSettings {
        &self.http
    }
}

/// Builds a [`DynmarkConfig`]; every check happens in [`build`](Self::build). `Debug` masks as
/// [`DynmarkConfig`]'s does.
///
/// ```
/// use bramka_dynmark::{DynmarkConfig, DynmarkGateway};
///
/// let config = DynmarkConfig::builder("acme", "s3cret").sender("Acme").build().unwrap();
/// let gateway = DynmarkGateway::new(config).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct DynmarkConfigBuilder {
    auth: BasicAuth,
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
    bramka_core::http_setters!(http);

    /// Validates and builds.
    pub fn build(self) -> Result<DynmarkConfig, Error> {
        self.auth.check("dynmark", "Dynmark")?;
        let base_url = self.http.endpoint("dynmark", self.base_url.as_deref(), wire::DEFAULT_BASE_URL)?;
        Ok(DynmarkConfig {
            auth: self.auth,
            base_url,
            senders: SenderList::new(wire::SENDER_RULES, self.senders)?,
            http: self.http,
        })
    }
}

/// Checks a Dynmark sender: a name of 2 to 11 letters, digits or spaces, or a number of up to 15
/// digits (an optional leading `+` is dropped when sending).
pub fn check_sender(sender: &str) -> Result<(), Error> {
    wire::SENDER_RULES.check(sender)
}
