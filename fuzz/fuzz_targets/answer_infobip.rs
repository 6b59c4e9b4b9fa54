//! Infobip's answers to a send (`POST /sms/3/messages`, two recipients) and to a status query
//! (`GET /sms/3/logs`), decoded as the gateway does (`bramka_infobip::fuzzing`). Oracles: the
//! API key never appears in an error, even when the server echoes it; an accepted recipient has
//! a message id; one report per recipient; a status report is about the id asked for.
#![no_main]

#[path = "common/answers.rs"]
mod answers;

use std::sync::LazyLock;

use answers::{Input, MARKER, check_error, check_reports};
use bramka::infobip::{InfobipConfig, InfobipGateway, fuzzing};
use bramka_core::Message;
use libfuzzer_sys::fuzz_target;

const ID: &str = "MESSAGE-ID-123-xyz";

static GATEWAY: LazyLock<InfobipGateway> = LazyLock::new(|| {
    InfobipGateway::new(InfobipConfig::builder("https://xxxxx.api.infobip.com", MARKER).build().unwrap()).unwrap()
});
static MESSAGE: LazyLock<Message> =
    LazyLock::new(|| Message::builder().to("+41793026727, +41435675123").text("Fuzz").build().unwrap());

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else { return };
    assert!(!format!("{:?}", *GATEWAY).contains(MARKER));
    if input.status_query {
        match fuzzing::status_answer(&GATEWAY, ID, input.http_status, &input.body) {
            Ok(r) => assert_eq!(r.message_id, ID),
            Err(e) => check_error(&e),
        }
    } else {
        match fuzzing::send_answer(&GATEWAY, &MESSAGE, input.http_status, &input.body) {
            Ok(reports) => {
                assert_eq!(reports.len(), MESSAGE.recipients().len());
                check_reports(&reports, true);
            }
            Err(e) => check_error(&e),
        }
    }
});
