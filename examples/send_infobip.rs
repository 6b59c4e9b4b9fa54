//! Preview a text with Infobip (its own part count and transliteration, nothing sent), and send it
//! only when a recipient is given. Infobip has no test mode: a free trial account can send only
//! to the number it was registered with.
//!
//! ```text
//! INFOBIP_BASE_URL=xxxxx.api.infobip.com INFOBIP_API_KEY=... cargo run --example send_infobip
//! INFOBIP_BASE_URL=... INFOBIP_API_KEY=... INFOBIP_TO=+48500100200 [INFOBIP_FROM=InfoSMS] \
//!     cargo run --example send_infobip
//! ```
//!
//! Without `INFOBIP_BASE_URL` and `INFOBIP_API_KEY` it says what to set and exits without any
//! request.

use bramka::infobip::{InfobipConfig, InfobipGateway, Transliteration};
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
    let (Some(base_url), Some(key)) = (env("INFOBIP_BASE_URL"), env("INFOBIP_API_KEY")) else {
        println!("skipped: set INFOBIP_BASE_URL and INFOBIP_API_KEY (and INFOBIP_TO to send) to try Infobip");
        return Ok(());
    };
    let mut config = InfobipConfig::builder(&base_url, key);
    if let Some(from) = env("INFOBIP_FROM") {
        config = config.sender(&from);
    }
    let gateway = InfobipGateway::new(config.build()?)?;

    let text = "bramka test: Zażółć gęślą jaźń";
    for p in gateway.preview(text, None, Some(Transliteration::CentralEuropean)).await? {
        let how = p.transliteration.as_deref().unwrap_or("as written");
        println!(
            "preview ({how}): {} part(s), {} characters left: {}",
            p.parts, p.characters_remaining, p.text
        );
    }

    let Some(to) = env("INFOBIP_TO") else {
        println!("not sent: set INFOBIP_TO to send it");
        return Ok(());
    };
    let message = Message::builder().to(to).text(text).build()?;
    let report = gateway.send(&message).await?;
    println!("bulk {}", report.batch_id.as_deref().unwrap_or("-"));
    for r in &report.recipients {
        println!("  {}  {}  id {}", r.to.masked(), r.state, r.message_id.as_deref().unwrap_or("-"));
    }
    Ok(())
}
