//! What a gateway can do, said up front.

use std::fmt;

/// One optional operation or feature of a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Capability {
    /// Several recipients in one request.
    MultiRecipient,
    /// Sending at a later time.
    Schedule,
    /// Canceling a scheduled message or bulk.
    Cancel,
    /// Moving a scheduled message or bulk to another time.
    Reschedule,
    /// Pausing and resuming a scheduled bulk.
    Pause,
    /// Querying the delivery status of a sent message.
    Status,
    /// Reading the account balance.
    Balance,
    /// Delivery-report webhooks.
    DeliveryWebhook,
    /// Inbound-message webhooks.
    InboundWebhook,
    /// A test mode that validates without sending.
    TestMode,
    /// The operator shortens links in the text itself (Infobip tracking, Twilio `ShortenUrls`).
    LinkShortening,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 11] = [
        Capability::MultiRecipient,
        Capability::Schedule,
        Capability::Cancel,
        Capability::Reschedule,
        Capability::Pause,
        Capability::Status,
        Capability::Balance,
        Capability::DeliveryWebhook,
        Capability::InboundWebhook,
        Capability::TestMode,
        Capability::LinkShortening,
    ];

    /// The capability's name (`"balance"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::MultiRecipient => "multi_recipient",
            Capability::Schedule => "schedule",
            Capability::Cancel => "cancel",
            Capability::Reschedule => "reschedule",
            Capability::Pause => "pause",
            Capability::Status => "status",
            Capability::Balance => "balance",
            Capability::DeliveryWebhook => "delivery_webhook",
            Capability::InboundWebhook => "inbound_webhook",
            Capability::TestMode => "test_mode",
            Capability::LinkShortening => "link_shortening",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a gateway protects against sending the same message twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Idempotency {
    /// Nothing: a retry after an ambiguous failure may send twice (Twilio, Dynmark).
    #[default]
    None,
    /// The client reference is sent and echoed in reports, but duplicates are not rejected.
    ClientReference,
    /// The operator rejects a second request with the same client key (SMSAPI `idx` +
    /// `check_idx`, Infobip `messageId`): retrying a [`crate::Certainty::MaybeSent`] failure is safe.
    ServerDedupe,
}

/// What a gateway supports. Read the fields; build with [`Capabilities::new`] and the `with_*`
/// methods.
///
/// ```
/// use bramka_core::{Capabilities, Capability, Idempotency};
/// let caps = Capabilities::new()
///     .with_batch_size(1000)
///     .with(Capability::Schedule)
///     .with_idempotency(Idempotency::ServerDedupe);
/// assert!(caps.supports(Capability::MultiRecipient));
/// assert!(caps.supports(Capability::Schedule));
/// assert!(!caps.supports(Capability::Balance));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// Maximum recipients per request; 1 means one request per recipient.
    pub batch_size: usize,
    /// Sending at a later time.
    pub schedule: bool,
    /// Canceling a scheduled message or bulk.
    pub cancel: bool,
    /// Rescheduling.
    pub reschedule: bool,
    /// Pausing and resuming a scheduled bulk.
    pub pause: bool,
    /// Delivery status query.
    pub status: bool,
    /// Account balance.
    pub balance: bool,
    /// Delivery-report webhooks can be parsed.
    pub delivery_webhook: bool,
    /// Inbound-message webhooks can be parsed.
    pub inbound_webhook: bool,
    /// Webhooks are signed and verified.
    pub signed_webhooks: bool,
    /// A test mode that validates without sending.
    pub test_mode: bool,
    /// The operator shortens links when a message asks for it ([`crate::Message::shorten_links`]).
    pub link_shortening: bool,
    /// Largest number of parts the operator accepts for one message.
    pub max_parts: u8,
    /// Duplicate protection.
    pub idempotency: Idempotency,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::new()
    }
}

impl Capabilities {
    /// Nothing optional: one recipient per request, 7 parts, no idempotency.
    pub fn new() -> Self {
        Capabilities {
            batch_size: 1,
            schedule: false,
            cancel: false,
            reschedule: false,
            pause: false,
            status: false,
            balance: false,
            delivery_webhook: false,
            inbound_webhook: false,
            signed_webhooks: false,
            test_mode: false,
            link_shortening: false,
            max_parts: 7,
            idempotency: Idempotency::None,
        }
    }

    /// Turns a capability on (for [`Capability::MultiRecipient`] use [`with_batch_size`](Self::with_batch_size)).
    pub fn with(mut self, c: Capability) -> Self {
        match c {
            Capability::MultiRecipient => self.batch_size = self.batch_size.max(2),
            Capability::Schedule => self.schedule = true,
            Capability::Cancel => self.cancel = true,
            Capability::Reschedule => self.reschedule = true,
            Capability::Pause => self.pause = true,
            Capability::Status => self.status = true,
            Capability::Balance => self.balance = true,
            Capability::DeliveryWebhook => self.delivery_webhook = true,
            Capability::InboundWebhook => self.inbound_webhook = true,
            Capability::TestMode => self.test_mode = true,
            Capability::LinkShortening => self.link_shortening = true,
        }
        self
    }

    /// Sets the maximum recipients per request (at least 1).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// Sets the part cap.
    pub fn with_max_parts(mut self, n: u8) -> Self {
        self.max_parts = n;
        self
    }

    /// Sets the duplicate protection.
    pub fn with_idempotency(mut self, i: Idempotency) -> Self {
        self.idempotency = i;
        self
    }

    /// Marks webhooks as signed.
    pub fn with_signed_webhooks(mut self) -> Self {
        self.signed_webhooks = true;
        self
    }

    /// Whether `c` is supported.
    pub fn supports(&self, c: Capability) -> bool {
        match c {
            Capability::MultiRecipient => self.batch_size > 1,
            Capability::Schedule => self.schedule,
            Capability::Cancel => self.cancel,
            Capability::Reschedule => self.reschedule,
            Capability::Pause => self.pause,
            Capability::Status => self.status,
            Capability::Balance => self.balance,
            Capability::DeliveryWebhook => self.delivery_webhook,
            Capability::InboundWebhook => self.inbound_webhook,
            Capability::TestMode => self.test_mode,
            Capability::LinkShortening => self.link_shortening,
        }
    }

    /// Every supported capability.
    pub fn supported(&self) -> Vec<Capability> {
        Capability::ALL.into_iter().filter(|c| self.supports(*c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_and_supports_agree_for_every_capability() {
        for c in Capability::ALL {
            assert!(!Capabilities::new().supports(c), "{c} on by default");
            assert!(Capabilities::new().with(c).supports(c), "{c}");
            assert_eq!(Capabilities::new().with(c).supported(), vec![c]);
        }
    }
}
