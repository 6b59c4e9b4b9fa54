//! Infobip's JSON bodies (private). Field names follow the official OpenAPI spec 3.210.0
//! (`tests/fixtures/openapi/`). Requests skip absent fields; responses ignore unknown fields
//! and make everything optional that the spec does not require.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::datetime::serde_utc;

// ---------------------------------------------------------------- send: POST /sms/3/messages

/// `SmsRequestEnvelope`.
#[derive(Debug, Serialize)]
pub(crate) struct SendRequest {
    pub messages: Vec<SmsMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<RequestOptions>,
}

/// `SmsMessage`.
#[derive(Debug, Serialize)]
pub(crate) struct SmsMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    pub destinations: Vec<Destination>,
    pub content: TextContent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<MessageOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<Webhooks>,
}

/// `SmsToDestination`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Destination {
    pub to: String,
    pub message_id: String,
}

/// `SmsTextMessageContent`.
#[derive(Debug, Serialize)]
pub(crate) struct TextContent {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transliteration: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

/// `SmsLanguage`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Language {
    pub language_code: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub single_shift: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub locking_shift: bool,
}

/// `SmsMessageOptions`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_period: Option<ValidityPeriod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flash: Option<bool>,
}

impl MessageOptions {
    pub(crate) fn is_empty(&self) -> bool {
        self.validity_period.is_none() && self.campaign_reference_id.is_none() && self.flash.is_none()
    }
}

/// `ValidityPeriod`: always sent in minutes.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ValidityPeriod {
    pub amount: u32,
    pub time_unit: &'static str,
}

/// `Webhooks`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Webhooks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryWebhook>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
}

/// `MessageDeliveryReporting`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryWebhook {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intermediate_report: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
}

/// `SmsMessageRequestOptions`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestOptions {
    pub schedule: Schedule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<UrlOptions>,
    pub include_sms_count_in_response: bool,
}

/// `UrlOptions`: Infobip's link shortening (clicks are not tracked unless asked for).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UrlOptions {
    pub shorten_url: bool,
    pub track_clicks: bool,
}

/// `RequestSchedulingSettings`: carries the bulk id even for immediate sends.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Schedule {
    pub bulk_id: String,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_opt_utc")]
    pub send_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sending_speed_limit: Option<SpeedLimitWire>,
}

fn serialize_opt_utc<S: serde::Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(at) => serde_utc::serialize(at, s),
        None => s.serialize_none(),
    }
}

/// `SendingSpeedLimit`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SpeedLimitWire {
    pub amount: u32,
    pub time_unit: &'static str,
}

/// `SmsResponseEnvelope`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendResponse {
    pub bulk_id: Option<String>,
    #[serde(default)]
    pub messages: Vec<SendResponseItem>,
}

/// One destination of a send response (v3 `destination` + `details.messageCount`; the v2
/// spellings `to` / `smsCount` are accepted too).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendResponseItem {
    pub message_id: Option<String>,
    pub status: Option<Status>,
    #[serde(alias = "to")]
    pub destination: Option<String>,
    pub details: Option<SendDetails>,
    pub sms_count: Option<i32>,
}

/// `details` of a send response item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendDetails {
    pub message_count: Option<i32>,
}

// ---------------------------------------------------------------- shared status objects

/// Status object (`status` of a response or report).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status {
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub id: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
}

impl Status {
    /// The status group: `groupId`, else the group `groupName` names (the spec makes both
    /// optional, and a `REJECTED` without its id is still a rejection); -1 when neither says.
    pub(crate) fn group(&self) -> i64 {
        self.group_id.or_else(|| self.group_name.as_deref().and_then(group_of_name)).unwrap_or(-1)
    }
}

/// The id of a status group name (Infobip's status groups: 0 ACCEPTED, 1 PENDING, 2 UNDELIVERABLE,
/// 3 DELIVERED, 4 EXPIRED, 5 REJECTED).
fn group_of_name(name: &str) -> Option<i64> {
    let groups = ["ACCEPTED", "PENDING", "UNDELIVERABLE", "DELIVERED", "EXPIRED", "REJECTED"];
    groups.iter().position(|g| g.eq_ignore_ascii_case(name.trim())).map(|i| i as i64)
}

/// A count the spec declares `int32`: `None` unless it is a possible count (not negative).
pub(crate) fn count(value: Option<i32>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

/// Error object (`error` of a report).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorObject {
    pub group_name: Option<String>,
    pub id: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub permanent: Option<bool>,
}

/// `{pricePerMessage, currency}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PriceWire {
    pub price_per_message: Option<f64>,
    pub currency: Option<String>,
}

/// `{entityId, applicationId}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlatformWire {
    pub entity_id: Option<String>,
    pub application_id: Option<String>,
}

// ---------------------------------------------------------------- reports, logs, DLR webhooks

/// `{"results": [...]}` of reports and logs; `cursor` only in logs. The entries stay raw JSON
/// and are decoded one by one: one odd entry must not lose the others (reports are handed out
/// once).
#[derive(Debug, Deserialize)]
pub(crate) struct ReportsEnvelope {
    #[serde(default)]
    pub results: Vec<serde_json::Value>,
    pub cursor: Option<Cursor>,
}

/// Logs cursor.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cursor {
    pub next_cursor: Option<String>,
}

/// One delivery report or log entry: v3 (`sender`, `messageCount`, `platform{}`, logs'
/// `destination`) and v2 (`from`, `smsCount`, flat `entityId`/`applicationId`) in one struct.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportItem {
    pub bulk_id: Option<String>,
    pub message_id: Option<String>,
    #[serde(alias = "destination")]
    pub to: Option<String>,
    #[serde(alias = "from")]
    pub sender: Option<String>,
    #[serde(default, with = "serde_utc::option")]
    pub sent_at: Option<DateTime<Utc>>,
    #[serde(default, with = "serde_utc::option")]
    pub done_at: Option<DateTime<Utc>>,
    #[serde(alias = "smsCount")]
    pub message_count: Option<i32>,
    pub mcc_mnc: Option<String>,
    pub callback_data: Option<String>,
    pub price: Option<PriceWire>,
    pub status: Option<Status>,
    pub error: Option<ErrorObject>,
    pub platform: Option<PlatformWire>,
    pub entity_id: Option<String>,
    pub application_id: Option<String>,
    pub campaign_reference_id: Option<String>,
}

// ---------------------------------------------------------------- inbound (MO_JSON_2)

/// `GET /sms/1/inbox/reports` body; entries decoded one by one, as in [`ReportsEnvelope`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundEnvelope {
    #[serde(default)]
    pub results: Vec<serde_json::Value>,
}

/// One inbound message.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundItem {
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub text: Option<String>,
    pub clean_text: Option<String>,
    pub keyword: Option<String>,
    #[serde(default, with = "serde_utc::option")]
    pub received_at: Option<DateTime<Utc>>,
    pub sms_count: Option<i32>,
    pub price: Option<PriceWire>,
    pub callback_data: Option<String>,
    pub application_id: Option<String>,
    pub entity_id: Option<String>,
    pub campaign_reference_id: Option<String>,
}

// ---------------------------------------------------------------- bulks: /sms/1/bulks

/// `BulkRequest`: the new send time (required in the spec).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkScheduleRequest {
    #[serde(serialize_with = "serde_utc::serialize")]
    pub send_at: DateTime<Utc>,
}

/// `BulkResponse`: both fields optional in the spec.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkScheduleWire {
    pub bulk_id: Option<String>,
    #[serde(default, with = "serde_utc::option")]
    pub send_at: Option<DateTime<Utc>>,
}

/// `UpdateStatusRequest`: the status asked for (required in the spec).
#[derive(Debug, Serialize)]
pub(crate) struct BulkStatusRequest {
    pub status: String,
}

/// `BulkStatusResponse`: both fields optional in the spec.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkStatusWire {
    #[allow(dead_code)]
    pub bulk_id: Option<String>,
    pub status: Option<String>,
}

// ---------------------------------------------------------------- balance

/// `GET /account/1/balance`: both fields optional in the spec.
#[derive(Debug, Deserialize)]
pub(crate) struct BalanceWire {
    pub balance: Option<f64>,
    pub currency: Option<String>,
}

// ---------------------------------------------------------------- errors (API error bodies)

/// New `ApiError` shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiError {
    pub error_code: Option<String>,
    pub description: Option<String>,
    pub action: Option<String>,
    #[serde(default)]
    pub violations: Vec<Violation>,
}

/// One violation.
#[derive(Debug, Deserialize)]
pub(crate) struct Violation {
    pub property: Option<String>,
    pub violation: Option<String>,
}

/// Legacy `{"requestError":{"serviceException":{...}}}` shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LegacyApiError {
    pub request_error: Option<LegacyRequestError>,
}

/// `requestError`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LegacyRequestError {
    pub service_exception: Option<ServiceException>,
}

/// `serviceException`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceException {
    pub message_id: Option<String>,
    pub text: Option<String>,
    pub validation_errors: Option<BTreeMap<String, Vec<String>>>,
}
