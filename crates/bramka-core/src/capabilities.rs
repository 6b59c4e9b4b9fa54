//! What a gateway can do, said up front.

use std::fmt;

/// One optional operation or feature of a gateway.
///
/// ```
/// use bramka_core::testing::NullGateway;
/// use bramka_core::{Capability, Gateway};
///
/// let gw = NullGateway::new();
/// if gw.capabilities().supports(Capability::Schedule) {
///     println!("can schedule");
/// }
/// assert_eq!(Capability::Schedule.as_str(), "schedule");
/// ```
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
    /// Webhooks are signed and verified.
    SignedWebhooks,
    /// Flash SMS (class 0, shown at once and not stored).
    Flash,
    /// A validity period (how long the network keeps trying).
    Validity,
    /// Managing sender names: list, request, set the default, delete
    /// ([`Gateway::senders`](crate::Gateway::senders)).
    SenderNames,
    /// Listing scheduled messages or bulks ([`Gateway::scheduled`](crate::Gateway::scheduled)).
    ListScheduled,
    /// Listing the account's receiving numbers ([`Gateway::numbers`](crate::Gateway::numbers)).
    ReceivingNumbers,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 17] = [
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
        Capability::SignedWebhooks,
        Capability::Flash,
        Capability::Validity,
        Capability::SenderNames,
        Capability::ListScheduled,
        Capability::ReceivingNumbers,
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
            Capability::SignedWebhooks => "signed_webhooks",
            Capability::Flash => "flash",
            Capability::Validity => "validity",
            Capability::SenderNames => "sender_names",
            Capability::ListScheduled => "list_scheduled",
            Capability::ReceivingNumbers => "receiving_numbers",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a gateway protects against sending the same message twice.
///
/// ```
/// use bramka_core::{Capabilities, Idempotency};
///
/// let caps = Capabilities::new().with_idempotency(Idempotency::ClientReference);
/// assert_eq!(caps.idempotency, Idempotency::ClientReference);
/// ```
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

/// A set of [`Capability`] flags. Kept as a set so that every operation on capabilities
/// (intersection, listing) covers every flag, including ones added later.
///
/// ```
/// use bramka_core::{Capability, CapabilitySet};
///
/// let mut set = CapabilitySet::default();
/// set.set(Capability::Balance, true);
/// assert!(set.contains(Capability::Balance));
/// assert_eq!(set.iter().collect::<Vec<_>>(), [Capability::Balance]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CapabilitySet(u32);

impl CapabilitySet {
    /// The empty set.
    pub const fn empty() -> Self {
        CapabilitySet(0)
    }
    const fn bit(c: Capability) -> u32 {
        1 << (c as u32)
    }
    /// Whether `c` is in the set.
    pub fn contains(self, c: Capability) -> bool {
        self.0 & Self::bit(c) != 0
    }
    /// Adds or removes `c`.
    pub fn set(&mut self, c: Capability, on: bool) {
        if on {
            self.0 |= Self::bit(c);
        } else {
            self.0 &= !Self::bit(c);
        }
    }
    /// The flags in both sets.
    #[must_use]
    pub fn intersection(self, other: CapabilitySet) -> CapabilitySet {
        CapabilitySet(self.0 & other.0)
    }
    /// The flags, in [`Capability::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// What a gateway supports: a [`CapabilitySet`] of optional operations and features, plus the
/// batch size, the part cap and the duplicate protection. Build with [`Capabilities::new`] and the
/// `with_*` methods; ask with [`supports`](Capabilities::supports).
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Maximum recipients per request; 1 means one request per recipient. Sends of more
    /// recipients are chunked by the gateway ([`crate::chunked`]).
    pub batch_size: usize,
    /// The optional operations and features ([`Capability::MultiRecipient`] follows `batch_size`).
    pub flags: CapabilitySet,
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

impl serde::Serialize for Capabilities {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("batch_size", &self.batch_size)?;
        for c in Capability::ALL {
            if c != Capability::MultiRecipient {
                m.serialize_entry(c.as_str(), &self.supports(c))?;
            }
        }
        m.serialize_entry("max_parts", &self.max_parts)?;
        m.serialize_entry("idempotency", &self.idempotency)?;
        m.end()
    }
}

impl Capabilities {
    /// Nothing optional: one recipient per request, 7 parts, no idempotency.
    pub fn new() -> Self {
        Capabilities {
            batch_size: 1,
            flags: CapabilitySet::empty(),
            max_parts: 7,
            idempotency: Idempotency::None,
        }
    }

    /// Turns a capability on (for [`Capability::MultiRecipient`] use [`with_batch_size`](Self::with_batch_size)).
    #[must_use]
    pub fn with(mut self, c: Capability) -> Self {
        self.set(c, true);
        self
    }

    /// Turns a capability on or off.
    pub fn set(&mut self, c: Capability, on: bool) {
        if c == Capability::MultiRecipient {
            self.batch_size = if on { self.batch_size.max(2) } else { 1 };
        } else {
            self.flags.set(c, on);
        }
    }

    /// Sets the maximum recipients per request (at least 1).
    #[must_use]
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// Sets the part cap.
    #[must_use]
    pub fn with_max_parts(mut self, n: u8) -> Self {
        self.max_parts = n;
        self
    }

    /// Sets the duplicate protection.
    #[must_use]
    pub fn with_idempotency(mut self, i: Idempotency) -> Self {
        self.idempotency = i;
        self
    }

    /// Marks webhooks as signed ([`Capability::SignedWebhooks`]).
    #[must_use]
    pub fn with_signed_webhooks(self) -> Self {
        self.with(Capability::SignedWebhooks)
    }

    /// Whether `c` is supported.
    pub fn supports(&self, c: Capability) -> bool {
        match c {
            Capability::MultiRecipient => self.batch_size > 1,
            other => self.flags.contains(other),
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
    fn every_capability_has_its_own_bit() {
        let mut seen = CapabilitySet::empty();
        for c in Capability::ALL {
            assert!(!seen.contains(c), "{c} shares a bit");
            seen.set(c, true);
        }
        assert_eq!(seen.iter().count(), Capability::ALL.len());
    }

    #[test]
    fn with_and_supports_agree_for_every_capability() {
        for c in Capability::ALL {
            assert!(!Capabilities::new().supports(c), "{c} on by default");
            assert!(Capabilities::new().with(c).supports(c), "{c}");
            assert_eq!(Capabilities::new().with(c).supported(), vec![c]);
        }
    }
}
