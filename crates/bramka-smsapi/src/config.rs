//! [`SmsapiConfig`] and its builder: token, platform, sender, message type, flags, timeouts.

use std::fmt;
use std::sync::Arc;

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::http::{BaseUrl, HttpSettings, Timeouts};
use bramka_core::{Error, Secret, Sender};
use url::Url;

use crate::assumptions::{DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE};

/// Largest `max_parts` SMSAPI accepts (the `max_parts` parameter of `sms.do`: 1 to 10).
pub const SMSAPI_MAX_PARTS: u8 = 10;

/// Which SMSAPI platform an account lives on. A token works on one platform only (the other answers
/// error 101).
///
/// ```
/// use bramka_smsapi::{Platform, SmsapiConfig};
///
/// let config = SmsapiConfig::builder("token").platform(Platform::Com).build().unwrap();
/// assert_eq!(config.base_url().as_str(), "https://api.smsapi.com/");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Platform {
    /// SMSAPI.pl: `https://api.smsapi.pl/` (the default).
    Pl,
    /// SMSAPI.com: `https://api.smsapi.com/`.
    Com,
    /// Any base URL: a backup server (`https://api2.smsapi.pl/`), the `https://smsapi.io/api` proxy,
    /// or a test server. Paths (`sms.do`, `profile`, ...) are appended to it.
    Custom(Url),
}

impl Platform {
    /// The base URL, ending with `/`.
    pub fn base_url(&self) -> Url {
        match self {
            Platform::Pl => Url::parse("https://api.smsapi.pl/").expect("valid constant URL"),
            Platform::Com => Url::parse("https://api.smsapi.com/").expect("valid constant URL"),
            Platform::Custom(u) => with_trailing_slash(u.clone()),
        }
    }
}

fn with_trailing_slash(mut u: Url) -> Url {
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u
}

/// SMSAPI's message types, chosen through the sender field (`from`: "Eco SMS / Pro SMS"; "Priority SMS" is [`SmsapiConfigBuilder::fast`]).
///
/// ```
/// use bramka_smsapi::{MessageType, SmsapiConfig};
///
/// assert_eq!(MessageType::parse("eco"), Some(MessageType::Eco));
/// let config = SmsapiConfig::builder("token").message_type(MessageType::Eco).build().unwrap();
/// assert_eq!(config.message_type().as_str(), "eco");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MessageType {
    /// Pro: the message's sender, else the configured default sender, else the account default.
    #[default]
    Pro,
    /// Eco: cheap route with a random numeric sender (`from=Eco`); any sender name is ignored.
    Eco,
    /// Two-way: replies are possible (`from=2Way`); any sender name is ignored.
    TwoWay,
}

impl MessageType {
    /// Parses `pro`, `eco`, `2way` (or `two_way`, `twoway`), any case.
    pub fn parse(s: &str) -> Option<MessageType> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pro" => Some(MessageType::Pro),
            "eco" => Some(MessageType::Eco),
            "2way" | "two_way" | "twoway" | "two-way" => Some(MessageType::TwoWay),
            _ => None,
        }
    }

    /// The type's name (`"pro"`, `"eco"`, `"2way"`).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Pro => "pro",
            MessageType::Eco => "eco",
            MessageType::TwoWay => "2way",
        }
    }
}

/// Why a configuration was refused. Every variant is found before any I/O.
///
/// ```
/// use bramka_smsapi::{ConfigError, SmsapiConfig};
///
/// assert!(matches!(SmsapiConfig::builder("").build(), Err(ConfigError::EmptyToken)));
/// let e = SmsapiConfig::builder("token").max_parts(11).build().unwrap_err();
/// assert!(matches!(e, ConfigError::MaxParts { .. }), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The token is empty.
    #[error("the SMSAPI token is empty; generate one in the SMSAPI panel under API tokens (OAuth)")]
    EmptyToken,
    /// The base URL is not an absolute http(s) URL.
    #[error("invalid SMSAPI base URL {url:?}: {reason}; expected e.g. https://api.smsapi.pl/")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The default sender is invalid.
    #[error(transparent)]
    Sender(#[from] bramka_core::SenderError),
    /// `max_parts` is outside 1 to 10.
    #[error("max_parts {value} is out of range: SMSAPI accepts 1 to {SMSAPI_MAX_PARTS}")]
    MaxParts {
        /// The value given.
        value: u8,
    },
    /// `batch_size` is outside 1 to the maximum.
    #[error("batch_size {value} is out of range: 1 to {max} recipients per request are accepted")]
    BatchSize {
        /// The value given.
        value: usize,
        /// The largest accepted value.
        max: usize,
    },
    /// A timeout is zero.
    #[error("the {which} timeout must be longer than zero")]
    ZeroTimeout {
        /// `"request"` or `"connect"`.
        which: &'static str,
    },
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::config(e.to_string()).with_gateway(crate::gateway::GATEWAY_ID).with_source(e)
    }
}

/// The configuration of one SMSAPI account. Build with [`SmsapiConfig::builder`].
///
/// `Debug` never prints the token.
///
/// ```
/// use bramka_smsapi::{MessageType, Platform, SmsapiConfig};
/// use std::time::Duration;
///
/// let config = SmsapiConfig::builder("my-oauth-token")
///     .platform(Platform::Com)
///     .sender("Shop")
///     .message_type(MessageType::Pro)
///     .test_mode(true)
///     .timeout(Duration::from_secs(90)) // slow link
///     .build()
///     .unwrap();
/// assert_eq!(config.base_url().as_str(), "https://api.smsapi.com/");
/// assert!(!format!("{config:?}").contains("my-oauth-token"));
/// ```
#[derive(Clone)]
pub struct SmsapiConfig {
    pub(crate) token: Secret,
    pub(crate) base_url: Url,
    pub(crate) sender: Option<Sender>,
    pub(crate) message_type: MessageType,
    pub(crate) test_mode: bool,
    pub(crate) normalize: bool,
    pub(crate) fast: bool,
    pub(crate) flash: bool,
    pub(crate) max_parts: Option<u8>,
    pub(crate) batch_size: usize,
    pub(crate) http: HttpSettings,
    pub(crate) verify_sender: bool,
    pub(crate) shorten_links: bool,
    pub(crate) clock: Arc<dyn Clock>,
}

impl SmsapiConfig {
    /// A builder with the OAuth bearer token (SMSAPI panel: API tokens).
    pub fn builder(token: impl Into<Secret>) -> SmsapiConfigBuilder {
        SmsapiConfigBuilder {
            token: token.into(),
            platform: Platform::Pl,
            base_url: None,
            sender: None,
            message_type: MessageType::Pro,
            test_mode: false,
            normalize: false,
            fast: false,
            flash: false,
            max_parts: None,
            batch_size: DEFAULT_BATCH_SIZE,
            http: HttpSettings::new(),
            verify_sender: false,
            shorten_links: false,
            clock: Arc::new(SystemClock),
        }
    }

    /// The token (a [`Secret`]: printing it shows `***`).
    pub fn token(&self) -> &Secret {
        &self.token
    }
    /// The base URL requests go to, ending with `/`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
    /// The default sender, used when a message has none.
    pub fn sender(&self) -> Option<&Sender> {
        self.sender.as_ref()
    }
    /// The message type.
    pub fn message_type(&self) -> MessageType {
        self.message_type
    }
    /// Whether sends are validated only (`test=1`): nothing is sent or charged.
    pub fn test_mode(&self) -> bool {
        self.test_mode
    }
    /// Whether SMSAPI replaces diacritics server-side (`normalize=1`).
    pub fn normalize(&self) -> bool {
        self.normalize
    }
    /// Whether messages go through the priority queue (`fast=1`, charged extra).
    pub fn fast(&self) -> bool {
        self.fast
    }
    /// Whether every message is a flash SMS (`flash=1`).
    pub fn flash(&self) -> bool {
        self.flash
    }
    /// The part cap sent as `max_parts`, if set.
    pub fn max_parts(&self) -> Option<u8> {
        self.max_parts
    }
    /// Whether each send first checks that the sender name is active
    /// ([`SmsapiConfigBuilder::verify_sender`]).
    pub fn verify_sender(&self) -> bool {
        self.verify_sender
    }
    /// Whether links are sent as SMSAPI's own `idz.do` short links
    /// ([`SmsapiConfigBuilder::shorten_links`]).
    pub fn shorten_links(&self) -> bool {
        self.shorten_links
    }
    /// Recipients per request.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
    /// The request and connect timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.http.timeouts()
    }
    /// The HTTP settings (timeouts, the application's client, `insecure_http`).
    pub fn http(&self) -> &HttpSettings {
        &self.http
    }
}

impl fmt::Debug for SmsapiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsapiConfig")
            .field("token", &"***")
            .field("base_url", &self.base_url.as_str())
            .field("sender", &self.sender.as_ref().map(Sender::as_string))
            .field("message_type", &self.message_type)
            .field("test_mode", &self.test_mode)
            .field("normalize", &self.normalize)
            .field("fast", &self.fast)
            .field("flash", &self.flash)
            .field("max_parts", &self.max_parts)
            .field("batch_size", &self.batch_size)
            .field("shorten_links", &self.shorten_links)
            .field("http", &self.http)
            .finish()
    }
}

/// Builds a [`SmsapiConfig`]; every check happens in [`build`](SmsapiConfigBuilder::build).
///
/// ```
/// use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
///
/// let config = SmsapiConfig::builder("token").sender("Shop").test_mode(true).build().unwrap();
/// assert!(config.test_mode());
/// let gateway = SmsapiGateway::new(config).unwrap();
/// ```
#[derive(Clone)]
pub struct SmsapiConfigBuilder {
    token: Secret,
    platform: Platform,
    base_url: Option<String>,
    sender: Option<String>,
    message_type: MessageType,
    test_mode: bool,
    normalize: bool,
    fast: bool,
    flash: bool,
    max_parts: Option<u8>,
    batch_size: usize,
    http: HttpSettings,
    verify_sender: bool,
    shorten_links: bool,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for SmsapiConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsapiConfigBuilder")
            .field("token", &"***")
            .field("platform", &self.platform)
            .field("base_url", &self.base_url.as_deref().map(redact_userinfo))
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl SmsapiConfigBuilder {
    /// The platform (default [`Platform::Pl`]).
    #[must_use]
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self.base_url = None;
        self
    }
    /// Any base URL (`http://127.0.0.1:8080/` for a test server); checked at `build()`.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// The default sender name (registered and active at SMSAPI), used when a message has none.
    #[must_use]
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }
    /// The message type (default [`MessageType::Pro`]).
    #[must_use]
    pub fn message_type(mut self, t: MessageType) -> Self {
        self.message_type = t;
        self
    }
    /// Test mode (`test=1`): SMSAPI validates and answers, nothing is sent or charged.
    #[must_use]
    pub fn test_mode(mut self, on: bool) -> Self {
        self.test_mode = on;
        self
    }
    /// Server-side replacement of diacritics (`normalize=1`).
    #[must_use]
    pub fn normalize(mut self, on: bool) -> Self {
        self.normalize = on;
        self
    }
    /// Priority queue (`fast=1`; SMSAPI forbids it for bulk sends and charges extra).
    #[must_use]
    pub fn fast(mut self, on: bool) -> Self {
        self.fast = on;
        self
    }
    /// Every message as a flash SMS (`flash=1`); a message can also ask for it itself.
    #[must_use]
    pub fn flash(mut self, on: bool) -> Self {
        self.flash = on;
        self
    }
    /// Refuse messages with more parts (`max_parts`, 1 to 10). Checked locally before sending too.
    #[must_use]
    pub fn max_parts(mut self, n: u8) -> Self {
        self.max_parts = Some(n);
        self
    }
    /// Recipients per `sms.do` request (default 100; SMSAPI documents no maximum).
    #[must_use]
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }
    bramka_core::http_setters!(http);
    /// Before each send, checks that the alphanumeric sender name is active on the account and
    /// refuses the message with the name's status otherwise (the list of names is read with
    /// `GET /sms/sendernames` and reused for five minutes). Off by default: it costs one request
    /// every five minutes.
    #[must_use]
    pub fn verify_sender(mut self, on: bool) -> Self {
        self.verify_sender = on;
        self
    }

    /// SMSAPI's own short links (`idz.do`, clicks counted in SMSAPI's panel): every `http://` or
    /// `https://` link of a message's text is sent as SMSAPI's short-link macro
    /// (`[%idzdo:URL%]`), which SMSAPI replaces with a short link per recipient. The gateway then
    /// advertises [`Capability::LinkShortening`](bramka_core::Capability::LinkShortening), and
    /// parts and encoding are counted on the text as the recipient gets it (each link as an
    /// `idz.do` link; see [`SmsapiGateway::received_analysis`](crate::SmsapiGateway::received_analysis)).
    /// Off by default.
    ///
    /// ```
    /// let config = bramka_smsapi::SmsapiConfig::builder("t").shorten_links(true).build().unwrap();
    /// assert!(config.shorten_links());
    /// ```
    #[must_use]
    pub fn shorten_links(mut self, on: bool) -> Self {
        self.shorten_links = on;
        self
    }

    /// The clock used for expiration times (tests use `ManualClock`).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Checks everything and builds the configuration.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an empty token, a base URL that is not absolute http(s), an invalid default
    /// sender, `max_parts` outside 1 to 10, a batch size outside the accepted range or a zero timeout.
    pub fn build(self) -> Result<SmsapiConfig, ConfigError> {
        if self.token.expose().trim().is_empty() {
            return Err(ConfigError::EmptyToken);
        }
        let base_url = match (&self.base_url, &self.platform) {
            (Some(raw), _) => check_base_url(raw, self.http.allows_insecure_http())?,
            (None, Platform::Custom(u)) => check_base_url(u.as_str(), self.http.allows_insecure_http())?,
            (None, p) => p.base_url(),
        };
        let sender = self.sender.as_deref().map(Sender::parse).transpose()?;
        if let Some(n) = self.max_parts
            && !(1..=SMSAPI_MAX_PARTS).contains(&n)
        {
            return Err(ConfigError::MaxParts { value: n });
        }
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(ConfigError::BatchSize { value: self.batch_size, max: MAX_BATCH_SIZE });
        }
        if self.http.timeouts().request.is_zero() {
            return Err(ConfigError::ZeroTimeout { which: "request" });
        }
        if self.http.timeouts().connect.is_zero() {
            return Err(ConfigError::ZeroTimeout { which: "connect" });
        }
        Ok(SmsapiConfig {
            token: self.token,
            base_url,
            sender,
            message_type: self.message_type,
            test_mode: self.test_mode,
            normalize: self.normalize,
            fast: self.fast,
            flash: self.flash,
            max_parts: self.max_parts,
            batch_size: self.batch_size,
            http: self.http,
            verify_sender: self.verify_sender,
            shorten_links: self.shorten_links,
            clock: self.clock,
        })
    }
}

/// Checks a base URL: absolute http(s), a host, no credentials, query or fragment, and the core's
/// rule (`BaseUrl`): https unless the host is loopback or `insecure_http` is set.
fn check_base_url(raw: &str, insecure_http: bool) -> Result<Url, ConfigError> {
    let bad = |reason: &str| ConfigError::BaseUrl { url: redact_userinfo(raw), reason: reason.to_owned() };
    let u = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad("a host is required"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad("credentials do not belong in the URL; use the token"));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(bad("a query or fragment is not accepted"));
    }
    // What is left to refuse is the transport rule.
    if BaseUrl::parse(raw, insecure_http).is_err() {
        return Err(bad(
            "plain http to a host that is not loopback would send the token unencrypted; use https (or insecure_http=1)",
        ));
    }
    Ok(with_trailing_slash(u))
}

/// The URL with anything between `://` and the last `@` of the authority replaced by `***`, so an
/// error never prints credentials someone put in it.
fn redact_userinfo(raw: &str) -> String {
    let Some(start) = raw.find("://").map(|i| i + 3) else { return raw.to_owned() };
    let authority_end = raw[start..].find(['/', '?', '#']).map_or(raw.len(), |i| start + i);
    match raw[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..start], &raw[start + at..]),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn platforms_and_custom_urls() {
        let c = SmsapiConfig::builder("t").build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.smsapi.pl/");
        let c = SmsapiConfig::builder("t").base_url("https://smsapi.io/api").build().unwrap();
        assert_eq!(c.base_url().join("sms.do").unwrap().as_str(), "https://smsapi.io/api/sms.do");
        let c = SmsapiConfig::builder("t").base_url("http://127.0.0.1:9999").build().unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9999/");
    }

    #[test]
    fn bad_values_are_refused_with_what_is_accepted() {
        let e = SmsapiConfig::builder(" ").build().unwrap_err();
        assert_eq!(e, ConfigError::EmptyToken);
        let e = SmsapiConfig::builder("t").base_url("ftp://x").build().unwrap_err();
        assert!(e.to_string().contains("http or https"), "{e}");
        let e = SmsapiConfig::builder("t").base_url("https://u:s3cret@x/sms").build().unwrap_err();
        assert!(matches!(e, ConfigError::BaseUrl { .. }), "{e}");
        assert!(e.to_string().contains("https://***@x/sms") && !e.to_string().contains("s3cret"), "{e}");
        let e = SmsapiConfig::builder("t")
            .platform(Platform::Custom(Url::parse("ftp://files.example/").unwrap()))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("http or https"), "{e}");
        let c = SmsapiConfig::builder("t")
            .platform(Platform::Custom(Url::parse("https://api2.smsapi.pl").unwrap()))
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "https://api2.smsapi.pl/");
        let e = SmsapiConfig::builder("t").max_parts(11).build().unwrap_err();
        assert!(e.to_string().contains("1 to 10"), "{e}");
        let e = SmsapiConfig::builder("t").max_parts(0).build().unwrap_err();
        assert_eq!(e, ConfigError::MaxParts { value: 0 });
        let e = SmsapiConfig::builder("t").batch_size(0).build().unwrap_err();
        assert!(e.to_string().contains("batch_size 0"), "{e}");
        let e = SmsapiConfig::builder("t").sender("FarTooLongSender").build().unwrap_err();
        assert!(e.to_string().contains("FarTooLongSender"), "{e}");
        let e = SmsapiConfig::builder("t").timeout(Duration::ZERO).build().unwrap_err();
        assert_eq!(e, ConfigError::ZeroTimeout { which: "request" });
    }

    #[test]
    fn builder_debug_hides_url_credentials() {
        let b = SmsapiConfig::builder("Xq7secret").base_url("https://user:pw9@proxy.example/api");
        let d = format!("{b:?}");
        assert!(
            !d.contains("Xq7secret") && !d.contains("pw9") && d.contains("https://***@proxy.example/api"),
            "{d}"
        );
    }

    #[test]
    fn message_types_parse() {
        assert_eq!(MessageType::parse("ECO"), Some(MessageType::Eco));
        assert_eq!(MessageType::parse("2way"), Some(MessageType::TwoWay));
        assert_eq!(MessageType::parse("pro"), Some(MessageType::Pro));
        assert_eq!(MessageType::parse("priority"), None);
    }
}
