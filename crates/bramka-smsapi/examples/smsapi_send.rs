//! Sends one SMS through SMSAPI, in test mode unless asked otherwise, and prints the report.
//!
//! ```text
//! SMSAPI_TOKEN=...            OAuth token (required; without it the example exits with a message)
//! SMSAPI_TO=48500100200       recipient (optional in test mode; required with SMSAPI_LIVE=1)
//! SMSAPI_FROM=Shop            sender name (optional: the account default)
//! SMSAPI_PLATFORM=com         pl (default) or com
//! SMSAPI_LIVE=1               really send (and pay); otherwise test=1: validated, nothing sent
//!
//! cargo run -p bramka-smsapi --example smsapi_send
//! ```

use std::process::ExitCode;
use std::time::Duration;

use bramka_core::{Gateway, Message};
use bramka_smsapi::{Platform, SmsapiConfig, SmsapiGateway};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(token) = env("SMSAPI_TOKEN") else {
        println!(
            "SMSAPI_TOKEN is not set: nothing to do. Set it (and optionally SMSAPI_TO) to send a test SMS."
        );
        return ExitCode::SUCCESS;
    };
    let live = env("SMSAPI_LIVE").is_some_and(|v| v == "1");
    let to = match (env("SMSAPI_TO"), live) {
        (Some(to), _) => to,
        (None, false) => "48500100200".to_owned(), // test mode: nothing is sent
        (None, true) => {
            println!("SMSAPI_LIVE=1 needs SMSAPI_TO (the recipient, e.g. 48500100200): nothing sent.");
            return ExitCode::SUCCESS;
        }
    };
    let platform = match env("SMSAPI_PLATFORM").as_deref() {
        Some("com") => Platform::Com,
        _ => Platform::Pl,
    };
    let mut builder =
        SmsapiConfig::builder(token).platform(platform).test_mode(!live).timeout(Duration::from_secs(60));
    if let Some(from) = env("SMSAPI_FROM") {
        builder = builder.sender(from);
    }
    let result = async {
        let gateway = SmsapiGateway::new(builder.build()?)?;
        let message = Message::builder().to(to.as_str()).text("Test z bramka: zażółć gęślą jaźń").build()?;
        println!(
            "sending to {} ({} part(s), {:?}), test mode: {}",
            message.recipients()[0].masked(),
            message.analysis().segments(),
            message.analysis().encoding(),
            !live
        );
        gateway.send(&message).await
    }
    .await;
    match result {
        Ok(report) => {
            for r in &report.recipients {
                println!(
                    "{}: {} id={} parts={:?} price={:?}",
                    r.to.masked(),
                    r.state,
                    r.message_id.as_deref().unwrap_or("-"),
                    r.parts,
                    r.price
                );
            }
            for note in &report.notes {
                println!("note: {note}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("send failed: {e}");
            ExitCode::FAILURE
        }
    }
}
