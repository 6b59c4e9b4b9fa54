//! Entry points for the fuzz targets in the repository's `fuzz/` directory (feature `fuzzing`;
//! not a public API: hidden, and may change at any time). Each decodes an answer body with the
//! code a gateway runs after its HTTP exchange, so a fuzz target reaches the private wire types
//! without a server.

use bramka_core::http::Answer;
use bramka_core::{DeliveryReport, Error, Message, RecipientReport};

use crate::InfobipGateway;
use crate::errors::Op;
use crate::gateway::{logs_page, send_reports, status_in};
use crate::wire;

/// The reports of `message`'s recipients (all in one request) from a `POST /sms/3/messages`
/// answer with HTTP `status` and `body`, as a send reads them.
pub fn send_answer(
    gateway: &InfobipGateway,
    message: &Message,
    status: u16,
    body: &[u8],
) -> Result<Vec<RecipientReport>, Error> {
    let answer = Answer { status, retry_after: None, body: body.to_vec() };
    let resp: wire::SendResponse = gateway.decode_answer(Op::Send, "/sms/3/messages", answer)?;
    let parts = [(message, message.recipients())];
    let (mut out, _) = send_reports(&parts, InfobipGateway::bulk_id_for(message), resp, vec![Vec::new()]);
    Ok(out.pop().map(|(reports, _)| reports).unwrap_or_default())
}

/// The delivery report of `message_id` from a `GET /sms/3/logs` answer, as
/// [`Gateway::status`](bramka_core::Gateway::status) reads it.
pub fn status_answer(
    gateway: &InfobipGateway,
    message_id: &str,
    status: u16,
    body: &[u8],
) -> Result<DeliveryReport, Error> {
    let answer = Answer { status, retry_after: None, body: body.to_vec() };
    let env: wire::ReportsEnvelope = gateway.decode_answer(Op::Read, "/sms/3/logs", answer)?;
    status_in(&logs_page(env, &gateway.scrub)?, message_id)
}
