//! Shared HTTP plumbing for operator crates (feature `http`): client construction with timeouts
//! and rustls (ring), and the mapping of transport failures to [`Error`] with the right
//! [`Certainty`].

use std::time::Duration;

use crate::error::{Certainty, Error, ErrorKind};

mod answer;
mod base_url;
mod basic_auth;
mod body;
mod scrub;
mod settings;
mod template;
pub use answer::{Answer, Call, json_id};
pub use base_url::BaseUrl;
pub use basic_auth::BasicAuth;
pub use body::{BodyError, DEFAULT_BODY_LIMIT, read_limited};
/// The `reqwest` this crate builds clients with (for [`http_setters!`](crate::http_setters)).
pub use reqwest;
pub use scrub::Scrubber;
pub use settings::{HTTP_DSN_OPTIONS, HttpSettings, base_url_from_dsn};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Timeouts for one operator client.
///
/// ```
/// use std::time::Duration;
/// use bramka_core::http::Timeouts;
///
/// // A slow link: 20 s to connect, 2 minutes per request.
/// let t = Timeouts { connect: Duration::from_secs(20), request: Duration::from_secs(120) };
/// assert_eq!(Timeouts::default().request, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to establish a connection. A failure here is always [`Certainty::NotSent`].
    pub connect: Duration,
    /// Time allowed for a whole request and its response. A timeout after the request was
    /// written is [`Certainty::MaybeSent`].
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: DEFAULT_CONNECT_TIMEOUT, request: DEFAULT_TIMEOUT }
    }
}

/// Builds a reqwest client with rustls (ring provider), the given timeouts, a bramka user agent,
/// and redirects followed only within the same origin (at most 5): a redirect to another host
/// would hand it the request's credentials.
///
/// # Errors
///
/// Returns an [`Error`] of kind [`ErrorKind::Config`] when reqwest cannot build the client (for
/// example, the TLS backend fails to initialise).
pub fn client(timeouts: Timeouts) -> Result<reqwest::Client, Error> {
    // Installing fails harmlessly when the application already chose a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .user_agent(concat!("bramka/", env!("CARGO_PKG_VERSION")))
        .redirect(same_origin_redirects())
        .build()
        .map_err(|e| Error::config(format!("cannot build HTTP client: {}", strip_url(&e))))
}

/// Follows a redirect only to the origin (scheme, host, port) of the original request.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else { return attempt.stop() };
        if attempt.previous().len() > 5 {
            attempt.stop()
        } else if attempt.url().origin() == first.origin() {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// The error with its causes (`… : tcp connect error: Connection refused`), without the URL.
fn strip_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    // reqwest's own text is only "error sending request for url (…)": the reason (refused, DNS,
    // TLS, reset) is in the chain of sources.
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = cause.source();
    }
    // Operators may carry credentials in URLs; never print them.
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "<url>");
    }
    s
}

/// Maps a transport failure of a request that may have changed state (a send) to an [`Error`].
///
/// Connect failures are [`Certainty::NotSent`]; a timeout or a failure after connecting is
/// [`Certainty::MaybeSent`]: the operator may have received the request.
pub fn transport_error(gateway: &'static str, e: &reqwest::Error) -> Error {
    let text = strip_url(e);
    let (kind, certainty) = if e.is_connect() {
        (ErrorKind::Network, Certainty::NotSent)
    } else if e.is_timeout() {
        (ErrorKind::Timeout, Certainty::MaybeSent)
    } else if e.is_builder() {
        (ErrorKind::Config, Certainty::NotSent)
    } else if e.is_decode() || e.is_body() {
        (ErrorKind::Decode, Certainty::MaybeSent)
    } else {
        (ErrorKind::Network, Certainty::MaybeSent)
    };
    Error::new(kind, certainty, text).with_gateway(gateway)
}

/// The certainty of an HTTP error status for a send: 4xx is [`Certainty::NotSent`], anything
/// else (5xx, odd codes) is [`Certainty::MaybeSent`].
pub fn certainty_for_status(status: u16) -> Certainty {
    if (400..500).contains(&status) { Certainty::NotSent } else { Certainty::MaybeSent }
}

/// The kind an HTTP status implies when the body says nothing more precise.
pub fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Auth,
        402 => ErrorKind::InsufficientFunds,
        404 => ErrorKind::NotFound,
        408 => ErrorKind::Timeout,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Other,
    }
}

/// Parses a `Retry-After` header: delay-seconds or an HTTP date (relative to now).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// The `Retry-After` of a response, if present and valid.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok().and_then(parse_retry_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_certainty_and_kind() {
        assert_eq!(certainty_for_status(400), Certainty::NotSent);
        assert_eq!(certainty_for_status(429), Certainty::NotSent);
        assert_eq!(certainty_for_status(500), Certainty::MaybeSent);
        assert_eq!(certainty_for_status(503), Certainty::MaybeSent);
        assert_eq!(kind_for_status(401), ErrorKind::Auth);
        assert_eq!(kind_for_status(429), ErrorKind::RateLimited);
        assert_eq!(kind_for_status(502), ErrorKind::Unavailable);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[tokio::test]
    async fn connect_refused_is_not_sent() {
        let c =
            client(Timeouts { connect: Duration::from_secs(2), request: Duration::from_secs(2) }).unwrap();
        // Port 9 on loopback: nothing listens there in tests.
        let e = c.post("http://127.0.0.1:9/x").send().await.unwrap_err();
        let err = transport_error("test", &e);
        assert_eq!(err.certainty(), Certainty::NotSent, "{err}");
        // The cause is shown, not only "error sending request".
        assert!(err.to_string().to_lowercase().contains("connection refused"), "{err}");
        assert!(!err.to_string().contains("127.0.0.1:9/x"), "the URL is never shown: {err}");
        assert_eq!(err.kind(), ErrorKind::Network);
    }
}
