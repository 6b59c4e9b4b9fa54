//! Entry points for the fuzz targets in the repository's `fuzz/` directory (feature `fuzzing`;
//! not a public API: hidden, and may change at any time). Decodes an answer body with the code
//! a gateway runs after its HTTP exchange, so a fuzz target reaches the private wire types
//! without a server.

use bramka_core::http::Answer;
use bramka_core::{Error, Message, RecipientReport};

use crate::DynmarkGateway;

/// The reports of `message`'s recipients (all in one request) from a send answer with HTTP
/// `status` and `body`, as a send reads them.
pub fn send_answer(
    gateway: &DynmarkGateway,
    message: &Message,
    status: u16,
    body: &[u8],
) -> Result<Vec<RecipientReport>, Error> {
    gateway.decode_send(message.recipients(), &Answer { status, retry_after: None, body: body.to_vec() })
}
