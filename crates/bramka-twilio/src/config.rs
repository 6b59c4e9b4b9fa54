//! [`TwilioConfig`]: credentials, endpoint, default sender and limits, built with
//! [`TwilioConfigBuilder`] and checked before any request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bramka_core::Secret;
use bramka_core::clock::{Clock, SystemClock};
use bramka_core::http::{BaseUrl, BasicAuth, HttpSettings, Timeouts};
use url::Url;

use crate::limits::{
    DEFAULT_BASE_URL, DEFAULT_CONCURRENCY, DEFAULT_RATE_LIMIT_RETRIES, DEFAULT_SCHEDULE_MIN_LEAD,
    TWILIO_SCHEDULE_MAX_LEAD, TWILIO_SCHEDULE_MIN_LEAD,
};

/// How requests are authenticated (HTTP Basic).
#[derive(Clone)]
pub(crate) enum Auth {
    /// Account SID and Auth Token.
    AuthToken(BasicAuth),
    /// API key SID (`SK…`) and its secret; the account SID stays in the path.
    ApiKey(BasicAuth),
}

/// Why a configuration was refused. Every check happens in [`TwilioConfigBuilder::build`],
/// before any request.
///
/// ```
/// use bramka_twilio::{ConfigError, TwilioConfig};
///
/// let e = TwilioConfig::builder("not-a-sid", "token").build().unwrap_err();
/// assert!(matches!(e, ConfigError::InvalidAccountSid { .. }), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The account SID is not `AC` followed by 32 hexadecimal characters.
    #[error("invalid Twilio account SID {value}: expected \"AC\" followed by 32 hexadecimal characters")]
    InvalidAccountSid {
        /// The value given, masked: its first two characters and its length (a token written
        /// in this slot by mistake is not printed).
        value: String,
    },
    /// The API key SID is not `SK` followed by 32 hexadecimal characters.
    #[error("invalid Twilio API key SID {value}: expected \"SK\" followed by 32 hexadecimal characters")]
    InvalidApiKeySid {
        /// The value given, masked like [`InvalidAccountSid`](Self::InvalidAccountSid)'s.
        value: String,
    },
    /// The Messaging Service SID is not `MG` followed by 32 hexadecimal characters.
    #[error(
        "invalid Twilio Messaging Service SID {value:?}: expected \"MG\" followed by 32 hexadecimal characters"
    )]
    InvalidMessagingServiceSid {
        /// The value given.
        value: String,
    },
    /// A secret (Auth Token or API key secret) is empty.
    #[error("the Twilio {what} is empty")]
    EmptySecret {
        /// Which secret.
        what: &'static str,
    },
    /// The default `From` is empty.
    #[error("the default From is empty: give a Twilio number (+14155552671), short code or sender ID")]
    EmptyFrom,
    /// The base URL cannot be used.
    #[error("invalid Twilio base URL {value:?}: {reason}")]
    InvalidBaseUrl {
        /// The value given.
        value: String,
        /// Why, and what would be accepted.
        reason: String,
    },
    /// Concurrency must be at least 1.
    #[error("concurrency must be at least 1 (got {value})")]
    InvalidConcurrency {
        /// The value given.
        value: usize,
    },
    /// The scheduling window is outside what Twilio accepts.
    #[error(
        "invalid scheduling window {min_secs}s..{max_secs}s: Twilio accepts a lead time of more than 300 s (301 s or more) up to 35 days (3024000 s), minimum below maximum"
    )]
    InvalidScheduleWindow {
        /// Minimum lead, seconds.
        min_secs: u64,
        /// Maximum lead, seconds.
        max_secs: u64,
    },
    /// `ShortenUrls` needs a Messaging Service.
    #[error("shorten_urls needs a Messaging Service SID (Twilio shortens links only through a service)")]
    ShortenUrlsNeedsMessagingService,
}

impl From<ConfigError> for bramka_core::Error {
    fn from(e: ConfigError) -> Self {
        bramka_core::Error::config(e.to_string()).with_gateway("twilio").with_source(e)
    }
}

/// Everything a [`crate::TwilioGateway`] needs. Build with [`TwilioConfig::builder`] or
/// [`TwilioConfig::builder_with_api_key`].
///
/// ```
/// use bramka_twilio::TwilioConfig;
/// let config = TwilioConfig::builder("AC0123456789abcdef0123456789abcdef", "auth-token")
///     .from("+15005550006")
///     .build()
///     .unwrap();
/// assert_eq!(config.base_url().as_str(), "https://api.twilio.com/");
/// assert!(!format!("{config:?}").contains("auth-token"));
/// ```
#[derive(Clone)]
pub struct TwilioConfig {
    pub(crate) account_sid: String,
    pub(crate) auth: Auth,
    pub(crate) base_url: BaseUrl,
    pub(crate) from: Option<String>,
    pub(crate) messaging_service_sid: Option<String>,
    pub(crate) http: HttpSettings,
    pub(crate) concurrency: usize,
    pub(crate) smart_encoded: Option<bool>,
    pub(crate) shorten_urls: bool,
    pub(crate) schedule_min_lead: Duration,
    pub(crate) schedule_max_lead: Duration,
    pub(crate) rate_limit_retries: u32,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Auth::AuthToken(_) => "auth_token(***)".to_owned(),
            Auth::ApiKey(key) => format!("api_key({}, ***)", key.username()),
        };
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth", &auth)
            .field("base_url", &self.base_url.as_str())
            .field("from", &self.from)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("http", &self.http)
            .field("concurrency", &self.concurrency)
            .field("smart_encoded", &self.smart_encoded)
            .field("shorten_urls", &self.shorten_urls)
            .field("schedule_min_lead", &self.schedule_min_lead)
            .field("schedule_max_lead", &self.schedule_max_lead)
            .field("rate_limit_retries", &self.rate_limit_retries)
            .finish()
    }
}

impl TwilioConfig {
    /// A builder for Account SID + Auth Token credentials.
    pub fn builder(account_sid: impl Into<String>, auth_token: impl Into<Secret>) -> TwilioConfigBuilder {
        TwilioConfigBuilder::new(account_sid.into(), BuilderAuth::AuthToken(auth_token.into()))
    }

    /// A builder for API key credentials: the key SID (`SK…`) and secret authenticate, the
    /// account SID (`AC…`) goes in the request path.
    pub fn builder_with_api_key(
        account_sid: impl Into<String>,
        api_key_sid: impl Into<String>,
        api_key_secret: impl Into<Secret>,
    ) -> TwilioConfigBuilder {
        TwilioConfigBuilder::new(
            account_sid.into(),
            BuilderAuth::ApiKey { sid: api_key_sid.into(), secret: api_key_secret.into() },
        )
    }

    /// The account SID (`AC…`) used in request paths.
    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }
    /// The base URL (`https://api.twilio.com/` by default).
    pub fn base_url(&self) -> &Url {
        self.base_url.as_url()
    }
    /// The default `From`, if any.
    pub fn from(&self) -> Option<&str> {
        self.from.as_deref()
    }
    /// The Messaging Service SID, if any.
    pub fn messaging_service_sid(&self) -> Option<&str> {
        self.messaging_service_sid.as_deref()
    }
    /// The HTTP timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.http.timeouts()
    }
    /// The HTTP settings (timeouts, client, `insecure_http`).
    pub fn http(&self) -> &HttpSettings {
        &self.http
    }
    /// Send requests in flight at once for a multi-recipient message.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
    /// The `SmartEncoded` value sent with every message, if set.
    pub fn smart_encoded(&self) -> Option<bool> {
        self.smart_encoded
    }
    /// Whether `ShortenUrls=true` is sent.
    pub fn shorten_urls(&self) -> bool {
        self.shorten_urls
    }
    /// The accepted scheduling lead times (minimum, maximum).
    pub fn schedule_window(&self) -> (Duration, Duration) {
        (self.schedule_min_lead, self.schedule_max_lead)
    }
    /// Retries of a send refused with HTTP 429.
    pub fn rate_limit_retries(&self) -> u32 {
        self.rate_limit_retries
    }

    /// The HTTP Basic credentials of every request.
    pub(crate) fn basic_auth(&self) -> &BasicAuth {
        match &self.auth {
            Auth::AuthToken(basic) | Auth::ApiKey(basic) => basic,
        }
    }
}

#[derive(Clone)]
enum BuilderAuth {
    AuthToken(Secret),
    ApiKey { sid: String, secret: Secret },
}

/// Builds a [`TwilioConfig`]; every check happens in [`build`](Self::build).
///
/// ```
/// use bramka_twilio::{TwilioConfig, TwilioGateway};
///
/// let config = TwilioConfig::builder("AC0123456789abcdef0123456789abcdef", "auth-token")
///     .from("+15005550006")
///     .concurrency(4)
///     .build()
///     .unwrap();
/// assert_eq!(config.from(), Some("+15005550006"));
/// let gateway = TwilioGateway::new(config).unwrap();
/// ```
#[derive(Clone)]
pub struct TwilioConfigBuilder {
    account_sid: String,
    auth: BuilderAuth,
    base_url: String,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    http: HttpSettings,
    concurrency: usize,
    smart_encoded: Option<bool>,
    shorten_urls: bool,
    schedule_min_lead: Duration,
    schedule_max_lead: Duration,
    rate_limit_retries: u32,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TwilioConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfigBuilder")
            .field("account_sid", &self.account_sid)
            .field("base_url", &self.base_url)
            .field("from", &self.from)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .finish_non_exhaustive()
    }
}

impl TwilioConfigBuilder {
    fn new(account_sid: String, auth: BuilderAuth) -> Self {
        TwilioConfigBuilder {
            account_sid,
            auth,
            base_url: DEFAULT_BASE_URL.to_owned(),
            from: None,
            messaging_service_sid: None,
            http: HttpSettings::new(),
            concurrency: DEFAULT_CONCURRENCY,
            smart_encoded: None,
            shorten_urls: false,
            schedule_min_lead: DEFAULT_SCHEDULE_MIN_LEAD,
            schedule_max_lead: TWILIO_SCHEDULE_MAX_LEAD,
            rate_limit_retries: DEFAULT_RATE_LIMIT_RETRIES,
            clock: Arc::new(SystemClock),
        }
    }

    /// The REST base URL: `https://api.twilio.com` by default, a regional host, or any URL
    /// (a test server). Request paths are appended to it.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// A regional endpoint `https://api.{edge}.{region}.twilio.com` (e.g. `dublin`, `ie1`).
    /// API keys are region-scoped: use a key created in that region.
    #[must_use]
    pub fn region(mut self, edge: &str, region: &str) -> Self {
        self.base_url = format!("https://api.{edge}.{region}.twilio.com");
        self
    }

    /// The default `From` for messages without a sender.
    #[must_use]
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// A Messaging Service (`MG…`) sent with every message (needed for scheduling).
    #[must_use]
    pub fn messaging_service_sid(mut self, sid: impl Into<String>) -> Self {
        self.messaging_service_sid = Some(sid.into());
        self
    }

    bramka_core::http_setters!(http);

    /// Send requests in flight at once for a multi-recipient message (at least 1; default 4).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// Sends `SmartEncoded=true|false` with every message (Twilio replaces Unicode look-alikes
    /// with GSM-7 characters when true). Not sent when unset: the service's setting applies.
    #[must_use]
    pub fn smart_encoded(mut self, on: bool) -> Self {
        self.smart_encoded = Some(on);
        self
    }

    /// Sends `ShortenUrls=true` with every message (needs a Messaging Service with link shortening).
    #[must_use]
    pub fn shorten_urls(mut self, on: bool) -> Self {
        self.shorten_urls = on;
        self
    }

    /// The accepted scheduling lead time, checked before sending. Default 15 minutes to 35 days;
    /// Twilio accepts more than 300 s to 35 days.
    #[must_use]
    pub fn schedule_window(mut self, min: Duration, max: Duration) -> Self {
        self.schedule_min_lead = min;
        self.schedule_max_lead = max;
        self
    }

    /// Retries of a send refused with HTTP 429 / 20429 (never processed by Twilio), waiting its
    /// `Retry-After`. Default 2; 0 returns the rate-limit error at once.
    #[must_use]
    pub fn rate_limit_retries(mut self, n: u32) -> Self {
        self.rate_limit_retries = n;
        self
    }

    /// The clock used for scheduling checks and waits (a `ManualClock` in tests).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Checks everything and builds the configuration.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`]: [`InvalidAccountSid`](ConfigError::InvalidAccountSid),
    /// [`InvalidApiKeySid`](ConfigError::InvalidApiKeySid) or
    /// [`InvalidMessagingServiceSid`](ConfigError::InvalidMessagingServiceSid) for a malformed SID,
    /// [`EmptySecret`](ConfigError::EmptySecret) for an empty Auth Token or API key secret,
    /// [`InvalidBaseUrl`](ConfigError::InvalidBaseUrl) for a base URL that cannot be used,
    /// [`EmptyFrom`](ConfigError::EmptyFrom) for an empty default `From`,
    /// [`InvalidConcurrency`](ConfigError::InvalidConcurrency) for a concurrency of 0,
    /// [`InvalidScheduleWindow`](ConfigError::InvalidScheduleWindow) for a scheduling window outside
    /// Twilio's, and [`ShortenUrlsNeedsMessagingService`](ConfigError::ShortenUrlsNeedsMessagingService)
    /// for link shortening without a Messaging Service.
    pub fn build(self) -> Result<TwilioConfig, ConfigError> {
        if !is_sid(&self.account_sid, "AC") {
            return Err(ConfigError::InvalidAccountSid { value: mask_sid(&self.account_sid) });
        }
        let auth = match self.auth {
            BuilderAuth::AuthToken(t) => {
                if t.is_empty() {
                    return Err(ConfigError::EmptySecret { what: "auth token" });
                }
                Auth::AuthToken(BasicAuth::new(self.account_sid.clone(), t))
            }
            BuilderAuth::ApiKey { sid, secret } => {
                if !is_sid(&sid, "SK") {
                    return Err(ConfigError::InvalidApiKeySid { value: mask_sid(&sid) });
                }
                if secret.is_empty() {
                    return Err(ConfigError::EmptySecret { what: "API key secret" });
                }
                Auth::ApiKey(BasicAuth::new(sid, secret))
            }
        };
        let base_url = parse_base_url(&self.base_url, self.http.allows_insecure_http())?;
        if let Some(f) = &self.from
            && f.trim().is_empty()
        {
            return Err(ConfigError::EmptyFrom);
        }
        if let Some(mg) = &self.messaging_service_sid
            && !is_sid(mg, "MG")
        {
            return Err(ConfigError::InvalidMessagingServiceSid { value: mg.clone() });
        }
        if self.concurrency == 0 {
            return Err(ConfigError::InvalidConcurrency { value: 0 });
        }
        if self.schedule_min_lead < TWILIO_SCHEDULE_MIN_LEAD
            || self.schedule_max_lead > TWILIO_SCHEDULE_MAX_LEAD
            || self.schedule_min_lead > self.schedule_max_lead
        {
            return Err(ConfigError::InvalidScheduleWindow {
                min_secs: self.schedule_min_lead.as_secs(),
                max_secs: self.schedule_max_lead.as_secs(),
            });
        }
        if self.shorten_urls && self.messaging_service_sid.is_none() {
            return Err(ConfigError::ShortenUrlsNeedsMessagingService);
        }
        Ok(TwilioConfig {
            account_sid: self.account_sid,
            auth,
            base_url,
            from: self.from.map(|f| f.trim().to_owned()),
            messaging_service_sid: self.messaging_service_sid,
            http: self.http,
            concurrency: self.concurrency,
            smart_encoded: self.smart_encoded,
            shorten_urls: self.shorten_urls,
            schedule_min_lead: self.schedule_min_lead,
            schedule_max_lead: self.schedule_max_lead,
            rate_limit_retries: self.rate_limit_retries,
            clock: self.clock,
        })
    }
}

fn parse_base_url(value: &str, insecure_http: bool) -> Result<BaseUrl, ConfigError> {
    BaseUrl::parse(value, insecure_http).map_err(|e| ConfigError::InvalidBaseUrl {
        value: value.to_owned(),
        reason: e.operator_message().to_owned(),
    })
}

/// How a SID that failed its check is shown: its first two characters and its length. A token
/// swapped into a SID slot (`twilio://TOKEN:AC…@default`) must not be printed whole.
pub(crate) fn mask_sid(value: &str) -> String {
    let head: String = value.chars().take(2).collect();
    format!("{}… ({} characters)", head.escape_debug(), value.chars().count())
}

/// Whether `value` is `prefix` followed by 32 hexadecimal characters (Twilio's SID shape).
pub(crate) fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34
        && value.starts_with(prefix)
        && value[prefix.len()..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AC: &str = "AC0123456789abcdef0123456789abcdef";

    #[test]
    fn sids_are_checked() {
        assert!(is_sid(AC, "AC"));
        assert!(!is_sid("AC123", "AC"));
        assert!(!is_sid("SK0123456789abcdef0123456789abcdef", "AC"));
        assert!(!is_sid("AC0123456789abcdef0123456789abcdeg", "AC"));
        let e = TwilioConfig::builder("AC123", "t").build().unwrap_err();
        assert_eq!(e, ConfigError::InvalidAccountSid { value: "AC… (5 characters)".into() });
        let e = TwilioConfig::builder_with_api_key(AC, "AC0123456789abcdef0123456789abcdef", "s")
            .build()
            .unwrap_err();
        assert!(matches!(e, ConfigError::InvalidApiKeySid { .. }), "{e}");
        let e = TwilioConfig::builder(AC, "t").messaging_service_sid("MG1").build().unwrap_err();
        assert!(e.to_string().contains("\"MG\" followed by 32"), "{e}");
    }

    #[test]
    fn empty_secrets_and_bad_urls_refused() {
        assert_eq!(
            TwilioConfig::builder(AC, "").build().unwrap_err(),
            ConfigError::EmptySecret { what: "auth token" }
        );
        for bad in ["ftp://x", "not a url", "https://u:p@api.twilio.com", "https://api.twilio.com/?a=1"] {
            let e = TwilioConfig::builder(AC, "t").base_url(bad).build().unwrap_err();
            assert!(matches!(e, ConfigError::InvalidBaseUrl { .. }), "{bad}: {e}");
        }
        let c = TwilioConfig::builder(AC, "t").region("dublin", "ie1").build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.dublin.ie1.twilio.com/");
    }

    #[test]
    fn schedule_window_and_concurrency_limits() {
        let e = TwilioConfig::builder(AC, "t")
            .schedule_window(Duration::from_secs(300), Duration::from_secs(3600))
            .build()
            .unwrap_err();
        assert_eq!(e, ConfigError::InvalidScheduleWindow { min_secs: 300, max_secs: 3600 });
        let e = TwilioConfig::builder(AC, "t")
            .schedule_window(Duration::from_secs(400), TWILIO_SCHEDULE_MAX_LEAD + Duration::from_secs(1))
            .build()
            .unwrap_err();
        assert!(matches!(e, ConfigError::InvalidScheduleWindow { .. }));
        assert!(
            TwilioConfig::builder(AC, "t")
                .schedule_window(Duration::from_secs(301), TWILIO_SCHEDULE_MAX_LEAD)
                .build()
                .is_ok()
        );
        assert_eq!(
            TwilioConfig::builder(AC, "t").concurrency(0).build().unwrap_err(),
            ConfigError::InvalidConcurrency { value: 0 }
        );
        assert_eq!(
            TwilioConfig::builder(AC, "t").shorten_urls(true).build().unwrap_err(),
            ConfigError::ShortenUrlsNeedsMessagingService
        );
    }

    #[test]
    fn debug_hides_secrets_and_api_key_uses_key_for_basic_auth() {
        let c =
            TwilioConfig::builder_with_api_key(AC, "SK0123456789abcdef0123456789abcdef", "key-secret-xyz")
                .build()
                .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("key-secret-xyz"), "{d}");
        assert!(d.contains("SK0123456789abcdef0123456789abcdef"), "{d}");
        let basic = c.basic_auth();
        assert_eq!(basic.username(), "SK0123456789abcdef0123456789abcdef");
        assert_eq!(basic.password().expose(), "key-secret-xyz");
        assert_eq!(c.account_sid(), AC);
    }
}
