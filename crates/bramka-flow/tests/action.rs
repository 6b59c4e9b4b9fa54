//! The action with template content: recipients, caller, once per call, delay, scheduling,
//! history. Sends go to `MockGateway`; time is a `ManualClock` or tokio's paused clock.

use std::sync::Arc;
use std::time::Duration;

use bramka_core::clock::ManualClock;
use bramka_core::testing::{MockGateway, MockResult};
use bramka_core::{Capabilities, Capability, Certainty, Encoding, Error, ErrorKind, Sender};
use bramka_flow::{
    CallEvent, CallOutcome, ContentError, ContentSource, InMemoryDedupe, InMemoryHistory, SendResult,
    SmsAction, SmsActionConfig, SmsActionConfigBuilder,
};
use chrono::{DateTime, Utc};

const T0: &str = "2026-03-02T09:00:00Z";

fn t0() -> DateTime<Utc> {
    T0.parse().unwrap()
}

fn base() -> SmsActionConfigBuilder {
    SmsActionConfig::builder()
        .label("reception")
        .sender("Shop")
        .recipients("+48600100200, +48 600 100 201")
        .template("Call {call_id} from {from_number} to {to_number}: {note}")
        .field("note", "please call back")
}

fn setup(config: SmsActionConfig, gw: &MockGateway) -> (SmsAction, InMemoryHistory, ManualClock) {
    let history = InMemoryHistory::new();
    let clock = ManualClock::new(t0());
    let action = SmsAction::new(config, Arc::new(gw.clone()))
        .unwrap()
        .with_history(Arc::new(history.clone()))
        .with_clock(Arc::new(clock.clone()));
    (action, history, clock)
}

fn call(id: &str) -> CallEvent {
    CallEvent::new(id, "+48500600700", "+48221131415")
}

fn numbers(msg: &bramka_core::Message) -> Vec<String> {
    msg.recipients().iter().map(|n| n.e164()).collect()
}

#[tokio::test]
async fn template_is_rendered_and_sent_to_the_configured_numbers_only() {
    let gw = MockGateway::new();
    let (action, history, _) = setup(base().build().unwrap(), &gw);

    let outcome = action.run(call("c-1")).await;
    assert!(outcome.is_sent(), "{outcome:?}");

    let sent = gw.sent();
    assert_eq!(sent.len(), 1);
    let msg = &sent[0];
    assert_eq!(msg.text(), "Call c-1 from +48500600700 to +48221131415: please call back");
    assert_eq!(numbers(msg), ["+48600100200", "+48600100201"], "caller not added");
    assert_eq!(msg.sender(), Some(&Sender::Alphanumeric("Shop".into())));
    assert_eq!(msg.send_at(), None);

    let records = history.by_label("reception");
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.call_id, "c-1");
    assert_eq!(r.text(), Some(msg.text()));
    assert_eq!(r.parts(), 1);
    assert_eq!(r.encoding(), Some(Encoding::Gsm7));
    assert_eq!(r.content.as_ref().unwrap().source, ContentSource::Template);
    assert_eq!(r.recipients, msg.recipients());
    assert_eq!(r.at, t0());
    match &r.result {
        SendResult::Sent(report) => {
            assert_eq!(report.gateway, "mock");
            assert!(report.all_accepted());
            assert_eq!(report.recipients.len(), 2);
        }
        other => panic!("expected a send report, got {other}"),
    }
    assert!(history.by_label("other").is_empty());
}

#[tokio::test]
async fn caller_is_added_when_configured() {
    let gw = MockGateway::new();
    let (action, history, _) = setup(base().also_to_caller(true).build().unwrap(), &gw);
    action.run(call("c-2")).await;
    assert_eq!(numbers(&gw.sent()[0]), ["+48600100200", "+48600100201", "+48500600700"]);
    assert_eq!(history.records()[0].recipients.len(), 3);
}

#[tokio::test]
async fn caller_already_in_the_list_gets_one_copy() {
    let gw = MockGateway::new();
    let (action, _, _) = setup(base().also_to_caller(true).build().unwrap(), &gw);
    action.run(CallEvent::new("c-3", "+48600100200", "+48221131415")).await;
    assert_eq!(numbers(&gw.sent()[0]), ["+48600100200", "+48600100201"]);
}

#[tokio::test]
async fn national_caller_number_gets_the_caller_prefix() {
    let gw = MockGateway::new();
    let config = SmsActionConfig::builder()
        .label("l")
        .also_to_caller(true)
        .caller_prefix("+48")
        .template("Thanks for calling")
        .build()
        .unwrap();
    let (action, _, _) = setup(config, &gw);
    action.run(CallEvent::new("c-4", "600 100 300", "221131415")).await;
    assert_eq!(numbers(&gw.sent()[0]), ["+48600100300"]);
}

#[tokio::test]
async fn anonymous_caller_is_skipped_with_a_note() {
    let gw = MockGateway::new();
    let (action, history, _) = setup(base().also_to_caller(true).build().unwrap(), &gw);
    let outcome = action.run(CallEvent::new("c-5", "anonymous", "+48221131415")).await;
    assert!(outcome.is_sent());
    assert_eq!(numbers(&gw.sent()[0]), ["+48600100200", "+48600100201"]);
    let notes = &history.records()[0].notes;
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("caller"), "{notes:?}");
}

#[tokio::test]
async fn only_the_caller_and_no_usable_caller_number_sends_nothing() {
    let gw = MockGateway::new();
    let config =
        SmsActionConfig::builder().label("l").also_to_caller(true).template("Thanks").build().unwrap();
    let (action, history, _) = setup(config, &gw);
    let outcome = action.run(CallEvent::new("c-6", "", "+48221131415")).await;
    assert!(matches!(outcome.record().unwrap().result, SendResult::NoRecipients), "{outcome:?}");
    assert!(gw.calls().is_empty());
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn empty_rendered_text_is_never_sent() {
    let gw = MockGateway::new();
    let config = base().template("{from_number}").build().unwrap();
    let (action, history, _) = setup(config, &gw);
    let outcome = action.run(CallEvent::new("c-7", "", "+48221131415")).await;
    let record = outcome.record().unwrap();
    assert!(matches!(record.result, SendResult::NoContent(ContentError::EmptyText)), "{record:?}");
    assert_eq!(record.text(), None);
    assert!(gw.calls().is_empty());
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn text_over_the_part_cap_is_an_invalid_message_not_a_truncated_send() {
    let gw = MockGateway::new();
    let config = base().template("Call {call_id}").build().unwrap();
    let (action, _, _) = setup(config, &gw);
    let long_id = "x".repeat(1200);
    let outcome = action.run(call(&long_id)).await;
    let record = outcome.record().unwrap();
    assert!(matches!(record.result, SendResult::InvalidMessage(_)), "{}", record.result);
    assert!(record.parts() > 7, "the record keeps the analysis: {}", record.parts());
    assert!(gw.calls().is_empty());
}

#[tokio::test]
async fn polish_text_is_analysed_as_ucs2() {
    let gw = MockGateway::new();
    let config = base().template("Dziękujemy za telefon {call_id}").build().unwrap();
    let (action, history, _) = setup(config, &gw);
    action.run(call("c-8")).await;
    let r = &history.records()[0];
    assert_eq!(r.encoding(), Some(Encoding::Ucs2));
    assert_eq!(r.parts(), 1);
    assert_eq!(gw.sent()[0].analysis().encoding(), Encoding::Ucs2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_duplicate_events_send_exactly_once() {
    let gw = MockGateway::new();
    let (action, history, _) = setup(base().once_per_call(true).build().unwrap(), &gw);
    let handles: Vec<_> = (0..50).map(|_| action.on_call(call("dup-1"))).collect();
    let mut sent = 0;
    let mut duplicates = 0;
    for h in handles {
        match h.outcome().await {
            CallOutcome::Duplicate { call_id } => {
                assert_eq!(call_id, "dup-1");
                duplicates += 1
            }
            o if o.is_sent() => sent += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((sent, duplicates), (1, 49));
    assert_eq!(gw.sent().len(), 1);
    assert_eq!(gw.calls().len(), 1);
    assert_eq!(history.len(), 1);

    // Another call is not affected.
    assert!(action.run(call("dup-2")).await.is_sent());
    assert_eq!(gw.sent().len(), 2);
}

#[tokio::test]
async fn without_once_per_call_every_pass_sends() {
    let gw = MockGateway::new();
    let (action, history, _) = setup(base().build().unwrap(), &gw);
    for _ in 0..3 {
        assert!(action.run(call("loop-1")).await.is_sent());
    }
    assert_eq!(gw.sent().len(), 3);
    assert_eq!(history.by_call("loop-1").len(), 3);
}

#[tokio::test]
async fn once_per_call_is_per_element_label() {
    let gw = MockGateway::new();
    let store = Arc::new(InMemoryDedupe::new());
    let (a, _, _) = setup(base().once_per_call(true).build().unwrap(), &gw);
    let (b, _, _) = setup(base().label("queue-full").once_per_call(true).build().unwrap(), &gw);
    let (a, b) = (a.with_dedupe(store.clone()), b.with_dedupe(store.clone()));
    assert!(a.run(call("c-9")).await.is_sent());
    assert!(b.run(call("c-9")).await.is_sent(), "another element of the flow sends its own SMS");
    assert!(a.run(call("c-9")).await.is_duplicate());
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn a_certainly_unsent_call_can_send_on_its_next_pass() {
    let gw = MockGateway::new();
    gw.push_result(MockResult::Fail(Error::new(ErrorKind::Unavailable, Certainty::NotSent, "down")));
    let (action, history, _) = setup(base().once_per_call(true).build().unwrap(), &gw);

    let first = action.run(call("c-10")).await;
    match &first.record().unwrap().result {
        SendResult::GatewayError(e) => assert_eq!(e.kind(), ErrorKind::Unavailable),
        other => panic!("expected a gateway error, got {other}"),
    }
    assert!(action.run(call("c-10")).await.is_sent(), "released after a certain failure");
    assert!(action.run(call("c-10")).await.is_duplicate());
    assert_eq!(gw.sent().len(), 1);
    assert_eq!(history.len(), 2);
}

#[tokio::test]
async fn a_possibly_sent_call_is_not_sent_again() {
    let gw = MockGateway::new();
    gw.push_result(MockResult::TimeoutAfterSending);
    let (action, _, _) = setup(base().once_per_call(true).build().unwrap(), &gw);
    let first = action.run(call("c-11")).await;
    assert!(matches!(&first.record().unwrap().result, SendResult::GatewayError(e) if e.may_have_been_sent()));
    assert!(action.run(call("c-11")).await.is_duplicate());
    assert_eq!(gw.calls().len(), 1);
}

#[tokio::test]
async fn once_per_call_entries_expire() {
    let gw = MockGateway::new();
    let config = base().once_per_call(true).dedupe_ttl(Duration::from_secs(3600)).build().unwrap();
    let (action, _, clock) = setup(config, &gw);
    assert!(action.run(call("c-12")).await.is_sent());
    clock.advance(Duration::from_secs(3599));
    assert!(action.run(call("c-12")).await.is_duplicate());
    clock.advance(Duration::from_secs(1));
    assert!(action.run(call("c-12")).await.is_sent());
    assert_eq!(gw.sent().len(), 2);
}

#[tokio::test]
async fn delay_waits_through_the_clock() {
    let gw = MockGateway::new();
    let config = base().delay(Duration::from_secs(90)).build().unwrap();
    let (action, history, clock) = setup(config, &gw);
    action.run(call("c-13")).await;
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(90)]);
    assert_eq!(gw.sent()[0].send_at(), None);
    let r = &history.records()[0];
    assert_eq!(r.at, t0() + chrono::Duration::seconds(90));
    assert_eq!(r.scheduled_for, None);
}

fn scheduling_gateway() -> MockGateway {
    MockGateway::new().with_capabilities(Capabilities::new().with_batch_size(1000).with(Capability::Schedule))
}

#[tokio::test]
async fn long_delay_uses_the_gateways_scheduling_when_it_has_one() {
    let gw = scheduling_gateway();
    let config = base().delay(Duration::from_secs(2 * 3600)).build().unwrap();
    let (action, history, clock) = setup(config, &gw);
    action.run(call("c-14")).await;
    assert!(clock.sleeps().is_empty(), "no waiting in the application: {:?}", clock.sleeps());
    let at = t0() + chrono::Duration::hours(2);
    assert_eq!(gw.sent()[0].send_at(), Some(at));
    assert_eq!(history.records()[0].scheduled_for, Some(at));
}

#[tokio::test]
async fn short_delay_waits_even_when_the_gateway_can_schedule() {
    let gw = scheduling_gateway();
    let config = base().delay(Duration::from_secs(300)).build().unwrap();
    let (action, _, clock) = setup(config, &gw);
    action.run(call("c-15")).await;
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(300)]);
    assert_eq!(gw.sent()[0].send_at(), None);
}

#[tokio::test]
async fn threshold_is_configurable_and_can_be_switched_off() {
    let gw = scheduling_gateway();
    let config =
        base().delay(Duration::from_secs(60)).schedule_threshold(Duration::from_secs(60)).build().unwrap();
    let (action, _, clock) = setup(config, &gw);
    action.run(call("c-16")).await;
    assert!(clock.sleeps().is_empty());
    assert_eq!(gw.sent()[0].send_at(), Some(t0() + chrono::Duration::seconds(60)));

    let gw = scheduling_gateway();
    let config = base().delay(Duration::from_secs(7200)).never_gateway_schedule().build().unwrap();
    let (action, _, clock) = setup(config, &gw);
    action.run(call("c-17")).await;
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7200)]);
    assert_eq!(gw.sent()[0].send_at(), None);
}

#[tokio::test]
async fn long_delay_without_gateway_scheduling_waits() {
    let gw = MockGateway::new();
    let config = base().delay(Duration::from_secs(7200)).build().unwrap();
    let (action, _, clock) = setup(config, &gw);
    action.run(call("c-18")).await;
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7200)]);
    assert_eq!(gw.sent()[0].send_at(), None);
}

/// Tokio's paused clock with the system clock: a call waiting its delay does not hold up another.
#[tokio::test(start_paused = true)]
async fn a_delayed_call_does_not_block_other_calls() {
    let gw = MockGateway::new();
    let slow = SmsAction::new(
        base().delay(Duration::from_secs(60)).template("slow {call_id}").build().unwrap(),
        Arc::new(gw.clone()),
    )
    .unwrap();
    let fast = SmsAction::new(
        base().label("fast").template("fast {call_id}").build().unwrap(),
        Arc::new(gw.clone()),
    )
    .unwrap();

    let slow_handle = slow.on_call(call("s-1"));
    let fast_outcome = fast.on_call(call("f-1")).outcome().await;
    assert!(fast_outcome.is_sent());
    assert_eq!(gw.sent().iter().map(|m| m.text().to_owned()).collect::<Vec<_>>(), ["fast f-1"]);
    assert!(!slow_handle.is_finished());

    tokio::time::advance(Duration::from_secs(59)).await;
    tokio::task::yield_now().await;
    assert_eq!(gw.sent().len(), 1, "not before the delay");
    assert!(!slow_handle.is_finished());

    tokio::time::advance(Duration::from_secs(1)).await;
    assert!(slow_handle.outcome().await.is_sent());
    assert_eq!(gw.sent()[1].text(), "slow s-1");
}

#[tokio::test(start_paused = true)]
async fn aborting_a_waiting_call_sends_nothing() {
    let gw = MockGateway::new();
    let action =
        SmsAction::new(base().delay(Duration::from_secs(30)).build().unwrap(), Arc::new(gw.clone())).unwrap();
    let handle = action.on_call(call("c-19"));
    tokio::task::yield_now().await;
    handle.abort();
    let outcome = handle.outcome().await;
    assert!(matches!(&outcome, CallOutcome::Aborted { call_id, .. } if call_id == "c-19"), "{outcome:?}");
    tokio::time::advance(Duration::from_secs(60)).await;
    assert!(gw.calls().is_empty());
}

#[derive(Debug)]
struct BrokenStore;

#[bramka_core::async_trait]
impl bramka_flow::DedupeStore for BrokenStore {
    async fn claim(&self, _: &str, _: DateTime<Utc>, _: Duration) -> Result<bool, bramka_flow::StoreError> {
        Err(bramka_flow::StoreError::new("redis", "connection refused"))
    }
    async fn release(&self, _: &str) -> Result<(), bramka_flow::StoreError> {
        Err(bramka_flow::StoreError::new("redis", "connection refused"))
    }
}

#[bramka_core::async_trait]
impl bramka_flow::HistorySink for BrokenStore {
    async fn record(&self, _: &bramka_flow::SendRecord) -> Result<(), bramka_flow::StoreError> {
        Err(bramka_flow::StoreError::new("db", "disk full"))
    }
}

#[tokio::test]
async fn a_failing_dedupe_store_sends_nothing_rather_than_maybe_twice() {
    let gw = MockGateway::new();
    let (action, history, _) = setup(base().once_per_call(true).build().unwrap(), &gw);
    let action = action.with_dedupe(Arc::new(BrokenStore));
    let outcome = action.run(call("c-20")).await;
    match &outcome.record().unwrap().result {
        SendResult::DedupeUnavailable(e) => assert_eq!(e.to_string(), "redis: connection refused"),
        other => panic!("expected dedupe unavailable, got {other}"),
    }
    assert!(gw.calls().is_empty());
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn a_failing_history_sink_does_not_change_the_outcome() {
    let gw = MockGateway::new();
    let (action, _, _) = setup(base().build().unwrap(), &gw);
    let action = action.with_history(Arc::new(BrokenStore));
    assert!(action.run(call("c-21")).await.is_sent());
    assert_eq!(gw.sent().len(), 1);
}

#[tokio::test]
async fn once_per_call_refuses_an_event_without_a_call_id() {
    let gw = MockGateway::new();
    let (action, history, _) = setup(base().once_per_call(true).build().unwrap(), &gw);
    let outcome = action.run(call(" ")).await;
    assert!(matches!(outcome.record().unwrap().result, SendResult::MissingCallId), "{outcome:?}");
    assert!(gw.calls().is_empty());
    assert_eq!(history.len(), 1);

    // Without once per call an empty id is just a value.
    let (action, _, _) = setup(base().build().unwrap(), &gw);
    assert!(action.run(call("")).await.is_sent());
}

#[tokio::test]
async fn every_recipient_rejected_for_certain_releases_the_call() {
    let gw = MockGateway::new();
    let refused = || Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, "blocked");
    gw.push_result(MockResult::reject(["+48600100200", "+48600100201"], refused()));
    let (action, _, _) = setup(base().once_per_call(true).build().unwrap(), &gw);
    let first = action.run(call("c-22")).await;
    assert!(matches!(&first.record().unwrap().result, SendResult::Sent(r) if r.accepted().count() == 0));
    assert!(action.run(call("c-22")).await.is_sent(), "released: nothing went out");
    assert!(action.run(call("c-22")).await.is_duplicate());
}

#[tokio::test]
async fn a_partial_rejection_keeps_the_call() {
    let gw = MockGateway::new();
    let refused = Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, "blocked");
    gw.push_result(MockResult::reject(["+48600100200"], refused));
    let (action, _, _) = setup(base().once_per_call(true).build().unwrap(), &gw);
    assert!(action.run(call("c-23")).await.is_sent());
    assert_eq!(numbers(&gw.sent()[0]), ["+48600100201"]);
    assert!(action.run(call("c-23")).await.is_duplicate(), "one recipient got it: not again");
}
