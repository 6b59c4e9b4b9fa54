//! What the ledger records: recipient [`Entry`] rows and their [`State`], the [`Intent`] written
//! before a send, [`Outcome`]s and [`Delivery`] reports written after, [`Suppression`]s,
//! [`Consent`]s, [`Campaign`]s and the [`Query`] that selects entries.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::options::SendOptions;

/// The state of one recipient of one message.
///
/// `pending` is written before any I/O; the send's answer moves it to `accepted`, `rejected`,
/// `uncertain` (may have gone out) or `not_attempted`; delivery reports move `accepted` on to
/// `delivered`, `undelivered`, `expired`, `canceled` (final) or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum State {
    /// Recorded (a campaign row) but never sent: certainly not sent, safe to send.
    NotAttempted,
    /// The intent is written; the answer is not (a crash here leaves the row pending until
    /// [`crate::Ledger::recover`] marks it uncertain).
    Pending,
    /// Accepted by the operator (stage one).
    Accepted,
    /// Refused; the error kind, code and certainty say why.
    Rejected,
    /// May or may not have gone out: never resent automatically, except with the same client key
    /// to an operator that de-duplicates.
    Uncertain,
    /// Delivered to the handset (final).
    Delivered,
    /// Not delivered: refused or failed in the network (final).
    Undelivered,
    /// The validity period ran out (final).
    Expired,
    /// Canceled before sending (final).
    Canceled,
    /// A report came with a status bramka does not know.
    Unknown,
}

impl State {
    /// Every state.
    pub const ALL: [State; 10] = [
        State::NotAttempted,
        State::Pending,
        State::Accepted,
        State::Rejected,
        State::Uncertain,
        State::Delivered,
        State::Undelivered,
        State::Expired,
        State::Canceled,
        State::Unknown,
    ];

    /// The state's name (`"delivered"`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::NotAttempted => "not_attempted",
            State::Pending => "pending",
            State::Accepted => "accepted",
            State::Rejected => "rejected",
            State::Uncertain => "uncertain",
            State::Delivered => "delivered",
            State::Undelivered => "undelivered",
            State::Expired => "expired",
            State::Canceled => "canceled",
            State::Unknown => "unknown",
        }
    }

    /// The state named `s`.
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a delivery outcome is final: delivered, undelivered, expired, canceled.
    pub fn is_final(self) -> bool {
        matches!(self, State::Delivered | State::Undelivered | State::Expired | State::Canceled)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recipient of one recorded message.
///
/// Not `non_exhaustive`, like [`MessageRecord`] and [`Campaign`]: store backends in other
/// crates build them from their rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The ledger's id (increasing in insertion order).
    pub id: i64,
    /// The message's id (see [`MessageRecord`]).
    pub message: i64,
    /// The client reference sent with this recipient (the idempotency key).
    pub client_ref: String,
    /// The account (or gateway id when no account is named).
    pub account: String,
    /// The gateway that answered (or was asked).
    pub gateway: String,
    /// The sender, when set.
    pub sender: Option<String>,
    /// The campaign, when part of one.
    pub campaign: Option<String>,
    /// The recipient in E.164 (`+48600100200`).
    pub to: String,
    /// The state.
    pub state: State,
    /// The operator's message id, once accepted.
    pub operator_id: Option<String>,
    /// The error kind of a rejection or an uncertain send (`"suppressed"`, `"timeout"`).
    pub error_kind: Option<String>,
    /// The operator's error code.
    pub error_code: Option<String>,
    /// The error's text.
    pub error_message: Option<String>,
    /// `"not_sent"` or `"maybe_sent"` for errors.
    pub certainty: Option<String>,
    /// Parts the operator counted.
    pub parts: Option<u32>,
    /// The price, when the operator said.
    pub price: Option<f64>,
    /// The price's currency or unit.
    pub currency: Option<String>,
    /// The operator's last delivery status, as received.
    pub delivery_status: Option<String>,
    /// When the intent was written.
    pub created_at: DateTime<Utc>,
    /// When the row last changed.
    pub updated_at: DateTime<Utc>,
}

impl Entry {
    /// A new entry for recipient `to` of the stored message `message_id` (its fields from
    /// `message`), in `state`, with nothing recorded yet about its outcome: what every store
    /// returns from [`Store::record_intent`](crate::Store::record_intent).
    pub fn new(
        id: i64,
        message_id: i64,
        message: &MessageRecord,
        to: String,
        client_ref: String,
        state: State,
    ) -> Entry {
        Entry {
            id,
            message: message_id,
            client_ref,
            account: message.account.clone(),
            gateway: message.gateway.clone(),
            sender: message.sender.clone(),
            campaign: message.campaign.clone(),
            to,
            state,
            operator_id: None,
            error_kind: None,
            error_code: None,
            error_message: None,
            certainty: None,
            parts: None,
            price: None,
            currency: None,
            delivery_status: None,
            created_at: message.created_at,
            updated_at: message.created_at,
        }
    }

    /// The per-recipient client key the operator saw: the client reference followed by the
    /// recipient's digits (`ref1` and `+48600100200` give `ref148600100200`), what operators
    /// echo in reports (SMSAPI `idx`, Infobip `messageId`/`callbackData`) and what a
    /// [`Delivery::client_ref`] is matched against.
    pub fn recipient_key(&self) -> String {
        recipient_key(&self.client_ref, &self.to)
    }
}

/// The per-recipient client key of `client_ref` and `to` (E.164): see [`Entry::recipient_key`].
pub fn recipient_key(client_ref: &str, to: &str) -> String {
    format!("{client_ref}{}", to.strip_prefix('+').unwrap_or(to))
}

/// A recorded message (shared by its recipients' entries).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRecord {
    /// The id.
    pub id: i64,
    /// The client reference of the message.
    pub client_ref: String,
    /// The account.
    pub account: String,
    /// The gateway asked.
    pub gateway: String,
    /// The sender, when set.
    pub sender: Option<String>,
    /// The text as sent (after transliteration and shortening).
    pub text: String,
    /// `"gsm7"` or `"ucs2"`.
    pub encoding: String,
    /// Parts per recipient.
    pub parts: u32,
    /// The scheduled time, when set.
    pub send_at: Option<DateTime<Utc>>,
    /// The campaign, when part of one.
    pub campaign: Option<String>,
    /// Validity, flash and the other options it is sent with (stored as one JSON text column,
    /// [`SendOptions::to_json`]).
    pub options: SendOptions,
    /// When written.
    pub created_at: DateTime<Utc>,
}

/// What is written before any I/O: the message and one row per recipient.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Intent {
    /// The message (its `id` is ignored; the store assigns one).
    pub message: MessageRecord,
    /// The recipients (E.164) with the client reference each is sent with.
    pub recipients: Vec<(String, String)>,
    /// The state the rows start in: [`State::Pending`] for a send about to happen,
    /// [`State::NotAttempted`] for a campaign's rows.
    pub initial: State,
}

impl Intent {
    /// An intent.
    pub fn new(message: MessageRecord, recipients: Vec<(String, String)>, initial: State) -> Self {
        Intent { message, recipients, initial }
    }
}

/// The answer for one entry, written after the send.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Outcome {
    /// The entry.
    pub entry: i64,
    /// Accepted, rejected, uncertain or not attempted.
    pub state: State,
    /// The gateway that answered, when known.
    pub gateway: Option<String>,
    /// The operator's message id.
    pub operator_id: Option<String>,
    /// The error kind.
    pub error_kind: Option<String>,
    /// The operator's error code.
    pub error_code: Option<String>,
    /// The error's text.
    pub error_message: Option<String>,
    /// `"not_sent"` or `"maybe_sent"`.
    pub certainty: Option<String>,
    /// Parts counted.
    pub parts: Option<u32>,
    /// Price.
    pub price: Option<f64>,
    /// Currency or unit.
    pub currency: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl Outcome {
    /// An outcome with only the state set.
    pub fn new(entry: i64, state: State, at: DateTime<Utc>) -> Self {
        Outcome {
            entry,
            state,
            gateway: None,
            operator_id: None,
            error_kind: None,
            error_code: None,
            error_message: None,
            certainty: None,
            parts: None,
            price: None,
            currency: None,
            at,
        }
    }
}

/// A delivery report as the store applies it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Delivery {
    /// The gateway that reported (`"smsapi"`).
    pub gateway: String,
    /// The operator's message id.
    pub operator_id: String,
    /// The state it reports.
    pub state: State,
    /// The operator's status as received.
    pub raw_status: String,
    /// The operator's error code.
    pub error_code: Option<String>,
    /// The recipient, when the report names it (E.164).
    pub to: Option<String>,
    /// The per-recipient client key the operator echoed ([`Entry::recipient_key`]), when given:
    /// matches an entry that has no operator id yet (an `uncertain` one).
    pub client_ref: Option<String>,
    /// Price, when given.
    pub price: Option<f64>,
    /// Currency, when given.
    pub currency: Option<String>,
    /// When received.
    pub at: DateTime<Utc>,
}

impl Delivery {
    /// A delivery with the required fields.
    pub fn new(
        gateway: impl Into<String>,
        operator_id: impl Into<String>,
        state: State,
        raw_status: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Delivery {
            gateway: gateway.into(),
            operator_id: operator_id.into(),
            state,
            raw_status: raw_status.into(),
            error_code: None,
            to: None,
            client_ref: None,
            price: None,
            currency: None,
            at,
        }
    }
}

/// What applying a delivery did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Applied {
    /// The entry moved to a new state.
    Updated {
        /// The entry after the change.
        entry: Entry,
        /// Its state before.
        from: State,
    },
    /// The entry was found but the report changes nothing (a repeat, or older than what is
    /// recorded: a final state never moves back).
    Unchanged {
        /// The entry.
        entry: Entry,
    },
    /// No entry has this (gateway, operator id) yet: kept as an orphan and joined when the
    /// send's answer is recorded.
    Orphaned,
}

/// Where a suppression or a consent applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum Scope {
    /// Every account.
    Global,
    /// One account.
    Account(String),
}

impl Scope {
    /// One account.
    pub fn account(name: impl Into<String>) -> Self {
        Scope::Account(name.into())
    }
    /// The stored key: `""` for global, else the account name.
    pub fn key(&self) -> &str {
        match self {
            Scope::Global => "",
            Scope::Account(a) => a,
        }
    }
    /// The scope of a stored key.
    pub fn from_key(key: &str) -> Self {
        if key.is_empty() { Scope::Global } else { Scope::Account(key.to_owned()) }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Global => f.write_str("global"),
            Scope::Account(a) => write!(f, "account {a}"),
        }
    }
}

/// A number that must not be texted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Suppression {
    /// The number (E.164).
    pub number: String,
    /// Global or one account.
    pub scope: Scope,
    /// Why (`"manual"`, `"inbound STOP"`, `"operator twilio 21610"`).
    pub reason: String,
    /// Since when.
    pub at: DateTime<Utc>,
}

impl Suppression {
    /// A suppression.
    pub fn new(
        number: impl Into<String>,
        scope: Scope,
        reason: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Suppression { number: number.into(), scope, reason: reason.into(), at }
    }
}

/// A recorded consent to receive SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Consent {
    /// The number (E.164).
    pub number: String,
    /// Global or one account.
    pub scope: Scope,
    /// Where it came from (`"web form"`, `"import consents.csv"`).
    pub source: String,
    /// When given.
    pub at: DateTime<Utc>,
    /// When withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    /// A consent given at `at`, not withdrawn.
    pub fn new(
        number: impl Into<String>,
        scope: Scope,
        source: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Consent { number: number.into(), scope, source: source.into(), at, withdrawn_at: None }
    }
    /// Whether the consent is in force.
    pub fn is_active(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

/// A campaign: a named bulk send whose rows are all written before the first request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    /// The unique name.
    pub name: String,
    /// The message recorded for it.
    pub message: i64,
    /// Recipients per request.
    pub chunk_size: u32,
    /// Number of recipients.
    pub recipients: u64,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// The answer of [`Store::claim_client_ref`](crate::Store::claim_client_ref): who holds an
/// (account, client reference) idempotency key.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_ledger::{MemoryStore, RefClaim, Store};
///
/// let store = MemoryStore::new();
/// let at = chrono::Utc::now();
/// assert_eq!(store.claim_client_ref("shop", "order-17", at).await.unwrap(), RefClaim::Claimed);
/// // A second claim of the same key, from this or any other instance, is refused.
/// assert!(matches!(
///     store.claim_client_ref("shop", "order-17", at).await.unwrap(),
///     RefClaim::Taken { message: None, .. }
/// ));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum RefClaim {
    /// The key was free and now belongs to this caller, who may send with it.
    Claimed,
    /// The key was claimed before (by this or another instance) at `at`. `message` is the id of
    /// the message recorded with that client reference in that account, or `None` while the
    /// first claimant has not written its intent yet (its send is in progress, or it was refused
    /// before any I/O and not released, or its process died between the claim and the intent).
    Taken {
        /// When the key was claimed.
        at: DateTime<Utc>,
        /// The message recorded under the key, if any yet.
        message: Option<i64>,
    },
}

/// Which entries a query selects; every set field must match.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Query {
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub until: Option<DateTime<Utc>>,
    /// The account.
    pub account: Option<String>,
    /// The sender.
    pub sender: Option<String>,
    /// The recipient (E.164).
    pub recipient: Option<String>,
    /// Any of these states (empty: all).
    pub states: Vec<State>,
    /// The campaign.
    pub campaign: Option<String>,
    /// The operator message id.
    pub operator_id: Option<String>,
    /// The client reference (idempotency key) of the send.
    pub client_ref: Option<String>,
}

impl Query {
    /// Every entry.
    pub fn all() -> Self {
        Query::default()
    }
    /// Entries created in `[from, until)`.
    pub fn between(mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self.until = Some(until);
        self
    }
    /// Entries of an account.
    pub fn account(mut self, a: impl Into<String>) -> Self {
        self.account = Some(a.into());
        self
    }
    /// Entries of a sender.
    pub fn sender(mut self, s: impl Into<String>) -> Self {
        self.sender = Some(s.into());
        self
    }
    /// Entries to a recipient (E.164).
    pub fn recipient(mut self, r: impl Into<String>) -> Self {
        self.recipient = Some(r.into());
        self
    }
    /// Entries in a state (repeat for several).
    pub fn state(mut self, s: State) -> Self {
        self.states.push(s);
        self
    }
    /// Entries of a campaign.
    pub fn campaign(mut self, c: impl Into<String>) -> Self {
        self.campaign = Some(c.into());
        self
    }
    /// Entries with this operator message id.
    pub fn operator_id(mut self, id: impl Into<String>) -> Self {
        self.operator_id = Some(id.into());
        self
    }

    /// Entries sent with this client reference (idempotency key).
    pub fn client_ref(mut self, r: impl Into<String>) -> Self {
        self.client_ref = Some(r.into());
        self
    }

    /// Whether `e` matches (the in-memory store's filter and the reference for other stores).
    pub fn matches(&self, e: &Entry) -> bool {
        self.from.is_none_or(|t| e.created_at >= t)
            && self.until.is_none_or(|t| e.created_at < t)
            && self.account.as_ref().is_none_or(|a| &e.account == a)
            && self.sender.as_ref().is_none_or(|s| e.sender.as_ref() == Some(s))
            && self.recipient.as_ref().is_none_or(|r| &e.to == r)
            && (self.states.is_empty() || self.states.contains(&e.state))
            && self.campaign.as_ref().is_none_or(|c| e.campaign.as_ref() == Some(c))
            && self.operator_id.as_ref().is_none_or(|o| e.operator_id.as_ref() == Some(o))
            && self.client_ref.as_ref().is_none_or(|r| &e.client_ref == r)
    }
}
