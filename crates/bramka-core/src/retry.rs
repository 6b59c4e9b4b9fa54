//! [`RetryGateway`]: bounded, certainty-aware retries of a send.
//!
//! What is retried is decided by one pure function, [`RetryPolicy::decide`]:
//!
//! | error                                   | gateway idempotency          | decision              |
//! |-----------------------------------------|------------------------------|-----------------------|
//! | transient (`is_transient()`), `NotSent` | any                          | retry                 |
//! | transient, `MaybeSent`                  | [`Idempotency::ServerDedupe`] and a client key | retry |
//! | transient, `MaybeSent`                  | anything else                | give up (may be sent) |
//! | not transient (auth, invalid recipient…) | any                         | give up               |
//! | `Retry-After` longer than the cap       | any                          | give up               |
//! | attempts used up                        | any                          | give up               |
//!
//! Every [`Message`] carries a [`ClientRef`](crate::ClientRef) (its idempotency key), generated
//! once when it is built; a retry sends the same `Message`, so the operator sees the same key on
//! every attempt.
//!
//! Waits are exponential with full jitter (`random(0, min(cap, base × 2^(attempt-1)))`), or exactly
//! the operator's `Retry-After` when it gave one (up to [`RetryPolicy::with_max_retry_after`]).
//! Waits go through an injectable [`Clock`], so tests use [`ManualClock`](crate::clock::ManualClock)
//! and never sleep. No wait starts that would end after the overall deadline.
//!
//! An undecodable answer (`Decode`, `MaybeSent`: the operator answered 2xx but bramka could not
//! read it) counts as transient where the operator de-duplicates: sending the same keys again
//! yields a readable answer and cannot send twice.
//!
//! # Per recipient
//!
//! A send is retried recipient by recipient, relying on the [send contract](Gateway::send). After
//! each attempt, exactly these recipients are sent again, in a sub-message made by
//! [`Message::with_recipients`] (same client key, same analysed text):
//! - [`SendState::NotAttempted`] ones (their request was never made);
//! - ones rejected `NotSent` with a transient error;
//! - where the gateway de-duplicates ([`Idempotency::ServerDedupe`]), ones rejected `MaybeSent`
//!   with a transient or decode error (a single recipient's `MaybeSent` inside a batch included).
//!
//! Accepted recipients are never sent again, nor, without de-duplication, any recipient that may
//! have gone out. Their new entries replace the old ones; the report keeps the message's order.
//!
//! The certainty of a recipient is its own history: once one of *its* attempts may have gone
//! out, a later "not sent" (or "not attempted") only means "not sent this time", so its final
//! entry is a [`Certainty::MaybeSent`] rejection. Other recipients of the message are not
//! affected. When every attempt failed as a whole (no per-recipient answer ever came), the last
//! error is returned, `MaybeSent` if any attempt may have gone out.
//!
//! Around a pool ([`Failover`](crate::compose::Failover), [`RoundRobin`](crate::compose::RoundRobin)),
//! whose own idempotency is never `ServerDedupe`, a recipient that may have gone out through one
//! member is kept on that member ([`Gateway::member`]): it is sent again only there, and only when
//! that member de-duplicates. The others go through the pool as usual. So `retry(a || b)` leaves no
//! more recipients `MaybeSent` than `retry(a) || retry(b)`, and never sends one through both.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::capabilities::{Capabilities, Idempotency};
use crate::clock::{Clock, SystemClock};
use crate::error::{Certainty, Error, ErrorKind};
use crate::gateway::Gateway;
use crate::message::Message;
use crate::report::{RecipientReport, SendReport, SendState};

/// What [`RetryPolicy::decide`] says about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Try again after a wait ([`RetryPolicy::delay`]).
    Retry,
    /// Return the error to the caller.
    GiveUp(GiveUp),
}

/// Why a failed attempt is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUp {
    /// The error is not transient (auth, invalid recipient, content, configuration…).
    NotTransient,
    /// The message may have been sent and the gateway does not reject duplicates of a client
    /// key: retrying could send it twice. Reconcile through `status()` or delivery reports.
    MaybeSent,
    /// The attempts allowed by the policy are used up.
    AttemptsExhausted,
    /// The operator asked to wait longer than the policy's Retry-After cap.
    RetryAfterTooLong,
    /// The next wait would end after the overall deadline.
    Deadline,
}

/// How many times, how long and how far a [`RetryGateway`] retries.
///
/// ```
/// use bramka_core::retry::RetryPolicy;
/// use std::time::Duration;
///
/// let p = RetryPolicy::new().with_max_attempts(5).with_deadline(Duration::from_secs(10));
/// assert_eq!(p.max_attempts(), 5);
/// // Full jitter: a random fraction of min(cap, base * 2^(attempt-1)).
/// assert_eq!(p.delay(1, None, 1.0), Duration::from_millis(500));
/// assert_eq!(p.delay(3, None, 0.5), Duration::from_millis(1000));
/// assert_eq!(p.delay(30, None, 1.0), Duration::from_secs(20));
/// // An operator's Retry-After is honoured as given.
/// assert_eq!(p.delay(1, Some(Duration::from_secs(2)), 0.1), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    max_retry_after: Duration,
    deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

impl RetryPolicy {
    /// 3 attempts, 500 ms base, 20 s cap, Retry-After honoured up to 30 s, 60 s overall deadline.
    pub fn new() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(30),
            deadline: Some(Duration::from_secs(60)),
        }
    }

    /// Attempts in all, the first included (at least 1; 1 disables retries).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// The first backoff bound (doubled on each attempt).
    pub fn with_base_delay(mut self, d: Duration) -> Self {
        self.base = d;
        self
    }
    /// The largest backoff bound.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.cap = d;
        self
    }
    /// The longest `Retry-After` honoured; a longer one ends the retries.
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }
    /// The overall deadline, measured from the first attempt; `None` for none.
    pub fn with_deadline(mut self, d: impl Into<Option<Duration>>) -> Self {
        self.deadline = d.into();
        self
    }

    /// Attempts in all.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// The overall deadline.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Whether to retry after attempt number `attempt` (1-based) failed with `error`, on a gateway
    /// with `caps`, for a message that carries a client key (`has_key`). Pure: the table in the
    /// [module docs](self) is its specification.
    ///
    /// ```
    /// use bramka_core::retry::{Decision, GiveUp, RetryPolicy};
    /// use bramka_core::{Capabilities, Certainty, Error, ErrorKind, Idempotency};
    ///
    /// let p = RetryPolicy::new();
    /// let timeout = Error::new(ErrorKind::Timeout, Certainty::MaybeSent, "no answer");
    /// let plain = Capabilities::new();
    /// let dedupe = Capabilities::new().with_idempotency(Idempotency::ServerDedupe);
    /// assert_eq!(p.decide(&timeout, 1, &plain, true), Decision::GiveUp(GiveUp::MaybeSent));
    /// assert_eq!(p.decide(&timeout, 1, &dedupe, true), Decision::Retry);
    /// assert_eq!(p.decide(&timeout, 3, &dedupe, true), Decision::GiveUp(GiveUp::AttemptsExhausted));
    /// ```
    pub fn decide(&self, error: &Error, attempt: u32, caps: &Capabilities, has_key: bool) -> Decision {
        let undecodable = error.kind() == ErrorKind::Decode && error.may_have_been_sent();
        if !error.is_transient() && !undecodable {
            return Decision::GiveUp(GiveUp::NotTransient);
        }
        match error.certainty() {
            Certainty::NotSent => {}
            _ => {
                if !(caps.idempotency == Idempotency::ServerDedupe && has_key) {
                    return Decision::GiveUp(GiveUp::MaybeSent);
                }
            }
        }
        if attempt >= self.max_attempts {
            return Decision::GiveUp(GiveUp::AttemptsExhausted);
        }
        if error.retry_after().is_some_and(|r| r > self.max_retry_after) {
            return Decision::GiveUp(GiveUp::RetryAfterTooLong);
        }
        Decision::Retry
    }

    /// The wait before attempt `attempt + 1`: `retry_after` when the operator gave one, else
    /// `jitter × min(cap, base × 2^(attempt-1))` (full jitter; `jitter` in `[0, 1]`, random in
    /// [`RetryGateway`]).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(r) = retry_after {
            return r.min(self.max_retry_after);
        }
        let exp = attempt.saturating_sub(1).min(31);
        let bound = self.base.saturating_mul(1u32 << exp).min(self.cap);
        bound.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// [`RetryPolicy::decide`] with the default policy.
pub fn decide(error: &Error, attempt: u32, caps: &Capabilities, has_key: bool) -> Decision {
    RetryPolicy::new().decide(error, attempt, caps, has_key)
}

/// A gateway that retries failed sends of the gateway it wraps, following a [`RetryPolicy`].
///
/// Only [`send`](Gateway::send) is retried; the other operations are passed through once.
/// Capabilities are those of the wrapped gateway.
///
/// ```
/// # #[cfg(not(feature = "test-util"))] fn main() {}
/// # #[cfg(feature = "test-util")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::clock::ManualClock;
/// use bramka_core::retry::{RetryGateway, RetryPolicy};
/// use bramka_core::testing::{MockGateway, MockResult};
/// use bramka_core::{Certainty, Error, ErrorKind, Gateway, Message};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let mock = MockGateway::new();
/// mock.push_result(MockResult::Fail(
///     Error::new(ErrorKind::RateLimited, Certainty::NotSent, "slow down")
///         .with_retry_after(Duration::from_secs(2)),
/// ));
/// let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
/// let gw = RetryGateway::new(mock.clone(), RetryPolicy::new()).with_clock(Arc::new(clock.clone()));
///
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// let report = gw.send(&msg).await.unwrap();
/// assert!(report.all_accepted());
/// assert_eq!(mock.calls().len(), 2);
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
/// # }
/// ```
pub struct RetryGateway<G> {
    inner: G,
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
    rng: Mutex<fastrand::Rng>,
}

impl<G: fmt::Debug> fmt::Debug for RetryGateway<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryGateway").field("inner", &self.inner).field("policy", &self.policy).finish()
    }
}

impl<G: Gateway> RetryGateway<G> {
    /// Wraps `inner`; waits on the system clock.
    pub fn new(inner: G, policy: RetryPolicy) -> Self {
        RetryGateway { inner, policy, clock: Arc::new(SystemClock), rng: Mutex::new(fastrand::Rng::new()) }
    }
    /// Waits (and measures the deadline) on `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// Seeds the jitter, for reproducible tests.
    pub fn with_seed(self, seed: u64) -> Self {
        RetryGateway { rng: Mutex::new(fastrand::Rng::with_seed(seed)), ..self }
    }
    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }
    /// The wrapped gateway.
    pub fn inner(&self) -> &G {
        &self.inner
    }

    /// The wait before attempt `attempt + 1`, or why not to make one. `errors` are the errors
    /// of the recipients to send again (none when they were all not attempted), each with the
    /// capabilities of the gateway it is sent through.
    fn next_wait<'e>(
        &self,
        errors: impl Iterator<Item = (&'e Error, &'e Capabilities)>,
        attempt: u32,
        started: DateTime<Utc>,
    ) -> Result<Duration, GiveUp> {
        if attempt >= self.policy.max_attempts {
            return Err(GiveUp::AttemptsExhausted);
        }
        let mut retry_after: Option<Duration> = None;
        for (e, caps) in errors {
            if let Decision::GiveUp(g) = self.policy.decide(e, attempt, caps, true) {
                return Err(g);
            }
            retry_after = retry_after.max(e.retry_after());
        }
        let jitter = self.rng.lock().unwrap_or_else(|p| p.into_inner()).f64();
        let wait = self.policy.delay(attempt, retry_after, jitter);
        if let Some(deadline) = self.policy.deadline {
            let elapsed = (self.clock.now() - started).to_std().unwrap_or_default();
            if elapsed.saturating_add(wait) > deadline {
                return Err(GiveUp::Deadline);
            }
        }
        Ok(wait)
    }

    /// The gateway a recipient is sent through: the member of a pool that may have sent it
    /// (`via`, see [`Gateway::member`]) when the wrapped gateway has that member, else the
    /// wrapped gateway.
    fn route(&self, via: Option<&str>) -> &dyn Gateway {
        via.filter(|id| *id != self.inner.id()).and_then(|id| self.inner.member(id)).unwrap_or(&self.inner)
    }

    /// Whether a recipient in `state`, sent through `gateway`, with `maybe_out` telling whether
    /// one of its attempts may have gone out, is sent again (see the [module docs](self)).
    fn retryable(&self, state: &SendState, gateway: &dyn Gateway, maybe_out: bool) -> bool {
        let dedupe = gateway.capabilities().idempotency == Idempotency::ServerDedupe;
        if maybe_out && !dedupe {
            return false;
        }
        match state {
            SendState::NotAttempted => true,
            SendState::Rejected(e) => match e.certainty() {
                Certainty::NotSent => e.is_transient(),
                _ => dedupe && (e.is_transient() || e.kind() == ErrorKind::Decode),
            },
            _ => false,
        }
    }
}

/// Finds the entry for `to` in `answer`, preferring position `k`.
fn take_entry(
    answer: &mut [Option<RecipientReport>],
    k: usize,
    to: &crate::phone::PhoneNumber,
) -> Option<RecipientReport> {
    if let Some(slot) = answer.get_mut(k)
        && slot.as_ref().is_some_and(|r| &r.to == to)
    {
        return slot.take();
    }
    answer.iter_mut().find(|r| r.as_ref().is_some_and(|r| &r.to == to)).and_then(Option::take)
}

/// What a [`RetryGateway`] knows of one recipient: its latest entry and its own history.
struct Recipient {
    entry: RecipientReport,
    /// The last error of an attempt that may have gone out, if any did.
    maybe_out: Option<Error>,
    /// The gateway that may have sent it (a report's or an error's gateway id), if known.
    via: Option<String>,
}

#[async_trait]
impl<G: Gateway> Gateway for RetryGateway<G> {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    fn delegate(&self) -> Option<&dyn Gateway> {
        Some(&self.inner)
    }

    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let started = self.clock.now();
        let all = message.recipients();
        let mut people: Vec<Recipient> = all
            .iter()
            .map(|n| Recipient {
                entry: RecipientReport::new(n.clone(), SendState::NotAttempted),
                maybe_out: None,
                via: None,
            })
            .collect();
        let mut pending: Vec<usize> = (0..all.len()).collect();
        let mut report: Option<SendReport> = None;
        let mut attempt = 1u32;
        loop {
            // One send per gateway: a recipient that may have gone out through a pool's member
            // goes to that member only; the others go through the wrapped gateway.
            let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
            for &i in &pending {
                let via = people[i].via.as_deref().filter(|id| self.inner.member(id).is_some());
                match groups.iter_mut().find(|g| g.0 == via) {
                    Some(g) => g.1.push(i),
                    None => groups.push((via, vec![i])),
                }
            }
            let groups: Vec<(Option<String>, Vec<usize>)> =
                groups.into_iter().map(|(v, g)| (v.map(str::to_owned), g)).collect();
            for (via, group) in groups {
                let subset;
                let sub: &Message = if group.len() == all.len() {
                    message
                } else {
                    subset = message.with_recipients(group.iter().map(|&i| all[i].clone()).collect());
                    &subset
                };
                let source = match self.route(via.as_deref()).send(sub).await {
                    Ok(mut r) => {
                        let mut answer: Vec<Option<RecipientReport>> =
                            std::mem::take(&mut r.recipients).into_iter().map(Some).collect();
                        for (k, &i) in group.iter().enumerate() {
                            people[i].entry = take_entry(&mut answer, k, &all[i]).unwrap_or_else(|| {
                                RecipientReport::new(
                                    all[i].clone(),
                                    SendState::Rejected(
                                        Error::new(
                                            ErrorKind::Decode,
                                            Certainty::MaybeSent,
                                            "the gateway's report has no entry for this recipient",
                                        )
                                        .with_gateway(r.gateway.clone()),
                                    ),
                                )
                            });
                        }
                        let source = r.gateway.clone();
                        match &mut report {
                            None => report = Some(r),
                            Some(base) => {
                                if base.batch_id.is_none() {
                                    base.batch_id = r.batch_id;
                                }
                                base.notes.extend(r.notes);
                            }
                        }
                        Some(source)
                    }
                    Err(e) => {
                        for &i in &group {
                            people[i].entry.state = SendState::Rejected(e.clone());
                        }
                        e.gateway().map(str::to_owned)
                    }
                };
                for &i in &group {
                    let p = &mut people[i];
                    if let SendState::Rejected(e) = &p.entry.state
                        && e.may_have_been_sent()
                    {
                        p.maybe_out = Some(e.clone());
                        if p.via.is_none() {
                            p.via = source.clone();
                        }
                    }
                }
            }
            pending = (0..all.len())
                .filter(|&i| {
                    let p = &people[i];
                    self.retryable(&p.entry.state, self.route(p.via.as_deref()), p.maybe_out.is_some())
                })
                .collect();
            if pending.is_empty() {
                break;
            }
            let errors = pending.iter().filter_map(|&i| {
                let p = &people[i];
                Some((p.entry.state.error()?, self.route(p.via.as_deref()).capabilities()))
            });
            match self.next_wait(errors, attempt, started) {
                Ok(wait) => {
                    tracing::debug!(
                        gateway = self.inner.id(),
                        attempt,
                        recipients = pending.len(),
                        ?wait,
                        "sms.send retry"
                    );
                    self.clock.sleep(wait).await;
                    attempt += 1;
                }
                Err(why) => {
                    tracing::debug!(gateway = self.inner.id(), attempt, ?why, "sms.send gives up");
                    break;
                }
            }
        }
        // A recipient that may have gone out on one of its attempts is reported so.
        let entries: Vec<RecipientReport> = people
            .into_iter()
            .map(|p| {
                let mut entry = p.entry;
                if let Some(maybe) = p.maybe_out {
                    match &mut entry.state {
                        SendState::Rejected(e) if !e.may_have_been_sent() => {
                            *e = e.clone().with_certainty(Certainty::MaybeSent);
                        }
                        SendState::NotAttempted => entry.state = SendState::Rejected(maybe),
                        _ => {}
                    }
                }
                entry
            })
            .collect();
        match report {
            None => {
                // Every request failed as a whole. One error holds for every recipient when they
                // all end with the same kind and certainty; else each keeps its own.
                let errors: Vec<&Error> = entries.iter().filter_map(|r| r.state.error()).collect();
                let same = errors.len() == entries.len()
                    && errors
                        .windows(2)
                        .all(|w| (w[0].kind(), w[0].certainty()) == (w[1].kind(), w[1].certainty()));
                match errors.first() {
                    Some(e) if same => Err((*e).clone()),
                    None => Err(Error::config("no attempt was made")),
                    Some(_) => {
                        let mut r = SendReport::new(self.inner.id(), message);
                        r.recipients = entries;
                        Ok(r)
                    }
                }
            }
            Some(mut r) => {
                r.recipients = entries;
                Ok(r)
            }
        }
    }
}
