//! Send one SMS through SMSAPI in **test mode** (validated and answered by SMSAPI, nothing
//! delivered or charged), then show the account balance.
//!
//! ```text
//! SMSAPI_TOKEN=... SMSAPI_TO=48500100200 [SMSAPI_FROM=Shop] cargo run --example send_smsapi
//! ```
//!
//! Without `SMSAPI_TOKEN` and `SMSAPI_TO` it says what to set and exits without any request.
//! The token is an OAuth token from the SMSAPI panel; `SMSAPI_FROM` must be a sender name
//! registered and active on the account (else SMSAPI's default is used).

use bramka::smsapi::{SmsapiConfig, SmsapiGateway};
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
    let (Some(token), Some(to)) = (env("SMSAPI_TOKEN"), env("SMSAPI_TO")) else {
        println!(
            "skipped: set SMSAPI_TOKEN and SMSAPI_TO (and optionally SMSAPI_FROM) to send a test-mode SMS"
        );
        return Ok(());
    };
    let mut config = SmsapiConfig::builder(token).test_mode(true);
    if let Some(from) = env("SMSAPI_FROM") {
        config = config.sender(from);
    }
    let gateway = SmsapiGateway::new(config.build()?)?;

    let message = Message::builder().to(to).text("bramka test: Zażółć gęślą jaźń").build()?;
    println!("sending through SMSAPI (test mode, client reference {})", message.client_ref());
    let report = gateway.send(&message).await?;
    for r in &report.recipients {
        let price = r.price.as_ref().map(|p| format!(", {} {}", p.amount, p.unit)).unwrap_or_default();
        println!("  {}  {}  id {}{price}", r.to.masked(), r.state, r.message_id.as_deref().unwrap_or("-"));
    }
    match gateway.balance().await {
        Ok(b) => println!("balance: {b}"),
        Err(e) => println!("balance not available: {e}"),
    }
    Ok(())
}
