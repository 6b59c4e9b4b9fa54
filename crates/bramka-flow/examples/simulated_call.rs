//! Runs the call-flow SMS action for a simulated call, printing what would be sent.
//!
//! `cargo run -p bramka-flow --example simulated_call`

use std::sync::Arc;
use std::time::Duration;

use bramka_core::{
    Capabilities, Error, Gateway, Message, RecipientReport, SendReport, SendState, async_trait,
};
use bramka_flow::{CallEvent, CallOutcome, InMemoryHistory, SmsAction, SmsActionConfig};

/// A gateway that prints each message instead of sending it.
#[derive(Debug, Default)]
struct PrintingGateway {
    caps: Capabilities,
}

#[async_trait]
impl Gateway for PrintingGateway {
    fn id(&self) -> &str {
        "print"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let a = message.analysis();
        println!(
            "SMS from {} to {} ({} part(s), {}):\n  {}",
            message.sender().map_or_else(|| "<default>".to_owned(), |s| s.as_string()),
            message.recipients().iter().map(|n| n.e164()).collect::<Vec<_>>().join(", "),
            a.segments(),
            a.encoding(),
            message.text()
        );
        let mut report = SendReport::new("print", message);
        for to in message.recipients() {
            report.push(RecipientReport::new(to.clone(), SendState::Accepted));
        }
        Ok(report)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = SmsActionConfig::builder()
        .label("missed-call")
        .sender("Shop")
        .recipients("+48600100200, +48600100201")
        .also_to_caller(true)
        .once_per_call(true)
        .delay(Duration::from_millis(300))
        .template("Missed call {call_id} from {from_number} to {to_number}. {team} will call you back.")
        .field("team", "Sales")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));

    let history = InMemoryHistory::new();
    let action = SmsAction::new(config, Arc::new(PrintingGateway::default()))
        .expect("no HTTP client is needed for a template")
        .with_history(Arc::new(history.clone()));

    // The call reaches the element twice (e.g. it loops through the menu): one SMS.
    let call = CallEvent::new("call-1001", "+48500600700", "+48221131415");
    let first = action.on_call(call.clone());
    let second = action.on_call(call);
    for handle in [first, second] {
        match handle.outcome().await {
            CallOutcome::Completed(r) => {
                println!("history: [{}] call {} -> {}", r.label, r.call_id, r.result)
            }
            CallOutcome::Duplicate { call_id } => println!("call {call_id}: already handled, nothing sent"),
            other => println!("{other:?}"),
        }
    }
    println!("{} record(s) for missed-call", history.by_label("missed-call").len());
}
