//! Dynmark failures mapped to [`ErrorKind`] and [`Certainty`]: one table.
//!
//! Dynmark documents no duplicate protection, so anything after the request was written that is
//! not a clear refusal is [`Certainty::MaybeSent`] and never retried by bramka.

use bramka_core::error::ErrorRow;
use bramka_core::{Certainty, ErrorKind};

use Certainty::{MaybeSent, NotSent};

/// Per-message `failureCode`s (other codes: [`ErrorKind::Other`], not sent, the code kept) and
/// HTTP statuses (other 5xx as 500, the rest `Other` with the status's usual certainty). Evidence
/// tags: [example] Dynmark's sample code, [inferred] no source (the name says it).
pub(crate) const TABLE: &[ErrorRow] = &[
    ErrorRow::new("ToInvalid", ErrorKind::InvalidRecipient, NotSent, "[example] validation failure"),
    ErrorRow::new("FromInvalid", ErrorKind::InvalidSender, NotSent, "[inferred] validation failure"),
    ErrorRow::new("BodyInvalid", ErrorKind::ContentRejected, NotSent, "[inferred] validation failure"),
    ErrorRow::new("400", ErrorKind::ContentRejected, NotSent, "[example] bad request, body lists failures"),
    ErrorRow::new("401", ErrorKind::Auth, NotSent, "[example]"),
    ErrorRow::new("403", ErrorKind::Auth, NotSent, "[example]"),
    ErrorRow::new("429", ErrorKind::RateLimited, NotSent, "[inferred]"),
    ErrorRow::new("500", ErrorKind::Unavailable, MaybeSent, "[inferred] a 5xx may have been processed"),
    ErrorRow::new("502", ErrorKind::Unavailable, MaybeSent, "[inferred]"),
    ErrorRow::new("503", ErrorKind::Unavailable, MaybeSent, "[inferred]"),
    ErrorRow::new("504", ErrorKind::Unavailable, MaybeSent, "[inferred]"),
];
