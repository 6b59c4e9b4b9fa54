//! Sends one SMS through Dynmark.
//!
//! Reads `DYNMARK_USER`, `DYNMARK_PASSWORD`, `DYNMARK_TO` and optional `DYNMARK_FROM` (default
//! `bramka`). Dynmark has no test mode: this sends a real, billed message, so every required
//! variable must be set; otherwise it says what to set and exits 0 without any request.
//!
//! ```sh
//! DYNMARK_USER=acme DYNMARK_PASSWORD=... DYNMARK_TO=+447... cargo run -p bramka-dynmark --example dynmark_send
//! ```

use bramka_core::{Gateway, Message};
use bramka_dynmark::{DynmarkConfig, DynmarkGateway};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (Ok(user), Ok(password), Ok(to)) =
        (std::env::var("DYNMARK_USER"), std::env::var("DYNMARK_PASSWORD"), std::env::var("DYNMARK_TO"))
    else {
        println!(
            "skipped: Dynmark has no test mode, so this sends a real SMS; set DYNMARK_USER, \
             DYNMARK_PASSWORD and DYNMARK_TO (and optionally DYNMARK_FROM) to send"
        );
        return;
    };
    let from = std::env::var("DYNMARK_FROM").unwrap_or_else(|_| "bramka".into());
    let result = async {
        let gw = DynmarkGateway::new(DynmarkConfig::builder(user, password).sender(from).build()?)?;
        let msg = Message::builder().to(to).default_prefix("44").text("Hello from bramka").build()?;
        gw.send(&msg).await
    }
    .await;
    match result {
        Ok(report) => {
            for r in &report.recipients {
                println!("{}: {}", r.to, r.state);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
