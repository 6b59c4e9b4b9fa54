//! [`HttpSettings`]: what every operator config builder embeds (timeouts, an optional
//! caller-supplied client, the `insecure_http` escape hatch), and how a DSN sets them.

use std::fmt;
use std::time::Duration;

use super::{BaseUrl, Timeouts};
use crate::dsn::Dsn;
use crate::error::Error;

/// The DSN options [`HttpSettings::from_dsn`] and [`base_url_from_dsn`] read; operator factories
/// accept them in addition to their own:
///
/// | option | meaning |
/// |---|---|
/// | `base_url` | the whole API base URL (percent-encoded), a path prefix allowed; overrides host and path |
/// | `insecure_http` | `1` allows plain http to a non-loopback host (the credentials travel unencrypted) |
/// | `timeout`, `connect_timeout` | `130s`, `500ms`, …; the operator's recommended values by default |
/// | `tls` | `0` for plain http (refused for a non-loopback host without `insecure_http=1`); loopback hosts (`127.0.0.1`, `localhost`, `[::1]`) default to it |
pub const HTTP_DSN_OPTIONS: &[&str] = &["base_url", "insecure_http", "timeout", "connect_timeout", "tls"];

/// HTTP settings of one operator client.
///
/// ```
/// use bramka_core::http::{HttpSettings, Timeouts};
/// use std::time::Duration;
/// let s = HttpSettings::new().timeout(Duration::from_secs(5));
/// assert_eq!(s.timeouts().request, Duration::from_secs(5));
/// let client = s.client().unwrap(); // rustls, same-origin redirects only, bramka user agent
/// # drop(client);
/// ```
#[derive(Clone, Default)]
pub struct HttpSettings {
    timeouts: Timeouts,
    client: Option<reqwest::Client>,
    insecure_http: bool,
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("timeouts", &self.timeouts)
            .field("own_client", &self.client.is_some())
            .field("insecure_http", &self.insecure_http)
            .finish()
    }
}

impl HttpSettings {
    /// Default timeouts ([`Timeouts::default`]), a client built by bramka, https only.
    pub fn new() -> Self {
        HttpSettings::default()
    }
    /// Starts from these timeouts (an operator's recommended ones).
    pub fn with_timeouts(timeouts: Timeouts) -> Self {
        HttpSettings { timeouts, ..HttpSettings::default() }
    }
    /// The per-request timeout (a send that times out after writing is `MaybeSent`).
    #[must_use]
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeouts.request = d;
        self
    }
    /// The connect timeout.
    #[must_use]
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.timeouts.connect = d;
        self
    }
    /// Uses the application's client instead of building one. Its own timeouts, TLS and
    /// redirect policy then apply (bramka's client follows same-origin redirects only).
    #[must_use]
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }
    /// Allows a plain-http base URL to a non-loopback host (credentials travel unencrypted).
    #[must_use]
    pub fn insecure_http(mut self, on: bool) -> Self {
        self.insecure_http = on;
        self
    }
    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }
    /// The application's client, when one was given.
    pub fn own_client(&self) -> Option<&reqwest::Client> {
        self.client.as_ref()
    }
    /// Whether plain http to a non-loopback host is allowed.
    pub fn allows_insecure_http(&self) -> bool {
        self.insecure_http
    }
    /// Checks the timeouts (both longer than zero).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config), naming `gateway`, when the
    /// request or connect timeout is zero.
    pub fn check(&self, gateway: &'static str) -> Result<(), Error> {
        if self.timeouts.request.is_zero() || self.timeouts.connect.is_zero() {
            return Err(Error::config("timeouts must be longer than zero").with_gateway(gateway));
        }
        Ok(())
    }
    /// Parses a base URL under these settings' `insecure_http`.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when [`BaseUrl::parse`]
    /// refuses `raw`.
    pub fn base_url(&self, raw: &str) -> Result<BaseUrl, Error> {
        BaseUrl::parse(raw, self.insecure_http)
    }
    /// The checked settings ([`check`](Self::check)) and the base URL: `custom` when given, else
    /// `default`, parsed by [`base_url`](Self::base_url); errors carry `gateway`.
    ///
    /// ```
    /// use bramka_core::http::HttpSettings;
    /// let s = HttpSettings::new();
    /// assert_eq!(s.endpoint("acme", None, "https://api.acme.example/v1").unwrap().as_str(), "https://api.acme.example/v1/");
    /// let e = s.endpoint("acme", Some("http://acme.example"), "https://api.acme.example/").unwrap_err();
    /// assert_eq!(e.gateway(), Some("acme"));
    /// ```
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config), naming `gateway`, when
    /// [`check`](Self::check) or [`base_url`](Self::base_url) fails.
    pub fn endpoint(
        &self,
        gateway: &'static str,
        custom: Option<&str>,
        default: &str,
    ) -> Result<BaseUrl, Error> {
        self.check(gateway)?;
        self.base_url(custom.unwrap_or(default)).map_err(|e| e.with_gateway(gateway))
    }
    /// The client: the caller's, or a new one (rustls, these timeouts, same-origin redirects).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when no client was given and
    /// [`client`](super::client) cannot build one.
    pub fn client(&self) -> Result<reqwest::Client, Error> {
        match &self.client {
            Some(c) => Ok(c.clone()),
            None => super::client(self.timeouts),
        }
    }
    /// These settings updated from a DSN's `timeout`, `connect_timeout` and `insecure_http`.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when `timeout` or
    /// `connect_timeout` is not a duration, or `insecure_http` not a boolean (see
    /// [`Dsn::duration_option`], [`Dsn::bool_option`]).
    pub fn from_dsn(mut self, dsn: &Dsn) -> Result<Self, Error> {
        if let Some(d) = dsn.duration_option("timeout")? {
            self.timeouts.request = d;
        }
        if let Some(d) = dsn.duration_option("connect_timeout")? {
            self.timeouts.connect = d;
        }
        if let Some(b) = dsn.bool_option("insecure_http")? {
            self.insecure_http = b;
        }
        Ok(self)
    }
}

/// The base URL a DSN asks for, if any: the `base_url=URL` option (a path prefix allowed), else a
/// host other than `default` (`scheme://cred@host:port/path`, https unless loopback or `tls=0`,
/// `default_path` when the DSN has none). `None` for the operator's default endpoint. Every
/// operator factory uses it, so every operator accepts the same forms.
///
/// ```
/// use bramka_core::Dsn;
/// use bramka_core::http::base_url_from_dsn;
/// let d = Dsn::parse("op://key@default?base_url=http%3A%2F%2F127.0.0.1%3A9%2Fapi").unwrap();
/// assert_eq!(base_url_from_dsn(&d, "/").unwrap().unwrap().as_str(), "http://127.0.0.1:9/api/");
/// let d = Dsn::parse("op://key@eu.example.com?x=1").unwrap();
/// assert_eq!(base_url_from_dsn(&d, "/v1/").unwrap().unwrap().as_str(), "https://eu.example.com/v1/");
/// assert!(base_url_from_dsn(&Dsn::parse("op://key@default").unwrap(), "/").unwrap().is_none());
/// ```
///
/// # Errors
///
/// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when `insecure_http` or `tls`
/// is not a boolean, or the resulting URL is refused by [`BaseUrl::parse`].
pub fn base_url_from_dsn(dsn: &Dsn, default_path: &str) -> Result<Option<BaseUrl>, Error> {
    let insecure = dsn.bool_option("insecure_http")?.unwrap_or(false);
    if let Some(raw) = dsn.option("base_url") {
        return BaseUrl::parse(raw, insecure).map(Some);
    }
    if dsn.is_default_host() {
        return Ok(None);
    }
    let tls = dsn.bool_option("tls")?.unwrap_or(!dsn.is_loopback_host());
    let port = dsn.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = if dsn.path().is_empty() || dsn.path() == "/" { default_path } else { dsn.path() };
    let raw = format!("{}://{}{port}{path}", if tls { "https" } else { "http" }, dsn.host());
    BaseUrl::parse(&raw, insecure).map(Some)
}

/// The builder setters every operator config forwards to its embedded [`HttpSettings`]:
/// `timeout`, `connect_timeout`, `timeouts`, `insecure_http`, `reqwest_client` and `http`. Write it
/// inside the builder's `impl` block with the name of the field holding the settings, so each
/// operator's builder has the same setters with the same meaning.
///
/// ```
/// use bramka_core::http::{HttpSettings, Timeouts};
/// use std::time::Duration;
///
/// /// A builder of some operator's configuration.
/// #[derive(Debug, Default)]
/// pub struct AcmeConfigBuilder {
///     http: HttpSettings,
/// }
///
/// impl AcmeConfigBuilder {
///     bramka_core::http_setters!(http);
/// }
///
/// let b = AcmeConfigBuilder::default().timeout(Duration::from_secs(90)).insecure_http(true);
/// assert_eq!(b.http.timeouts().request, Duration::from_secs(90));
/// assert!(b.http.allows_insecure_http());
/// ```
#[macro_export]
macro_rules! http_setters {
    ($field:ident) => {
        /// Time allowed for a whole request and its answer (the operator's recommended value by
        /// default). A send that times out after the request was written may have gone out.
        pub fn timeout(mut self, d: ::std::time::Duration) -> Self {
            self.$field = self.$field.timeout(d);
            self
        }
        /// Time allowed to connect (10 s by default). A connect failure means nothing was sent.
        pub fn connect_timeout(mut self, d: ::std::time::Duration) -> Self {
            self.$field = self.$field.connect_timeout(d);
            self
        }
        /// Both timeouts at once.
        pub fn timeouts(mut self, timeouts: $crate::http::Timeouts) -> Self {
            self.$field = self.$field.timeout(timeouts.request).connect_timeout(timeouts.connect);
            self
        }
        /// Allows a plain-http base URL to a host that is not loopback: the credentials then
        /// travel unencrypted. Off by default (https unless the host is loopback).
        pub fn insecure_http(mut self, on: bool) -> Self {
            self.$field = self.$field.insecure_http(on);
            self
        }
        /// Uses the application's `reqwest::Client` (its timeouts, TLS and redirect policy apply).
        pub fn reqwest_client(mut self, client: $crate::http::reqwest::Client) -> Self {
            self.$field = self.$field.reqwest_client(client);
            self
        }
        /// Replaces the HTTP settings whole (`bramka_core::http::HttpSettings`: timeouts, the
        /// application's client, `insecure_http`).
        pub fn http(mut self, http: $crate::http::HttpSettings) -> Self {
            self.$field = http;
            self
        }
    };
}
