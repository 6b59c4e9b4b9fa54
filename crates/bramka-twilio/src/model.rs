//! Public Twilio types: [`MessageStatus`], [`TwilioMessage`] (a Message resource), and the
//! filters and pages of message listing.

use std::fmt;

use bramka_core::{DeliveryReport, DeliveryState, PhoneNumber, Price};
use chrono::{DateTime, NaiveDate, Utc};

use crate::errors::GATEWAY;
use crate::wire::MessageDto;

/// A Twilio message status (the `Status` of a Message resource). Twilio adds values over time: unknown ones are kept.
///
/// ```
/// use bramka_core::DeliveryState;
/// use bramka_twilio::MessageStatus;
///
/// assert_eq!(MessageStatus::parse("delivered"), MessageStatus::Delivered);
/// assert_eq!(MessageStatus::parse("undelivered").delivery_state(Some("30003")), DeliveryState::Undelivered);
/// assert_eq!(MessageStatus::parse("new_status"), MessageStatus::Unknown("new_status".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageStatus {
    /// Accepted by a Messaging Service, sender not chosen yet.
    Accepted,
    /// Waiting for its `SendAt` time.
    Scheduled,
    /// In Twilio's send queue.
    Queued,
    /// Being handed to the carrier.
    Sending,
    /// Accepted by the carrier; may be final when no receipt comes.
    Sent,
    /// Delivery confirmed.
    Delivered,
    /// The carrier could not deliver it (`error_code` set).
    Undelivered,
    /// Twilio could not send it (`error_code` set; 30036 = validity expired).
    Failed,
    /// A scheduled message canceled.
    Canceled,
    /// Read (WhatsApp/RCS).
    Read,
    /// In the enum, undocumented.
    PartiallyDelivered,
    /// Inbound, being received.
    Receiving,
    /// Inbound, received.
    Received,
    /// A status bramka does not know.
    Unknown(String),
}

impl MessageStatus {
    /// Parses Twilio's status string.
    pub fn parse(s: &str) -> MessageStatus {
        match s {
            "accepted" => MessageStatus::Accepted,
            "scheduled" => MessageStatus::Scheduled,
            "queued" => MessageStatus::Queued,
            "sending" => MessageStatus::Sending,
            "sent" => MessageStatus::Sent,
            "delivered" => MessageStatus::Delivered,
            "undelivered" => MessageStatus::Undelivered,
            "failed" => MessageStatus::Failed,
            "canceled" => MessageStatus::Canceled,
            "read" => MessageStatus::Read,
            "partially_delivered" => MessageStatus::PartiallyDelivered,
            "receiving" => MessageStatus::Receiving,
            "received" => MessageStatus::Received,
            other => MessageStatus::Unknown(other.to_owned()),
        }
    }

    /// Twilio's string.
    pub fn as_str(&self) -> &str {
        match self {
            MessageStatus::Accepted => "accepted",
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Undelivered => "undelivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Canceled => "canceled",
            MessageStatus::Read => "read",
            MessageStatus::PartiallyDelivered => "partially_delivered",
            MessageStatus::Receiving => "receiving",
            MessageStatus::Received => "received",
            MessageStatus::Unknown(s) => s,
        }
    }

    /// The normalised state. `failed` with error 30036 (validity period expired) is
    /// [`DeliveryState::Expired`]. `partially_delivered` and inbound statuses are
    /// [`DeliveryState::Unknown`] (their meaning for an outbound SMS is not documented).
    pub fn delivery_state(&self, error_code: Option<&str>) -> DeliveryState {
        match self {
            MessageStatus::Accepted | MessageStatus::Queued | MessageStatus::Sending => {
                DeliveryState::Pending
            }
            MessageStatus::Scheduled => DeliveryState::Scheduled,
            MessageStatus::Sent => DeliveryState::Sent,
            MessageStatus::Delivered | MessageStatus::Read => DeliveryState::Delivered,
            MessageStatus::Undelivered => DeliveryState::Undelivered,
            MessageStatus::Failed if error_code == Some("30036") => DeliveryState::Expired,
            MessageStatus::Failed => DeliveryState::Failed,
            MessageStatus::Canceled => DeliveryState::Canceled,
            MessageStatus::PartiallyDelivered
            | MessageStatus::Receiving
            | MessageStatus::Received
            | MessageStatus::Unknown(_) => DeliveryState::Unknown,
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Twilio Message resource, decoded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TwilioMessage {
    /// `SM…` / `MM…`.
    pub sid: String,
    /// The status.
    pub status: MessageStatus,
    /// `inbound`, `outbound-api`, `outbound-call`, `outbound-reply`.
    pub direction: Option<String>,
    /// The sender (null right after a Messaging Service send).
    pub from: Option<String>,
    /// The recipient.
    pub to: Option<String>,
    /// The text (empty after redaction).
    pub body: Option<String>,
    /// The Messaging Service, if any.
    pub messaging_service_sid: Option<String>,
    /// Segments (`"0"` until a service picks a sender: then `None`).
    pub num_segments: Option<u32>,
    /// The price as a cost (Twilio reports charges as negative numbers; this is their absolute
    /// value), once billed.
    pub price: Option<Price>,
    /// The error code of a failed or undelivered message.
    pub error_code: Option<String>,
    /// Twilio's text for the error code.
    pub error_message: Option<String>,
    /// Created at.
    pub date_created: Option<DateTime<Utc>>,
    /// Sent at.
    pub date_sent: Option<DateTime<Utc>>,
    /// Last updated at.
    pub date_updated: Option<DateTime<Utc>>,
}

fn rfc2822(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(|v| DateTime::parse_from_rfc2822(v).ok()).map(|d| d.with_timezone(&Utc))
}

impl TwilioMessage {
    pub(crate) fn from_dto(d: MessageDto) -> Option<TwilioMessage> {
        let sid = d.sid.clone().filter(|s| !s.is_empty())?;
        let price = match (d.price.as_deref().and_then(|p| p.trim().parse::<f64>().ok()), &d.price_unit) {
            (Some(p), Some(u)) => Some(Price::new(p.abs(), u.clone())),
            (Some(p), None) => Some(Price::new(p.abs(), "USD")),
            _ => None,
        };
        Some(TwilioMessage {
            sid,
            status: MessageStatus::parse(d.status.as_deref().unwrap_or("")),
            direction: d.direction,
            from: d.from,
            to: d.to,
            body: d.body,
            messaging_service_sid: d.messaging_service_sid,
            num_segments: d.num_segments.as_deref().and_then(|n| n.trim().parse().ok()).filter(|n| *n > 0),
            price,
            error_code: d.error_code.filter(|c| !c.is_empty()),
            error_message: d.error_message.filter(|m| !m.is_empty()),
            date_created: rfc2822(&d.date_created),
            date_sent: rfc2822(&d.date_sent),
            date_updated: rfc2822(&d.date_updated),
        })
    }

    /// The normalised state.
    pub fn delivery_state(&self) -> DeliveryState {
        self.status.delivery_state(self.error_code.as_deref())
    }

    /// This message as a [`DeliveryReport`].
    pub fn to_delivery_report(&self) -> DeliveryReport {
        let mut r = DeliveryReport::new(GATEWAY, &self.sid, self.delivery_state(), self.status.as_str());
        r.to = self.to.as_deref().and_then(|t| PhoneNumber::parse(t).ok());
        r.error_code = self.error_code.clone();
        r.error_message = self.error_message.clone();
        r.at = self.date_updated.or(self.date_sent);
        r.parts = self.num_segments;
        r.price = self.price.clone();
        if let Some(mg) = &self.messaging_service_sid {
            r.raw.insert("messaging_service_sid".into(), mg.clone());
        }
        if let Some(d) = &self.direction {
            r.raw.insert("direction".into(), d.clone());
        }
        r
    }
}

/// Filters for listing messages (`GET …/Messages.json`).
///
/// ```
/// use bramka_twilio::ListFilter;
/// let f = ListFilter::new().to("+14155552671").sent_on_or_after("2026-08-01".parse().unwrap()).page_size(50);
/// assert_eq!(f.query().unwrap(), vec![
///     ("To".to_owned(), "+14155552671".to_owned()),
///     ("DateSent>".to_owned(), "2026-08-01".to_owned()),
///     ("PageSize".to_owned(), "50".to_owned()),
/// ]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    to: Option<String>,
    from: Option<String>,
    date_sent: Option<NaiveDate>,
    date_sent_before: Option<NaiveDate>,
    date_sent_after: Option<NaiveDate>,
    page_size: Option<u32>,
    limit: Option<usize>,
}

/// Why a list filter was refused.
///
/// ```
/// use bramka_twilio::{ListFilter, ListFilterError};
///
/// let e = ListFilter::new().page_size(5000).query().unwrap_err();
/// assert_eq!(e, ListFilterError::PageSize { value: 5000 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListFilterError {
    /// Twilio accepts page sizes 1 to 1000.
    #[error("page size {value} is out of range: Twilio accepts 1 to 1000")]
    PageSize {
        /// The value given.
        value: u32,
    },
}

impl ListFilter {
    /// No filter.
    pub fn new() -> Self {
        ListFilter::default()
    }
    /// Messages to this address.
    #[must_use]
    pub fn to(mut self, to: impl Into<String>) -> Self {
        self.to = Some(to.into());
        self
    }
    /// Messages from this address.
    #[must_use]
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }
    /// Messages sent on this UTC date.
    #[must_use]
    pub fn sent_on(mut self, d: NaiveDate) -> Self {
        self.date_sent = Some(d);
        self
    }
    /// Messages sent on or before this UTC date (`DateSent<`).
    #[must_use]
    pub fn sent_on_or_before(mut self, d: NaiveDate) -> Self {
        self.date_sent_before = Some(d);
        self
    }
    /// Messages sent on or after this UTC date (`DateSent>`).
    #[must_use]
    pub fn sent_on_or_after(mut self, d: NaiveDate) -> Self {
        self.date_sent_after = Some(d);
        self
    }
    /// Messages per page (1 to 1000; Twilio's default is 50).
    #[must_use]
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }
    /// Stop after this many messages (across pages).
    #[must_use]
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }
    /// The message limit, if any.
    pub fn max_messages(&self) -> Option<usize> {
        self.limit
    }

    /// The query parameters (decoded names and values), checked.
    ///
    /// # Errors
    ///
    /// Returns [`ListFilterError::PageSize`] when the page size is not 1 to 1,000.
    pub fn query(&self) -> Result<Vec<(String, String)>, ListFilterError> {
        let mut q = Vec::new();
        if let Some(t) = &self.to {
            q.push(("To".to_owned(), t.clone()));
        }
        if let Some(f) = &self.from {
            q.push(("From".to_owned(), f.clone()));
        }
        if let Some(d) = self.date_sent {
            q.push(("DateSent".to_owned(), d.format("%Y-%m-%d").to_string()));
        }
        if let Some(d) = self.date_sent_before {
            q.push(("DateSent<".to_owned(), d.format("%Y-%m-%d").to_string()));
        }
        if let Some(d) = self.date_sent_after {
            q.push(("DateSent>".to_owned(), d.format("%Y-%m-%d").to_string()));
        }
        if let Some(n) = self.page_size {
            if !(1..=1000).contains(&n) {
                return Err(ListFilterError::PageSize { value: n });
            }
            q.push(("PageSize".to_owned(), n.to_string()));
        }
        Ok(q)
    }
}

/// One page of a message listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MessagePage {
    /// The messages on this page.
    pub messages: Vec<TwilioMessage>,
    /// Twilio's relative URI of the next page; `None` on the last page.
    pub next_page_uri: Option<String>,
    /// The page index Twilio reported (a signed integer in Twilio's OpenAPI document).
    pub page: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_map() {
        for s in [
            "accepted",
            "scheduled",
            "queued",
            "sending",
            "sent",
            "delivered",
            "undelivered",
            "failed",
            "canceled",
            "read",
            "partially_delivered",
            "receiving",
            "received",
            "brand_new",
        ] {
            assert_eq!(MessageStatus::parse(s).as_str(), s);
        }
        assert_eq!(MessageStatus::parse("brand_new"), MessageStatus::Unknown("brand_new".into()));
        assert_eq!(MessageStatus::Failed.delivery_state(Some("30036")), DeliveryState::Expired);
        assert_eq!(MessageStatus::Failed.delivery_state(Some("30001")), DeliveryState::Failed);
        assert_eq!(MessageStatus::Accepted.delivery_state(None), DeliveryState::Pending);
        assert_eq!(MessageStatus::Read.delivery_state(None), DeliveryState::Delivered);
        assert_eq!(MessageStatus::Canceled.delivery_state(None), DeliveryState::Canceled);
    }

    #[test]
    fn page_size_checked() {
        assert_eq!(ListFilter::new().page_size(0).query(), Err(ListFilterError::PageSize { value: 0 }));
        assert_eq!(ListFilter::new().page_size(1001).query(), Err(ListFilterError::PageSize { value: 1001 }));
        assert!(ListFilter::new().page_size(1000).query().is_ok());
    }
}
