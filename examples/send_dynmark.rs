//! Send one SMS through Dynmark (UK). Dynmark has no test mode: this sends a real, charged SMS,
//! so it runs only when every variable is set.
//!
//! ```text
//! DYNMARK_USER=... DYNMARK_PASSWORD=... DYNMARK_FROM=Acme DYNMARK_TO=+447700900123 \
//!     cargo run --example send_dynmark
//! ```
//!
//! `DYNMARK_FROM` is a sender name of 2 to 11 characters (or a number). Otherwise it says what to
//! set and exits without any request.

use bramka::dynmark::{DynmarkConfig, DynmarkGateway};
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
    let vars = ["DYNMARK_USER", "DYNMARK_PASSWORD", "DYNMARK_FROM", "DYNMARK_TO"].map(env);
    let [Some(user), Some(password), Some(from), Some(to)] = vars else {
        println!(
            "skipped: set DYNMARK_USER, DYNMARK_PASSWORD, DYNMARK_FROM and DYNMARK_TO to send (a real, charged SMS)"
        );
        return Ok(());
    };
    let gateway = DynmarkGateway::new(DynmarkConfig::builder(user, password).sender(from).build()?)?;

    let message =
        Message::builder().to(to).default_prefix("44").text("bramka test: hello from Rust").build()?;
    println!("sending through Dynmark (client reference {})", message.client_ref());
    let report = gateway.send(&message).await?;
    for r in &report.recipients {
        println!("  {}  {}", r.to.masked(), r.state);
    }
    Ok(())
}
