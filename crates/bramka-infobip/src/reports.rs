//! Delivery reports, logs and inbound messages: the queries of the pull endpoints and the
//! conversion of Infobip's items (pull and push alike) to the core types.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use bramka_core::http::Scrubber;
use bramka_core::{DeliveryReport, InboundMessage, PhoneNumber, Price};

use crate::errors::{GATEWAY, delivery_state, error_row};
use crate::wire::{InboundItem, ReportItem, count};

/// What to ask `GET /sms/3/logs` for. Logs cover the last 48 hours, are not consumed by reading
/// (unlike reports) and are throttled at 120 requests per minute.
///
/// ```
/// use bramka_infobip::LogsQuery;
/// let q = LogsQuery::new().message_id("abc48600100200").limit(10);
/// assert_eq!(q.message_ids, ["abc48600100200"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogsQuery {
    /// Message ids (sent comma-separated; at most 2048 characters in all).
    pub message_ids: Vec<String>,
    /// Bulk ids (sent comma-separated; at most 2048 characters in all).
    pub bulk_ids: Vec<String>,
    /// Sent at or after.
    pub sent_since: Option<DateTime<Utc>>,
    /// Sent before.
    pub sent_until: Option<DateTime<Utc>>,
    /// Entries per page (1 to 1000; Infobip's default is 50).
    pub limit: Option<u32>,
    /// Cursor pagination: `Some("")` asks for the first page with a cursor, `Some(next)` for the
    /// page after [`LogsPage::next_cursor`].
    pub cursor: Option<String>,
}

impl LogsQuery {
    /// An empty query (the latest logs).
    pub fn new() -> Self {
        LogsQuery::default()
    }
    /// Adds a message id.
    #[must_use]
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_ids.push(id.into());
        self
    }
    /// Adds a bulk id.
    #[must_use]
    pub fn bulk_id(mut self, id: impl Into<String>) -> Self {
        self.bulk_ids.push(id.into());
        self
    }
    /// Sets the time range.
    #[must_use]
    pub fn sent_between(mut self, since: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.sent_since = Some(since);
        self.sent_until = Some(until);
        self
    }
    /// Sets the page size.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Uses cursor pagination from `cursor` (`""` for the first page).
    #[must_use]
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
}

/// One page of logs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LogsPage {
    /// The entries, as delivery reports.
    pub reports: Vec<DeliveryReport>,
    /// The cursor of the next page, when cursor pagination was asked for and more remain.
    pub next_cursor: Option<String>,
    /// Entries that could not be read (the others are in `reports`).
    pub skipped: Vec<SkippedEntry>,
}

/// What a pull of reports or inbound messages handed out: Infobip hands each out **once**, so an
/// entry bramka cannot read is not dropped silently with the page: the others are in `items`,
/// the odd one in `skipped` with its raw text (and logged as a warning).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Pulled<T> {
    /// The entries read.
    pub items: Vec<T>,
    /// The entries that could not be read.
    pub skipped: Vec<SkippedEntry>,
}

/// An entry of a pulled page that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedEntry {
    /// Its position in the page's `results` (from 0).
    pub index: usize,
    /// Why it could not be read.
    pub reason: String,
    /// The entry as Infobip sent it (JSON), with the API key removed should it be echoed.
    pub raw: String,
}

/// Decodes `entries` one by one with `convert`: the good ones are kept, each bad one becomes a
/// [`SkippedEntry`] (scrubbed) and a warning naming the endpoint.
pub(crate) fn decode_each<W: DeserializeOwned, T>(
    endpoint: &str,
    entries: Vec<serde_json::Value>,
    scrub: &Scrubber,
    convert: impl Fn(W) -> Result<T, String>,
) -> (Vec<T>, Vec<SkippedEntry>) {
    let mut items = Vec::with_capacity(entries.len());
    let mut skipped = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let decoded = W::deserialize(&entry).map_err(|e| e.to_string()).and_then(&convert);
        match decoded {
            Ok(item) => items.push(item),
            Err(reason) => {
                let (reason, raw) = (scrub.scrub(&reason), scrub.scrub(&entry.to_string()));
                tracing::warn!(gateway = GATEWAY, endpoint, index, %reason, %raw, "skipped an unreadable entry");
                skipped.push(SkippedEntry { index, reason, raw });
            }
        }
    }
    (items, skipped)
}

/// What to ask `GET /sms/3/reports` for. **Each report is handed out once**: a report read here
/// is not pushed to a webhook or returned again.
///
/// ```
/// use bramka_infobip::ReportsQuery;
///
/// // The reports of one bulk (the batch id of a send report), 100 at a time.
/// let q = ReportsQuery::new().bulk_id("order1234").limit(100);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportsQuery {
    /// Only this bulk.
    pub bulk_id: Option<String>,
    /// Only this message.
    pub message_id: Option<String>,
    /// At most this many (1 to 1000; Infobip's default is 50).
    pub limit: Option<u32>,
}

impl ReportsQuery {
    /// Any reports.
    pub fn new() -> Self {
        ReportsQuery::default()
    }
    /// Only this bulk.
    #[must_use]
    pub fn bulk_id(mut self, id: impl Into<String>) -> Self {
        self.bulk_id = Some(id.into());
        self
    }
    /// Only this message.
    #[must_use]
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }
    /// At most this many.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// A report item (DLR v2 or v3, pulled report or log entry) as a core [`DeliveryReport`];
/// `Err` when it has no `messageId` (nothing to attach it to).
pub(crate) fn delivery_report(item: ReportItem) -> Result<DeliveryReport, String> {
    let message_id = item.message_id.filter(|m| !m.is_empty()).ok_or("a report without messageId")?;
    // Every field is optional in the spec: a report without a status is kept, its state unknown.
    let status = item.status.unwrap_or_default();
    let error_id = item.error.as_ref().and_then(|e| e.id);
    let state = delivery_state(status.id.unwrap_or(-1), status.group(), error_id);
    let raw_status = status
        .name
        .clone()
        .or_else(|| status.group_name.clone())
        .or_else(|| status.id.map(|i| i.to_string()))
        .unwrap_or_default();
    let mut r = DeliveryReport::new(GATEWAY, message_id, state, raw_status);
    r.to = item.to.as_deref().and_then(|t| PhoneNumber::parse(t).ok());
    r.client_ref = item.callback_data.clone();
    r.batch_id = item.bulk_id;
    r.at = item.done_at.or(item.sent_at);
    r.parts = count(item.message_count);
    r.price = item.price.and_then(|p| Some(Price::new(p.price_per_message?, p.currency?)));
    let raw = &mut r.raw;
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            raw.insert(k.to_owned(), v);
        }
    };
    put("status_id", status.id.map(|i| i.to_string()));
    put("status_group", status.group_name);
    put("status_description", status.description);
    if let Some(e) = item.error {
        // Fill what the report leaves out from the documented error table.
        let known = e.id.and_then(error_row);
        let name = e.name.clone().or_else(|| known.map(|k| k.name.to_owned()));
        put("error_group", e.group_name.or_else(|| known.map(|k| k.group.to_owned())));
        put("error_name", name.clone());
        put("error_permanent", e.permanent.or(known.map(|k| k.permanent)).map(|p| p.to_string()));
        if e.id.is_some_and(|i| i != 0) {
            r.error_code = e.id.map(|i| i.to_string());
            r.error_message = e.description.or(name);
        }
    }
    let raw = &mut r.raw;
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            raw.insert(k.to_owned(), v);
        }
    };
    put("sender", item.sender);
    put("to", item.to);
    put("mcc_mnc", item.mcc_mnc);
    put("callback_data", item.callback_data);
    put("sent_at", item.sent_at.map(crate::datetime::format));
    let (entity, application) = match item.platform {
        Some(p) => (p.entity_id.or(item.entity_id), p.application_id.or(item.application_id)),
        None => (item.entity_id, item.application_id),
    };
    put("entity_id", entity);
    put("application_id", application);
    put("campaign_reference_id", item.campaign_reference_id);
    Ok(r)
}

/// An inbound item (`MO_JSON_2`) as a core [`InboundMessage`]; `Err` names what is missing.
pub(crate) fn inbound_message(item: InboundItem, now: DateTime<Utc>) -> Result<InboundMessage, String> {
    let id = item.message_id.filter(|m| !m.is_empty()).ok_or("an inbound message without messageId")?;
    let from = item.from.ok_or_else(|| format!("inbound message {id} has no from"))?;
    let to = item.to.ok_or_else(|| format!("inbound message {id} has no to"))?;
    let text = item.text.unwrap_or_default();
    let mut m = InboundMessage::new(GATEWAY, id, &from, &to, text, item.received_at.unwrap_or(now));
    m.parts = count(item.sms_count);
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.raw.insert(k.to_owned(), v);
        }
    };
    put("keyword", item.keyword);
    put("clean_text", item.clean_text);
    put("callback_data", item.callback_data);
    put("price", item.price.as_ref().and_then(|p| p.price_per_message).map(|p| p.to_string()));
    put("currency", item.price.and_then(|p| p.currency));
    put("entity_id", item.entity_id);
    put("application_id", item.application_id);
    put("campaign_reference_id", item.campaign_reference_id);
    Ok(m)
}
