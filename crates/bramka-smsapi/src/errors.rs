//! SMSAPI error codes (the `error` field of an answer) mapped to the core [`ErrorKind`] and
//! [`Certainty`]: one table, [`TABLE`], with a test per row.
//!
//! Source: SMSAPI's error code list (official Java client 2013 table, Java/C#/PHP client
//! classification, fixtures). Certainty rules:
//! - SMSAPI refused the request (validation, auth, funds, rate limit with "message NOT sent"):
//!   [`Certainty::NotSent`].
//! - Internal or host errors (8, 200, 201, 666, 999): [`Certainty::MaybeSent`]. SMSAPI does not say
//!   nothing went out; the request carries `idx` + `check_idx=1`, so a retry is still safe.
//! - Unknown codes: [`ErrorKind::Other`] with the raw code and [`Certainty::MaybeSent`] (fail closed:
//!   an unknown code is no proof that nothing was sent).
//!
//! Code 53 (duplicate `idx` with `check_idx=1`) is not an error for a send: the gateway reports the
//! recipients as [`bramka_core::SendState::AlreadyAccepted`]. Its row only applies elsewhere.

use std::time::Duration;

use bramka_core::{Certainty, Error, ErrorKind};

use crate::gateway::GATEWAY_ID;

/// Non-unique `idx` with `check_idx=1`: a message with this key was already accepted.
pub(crate) const DUPLICATE_IDX: u32 = 53;

/// One row of the table: a code or an inclusive range of codes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// First code of the row.
    pub(crate) from: u32,
    /// Last code of the row (equal to `from` for a single code).
    pub(crate) to: u32,
    /// The core kind.
    pub(crate) kind: ErrorKind,
    /// Whether the message may have gone out.
    pub(crate) certainty: Certainty,
    /// How long to wait before trying again, when SMSAPI documents it.
    pub(crate) retry_after_secs: Option<u64>,
    /// What SMSAPI means by it (English).
    pub(crate) meaning: &'static str,
}

const fn row(
    from: u32,
    to: u32,
    kind: ErrorKind,
    certainty: Certainty,
    retry_after_secs: Option<u64>,
    meaning: &'static str,
) -> Row {
    Row { from, to, kind, certainty, retry_after_secs, meaning }
}

use Certainty::{MaybeSent, NotSent};
use ErrorKind::*;

/// SMSAPI code -> kind and certainty. Ranges are inclusive; rows do not overlap.
#[rustfmt::skip]
pub(crate) const TABLE: &[Row] = &[
    row(8, 8, Unavailable, MaybeSent, None, "error in the request (SMSAPI asks to report it); official clients treat it as a host error"),
    row(11, 11, ContentRejected, NotSent, None, "message too long or empty, or special characters with nounicode=1"),
    row(12, 12, ContentRejected, NotSent, None, "message has more parts than max_parts"),
    row(13, 13, InvalidRecipient, NotSent, None, "no valid recipient numbers (invalid or blacklisted)"),
    row(14, 14, InvalidSender, NotSent, None, "invalid sender name"),
    row(17, 17, ContentRejected, NotSent, None, "a flash message cannot contain special characters"),
    row(18, 18, Other, NotSent, None, "invalid number of parameters"),
    row(19, 19, Other, NotSent, None, "too many messages in one request (lower batch_size)"),
    row(20, 20, Other, NotSent, None, "invalid number of idx values"),
    row(21, 24, ContentRejected, NotSent, None, "MMS/VMS content error (size, SMIL, file download or format)"),
    row(25, 25, Other, NotSent, None, "normalize and datacoding used together"),
    row(26, 26, ContentRejected, NotSent, None, "MMS subject too long"),
    row(30, 30, ContentRejected, NotSent, None, "binary message without UDH"),
    row(31, 31, ContentRejected, NotSent, None, "text-to-speech conversion error"),
    row(32, 32, InvalidRecipient, NotSent, None, "foreign numbers not allowed for this message type or account"),
    row(33, 33, InvalidRecipient, NotSent, None, "no valid numbers for this route or message type"),
    row(36, 36, ContentRejected, NotSent, None, "binary message with footer not allowed"),
    row(40, 40, InvalidRecipient, NotSent, None, "no contacts group with that name"),
    row(41, 41, InvalidRecipient, NotSent, None, "contacts group is empty"),
    row(50, 50, Message, NotSent, None, "scheduled more than 3 months ahead"),
    row(51, 51, Message, NotSent, None, "wrong send hour for this message type"),
    row(52, 52, RateLimited, NotSent, Some(60), "too many attempts to one number (max 10 within 60 s)"),
    row(53, 53, InvalidState, NotSent, None, "duplicate idx with check_idx=1: already accepted"),
    row(54, 54, Message, NotSent, None, "wrong date format"),
    row(55, 55, InvalidRecipient, NotSent, None, "no landline numbers"),
    row(56, 56, Message, NotSent, None, "expiration date outside the allowed window"),
    row(101, 101, Auth, NotSent, None, "missing or invalid authorisation (also: token of the other platform, .pl vs .com)"),
    row(102, 102, Auth, NotSent, None, "invalid login or password"),
    row(103, 103, InsufficientFunds, NotSent, None, "not enough points on the account"),
    row(104, 104, NotFound, NotSent, None, "no such template"),
    row(105, 105, Auth, NotSent, None, "wrong IP address (API IP filter is on)"),
    row(110, 110, Auth, NotSent, None, "service not enabled on the account"),
    row(200, 200, Unavailable, MaybeSent, None, "sending attempt failed, repeat the call"),
    row(201, 201, Unavailable, MaybeSent, None, "internal system error"),
    row(202, 202, RateLimited, NotSent, None, "too many simultaneous calls; message not sent"),
    row(203, 203, RateLimited, NotSent, None, "too many requests"),
    row(300, 300, Other, NotSent, None, "invalid points value"),
    row(301, 301, NotFound, NotSent, None, "message id does not exist"),
    row(400, 400, Other, NotSent, None, "invalid message status id"),
    row(666, 666, Unavailable, MaybeSent, None, "internal system error"),
    row(999, 999, Unavailable, MaybeSent, None, "internal system error"),
    row(1000, 1000, Auth, NotSent, None, "action available only for the main account"),
    row(1001, 1001, Other, NotSent, None, "invalid action"),
    row(1010, 1193, Other, NotSent, None, "sub-user management error"),
    row(2001, 2115, InvalidSender, NotSent, None, "sender name management error"),
];

/// The row of `code`, if the table has one.
pub(crate) fn lookup(code: u32) -> Option<&'static Row> {
    TABLE.iter().find(|r| (r.from..=r.to).contains(&code))
}

/// The kind, certainty and retry delay of a code; unknown codes are `Other` / `MaybeSent`.
pub(crate) fn classify(code: u32) -> (ErrorKind, Certainty, Option<Duration>) {
    match lookup(code) {
        Some(r) => (r.kind, r.certainty, r.retry_after_secs.map(Duration::from_secs)),
        None => (ErrorKind::Other, Certainty::MaybeSent, None),
    }
}

/// The core error for an SMSAPI error code. `operator_message` must already be scrubbed of secrets.
pub(crate) fn api_error(code: u32, operator_message: Option<&str>, http_status: Option<u16>) -> Error {
    let (kind, certainty, retry_after) = classify(code);
    let meaning = lookup(code).map_or("unknown SMSAPI error code", |r| r.meaning);
    let text = match operator_message.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => format!("SMSAPI error {code}: {meaning} ({m})"),
        None => format!("SMSAPI error {code}: {meaning}"),
    };
    if lookup(code).is_none() {
        tracing::warn!(code, "SMSAPI answered an error code bramka does not know");
    }
    let mut e = Error::new(kind, certainty, text).with_gateway(GATEWAY_ID).with_code(code.to_string());
    if let Some(s) = http_status {
        e = e.with_http_status(s);
    }
    if let Some(d) = retry_after {
        e = e.with_retry_after(d);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sorted_and_do_not_overlap() {
        for w in TABLE.windows(2) {
            assert!(w[0].from <= w[0].to, "{:?}", w[0]);
            assert!(w[0].to < w[1].from, "{:?} overlaps {:?}", w[0], w[1]);
        }
    }

    /// One test per row: `code` (every code of a range: its first, last and a middle one) maps to
    /// the expected kind and certainty, written independently of the table.
    macro_rules! row_test {
        ($name:ident, [$($code:expr),+], $kind:ident, $cert:ident) => {
            row_test!($name, [$($code),+], $kind, $cert, None);
        };
        ($name:ident, [$($code:expr),+], $kind:ident, $cert:ident, $retry:expr) => {
            #[test]
            fn $name() {
                for code in [$($code),+] {
                    let (kind, cert, retry) = classify(code);
                    assert_eq!(kind, ErrorKind::$kind, "code {code}");
                    assert_eq!(cert, Certainty::$cert, "code {code}");
                    assert_eq!(retry, $retry, "code {code}");
                    let e = api_error(code, Some("text from SMSAPI"), Some(200));
                    assert_eq!(e.operator_code(), Some(code.to_string().as_str()));
                    assert_eq!(e.gateway(), Some("smsapi"));
                    assert!(e.to_string().contains("text from SMSAPI"), "{e}");
                    assert!(lookup(code).is_some(), "code {code} has a row");
                }
            }
        };
    }

    row_test!(code_8_request_error_is_host_error, [8], Unavailable, MaybeSent);
    row_test!(code_11_content, [11], ContentRejected, NotSent);
    row_test!(code_12_max_parts, [12], ContentRejected, NotSent);
    row_test!(code_13_no_valid_numbers, [13], InvalidRecipient, NotSent);
    row_test!(code_14_sender, [14], InvalidSender, NotSent);
    row_test!(code_17_flash, [17], ContentRejected, NotSent);
    row_test!(code_18_params, [18], Other, NotSent);
    row_test!(code_19_too_many, [19], Other, NotSent);
    row_test!(code_20_idx_count, [20], Other, NotSent);
    row_test!(codes_21_to_24_mms_vms, [21, 22, 24], ContentRejected, NotSent);
    row_test!(code_25_normalize_datacoding, [25], Other, NotSent);
    row_test!(code_26_mms_subject, [26], ContentRejected, NotSent);
    row_test!(code_30_udh, [30], ContentRejected, NotSent);
    row_test!(code_31_tts, [31], ContentRejected, NotSent);
    row_test!(code_32_foreign, [32], InvalidRecipient, NotSent);
    row_test!(code_33_route, [33], InvalidRecipient, NotSent);
    row_test!(code_36_footer, [36], ContentRejected, NotSent);
    row_test!(code_40_group, [40], InvalidRecipient, NotSent);
    row_test!(code_41_group_empty, [41], InvalidRecipient, NotSent);
    row_test!(code_50_too_far_ahead, [50], Message, NotSent);
    row_test!(code_51_send_hour, [51], Message, NotSent);
    row_test!(code_52_rate_per_number, [52], RateLimited, NotSent, Some(Duration::from_secs(60)));
    row_test!(code_53_duplicate, [53], InvalidState, NotSent);
    row_test!(code_54_date_format, [54], Message, NotSent);
    row_test!(code_55_landline, [55], InvalidRecipient, NotSent);
    row_test!(code_56_expiration, [56], Message, NotSent);
    row_test!(code_101_auth, [101], Auth, NotSent);
    row_test!(code_102_login, [102], Auth, NotSent);
    row_test!(code_103_funds, [103], InsufficientFunds, NotSent);
    row_test!(code_104_template, [104], NotFound, NotSent);
    row_test!(code_105_ip_filter, [105], Auth, NotSent);
    row_test!(code_110_service, [110], Auth, NotSent);
    row_test!(code_200_attempt_failed, [200], Unavailable, MaybeSent);
    row_test!(code_201_internal, [201], Unavailable, MaybeSent);
    row_test!(code_202_simultaneous, [202], RateLimited, NotSent);
    row_test!(code_203_too_many_requests, [203], RateLimited, NotSent);
    row_test!(code_300_points, [300], Other, NotSent);
    row_test!(code_301_not_found, [301], NotFound, NotSent);
    row_test!(code_400_status_id, [400], Other, NotSent);
    row_test!(code_666_internal, [666], Unavailable, MaybeSent);
    row_test!(code_999_internal, [999], Unavailable, MaybeSent);
    row_test!(code_1000_main_account, [1000], Auth, NotSent);
    row_test!(code_1001_action, [1001], Other, NotSent);
    row_test!(codes_1010_to_1193_subusers, [1010, 1100, 1193], Other, NotSent);
    row_test!(codes_2001_to_2115_sender_names, [2001, 2031, 2112, 2115], InvalidSender, NotSent);

    #[test]
    fn every_row_has_a_test() {
        // Keep in step with the row_test! list above: one per row.
        assert_eq!(TABLE.len(), 45);
    }

    #[test]
    fn unknown_codes_keep_the_raw_code_and_fail_closed() {
        for code in [0, 9, 15, 57, 106, 2116, 4242] {
            assert!(lookup(code).is_none(), "{code}");
            let e = api_error(code, None, None);
            assert_eq!(e.kind(), ErrorKind::Other);
            assert_eq!(e.certainty(), Certainty::MaybeSent);
            assert_eq!(e.operator_code(), Some(code.to_string().as_str()));
            assert!(e.to_string().contains("unknown SMSAPI error code"), "{e}");
        }
    }
}
