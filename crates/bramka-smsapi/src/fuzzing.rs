//! Entry points for the fuzz targets in the repository's `fuzz/` directory (feature `fuzzing`;
//! not a public API: hidden, and may change at any time). Each decodes an answer body with the
//! code a gateway runs after its HTTP exchange, so a fuzz target reaches the private wire types
//! without a server.

use bramka_core::{DeliveryReport, Error, Message, RecipientReport};

use crate::SmsapiGateway;
use crate::gateway::check_id;
use crate::send::ChunkOutcome;
use bramka_core::http::Answer;

/// The reports of `message`'s recipients (all in one request) from an `sms.do` answer with
/// HTTP `status` and `body`, as a send reads them; `Ok(None)` for SMSAPI's "already accepted"
/// (error 53), which a send then retries recipient by recipient.
pub fn send_answer(
    gateway: &SmsapiGateway,
    message: &Message,
    status: u16,
    body: &[u8],
) -> Result<Option<Vec<RecipientReport>>, Error> {
    let answer = Answer { status, retry_after: None, body: body.to_vec() };
    match gateway.decode_send(message, message.recipients(), &answer)? {
        ChunkOutcome::Reports(r) => Ok(Some(r)),
        ChunkOutcome::Duplicate => Ok(None),
    }
}

/// The delivery report of `message_id` from an `sms.do?status=` answer, as
/// [`Gateway::status`](bramka_core::Gateway::status) reads it.
pub fn status_answer(
    gateway: &SmsapiGateway,
    message_id: &str,
    status: u16,
    body: &[u8],
) -> Result<DeliveryReport, Error> {
    let id = check_id(message_id)?;
    gateway.decode_status(id, &Answer { status, retry_after: None, body: body.to_vec() })
}
