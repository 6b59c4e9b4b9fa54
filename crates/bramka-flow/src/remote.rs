//! Content from the customer's API: the request (GET with a query, POST with a JSON or form body),
//! the declared response structure, the typed failures, and the [`RemotePolicy`] that bounds what
//! the client may reach.
//!
//! # What the client reaches (SSRF surface)
//!
//! The URL of the customer's API is configuration: whoever writes a flow's configuration chooses
//! where the application makes HTTP requests from inside your network, and those requests carry
//! the caller's and called numbers, the call id and every constant field (which may hold the
//! customer's credentials). When that person is not you (a multi-tenant PBX where each tenant
//! configures their own flows), a URL can point at internal services (`http://127.0.0.1:…`,
//! cloud metadata addresses, an intranet host). The client limits what a hostile or broken
//! configuration or server can do:
//!
//! - **No redirects** by default: a `3xx` answer is [`RemoteError::Redirect`], never followed.
//!   [`RemotePolicy::follow_same_origin_redirects`] follows redirects to the same scheme, host and
//!   port only; a redirect to any other origin is never followed (it would re-send the body and
//!   the URL's token elsewhere).
//! - **No `Referer`** header is ever sent (it would carry the URL and its token).
//! - The answer is read with a **64 KiB cap enforced while streaming** ([`MAX_RESPONSE_BYTES`]).
//! - [`RemotePolicy::allow_hosts`]: an allow-list of host names (exact, case-insensitive) checked
//!   when the action is built and again before each request; use it for multi-tenant
//!   deployments. It matches the host as written in the URL: it does not resolve names, so a name
//!   you allow must be one whose DNS you trust.

use std::fmt;
use std::time::Duration;

use url::Url;

/// Largest answer read from the customer's API (64 KiB); anything longer is
/// [`RemoteError::Malformed`], and reading stops as soon as the cap is passed. An SMS of 7 UCS-2
/// parts is under 1 KiB.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Longest timeout accepted for the customer's API (a caller is waiting on the line).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// Default timeout for the customer's API.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How the request is made.
///
/// ```
/// use bramka_flow::{RemoteApi, RemoteMethod};
///
/// let api = RemoteApi::new(RemoteMethod::PostForm, "https://crm.example/sms-text");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemoteMethod {
    /// `GET`, every parameter in the query string.
    Get,
    /// `POST` with a JSON object body (every value a string).
    PostJson,
    /// `POST` with an `application/x-www-form-urlencoded` body.
    PostForm,
}

impl fmt::Display for RemoteMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RemoteMethod::Get => "GET",
            RemoteMethod::PostJson => "POST (JSON)",
            RemoteMethod::PostForm => "POST (form)",
        })
    }
}

/// The declared structure of the answer.
///
/// ```
/// use bramka_flow::ResponseFormat;
///
/// let f = ResponseFormat::JsonPointer("/sms/text".into());
/// assert_eq!(f.extract(br#"{"sms": {"text": "Hello"}}"#).unwrap(), "Hello");
/// assert_eq!(ResponseFormat::PlainText.extract(b"Hi there").unwrap(), "Hi there");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseFormat {
    /// The whole body is the SMS text (UTF-8; surrounding whitespace is trimmed).
    PlainText,
    /// The body is JSON and the text is the string at this JSON pointer (RFC 6901, e.g.
    /// `/data/sms`).
    JsonPointer(String),
}

impl ResponseFormat {
    /// The SMS text in an answer's body, as the action reads it: the whole body (UTF-8) or the
    /// string at the JSON pointer, trimmed; an empty text is [`RemoteError::EmptyText`]. The size
    /// cap ([`MAX_RESPONSE_BYTES`]) is applied while the body is read, before this.
    ///
    /// ```
    /// use bramka_flow::{RemoteError, ResponseFormat};
    /// let json = ResponseFormat::JsonPointer("/sms/text".into());
    /// assert_eq!(json.extract(br#"{"sms": {"text": " Hi "}}"#).unwrap(), "Hi");
    /// assert!(matches!(json.extract(b"[1]"), Err(RemoteError::Malformed { .. })));
    /// assert_eq!(ResponseFormat::PlainText.extract(b"  \n"), Err(RemoteError::EmptyText));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RemoteError::Malformed`] when the body is not UTF-8, not JSON, or has no string at the
    /// pointer.
    pub fn extract(&self, body: &[u8]) -> Result<String, RemoteError> {
        let expected = self.to_string();
        let malformed = |reason: String| RemoteError::Malformed { expected: expected.clone(), reason };
        let text = match self {
            ResponseFormat::PlainText => std::str::from_utf8(body)
                .map_err(|e| malformed(format!("the body is not UTF-8 ({e})")))?
                .to_owned(),
            ResponseFormat::JsonPointer(pointer) => {
                let json: serde_json::Value = serde_json::from_slice(body)
                    .map_err(|e| malformed(format!("the body is not JSON ({e})")))?;
                match json.pointer(pointer) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(other) => {
                        return Err(malformed(format!("the value at {pointer:?} is {}", json_kind(other))));
                    }
                    None => return Err(malformed(format!("no value at {pointer:?}"))),
                }
            }
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(RemoteError::EmptyText);
        }
        Ok(text.to_owned())
    }
}

impl fmt::Display for ResponseFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseFormat::PlainText => f.write_str("plain text"),
            ResponseFormat::JsonPointer(p) => write!(f, "JSON string at {p:?}"),
        }
    }
}

/// The customer's API as configured, before validation (validated with the rest of the
/// [`SmsActionConfig`](crate::SmsActionConfig)).
///
/// ```
/// use bramka_flow::{RemoteApi, ResponseFormat};
/// use std::time::Duration;
///
/// let api = RemoteApi::post_json("https://crm.example.com/sms-text")
///     .timeout(Duration::from_secs(3))
///     .response(ResponseFormat::JsonPointer("/sms/text".into()))
///     .fallback("Thank you for calling.");
/// # let _ = api;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteApi {
    pub(crate) method: RemoteMethod,
    pub(crate) url: String,
    pub(crate) timeout: Duration,
    pub(crate) response: ResponseFormat,
    pub(crate) fallback: Option<String>,
}

impl fmt::Debug for RemoteApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteApi")
            .field("method", &self.method)
            .field("url", &redact_url_str(&self.url))
            .field("timeout", &self.timeout)
            .field("response", &self.response)
            .field("fallback", &self.fallback)
            .finish()
    }
}

impl RemoteApi {
    /// A request with `method` to `url`, plain-text answer, default timeout, no fallback.
    pub fn new(method: RemoteMethod, url: impl Into<String>) -> Self {
        RemoteApi {
            method,
            url: url.into(),
            timeout: DEFAULT_TIMEOUT,
            response: ResponseFormat::PlainText,
            fallback: None,
        }
    }
    /// `GET url?from_number=..&to_number=..&call_id=..&<fields>`.
    pub fn get(url: impl Into<String>) -> Self {
        RemoteApi::new(RemoteMethod::Get, url)
    }
    /// `POST url` with a JSON object body.
    pub fn post_json(url: impl Into<String>) -> Self {
        RemoteApi::new(RemoteMethod::PostJson, url)
    }
    /// `POST url` with a form body.
    pub fn post_form(url: impl Into<String>) -> Self {
        RemoteApi::new(RemoteMethod::PostForm, url)
    }
    /// How long to wait for the whole answer (more than zero, at most [`MAX_TIMEOUT`]).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// The declared answer structure.
    #[must_use]
    pub fn response(mut self, format: ResponseFormat) -> Self {
        self.response = format;
        self
    }
    /// Shorthand for [`ResponseFormat::JsonPointer`].
    #[must_use]
    pub fn json_pointer(self, pointer: impl Into<String>) -> Self {
        self.response(ResponseFormat::JsonPointer(pointer.into()))
    }
    /// The text sent when the API fails (timeout, HTTP error, answer not matching the structure).
    /// Without one, such a call sends nothing.
    #[must_use]
    pub fn fallback(mut self, text: impl Into<String>) -> Self {
        self.fallback = Some(text.into());
        self
    }
}

/// The customer's API, validated.
///
/// ```
/// use bramka_flow::{Content, RemoteApi, SmsActionConfig};
///
/// let config = SmsActionConfig::builder()
///     .label("crm")
///     .recipients("+48600100200")
///     .remote(RemoteApi::get("https://crm.example/text").json_pointer("/text").fallback("We will call back"))
///     .build()
///     .unwrap();
/// let Content::Remote(remote) = config.content() else { unreachable!() };
/// assert_eq!(remote.fallback(), Some("We will call back"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteContent {
    pub(crate) method: RemoteMethod,
    pub(crate) url: Url,
    pub(crate) timeout: Duration,
    pub(crate) response: ResponseFormat,
    pub(crate) fallback: Option<String>,
}

impl fmt::Debug for RemoteContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteContent")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("timeout", &self.timeout)
            .field("response", &self.response)
            .field("fallback", &self.fallback)
            .finish()
    }
}

impl RemoteContent {
    /// The method.
    pub fn method(&self) -> RemoteMethod {
        self.method
    }
    /// The URL (it may hold credentials: do not log it; [`Debug`] redacts them).
    pub fn url(&self) -> &Url {
        &self.url
    }
    /// The timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// The declared answer structure.
    pub fn response(&self) -> &ResponseFormat {
        &self.response
    }
    /// The fallback text.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }
}

/// Why the customer's API gave no usable text.
///
/// ```
/// use bramka_flow::{RemoteError, ResponseFormat};
///
/// match ResponseFormat::JsonPointer("/text".into()).extract(b"not json") {
///     Err(RemoteError::Malformed { expected, .. }) => println!("expected {expected}"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// No complete answer within the timeout.
    #[error("the customer's API did not answer within {}ms", .timeout.as_millis())]
    Timeout {
        /// The configured timeout.
        timeout: Duration,
    },
    /// The API answered with a status other than 2xx.
    #[error("the customer's API answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The API could not be reached, or the connection broke.
    #[error("could not reach the customer's API: {reason}")]
    Network {
        /// What failed (never the URL).
        reason: String,
    },
    /// The answer does not match the declared structure.
    #[error("the customer's API answer is not {expected}: {reason}")]
    Malformed {
        /// The declared structure.
        expected: String,
        /// What was found instead.
        reason: String,
    },
    /// The answer matched but the text is empty (or only whitespace): nothing to send.
    #[error("the customer's API answered an empty text")]
    EmptyText,
    /// The API answered with a redirect that the [`RemotePolicy`] does not follow (any redirect by
    /// default; one to another origin always).
    #[error(
        "the customer's API answered with a redirect (HTTP {status}), not followed: configure the final URL (only same-origin redirects can be allowed)"
    )]
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308).
        status: u16,
    },
    /// The URL's host is not in the [`RemotePolicy`]'s allow-list.
    #[error("the host {host:?} is not in the allow-list of the customer's API")]
    HostNotAllowed {
        /// The host refused.
        host: String,
    },
}

/// How many same-origin redirects [`RemotePolicy::follow_same_origin_redirects`] follows at most.
pub const MAX_REDIRECTS: usize = 5;

/// What the customer's-API client may reach: redirects and allowed hosts. The default follows no
/// redirect and allows any host.
///
/// # What the client reaches (SSRF surface)
///
/// The URL of the customer's API is configuration: whoever writes a flow's configuration chooses
/// where the application makes HTTP requests from inside your network, and those requests carry
/// the caller's and called numbers, the call id and every constant field (which may hold the
/// customer's credentials). When that person is not you (a multi-tenant PBX where each tenant
/// configures their own flows), a URL can point at internal services (`http://127.0.0.1:…`,
/// cloud metadata addresses, an intranet host). The client limits what a hostile or broken
/// configuration or server can do:
///
/// - **No redirects** by default: a `3xx` answer is [`RemoteError::Redirect`], never followed.
///   [`RemotePolicy::follow_same_origin_redirects`] follows redirects to the same scheme, host and
///   port only; a redirect to any other origin is never followed (it would re-send the body and
///   the URL's token elsewhere).
/// - **No `Referer`** header is ever sent (it would carry the URL and its token).
/// - The answer is read with a **64 KiB cap enforced while streaming** ([`MAX_RESPONSE_BYTES`]).
/// - [`RemotePolicy::allow_hosts`]: an allow-list of host names (exact, case-insensitive) checked
///   when the action is built and again before each request; use it for multi-tenant
///   deployments. It matches the host as written in the URL: it does not resolve names, so a name
///   you allow must be one whose DNS you trust.
///
/// ```
/// use bramka_flow::RemotePolicy;
/// let policy = RemotePolicy::new()
///     .follow_same_origin_redirects(2)
///     .allow_hosts(["crm.example.com", "api.example.com"]);
/// assert!(policy.allows_host("CRM.example.com"));
/// assert!(!policy.allows_host("169.254.169.254"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemotePolicy {
    same_origin_redirects: usize,
    allowed_hosts: Option<Vec<String>>,
}

impl RemotePolicy {
    /// No redirects, any host.
    pub fn new() -> Self {
        RemotePolicy::default()
    }
    /// Follows up to `max` redirects (at most [`MAX_REDIRECTS`]) that stay on the same origin
    /// (scheme, host and port). A redirect elsewhere is [`RemoteError::Redirect`].
    #[must_use]
    pub fn follow_same_origin_redirects(mut self, max: usize) -> Self {
        self.same_origin_redirects = max.min(MAX_REDIRECTS);
        self
    }
    /// Only these hosts (exact names or IP literals as written in URLs, case-insensitive) may be
    /// called. Without this, any host may.
    #[must_use]
    pub fn allow_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.allowed_hosts = Some(
            hosts.into_iter().map(|h| h.as_ref().trim().trim_end_matches('.').to_ascii_lowercase()).collect(),
        );
        self
    }
    /// Whether `host` may be called.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allowed_hosts.as_ref().is_none_or(|list| list.contains(&host))
    }
    /// The most same-origin redirects followed.
    pub fn max_same_origin_redirects(&self) -> usize {
        self.same_origin_redirects
    }

    pub(crate) fn check(&self, url: &Url) -> Result<(), RemoteError> {
        let host = url.host_str().unwrap_or("");
        if self.allows_host(host) {
            Ok(())
        } else {
            Err(RemoteError::HostNotAllowed { host: host.to_owned() })
        }
    }

    /// The HTTP client for the customer's API: this policy's redirects, no `Referer`, rustls.
    pub(crate) fn client(&self, timeout: Duration) -> Result<reqwest::Client, bramka_core::Error> {
        // Installing fails harmlessly when the application already chose a provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let max = self.same_origin_redirects;
        let policy = self.clone();
        let redirect = if max == 0 {
            reqwest::redirect::Policy::none()
        } else {
            reqwest::redirect::Policy::custom(move |attempt| {
                let same_origin =
                    attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
                if attempt.previous().len() > max
                    || !same_origin
                    || !policy.allows_host(attempt.url().host_str().unwrap_or(""))
                {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            })
        };
        reqwest::Client::builder()
            .connect_timeout(timeout.min(bramka_core::http::DEFAULT_CONNECT_TIMEOUT))
            .timeout(timeout)
            .user_agent(concat!("bramka-flow/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect)
            .referer(false)
            .build()
            .map_err(|e| bramka_core::Error::config(format!("cannot build the HTTP client: {e}")))
    }
}

/// Checks JSON pointer syntax (RFC 6901): empty, or `/`-separated tokens where `~` is followed by
/// `0` or `1`.
pub(crate) fn check_pointer(p: &str) -> Result<(), String> {
    if !(p.is_empty() || p.starts_with('/')) {
        return Err("a JSON pointer is empty or starts with '/' (e.g. \"/data/sms\")".to_owned());
    }
    let bytes = p.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'~' && !matches!(bytes.get(i + 1), Some(b'0' | b'1')) {
            return Err(format!("'~' at byte {i} must be followed by 0 or 1 (RFC 6901 escapes ~0, ~1)"));
        }
    }
    Ok(())
}

/// The URL with its password and query values replaced by `***` (they may hold credentials).
pub(crate) fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    if u.query().is_some() {
        let keys: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
        u.query_pairs_mut().clear().extend_pairs(keys.iter().map(|k| (k.as_str(), "***")));
    }
    u.to_string()
}

pub(crate) fn redact_url_str(s: &str) -> String {
    match Url::parse(s) {
        Ok(u) => redact_url(&u),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

fn transport_reason(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    if e.is_connect() {
        parts.push("connection failed".to_owned());
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(if e.is_body() { "the body could not be read" } else { "request failed" }.to_owned());
    }
    parts.join(": ")
}

fn map_transport(e: &reqwest::Error, timeout: Duration) -> RemoteError {
    if e.is_timeout() {
        RemoteError::Timeout { timeout }
    } else {
        RemoteError::Network { reason: transport_reason(e) }
    }
}

/// Calls the API with `params` (`from_number`, `to_number`, `call_id`, then the constant fields)
/// and extracts the text.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    policy: &RemotePolicy,
    remote: &RemoteContent,
    params: &[(String, String)],
) -> Result<String, RemoteError> {
    policy.check(&remote.url)?;
    let accept = match remote.response {
        ResponseFormat::PlainText => "text/plain, */*;q=0.5",
        ResponseFormat::JsonPointer(_) => "application/json",
    };
    let request = match remote.method {
        RemoteMethod::Get => client.get(remote.url.clone()).query(params),
        RemoteMethod::PostJson => {
            let body: serde_json::Map<String, serde_json::Value> =
                params.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            client.post(remote.url.clone()).json(&body)
        }
        RemoteMethod::PostForm => client.post(remote.url.clone()).form(params),
    };
    let response = request
        .timeout(remote.timeout)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .map_err(|e| map_transport(&e, remote.timeout))?;
    let status = response.status();
    if status.is_redirection() {
        return Err(RemoteError::Redirect { status: status.as_u16() });
    }
    if !status.is_success() {
        return Err(RemoteError::Status { status: status.as_u16() });
    }
    let expected = remote.response.to_string();
    let malformed = |reason: String| RemoteError::Malformed { expected: expected.clone(), reason };
    let body = match bramka_core::http::read_limited(response, MAX_RESPONSE_BYTES).await {
        Ok(body) => body,
        Err(bramka_core::http::BodyError::TooLarge { .. }) => {
            return Err(malformed(format!("more than the {MAX_RESPONSE_BYTES} bytes accepted")));
        }
        Err(bramka_core::http::BodyError::Transport(e)) => return Err(map_transport(&e, remote.timeout)),
        Err(e) => return Err(RemoteError::Network { reason: e.to_string() }),
    };
    remote.response.extract(&body)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null, not a string",
        serde_json::Value::Bool(_) => "a boolean, not a string",
        serde_json::Value::Number(_) => "a number, not a string",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array, not a string",
        serde_json::Value::Object(_) => "an object, not a string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_syntax() {
        assert!(check_pointer("").is_ok());
        assert!(check_pointer("/a/b~1c/~0").is_ok());
        assert!(check_pointer("a/b").unwrap_err().contains("starts with '/'"));
        assert!(check_pointer("/a~2").unwrap_err().contains("~0, ~1"));
        assert!(check_pointer("/a~").is_err());
    }

    #[test]
    fn url_redaction_hides_password_and_query_values() {
        let u = Url::parse("https://user:hunter2@crm.example.com/sms?token=abc123&x=1").unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("hunter2") && !r.contains("abc123"), "{r}");
        assert!(r.contains("token=***") && r.contains("user:***@"), "{r}");
        assert_eq!(redact_url_str("not a url"), "<unparsable URL>");
    }
}
