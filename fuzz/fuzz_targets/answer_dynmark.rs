//! Dynmark's answers to a send (two recipients, one request), decoded as the gateway does
//! (`bramka_dynmark::fuzzing`). Oracles: the password never appears in an error, even when the
//! server echoes it; at most one report per recipient. Dynmark's answer carries no message id
//! (the crate's documented assumption), so an accepted recipient may have none.
#![no_main]

#[path = "common/answers.rs"]
mod answers;

use std::sync::LazyLock;

use answers::{Input, MARKER, check_error, check_reports};
use bramka::dynmark::{DynmarkConfig, DynmarkGateway, fuzzing};
use bramka_core::Message;
use libfuzzer_sys::fuzz_target;

static GATEWAY: LazyLock<DynmarkGateway> =
    LazyLock::new(|| DynmarkGateway::new(DynmarkConfig::builder("fuzzuser", MARKER).build().unwrap()).unwrap());
static MESSAGE: LazyLock<Message> =
    LazyLock::new(|| Message::builder().to("+447700900123, +447700900124").text("Fuzz").build().unwrap());

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else { return };
    assert!(!format!("{:?}", *GATEWAY).contains(MARKER));
    match fuzzing::send_answer(&GATEWAY, &MESSAGE, input.http_status, &input.body) {
        Ok(reports) => {
            assert!(reports.len() <= MESSAGE.recipients().len());
            check_reports(&reports, false);
        }
        Err(e) => check_error(&e),
    }
});
