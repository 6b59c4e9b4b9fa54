//! Dynmark failures mapped to [`ErrorKind`] and [`Certainty`]: one table.
//!
//! Dynmark documents no duplicate protection, so anything after the request was written that is
//! not a clear refusal is [`Certainty::MaybeSent`] and never retried by bramka.

use bramka_core::error::ErrorRow;
use bramka_core::http::Answer;
use bramka_core::{Certainty, Error, ErrorKind};

use Certainty::{MaybeSent, NotSent};

/// Per-message `failureCode`s and HTTP statuses. Evidence tags: [example] Dynmark's sample code,
/// [inferred] no source (the name says it).
pub(crate) const TABLE: &[ErrorRow] = &[
    ErrorRow::new("ToInvalid", ErrorKind::InvalidRecipient, NotSent, "[example] validation failure"),
    ErrorRow::new("FromInvalid", ErrorKind::InvalidSender, NotSent, "[inferred] validation failure"),
    ErrorRow::new("BodyInvalid", ErrorKind::ContentRejected, NotSent, "[inferred] validation failure"),
    ErrorRow::new("400", ErrorKind::ContentRejected, NotSent, "[example] bad request, body lists failures"),
    ErrorRow::new("401", ErrorKind::Auth, NotSent, "[example]"),
    ErrorRow::new("403", ErrorKind::Auth, NotSent, "[example]"),
    ErrorRow::new("429", ErrorKind::RateLimited, NotSent, "[inferred]"),
    ErrorRow::new(
        "500",
        ErrorKind::Unavailable,
        MaybeSent,
        "[inferred] no statement a 5xx was not processed",
    ),
    ErrorRow::new("502", ErrorKind::Unavailable, MaybeSent, "[inferred]"),
    ErrorRow::new("503", ErrorKind::Unavailable, MaybeSent, "[inferred]"),
    ErrorRow::new("504", ErrorKind::Unavailable, MaybeSent, "[inferred]"),
];

/// The error of a validation failure `code`: the table's row, or [`ErrorKind::Other`] (certainly
/// not sent) with the code kept.
pub(crate) fn failure_error(code: &str, text: String) -> Error {
    ErrorRow::error_for(TABLE, "dynmark", code, NotSent, text)
}

/// The error of a non-2xx answer, `detail` already scrubbed: the table's row for the status, other
/// 5xx as 500, the rest [`ErrorKind::Other`] with the status's usual certainty.
pub(crate) fn status_error(answer: &Answer, detail: String) -> Error {
    answer.status_error("dynmark", "Dynmark", TABLE, detail)
}
