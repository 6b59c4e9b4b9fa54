//! What an operator account holds besides its balance: sender names, scheduled messages and
//! receiving numbers, as the optional [`Gateway`](crate::Gateway) operations
//! [`senders`](crate::Gateway::senders), [`scheduled`](crate::Gateway::scheduled) and
//! [`numbers`](crate::Gateway::numbers) answer them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The approval state of a sender name at the operator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SenderStatus {
    /// Approved: messages may use it.
    Active,
    /// Requested, waiting for the operator's approval.
    Pending,
    /// Switched off.
    Inactive,
    /// Refused by the operator.
    Rejected,
    /// Deleted.
    Deleted,
    /// A state this version does not know, as the operator wrote it.
    Other(String),
}

impl SenderStatus {
    /// Reads an operator's status word, case-insensitively (`"ACTIVE"`, `"active"`).
    pub fn parse(s: &str) -> SenderStatus {
        match s.to_ascii_lowercase().as_str() {
            "active" => SenderStatus::Active,
            "pending" => SenderStatus::Pending,
            "inactive" => SenderStatus::Inactive,
            "rejected" => SenderStatus::Rejected,
            "deleted" => SenderStatus::Deleted,
            _ => SenderStatus::Other(s.to_owned()),
        }
    }

    /// Whether messages may use the name now.
    pub fn is_active(&self) -> bool {
        matches!(self, SenderStatus::Active)
    }

    /// The status word (`"active"`, or the unknown word as given).
    pub fn as_str(&self) -> &str {
        match self {
            SenderStatus::Active => "active",
            SenderStatus::Pending => "pending",
            SenderStatus::Inactive => "inactive",
            SenderStatus::Rejected => "rejected",
            SenderStatus::Deleted => "deleted",
            SenderStatus::Other(s) => s,
        }
    }
}

impl fmt::Display for SenderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sender name (alphanumeric "from") registered with the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SenderName {
    /// The name as it appears on phones (`"Sklep"`).
    pub name: String,
    /// Its approval state.
    pub status: SenderStatus,
    /// Whether the operator uses it when a message names no sender.
    pub is_default: bool,
}

impl SenderName {
    /// A sender name.
    pub fn new(name: impl Into<String>, status: SenderStatus, is_default: bool) -> Self {
        SenderName { name: name.into(), status, is_default }
    }
}

/// A message or bulk waiting at the operator for its send time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ScheduledMessage {
    /// The id [`cancel`](crate::Gateway::cancel), [`reschedule`](crate::Gateway::reschedule) and
    /// [`pause`](crate::Gateway::pause) take.
    pub id: String,
    /// When it is due, where the operator says.
    pub send_at: Option<DateTime<Utc>>,
    /// The recipients, where the operator says.
    pub to: Vec<String>,
    /// The text, where the operator says.
    pub text: Option<String>,
    /// The operator's state word (`"scheduled"`, `"PAUSED"`).
    pub status: String,
}

impl ScheduledMessage {
    /// A scheduled message with its id and state; add the rest with the `with_*` methods.
    pub fn new(id: impl Into<String>, status: impl Into<String>) -> Self {
        ScheduledMessage { id: id.into(), send_at: None, to: Vec::new(), text: None, status: status.into() }
    }
    /// Sets the send time.
    #[must_use]
    pub fn with_send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Some(at);
        self
    }
    /// Adds a recipient.
    #[must_use]
    pub fn with_to(mut self, to: impl Into<String>) -> Self {
        self.to.push(to.into());
        self
    }
    /// Sets the text.
    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }
}

/// A phone number of the account that receives messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReceivingNumber {
    /// The number, in international format.
    pub number: String,
    /// The operator's id for it (Twilio `PN…`), where it has one.
    pub id: Option<String>,
    /// A label given at the operator.
    pub label: Option<String>,
    /// Whether it can receive SMS, where the operator says.
    pub sms: Option<bool>,
}

impl ReceivingNumber {
    /// A receiving number.
    pub fn new(number: impl Into<String>) -> Self {
        ReceivingNumber { number: number.into(), id: None, label: None, sms: None }
    }
    /// Sets the operator's id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
    /// Sets the label.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Says whether it receives SMS.
    #[must_use]
    pub fn with_sms(mut self, sms: bool) -> Self {
        self.sms = Some(sms);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_status_reads_any_case_and_keeps_unknown_words() {
        assert_eq!(SenderStatus::parse("ACTIVE"), SenderStatus::Active);
        assert_eq!(SenderStatus::parse("active"), SenderStatus::Active);
        assert_eq!(SenderStatus::parse("Pending"), SenderStatus::Pending);
        assert_eq!(SenderStatus::parse("BLOCKED"), SenderStatus::Other("BLOCKED".into()));
        assert!(!SenderStatus::parse("BLOCKED").is_active());
        assert_eq!(SenderStatus::parse("BLOCKED").to_string(), "BLOCKED");
    }
}
