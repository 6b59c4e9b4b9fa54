//! Quick start: build one SMS, send it through `console://default` (which prints the message instead of
//! sending it: no account, no network), and print the report.
//!
//! ```text
//! cargo run --example quick_start
//! ```
//!
//! The same code sends for real with another DSN, for example
//! `cargo run --example quick_start -- 'smsapi://TOKEN@default?from=Shop&test=1'`
//! (SMSAPI's test mode: validated and answered, nothing sent or charged).

use bramka::{Message, SendState};

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

async fn run() -> Result<(), bramka::Error> {
    let dsn = std::env::args().nth(1).unwrap_or_else(|| "console://default".to_owned());
    let gateway = bramka::connect(&dsn)?;

    // Numbers are checked and normalised to E.164 when the message is built; the text is analysed
    // (encoding, units, parts) before anything is sent.
    let message = Message::builder()
        .to("+48 600 100 200, +48 600 100 201")
        .sender("Shop")
        .text("Zamówienie 17 czeka na odbiór. Dziękujemy!")
        .build()?;
    let analysis = message.analysis();
    println!(
        "{} recipients, {} encoding, {} units, {} part(s) each",
        message.recipients().len(),
        analysis.encoding(),
        analysis.units(),
        analysis.segments()
    );

    let report = gateway.send(&message).await?;

    println!("\nreport from `{}` (client reference {}):", report.gateway, report.client_ref);
    for r in &report.recipients {
        let id = r.message_id.as_deref().unwrap_or("-");
        match &r.state {
            SendState::Rejected(e) => println!("  {}  rejected: {e}", r.to.e164()),
            state => println!("  {}  {state}  id {id}", r.to.e164()),
        }
    }
    println!("all accepted: {}", report.all_accepted());
    Ok(())
}
