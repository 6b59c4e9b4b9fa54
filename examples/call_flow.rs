//! The SMS element of a PBX call flow (`bramka_flow::SmsAction`) for a few simulated calls,
//! sending through `console://default`: a template with the caller's number, a short delay that
//! never blocks other calls, once per call, and text fetched from the customer's own API (a local
//! server here) with a fallback when that API is down. Exits by itself after about a second.
//!
//! ```text
//! cargo run --example call_flow
//! ```

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::routing::post;
use bramka::Gateway;
use bramka_flow::{
    CallEvent, CallOutcome, ContentSource, InMemoryHistory, RemoteApi, SmsAction, SmsActionConfig,
};
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

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

async fn run() -> Result<(), BoxError> {
    let gateway: Arc<dyn Gateway> = bramka::connect("console://default")?;
    let history = InMemoryHistory::new();

    println!("## A template, 1 s after the call reaches the element, to two numbers and the caller");
    let config = SmsActionConfig::builder()
        .label("missed-call")
        .sender("Shop")
        .recipients("+48600100200, +48600100201")
        .also_to_caller(true)
        .once_per_call(true)
        .delay(Duration::from_secs(1))
        .template("Missed call {call_id} from {from_number}. {team} will call back.")
        .field("team", "Sales")
        .build()?;
    let action = SmsAction::new(config, gateway.clone())?.with_history(Arc::new(history.clone()));

    // Two calls at once: each waits in its own task, neither blocks the other. Call c-1001 then
    // passes the element a second time (a transfer loop) while the first pass is still waiting:
    // once per call, that second pass sends nothing.
    let first = action.on_call(CallEvent::new("c-1001", "+48500600700", "+48221131415"));
    let second = action.on_call(CallEvent::new("c-1002", "anonymous", "+48221131415"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = action.on_call(CallEvent::new("c-1001", "+48500600700", "+48221131415"));
    for (pass, handle) in [("c-1001", first), ("c-1002", second), ("c-1001, second pass", again)] {
        describe(pass, &handle.outcome().await);
    }

    println!("\n## Text from the customer's API (JSON, pointer /sms/text), with a fallback");
    let api = customer_api().await?;
    let down = closed_port().await?;
    for (label, url) in [("crm-text", api), ("crm-down", down)] {
        let config = SmsActionConfig::builder()
            .label(label)
            .sender("Shop")
            .also_to_caller(true)
            .remote(
                RemoteApi::post_json(url)
                    .timeout(Duration::from_secs(2))
                    .json_pointer("/sms/text")
                    .fallback("Thank you for calling Shop."),
            )
            .build()?;
        let action = SmsAction::new(config, gateway.clone())?.with_history(Arc::new(history.clone()));
        let call = format!("c-{label}");
        describe(&call, &action.run(CallEvent::new(call.as_str(), "+48500600701", "+48221131415")).await);
    }

    println!("\n## History");
    for r in history.records() {
        println!(
            "{:<12} {:<15} {:<5} {} recipient(s)",
            r.label,
            r.call_id,
            r.result.as_str(),
            r.recipients.len()
        );
    }
    Ok(())
}

fn describe(call: &str, outcome: &CallOutcome) {
    if outcome.is_duplicate() {
        println!("=> {call}: already handled (once per call), nothing sent");
        return;
    }
    let Some(record) = outcome.record() else {
        println!("=> {call}: {outcome:?}");
        return;
    };
    let to: Vec<String> = record.recipients.iter().map(|n| n.e164()).collect();
    println!("=> {call}: {} to {}", record.result.as_str(), to.join(", "));
    if let Some(c) = &record.content {
        let source = match &c.source {
            ContentSource::Template => "template".to_owned(),
            ContentSource::Remote => "customer's API".to_owned(),
            ContentSource::Fallback(e) => format!("fallback, the API failed: {e}"),
            other => format!("{other:?}"),
        };
        println!("   text ({source}; {}, {} part(s)): {}", c.encoding, c.parts, c.text);
    }
    for note in &record.notes {
        println!("   note: {note}");
    }
}

/// The customer's API on an ephemeral 127.0.0.1 port: answers `{"sms": {"text": ...}}` built from
/// the call it is told about.
async fn customer_api() -> Result<String, BoxError> {
    let router = axum::Router::new().route(
        "/sms-text",
        post(|Json(call): Json<Value>| async move {
            let caller = call["from_number"].as_str().unwrap_or("unknown").to_owned();
            Json(json!({"sms": {"text": format!("Hello {caller}, your ticket {} is open.", call["call_id"].as_str().unwrap_or("?"))}}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/sms-text", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(url)
}

/// A URL on 127.0.0.1 where nothing listens (connection refused), standing for an API that is down.
async fn closed_port() -> Result<String, BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    drop(listener);
    Ok(format!("http://{addr}/sms-text"))
}
