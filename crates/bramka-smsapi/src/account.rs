//! Account data beyond the core contract: sender names and their status.

use std::fmt;

use chrono::{DateTime, FixedOffset};

/// The status of a sender name at SMSAPI. New names need approval ([`Pending`](Self::Pending)); only
/// [`Active`](Self::Active) ones can send.
///
/// ```
/// use bramka_smsapi::SenderNameStatus;
///
/// assert!(SenderNameStatus::parse("ACTIVE").is_usable());
/// assert!(!SenderNameStatus::parse("PENDING").is_usable());
/// assert_eq!(SenderNameStatus::parse("NEW_ONE"), SenderNameStatus::Other("NEW_ONE".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SenderNameStatus {
    /// Approved: usable as `from`.
    Active,
    /// Not usable.
    Inactive,
    /// Deleted.
    Deleted,
    /// Waiting for approval by SMSAPI.
    Pending,
    /// Refused by SMSAPI.
    Rejected,
    /// A status bramka does not know, as SMSAPI wrote it.
    Other(String),
}

impl SenderNameStatus {
    /// Parses SMSAPI's status (`ACTIVE`; any case).
    pub fn parse(s: &str) -> SenderNameStatus {
        match s.trim().to_ascii_uppercase().as_str() {
            "ACTIVE" => SenderNameStatus::Active,
            "INACTIVE" => SenderNameStatus::Inactive,
            "DELETED" => SenderNameStatus::Deleted,
            "PENDING" => SenderNameStatus::Pending,
            "REJECTED" => SenderNameStatus::Rejected,
            _ => SenderNameStatus::Other(s.trim().to_owned()),
        }
    }

    /// Whether messages can be sent with this name.
    pub fn is_usable(&self) -> bool {
        *self == SenderNameStatus::Active
    }
}

impl fmt::Display for SenderNameStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SenderNameStatus::Active => "active",
            SenderNameStatus::Inactive => "inactive",
            SenderNameStatus::Deleted => "deleted",
            SenderNameStatus::Pending => "pending",
            SenderNameStatus::Rejected => "rejected",
            SenderNameStatus::Other(s) => s,
        })
    }
}

/// A sender name registered on the account (`GET /sms/sendernames`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SenderName {
    /// The name (`"Shop"`).
    pub name: String,
    /// Its status.
    pub status: SenderNameStatus,
    /// Whether it is the account's default sender.
    pub is_default: bool,
    /// When it was created, when SMSAPI said.
    pub created_at: Option<DateTime<FixedOffset>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_case_insensitive() {
        assert_eq!(SenderNameStatus::parse("active"), SenderNameStatus::Active);
        assert_eq!(SenderNameStatus::parse("PENDING"), SenderNameStatus::Pending);
        assert_eq!(SenderNameStatus::parse("Rejected"), SenderNameStatus::Rejected);
        assert_eq!(SenderNameStatus::parse("INACTIVE"), SenderNameStatus::Inactive);
        assert_eq!(SenderNameStatus::parse("deleted"), SenderNameStatus::Deleted);
        assert_eq!(SenderNameStatus::parse("ON_HOLD"), SenderNameStatus::Other("ON_HOLD".into()));
        assert!(SenderNameStatus::Active.is_usable());
        assert!(!SenderNameStatus::Pending.is_usable());
    }
}
