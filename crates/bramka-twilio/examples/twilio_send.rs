//! Sends one SMS through Twilio.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… TWILIO_FROM=+15005550006 \
//!   [TWILIO_TO=+14155552671] cargo run -p bramka-twilio --example twilio_send
//! ```
//!
//! Works with Twilio's test credentials and magic numbers (nothing is sent or charged):
//! `TWILIO_FROM=+15005550006` succeeds; `TWILIO_TO=+15005550001` shows error 21211,
//! `+15005550004` shows 21610 (unsubscribed). Exits 0 with a note when the variables are unset.

use bramka_core::{Gateway, Message};
use bramka_twilio::{TwilioConfig, TwilioGateway};

/// Twilio's magic "valid" test recipient when `TWILIO_TO` is unset.
const DEFAULT_TO: &str = "+14155552671";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let (Some(sid), Some(token), Some(from)) =
        (var("TWILIO_ACCOUNT_SID"), var("TWILIO_AUTH_TOKEN"), var("TWILIO_FROM"))
    else {
        println!(
            "twilio_send: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (optional TWILIO_TO) to send; \
             Twilio's test credentials with TWILIO_FROM=+15005550006 send nothing. Nothing to do."
        );
        return;
    };
    let to = var("TWILIO_TO").unwrap_or_else(|| DEFAULT_TO.to_owned());

    let config = match TwilioConfig::builder(sid, token).from(from).build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration refused: {e}");
            std::process::exit(2);
        }
    };
    let gateway = match TwilioGateway::new(config) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("cannot create the gateway: {e}");
            std::process::exit(2);
        }
    };
    let message = match Message::builder().to(to).text("Hello from bramka-twilio").build() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("message refused: {e}");
            std::process::exit(2);
        }
    };
    match gateway.send(&message).await {
        Ok(report) => {
            for r in &report.recipients {
                println!(
                    "{} {} id={} parts={:?}",
                    r.to.masked(),
                    r.state,
                    r.message_id.as_deref().unwrap_or("-"),
                    r.parts
                );
            }
            if !report.all_accepted() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("send failed: {e}");
            if e.may_have_been_sent() {
                eprintln!("the message may have been sent: check the Twilio console before resending");
            }
            std::process::exit(1);
        }
    }
}
