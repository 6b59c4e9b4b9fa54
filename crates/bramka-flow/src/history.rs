//! The send history: one [`SendRecord`] per call handled, written to a [`HistorySink`].

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bramka_core::{Encoding, Error, MessageError, PhoneNumber, SendReport};
use chrono::{DateTime, Utc};

use crate::dedupe::StoreError;
use crate::remote::RemoteError;

/// Where the text came from.
///
/// ```
/// use bramka_flow::{ContentSource, RemoteError};
///
/// let source = ContentSource::Fallback(RemoteError::Status { status: 503 });
/// if let ContentSource::Fallback(why) = &source {
///     println!("the API failed ({why}); the fallback text was sent");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentSource {
    /// The configured template.
    Template,
    /// The customer's API.
    Remote,
    /// The fallback text, because the customer's API failed (the error says how).
    Fallback(RemoteError),
}

/// Why no text could be obtained: nothing was sent.
///
/// ```
/// use bramka_flow::{ContentError, RemoteError};
///
/// let e = ContentError::Remote(RemoteError::EmptyText);
/// println!("no SMS: {e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContentError {
    /// The customer's API failed and no fallback is configured.
    #[error(transparent)]
    Remote(RemoteError),
    /// The rendered template is empty or only whitespace (e.g. `{from_number}` for an anonymous
    /// caller).
    #[error("the rendered template is empty; an empty SMS is never sent")]
    EmptyText,
}

/// The text of a send, as analysed by the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsContent {
    /// The text that was sent (after NFC and transliteration).
    pub text: String,
    /// Parts per recipient.
    pub parts: usize,
    /// The encoding.
    pub encoding: Encoding,
    /// Where the text came from.
    pub source: ContentSource,
}

/// What happened to a call's SMS.
///
/// ```
/// use bramka_flow::SendResult;
///
/// let r = SendResult::NoRecipients;
/// assert_eq!(r.as_str(), "no_recipients");
/// assert!(r.certainly_not_sent());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SendResult {
    /// The gateway answered; see the report for each recipient (some may be rejected).
    Sent(SendReport),
    /// The gateway failed; the error says whether the message may nevertheless have gone out.
    GatewayError(Error),
    /// No text could be obtained; nothing was sent.
    NoContent(ContentError),
    /// The message could not be built (e.g. the text needs more parts than allowed); nothing was
    /// sent.
    InvalidMessage(MessageError),
    /// No recipient is left (no configured numbers, and the caller's number is unusable); nothing
    /// was sent.
    NoRecipients,
    /// Once-per-call could not be checked because the dedupe store failed; nothing was sent
    /// (sending might have sent twice).
    DedupeUnavailable(StoreError),
    /// Once-per-call needs a call id and the event has none; nothing was sent.
    MissingCallId,
}

impl SendResult {
    /// A short name (`"sent"`, `"gateway_error"`, `"no_content"`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            SendResult::Sent(_) => "sent",
            SendResult::GatewayError(_) => "gateway_error",
            SendResult::NoContent(_) => "no_content",
            SendResult::InvalidMessage(_) => "invalid_message",
            SendResult::NoRecipients => "no_recipients",
            SendResult::DedupeUnavailable(_) => "dedupe_unavailable",
            SendResult::MissingCallId => "missing_call_id",
        }
    }

    /// Whether the message certainly did not go out: no send was attempted, the gateway failed
    /// with [`Certainty::NotSent`](bramka_core::Certainty::NotSent), or it rejected every
    /// recipient with such an error.
    pub fn certainly_not_sent(&self) -> bool {
        match self {
            SendResult::Sent(r) => {
                r.recipients.iter().all(|r| r.state.error().is_some_and(|e| !e.may_have_been_sent()))
            }
            SendResult::GatewayError(e) => !e.may_have_been_sent(),
            _ => true,
        }
    }
}

impl fmt::Display for SendResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendResult::Sent(r) => {
                let accepted = r.accepted().count();
                write!(f, "sent: {accepted} of {} recipient(s) accepted by {}", r.recipients.len(), r.gateway)
            }
            SendResult::GatewayError(e) => write!(f, "gateway error: {e}"),
            SendResult::NoContent(e) => write!(f, "no content: {e}"),
            SendResult::InvalidMessage(e) => write!(f, "invalid message: {e}"),
            SendResult::NoRecipients => f.write_str("no recipients"),
            SendResult::DedupeUnavailable(e) => write!(f, "dedupe store unavailable: {e}"),
            SendResult::MissingCallId => f.write_str("the call id is empty; once per call needs one"),
        }
    }
}

/// One entry of the send history: what an element did for a call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SendRecord {
    /// The element's label.
    pub label: String,
    /// The call.
    pub call_id: String,
    /// When the record was made (after the delay; the action's clock).
    pub at: DateTime<Utc>,
    /// When the gateway was asked to send it, if the gateway's scheduling was used.
    pub scheduled_for: Option<DateTime<Utc>>,
    /// The recipients the message was (or would have been) sent to.
    pub recipients: Vec<PhoneNumber>,
    /// The text, its parts and encoding; `None` when no text could be obtained.
    pub content: Option<SmsContent>,
    /// Remarks (e.g. the caller's number could not be used).
    pub notes: Vec<String>,
    /// The result.
    pub result: SendResult,
}

impl SendRecord {
    /// The text, if any.
    pub fn text(&self) -> Option<&str> {
        self.content.as_ref().map(|c| c.text.as_str())
    }
    /// Parts per recipient (0 when no text).
    pub fn parts(&self) -> usize {
        self.content.as_ref().map_or(0, |c| c.parts)
    }
    /// The encoding, if any text.
    pub fn encoding(&self) -> Option<Encoding> {
        self.content.as_ref().map(|c| c.encoding)
    }
    /// Whether the gateway answered for the recipients (see [`SendResult::Sent`]).
    pub fn is_sent(&self) -> bool {
        matches!(self.result, SendResult::Sent(_))
    }
}

/// Receives every [`SendRecord`] (a database table, a log, a queue).
///
/// ```
/// use bramka_flow::{HistorySink, SendRecord, StoreError};
///
/// /// Logs each record.
/// #[derive(Debug)]
/// struct LogHistory;
///
/// #[async_trait::async_trait]
/// impl HistorySink for LogHistory {
///     async fn record(&self, record: &SendRecord) -> Result<(), StoreError> {
///         println!("{} {}: {}", record.label, record.call_id, record.result.as_str());
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait HistorySink: Send + Sync + fmt::Debug {
    /// Stores a record. A failure is logged by the action and does not change the call's outcome.
    async fn record(&self, record: &SendRecord) -> Result<(), StoreError>;
}

/// A [`HistorySink`] in memory, for tests and small deployments. `Clone` shares the records.
///
/// ```
/// use bramka_flow::InMemoryHistory;
///
/// let history = InMemoryHistory::new();
/// // SmsAction::new(config, gateway)?.with_history(Arc::new(history.clone()));
/// assert!(history.by_label("after-hours").is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemoryHistory {
    records: Arc<Mutex<Vec<SendRecord>>>,
}

impl InMemoryHistory {
    /// An empty history.
    pub fn new() -> Self {
        InMemoryHistory::default()
    }
    /// Every record, oldest first.
    pub fn records(&self) -> Vec<SendRecord> {
        self.lock().clone()
    }
    /// The records of one element (by label).
    pub fn by_label(&self, label: &str) -> Vec<SendRecord> {
        self.lock().iter().filter(|r| r.label == label).cloned().collect()
    }
    /// The records of one call.
    pub fn by_call(&self, call_id: &str) -> Vec<SendRecord> {
        self.lock().iter().filter(|r| r.call_id == call_id).cloned().collect()
    }
    /// Number of records.
    pub fn len(&self) -> usize {
        self.lock().len()
    }
    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SendRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl HistorySink for InMemoryHistory {
    async fn record(&self, record: &SendRecord) -> Result<(), StoreError> {
        self.lock().push(record.clone());
        Ok(())
    }
}
