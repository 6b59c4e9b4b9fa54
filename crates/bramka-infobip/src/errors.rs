//! Infobip's answers mapped to the core model, in one place:
//!
//! * [`STATUSES`]: message status ids (send responses, delivery reports, logs) to a
//!   [`DeliveryState`] and, for rejections, an [`ErrorKind`];
//! * [`status_group_state`]: the fallback by status group for ids not in the table;
//! * [`http_error`]: an HTTP error response (both body shapes) to an [`Error`], classified by
//!   HTTP status.
//!
//! Evidence: Infobip's status and error tables (its "Response status and error codes" page) and
//! its error bodies and HTTP classification. The mapping of statuses to core states is **our
//! design** (an assumption, not documented by Infobip); the id 23 rule and the id 4100 (canceled) rule are inferred from the code names.

use bramka_core::error::ErrorRow;
use bramka_core::http::{certainty_for_status, kind_for_status};
use bramka_core::{Certainty, DeliveryState, Error, ErrorKind};

use crate::wire::{ApiError, LegacyApiError};

/// The gateway id, used in every error.
pub(crate) const GATEWAY: &str = "infobip";

/// Status id 23 `REJECTED_DUPLICATE_MESSAGE_ID`: the client `messageId` was already used, so the
/// message went out on an earlier attempt (Infobip's response status table).
pub(crate) const DUPLICATE_MESSAGE_ID: i64 = 23;

/// Error id 4100 `EC_MESSAGE_CANCELED` (error group `USER_ERRORS`): a final report with this error
/// is reported as [`DeliveryState::Canceled`]. Inferred from the name (Infobip's error code table).
pub(crate) const ERROR_MESSAGE_CANCELED: i64 = 4100;

/// An answer without a field the spec marks optional but the call needs to give its result (a
/// bulk's `sendAt` when reading its schedule, a bulk's `status`, the `balance` and `currency` of
/// the balance). Converts to [`ErrorKind::Decode`]: certainly without effect for a read,
/// [`Certainty::MaybeSent`] when the change asked for before it may have been made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Infobip's answer to {call} has no `{field}` (optional in Infobip's API, but needed here){}",
    if *after_change { "; the change asked for may have been made: read the bulk's status again" } else { "" }
)]
#[non_exhaustive]
pub struct IncompleteAnswer {
    /// The call (`"GET /account/1/balance"`).
    pub call: &'static str,
    /// The missing field, as Infobip spells it (`"sendAt"`).
    pub field: &'static str,
    /// Whether a change request was made before (the change may have taken effect).
    pub after_change: bool,
}

impl IncompleteAnswer {
    pub(crate) fn read(call: &'static str, field: &'static str) -> Self {
        IncompleteAnswer { call, field, after_change: false }
    }
}

impl From<IncompleteAnswer> for Error {
    fn from(e: IncompleteAnswer) -> Self {
        let certainty = if e.after_change { Certainty::MaybeSent } else { Certainty::NotSent };
        Error::new(ErrorKind::Decode, certainty, e.to_string()).with_gateway(GATEWAY).with_source(e)
    }
}

/// One known Infobip status.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatusRow {
    /// Status id.
    pub id: i64,
    /// Status name.
    pub name: &'static str,
    /// Status group id.
    pub group: i64,
    /// The core state.
    pub state: DeliveryState,
}

const fn row(id: i64, name: &'static str, group: i64, state: DeliveryState) -> StatusRow {
    StatusRow { id, name, group, state }
}

use DeliveryState as D;
use ErrorKind as K;

/// Every status id of Infobip's response status table. The kind of a send-time rejection is in
/// [`REJECTIONS`]; id 23 is handled as "already accepted", never as a rejection.
pub(crate) const STATUSES: &[StatusRow] = &[
    row(0, "MESSAGE_ACCEPTED", 0, D::Pending),
    row(26, "PENDING_ACCEPTED", 1, D::Pending),
    row(7, "PENDING_ENROUTE", 1, D::Sent),
    row(3, "PENDING_WAITING_DELIVERY", 1, D::Sent),
    row(2, "DELIVERED_TO_OPERATOR", 3, D::Sent),
    row(5, "DELIVERED_TO_HANDSET", 3, D::Delivered),
    row(4, "UNDELIVERABLE_REJECTED_OPERATOR", 2, D::Undelivered),
    row(9, "UNDELIVERABLE_NOT_DELIVERED", 2, D::Undelivered),
    row(31, "UNDELIVERABLE_NOT_SENT", 2, D::Undelivered),
    row(15, "EXPIRED_EXPIRED", 4, D::Expired),
    row(29, "EXPIRED_DLR_UNKNOWN", 4, D::Expired),
    row(6, "REJECTED_NETWORK", 5, D::Rejected),
    row(8, "REJECTED_PREFIX_MISSING", 5, D::Rejected),
    row(10, "REJECTED_DND", 5, D::Rejected),
    row(11, "REJECTED_SOURCE", 5, D::Rejected),
    row(12, "REJECTED_NOT_ENOUGH_CREDITS", 5, D::Rejected),
    row(13, "REJECTED_SENDER", 5, D::Rejected),
    row(14, "REJECTED_DESTINATION_BLOCKLISTED", 5, D::Rejected),
    row(17, "REJECTED_PREPAID_PACKAGE_EXPIRED", 5, D::Rejected),
    row(18, "REJECTED_DESTINATION_NOT_REGISTERED", 5, D::Rejected),
    row(19, "REJECTED_ROUTE_NOT_AVAILABLE", 5, D::Rejected),
    row(20, "REJECTED_FLOODING_FILTER", 5, D::Rejected),
    row(21, "REJECTED_SYSTEM_ERROR", 5, D::Rejected),
    // A report with status 23 is about a *duplicate submission* under the same messageId: it
    // says nothing about the original message, which keeps its own reports. `Unknown` (not
    // final) so it never overrides the original's state; at send time it is "already accepted".
    row(DUPLICATE_MESSAGE_ID, "REJECTED_DUPLICATE_MESSAGE_ID", 5, D::Unknown),
    row(24, "REJECTED_INVALID_UDH", 5, D::Rejected),
    row(25, "REJECTED_MESSAGE_TOO_LONG", 5, D::Rejected),
    row(51, "MISSING_TO", 5, D::Rejected),
    row(52, "REJECTED_DESTINATION", 5, D::Rejected),
    row(87, "SIGNALS_BLOCKED", 5, D::Rejected),
    row(100, "UNDELIVERABLE_REJECTED_PLATFORM", 5, D::Rejected),
];

use Certainty::{MaybeSent, NotSent};

/// A recipient rejected in a send response (status group 5): status id -> kind. Infobip did not
/// accept the message for that recipient, so each is [`Certainty::NotSent`]. Evidence: the status
/// name in Infobip's status table; the kind is our reading of the name.
pub(crate) const REJECTIONS: &[ErrorRow] = &[
    ErrorRow::new("6", K::InvalidRecipient, NotSent, "REJECTED_NETWORK"),
    ErrorRow::new("8", K::InvalidRecipient, NotSent, "REJECTED_PREFIX_MISSING"),
    ErrorRow::new("10", K::InvalidRecipient, NotSent, "REJECTED_DND"),
    ErrorRow::new("11", K::InvalidSender, NotSent, "REJECTED_SOURCE"),
    ErrorRow::new("12", K::InsufficientFunds, NotSent, "REJECTED_NOT_ENOUGH_CREDITS"),
    ErrorRow::new("13", K::InvalidSender, NotSent, "REJECTED_SENDER"),
    ErrorRow::new("14", K::InvalidRecipient, NotSent, "REJECTED_DESTINATION_BLOCKLISTED"),
    ErrorRow::new("17", K::InsufficientFunds, NotSent, "REJECTED_PREPAID_PACKAGE_EXPIRED"),
    ErrorRow::new("18", K::InvalidRecipient, NotSent, "REJECTED_DESTINATION_NOT_REGISTERED"),
    ErrorRow::new("19", K::InvalidRecipient, NotSent, "REJECTED_ROUTE_NOT_AVAILABLE"),
    ErrorRow::new("20", K::RateLimited, NotSent, "REJECTED_FLOODING_FILTER"),
    ErrorRow::new("21", K::Unavailable, NotSent, "REJECTED_SYSTEM_ERROR"),
    ErrorRow::new("24", K::ContentRejected, NotSent, "REJECTED_INVALID_UDH"),
    ErrorRow::new("25", K::ContentRejected, NotSent, "REJECTED_MESSAGE_TOO_LONG"),
    ErrorRow::new("51", K::InvalidRecipient, NotSent, "MISSING_TO"),
    ErrorRow::new("52", K::InvalidRecipient, NotSent, "REJECTED_DESTINATION"),
    ErrorRow::new("87", K::ContentRejected, NotSent, "SIGNALS_BLOCKED"),
    ErrorRow::new("100", K::Unavailable, NotSent, "UNDELIVERABLE_REJECTED_PLATFORM"),
];

/// HTTP statuses of a failed request that sends (other operations: see [`http_error`]).
/// Classified by status, not by the body's code (an official SDK test shows a legacy 403 whose
/// id is `UNAUTHORIZED`). Evidence: Infobip's error-body documentation and SDK tests.
pub(crate) const HTTP_STATUSES: &[ErrorRow] = &[
    ErrorRow::new("400", K::Other, NotSent, "bad request; refined by the property paths named"),
    ErrorRow::new("401", K::Auth, NotSent, "UNAUTHORIZED / E401"),
    ErrorRow::new("403", K::Auth, NotSent, "FORBIDDEN / E403"),
    ErrorRow::new("404", K::NotFound, NotSent, "NOT_FOUND"),
    ErrorRow::new("429", K::RateLimited, NotSent, "TOO_MANY_REQUESTS / E429: not processed"),
    ErrorRow::new("500", K::Unavailable, MaybeSent, "GENERAL_ERROR / E500: may have been processed"),
    ErrorRow::new("502", K::Unavailable, MaybeSent, "[inferred] as 500"),
    ErrorRow::new("503", K::Unavailable, MaybeSent, "[inferred] as 500"),
    ErrorRow::new("504", K::Unavailable, MaybeSent, "[inferred] as 500"),
];

/// The known row for a status id.
pub(crate) fn status_row(id: i64) -> Option<&'static StatusRow> {
    STATUSES.iter().find(|r| r.id == id)
}

/// The state of a status group, for ids the table does not know (Infobip's status groups: 0 ACCEPTED,
/// 1 PENDING, 2 UNDELIVERABLE, 3 DELIVERED, 4 EXPIRED, 5 REJECTED). Unknown ids of group 3 are
/// reported as `Sent`, not `Delivered`: only id 5 is a confirmed handset delivery.
pub(crate) fn status_group_state(group: i64) -> DeliveryState {
    match group {
        0 | 1 => D::Pending,
        2 => D::Undelivered,
        3 => D::Sent,
        4 => D::Expired,
        5 => D::Rejected,
        _ => D::Unknown,
    }
}

/// The core state of a status (id first, then group), with the error id of the report, if any.
pub(crate) fn delivery_state(status_id: i64, group: i64, error_id: Option<i64>) -> DeliveryState {
    // The row applies when its group matches (or the group is missing): id 87 is listed in
    // two groups, and an unexpected pair is better judged by its group.
    let state = status_row(status_id)
        .filter(|r| r.group == group || group < 0)
        .map(|r| r.state)
        .unwrap_or_else(|| status_group_state(group));
    if state.is_final() && error_id == Some(ERROR_MESSAGE_CANCELED) { D::Canceled } else { state }
}

/// The error kind of a send-time rejection (group 5 or any final failure in a send response).
pub(crate) fn rejection_kind(status_id: i64) -> ErrorKind {
    ErrorRow::find(REJECTIONS, &status_id.to_string()).map_or(K::Other, |r| r.kind)
}

/// One known error of a delivery report's `error` object (Infobip's error code table).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DlrError {
    /// Error id.
    pub id: i64,
    /// Error name.
    pub name: &'static str,
    /// Error group name.
    pub group: &'static str,
    /// Whether re-sending to the number is pointless.
    pub permanent: bool,
}

const fn err(id: i64, name: &'static str, group: &'static str, permanent: bool) -> DlrError {
    DlrError { id, name, group, permanent }
}

/// The error ids of Infobip's error code table, used to fill in the name, group and `permanent`
/// flag when a report leaves them out. Id 4100 also turns a final state into
/// [`DeliveryState::Canceled`] (see [`delivery_state`]). `EC_INVALID_DESTINATION_ADDRESS` has
/// no documented `permanent` flag; it is taken as permanent (an invalid number stays invalid).
pub(crate) const ERRORS: &[DlrError] = &[
    err(0, "NO_ERROR", "OK", false),
    err(1, "EC_UNKNOWN_SUBSCRIBER", "HANDSET_ERRORS", true),
    err(6, "EC_ABSENT_SUBSCRIBER_SM", "HANDSET_ERRORS", false),
    err(27, "EC_ABSENT_SUBSCRIBER", "HANDSET_ERRORS", false),
    err(13, "EC_CALL_BARRED", "HANDSET_ERRORS", false),
    err(256, "EC_SM_DF_MEMORYCAPACITYEXCEEDED", "HANDSET_ERRORS", false),
    err(581, "EC_USER_OUT_OF_CREDIT", "HANDSET_ERRORS", false),
    err(629, "EC_DEST_ADDRESS_UNABLE_TO_RECEIVE_SMS", "HANDSET_ERRORS", true),
    err(351, "EC_INVALID_DESTINATION_ADDRESS", "USER_ERRORS", true),
    err(355, "EC_MSG_TEXT_TOO_LONG", "USER_ERRORS", true),
    err(368, "EC_INVALID_SOURCE_ADDRESS", "USER_ERRORS", true),
    err(603, "EC_CONTENT_BLOCKED", "USER_ERRORS", true),
    err(ERROR_MESSAGE_CANCELED, "EC_MESSAGE_CANCELED", "USER_ERRORS", true),
    err(4101, "EC_VALIDITY_EXPIRED", "USER_ERRORS", true),
    err(4103, "EC_DESTINATION_FLOODING", "USER_ERRORS", true),
    err(2048, "EC_TIME_OUT", "OPERATOR_ERRORS", false),
    err(4098, "EC_VP_EXPIRED", "OPERATOR_ERRORS", false),
    err(5492, "EC_DUPLICATE_MESSAGE", "OPERATOR_ERRORS", true),
    err(632, "EC_SMS_REJECTED_BY_MOBILE_OPERATOR", "OPERATOR_ERRORS", true),
];

/// The known row for an error id.
pub(crate) fn error_row(id: i64) -> Option<&'static DlrError> {
    ERRORS.iter().find(|r| r.id == id)
}

/// Which operation failed: the certainty of a 5xx depends on whether it could change state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `POST /sms/3/messages`.
    Send,
    /// `PUT /sms/1/bulks` or `/sms/1/bulks/status`: may have been applied on a 5xx.
    Change,
    /// A read (`GET`): nothing can have been sent.
    Read,
}

/// Maps an HTTP error response to an [`Error`].
///
/// Classified by HTTP status, never by the body's code (the official C# SDK
/// tests show a legacy 403 whose id is `UNAUTHORIZED`): 400/401/403/404 are not retryable and
/// certainly not sent; 429 is transient and not sent, with `Retry-After` when present; 5xx (and
/// other non-4xx codes) are transient and may have been sent when the operation changes state.
/// The body (either shape) supplies the code and the message.
pub(crate) fn http_error(op: Op, status: u16, retry_after: Option<std::time::Duration>, body: &str) -> Error {
    let (code, text) = describe_body(body);
    let row = ErrorRow::find(HTTP_STATUSES, &status.to_string());
    let kind = match (op, status) {
        // A refused status change of a bulk means "not changeable in its state" (Infobip's bulk
        // status endpoint answers 400 for that).
        (Op::Change, 400) => K::InvalidState,
        (_, 400) => refine_400(&text),
        (_, s) => row.map_or_else(|| kind_for_status(s), |r| r.kind),
    };
    let certainty = match op {
        Op::Read => Certainty::NotSent,
        Op::Send | Op::Change => row.map_or_else(|| certainty_for_status(status), |r| r.certainty),
    };
    let mut e = Error::new(kind, certainty, text).with_gateway(GATEWAY).with_http_status(status);
    if let Some(c) = code {
        e = e.with_code(c);
    }
    if let Some(d) = retry_after {
        e = e.with_retry_after(d);
    }
    e
}

/// A 400's kind from the property paths it names: recipients, sender or content.
fn refine_400(text: &str) -> ErrorKind {
    let t = text.to_ascii_lowercase();
    if t.contains("destinations") || t.contains(".to ") || t.contains(".to:") || t.contains(".to]") {
        K::InvalidRecipient
    } else if t.contains(".sender") || t.contains(".from") {
        K::InvalidSender
    } else if t.contains(".content") || t.contains(".text") {
        K::ContentRejected
    } else {
        K::Other
    }
}

/// The code and a readable message from either error body shape; an unknown body is quoted
/// (at most 300 characters).
pub(crate) fn describe_body(body: &str) -> (Option<String>, String) {
    if let Ok(e) = serde_json::from_str::<ApiError>(body)
        && (e.error_code.is_some() || e.description.is_some())
    {
        let mut text = e.description.unwrap_or_else(|| "no description".to_owned());
        let v: Vec<String> = e
            .violations
            .iter()
            .map(|v| {
                format!("{}: {}", v.property.as_deref().unwrap_or("?"), v.violation.as_deref().unwrap_or("?"))
            })
            .collect();
        if !v.is_empty() {
            text = format!("{text} [{}]", v.join("; "));
        }
        if let Some(a) = e.action.filter(|a| !a.is_empty()) {
            text = format!("{text} ({a})");
        }
        return (e.error_code, text);
    }
    if let Ok(l) = serde_json::from_str::<LegacyApiError>(body)
        && let Some(se) = l.request_error.and_then(|r| r.service_exception)
    {
        let mut text = se.text.unwrap_or_else(|| "no text".to_owned());
        if let Some(ve) = se.validation_errors.filter(|m| !m.is_empty()) {
            let v: Vec<String> = ve.iter().map(|(k, msgs)| format!("{k}: {}", msgs.join(", "))).collect();
            text = format!("{text} [{}]", v.join("; "));
        }
        return (se.message_id, text);
    }
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return (None, "empty error body".to_owned());
    }
    let quoted: String = trimmed.chars().take(300).collect();
    let more = if trimmed.chars().count() > 300 { "…" } else { "" };
    (None, format!("unrecognised error body: {quoted}{more}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values written out independently of [`STATUSES`]: one line per row.
    #[test]
    fn every_status_row_maps_as_documented() {
        let expected: &[(i64, i64, DeliveryState, Option<ErrorKind>)] = &[
            (0, 0, D::Pending, None),
            (26, 1, D::Pending, None),
            (7, 1, D::Sent, None),
            (3, 1, D::Sent, None),
            (2, 3, D::Sent, None),
            (5, 3, D::Delivered, None),
            (4, 2, D::Undelivered, None),
            (9, 2, D::Undelivered, None),
            (31, 2, D::Undelivered, None),
            (15, 4, D::Expired, None),
            (29, 4, D::Expired, None),
            (6, 5, D::Rejected, Some(K::InvalidRecipient)),
            (8, 5, D::Rejected, Some(K::InvalidRecipient)),
            (10, 5, D::Rejected, Some(K::InvalidRecipient)),
            (11, 5, D::Rejected, Some(K::InvalidSender)),
            (12, 5, D::Rejected, Some(K::InsufficientFunds)),
            (13, 5, D::Rejected, Some(K::InvalidSender)),
            (14, 5, D::Rejected, Some(K::InvalidRecipient)),
            (17, 5, D::Rejected, Some(K::InsufficientFunds)),
            (18, 5, D::Rejected, Some(K::InvalidRecipient)),
            (19, 5, D::Rejected, Some(K::InvalidRecipient)),
            (20, 5, D::Rejected, Some(K::RateLimited)),
            (21, 5, D::Rejected, Some(K::Unavailable)),
            (23, 5, D::Unknown, Some(K::Other)),
            (24, 5, D::Rejected, Some(K::ContentRejected)),
            (25, 5, D::Rejected, Some(K::ContentRejected)),
            (51, 5, D::Rejected, Some(K::InvalidRecipient)),
            (52, 5, D::Rejected, Some(K::InvalidRecipient)),
            (87, 5, D::Rejected, Some(K::ContentRejected)),
            (100, 5, D::Rejected, Some(K::Unavailable)),
        ];
        assert_eq!(expected.len(), STATUSES.len(), "a row was added or removed without a test");
        for &(id, group, state, kind) in expected {
            let r = status_row(id).unwrap_or_else(|| panic!("status {id} missing"));
            assert_eq!((r.group, r.state), (group, state), "status {id} {}", r.name);
            assert_eq!(delivery_state(id, group, Some(0)), state, "status {id}");
            if group == 5 {
                assert_eq!(rejection_kind(id), kind.unwrap(), "status {id}");
            }
        }
    }

    /// Expected values written out independently of [`ERRORS`]: (id, group, permanent).
    #[test]
    fn every_error_row_as_documented() {
        let expected: &[(i64, &str, bool)] = &[
            (0, "OK", false),
            (1, "HANDSET_ERRORS", true),
            (6, "HANDSET_ERRORS", false),
            (27, "HANDSET_ERRORS", false),
            (13, "HANDSET_ERRORS", false),
            (256, "HANDSET_ERRORS", false),
            (581, "HANDSET_ERRORS", false),
            (629, "HANDSET_ERRORS", true),
            (351, "USER_ERRORS", true),
            (355, "USER_ERRORS", true),
            (368, "USER_ERRORS", true),
            (603, "USER_ERRORS", true),
            (4100, "USER_ERRORS", true),
            (4101, "USER_ERRORS", true),
            (4103, "USER_ERRORS", true),
            (2048, "OPERATOR_ERRORS", false),
            (4098, "OPERATOR_ERRORS", false),
            (5492, "OPERATOR_ERRORS", true),
            (632, "OPERATOR_ERRORS", true),
        ];
        assert_eq!(expected.len(), ERRORS.len(), "a row was added or removed without a test");
        for &(id, group, permanent) in expected {
            let r = error_row(id).unwrap_or_else(|| panic!("error {id} missing"));
            assert_eq!((r.group, r.permanent), (group, permanent), "error {id} {}", r.name);
            // Only 4100 changes the state of a final report.
            let want = if id == 4100 { D::Canceled } else { D::Undelivered };
            assert_eq!(delivery_state(9, 2, Some(id)), want, "error {id}");
        }
        assert!(error_row(9999).is_none());
    }

    /// Every HTTP row through the real mapping of an error answer.
    #[test]
    fn every_http_row_maps_as_documented() {
        bramka_core::testing::conformance::check_error_rows(HTTP_STATUSES, |code| {
            http_error(Op::Send, code.parse().unwrap(), None, "")
        });
    }

    #[test]
    fn unknown_ids_fall_back_to_their_group() {
        assert_eq!(delivery_state(999, 0, None), D::Pending);
        assert_eq!(delivery_state(999, 1, None), D::Pending);
        assert_eq!(delivery_state(999, 2, None), D::Undelivered);
        assert_eq!(delivery_state(999, 3, None), D::Sent);
        assert_eq!(delivery_state(999, 4, None), D::Expired);
        assert_eq!(delivery_state(999, 5, None), D::Rejected);
        assert_eq!(delivery_state(999, 42, None), D::Unknown);
        assert_eq!(rejection_kind(999), K::Other);
        // A known id under another group is judged by the group.
        assert_eq!(delivery_state(87, 4, None), D::Expired);
        assert_eq!(delivery_state(5, -1, None), D::Delivered);
    }

    #[test]
    fn canceled_error_on_a_final_status_is_canceled() {
        assert_eq!(delivery_state(52, 5, Some(ERROR_MESSAGE_CANCELED)), D::Canceled);
        assert_eq!(delivery_state(9, 2, Some(ERROR_MESSAGE_CANCELED)), D::Canceled);
        // Not for a pending message: only a final status can be a cancellation.
        assert_eq!(delivery_state(26, 1, Some(ERROR_MESSAGE_CANCELED)), D::Pending);
    }

    fn fixture(name: &str) -> String {
        bramka_test_support::fixture!(name)
    }

    /// One line per HTTP status and body shape: (fixture, status, kind, certainty, code).
    #[test]
    fn http_errors_classified_by_status_for_both_shapes() {
        let cases: &[(&str, u16, ErrorKind, Certainty, &str)] = &[
            ("error-v3-400.json", 400, K::Other, Certainty::NotSent, "E400"),
            ("error-v3-401.json", 401, K::Auth, Certainty::NotSent, "E401"),
            ("error-v3-403.json", 403, K::Auth, Certainty::NotSent, "E403"),
            ("error-v3-429.json", 429, K::RateLimited, Certainty::NotSent, "E429"),
            ("error-v3-500.json", 500, K::Unavailable, Certainty::MaybeSent, "E500"),
            ("error-legacy-400-validation.json", 400, K::ContentRejected, Certainty::NotSent, "BAD_REQUEST"),
            ("error-legacy-400-text.json", 400, K::InvalidRecipient, Certainty::NotSent, "BAD_REQUEST"),
            ("error-legacy-401.json", 401, K::Auth, Certainty::NotSent, "UNAUTHORIZED"),
            ("error-legacy-401-invalid-login.json", 401, K::Auth, Certainty::NotSent, "UNAUTHORIZED"),
            ("error-legacy-403.json", 403, K::Auth, Certainty::NotSent, "FORBIDDEN"),
            // Legacy 403 with id UNAUTHORIZED: the HTTP status decides.
            ("error-legacy-403-unauthorized-access.json", 403, K::Auth, Certainty::NotSent, "UNAUTHORIZED"),
            ("error-legacy-404.json", 404, K::NotFound, Certainty::NotSent, "NOT_FOUND"),
            ("error-legacy-404-bulk-not-found.json", 404, K::NotFound, Certainty::NotSent, "NOT_FOUND"),
            ("error-legacy-429.json", 429, K::RateLimited, Certainty::NotSent, "TOO_MANY_REQUESTS"),
            ("error-legacy-500.json", 500, K::Unavailable, Certainty::MaybeSent, "GENERAL_ERROR"),
            ("error-legacy-500.json", 503, K::Unavailable, Certainty::MaybeSent, "GENERAL_ERROR"),
        ];
        for &(file, status, kind, certainty, code) in cases {
            let e = http_error(Op::Send, status, None, &fixture(file));
            assert_eq!(e.kind(), kind, "{file}: {e}");
            assert_eq!(e.certainty(), certainty, "{file}: {e}");
            assert_eq!(e.operator_code(), Some(code), "{file}");
            assert_eq!(e.http_status(), Some(status));
            assert_eq!(e.gateway(), Some("infobip"));
            assert_eq!(e.is_transient(), status == 429 || status >= 500, "{file}");
        }
    }

    #[test]
    fn messages_carry_the_details_of_both_shapes() {
        let e = http_error(Op::Send, 400, None, &fixture("error-v3-400.json"));
        assert!(e.operator_message().contains("Request cannot be processed."), "{e}");
        assert!(e.operator_message().contains("property.path: Violation message."), "{e}");
        let e = http_error(Op::Send, 400, None, &fixture("error-legacy-400-validation.json"));
        assert_eq!(e.operator_message(), "Bad request [messages[0].text: invalid text]");
        let e = http_error(Op::Read, 404, None, &fixture("error-legacy-404-bulk-not-found.json"));
        assert_eq!(e.operator_message(), "Bulk not found");
    }

    #[test]
    fn retry_after_and_reads_and_changes() {
        let h = Some(std::time::Duration::from_secs(7));
        let e = http_error(Op::Send, 429, h, &fixture("error-v3-429.json"));
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
        // A failed read never sent anything; a failed change may have been applied.
        assert_eq!(http_error(Op::Read, 500, h, "").certainty(), Certainty::NotSent);
        assert_eq!(http_error(Op::Change, 500, h, "").certainty(), Certainty::MaybeSent);
        let e = http_error(Op::Change, 400, h, &fixture("error-legacy-400-text.json"));
        assert_eq!(e.kind(), K::InvalidState);
    }

    #[test]
    fn unknown_bodies_are_quoted_and_bounded() {
        let (code, text) = describe_body("<html>Bad gateway</html>");
        assert_eq!(code, None);
        assert_eq!(text, "unrecognised error body: <html>Bad gateway</html>");
        let (_, text) = describe_body(&"x".repeat(1000));
        assert_eq!(text.chars().count(), "unrecognised error body: ".len() + 300 + 1);
        assert_eq!(describe_body("  ").1, "empty error body");
    }
}
