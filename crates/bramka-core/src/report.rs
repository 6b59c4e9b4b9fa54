//! What gateways answer: [`SendReport`] per send, [`DeliveryReport`] later, [`Balance`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::encoding::Encoding;
use crate::error::Error;
use crate::message::{ClientRef, Message};
use crate::phone::PhoneNumber;

/// The state of one recipient right after a send.
///
/// ```
/// use bramka_core::report::{RecipientReport, SendState};
/// use bramka_core::PhoneNumber;
///
/// let r = RecipientReport::new(PhoneNumber::parse("+48600100200").unwrap(), SendState::Queued);
/// match &r.state {
///     SendState::Accepted | SendState::Queued | SendState::Scheduled | SendState::AlreadyAccepted => {}
///     SendState::Rejected(e) => println!("refused: {e}"),
///     _ => println!("not sent"),
/// }
/// assert!(r.state.is_accepted());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SendState {
    /// Accepted for sending.
    Accepted,
    /// Accepted and queued by the operator.
    Queued,
    /// Accepted for sending at the scheduled time.
    Scheduled,
    /// The operator had already accepted this message on an earlier attempt with the same client
    /// key (SMSAPI error 53, Infobip duplicate `messageId`): it was sent once, not twice.
    AlreadyAccepted,
    /// Not accepted; the error says why and whether it may have gone out anyway.
    Rejected(Error),
    /// Never sent to the operator: an earlier request of the same message failed and the
    /// gateway stopped before this recipient's request. Certainly not sent, safe to send again,
    /// and carrying no other request's error.
    NotAttempted,
}

impl SendState {
    /// Accepted, queued, scheduled or already accepted: stage one of the two an ERP shows.
    pub fn is_accepted(&self) -> bool {
        !matches!(self, SendState::Rejected(_) | SendState::NotAttempted)
    }
    /// Whether the recipient was never sent to the operator ([`SendState::NotAttempted`]).
    pub fn is_not_attempted(&self) -> bool {
        matches!(self, SendState::NotAttempted)
    }
    /// The error of a rejected recipient.
    pub fn error(&self) -> Option<&Error> {
        match self {
            SendState::Rejected(e) => Some(e),
            _ => None,
        }
    }
    /// A short name (`"accepted"`, `"rejected"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            SendState::Accepted => "accepted",
            SendState::Queued => "queued",
            SendState::Scheduled => "scheduled",
            SendState::AlreadyAccepted => "already_accepted",
            SendState::Rejected(_) => "rejected",
            SendState::NotAttempted => "not_attempted",
        }
    }
}

impl fmt::Display for SendState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendState::Rejected(e) => write!(f, "rejected: {e}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// A price or an amount, with its unit.
///
/// ```
/// use bramka_core::Price;
///
/// let p = Price::new(0.16, "PLN");
/// assert_eq!((p.amount, p.unit.as_str()), (0.16, "PLN"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    /// The amount.
    pub amount: f64,
    /// A currency code (`"EUR"`) or `"points"`.
    pub unit: String,
}

impl Price {
    /// A price.
    pub fn new(amount: f64, unit: impl Into<String>) -> Self {
        Price { amount, unit: unit.into() }
    }
}

/// The outcome for one recipient of a send.
///
/// ```
/// use bramka_core::{PhoneNumber, Price, RecipientReport, SendState};
///
/// let r = RecipientReport::new(PhoneNumber::parse("+48600100200").unwrap(), SendState::Accepted)
///     .with_message_id("abc123")
///     .with_parts(2)
///     .with_price(Price::new(0.32, "PLN"));
/// assert_eq!(r.message_id.as_deref(), Some("abc123"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecipientReport {
    /// The recipient.
    pub to: PhoneNumber,
    /// The operator's message id, when it gave one.
    pub message_id: Option<String>,
    /// Accepted, scheduled or rejected.
    pub state: SendState,
    /// Parts the operator counted, when it said.
    pub parts: Option<u32>,
    /// Price, when the operator said.
    pub price: Option<Price>,
}

impl RecipientReport {
    /// A report for one recipient.
    pub fn new(to: PhoneNumber, state: SendState) -> Self {
        RecipientReport { to, message_id: None, state, parts: None, price: None }
    }
    /// Sets the operator's message id.
    #[must_use]
    pub fn with_message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }
    /// Sets the parts counted by the operator.
    #[must_use]
    pub fn with_parts(mut self, parts: u32) -> Self {
        self.parts = Some(parts);
        self
    }
    /// Sets the price.
    #[must_use]
    pub fn with_price(mut self, price: Price) -> Self {
        self.price = Some(price);
        self
    }
}

/// The answer to [`crate::Gateway::send`]: one entry per recipient, in the message's order.
///
/// A batch can partly succeed: [`accepted`](SendReport::accepted) and
/// [`rejected`](SendReport::rejected) say exactly which recipients went where.
///
/// ```
/// use bramka_core::{Message, PhoneNumber, RecipientReport, SendReport, SendState};
///
/// let m = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// let mut report = SendReport::new("mygateway", &m);
/// report.push(RecipientReport::new(m.recipients()[0].clone(), SendState::Accepted));
/// assert!(report.all_accepted());
/// assert_eq!(report.client_ref, *m.client_ref());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SendReport {
    /// The gateway that answered.
    pub gateway: String,
    /// The operator's batch or bulk id, if any.
    pub batch_id: Option<String>,
    /// The client reference of the message (the idempotency key).
    pub client_ref: ClientRef,
    /// The encoding the text was analysed as.
    pub encoding: Encoding,
    /// Parts per recipient, as analysed before sending.
    pub segments: usize,
    /// One entry per recipient.
    pub recipients: Vec<RecipientReport>,
    /// Notes on adjustments the gateway made (e.g. a validity period clamped to 48 h).
    pub notes: Vec<String>,
}

impl SendReport {
    /// An empty report for `message` from `gateway`.
    pub fn new(gateway: impl Into<String>, message: &Message) -> Self {
        SendReport {
            gateway: gateway.into(),
            batch_id: None,
            client_ref: message.client_ref().clone(),
            encoding: message.analysis().encoding(),
            segments: message.analysis().segments(),
            recipients: Vec::new(),
            notes: Vec::new(),
        }
    }
    /// Sets the batch id.
    #[must_use]
    pub fn with_batch_id(mut self, id: impl Into<String>) -> Self {
        self.batch_id = Some(id.into());
        self
    }
    /// Adds a recipient entry.
    pub fn push(&mut self, r: RecipientReport) {
        self.recipients.push(r);
    }
    /// Adds a note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }
    /// Recipients that were accepted.
    pub fn accepted(&self) -> impl Iterator<Item = &RecipientReport> {
        self.recipients.iter().filter(|r| r.state.is_accepted())
    }
    /// Recipients that were rejected.
    pub fn rejected(&self) -> impl Iterator<Item = &RecipientReport> {
        self.recipients.iter().filter(|r| !r.state.is_accepted())
    }
    /// Whether every recipient was accepted.
    pub fn all_accepted(&self) -> bool {
        self.recipients.iter().all(|r| r.state.is_accepted())
    }
}

/// The normalised state of a sent message.
///
/// ```
/// use bramka_core::DeliveryState;
///
/// for state in [DeliveryState::Delivered, DeliveryState::Sent, DeliveryState::Expired] {
///     match state {
///         s if s.is_delivered() => println!("delivered"),
///         s if s.is_final() => println!("final: {}", s.as_str()),
///         s => println!("still moving: {}", s.as_str()),
///     }
/// }
/// assert!(DeliveryState::Expired.is_final() && !DeliveryState::Sent.is_final());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Accepted, not yet handed to the network.
    Pending,
    /// Waiting for its scheduled time.
    Scheduled,
    /// Handed to the network; no delivery receipt yet.
    Sent,
    /// Delivered to the handset.
    Delivered,
    /// The network could not deliver it.
    Undelivered,
    /// The validity period ran out.
    Expired,
    /// Refused by the operator or the network.
    Rejected,
    /// Failed for another reason.
    Failed,
    /// Canceled before sending.
    Canceled,
    /// The operator's status is not known to bramka; see the raw status.
    Unknown,
}

impl DeliveryState {
    /// Whether the state will not change any more.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            DeliveryState::Pending | DeliveryState::Scheduled | DeliveryState::Sent | DeliveryState::Unknown
        )
    }
    /// Whether the message reached the handset.
    pub fn is_delivered(self) -> bool {
        self == DeliveryState::Delivered
    }
    /// The state's name (`"delivered"`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Scheduled => "scheduled",
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Undelivered => "undelivered",
            DeliveryState::Expired => "expired",
            DeliveryState::Rejected => "rejected",
            DeliveryState::Failed => "failed",
            DeliveryState::Canceled => "canceled",
            DeliveryState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A delivery report, from a webhook or a status query.
///
/// ```
/// use bramka_core::{DeliveryReport, DeliveryState};
///
/// let mut r = DeliveryReport::new("smsapi", "abc123", DeliveryState::Delivered, "DELIVERED");
/// r.error_code = None;
/// assert!(r.state.is_delivered());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The gateway that reported.
    pub gateway: String,
    /// The operator's message id.
    pub message_id: String,
    /// The normalised state.
    pub state: DeliveryState,
    /// The operator's own status, as received (`"404"`, `"DELIVERED_TO_HANDSET"`, `"delivered"`).
    pub raw_status: String,
    /// The recipient, when given.
    pub to: Option<PhoneNumber>,
    /// The client key echoed by the operator (SMSAPI `idx`, Infobip `callbackData` or client id).
    pub client_ref: Option<String>,
    /// The batch or bulk id, when given.
    pub batch_id: Option<String>,
    /// The operator's error code, when given.
    pub error_code: Option<String>,
    /// The operator's error description, when given.
    pub error_message: Option<String>,
    /// When the state was reached, when given.
    pub at: Option<DateTime<Utc>>,
    /// Parts, when given.
    pub parts: Option<u32>,
    /// Price, when given.
    pub price: Option<Price>,
    /// Other fields the operator sent, for anything unusual.
    pub raw: BTreeMap<String, String>,
}

impl DeliveryReport {
    /// A report with the required fields; fill the others directly.
    pub fn new(
        gateway: impl Into<String>,
        message_id: impl Into<String>,
        state: DeliveryState,
        raw_status: impl Into<String>,
    ) -> Self {
        DeliveryReport {
            gateway: gateway.into(),
            message_id: message_id.into(),
            state,
            raw_status: raw_status.into(),
            to: None,
            client_ref: None,
            batch_id: None,
            error_code: None,
            error_message: None,
            at: None,
            parts: None,
            price: None,
            raw: BTreeMap::new(),
        }
    }
}

/// An account balance.
///
/// ```
/// use bramka_core::Balance;
///
/// let b = Balance::new(12.5, "PLN");
/// assert_eq!(b.unit, "PLN");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Balance {
    /// The amount.
    pub amount: f64,
    /// A currency code (`"EUR"`) or `"points"`.
    pub unit: String,
}

impl Balance {
    /// A balance.
    pub fn new(amount: f64, unit: impl Into<String>) -> Self {
        Balance { amount, unit: unit.into() }
    }
}

impl fmt::Display for Balance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Certainty, ErrorKind};

    #[test]
    fn not_attempted_is_neither_accepted_nor_an_error() {
        let s = SendState::NotAttempted;
        assert!(!s.is_accepted());
        assert!(s.is_not_attempted());
        assert!(s.error().is_none(), "a skipped recipient carries no other request's error");
        assert_eq!(s.to_string(), "not_attempted");
        let rejected = SendState::Rejected(Error::new(ErrorKind::Network, Certainty::NotSent, "x"));
        assert!(!rejected.is_not_attempted());
    }
}
