//! Send one SMS through Twilio. With your **test credentials** (Console > Account > API keys &
//! tokens > Test credentials) and Twilio's magic numbers nothing is delivered or charged.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... cargo run --example send_twilio
//! ```
//!
//! `TWILIO_FROM` defaults to `+15005550006` and `TWILIO_TO` to `+14108675310`, the magic numbers
//! test credentials accept. With live credentials set both to real numbers. Without
//! `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` it says what to set and exits without any request.

use bramka::twilio::{TwilioConfig, TwilioGateway};
use bramka::{Gateway, Message};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(sid), Some(token)) = (env("TWILIO_ACCOUNT_SID"), env("TWILIO_AUTH_TOKEN")) else {
        println!("skipped: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (test credentials) to try Twilio");
        return Ok(());
    };
    let from = env("TWILIO_FROM").unwrap_or_else(|| "+15005550006".to_owned());
    let to = env("TWILIO_TO").unwrap_or_else(|| "+14108675310".to_owned());
    let gateway = TwilioGateway::new(TwilioConfig::builder(sid, token).from(from).build()?)?;

    let message = Message::builder().to(to).text("bramka test: hello from Rust").build()?;
    let report = gateway.send(&message).await?;
    for r in &report.recipients {
        println!("  {}  {}  sid {}", r.to.masked(), r.state, r.message_id.as_deref().unwrap_or("-"));
    }
    Ok(())
}
