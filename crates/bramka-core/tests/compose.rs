//! Failover and RoundRobin: move on only after NotSent, cooldowns on the clock, capabilities.
#![cfg(feature = "test-util")]

use std::sync::Arc;
use std::time::Duration;

use bramka_core::clock::ManualClock;
use bramka_core::compose::{Failover, RoundRobin};
use bramka_core::testing::{MockGateway, MockResult};
use bramka_core::{Capabilities, Capability, Certainty, Error, ErrorKind, Gateway, Idempotency, Message};

fn err(kind: ErrorKind, c: Certainty) -> Error {
    Error::new(kind, c, "scripted")
}

fn msg() -> Message {
    Message::builder().to("+48600100200").text("Kod: 1234").build().unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new("2026-05-01T08:00:00Z".parse().unwrap())
}

fn pair() -> (MockGateway, MockGateway) {
    (MockGateway::new().with_id("primary"), MockGateway::new().with_id("backup"))
}

fn failover(a: &MockGateway, b: &MockGateway, clock: &ManualClock) -> Failover {
    Failover::new(vec![Arc::new(a.clone()), Arc::new(b.clone())])
        .unwrap()
        .with_clock(Arc::new(clock.clone()))
        .with_cooldown(Duration::from_secs(30))
}

#[tokio::test]
async fn failover_moves_on_after_not_sent() {
    let (a, b) = pair();
    a.push_result(MockResult::Fail(err(ErrorKind::Auth, Certainty::NotSent)));
    let gw = failover(&a, &b, &clock());
    let report = gw.send(&msg()).await.unwrap();
    assert_eq!(report.gateway, "backup");
    assert_eq!((a.calls().len(), b.calls().len()), (1, 1));
    assert_eq!((a.sent().len(), b.sent().len()), (0, 1));
}

#[tokio::test]
async fn failover_never_moves_on_after_maybe_sent() {
    for script in [
        MockResult::TimeoutAfterSending,
        MockResult::Fail(err(ErrorKind::Unavailable, Certainty::MaybeSent).with_http_status(500)),
    ] {
        let (a, b) = pair();
        a.push_result(script);
        let gw = failover(&a, &b, &clock());
        let e = gw.send(&msg()).await.unwrap_err();
        assert!(e.may_have_been_sent());
        assert_eq!(e.gateway(), Some("primary"));
        assert_eq!(b.calls().len(), 0, "backup must not be tried after MaybeSent");
        // And the primary is not put on cooldown: the next send goes to it again.
        gw.send(&msg()).await.unwrap();
        assert_eq!((a.calls().len(), b.calls().len()), (2, 0));
    }
}

#[tokio::test]
async fn a_failed_gateway_is_skipped_for_the_cooldown_measured_on_the_clock() {
    let (a, b) = pair();
    let clock = clock();
    a.push_result(MockResult::Fail(err(ErrorKind::Network, Certainty::NotSent)));
    let gw = failover(&a, &b, &clock);
    gw.send(&msg()).await.unwrap();
    clock.advance(Duration::from_secs(29));
    gw.send(&msg()).await.unwrap();
    assert_eq!((a.calls().len(), b.calls().len()), (1, 2));
    clock.advance(Duration::from_secs(1));
    let report = gw.send(&msg()).await.unwrap();
    assert_eq!(report.gateway, "primary");
    assert_eq!((a.calls().len(), b.calls().len()), (2, 2));
}

#[tokio::test]
async fn a_message_level_error_moves_on_without_cooldown() {
    let (a, b) = pair();
    a.push_result(MockResult::Fail(err(ErrorKind::InvalidSender, Certainty::NotSent)));
    let gw = failover(&a, &b, &clock());
    assert_eq!(gw.send(&msg()).await.unwrap().gateway, "backup");
    assert_eq!(gw.send(&msg()).await.unwrap().gateway, "primary");
}

#[tokio::test]
async fn when_every_gateway_fails_not_sent_the_error_lists_them() {
    let (a, b) = pair();
    a.push_result(MockResult::Fail(
        err(ErrorKind::RateLimited, Certainty::NotSent).with_retry_after(Duration::from_secs(9)),
    ));
    b.push_result(MockResult::Fail(
        err(ErrorKind::RateLimited, Certainty::NotSent).with_retry_after(Duration::from_secs(4)),
    ));
    let gw = failover(&a, &b, &clock());
    let e = gw.send(&msg()).await.unwrap_err();
    assert!(!e.may_have_been_sent());
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(4)));
    let text = e.to_string();
    assert!(text.contains("primary: rate_limited") && text.contains("backup: rate_limited"), "{text}");
    // Both cooling down: both are tried again, in order.
    gw.send(&msg()).await.unwrap();
    assert_eq!((a.calls().len(), b.calls().len()), (2, 1));
}

#[test]
fn an_empty_list_is_a_config_error() {
    assert_eq!(Failover::new(vec![]).unwrap_err().kind(), ErrorKind::Config);
    assert_eq!(RoundRobin::new(vec![]).unwrap_err().kind(), ErrorKind::Config);
}

#[test]
fn capabilities_are_the_intersection_and_dedupe_is_downgraded() {
    let a = MockGateway::new().with_capabilities(
        Capabilities::new()
            .with_batch_size(1000)
            .with(Capability::Status)
            .with(Capability::Balance)
            .with(Capability::Schedule)
            .with_max_parts(10)
            .with_idempotency(Idempotency::ServerDedupe),
    );
    let b = MockGateway::new().with_capabilities(
        Capabilities::new()
            .with_batch_size(100)
            .with(Capability::Status)
            .with(Capability::Schedule)
            .with_max_parts(6)
            .with_idempotency(Idempotency::ServerDedupe),
    );
    let gw = Failover::new(vec![Arc::new(a.clone()), Arc::new(b)]).unwrap();
    let c = gw.capabilities();
    assert_eq!(c.batch_size, 100);
    assert_eq!(c.max_parts, 6);
    assert!(
        c.supports(Capability::Status)
            && c.supports(Capability::Schedule)
            && !c.supports(Capability::Balance)
    );
    assert_eq!(c.idempotency, Idempotency::ClientReference);
    // A single gateway keeps its de-duplication.
    let one = RoundRobin::new(vec![Arc::new(a)]).unwrap();
    assert_eq!(one.capabilities().idempotency, Idempotency::ServerDedupe);
}

#[test]
fn intersection_keeps_every_capability_both_have_and_is_order_independent() {
    for c in Capability::ALL {
        let with = Capabilities::new().with(c);
        let without = Capabilities::new();
        assert!(with.intersect(&with).supports(c), "{c} dropped when both have it");
        assert!(!with.intersect(&without).supports(c), "{c}");
        assert_eq!(with.intersect(&without), without.intersect(&with), "{c}: order matters");
    }
}

#[tokio::test]
async fn operations_are_routed_to_the_gateway_that_knows_the_id() {
    let caps = Capabilities::new().with_batch_size(10).with(Capability::Status).with(Capability::Cancel);
    let a = MockGateway::new().with_id("a").with_capabilities(caps.clone());
    let b = MockGateway::new().with_id("b").with_capabilities(caps);
    // b sends one message (b's mock-1), a knows nothing of it.
    b.send(&msg()).await.unwrap();
    let gw = Failover::new(vec![Arc::new(a.clone()), Arc::new(b.clone())]).unwrap();
    let report = gw.status("mock-1").await.unwrap();
    assert_eq!(report.gateway, "b");
    gw.cancel("mock-1").await.unwrap();
    let e = gw.status("mock-99").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = gw.balance().await.unwrap_err();
    assert_eq!(e.capability(), Some(Capability::Balance));
}

#[tokio::test]
async fn round_robin_rotates_from_its_start() {
    let (a, b, c) =
        (MockGateway::new().with_id("a"), MockGateway::new().with_id("b"), MockGateway::new().with_id("c"));
    let gw = RoundRobin::new(vec![Arc::new(a), Arc::new(b), Arc::new(c)]).unwrap().starting_at(2);
    let mut used = Vec::new();
    for _ in 0..5 {
        used.push(gw.send(&msg()).await.unwrap().gateway);
    }
    assert_eq!(used, ["c", "a", "b", "c", "a"]);
    assert_eq!(gw.id(), "round_robin(a, b, c)");
}

#[tokio::test]
async fn round_robin_starts_at_a_random_gateway() {
    let mut firsts = std::collections::BTreeSet::new();
    for _ in 0..64 {
        let gw = RoundRobin::new(vec![
            Arc::new(MockGateway::new().with_id("a")),
            Arc::new(MockGateway::new().with_id("b")),
        ])
        .unwrap();
        firsts.insert(gw.send(&msg()).await.unwrap().gateway);
    }
    // 2^-63 chance of a false failure.
    assert_eq!(firsts.len(), 2, "{firsts:?}");
}

#[tokio::test]
async fn round_robin_moves_on_only_after_not_sent() {
    let (a, b) = (MockGateway::new().with_id("a"), MockGateway::new().with_id("b"));
    a.push_result(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::NotSent)));
    a.push_result(MockResult::TimeoutAfterSending);
    let clock = clock();
    let gw = RoundRobin::new(vec![Arc::new(a.clone()), Arc::new(b.clone())])
        .unwrap()
        .starting_at(0)
        .with_clock(Arc::new(clock.clone()))
        .with_cooldown(Duration::from_secs(10));
    // a fails NotSent: b sends it, a cools down.
    assert_eq!(gw.send(&msg()).await.unwrap().gateway, "b");
    // Cursor at b, a still cooling down: b again.
    assert_eq!(gw.send(&msg()).await.unwrap().gateway, "b");
    clock.advance(Duration::from_secs(10));
    // Cursor at a (alive again): a times out after sending: not moved on to b.
    let e = gw.send(&msg()).await.unwrap_err();
    assert!(e.may_have_been_sent());
    assert_eq!((a.calls().len(), b.calls().len()), (2, 2));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn outcome() -> impl Strategy<Value = MockResult> {
        prop_oneof![
            Just(MockResult::Accept),
            Just(MockResult::TimeoutAfterSending),
            Just(MockResult::Fail(err(ErrorKind::Network, Certainty::NotSent))),
            Just(MockResult::Fail(err(ErrorKind::Auth, Certainty::NotSent))),
            Just(MockResult::Fail(err(ErrorKind::Unavailable, Certainty::MaybeSent))),
        ]
    }

    fn maybe_sent(r: &MockResult) -> bool {
        match r {
            MockResult::TimeoutAfterSending => true,
            MockResult::Fail(e) => e.may_have_been_sent(),
            _ => false,
        }
    }

    proptest! {
        /// For any scripts: a send moves to another gateway only after NotSent failures, goes out
        /// through at most one gateway, and its outcome has the right certainty.
        #[test]
        fn never_past_a_maybe_sent(
            scripts in proptest::collection::vec(proptest::collection::vec(outcome(), 0..6), 3),
            round in any::<bool>(),
            sends in 1usize..8,
            pause in 0u64..90,
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let mocks: Vec<MockGateway> = (0..3).map(|i| MockGateway::new().with_id(format!("g{i}"))).collect();
            for (m, s) in mocks.iter().zip(&scripts) {
                m.push_results(s.clone());
            }
            let list: Vec<Arc<dyn Gateway>> =
                mocks.iter().map(|m| Arc::new(m.clone()) as Arc<dyn Gateway>).collect();
            let clock = clock();
            let gw: Box<dyn Gateway> = if round {
                Box::new(RoundRobin::new(list).unwrap().with_clock(Arc::new(clock.clone())))
            } else {
                Box::new(Failover::new(list).unwrap().with_clock(Arc::new(clock.clone())))
            };
            for _ in 0..sends {
                let m = msg();
                let before: Vec<usize> = mocks.iter().map(|g| g.calls().len()).collect();
                let outcome = rt.block_on(gw.send(&m));
                clock.advance(Duration::from_secs(pause));
                let results: Vec<MockResult> = (0..3)
                    .filter(|&i| mocks[i].calls().len() > before[i])
                    .map(|i| {
                        prop_assert_eq!(mocks[i].calls().len(), before[i] + 1, "a gateway called twice");
                        Ok(scripts[i].get(before[i]).cloned().unwrap_or(MockResult::Accept))
                    })
                    .collect::<Result<_, _>>()?;
                prop_assert!(!results.is_empty());
                let maybes = results.iter().filter(|r| maybe_sent(r)).count();
                let accepts = results.iter().filter(|r| matches!(r, MockResult::Accept)).count();
                prop_assert!(maybes + accepts <= 1, "moved on after a MaybeSent or an accept: {results:?}");
                let outs: usize = mocks.iter().map(|g| g.sent_count(&m, &m.recipients()[0])).sum();
                prop_assert!(outs <= 1, "went out {} times", outs);
                match &outcome {
                    Ok(_) => prop_assert_eq!(accepts, 1),
                    Err(e) if e.may_have_been_sent() => prop_assert_eq!(maybes, 1),
                    Err(_) => prop_assert_eq!((maybes, accepts, outs), (0, 0, 0)),
                }
            }
        }
    }
}

#[test]
fn a_pool_finds_its_one_member_by_id_nested_too() {
    let g = |id: &str| Arc::new(MockGateway::new().with_id(id)) as Arc<dyn Gateway>;
    let inner: Arc<dyn Gateway> = Arc::new(RoundRobin::new(vec![g("b"), g("c")]).unwrap());
    let pool = Failover::new(vec![g("a"), inner, g("d"), g("d")]).unwrap();
    assert_eq!(pool.member("a").map(|m| m.id()), Some("a"));
    assert_eq!(pool.member("c").map(|m| m.id()), Some("c"), "found in the nested pool");
    assert!(pool.member("d").is_none(), "two members answer as d: none is chosen");
    assert!(pool.member("x").is_none());
    // An operator gateway has no members.
    assert!(MockGateway::new().with_id("a").member("a").is_none());
}
