//! Entry points for the fuzz targets in the repository's `fuzz/` directory (feature `fuzzing`;
//! not a public API: hidden, and may change at any time). Each decodes an answer body with the
//! code a gateway runs after its HTTP exchange, so a fuzz target reaches the private wire types
//! without a server.

use bramka_core::http::Answer;
use bramka_core::{DeliveryReport, Error, PhoneNumber, RecipientReport};

use crate::TwilioGateway;
use crate::gateway::{check_message_sid, created, decode_message, recipient_report};

/// The report of recipient `to` from a create-Message answer with HTTP `status` and `body`, as
/// a send reads it.
pub fn send_answer(gateway: &TwilioGateway, to: &PhoneNumber, status: u16, body: &[u8]) -> RecipientReport {
    let answer = Answer { status, retry_after: None, body: body.to_vec() };
    let result = gateway
        .answer_body(answer)
        .and_then(|(status, body)| decode_message("create-message", status, &body, &gateway.scrub))
        .and_then(created);
    recipient_report(to.clone(), result)
}

/// The delivery report of message `sid` from a fetch-Message answer, as
/// [`Gateway::status`](bramka_core::Gateway::status) reads it.
pub fn status_answer(
    gateway: &TwilioGateway,
    sid: &str,
    status: u16,
    body: &[u8],
) -> Result<DeliveryReport, Error> {
    check_message_sid(sid)?;
    let answer = Answer { status, retry_after: None, body: body.to_vec() };
    let (status, body) = gateway.answer_body(answer)?;
    Ok(decode_message("fetch-message", status, &body, &gateway.scrub)?.to_delivery_report())
}
