//! Framework-neutral webhook types: a request in, events out, an acknowledgement back.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::report::DeliveryReport;

/// An HTTP request as an operator sent it, in a form any web framework can build.
///
/// `url` must be the public URL the operator called (scheme, host, port, path and query as
/// configured at the operator): signature checks (Twilio) depend on it exactly.
///
/// ```
/// use bramka_core::WebhookRequest;
///
/// let req = WebhookRequest::new("POST", "https://sms.example.com/hooks/smsapi".parse().unwrap())
///     .with_header("Content-Type", "application/x-www-form-urlencoded")
///     .with_body("MsgId=abc&status=403");
/// assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded"));
/// assert_eq!(req.form_pairs()[1], ("status".to_owned(), "403".to_owned()));
/// ```
#[derive(Clone)]
pub struct WebhookRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The full public URL, query included.
    pub url: Url,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("method", &self.method)
            .field("url", &redacted_url(&self.url))
            .field("headers", &self.headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The URL with its password and every query value replaced by `***`: a webhook URL often
/// carries a shared secret in its query (`?token=...`).
fn redacted_url(url: &Url) -> String {
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

impl WebhookRequest {
    /// A request with no headers and no body.
    pub fn new(method: &str, url: Url) -> Self {
        WebhookRequest { method: method.to_ascii_uppercase(), url, headers: Vec::new(), body: Vec::new() }
    }
    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    /// Sets the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Query parameters, decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }
    /// The body decoded as `application/x-www-form-urlencoded`, in order.
    pub fn form_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }
    /// Query parameters followed by form body parameters (for operators that use either).
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = self.query_pairs();
        let form = self
            .header("content-type")
            .is_none_or(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        if form && !self.body.is_empty() {
            p.extend(self.form_pairs());
        }
        p
    }
    /// The body as UTF-8.
    ///
    /// # Errors
    ///
    /// Returns [`WebhookError::Malformed`] when the body is not UTF-8.
    pub fn body_str(&self) -> Result<&str, WebhookError> {
        std::str::from_utf8(&self.body)
            .map_err(|_| WebhookError::Malformed { reason: "body is not UTF-8".into() })
    }
}

/// A message received by one of your numbers.
///
/// ```
/// use bramka_core::InboundMessage;
///
/// let m = InboundMessage::new("smsapi", "42", "48600100200", "4580", "YES", chrono::Utc::now());
/// assert_eq!(m.from, "+48600100200");
/// assert_eq!(m.to, "4580", "a short code stays as given");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct InboundMessage {
    /// The gateway that received it (`"smsapi"`).
    pub gateway: String,
    /// The operator's id for it (the de-duplication key).
    pub message_id: String,
    /// The sender: `+` and E.164 digits when it is a number, else as given.
    pub from: String,
    /// The receiving number or short code: `+` and E.164 digits when it is a number, else as given.
    pub to: String,
    /// The text.
    pub text: String,
    /// When the operator received it (now, when the operator does not say).
    pub received_at: DateTime<Utc>,
    /// Parts, when given.
    pub parts: Option<u32>,
    /// Other fields the operator sent.
    pub raw: BTreeMap<String, String>,
}

impl InboundMessage {
    /// An inbound message; `from` and `to` are normalised with [`normalize_address`].
    pub fn new(
        gateway: impl Into<String>,
        message_id: impl Into<String>,
        from: &str,
        to: &str,
        text: impl Into<String>,
        received_at: DateTime<Utc>,
    ) -> Self {
        InboundMessage {
            gateway: gateway.into(),
            message_id: message_id.into(),
            from: normalize_address(from),
            to: normalize_address(to),
            text: text.into(),
            received_at,
            parts: None,
            raw: BTreeMap::new(),
        }
    }
}

/// `+48600100200` for anything that parses as an international number (`48600100200`,
/// `+48 600 100 200`, `0048…`), the input unchanged otherwise (short codes, names).
pub fn normalize_address(s: &str) -> String {
    let t = s.trim();
    let digits_only = t.trim_start_matches('+').chars().all(|c| c.is_ascii_digit() || c == ' ');
    if digits_only && let Ok(n) = crate::phone::PhoneNumber::parse(t) {
        return n.e164();
    }
    t.to_owned()
}

/// What a webhook request carried.
///
/// ```
/// use bramka_core::{DeliveryReport, DeliveryState, WebhookEvent};
///
/// let events = vec![WebhookEvent::Delivery(DeliveryReport::new("smsapi", "1", DeliveryState::Delivered, "403"))];
/// for event in &events {
///     match event {
///         WebhookEvent::Delivery(r) => println!("{} is {}", r.message_id, r.state.as_str()),
///         WebhookEvent::Inbound(m) => println!("from {}: {}", m.from, m.text),
///         _ => {}
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WebhookEvent {
    /// A delivery report.
    Delivery(DeliveryReport),
    /// An inbound message.
    Inbound(InboundMessage),
}

/// The response to give the operator.
///
/// ```
/// use bramka_core::WebhookResponse;
///
/// assert_eq!(WebhookResponse::text("OK").status, 200);
/// assert_eq!(WebhookResponse::no_content().status, 204);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// Body.
    pub body: String,
}

impl WebhookResponse {
    /// `200` with a plain-text body.
    pub fn text(body: impl Into<String>) -> Self {
        WebhookResponse { status: 200, content_type: "text/plain; charset=utf-8".into(), body: body.into() }
    }
    /// `204`, no body.
    pub fn no_content() -> Self {
        WebhookResponse { status: 204, content_type: "text/plain".into(), body: String::new() }
    }
}

/// Why a webhook request was refused.
///
/// ```
/// use bramka_core::WebhookError;
///
/// let e = WebhookError::malformed("no MsgId");
/// assert_eq!(e.http_status(), 400);
/// match e {
///     WebhookError::MissingSignature { .. } | WebhookError::InvalidSignature { .. } => println!("forged?"),
///     other => println!("refused: {other}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request is not signed but must be.
    #[error("missing signature: {header} header is required")]
    MissingSignature {
        /// The expected header.
        header: String,
    },
    /// The signature does not match.
    #[error("invalid signature: {reason}")]
    InvalidSignature {
        /// Why (never the expected value).
        reason: String,
    },
    /// The request does not have the expected shape.
    #[error("malformed webhook: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The request is larger than the parser accepts (bytes, parameters or items).
    #[error("webhook too large: {what} over the limit of {limit}")]
    TooLarge {
        /// What was counted (`"bytes"`, `"parameters"`, ...), with the count when known.
        what: String,
        /// The limit.
        limit: usize,
    },
    /// The method is not accepted.
    #[error("method {method} not accepted; expected {expected}")]
    Method {
        /// The method received.
        method: String,
        /// Accepted methods.
        expected: String,
    },
}

impl WebhookError {
    /// The HTTP status to answer with: 401/403 for signatures, 400 for malformed, 405 for methods,
    /// 413 for requests over a size limit.
    pub fn http_status(&self) -> u16 {
        match self {
            WebhookError::MissingSignature { .. } => 401,
            WebhookError::InvalidSignature { .. } => 403,
            WebhookError::Malformed { .. } => 400,
            WebhookError::Method { .. } => 405,
            WebhookError::TooLarge { .. } => 413,
        }
    }
    /// A malformed-request error.
    pub fn malformed(reason: impl Into<String>) -> Self {
        WebhookError::Malformed { reason: reason.into() }
    }
}

/// Parses (and verifies, where the operator signs) an operator's webhook requests.
///
/// ```
/// use bramka_core::{WebhookError, WebhookEvent, WebhookParser, WebhookRequest, WebhookResponse};
///
/// /// Accepts every request and reports nothing.
/// struct Ignore;
///
/// impl WebhookParser for Ignore {
///     fn provider(&self) -> &str {
///         "ignore"
///     }
///     fn parse(&self, _request: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
///         Ok(Vec::new())
///     }
///     fn acknowledge(&self, _events: &[WebhookEvent]) -> WebhookResponse {
///         WebhookResponse::no_content()
///     }
/// }
/// let req = WebhookRequest::new("POST", "http://localhost/hook".parse().unwrap());
/// assert!(Ignore.parse(&req).unwrap().is_empty());
/// ```
pub trait WebhookParser: Send + Sync {
    /// The operator (`"twilio"`).
    fn provider(&self) -> &str;
    /// Parses a request into events. Operators that sign their requests verify first and fail
    /// closed.
    ///
    /// # Errors
    ///
    /// Returns [`WebhookError::MissingSignature`] or [`WebhookError::InvalidSignature`] when a
    /// signing operator's signature is absent or wrong, [`WebhookError::Method`] for a method the
    /// operator does not use, [`WebhookError::TooLarge`] for an oversized body, and
    /// [`WebhookError::Malformed`] when the request cannot be read as the operator's callback.
    fn parse(&self, request: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError>;
    /// The acknowledgement the operator expects after a successful parse.
    fn acknowledge(&self, events: &[WebhookEvent]) -> WebhookResponse;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_merge_query_and_form() {
        let req = WebhookRequest::new("post", Url::parse("https://x.test/h?a=1&b=%2B48").unwrap())
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body("c=z+y&d=%C5%82");
        assert_eq!(req.method, "POST");
        let p = req.params();
        assert_eq!(
            p,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "+48".into()),
                ("c".into(), "z y".into()),
                ("d".into(), "ł".into())
            ]
        );
        assert_eq!(req.header("content-TYPE"), Some("application/x-www-form-urlencoded"));
    }

    #[test]
    fn debug_hides_the_query_values_and_password_of_the_url() {
        let url = Url::parse("https://hook:PASS9@x.test/sms/in?token=SEKRET1&tenant=acme").unwrap();
        let req = WebhookRequest::new("POST", url).with_header("X-Sig", "SIG8").with_body("Body=BODY7");
        let shown = format!("{req:?}");
        for secret in ["PASS9", "SEKRET1", "acme", "SIG8", "BODY7"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("https://hook:***@x.test/sms/in?token=***&tenant=***"), "{shown}");
        assert!(shown.contains("X-Sig") && shown.contains("body_len: 10"), "{shown}");
    }

    #[test]
    fn addresses_normalised_only_when_numbers() {
        assert_eq!(normalize_address("48600100200"), "+48600100200");
        assert_eq!(normalize_address("+48 600 100 200"), "+48600100200");
        assert_eq!(normalize_address("7255"), "7255");
        assert_eq!(normalize_address("InfoSMS"), "InfoSMS");
    }
}
