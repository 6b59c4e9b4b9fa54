//! What ingestion decides and what the store keeps: outcomes, stored messages, outbox entries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to a poll answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum VoteOutcome {
    /// Counted for `option`; `code` is the discount code handed out, if the poll has a pool.
    Accepted {
        /// The option code.
        option: String,
        /// The discount code issued.
        code: Option<String>,
    },
    /// Counted, but the poll's code pool was empty.
    AcceptedPoolExhausted {
        /// The option code.
        option: String,
    },
    /// Not counted: the sender already reached the limit in this period.
    OverLimit {
        /// The option asked for.
        option: String,
    },
    /// Not counted: received outside the poll's window.
    OutsideWindow,
    /// Not counted: the answer matches no option.
    UnknownAnswer,
    /// Not counted: the sender is in none of the allowed groups.
    NotAllowed,
}

impl VoteOutcome {
    /// Whether the answer was counted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, VoteOutcome::Accepted { .. } | VoteOutcome::AcceptedPoolExhausted { .. })
    }
    /// A short name (`"accepted"`, `"over_limit"`, …) as used in CSV exports.
    pub fn as_str(&self) -> &'static str {
        match self {
            VoteOutcome::Accepted { .. } => "accepted",
            VoteOutcome::AcceptedPoolExhausted { .. } => "accepted_pool_exhausted",
            VoteOutcome::OverLimit { .. } => "over_limit",
            VoteOutcome::OutsideWindow => "outside_window",
            VoteOutcome::UnknownAnswer => "unknown_answer",
            VoteOutcome::NotAllowed => "not_allowed",
        }
    }
    /// The option, for accepted and over-limit answers.
    pub fn option(&self) -> Option<&str> {
        match self {
            VoteOutcome::Accepted { option, .. }
            | VoteOutcome::AcceptedPoolExhausted { option }
            | VoteOutcome::OverLimit { option } => Some(option),
            _ => None,
        }
    }
}

/// Where a received message went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// No route matched (unknown number, or no prefix on a shared number): the unmatched bucket.
    Unmatched,
    /// Routed to a named inbox.
    Inbox {
        /// The inbox name.
        inbox: String,
    },
    /// An answer to a poll.
    Poll {
        /// The poll id.
        poll: String,
        /// What happened to the answer.
        vote: VoteOutcome,
    },
}

impl Outcome {
    /// The bucket the message went to (`unmatched`, an inbox, a poll).
    pub fn bucket(&self) -> Bucket {
        match self {
            Outcome::Unmatched => Bucket::Unmatched,
            Outcome::Inbox { inbox } => Bucket::Inbox(inbox.clone()),
            Outcome::Poll { poll, .. } => Bucket::Poll(poll.clone()),
        }
    }
    /// The poll id, for poll answers.
    pub fn poll(&self) -> Option<&str> {
        match self {
            Outcome::Poll { poll, .. } => Some(poll),
            _ => None,
        }
    }
}

/// A received message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoredMessage {
    /// The store's row id (increasing in ingestion order).
    pub row: i64,
    /// The gateway that received it.
    pub gateway: String,
    /// The operator's message id.
    pub message_id: String,
    /// The sender.
    pub from: String,
    /// The receiving number.
    pub to: String,
    /// The text, exactly as received.
    pub text: String,
    /// When the operator received it.
    pub received_at: DateTime<Utc>,
    /// When it was first ingested here.
    pub first_seen: DateTime<Utc>,
    /// Where it went.
    pub outcome: Outcome,
}

/// The result of one ingestion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ingested {
    /// The stored message's row id.
    pub row: i64,
    /// `true` when the message had been ingested before (an operator retry): nothing was
    /// counted, claimed or enqueued this time, and `outcome` is the stored one.
    pub duplicate: bool,
    /// Where the message went.
    pub outcome: Outcome,
    /// Outbox entries written by this ingestion (empty for duplicates).
    pub outbox: Vec<i64>,
}

/// Why an outbox entry exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Purpose {
    /// A reply to the sender (auto-reply, poll reply).
    Reply,
    /// A copy of a received message (forwarding rule).
    Forward,
}

/// How an outbox entry goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// By SMS through a [`Gateway`](bramka_core::Gateway).
    #[default]
    Sms,
    /// By e-mail through an [`EmailSender`](crate::email::EmailSender).
    Email,
}

impl Channel {
    /// `"sms"` or `"email"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }
}

/// Something to send after the ingestion committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboxDraft {
    /// Reply or forward.
    pub purpose: Purpose,
    /// SMS or e-mail.
    #[serde(default)]
    pub channel: Channel,
    /// The recipient (E.164 with `+`, or an e-mail address).
    pub to: String,
    /// The e-mail subject (e-mail only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The sender name or number, if configured.
    pub sender: Option<String>,
    /// The text.
    pub text: String,
    /// The receiving number of the message this entry answers or forwards (SMS only), so a
    /// dispatcher can send it through that number's account ([`crate::Inbound::dispatch_routed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The state of an outbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutboxState {
    /// Waiting to be sent.
    Pending,
    /// Claimed by a dispatcher that is sending it now (or crashed while doing so: such entries
    /// are reported, never resent automatically).
    InFlight,
    /// Accepted by the gateway.
    Sent {
        /// The operator's message id, when given.
        message_id: Option<String>,
    },
    /// The gateway refused it and certainly did not send it.
    Failed {
        /// Why.
        error: String,
    },
    /// The send may or may not have happened (a `MaybeSent` error): reported, not resent.
    Uncertain {
        /// Why.
        error: String,
    },
}

impl OutboxState {
    /// A short name (`"pending"`, `"in_flight"`, `"sent"`, `"failed"`, `"uncertain"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::InFlight => "in_flight",
            OutboxState::Sent { .. } => "sent",
            OutboxState::Failed { .. } => "failed",
            OutboxState::Uncertain { .. } => "uncertain",
        }
    }
}

/// One outbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OutboxEntry {
    /// The entry id.
    pub id: i64,
    /// The received message it belongs to.
    pub message_row: i64,
    /// What to send.
    pub draft: OutboxDraft,
    /// Its state.
    pub state: OutboxState,
    /// Send attempts that failed with `NotSent`.
    pub attempts: u32,
}

impl OutboxEntry {
    /// The idempotency key used for the send: stable for the entry (`bramkaob` + id).
    pub fn client_ref(&self) -> String {
        format!("bramkaob{}", self.id)
    }
}

/// Where a message went, as a filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bucket {
    /// The unmatched bucket.
    Unmatched,
    /// A named inbox.
    Inbox(String),
    /// Answers to a poll.
    Poll(String),
}

impl Bucket {
    /// `("unmatched", "")`, `("inbox", name)` or `("poll", id)`: the stored form.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            Bucket::Unmatched => ("unmatched", ""),
            Bucket::Inbox(n) => ("inbox", n),
            Bucket::Poll(p) => ("poll", p),
        }
    }
}

/// A filter for received messages. Every field is optional; `to` and `from` are normalised.
///
/// ```
/// use bramka_inbound::MessageQuery;
///
/// let mut q = MessageQuery::default();
/// q.to = Some("+48790100200".into());
/// q.since = Some("2026-05-01T00:00:00Z".parse().unwrap());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageQuery {
    /// Received at or after.
    pub since: Option<DateTime<Utc>>,
    /// Received before.
    pub until: Option<DateTime<Utc>>,
    /// The receiving number.
    pub to: Option<String>,
    /// The sender.
    pub from: Option<String>,
    /// Only messages that went to this bucket.
    pub bucket: Option<Bucket>,
}

impl MessageQuery {
    /// Everything.
    pub fn all() -> Self {
        MessageQuery::default()
    }
    /// Received in `[since, until)`.
    #[must_use]
    pub fn between(mut self, since: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self.until = Some(until);
        self
    }
    /// Sent to this receiving number.
    #[must_use]
    pub fn to(mut self, number: &str) -> Self {
        self.to = Some(bramka_core::webhook::normalize_address(number));
        self
    }
    /// Sent by this number.
    #[must_use]
    pub fn from(mut self, number: &str) -> Self {
        self.from = Some(bramka_core::webhook::normalize_address(number));
        self
    }
    /// Answers to this poll.
    #[must_use]
    pub fn poll(mut self, id: &str) -> Self {
        self.bucket = Some(Bucket::Poll(id.to_owned()));
        self
    }
    /// Routed to this inbox.
    #[must_use]
    pub fn inbox(mut self, name: &str) -> Self {
        self.bucket = Some(Bucket::Inbox(name.to_owned()));
        self
    }
    /// Matched no route.
    #[must_use]
    pub fn unmatched(mut self) -> Self {
        self.bucket = Some(Bucket::Unmatched);
        self
    }
    /// Whether a stored message matches (used by stores that filter in memory).
    pub fn matches(&self, m: &StoredMessage) -> bool {
        self.since.is_none_or(|s| m.received_at >= s)
            && self.until.is_none_or(|u| m.received_at < u)
            && self.to.as_ref().is_none_or(|t| &m.to == t)
            && self.from.as_ref().is_none_or(|f| &m.from == f)
            && self.bucket.as_ref().is_none_or(|b| &m.outcome.bucket() == b)
    }
}
