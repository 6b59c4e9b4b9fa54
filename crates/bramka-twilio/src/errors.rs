//! Twilio error codes mapped to bramka's [`ErrorKind`] and [`Certainty`]: one table, one place.
//!
//! Source: Twilio's error dictionary pages and its helper libraries' code.
//! Rows marked `[unverified]` are not confirmed by Twilio's documentation; correct them here.

use std::time::Duration;

use bramka_core::error::ErrorRow;
use bramka_core::http::{Scrubber, certainty_for_status, kind_for_status};
use bramka_core::{Certainty, Error, ErrorKind};

use crate::wire::ErrorDto;

/// The gateway id used in errors.
pub(crate) const GATEWAY: &str = "twilio";

use Certainty::NotSent;
use ErrorKind::*;

/// Twilio error code -> (kind, certainty). Every code here arrives with a 4xx status: Twilio did
/// not accept the request, so all are [`Certainty::NotSent`].
pub(crate) const CODE_TABLE: &[ErrorRow] = &[
    ErrorRow::new("20003", Auth, NotSent, "401 Authenticate"),
    ErrorRow::new("20404", NotFound, NotSent, "404 resource not found"),
    ErrorRow::new("20429", RateLimited, NotSent, "429 too many requests: never processed, safe to retry"),
    ErrorRow::new("21211", InvalidRecipient, NotSent, "invalid 'To'"),
    ErrorRow::new("21212", InvalidSender, NotSent, "invalid 'From'"),
    ErrorRow::new("21408", InvalidRecipient, NotSent, "geo permission for the destination not enabled"),
    ErrorRow::new("21602", ContentRejected, NotSent, "body required"),
    ErrorRow::new("21603", InvalidSender, NotSent, "'From' required [unverified wording]"),
    ErrorRow::new("21604", InvalidRecipient, NotSent, "'To' required"),
    ErrorRow::new("21606", InvalidSender, NotSent, "'From' not an SMS-capable number of the account"),
    ErrorRow::new("21608", InvalidRecipient, NotSent, "trial account: 'To' not verified"),
    ErrorRow::new("21610", InvalidRecipient, NotSent, "recipient unsubscribed (STOP): never retry"),
    ErrorRow::new("21611", RateLimited, NotSent, "'From' queue full: later, long backoff"),
    ErrorRow::new("21612", InvalidRecipient, NotSent, "'To' not reachable from this 'From'"),
    ErrorRow::new("21614", InvalidRecipient, NotSent, "'To' cannot receive SMS"),
    ErrorRow::new("21617", ContentRejected, NotSent, "body over 1600 characters"),
    ErrorRow::new("21619", ContentRejected, NotSent, "body, media or content SID required"),
    ErrorRow::new("21635", InvalidRecipient, NotSent, "'To' is a landline"),
    ErrorRow::new("21658", ContentRejected, NotSent, "parameter over its limit (Body > 1600)"),
    ErrorRow::new("30409", InvalidState, NotSent, "message can no longer be canceled"),
    ErrorRow::new("35114", ErrorKind::Message, NotSent, "SendAt outside the scheduling window"),
    ErrorRow::new("35115", ErrorKind::Message, NotSent, "SendAt outside the window / bad format"),
    ErrorRow::new("35117", ErrorKind::Message, NotSent, "SendAt outside the window"),
    ErrorRow::new("35118", Config, NotSent, "scheduling needs a Messaging Service"),
    ErrorRow::new("35125", Other, NotSent, "500,000 scheduled messages limit reached"),
    ErrorRow::new("63038", RateLimited, NotSent, "daily message limit reached [unverified: sync or async]"),
    ErrorRow::new("90007", ErrorKind::Message, NotSent, "ValidityPeriod out of range"),
];

/// Largest answer read: a Message resource is ~1 KiB, a list page of 1000 at most ~1.5 MiB.
pub(crate) const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The error for a non-2xx answer: the JSON body's code decides; without one the HTTP status
/// does (4xx not sent, 5xx may have been sent). A 5xx is always [`Certainty::MaybeSent`].
pub(crate) fn api_error(status: u16, retry_after: Option<Duration>, body: &[u8], scrub: &Scrubber) -> Error {
    let dto: Option<ErrorDto> = serde_json::from_slice(body).ok();
    // Every text of the body is scrubbed: a server echoing the request may put the token anywhere.
    let code = dto.as_ref().and_then(|d| d.code.as_deref()).map(|c| scrub.scrub(c));
    let mut message = dto
        .as_ref()
        .and_then(|d| d.message.clone())
        .filter(|m| !m.is_empty())
        .map(|m| scrub.scrub(&m))
        .unwrap_or_else(|| {
            format!("HTTP {status} without a Twilio error body: {}", scrub.excerpt(body, 200))
        });
    if let Some(info) =
        dto.as_ref().and_then(|d| d.more_info.as_deref()).filter(|i| i.starts_with("https://"))
    {
        message.push_str(&format!(" (see {})", scrub.scrub(info)));
    }
    let row = code.as_deref().and_then(|c| ErrorRow::find(CODE_TABLE, c)).map(|r| (r.kind, r.certainty));
    let (kind, certainty) = if status >= 500 {
        (ErrorKind::Unavailable, Certainty::MaybeSent)
    } else {
        row.unwrap_or((kind_for_status(status), certainty_for_status(status)))
    };
    let mut e = Error::new(kind, certainty, message).with_gateway(GATEWAY).with_http_status(status);
    if let Some(c) = code {
        e = e.with_code(c);
    }
    if let Some(d) = retry_after {
        e = e.with_retry_after(d);
    }
    e
}

/// An undecodable 2xx answer. For a send, the message may well have been created. The decoder's
/// message quotes values of the body, so it is scrubbed like an echoed answer.
pub(crate) fn decode_error(status: u16, what: &str, err: &serde_json::Error, scrub: &Scrubber) -> Error {
    Error::new(
        ErrorKind::Decode,
        Certainty::MaybeSent,
        scrub.scrub(&format!("cannot decode Twilio's {what} answer (HTTP {status}): {err}")),
    )
    .with_gateway(GATEWAY)
    .with_http_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> (u16, Error) {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let body = std::fs::read(&path).unwrap();
        let status: u16 = name.trim_end_matches(".json").rsplit('_').next().unwrap().parse().unwrap();
        (status, api_error(status, None, &body, &Scrubber::default()))
    }

    #[test]
    fn every_error_row_maps_as_documented() {
        bramka_core::testing::conformance::check_error_rows(CODE_TABLE, |code| {
            let body = format!(r#"{{"code":{code},"message":"m","status":400}}"#);
            api_error(400, None, body.as_bytes(), &Scrubber::default())
        });
    }

    fn check(name: &str, code: &str, kind: ErrorKind) {
        let (status, e) = fixture(name);
        assert_eq!(e.operator_code(), Some(code), "{name}");
        assert_eq!(e.kind(), kind, "{name}: {e}");
        assert_eq!(e.certainty(), Certainty::NotSent, "{name}");
        assert_eq!(e.http_status(), Some(status), "{name}");
        assert_eq!(e.gateway(), Some("twilio"));
        assert!(
            e.operator_message().ends_with(&format!("(see https://www.twilio.com/docs/errors/{code})")),
            "{e}"
        );
    }

    #[test]
    fn error_20003_auth() {
        check("error_20003_401.json", "20003", Auth);
    }
    #[test]
    fn error_20404_not_found() {
        check("error_20404_404.json", "20404", NotFound);
    }
    #[test]
    fn error_20429_rate_limited() {
        check("error_20429_429.json", "20429", RateLimited);
        assert!(fixture("error_20429_429.json").1.is_transient());
    }
    #[test]
    fn error_21211_invalid_to() {
        check("error_21211_400.json", "21211", InvalidRecipient);
    }
    #[test]
    fn error_21408_geo_permission() {
        check("error_21408_400.json", "21408", InvalidRecipient);
    }
    #[test]
    fn error_21602_body_required() {
        check("error_21602_400.json", "21602", ContentRejected);
    }
    #[test]
    fn error_21606_bad_from() {
        check("error_21606_400.json", "21606", InvalidSender);
    }
    #[test]
    fn error_21610_unsubscribed() {
        check("error_21610_400.json", "21610", InvalidRecipient);
        assert!(!fixture("error_21610_400.json").1.is_transient());
    }
    #[test]
    fn error_21611_queue_full() {
        check("error_21611_400.json", "21611", RateLimited);
    }
    #[test]
    fn error_21612_unreachable() {
        check("error_21612_400.json", "21612", InvalidRecipient);
    }
    #[test]
    fn error_21614_not_mobile() {
        check("error_21614_400.json", "21614", InvalidRecipient);
    }
    #[test]
    fn error_21617_too_long() {
        check("error_21617_400.json", "21617", ContentRejected);
    }
    #[test]
    fn error_21619_no_body() {
        check("error_21619_400.json", "21619", ContentRejected);
    }
    #[test]
    fn error_30409_cannot_cancel() {
        check("error_30409_400.json", "30409", InvalidState);
    }
    #[test]
    fn error_35114_send_at_window() {
        check("error_35114_400.json", "35114", ErrorKind::Message);
    }
    #[test]
    fn error_35118_needs_service() {
        check("error_35118_400.json", "35118", Config);
    }

    #[test]
    fn server_errors_may_have_been_sent_and_unknown_bodies_fall_back_to_status() {
        let e = api_error(503, None, b"<html>busy</html>", &Scrubber::default());
        assert_eq!((e.kind(), e.certainty()), (Unavailable, Certainty::MaybeSent));
        let e = api_error(
            500,
            None,
            br#"{"code":20500,"message":"Internal Server Error","status":500}"#,
            &Scrubber::default(),
        );
        assert_eq!((e.kind(), e.certainty()), (Unavailable, Certainty::MaybeSent));
        assert_eq!(e.operator_code(), Some("20500"));
        let e = api_error(
            400,
            None,
            br#"{"code":12345,"message":"new code","status":400}"#,
            &Scrubber::default(),
        );
        assert_eq!((e.kind(), e.certainty()), (Other, Certainty::NotSent));
        let e = api_error(403, Some(Duration::from_secs(3)), b"", &Scrubber::default());
        assert_eq!((e.kind(), e.retry_after()), (Auth, Some(Duration::from_secs(3))));
    }

    #[test]
    fn table_has_no_duplicate_codes() {
        let mut codes: Vec<&str> = CODE_TABLE.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len());
    }
}
