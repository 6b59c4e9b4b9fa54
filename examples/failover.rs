//! Failover, round robin and retries, and why they depend on *certainty*: whether a failed send
//! may still have reached the operator.
//!
//! ```text
//! cargo run --example failover
//! ```
//!
//! Every bramka error says [`Certainty::NotSent`] (nothing left: safe to try again or elsewhere)
//! or [`Certainty::MaybeSent`] (the request may have been processed, e.g. a timeout after it was
//! written or a 5xx). Sending a `MaybeSent` message again can deliver it twice, so:
//!
//! - `a || b` (failover) moves to `b` only after a `NotSent` error;
//! - `a && b` (round robin) spreads sends over both, with the same rule on failure;
//! - `RetryGateway` retries transient `NotSent` errors, and `MaybeSent` ones only when the
//!   operator de-duplicates by the message's client reference (SMSAPI's `idx`).
//!
//! Nothing here touches the network: `console://default` prints, `null://default` accepts
//! silently, and `mock://NAME?fail=KIND` (bramka's test double, dev builds) fails on purpose.

use std::time::Duration;

use bramka::testing::{MockGateway, MockResult};
use bramka::{Certainty, Error, ErrorKind, Gateway, Message, RetryGateway, RetryPolicy};

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

async fn run() -> Result<(), Error> {
    let message =
        Message::builder().to("+48600100200").sender("Shop").text("Your parcel is on its way").build()?;

    section("1. `a || b`: the primary refuses the connection (NotSent), so the backup sends");
    let gw = bramka::connect("mock://primary?fail=network || console://default")?;
    println!("gateway: {}", gw.id());
    let report = gw.send(&message).await?;
    println!("=> sent by `{}`, all accepted: {}", report.gateway, report.all_accepted());

    section("2. `a || b`: the primary times out after writing the request (MaybeSent): no failover");
    let gw = bramka::connect("mock://primary?fail=timeout || console://default")?;
    match gw.send(&message).await {
        Ok(report) => println!("=> unexpectedly sent by `{}`", report.gateway),
        Err(e) => {
            println!("=> error: {e}");
            println!("   kind {:?}, certainty {:?}", e.kind(), e.certainty());
            println!("   the console printed nothing: the SMS may already be on its way through `primary`,");
            println!("   so sending it elsewhere could deliver it twice. Check its status before resending.");
        }
    }

    section("3. `a && b`: round robin, one send each (starting at a random gateway)");
    let gw = bramka::connect("null://default && mock://second")?;
    for i in 1..=4 {
        let report = gw.send(&message).await?;
        println!("send {i} => `{}`", report.gateway);
    }

    section("4. RetryGateway: two refused connections (NotSent), then success");
    let flaky = MockGateway::new().with_id("flaky");
    let refused = || Error::new(ErrorKind::Network, Certainty::NotSent, "connection refused");
    flaky.push_results([MockResult::Fail(refused()), MockResult::Fail(refused())]);
    let gw = RetryGateway::new(flaky.clone(), quick_policy());
    let report = gw.send(&message).await?;
    println!("=> accepted after {} attempts: {}", flaky.calls().len(), report.all_accepted());

    section("5. RetryGateway: a timeout after sending (MaybeSent), operator without de-duplication");
    let plain = MockGateway::new().with_id("plain");
    plain.push_result(MockResult::TimeoutAfterSending);
    let gw = RetryGateway::new(plain.clone(), quick_policy());
    match gw.send(&message).await {
        Ok(_) => println!("=> unexpectedly accepted"),
        Err(e) => println!(
            "=> gave up after {} attempt: {:?} / {:?} (a retry could send the SMS twice)",
            plain.calls().len(),
            e.kind(),
            e.certainty()
        ),
    }

    section("6. RetryGateway: the same timeout, operator de-duplicating by client reference");
    let dedupe = MockGateway::new().with_id("dedupe").with_server_dedupe();
    dedupe.push_result(MockResult::TimeoutAfterSending);
    let gw = RetryGateway::new(dedupe.clone(), quick_policy());
    let report = gw.send(&message).await?;
    println!(
        "=> retried with the same client reference {}: {} attempts, state `{}`, delivered {} time(s)",
        message.client_ref(),
        dedupe.calls().len(),
        report.recipients[0].state,
        dedupe.sent_count(&message, &message.recipients()[0])
    );
    Ok(())
}

/// The default policy (3 attempts, exponential backoff with jitter) with short waits for a demo.
fn quick_policy() -> RetryPolicy {
    RetryPolicy::new().with_base_delay(Duration::from_millis(50)).with_max_delay(Duration::from_millis(200))
}

fn section(title: &str) {
    println!("\n## {title}");
}
