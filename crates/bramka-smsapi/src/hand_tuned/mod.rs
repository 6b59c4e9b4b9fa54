//! Hand-tuned code of the send path, in one place: the answers of `sms.do` and the bodies of its
//! requests are the per-recipient CPU cost of a send, so each has a faster path here than the
//! plain one, with exactly the plain one's result (tests compare them: `form_body` against
//! `serde_urlencoded`, the JSON reader against `serde_json` on every shape, in this module and in
//! `send.rs`).
//!
//! Entry points: [`form_body`] (encode a request) and [`decode_sms`] (decode an answer). Nothing
//! else in the crate depends on how they work.

mod form;
mod json;

pub(crate) use form::form_body;

use crate::wire::SmsResponse;

/// Decodes an `sms.do` answer. A UTF-8 body (every answer of a working server) is read as `str`:
/// by the hand-written reader (`json.rs`) when it has the usual shape, else by serde_json (which then
/// needs no UTF-8 check per string); any other body as bytes, with the same result as always
/// reading bytes. `list_hint`: the entries expected.
pub(crate) fn decode_sms(body: &[u8], list_hint: usize) -> serde_json::Result<SmsResponse<'_>> {
    match std::str::from_utf8(body) {
        Ok(text) => match json::sms_response(text, list_hint) {
            Some(r) => Ok(r),
            None => serde_json::from_str(text),
        },
        Err(_) => serde_json::from_slice(body),
    }
}
