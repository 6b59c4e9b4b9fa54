//! A retry after a timeout cannot send twice: the first attempt times out after SMSAPI accepted it,
//! the core `RetryGateway` sends the same message again (same `idx`, `check_idx=1`), SMSAPI answers
//! error 53, and the report says the message was sent once.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bramka_core::clock::ManualClock;
use bramka_core::retry::{RetryGateway, RetryPolicy};
use bramka_core::{Gateway, Message, SendState};
use bramka_smsapi::SmsapiGateway;
use common::*;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// A stand-in for SMSAPI's duplicate check: remembers every accepted `idx`, refuses a request that
/// repeats one with error 53 (whole request, as SMSAPI does), and answers the first request slower
/// than the client's timeout, so the client never sees that it was accepted.
#[derive(Clone, Default)]
struct DedupingSmsapi {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    accepted: BTreeSet<String>,
    sends: usize,
    calls: usize,
}

impl DedupingSmsapi {
    fn messages_sent(&self) -> usize {
        self.state.lock().unwrap().sends
    }
    fn accepted(&self) -> BTreeSet<String> {
        self.state.lock().unwrap().accepted.clone()
    }
}

impl Respond for DedupingSmsapi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let f = form_of(req);
        assert_eq!(f.get("check_idx").map(String::as_str), Some("1"), "every request carries check_idx=1");
        let idx: Vec<String> = f["idx"].split('|').map(str::to_owned).collect();
        let to: Vec<&str> = f["to"].split(',').collect();
        assert_eq!(idx.len(), to.len(), "one idx per recipient");
        let mut s = self.state.lock().unwrap();
        s.calls += 1;
        if idx.iter().any(|i| s.accepted.contains(i)) {
            return json(r#"{"error":53,"message":"Non-unique idx"}"#);
        }
        s.sends += to.len();
        s.accepted.extend(idx.iter().cloned());
        let list: Vec<String> = to
            .iter()
            .zip(&idx)
            .map(|(n, i)| {
                format!(r#"{{"id":"ID{n}","points":0.16,"number":"{n}","status":"QUEUE","idx":"{i}"}}"#)
            })
            .collect();
        let answer = json(format!(r#"{{"count":{},"list":[{}]}}"#, to.len(), list.join(",")));
        if s.calls == 1 { answer.set_delay(Duration::from_secs(3)) } else { answer }
    }
}

fn retrying(server: &MockServer, clock: &ManualClock) -> RetryGateway<SmsapiGateway> {
    // A short request timeout: the first (delayed) answer never arrives in time.
    let gw = SmsapiGateway::new(
        config(server).sender("Sklep").timeout(Duration::from_millis(200)).build().unwrap(),
    )
    .unwrap();
    RetryGateway::new(gw, RetryPolicy::new()).with_clock(Arc::new(clock.clone())).with_seed(7)
}

#[tokio::test]
async fn timeout_after_acceptance_then_error_53_is_sent_once() {
    let server = MockServer::start().await;
    let smsapi = DedupingSmsapi::default();
    sms_do()
        .and(send_form("48100200300", "Order ready", "ref148100200300", &[("from", "Sklep")]))
        .respond_with(smsapi.clone())
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
    let gw = retrying(&server, &clock);
    let m = Message::builder().to("48100200300").text("Order ready").client_ref("ref1").build().unwrap();

    let report = gw.send(&m).await.unwrap();

    assert_eq!(smsapi.messages_sent(), 1, "exactly one message went out");
    assert_eq!(smsapi.accepted(), BTreeSet::from(["ref148100200300".to_owned()]));
    assert_eq!(report.recipients.len(), 1);
    let r = &report.recipients[0];
    assert!(matches!(r.state, SendState::AlreadyAccepted), "{:?}", r.state);
    assert!(report.all_accepted(), "reported as sent, not as a failure");
    assert_eq!(report.rejected().count(), 0);
    assert!(report.notes.iter().any(|n| n.contains("error 53")), "{:?}", report.notes);
    // One wait between the two attempts, on the manual clock (no real sleep).
    assert_eq!(clock.sleeps().len(), 1);
    // Both attempts carried the same idx.
    let reqs = server.received_requests().await.unwrap();
    let idx: Vec<String> = reqs.iter().map(|r| form_of(r)["idx"].clone()).collect();
    assert_eq!(idx, ["ref148100200300", "ref148100200300"]);
}

#[tokio::test]
async fn batch_timeout_after_acceptance_then_error_53_sends_each_recipient_once() {
    let server = MockServer::start().await;
    let smsapi = DedupingSmsapi::default();
    sms_do().respond_with(smsapi.clone()).expect(4).mount(&server).await;
    let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
    let gw = retrying(&server, &clock);
    let m = Message::builder().to("48600000001, 48600000002").text("Hi").client_ref("ref1").build().unwrap();

    let report = gw.send(&m).await.unwrap();

    // Attempt 1: the batch (accepted, answer too late). Attempt 2: the batch again -> 53; then each
    // recipient alone -> 53 and 53.
    assert_eq!(smsapi.messages_sent(), 2, "one message per recipient");
    assert!(report.all_accepted());
    assert_eq!(report.recipients.len(), 2);
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::AlreadyAccepted)));
    let reqs = server.received_requests().await.unwrap();
    let to: Vec<String> = reqs.iter().map(|r| form_of(r)["to"].clone()).collect();
    assert_eq!(to, ["48600000001,48600000002", "48600000001,48600000002", "48600000001", "48600000002"]);
}

#[tokio::test]
async fn timeout_before_acceptance_is_retried_and_accepted() {
    // A MaybeSent failure SMSAPI did not act on (a 503 maintenance page): the retry carries the same
    // idx and is accepted normally.
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[("from", "Sklep")]))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[("from", "Sklep")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
    let gw = retrying(&server, &clock);
    let m = Message::builder().to("48100200300").text("Hi").client_ref("ref1").build().unwrap();
    let report = gw.send(&m).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::Queued));
    assert_eq!(report.recipients[0].message_id.as_deref(), Some("1"));
}
