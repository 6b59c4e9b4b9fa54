//! RetryGateway: the decision table, the waits, partial re-sends, and 1,000 messages through a
//! scripted flaky gateway.
#![cfg(feature = "test-util")]

use std::sync::Arc;
use std::time::Duration;

use bramka_core::clock::ManualClock;
use bramka_core::retry::{Decision, GiveUp, RetryGateway, RetryPolicy};
use bramka_core::testing::{MockCall, MockGateway, MockResult};
use bramka_core::{
    Capabilities, Certainty, Error, ErrorKind, Gateway, Idempotency, Message, PhoneNumber, SendState,
};
use proptest::prelude::*;

fn err(kind: ErrorKind, c: Certainty) -> Error {
    Error::new(kind, c, "scripted")
}

fn clock() -> ManualClock {
    ManualClock::new("2026-05-01T08:00:00Z".parse().unwrap())
}

fn msg(to: &[&str]) -> Message {
    Message::builder().to(to.join(",")).text("Twoja wizyta jutro o 10:00").build().unwrap()
}

fn retrying(mock: &MockGateway, clock: &ManualClock) -> RetryGateway<MockGateway> {
    RetryGateway::new(mock.clone(), RetryPolicy::new()).with_clock(Arc::new(clock.clone())).with_seed(7)
}

#[test]
fn decision_table() {
    use Certainty::*;
    use ErrorKind::*;
    let p = RetryPolicy::new();
    let none = Capabilities::new();
    let echo = Capabilities::new().with_idempotency(Idempotency::ClientReference);
    let dedupe = Capabilities::new().with_idempotency(Idempotency::ServerDedupe);
    let retry = Decision::Retry;
    let give = Decision::GiveUp;
    #[rustfmt::skip]
    let table: Vec<(ErrorKind, Certainty, &Capabilities, bool, u32, Decision)> = vec![
        // NotSent transient: always retried while attempts remain.
        (RateLimited, NotSent, &none, true, 1, retry),
        (Unavailable, NotSent, &none, false, 1, retry),
        (Network, NotSent, &echo, true, 2, retry),
        (Timeout, NotSent, &dedupe, true, 1, retry),
        (Network, NotSent, &none, true, 3, give(GiveUp::AttemptsExhausted)),
        // MaybeSent: only with server de-duplication and a key.
        (Timeout, MaybeSent, &none, true, 1, give(GiveUp::MaybeSent)),
        (Timeout, MaybeSent, &echo, true, 1, give(GiveUp::MaybeSent)),
        (Unavailable, MaybeSent, &none, true, 1, give(GiveUp::MaybeSent)),
        (Timeout, MaybeSent, &dedupe, true, 1, retry),
        (Unavailable, MaybeSent, &dedupe, true, 2, retry),
        (Network, MaybeSent, &dedupe, false, 1, give(GiveUp::MaybeSent)),
        (Timeout, MaybeSent, &dedupe, true, 3, give(GiveUp::AttemptsExhausted)),
        // Not transient: never.
        (Auth, NotSent, &dedupe, true, 1, give(GiveUp::NotTransient)),
        (InvalidRecipient, NotSent, &none, true, 1, give(GiveUp::NotTransient)),
        (ContentRejected, NotSent, &none, true, 1, give(GiveUp::NotTransient)),
        (InsufficientFunds, NotSent, &none, true, 1, give(GiveUp::NotTransient)),
        // An undecodable 2xx: safe to send the same keys again only where the server de-duplicates.
        (Decode, MaybeSent, &dedupe, true, 1, retry),
        (Decode, MaybeSent, &none, true, 1, give(GiveUp::MaybeSent)),
        (Decode, NotSent, &dedupe, true, 1, give(GiveUp::NotTransient)),
        (Config, NotSent, &none, true, 1, give(GiveUp::NotTransient)),
        (Other, NotSent, &none, true, 1, give(GiveUp::NotTransient)),
    ];
    for (kind, certainty, caps, key, attempt, expected) in table {
        let e = err(kind, certainty);
        assert_eq!(
            p.decide(&e, attempt, caps, key),
            expected,
            "{kind} {certainty:?} {:?} key={key} attempt={attempt}",
            caps.idempotency
        );
        assert_eq!(bramka_core::retry::decide(&e, attempt, caps, key), expected);
    }
    // Retry-After beyond the cap ends the retries.
    let slow = err(RateLimited, NotSent).with_retry_after(Duration::from_secs(31));
    assert_eq!(p.decide(&slow, 1, &none, true), give(GiveUp::RetryAfterTooLong));
    let ok = err(RateLimited, NotSent).with_retry_after(Duration::from_secs(30));
    assert_eq!(p.decide(&ok, 1, &none, true), retry);
    // One attempt only: nothing is retried.
    let once = RetryPolicy::new().with_max_attempts(1);
    assert_eq!(once.decide(&err(Network, NotSent), 1, &none, true), give(GiveUp::AttemptsExhausted));
}

proptest! {
    #[test]
    fn full_jitter_stays_within_the_exponential_bound(attempt in 1u32..40, jitter in 0.0f64..=1.0) {
        let p = RetryPolicy::new();
        let bound = Duration::from_millis(500).saturating_mul(1 << (attempt - 1).min(31)).min(Duration::from_secs(20));
        let d = p.delay(attempt, None, jitter);
        prop_assert!(d <= bound, "{d:?} > {bound:?}");
        prop_assert_eq!(p.delay(attempt, None, 1.0), bound);
        prop_assert_eq!(p.delay(attempt, None, 0.0), Duration::ZERO);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap(secs in 0u64..100, attempt in 1u32..5, jitter in 0.0f64..=1.0) {
        let p = RetryPolicy::new().with_max_retry_after(Duration::from_secs(40));
        let d = p.delay(attempt, Some(Duration::from_secs(secs)), jitter);
        prop_assert_eq!(d, Duration::from_secs(secs.min(40)));
    }
}

#[tokio::test]
async fn not_sent_transient_errors_are_retried_with_backoff_on_the_clock() {
    let mock = MockGateway::new();
    mock.push_result(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent)));
    mock.push_result(MockResult::Fail(err(ErrorKind::Network, Certainty::NotSent)));
    let clock = clock();
    let gw = retrying(&mock, &clock);
    let report = gw.send(&msg(&["+48600100200"])).await.unwrap();
    assert!(report.all_accepted());
    assert_eq!(mock.calls().len(), 3);
    assert_eq!(mock.sent().len(), 1);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] <= Duration::from_millis(500), "{sleeps:?}");
    assert!(sleeps[1] <= Duration::from_millis(1000), "{sleeps:?}");
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_returned() {
    let mock = MockGateway::new();
    for _ in 0..5 {
        mock.push_result(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent)));
    }
    let clock = clock();
    let e = retrying(&mock, &clock).send(&msg(&["+48600100200"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(!e.may_have_been_sent());
    assert_eq!(mock.calls().len(), 3);
    assert_eq!(clock.sleeps().len(), 2);
}

#[tokio::test]
async fn retry_after_is_waited_exactly() {
    let mock = MockGateway::new();
    mock.push_result(MockResult::Fail(
        err(ErrorKind::RateLimited, Certainty::NotSent).with_retry_after(Duration::from_secs(7)),
    ));
    let clock = clock();
    retrying(&mock, &clock).send(&msg(&["+48600100200"])).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_waited() {
    let mock = MockGateway::new();
    mock.push_result(MockResult::Fail(
        err(ErrorKind::RateLimited, Certainty::NotSent).with_retry_after(Duration::from_secs(3600)),
    ));
    let clock = clock();
    let e = retrying(&mock, &clock).send(&msg(&["+48600100200"])).await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(mock.calls().len(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn no_wait_starts_past_the_overall_deadline() {
    let mock = MockGateway::new();
    for _ in 0..3 {
        mock.push_result(MockResult::Fail(
            err(ErrorKind::RateLimited, Certainty::NotSent).with_retry_after(Duration::from_secs(6)),
        ));
    }
    let clock = clock();
    let policy = RetryPolicy::new().with_max_attempts(10).with_deadline(Duration::from_secs(10));
    let gw = RetryGateway::new(mock.clone(), policy).with_clock(Arc::new(clock.clone()));
    let e = gw.send(&msg(&["+48600100200"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    // 6 s fits in 10 s; a second 6 s wait would end at 12 s.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(6)]);
    assert_eq!(mock.calls().len(), 2);
}

#[tokio::test]
async fn maybe_sent_is_never_retried_without_server_dedupe() {
    for caps in [Capabilities::new(), Capabilities::new().with_idempotency(Idempotency::ClientReference)] {
        let mock = MockGateway::new().with_capabilities(caps.with_batch_size(10));
        mock.push_result(MockResult::TimeoutAfterSending);
        let clock = clock();
        let e = retrying(&mock, &clock).send(&msg(&["+48600100200"])).await.unwrap_err();
        assert!(e.may_have_been_sent());
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert_eq!(mock.calls().len(), 1);
        assert_eq!(mock.sent().len(), 1);
        assert!(clock.sleeps().is_empty());
    }
}

#[tokio::test]
async fn maybe_sent_is_retried_with_the_same_key_where_the_server_dedupes() {
    let mock = MockGateway::new().with_server_dedupe();
    mock.push_result(MockResult::TimeoutAfterSending);
    let clock = clock();
    let m = msg(&["+48600100200"]);
    let report = retrying(&mock, &clock).send(&m).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::AlreadyAccepted));
    let calls = mock.calls();
    assert_eq!(calls.len(), 2);
    let keys: Vec<_> = calls.iter().map(|c| c.message().unwrap().client_ref().clone()).collect();
    assert_eq!(keys, vec![m.client_ref().clone(), m.client_ref().clone()]);
    assert_eq!(mock.sent_count(&m, &m.recipients()[0]), 1);
}

#[tokio::test]
async fn once_an_attempt_may_have_gone_out_the_final_error_says_so() {
    let mock = MockGateway::new().with_server_dedupe();
    mock.push_result(MockResult::TimeoutAfterSending);
    mock.push_result(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent)));
    mock.push_result(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent)));
    let clock = clock();
    let m = msg(&["+48600100200"]);
    let e = retrying(&mock, &clock).send(&m).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.may_have_been_sent(), "{e}");
    assert_eq!(mock.sent_count(&m, &m.recipients()[0]), 1);
    assert_eq!(mock.calls().len(), 3);
}

#[tokio::test]
async fn only_rejected_recipients_that_were_not_sent_are_sent_again() {
    let mock = MockGateway::new();
    let a = "+48600100201";
    let b = "+48600100202";
    let c = "+48600100203";
    let d = "+48600100204";
    mock.push_result(MockResult::Reject(vec![
        (PhoneNumber::parse(b).unwrap(), err(ErrorKind::RateLimited, Certainty::NotSent)),
        (PhoneNumber::parse(c).unwrap(), err(ErrorKind::InvalidRecipient, Certainty::NotSent)),
        (PhoneNumber::parse(d).unwrap(), err(ErrorKind::Timeout, Certainty::MaybeSent)),
    ]));
    let clock = clock();
    let m = msg(&[a, b, c, d]);
    let report = retrying(&mock, &clock).send(&m).await.unwrap();

    let calls = mock.calls();
    assert_eq!(calls.len(), 2);
    let resent: Vec<String> = calls[1].message().unwrap().recipients().iter().map(|n| n.e164()).collect();
    assert_eq!(resent, vec![b.to_owned()]);
    assert_eq!(calls[1].message().unwrap().client_ref(), m.client_ref());

    // The report keeps the message's order, b now accepted, c and d still rejected.
    let states: Vec<(&str, String)> =
        report.recipients.iter().map(|r| (r.state.as_str(), r.to.e164())).collect();
    assert_eq!(
        states,
        vec![
            ("accepted", a.to_owned()),
            ("accepted", b.to_owned()),
            ("rejected", c.to_owned()),
            ("rejected", d.to_owned())
        ]
    );
    assert_eq!(report.recipients[0].message_id.as_deref(), Some("mock-1"));
    assert_eq!(report.recipients[1].message_id.as_deref(), Some("mock-2"));
    for n in [a, b] {
        assert_eq!(mock.sent_count(&m, &PhoneNumber::parse(n).unwrap()), 1, "{n}");
    }
}

#[tokio::test]
async fn a_recipient_that_may_have_gone_out_inside_a_batch_is_sent_again_where_the_server_dedupes() {
    let mock = MockGateway::new().with_server_dedupe();
    let a = "+48600100201";
    let b = "+48600100202";
    mock.push_result(MockResult::reject([b], err(ErrorKind::Timeout, Certainty::MaybeSent)));
    let clock = clock();
    let m = msg(&[a, b]);
    let report = retrying(&mock, &clock).send(&m).await.unwrap();
    assert!(report.all_accepted(), "{:?}", report.recipients);
    let calls = mock.calls();
    assert_eq!(calls.len(), 2);
    let resent: Vec<String> = calls[1].message().unwrap().recipients().iter().map(|n| n.e164()).collect();
    assert_eq!(resent, vec![b.to_owned()]);
    assert_eq!(calls[1].message().unwrap().client_ref(), m.client_ref());
}

#[tokio::test]
async fn a_recipient_that_may_have_gone_out_is_not_sent_again_without_dedupe() {
    let mock = MockGateway::new();
    let a = "+48600100201";
    let b = "+48600100202";
    let c = "+48600100203";
    mock.push_result(MockResult::Reject(vec![
        (PhoneNumber::parse(b).unwrap(), err(ErrorKind::Timeout, Certainty::MaybeSent)),
        (PhoneNumber::parse(c).unwrap(), err(ErrorKind::Unavailable, Certainty::NotSent)),
    ]));
    mock.push_result(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent)));
    mock.push_result(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent)));
    let clock = clock();
    let report = retrying(&mock, &clock).send(&msg(&[a, b, c])).await.unwrap();
    // b may be out: never re-sent. c is re-sent alone; its own history has no MaybeSent, so its
    // final rejection stays NotSent (b's ambiguity is not c's).
    assert!(report.recipients[1].state.error().unwrap().may_have_been_sent());
    let ce = report.recipients[2].state.error().unwrap();
    assert!(!ce.may_have_been_sent(), "{ce}");
    let calls = mock.calls();
    assert_eq!(calls.len(), 3);
    for call in &calls[1..] {
        let resent: Vec<String> = call.message().unwrap().recipients().iter().map(|n| n.e164()).collect();
        assert_eq!(resent, vec![c.to_owned()]);
    }
}

#[tokio::test]
async fn an_undecodable_answer_for_one_recipient_is_sent_again_where_the_server_dedupes() {
    let mock = MockGateway::new().with_server_dedupe();
    let a = "+48600100201";
    let b = "+48600100202";
    let c = "+48600100203";
    mock.push_result(MockResult::Reject(vec![(
        PhoneNumber::parse(b).unwrap(),
        err(ErrorKind::Decode, Certainty::MaybeSent),
    )]));
    let clock = clock();
    let m = msg(&[a, b, c]);
    let report = retrying(&mock, &clock).send(&m).await.unwrap();
    assert!(report.all_accepted());
    assert_eq!(mock.calls().len(), 2);
    assert_eq!(mock.sent_count(&m, &PhoneNumber::parse(b).unwrap()), 1);
}

#[tokio::test]
async fn a_failed_partial_retry_marks_only_the_subset() {
    let mock = MockGateway::new();
    let a = "+48600100201";
    let b = "+48600100202";
    mock.push_result(MockResult::reject([b], err(ErrorKind::Unavailable, Certainty::NotSent)));
    mock.push_result(MockResult::Fail(err(ErrorKind::Auth, Certainty::NotSent)));
    let clock = clock();
    let report = retrying(&mock, &clock).send(&msg(&[a, b])).await.unwrap();
    assert!(report.recipients[0].state.is_accepted());
    assert_eq!(report.recipients[1].state.error().unwrap().kind(), ErrorKind::Auth);
    assert_eq!(mock.calls().len(), 2);
}

#[tokio::test]
async fn other_operations_pass_through_once() {
    let mock = MockGateway::new();
    let clock = clock();
    let gw = retrying(&mock, &clock);
    let e = gw.balance().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(matches!(mock.calls().as_slice(), [MockCall::Balance]));
    assert_eq!(gw.id(), "mock");
}

// ---------------------------------------------------------------------------------------------
// 1,000 messages through a scripted flaky gateway.

#[derive(Default, Debug)]
struct Tally {
    sent_ok: usize,
    already_accepted: usize,
    err_not_sent: usize,
    err_maybe_sent: usize,
    err_maybe_sent_and_out: usize,
    rejected: usize,
    retried_after_maybe_sent: usize,
    rate_limited_waits: usize,
}

fn flaky_script(rng: &mut fastrand::Rng, recipients: &[&str]) -> Vec<MockResult> {
    (0..3)
        .map(|_| match rng.u8(0..10) {
            0..=2 => MockResult::Accept,
            3 => MockResult::Fail(err(ErrorKind::Network, Certainty::NotSent)), // connect refused
            4 => MockResult::Fail(
                err(ErrorKind::RateLimited, Certainty::NotSent)
                    .with_http_status(429)
                    .with_retry_after(Duration::from_secs(rng.u64(1..4))),
            ),
            5 => MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent).with_http_status(503)),
            6 => MockResult::TimeoutAfterSending, // the operator has it; the answer is lost
            7 => MockResult::Fail(err(ErrorKind::Timeout, Certainty::MaybeSent)), // lost before it arrived
            8 => MockResult::Fail(err(ErrorKind::Unavailable, Certainty::MaybeSent).with_http_status(502)),
            _ => {
                let r = recipients[rng.usize(..recipients.len())];
                let e = if rng.bool() {
                    err(ErrorKind::RateLimited, Certainty::NotSent)
                } else {
                    err(ErrorKind::InvalidRecipient, Certainty::NotSent)
                };
                MockResult::reject([r], e)
            }
        })
        .collect()
}

async fn thousand_messages(mock: MockGateway, dedupe: bool) -> Tally {
    let clock = clock();
    let gw =
        RetryGateway::new(mock.clone(), RetryPolicy::new()).with_clock(Arc::new(clock.clone())).with_seed(1);
    let mut rng = fastrand::Rng::with_seed(2026);
    let pool = ["+48600100201", "+48600100202", "+48600100203", "+447700900123"];
    let mut t = Tally::default();
    for i in 0..1000 {
        let n = 1 + rng.usize(..3);
        let recipients: Vec<&str> = pool[..n].to_vec();
        let m = msg(&recipients);
        let script = flaky_script(&mut rng, &recipients);
        mock.clear_script();
        mock.push_results(script.clone());
        let calls_before = mock.calls().len();
        let sleeps_before = clock.sleeps().len();
        let outcome = gw.send(&m).await;
        let calls = mock.calls().len() - calls_before;
        assert!((1..=3).contains(&calls), "message {i}: {calls} calls");
        t.rate_limited_waits += clock.sleeps()[sleeps_before..]
            .iter()
            .filter(|d| d.subsec_nanos() == 0 && d.as_secs() >= 1)
            .count();

        // Never retried after MaybeSent without server de-duplication.
        for (k, step) in script.iter().take(calls - 1).enumerate() {
            let maybe = match step {
                MockResult::TimeoutAfterSending => true,
                MockResult::Fail(e) => e.may_have_been_sent(),
                _ => false,
            };
            if maybe {
                assert!(dedupe, "message {i}: retried after MaybeSent at step {k} without dedupe");
                t.retried_after_maybe_sent += 1;
            }
        }

        for to in m.recipients() {
            let count = mock.sent_count(&m, to);
            assert!(count <= 1, "message {i}: {to} went out {count} times");
            match &outcome {
                Ok(report) => {
                    let r = report.recipients.iter().find(|r| &r.to == to).expect("every recipient reported");
                    match &r.state {
                        SendState::Rejected(e) => {
                            t.rejected += 1;
                            if !e.may_have_been_sent() {
                                assert_eq!(count, 0, "message {i}: {to} rejected NotSent but went out");
                            }
                        }
                        SendState::AlreadyAccepted => {
                            assert!(dedupe);
                            t.already_accepted += 1;
                            assert_eq!(count, 1, "message {i}: {to} already accepted but not out once");
                        }
                        _ => {
                            t.sent_ok += 1;
                            assert_eq!(count, 1, "message {i}: {to} reported sent but out {count} times");
                        }
                    }
                }
                Err(e) if !e.may_have_been_sent() => {
                    t.err_not_sent += 1;
                    assert_eq!(count, 0, "message {i}: error says NotSent but {to} went out");
                }
                Err(_) => {
                    t.err_maybe_sent += 1;
                    t.err_maybe_sent_and_out += count;
                }
            }
        }
        // Every outcome that went out without being reported must be a MaybeSent error.
        if let Err(e) = &outcome
            && m.recipients().iter().any(|to| mock.sent_count(&m, to) > 0)
        {
            assert!(e.may_have_been_sent(), "message {i}: went out but error says {e}");
        }
    }
    t
}

#[tokio::test]
async fn thousand_messages_without_dedupe_never_send_twice_and_report_the_right_certainty() {
    let t = thousand_messages(MockGateway::new(), false).await;
    // Every path was exercised.
    assert!(t.sent_ok > 500, "{t:?}");
    assert!(t.err_not_sent > 0 && t.err_maybe_sent > 0 && t.err_maybe_sent_and_out > 0, "{t:?}");
    assert!(t.rejected > 0 && t.rate_limited_waits > 0, "{t:?}");
    assert_eq!(t.retried_after_maybe_sent, 0);
    assert_eq!(t.already_accepted, 0);
}

#[tokio::test]
async fn thousand_messages_with_server_dedupe_retry_maybe_sent_and_never_deliver_twice() {
    let t = thousand_messages(MockGateway::new().with_server_dedupe(), true).await;
    assert!(t.sent_ok > 500, "{t:?}");
    assert!(t.already_accepted > 0, "{t:?}");
    assert!(t.retried_after_maybe_sent > 0, "{t:?}");
    assert!(t.rate_limited_waits > 0, "{t:?}");
}
