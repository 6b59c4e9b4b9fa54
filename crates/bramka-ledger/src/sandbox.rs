//! What `bramka serve --sandbox` received, kept in the ledger so it survives a restart: one
//! [`SandboxMessage`] per recipient of an accepted request (and per simulated inbound SMS), with
//! the callbacks the sandbox posted about it.
//!
//! The ledger does not interpret these rows; the sandbox writes and reads them through
//! [`Store::put_sandbox_message`](crate::Store::put_sandbox_message) and
//! [`Store::sandbox_messages`](crate::Store::sandbox_messages).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One message the sandbox received or simulated, keyed by (operator, message id).
///
/// ```
/// use bramka_ledger::SandboxMessage;
/// let m = SandboxMessage::new("smsapi", "0000000000000000000000A1", "48500100200", "Hi", chrono::Utc::now());
/// assert_eq!(m.direction, "outbound");
/// assert!(m.callbacks.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SandboxMessage {
    /// Order of arrival (1, 2, ...).
    pub seq: i64,
    /// `smsapi`, `infobip`, `twilio` or `dynmark`.
    pub operator: String,
    /// `outbound` (an application sent it) or `inbound` (a simulated SMS to the application).
    pub direction: String,
    /// The id the sandbox answered with (unique per operator).
    pub message_id: String,
    /// The account (Twilio's Account SID; empty for the others).
    pub account: String,
    /// The sender as sent, if any.
    pub sender: Option<String>,
    /// The recipient.
    pub recipient: String,
    /// The text.
    pub text: String,
    /// `GSM-7` or `UCS-2`.
    pub encoding: String,
    /// Parts the operator would bill.
    pub parts: u32,
    /// The simulated state (`queued`, `delivered`, `received`, ...).
    pub state: String,
    /// The client's own key (SMSAPI `idx`, Infobip `messageId`), if any.
    pub client_key: Option<String>,
    /// The batch (Infobip `bulkId`), if any.
    pub batch_id: Option<String>,
    /// When it is scheduled for, if it is.
    pub send_at: Option<DateTime<Utc>>,
    /// Where its delivery report goes, if anywhere.
    pub callback_url: Option<String>,
    /// The callbacks posted about it, in order.
    pub callbacks: Vec<SandboxCallback>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

impl SandboxMessage {
    /// An outbound `queued` message with no sender, key, schedule or callbacks.
    pub fn new(
        operator: &str,
        message_id: &str,
        recipient: &str,
        text: &str,
        received_at: DateTime<Utc>,
    ) -> Self {
        SandboxMessage {
            seq: 0,
            operator: operator.to_owned(),
            direction: "outbound".to_owned(),
            message_id: message_id.to_owned(),
            account: String::new(),
            sender: None,
            recipient: recipient.to_owned(),
            text: text.to_owned(),
            encoding: "GSM-7".to_owned(),
            parts: 1,
            state: "queued".to_owned(),
            client_key: None,
            batch_id: None,
            send_at: None,
            callback_url: None,
            callbacks: Vec::new(),
            received_at,
        }
    }
}

/// A callback the sandbox posted (a delivery report or an inbound message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SandboxCallback {
    /// Where it went.
    pub url: String,
    /// What it reported (`delivered`, `mo`, ...).
    pub event: String,
    /// The HTTP status answered, `None` when the receiver could not be reached.
    pub status: Option<u16>,
}

impl SandboxCallback {
    /// A callback record.
    pub fn new(url: impl Into<String>, event: impl Into<String>, status: Option<u16>) -> Self {
        SandboxCallback { url: url.into(), event: event.into(), status }
    }
}

/// The callbacks as stored (a JSON array).
pub(crate) fn callbacks_json(c: &[SandboxCallback]) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| "[]".to_owned())
}

/// The callbacks from their stored JSON.
pub(crate) fn callbacks_from(s: &str) -> Result<Vec<SandboxCallback>, crate::StoreError> {
    serde_json::from_str(s).map_err(|e| crate::StoreError::Corrupt(format!("sandbox callbacks {s:?}: {e}")))
}
