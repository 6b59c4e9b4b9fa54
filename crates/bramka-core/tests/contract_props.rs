//! The send contract and RetryGateway against a scripted flaky operator: for every script of
//! request outcomes, no recipient reaches a handset twice, every recipient that can be delivered
//! within the attempt budget is delivered, and every final state matches the operator's record.

use std::collections::{HashMap, VecDeque};
use std::future::ready;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bramka_core::chunked::{ChunkReport, send_in_chunks};
use bramka_core::clock::ManualClock;
use bramka_core::compose::{Failover, RoundRobin};
use bramka_core::retry::{RetryGateway, RetryPolicy};
use bramka_core::{
    Capabilities, Certainty, Error, ErrorKind, Gateway, Idempotency, Message, PhoneNumber, RecipientReport,
    SendReport, SendState, async_trait,
};
use proptest::prelude::*;

/// What the operator does with one request.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Refuses before accepting (429 / connect refused): nothing sent, `NotSent`.
    Refuse,
    /// Accepts, then the connection drops: sent, `Timeout`/`MaybeSent`.
    AcceptThenDrop,
    /// 5xx before accepting: nothing sent, but the client cannot know (`MaybeSent`).
    ServerErrorBefore,
    /// 5xx after accepting: sent, `MaybeSent`.
    ServerErrorAfter,
    /// A garbled 200: sent, `Decode`/`MaybeSent`.
    Garbled,
    /// Per recipient (bit i of the mask): rejected transiently, not sent.
    PartialNotSent(u32),
    /// Per recipient (bit i of the mask): rejected with a timeout `MaybeSent`; sent when the second
    /// mask's bit is set.
    PartialMaybe(u32, u32),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::Refuse),
        Just(Fault::AcceptThenDrop),
        Just(Fault::ServerErrorBefore),
        Just(Fault::ServerErrorAfter),
        Just(Fault::Garbled),
        any::<u32>().prop_map(Fault::PartialNotSent),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Fault::PartialMaybe(a, b)),
    ]
}

#[derive(Debug)]
struct Flaky {
    id: &'static str,
    caps: Capabilities,
    /// One entry per request; `None` = a clean answer. Exhausted: clean answers.
    script: Mutex<VecDeque<Option<Fault>>>,
    /// Handset deliveries per per-recipient key.
    delivered: Mutex<HashMap<String, u32>>,
}

impl Flaky {
    fn new(batch: usize, dedupe: bool, script: Vec<Option<Fault>>) -> Self {
        Flaky::named("flaky", batch, dedupe, script)
    }

    fn named(id: &'static str, batch: usize, dedupe: bool, script: Vec<Option<Fault>>) -> Self {
        let caps = Capabilities::new().with_batch_size(batch).with_idempotency(if dedupe {
            Idempotency::ServerDedupe
        } else {
            Idempotency::None
        });
        Flaky { id, caps, script: Mutex::new(script.into()), delivered: Mutex::new(HashMap::new()) }
    }

    fn dedupe(&self) -> bool {
        self.caps.idempotency == Idempotency::ServerDedupe
    }

    /// Delivers to `to` unless the operator de-duplicates and already has its key.
    fn deliver(&self, m: &Message, to: &PhoneNumber) -> SendState {
        let key = m.client_ref().for_recipient(to);
        let mut d = self.delivered.lock().unwrap();
        let n = d.entry(key).or_insert(0);
        if self.dedupe() && *n > 0 {
            return SendState::AlreadyAccepted;
        }
        *n += 1;
        SendState::Accepted
    }

    fn deliveries(&self, m: &Message, to: &PhoneNumber) -> u32 {
        self.delivered.lock().unwrap().get(&m.client_ref().for_recipient(to)).copied().unwrap_or(0)
    }

    fn request(&self, m: &Message, chunk: &[PhoneNumber]) -> Result<ChunkReport, Error> {
        let fault = self.script.lock().unwrap().pop_front().flatten();
        let e = |k, c| Error::new(k, c, "scripted").with_gateway(self.id);
        let all = |this: &Self| chunk.iter().for_each(|n| drop(this.deliver(m, n)));
        match fault {
            None => Ok(chunk
                .iter()
                .map(|n| RecipientReport::new(n.clone(), self.deliver(m, n)))
                .collect::<Vec<_>>()
                .into()),
            Some(Fault::Refuse) => {
                Err(e(ErrorKind::RateLimited, Certainty::NotSent).with_retry_after(Duration::from_secs(1)))
            }
            Some(Fault::AcceptThenDrop) => {
                all(self);
                Err(e(ErrorKind::Timeout, Certainty::MaybeSent))
            }
            Some(Fault::ServerErrorBefore) => Err(e(ErrorKind::Unavailable, Certainty::MaybeSent)),
            Some(Fault::ServerErrorAfter) => {
                all(self);
                Err(e(ErrorKind::Unavailable, Certainty::MaybeSent))
            }
            Some(Fault::Garbled) => {
                all(self);
                Err(e(ErrorKind::Decode, Certainty::MaybeSent))
            }
            Some(Fault::PartialNotSent(mask)) => Ok(chunk
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let state = if mask >> (i % 32) & 1 == 1 {
                        SendState::Rejected(e(ErrorKind::Unavailable, Certainty::NotSent))
                    } else {
                        self.deliver(m, n)
                    };
                    RecipientReport::new(n.clone(), state)
                })
                .collect::<Vec<_>>()
                .into()),
            Some(Fault::PartialMaybe(mask, sent)) => Ok(chunk
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let state = if mask >> (i % 32) & 1 == 1 {
                        if sent >> (i % 32) & 1 == 1 {
                            self.deliver(m, n);
                        }
                        SendState::Rejected(e(ErrorKind::Timeout, Certainty::MaybeSent))
                    } else {
                        self.deliver(m, n)
                    };
                    RecipientReport::new(n.clone(), state)
                })
                .collect::<Vec<_>>()
                .into()),
        }
    }
}

#[async_trait]
impl Gateway for Flaky {
    fn id(&self) -> &str {
        self.id
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        send_in_chunks(SendReport::new(self.id, message), message, self.caps.batch_size, |chunk| {
            ready(self.request(message, chunk))
        })
        .await
    }
}

fn message(n: usize) -> Message {
    let to: Vec<String> = (0..n).map(|i| format!("+4860010{i:04}")).collect();
    Message::builder().to(to.join(",")).text("Hi").build().unwrap()
}

/// Runs one message through RetryGateway and checks the invariants; returns whether every
/// recipient ended delivered and accepted.
fn run(
    n: usize,
    batch: usize,
    dedupe: bool,
    script: Vec<Option<Fault>>,
    attempts: u32,
) -> Result<(), TestCaseError> {
    let faults = script.iter().filter(|f| f.is_some()).count() as u32;
    let flaky = Arc::new(Flaky::new(batch, dedupe, script));
    let clock = ManualClock::new("2026-05-01T08:00:00Z".parse().unwrap());
    let policy = RetryPolicy::new().with_max_attempts(attempts).with_deadline(None);
    let gw = RetryGateway::new(flaky.clone(), policy).with_clock(Arc::new(clock)).with_seed(1);
    let m = message(n);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let result = rt.block_on(gw.send(&m));
    let states: Vec<SendState> = match &result {
        Ok(r) => {
            prop_assert_eq!(r.recipients.len(), n, "one entry per recipient");
            for (entry, to) in r.recipients.iter().zip(m.recipients()) {
                prop_assert_eq!(&entry.to, to, "the message's order");
            }
            r.recipients.iter().map(|r| r.state.clone()).collect()
        }
        Err(e) => vec![SendState::Rejected(e.clone()); n],
    };
    for (to, state) in m.recipients().iter().zip(&states) {
        let d = flaky.deliveries(&m, to);
        prop_assert!(d <= 1, "{} delivered {d} times (dedupe {dedupe})", to.e164());
        match state {
            s if s.is_accepted() => prop_assert_eq!(d, 1, "accepted but not delivered: {}", to.e164()),
            SendState::NotAttempted => prop_assert_eq!(d, 0, "not attempted but delivered"),
            SendState::Rejected(e) if !e.may_have_been_sent() => {
                prop_assert_eq!(d, 0, "rejected NotSent but delivered: {}", e)
            }
            _ => {}
        }
        // Within the budget (each unfinished attempt uses up at least one fault), everything that
        // can be delivered is: all of it where the operator de-duplicates, everything but the
        // honest MaybeSent elsewhere.
        if attempts > faults {
            let maybe = matches!(state, SendState::Rejected(e) if e.may_have_been_sent());
            if dedupe || !maybe {
                prop_assert!(state.is_accepted(), "{} not delivered within budget: {state}", to.e164());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_double_send_all_deliverable_delivered_states_match(
        n in 1usize..24,
        batch in 1usize..8,
        dedupe in any::<bool>(),
        script in proptest::collection::vec(proptest::option::weighted(0.6, fault()), 0..8),
        attempts in 1u32..12,
    ) {
        run(n, batch, dedupe, script, attempts)?;
    }
}

/// A scripted leg of a pool: batch size, de-duplication, script.
type Leg = (usize, bool, Vec<Option<Fault>>);

/// Runs one message through `RetryGateway` around a failover (or round robin) of two scripted
/// operators, and checks the invariants: no recipient delivered twice, by one leg or by both;
/// every final state matches the legs' records; and within the budget every recipient is
/// delivered, except one left `MaybeSent` by a leg that does not de-duplicate. That is what
/// `retry(a) || retry(b)` achieves, so `retry(a || b)` must too.
fn run_pool(n: usize, legs: [Leg; 2], round: bool, attempts: u32) -> Result<(), TestCaseError> {
    let faults = legs.iter().map(|l| l.2.iter().filter(|f| f.is_some()).count() as u32).sum::<u32>();
    let [(ba, da, sa), (bb, db, sb)] = legs;
    let (a, b) = (Arc::new(Flaky::named("a", ba, da, sa)), Arc::new(Flaky::named("b", bb, db, sb)));
    let clock = Arc::new(ManualClock::new("2026-05-01T08:00:00Z".parse().unwrap()));
    let list: Vec<Arc<dyn Gateway>> = vec![a.clone(), b.clone()];
    let pool: Arc<dyn Gateway> = if round {
        Arc::new(RoundRobin::new(list).unwrap().starting_at(0).with_clock(clock.clone()))
    } else {
        Arc::new(Failover::new(list).unwrap().with_clock(clock.clone()))
    };
    let policy = RetryPolicy::new().with_max_attempts(attempts).with_deadline(None);
    let gw = RetryGateway::new(pool, policy).with_clock(clock).with_seed(1);
    let m = message(n);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let states: Vec<SendState> = match rt.block_on(gw.send(&m)) {
        Ok(r) => {
            prop_assert_eq!(r.recipients.len(), n, "one entry per recipient");
            r.recipients.into_iter().map(|r| r.state).collect()
        }
        Err(e) => vec![SendState::Rejected(e); n],
    };
    for (to, state) in m.recipients().iter().zip(&states) {
        let (x, y) = (a.deliveries(&m, to), b.deliveries(&m, to));
        prop_assert!(x + y <= 1, "{} delivered {x} times by a and {y} times by b", to.e164());
        match state {
            s if s.is_accepted() => prop_assert_eq!(x + y, 1, "accepted but not delivered: {}", to.e164()),
            SendState::NotAttempted => prop_assert_eq!(x + y, 0, "not attempted but delivered"),
            SendState::Rejected(e) if !e.may_have_been_sent() => {
                prop_assert_eq!(x + y, 0, "rejected NotSent but delivered: {}", e)
            }
            _ => {}
        }
        if attempts > faults {
            // Only a leg without de-duplication may leave a recipient ambiguous.
            let excused = match state {
                SendState::Rejected(e) if e.may_have_been_sent() => match e.gateway() {
                    Some("a") => !da,
                    Some("b") => !db,
                    _ => false,
                },
                _ => false,
            };
            if !excused {
                prop_assert!(state.is_accepted(), "{} not delivered within budget: {state}", to.e164());
            }
        }
    }
    Ok(())
}

fn leg() -> impl Strategy<Value = Leg> {
    (1usize..6, any::<bool>(), proptest::collection::vec(proptest::option::weighted(0.6, fault()), 0..6))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn retry_around_a_pool_delivers_like_retrying_legs(
        n in 1usize..16,
        a in leg(),
        b in leg(),
        round in any::<bool>(),
        attempts in 1u32..14,
    ) {
        run_pool(n, [a, b], round, attempts)?;
    }
}

#[test]
fn a_maybe_sent_first_request_of_several_leaves_the_rest_not_attempted_then_delivered() {
    // Non-deduplicating: the first chunk's fate is unknown, the others are certainly not sent
    // and are delivered by the retry (the fault-injection run lost them before).
    let flaky = Arc::new(Flaky::new(2, false, vec![Some(Fault::AcceptThenDrop)]));
    let clock = ManualClock::new("2026-05-01T08:00:00Z".parse().unwrap());
    let gw = RetryGateway::new(flaky.clone(), RetryPolicy::new()).with_clock(Arc::new(clock));
    let m = message(6);
    let r = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(gw.send(&m)).unwrap();
    let states: Vec<&str> = r.recipients.iter().map(|r| r.state.as_str()).collect();
    assert_eq!(states, ["rejected", "rejected", "accepted", "accepted", "accepted", "accepted"]);
    assert!(r.recipients[0].state.error().unwrap().may_have_been_sent());
    for to in m.recipients() {
        assert_eq!(flaky.deliveries(&m, to), 1);
    }
}

#[test]
fn retry_around_a_failover_resends_a_maybe_sent_recipient_only_through_its_member() {
    // `a` de-duplicates: its first request is accepted, then the connection drops (MaybeSent);
    // the retry of those two goes to `a` alone, which refuses once, then answers "already
    // accepted". `b` is never used, although the failover itself does not de-duplicate.
    let a = Arc::new(Flaky::named("a", 2, true, vec![Some(Fault::AcceptThenDrop), Some(Fault::Refuse)]));
    let b = Arc::new(Flaky::named("b", 2, false, vec![]));
    let clock = Arc::new(ManualClock::new("2026-05-01T08:00:00Z".parse().unwrap()));
    let pool = Failover::new(vec![a.clone(), b.clone()]).unwrap().with_clock(clock.clone());
    assert_ne!(pool.capabilities().idempotency, Idempotency::ServerDedupe);
    let gw = RetryGateway::new(pool, RetryPolicy::new()).with_clock(clock);
    let m = message(4);
    let r = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(gw.send(&m)).unwrap();
    assert!(r.all_accepted(), "{:?}", r.recipients);
    for to in m.recipients() {
        assert_eq!((a.deliveries(&m, to), b.deliveries(&m, to)), (1, 0), "{}", to.e164());
    }
}
