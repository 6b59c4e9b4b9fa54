//! The test doubles and the conformance kit.
#![cfg(feature = "test-util")]

use std::sync::Arc;
use std::time::Duration;

use bramka_core::async_trait;
use bramka_core::testing::conformance::Conformance;
use bramka_core::testing::{
    ConsoleGateway, MockCall, MockGateway, MockOp, MockResult, NullGateway, RecordingGateway, SharedBuffer,
};
use bramka_core::{
    Balance, Capabilities, Capability, Certainty, DeliveryReport, DeliveryState, Error, ErrorKind, Gateway,
    Message, SendReport, SendState,
};
use futures::FutureExt;

fn msg(to: &str) -> Message {
    Message::builder().to(to).text("Hello").build().unwrap()
}

// ----------------------------------------------------------------------------------- MockGateway

#[tokio::test]
async fn mock_follows_its_script_then_accepts() {
    let mock = MockGateway::new();
    mock.push_results([
        MockResult::Fail(Error::new(ErrorKind::Auth, Certainty::NotSent, "bad token")),
        MockResult::TimeoutAfterSending,
        MockResult::Accept,
    ]);
    let m = msg("+48600100200");
    let e = mock.send(&m).await.unwrap_err();
    assert_eq!((e.kind(), e.gateway()), (ErrorKind::Auth, Some("mock")));
    let e = mock.send(&m).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Timeout, Certainty::MaybeSent));
    let r = mock.send(&m).await.unwrap();
    assert_eq!(r.recipients[0].message_id.as_deref(), Some("mock-2"));
    assert_eq!(mock.remaining_script(), 0);
    let r = mock.send(&m).await.unwrap(); // script empty: accepted
    assert_eq!(r.recipients[0].message_id.as_deref(), Some("mock-3"));
    assert_eq!(mock.calls().len(), 4);
    assert_eq!(mock.sent().len(), 3);
    assert_eq!(mock.sent_count(&m, &m.recipients()[0]), 3);
}

#[tokio::test]
async fn mock_partial_rejection_records_only_the_accepted_recipients() {
    let mock = MockGateway::new();
    let invalid = Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, "no such number");
    mock.push_result(MockResult::reject(["+48600100202"], invalid));
    let m = msg("+48600100201, +48600100202, +48600100203");
    let r = mock.send(&m).await.unwrap();
    let states: Vec<&str> = r.recipients.iter().map(|x| x.state.as_str()).collect();
    assert_eq!(states, ["accepted", "rejected", "accepted"]);
    let ids: Vec<Option<&str>> = r.recipients.iter().map(|x| x.message_id.as_deref()).collect();
    assert_eq!(ids, [Some("mock-1"), None, Some("mock-2")]);
    assert_eq!(r.rejected().next().unwrap().state.error().unwrap().kind(), ErrorKind::InvalidRecipient);
    let sent: Vec<String> = mock.sent()[0].recipients().iter().map(|n| n.e164()).collect();
    assert_eq!(sent, ["+48600100201", "+48600100203"]);
}

#[tokio::test]
async fn mock_clones_share_state_and_clear_forgets() {
    let mock = MockGateway::new();
    let handle = mock.clone();
    let app: Arc<dyn Gateway> = Arc::new(mock);
    app.send(&msg("+48600100200")).await.unwrap();
    assert_eq!(handle.sent().len(), 1);
    assert!(matches!(&handle.calls()[0], MockCall::Send(m) if m.text() == "Hello"));
    handle.push_result(MockResult::TimeoutAfterSending);
    handle.clear();
    assert!(handle.sent().is_empty() && handle.calls().is_empty());
    assert_eq!(handle.remaining_script(), 0);
    // Ids keep counting (they stay unique for the mock's life).
    let r = app.send(&msg("+48600100200")).await.unwrap();
    assert_eq!(r.recipients[0].message_id.as_deref(), Some("mock-2"));
}

#[tokio::test]
async fn mock_scheduled_messages_are_reported_scheduled() {
    let mock = MockGateway::new();
    let m = Message::builder()
        .to("+48600100200")
        .text("Later")
        .send_at("2030-01-01T10:00:00Z".parse().unwrap())
        .build()
        .unwrap();
    let r = mock.send(&m).await.unwrap();
    assert!(matches!(r.recipients[0].state, SendState::Scheduled));
}

#[tokio::test]
async fn mock_dedupes_like_an_operator_with_a_client_key() {
    let mock = MockGateway::new().with_server_dedupe();
    assert_eq!(mock.capabilities().idempotency, bramka_core::Idempotency::ServerDedupe);
    let m = msg("+48600100201, +48600100202");
    mock.send(&m).await.unwrap();
    let again = mock.send(&m.with_recipients(vec![m.recipients()[1].clone()])).await.unwrap();
    assert!(matches!(again.recipients[0].state, SendState::AlreadyAccepted));
    assert_eq!(again.recipients[0].message_id, None);
    assert_eq!(mock.sent().len(), 1);
    // Another message (another client ref) to the same number goes out.
    mock.send(&msg("+48600100202")).await.unwrap();
    assert_eq!(mock.sent().len(), 2);
}

#[tokio::test]
async fn mock_optional_operations_follow_capabilities() {
    let plain = MockGateway::new();
    for e in [
        plain.status("mock-1").await.unwrap_err(),
        plain.cancel("mock-1").await.unwrap_err(),
        plain.resume("mock-1").await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::Unsupported);
    }
    assert_eq!(plain.balance().await.unwrap_err().capability(), Some(Capability::Balance));
    assert_eq!(plain.calls().len(), 4);

    let caps = Capabilities::new()
        .with_batch_size(10)
        .with(Capability::Status)
        .with(Capability::Cancel)
        .with(Capability::Pause)
        .with(Capability::Balance);
    let mock = MockGateway::new().with_capabilities(caps).with_id("acme");
    assert_eq!(mock.id(), "acme");
    mock.send(&msg("+48600100200")).await.unwrap();
    assert_eq!(mock.status("mock-1").await.unwrap().state, DeliveryState::Sent);
    assert_eq!(mock.status("mock-7").await.unwrap_err().kind(), ErrorKind::NotFound);
    mock.cancel("mock-1").await.unwrap();
    mock.pause("mock-1").await.unwrap();
    assert_eq!(mock.balance().await.unwrap(), Balance::new(100.0, "points"));

    mock.set_status(Ok(DeliveryReport::new("acme", "x", DeliveryState::Delivered, "404")));
    assert_eq!(mock.status("anything").await.unwrap().state, DeliveryState::Delivered);
    mock.set_balance(Ok(Balance::new(12.5, "PLN")));
    assert_eq!(mock.balance().await.unwrap().unit, "PLN");
    mock.set_result(MockOp::Cancel, Err(Error::new(ErrorKind::InvalidState, Certainty::NotSent, "sent")));
    assert_eq!(mock.cancel("mock-1").await.unwrap_err().kind(), ErrorKind::InvalidState);
    // Reschedule is not advertised: still unsupported.
    let at = "2030-01-01T00:00:00Z".parse().unwrap();
    assert_eq!(mock.reschedule("mock-1", at).await.unwrap_err().capability(), Some(Capability::Reschedule));
    assert!(matches!(mock.calls().last(), Some(MockCall::Reschedule(id, t)) if id == "mock-1" && *t == at));
}

// ----------------------------------------------------------------------- Recording, Null, Console

#[tokio::test]
async fn recording_keeps_messages_and_outcomes() {
    let mock = MockGateway::new();
    mock.push_result(MockResult::Fail(Error::new(ErrorKind::Unavailable, Certainty::NotSent, "down")));
    let rec = RecordingGateway::new(mock.clone());
    let handle = rec.clone();
    let a = msg("+48600100201");
    let b = msg("+48600100202");
    assert!(rec.send(&a).await.is_err());
    assert!(rec.send(&b).await.is_ok());
    let records = handle.records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].message.client_ref(), a.client_ref());
    assert_eq!(records[0].outcome.as_ref().unwrap_err().kind(), ErrorKind::Unavailable);
    assert_eq!(records[1].outcome.as_ref().unwrap().recipients[0].message_id.as_deref(), Some("mock-1"));
    assert_eq!(handle.messages()[1].recipients()[0].e164(), "+48600100202");
    assert_eq!(rec.capabilities(), mock.capabilities());
    handle.clear();
    assert!(rec.records().is_empty());
}

#[tokio::test]
async fn null_accepts_everyone() {
    let r = NullGateway::new().send(&msg("+48600100201,+48600100202")).await.unwrap();
    assert!(r.all_accepted());
    assert_eq!(r.recipients.len(), 2);
}

#[tokio::test]
async fn console_prints_what_would_be_sent() {
    let out = SharedBuffer::new();
    let gw = ConsoleGateway::with_writer(Box::new(out.clone()));
    let text = "Zażółć gęślą jaźń. ".repeat(5); // UCS-2, 95 units: 2 parts
    let m = Message::builder()
        .to("+48600100201, +447700900123")
        .text(text.trim_end())
        .sender("Sklep")
        .send_at("2030-01-02T03:04:05Z".parse().unwrap())
        .validity(Duration::from_secs(3600))
        .client_ref("order42")
        .build()
        .unwrap();
    let r = gw.send(&m).await.unwrap();
    let ids: Vec<_> = r.recipients.iter().map(|x| x.message_id.clone().unwrap()).collect();
    assert_eq!(ids, ["console-1", "console-2"]);
    assert!(matches!(r.recipients[0].state, SendState::Scheduled));
    let printed = out.contents();
    let a = m.analysis();
    for expected in [
        "--- SMS (client ref order42) ---".to_owned(),
        "to:       +48600100201 (console-1), +447700900123 (console-2)".to_owned(),
        "from:     Sklep".to_owned(),
        format!("encoding: UCS-2, {} units, {} parts", a.units(), a.segments()),
        "schedule: 2030-01-02T03:04:05+00:00".to_owned(),
        "validity: 3600s".to_owned(),
        format!("part 1/2 ({} units): {}", a.parts()[0].units, a.parts()[0].text),
        format!("part 2/2 ({} units): {}", a.parts()[1].units, a.parts()[1].text),
    ] {
        assert!(printed.contains(&expected), "missing {expected:?} in:\n{printed}");
    }
    assert_eq!(a.segments(), 2);

    // Ids continue; no sender and no schedule are said so.
    let r = gw.send(&msg("+48600100203")).await.unwrap();
    assert_eq!(r.recipients[0].message_id.as_deref(), Some("console-3"));
    let printed = out.contents();
    assert!(
        printed.contains("from:     (gateway default)") && printed.contains("schedule: now"),
        "{printed}"
    );
}

#[tokio::test]
async fn console_reports_a_failing_writer_as_not_sent() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("closed"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let e = ConsoleGateway::with_writer(Box::new(Broken)).send(&msg("+48600100200")).await.unwrap_err();
    assert!(!e.may_have_been_sent());
    assert!(e.to_string().contains("closed"), "{e}");
}

// ------------------------------------------------------------------------------- conformance kit

#[tokio::test]
async fn conformance_passes_for_well_behaved_gateways() {
    let caps = Capabilities::new().with(Capability::Status).with(Capability::Balance);
    for gw in [
        Arc::new(MockGateway::new()) as Arc<dyn Gateway>,
        Arc::new(MockGateway::new().with_capabilities(caps)),
        Arc::new(NullGateway::new()),
        Arc::new(ConsoleGateway::with_writer(Box::new(SharedBuffer::new()))),
    ] {
        let failures =
            Conformance::new(gw.clone()).secret("tok-9f8e7d").scan("a DSN", "x://***@default").check().await;
        assert!(failures.is_empty(), "{}: {failures:?}", gw.id());
    }
    Conformance::new(Arc::new(MockGateway::new())).secret("tok-9f8e7d").run().await;
}

/// A gateway that gets everything wrong.
struct Leaky {
    token: String,
    caps: Capabilities,
}

impl std::fmt::Debug for Leaky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Leaky {{ token: {} }}", self.token)
    }
}

#[async_trait]
impl Gateway for Leaky {
    fn id(&self) -> &str {
        "leaky"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        Ok(SendReport::new("leaky", message))
    }
    // Balance not advertised, but it answers.
    async fn balance(&self) -> Result<Balance, Error> {
        Ok(Balance::new(1.0, "EUR"))
    }
    // Status not advertised: the wrong kind, with the token in the message.
    async fn status(&self, id: &str) -> Result<DeliveryReport, Error> {
        Err(Error::new(ErrorKind::Auth, Certainty::NotSent, format!("token {} refused for {id}", self.token)))
    }
    // Cancel not advertised: Unsupported, but naming the wrong capability.
    async fn cancel(&self, _id: &str) -> Result<(), Error> {
        Err(Error::unsupported("leaky", Capability::Schedule))
    }
}

fn leaky() -> Leaky {
    Leaky { token: "tok-9f8e7d".into(), caps: Capabilities::new().with_max_parts(0) }
}

#[tokio::test]
async fn conformance_catches_leaks_and_dishonest_capabilities() {
    let failures = Conformance::new(Arc::new(leaky()))
        .secret("tok-9f8e7d")
        .scan("config Debug", "Config { token: tok-9f8e7d }")
        .scan("clean log", "sent to +48600***200")
        .check()
        .await;
    let all = failures.join("\n");
    for expected in [
        "secret #1 appears in Debug of the gateway",
        "secret #1 appears in config Debug",
        "secret #1 appears in status() error Display",
        "balance(): capability balance is not advertised, but the call succeeded",
        "status(): capability status is not advertised, expected ErrorKind::Unsupported, got Auth",
        "cancel(): Unsupported error names capability Some(\"schedule\"), expected cancel",
        "capabilities: max_parts is 0, expected at least 1",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
    assert!(!all.contains("clean log"), "{all}");
    // Reschedule, pause and resume use the trait's defaults, which conform.
    assert!(!all.contains("reschedule()") && !all.contains("pause()") && !all.contains("resume()"), "{all}");
    assert!(!all.contains("tok-9f8e7d"), "the report itself must not print the secret:\n{all}");
}

#[tokio::test]
async fn conformance_run_panics_with_every_failure_listed() {
    let result = std::panic::AssertUnwindSafe(Conformance::new(Arc::new(leaky())).secret("tok-9f8e7d").run())
        .catch_unwind()
        .await;
    let payload = result.expect_err("run must panic for a leaky gateway");
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap();
    assert!(text.starts_with("gateway \"leaky\" fails 7 conformance check(s):"), "{text}");
    assert!(text.contains("Debug of the gateway") && text.contains("balance()"), "{text}");
}

mod advertised_operations {
    use bramka_core::testing::MockGateway;
    use bramka_core::testing::conformance::Conformance;
    use bramka_core::{Capabilities, Capability, Error, Gateway, Message, SendReport, async_trait};
    use std::sync::Arc;

    fn all_ops() -> Capabilities {
        [
            Capability::Status,
            Capability::Cancel,
            Capability::Reschedule,
            Capability::Pause,
            Capability::Balance,
        ]
        .into_iter()
        .fold(Capabilities::new(), Capabilities::with)
    }

    /// A wrapper written before `delegate`: forwards `send` only.
    #[derive(Debug)]
    struct Forgetful(MockGateway);

    #[async_trait]
    impl Gateway for Forgetful {
        fn id(&self) -> &str {
            "forgetful"
        }
        fn capabilities(&self) -> &Capabilities {
            self.0.capabilities()
        }
        async fn send(&self, m: &Message) -> Result<SendReport, Error> {
            self.0.send(m).await
        }
    }

    #[tokio::test]
    async fn every_advertised_operation_answers_through_every_wrapper() {
        let mock = MockGateway::new().with_capabilities(all_ops());
        let m = Message::builder().to("+48600100200").text("Hi").build().unwrap();
        let id = mock.send(&m).await.unwrap().recipients[0].message_id.clone().unwrap();
        let failures = Conformance::new(Arc::new(mock)).advertised_id(id).check().await;
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[tokio::test]
    async fn a_wrapper_that_drops_an_advertised_operation_is_caught() {
        let mock = MockGateway::new().with_capabilities(all_ops());
        let failures = Conformance::new(Arc::new(Forgetful(mock))).advertised_id("mock-1").check().await;
        assert!(
            failures.iter().any(|f| f.contains("balance()") && f.contains("answered Unsupported")),
            "{failures:#?}"
        );
    }
}
