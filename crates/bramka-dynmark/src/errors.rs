//! Dynmark failures mapped to [`ErrorKind`] and [`Certainty`]: one table.
//!
//! Dynmark documents no duplicate protection, so anything after the request was written that is
//! not a clear refusal is [`Certainty::MaybeSent`] and never retried by bramka.

use bramka_core::{Certainty, Error, ErrorKind};

/// `failureCode` -> kind. Only `ToInvalid` is attested [example]; the others are guesses named in
/// the reference's open questions [inferred] and map to the kind their name says.
const FAILURE_CODES: &[(&str, ErrorKind)] = &[
    ("ToInvalid", ErrorKind::InvalidRecipient),
    ("FromInvalid", ErrorKind::InvalidSender),
    ("BodyInvalid", ErrorKind::ContentRejected),
];

/// The kind of a per-message validation failure. Unknown codes are [`ErrorKind::Other`] with the
/// code kept. Every validation failure is certainly not sent.
pub(crate) fn failure_code_kind(code: &str) -> ErrorKind {
    FAILURE_CODES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, k)| *k)
        .unwrap_or(ErrorKind::Other)
}

/// HTTP status of a non-2xx answer -> (kind, certainty).
///
/// | status | kind | certainty | evidence |
/// |---|---|---|---|
/// | 400 | ContentRejected | NotSent | [example] bad request, body lists failures |
/// | 401, 403 | Auth | NotSent | [example] |
/// | 429 | RateLimited | NotSent | [inferred] |
/// | 5xx | Unavailable | MaybeSent | [inferred]; no statement that a 5xx was not processed |
/// | other | Other | NotSent for 4xx, MaybeSent otherwise | |
pub(crate) fn status_kind(status: u16) -> (ErrorKind, Certainty) {
    match status {
        400 => (ErrorKind::ContentRejected, Certainty::NotSent),
        401 | 403 => (ErrorKind::Auth, Certainty::NotSent),
        429 => (ErrorKind::RateLimited, Certainty::NotSent),
        500..=599 => (ErrorKind::Unavailable, Certainty::MaybeSent),
        s => (ErrorKind::Other, bramka_core::http::certainty_for_status(s)),
    }
}

/// The error for a non-2xx answer.
pub(crate) fn status_error(status: u16, detail: &str) -> Error {
    let (kind, certainty) = status_kind(status);
    let msg = if detail.is_empty() { format!("Dynmark answered HTTP {status}") } else { detail.to_owned() };
    Error::new(kind, certainty, msg).with_gateway("dynmark").with_http_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_code_row() {
        assert_eq!(failure_code_kind("ToInvalid"), ErrorKind::InvalidRecipient);
        assert_eq!(failure_code_kind("toinvalid"), ErrorKind::InvalidRecipient);
        assert_eq!(failure_code_kind("FromInvalid"), ErrorKind::InvalidSender);
        assert_eq!(failure_code_kind("BodyInvalid"), ErrorKind::ContentRejected);
        assert_eq!(failure_code_kind("SomethingNew"), ErrorKind::Other);
    }

    #[test]
    fn every_status_row() {
        let rows = [
            (400, ErrorKind::ContentRejected, Certainty::NotSent),
            (401, ErrorKind::Auth, Certainty::NotSent),
            (403, ErrorKind::Auth, Certainty::NotSent),
            (404, ErrorKind::Other, Certainty::NotSent),
            (429, ErrorKind::RateLimited, Certainty::NotSent),
            (500, ErrorKind::Unavailable, Certainty::MaybeSent),
            (503, ErrorKind::Unavailable, Certainty::MaybeSent),
            (302, ErrorKind::Other, Certainty::MaybeSent),
        ];
        for (status, kind, certainty) in rows {
            assert_eq!(status_kind(status), (kind, certainty), "HTTP {status}");
        }
    }
}
