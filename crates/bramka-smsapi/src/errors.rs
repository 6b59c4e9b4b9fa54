//! SMSAPI error codes (the `error` field of an answer) mapped to the core [`ErrorKind`] and
//! [`Certainty`]: one table of [`ErrorRow`]s, [`TABLE`] (and [`RANGES`] for the code ranges
//! SMSAPI documents as one), each row checked through the real answer mapping and by a test of
//! its own.
//!
//! Source: SMSAPI's documented error table (as in its official Java client), the official
//! Java/C#/PHP clients' classification, and recorded answers. Certainty rules:
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

use bramka_core::error::ErrorRow;
use bramka_core::{Certainty, Error, ErrorKind};

use crate::gateway::GATEWAY_ID;

/// Non-unique `idx` with `check_idx=1`: a message with this key was already accepted.
pub(crate) const DUPLICATE_IDX: u32 = 53;

/// Too many attempts to one number: SMSAPI documents a wait of 60 s.
const RATE_PER_NUMBER: u32 = 52;

use Certainty::{MaybeSent, NotSent};
use ErrorKind::*;

/// SMSAPI code -> kind and certainty, with SMSAPI's meaning (quoted in the error message).
#[rustfmt::skip]
pub(crate) const TABLE: &[ErrorRow] = &[
    ErrorRow::new("8", Unavailable, MaybeSent, "error in the request (SMSAPI asks to report it); official clients treat it as a host error"),
    ErrorRow::new("11", ContentRejected, NotSent, "message too long or empty, or special characters with nounicode=1"),
    ErrorRow::new("12", ContentRejected, NotSent, "message has more parts than max_parts"),
    ErrorRow::new("13", InvalidRecipient, NotSent, "no valid recipient numbers (invalid or blacklisted)"),
    ErrorRow::new("14", InvalidSender, NotSent, "invalid sender name"),
    ErrorRow::new("17", ContentRejected, NotSent, "a flash message cannot contain special characters"),
    ErrorRow::new("18", Other, NotSent, "invalid number of parameters"),
    ErrorRow::new("19", Other, NotSent, "too many messages in one request (lower batch_size)"),
    ErrorRow::new("20", Other, NotSent, "invalid number of idx values"),
    ErrorRow::new("21", ContentRejected, NotSent, "MMS/VMS content error (size, SMIL, file download or format)"),
    ErrorRow::new("22", ContentRejected, NotSent, "MMS/VMS content error (size, SMIL, file download or format)"),
    ErrorRow::new("23", ContentRejected, NotSent, "MMS/VMS content error (size, SMIL, file download or format)"),
    ErrorRow::new("24", ContentRejected, NotSent, "MMS/VMS content error (size, SMIL, file download or format)"),
    ErrorRow::new("25", Other, NotSent, "normalize and datacoding used together"),
    ErrorRow::new("26", ContentRejected, NotSent, "MMS subject too long"),
    ErrorRow::new("30", ContentRejected, NotSent, "binary message without UDH"),
    ErrorRow::new("31", ContentRejected, NotSent, "text-to-speech conversion error"),
    ErrorRow::new("32", InvalidRecipient, NotSent, "foreign numbers not allowed for this message type or account"),
    ErrorRow::new("33", InvalidRecipient, NotSent, "no valid numbers for this route or message type"),
    ErrorRow::new("36", ContentRejected, NotSent, "binary message with footer not allowed"),
    ErrorRow::new("40", InvalidRecipient, NotSent, "no contacts group with that name"),
    ErrorRow::new("41", InvalidRecipient, NotSent, "contacts group is empty"),
    ErrorRow::new("50", Message, NotSent, "scheduled more than 3 months ahead"),
    ErrorRow::new("51", Message, NotSent, "wrong send hour for this message type"),
    ErrorRow::new("52", RateLimited, NotSent, "too many attempts to one number (max 10 within 60 s)"),
    ErrorRow::new("53", InvalidState, NotSent, "duplicate idx with check_idx=1: already accepted"),
    ErrorRow::new("54", Message, NotSent, "wrong date format"),
    ErrorRow::new("55", InvalidRecipient, NotSent, "no landline numbers"),
    ErrorRow::new("56", Message, NotSent, "expiration date outside the allowed window"),
    ErrorRow::new("101", Auth, NotSent, "missing or invalid authorisation (also: token of the other platform, .pl vs .com)"),
    ErrorRow::new("102", Auth, NotSent, "invalid login or password"),
    ErrorRow::new("103", InsufficientFunds, NotSent, "not enough points on the account"),
    ErrorRow::new("104", NotFound, NotSent, "no such template"),
    ErrorRow::new("105", Auth, NotSent, "wrong IP address (API IP filter is on)"),
    ErrorRow::new("110", Auth, NotSent, "service not enabled on the account"),
    ErrorRow::new("200", Unavailable, MaybeSent, "sending attempt failed, repeat the call"),
    ErrorRow::new("201", Unavailable, MaybeSent, "internal system error"),
    ErrorRow::new("202", RateLimited, NotSent, "too many simultaneous calls; message not sent"),
    ErrorRow::new("203", RateLimited, NotSent, "too many requests"),
    ErrorRow::new("300", Other, NotSent, "invalid points value"),
    ErrorRow::new("301", NotFound, NotSent, "message id does not exist"),
    ErrorRow::new("400", Other, NotSent, "invalid message status id"),
    ErrorRow::new("666", Unavailable, MaybeSent, "internal system error"),
    ErrorRow::new("999", Unavailable, MaybeSent, "internal system error"),
    ErrorRow::new("1000", Auth, NotSent, "action available only for the main account"),
    ErrorRow::new("1001", Other, NotSent, "invalid action"),
];

/// Codes SMSAPI documents as whole ranges with one meaning (inclusive; the row's code names the
/// range, the error keeps the code received).
#[rustfmt::skip]
pub(crate) const RANGES: &[(u32, u32, ErrorRow)] = &[
    (1010, 1193, ErrorRow::new("1010-1193", Other, NotSent, "sub-user management error")),
    (2001, 2115, ErrorRow::new("2001-2115", InvalidSender, NotSent, "sender name management error")),
];

/// The row of `code`, if the table has one.
pub(crate) fn lookup(code: u32) -> Option<&'static ErrorRow> {
    ErrorRow::find(TABLE, &code.to_string())
        .or_else(|| RANGES.iter().find(|(from, to, _)| (*from..=*to).contains(&code)).map(|(_, _, row)| row))
}

/// The kind, certainty and retry delay of a code; unknown codes are `Other` / `MaybeSent`.
pub(crate) fn classify(code: u32) -> (ErrorKind, Certainty, Option<Duration>) {
    let retry_after = (code == RATE_PER_NUMBER).then_some(Duration::from_secs(60));
    match lookup(code) {
        Some(r) => (r.kind, r.certainty, retry_after),
        None => (ErrorKind::Other, Certainty::MaybeSent, None),
    }
}

/// The core error for an SMSAPI error code. `operator_message` must already be scrubbed of secrets.
pub(crate) fn api_error(code: u32, operator_message: Option<&str>, http_status: Option<u16>) -> Error {
    let (kind, certainty, retry_after) = classify(code);
    let meaning = lookup(code).map_or("unknown SMSAPI error code", |r| r.evidence);
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
        let codes: Vec<u32> = TABLE.iter().map(|r| r.code.parse().unwrap()).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
        for (from, to, _) in RANGES {
            assert!(from < to && codes.iter().all(|c| !(from..=to).contains(&c)), "{from}-{to}");
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
    row_test!(codes_21_to_24_mms_vms, [21, 22, 23, 24], ContentRejected, NotSent);
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
        // Keep in step with the row_test! list above: one per code or range (21 to 24 are four
        // rows of one meaning, tested together).
        assert_eq!(TABLE.len() + RANGES.len(), 48);
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
