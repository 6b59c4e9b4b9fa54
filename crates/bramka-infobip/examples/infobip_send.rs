//! Schedules an SMS an hour ahead through Infobip, then pauses, reschedules and cancels its bulk,
//! printing each step. Nothing is delivered: the bulk is canceled before its time.
//!
//! ```sh
//! INFOBIP_BASE_URL=xxxxx.api.infobip.com INFOBIP_API_KEY=... INFOBIP_TO=+48600100200 \
//!     cargo run -p bramka-infobip --example infobip_send
//! ```
//!
//! Without `INFOBIP_BASE_URL` / `INFOBIP_API_KEY` it explains what to set and exits 0. Without
//! `INFOBIP_TO` it only reads the balance: it never picks a recipient on its own.

use std::process::ExitCode;

use bramka_core::{Gateway, Message};
use bramka_infobip::{InfobipConfig, InfobipGateway};
use chrono::{Duration, Utc};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (Ok(base_url), Ok(key)) = (std::env::var("INFOBIP_BASE_URL"), std::env::var("INFOBIP_API_KEY"))
    else {
        println!(
            "infobip_send: set INFOBIP_BASE_URL (your account's base URL, e.g. xxxxx.api.infobip.com) and \
             INFOBIP_API_KEY, and optionally INFOBIP_TO (a recipient) to run this example; nothing was sent."
        );
        return ExitCode::SUCCESS;
    };
    match run(&base_url, key, std::env::var("INFOBIP_TO").ok()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("infobip_send failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(base_url: &str, key: String, to: Option<String>) -> Result<(), bramka_core::Error> {
    let gw = InfobipGateway::new(InfobipConfig::builder(base_url, key).build()?)?;
    println!("1. balance: {}", gw.balance().await?);
    let Some(to) = to else {
        println!("INFOBIP_TO is not set: skipping the scheduled-bulk walkthrough.");
        return Ok(());
    };

    let at = Utc::now() + Duration::hours(1);
    let msg = Message::builder()
        .to(to.as_str())
        .text("bramka example: this message is canceled before it is sent")
        .send_at(at)
        .build()?;
    let report = gw.send(&msg).await?;
    let bulk = report.batch_id.clone().unwrap_or_else(|| InfobipGateway::bulk_id_for(&msg));
    for r in &report.recipients {
        println!("2. scheduled for {at}: {} -> {} (message id {:?})", r.to.masked(), r.state, r.message_id);
    }
    println!("   bulk {bulk}: {}", gw.bulk_status(&bulk).await?);

    let result = async {
        gw.pause(&bulk).await?;
        println!("3. paused: {}", gw.bulk_status(&bulk).await?);
        gw.reschedule(&bulk, at + Duration::hours(1)).await?;
        println!("4. rescheduled: sendAt is now {}", gw.bulk_schedule(&bulk).await?.send_at);
        Ok::<_, bramka_core::Error>(())
    }
    .await;
    // Cancel whatever happened above, so nothing goes out.
    gw.cancel(&bulk).await?;
    println!("5. canceled: {}", gw.bulk_status(&bulk).await?);
    result?;
    match gw.resume(&bulk).await {
        Err(e) => println!("6. resuming a canceled bulk is refused, as it should be: {e}"),
        Ok(()) => println!("6. unexpected: resuming a canceled bulk succeeded"),
    }
    Ok(())
}
