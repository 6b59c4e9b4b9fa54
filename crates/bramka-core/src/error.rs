//! The one error type of every gateway operation, with its kind and certainty.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::capabilities::Capability;

/// Whether a failed send may nevertheless have reached the operator.
///
/// Retries and failover act only on [`Certainty::NotSent`], or on [`Certainty::MaybeSent`] where
/// the operator rejects duplicates of a client key (see [`crate::Idempotency`]).
///
/// ```
/// use bramka_core::{Certainty, Error, ErrorKind};
///
/// let e = Error::new(ErrorKind::Timeout, Certainty::MaybeSent, "read timed out");
/// // Retrying could send twice, unless the operator rejects duplicates of the client reference.
/// assert!(e.may_have_been_sent());
/// assert_eq!(e.certainty(), Certainty::MaybeSent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Certainty {
    /// The operator certainly did not accept the message: safe to retry or fail over.
    NotSent,
    /// The request may have been accepted (timeout after writing, 5xx, undecodable 2xx).
    MaybeSent,
}

/// What went wrong, normalised across operators.
///
/// ```
/// use bramka_core::{Certainty, Error, ErrorKind};
///
/// fn advice(e: &Error) -> &'static str {
///     match e.kind() {
///         ErrorKind::Auth | ErrorKind::Config => "check the credentials",
///         ErrorKind::InsufficientFunds => "top up the account",
///         ErrorKind::InvalidRecipient => "fix the number",
///         k if k.is_transient() => "try again later",
///         _ => "see the message",
///     }
/// }
/// let e = Error::new(ErrorKind::RateLimited, Certainty::NotSent, "429");
/// assert_eq!(advice(&e), "try again later");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Credentials refused or missing permissions.
    Auth,
    /// Not enough credit on the account.
    InsufficientFunds,
    /// A recipient number was refused.
    InvalidRecipient,
    /// The sender name or number was refused.
    InvalidSender,
    /// The content was refused (too long, blocked words, bad encoding).
    ContentRejected,
    /// Too many requests; see [`Error::retry_after`].
    RateLimited,
    /// The operator is temporarily unavailable (5xx, maintenance).
    Unavailable,
    /// A network failure (connect, reset).
    Network,
    /// The request timed out.
    Timeout,
    /// The operator's answer could not be decoded.
    Decode,
    /// The gateway does not support the operation; see [`Error::capability`].
    Unsupported,
    /// A configuration error (bad DSN, missing credential), found before any I/O.
    Config,
    /// The message is invalid (found before any I/O).
    Message,
    /// The referenced message, bulk or resource does not exist.
    NotFound,
    /// The operation is not allowed in the resource's current state (e.g. resuming a canceled bulk).
    InvalidState,
    /// The recipient is on a suppression (opt-out) list and was not texted.
    Suppressed,
    /// Anything else; the operator code is kept.
    Other,
}

impl ErrorKind {
    /// The kind's short name (`"rate_limited"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::InsufficientFunds => "insufficient_funds",
            ErrorKind::InvalidRecipient => "invalid_recipient",
            ErrorKind::InvalidSender => "invalid_sender",
            ErrorKind::ContentRejected => "content_rejected",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Config => "config",
            ErrorKind::Message => "message",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::Suppressed => "suppressed",
            ErrorKind::Other => "other",
        }
    }

    /// Whether errors of this kind may succeed when tried again later.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Network | ErrorKind::Timeout
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every [`crate::Gateway`] operation.
///
/// It carries a [`kind`](Error::kind), a [`certainty`](Error::certainty) and, where the operator
/// gave them, its code, message and HTTP status. It never contains a secret: operator crates build
/// messages from the operator's answer, never from the request's credentials.
///
/// ```
/// use bramka_core::{Certainty, Error, ErrorKind};
/// use std::time::Duration;
///
/// let e = Error::new(ErrorKind::RateLimited, Certainty::NotSent, "too many requests")
///     .with_gateway("twilio")
///     .with_code("20429")
///     .with_retry_after(Duration::from_secs(2));
/// assert!(e.is_transient());
/// assert!(!e.may_have_been_sent());
/// assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
/// assert_eq!(e.to_string(), "twilio: rate_limited: too many requests (code 20429; retry after 2s; not sent)");
/// ```
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    certainty: Certainty,
    message: String,
    gateway: Option<Cow<'static, str>>,
    code: Option<String>,
    http_status: Option<u16>,
    retry_after: Option<Duration>,
    capability: Option<Capability>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, certainty: Certainty, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                certainty,
                message: message.into(),
                gateway: None,
                code: None,
                http_status: None,
                retry_after: None,
                capability: None,
                source: None,
            }),
        }
    }

    /// The gateway does not support `capability`.
    pub fn unsupported(gateway: impl Into<Cow<'static, str>>, capability: Capability) -> Self {
        let gateway = gateway.into();
        let mut e = Error::new(
            ErrorKind::Unsupported,
            Certainty::NotSent,
            format!("{gateway} does not support {capability}"),
        );
        e.inner.gateway = Some(gateway);
        e.inner.capability = Some(capability);
        e
    }

    /// A configuration error (certainly not sent).
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, Certainty::NotSent, message)
    }

    /// An invalid message (certainly not sent).
    pub fn message(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Message, Certainty::NotSent, message)
    }

    /// Sets the gateway id.
    #[must_use]
    pub fn with_gateway(mut self, gateway: impl Into<Cow<'static, str>>) -> Self {
        self.inner.gateway = Some(gateway.into());
        self
    }
    /// Sets the operator's error code.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }
    /// Sets the HTTP status.
    #[must_use]
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }
    /// Sets the time to wait before trying again.
    #[must_use]
    pub fn with_retry_after(mut self, d: Duration) -> Self {
        self.inner.retry_after = Some(d);
        self
    }
    /// Sets the certainty.
    #[must_use]
    pub fn with_certainty(mut self, c: Certainty) -> Self {
        self.inner.certainty = c;
        self
    }
    /// Sets the underlying cause. It must not carry secrets in its `Display`.
    #[must_use]
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Arc::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }
    /// Whether the message may have gone out.
    pub fn certainty(&self) -> Certainty {
        self.inner.certainty
    }
    /// `true` when the message may have gone out despite the error.
    pub fn may_have_been_sent(&self) -> bool {
        self.inner.certainty == Certainty::MaybeSent
    }
    /// `true` when trying again later may succeed (rate limit, unavailable, network, timeout).
    pub fn is_transient(&self) -> bool {
        self.inner.kind.is_transient()
    }
    /// How long the operator asked to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }
    /// The operator's error code, if any.
    pub fn operator_code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }
    /// The human-readable message.
    pub fn operator_message(&self) -> &str {
        &self.inner.message
    }
    /// The HTTP status, if any.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }
    /// The gateway id, if known.
    pub fn gateway(&self) -> Option<&str> {
        self.inner.gateway.as_deref()
    }
    /// The capability an [`ErrorKind::Unsupported`] error names.
    pub fn capability(&self) -> Option<Capability> {
        self.inner.capability
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        if let Some(g) = &i.gateway {
            write!(f, "{g}: ")?;
        }
        write!(f, "{}: {}", i.kind, i.message)?;
        let mut extra = Vec::new();
        if let Some(s) = i.http_status {
            extra.push(format!("HTTP {s}"));
        }
        if let Some(c) = &i.code {
            extra.push(format!("code {c}"));
        }
        if let Some(r) = i.retry_after {
            extra.push(format!("retry after {}s", r.as_secs_f64()));
        }
        extra.push(
            match i.certainty {
                Certainty::NotSent => "not sent",
                Certainty::MaybeSent => "may have been sent",
            }
            .to_owned(),
        );
        write!(f, " ({})", extra.join("; "))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("certainty", &i.certainty).field("message", &i.message);
        if let Some(g) = &i.gateway {
            d.field("gateway", g);
        }
        if let Some(c) = &i.code {
            d.field("code", c);
        }
        if let Some(s) = i.http_status {
            d.field("http_status", &s);
        }
        if let Some(r) = i.retry_after {
            d.field("retry_after", &r);
        }
        if let Some(c) = i.capability {
            d.field("capability", &c);
        }
        if let Some(s) = &i.source {
            d.field("source", &s.to_string());
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner.source.as_deref().map(|s| s as &(dyn StdError + 'static))
    }
}

/// One row of an operator's error table: an operator code (or HTTP status) and what it means.
///
/// Every operator crate keeps its table as a `&[ErrorRow]` in its `errors.rs`, so the table is the
/// documentation, the mapping and the test at once
/// ([`testing::conformance::check_error_rows`](crate::testing) checks every row the same way).
///
/// ```
/// use bramka_core::{Certainty, ErrorKind, error::ErrorRow};
/// const TABLE: &[ErrorRow] = &[
///     ErrorRow::new("101", ErrorKind::Auth, Certainty::NotSent, "documented: bad credentials"),
///     ErrorRow::new("8", ErrorKind::Unavailable, Certainty::MaybeSent, "documented: server error"),
/// ];
/// let row = ErrorRow::find(TABLE, "101").unwrap();
/// assert_eq!(row.kind, ErrorKind::Auth);
/// let e = row.error("smsapi", "Authorization failed");
/// assert_eq!(e.operator_code(), Some("101"));
/// assert!(ErrorRow::find(TABLE, "999").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorRow {
    /// The operator's code or the HTTP status, as text.
    pub code: &'static str,
    /// The normalised kind.
    pub kind: ErrorKind,
    /// Whether a send failing so may have gone out.
    pub certainty: Certainty,
    /// Where the meaning comes from (the operator's documentation, an observed answer, a guess
    /// marked as such).
    pub evidence: &'static str,
}

impl ErrorRow {
    /// A row.
    pub const fn new(
        code: &'static str,
        kind: ErrorKind,
        certainty: Certainty,
        evidence: &'static str,
    ) -> Self {
        ErrorRow { code, kind, certainty, evidence }
    }
    /// The row for `code` (compared ignoring ASCII case).
    pub fn find<'t>(table: &'t [ErrorRow], code: &str) -> Option<&'t ErrorRow> {
        table.iter().find(|r| r.code.eq_ignore_ascii_case(code))
    }
    /// The error this row describes, with `message` (already scrubbed of secrets) and the code.
    pub fn error(&self, gateway: &'static str, message: impl Into<String>) -> Error {
        Error::new(self.kind, self.certainty, message).with_gateway(gateway).with_code(self.code)
    }
    /// The error of an operator `code`: its row's ([`error`](Self::error)), or for a code not in
    /// the table [`ErrorKind::Other`] with `unknown` certainty, the code kept.
    ///
    /// ```
    /// use bramka_core::{Certainty, ErrorKind, error::ErrorRow};
    /// const TABLE: &[ErrorRow] = &[ErrorRow::new("ToInvalid", ErrorKind::InvalidRecipient, Certainty::NotSent, "[docs]")];
    /// let e = ErrorRow::error_for(TABLE, "acme", "ToInvalid", Certainty::NotSent, "to: ToInvalid");
    /// assert_eq!(e.kind(), ErrorKind::InvalidRecipient);
    /// let e = ErrorRow::error_for(TABLE, "acme", "Odd", Certainty::NotSent, "odd");
    /// assert_eq!((e.kind(), e.operator_code()), (ErrorKind::Other, Some("Odd")));
    /// ```
    pub fn error_for(
        table: &[ErrorRow],
        gateway: &'static str,
        code: &str,
        unknown: Certainty,
        message: impl Into<String>,
    ) -> Error {
        match ErrorRow::find(table, code) {
            Some(row) => row.error(gateway, message),
            None => Error::new(ErrorKind::Other, unknown, message).with_gateway(gateway).with_code(code),
        }
    }
}

impl From<crate::message::MessageError> for Error {
    fn from(e: crate::message::MessageError) -> Self {
        Error::new(ErrorKind::Message, Certainty::NotSent, e.to_string()).with_source(e)
    }
}

impl From<crate::encoding::EncodingError> for Error {
    fn from(e: crate::encoding::EncodingError) -> Self {
        Error::new(ErrorKind::Message, Certainty::NotSent, e.to_string()).with_source(e)
    }
}

impl From<crate::phone::PhoneError> for Error {
    fn from(e: crate::phone::PhoneError) -> Self {
        Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, e.to_string()).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_kinds() {
        for k in [ErrorKind::RateLimited, ErrorKind::Unavailable, ErrorKind::Network, ErrorKind::Timeout] {
            assert!(k.is_transient(), "{k}");
        }
        for k in [ErrorKind::Auth, ErrorKind::InvalidRecipient, ErrorKind::Decode, ErrorKind::Config] {
            assert!(!k.is_transient(), "{k}");
        }
    }

    #[test]
    fn unsupported_names_capability() {
        let e = Error::unsupported("dynmark", Capability::Balance);
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(e.capability(), Some(Capability::Balance));
        assert!(e.to_string().contains("balance"), "{e}");
        assert!(!e.may_have_been_sent());
    }
}
