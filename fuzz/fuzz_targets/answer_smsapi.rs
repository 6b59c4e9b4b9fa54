//! SMSAPI's `sms.do` answers to a send (two recipients, one request) and to a status query,
//! decoded as the gateway does (`bramka_smsapi::fuzzing`). Oracles: the token never appears in
//! an error, even when the server echoes it; an accepted recipient has a message id; a status
//! report is about the id asked for; no answer gives more reports than recipients.
#![no_main]

#[path = "common/answers.rs"]
mod answers;

use std::sync::LazyLock;

use answers::{Input, MARKER, check_error, check_reports};
use bramka::smsapi::{SmsapiConfig, SmsapiGateway, fuzzing};
use bramka_core::Message;
use libfuzzer_sys::fuzz_target;

static GATEWAY: LazyLock<SmsapiGateway> =
    LazyLock::new(|| SmsapiGateway::new(SmsapiConfig::builder(MARKER).build().unwrap()).unwrap());
static MESSAGE: LazyLock<Message> =
    LazyLock::new(|| Message::builder().to("48100200300, 48100200301").text("Fuzz").build().unwrap());

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else { return };
    assert!(!format!("{:?}", *GATEWAY).contains(MARKER));
    if input.status_query {
        match fuzzing::status_answer(&GATEWAY, "1", input.http_status, &input.body) {
            Ok(r) => assert_eq!(r.message_id, "1"),
            Err(e) => check_error(&e),
        }
    } else {
        match fuzzing::send_answer(&GATEWAY, &MESSAGE, input.http_status, &input.body) {
            Ok(Some(reports)) => {
                assert!(reports.len() <= MESSAGE.recipients().len());
                check_reports(&reports, true);
            }
            Ok(None) => {}
            Err(e) => check_error(&e),
        }
    }
});
