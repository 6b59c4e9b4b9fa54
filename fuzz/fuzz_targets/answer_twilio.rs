//! Twilio's answers to a create-Message (a send to one recipient) and a fetch-Message (status),
//! decoded as the gateway does (`bramka_twilio::fuzzing`). Oracles: the Auth Token never
//! appears in an error, even when the server echoes it; an accepted recipient has a message sid;
//! a status report has a message id.
#![no_main]

#[path = "common/answers.rs"]
mod answers;

use std::sync::LazyLock;

use answers::{Input, MARKER, check_error, check_reports};
use bramka::twilio::{TwilioConfig, TwilioGateway, fuzzing};
use bramka_core::PhoneNumber;
use libfuzzer_sys::fuzz_target;

const AC: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SID: &str = "SM3f1b2c4d5e6f708192a3b4c5d6e7f809";

static GATEWAY: LazyLock<TwilioGateway> = LazyLock::new(|| {
    TwilioGateway::new(TwilioConfig::builder(AC, MARKER).from("+15005550006").build().unwrap()).unwrap()
});
static TO: LazyLock<PhoneNumber> = LazyLock::new(|| PhoneNumber::parse("+14155552671").unwrap());

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else { return };
    assert!(!format!("{:?}", *GATEWAY).contains(MARKER));
    if input.status_query {
        match fuzzing::status_answer(&GATEWAY, SID, input.http_status, &input.body) {
            Ok(r) => assert!(!r.message_id.trim().is_empty(), "{r:?}"),
            Err(e) => check_error(&e),
        }
    } else {
        let report = fuzzing::send_answer(&GATEWAY, &TO, input.http_status, &input.body);
        check_reports(std::slice::from_ref(&report), true);
    }
});
