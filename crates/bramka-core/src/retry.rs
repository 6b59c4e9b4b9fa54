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
//! In a multi-recipient send whose [`SendReport`] rejects some recipients with a transient
//! `NotSent` error, only those recipients are sent again (`message.with_recipients(subset)`), and their new entries
//! replace the old ones in the report. Accepted recipients are never sent again.
//!
//! Certainty is kept across attempts: once an attempt may have gone out, a later `NotSent`
//! failure only means "not sent this time", so the error (or the recipient's rejection) returned
//! is [`Certainty::MaybeSent`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::capabilities::{Capabilities, Idempotency};
use crate::clock::{Clock, SystemClock};
use crate::error::{Certainty, Error};
use crate::gateway::Gateway;
use crate::message::Message;
use crate::phone::PhoneNumber;
use crate::report::{Balance, DeliveryReport, SendReport, SendState};

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
        if !error.is_transient() {
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

    /// The wait before the next attempt, or why not to make one.
    fn next_wait(
        &self,
        error: &Error,
        attempt: u32,
        started: DateTime<Utc>,
        retry_after: Option<Duration>,
    ) -> Result<Duration, GiveUp> {
        match self.policy.decide(error, attempt, self.inner.capabilities(), true) {
            Decision::GiveUp(g) => Err(g),
            Decision::Retry => {
                let jitter = self.rng.lock().unwrap_or_else(|p| p.into_inner()).f64();
                let wait = self.policy.delay(attempt, retry_after.or(error.retry_after()), jitter);
                if let Some(deadline) = self.policy.deadline {
                    let elapsed = (self.clock.now() - started).to_std().unwrap_or_default();
                    if elapsed.saturating_add(wait) > deadline {
                        return Err(GiveUp::Deadline);
                    }
                }
                Ok(wait)
            }
        }
    }

    /// Whether a rejected recipient is sent again: only when it certainly was not sent (even
    /// where the operator de-duplicates, a per-recipient rejection that may have gone out is left
    /// to reconciliation), and the decision says retry.
    fn recipient_retryable(&self, error: &Error, attempt: u32) -> bool {
        !error.may_have_been_sent()
            && self.policy.decide(error, attempt, self.inner.capabilities(), true) == Decision::Retry
    }
}

/// Replaces the entries of `report` for the recipients of `again` with `again`'s entries.
fn merge(report: &mut SendReport, again: SendReport) {
    for new in again.recipients {
        if let Some(old) = report.recipients.iter_mut().find(|r| r.to == new.to) {
            *old = new;
        } else {
            report.recipients.push(new);
        }
    }
    if report.batch_id.is_none() {
        report.batch_id = again.batch_id;
    }
    report.notes.extend(again.notes);
}

#[async_trait]
impl<G: Gateway> Gateway for RetryGateway<G> {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let started = self.clock.now();
        let mut attempt = 1u32;
        // Once an attempt may have gone out, every later "not sent" is only "not sent this
        // time": the outcome stays MaybeSent.
        let mut maybe_sent = false;
        let upgrade = |e: Error, maybe: bool| if maybe { e.with_certainty(Certainty::MaybeSent) } else { e };
        // Whole-request failures: the same message (same client key) again.
        let mut report = loop {
            match self.inner.send(message).await {
                Ok(r) => break r,
                Err(e) => {
                    maybe_sent |= e.may_have_been_sent();
                    match self.next_wait(&e, attempt, started, None) {
                        Ok(wait) => {
                            tracing::debug!(gateway = self.inner.id(), attempt, ?wait, error = %e, "sms.send retry");
                            self.clock.sleep(wait).await;
                            attempt += 1;
                        }
                        Err(why) => {
                            tracing::debug!(gateway = self.inner.id(), attempt, ?why, "sms.send gives up");
                            return Err(upgrade(e, maybe_sent));
                        }
                    }
                }
            }
        };
        // Recipients that may have gone out on some attempt (all of them after a MaybeSent
        // whole-request failure).
        let mut maybe_out: Vec<PhoneNumber> =
            if maybe_sent { message.recipients().to_vec() } else { Vec::new() };
        // Per-recipient failures: only the recipients certainly worth sending again.
        loop {
            for r in &mut report.recipients {
                if let SendState::Rejected(e) = &mut r.state {
                    if e.may_have_been_sent() {
                        if !maybe_out.contains(&r.to) {
                            maybe_out.push(r.to.clone());
                        }
                    } else if maybe_out.contains(&r.to) {
                        *e = e.clone().with_certainty(Certainty::MaybeSent);
                    }
                }
            }
            let mut subset: Vec<PhoneNumber> = Vec::new();
            let mut first_error: Option<Error> = None;
            let mut retry_after: Option<Duration> = None;
            for r in &report.recipients {
                if let SendState::Rejected(e) = &r.state
                    && self.recipient_retryable(e, attempt)
                {
                    subset.push(r.to.clone());
                    retry_after = retry_after.max(e.retry_after());
                    first_error.get_or_insert_with(|| e.clone());
                }
            }
            let Some(error) = first_error else { return Ok(report) };
            let wait = match self.next_wait(&error, attempt, started, retry_after) {
                Ok(w) => w,
                Err(_) => return Ok(report),
            };
            tracing::debug!(
                gateway = self.inner.id(),
                attempt,
                recipients = subset.len(),
                ?wait,
                "sms.send retry of rejected recipients"
            );
            self.clock.sleep(wait).await;
            attempt += 1;
            match self.inner.send(&message.with_recipients(subset.clone())).await {
                Ok(again) => merge(&mut report, again),
                Err(e) => {
                    for r in report.recipients.iter_mut().filter(|r| subset.contains(&r.to)) {
                        r.state = SendState::Rejected(e.clone());
                    }
                }
            }
        }
    }

    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        self.inner.status(message_id).await
    }
    async fn cancel(&self, id: &str) -> Result<(), Error> {
        self.inner.cancel(id).await
    }
    async fn reschedule(&self, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
        self.inner.reschedule(id, at).await
    }
    async fn pause(&self, id: &str) -> Result<(), Error> {
        self.inner.pause(id).await
    }
    async fn resume(&self, id: &str) -> Result<(), Error> {
        self.inner.resume(id).await
    }
    async fn balance(&self) -> Result<Balance, Error> {
        self.inner.balance().await
    }
}
