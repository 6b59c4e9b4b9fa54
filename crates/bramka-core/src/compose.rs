//! [`Failover`] and [`RoundRobin`]: several gateways behind one, certainty-aware.
//!
//! Both move to the next gateway **only** after an error with [`Certainty::NotSent`]; after a
//! [`Certainty::MaybeSent`] error they return it at once (the message may be out: sending it
//! through another gateway could deliver it twice). A gateway that failed with a gateway-level
//! `NotSent` error (transient, auth, insufficient funds, configuration) is skipped for a cooldown
//! (60 s by default) measured on an injectable [`Clock`]; when every gateway is cooling down, all
//! are tried in their usual order. Errors about the message itself (invalid recipient, content…)
//! also move on (operators differ: one may accept a sender or length another refuses) but do not
//! start a cooldown. An `Ok` [`SendReport`] is an answer: it is returned even when it rejects some
//! recipients.
//!
//! Their [`Capabilities`] are the intersection of the gateways' ([`Capabilities::intersect`]):
//! the smallest batch size and part cap, an optional operation only when every gateway has it, and
//! the weakest idempotency, downgraded from [`Idempotency::ServerDedupe`] to
//! [`Idempotency::ClientReference`] when there are several gateways (a retry may reach another
//! operator, which knows nothing of the first one's keys). A [`RetryGateway`](crate::RetryGateway)
//! around a pool still re-sends a `MaybeSent` recipient, through the member that may have sent it
//! when that member de-duplicates ([`Gateway::member`]).
//!
//! Optional operations take an id that belongs to one gateway: they are tried on each gateway in
//! order until one answers with something other than [`ErrorKind::NotFound`] or
//! [`ErrorKind::Unsupported`]. `balance` and the sender names are the first gateway's; the
//! scheduled messages and receiving numbers are every gateway's that lists them, one after the other.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::account::{ReceivingNumber, ScheduledMessage, SenderName};
use crate::capabilities::{Capabilities, Idempotency};
use crate::clock::{Clock, SystemClock};
use crate::error::{Certainty, Error, ErrorKind};
use crate::gateway::Gateway;
use crate::message::Message;
use crate::report::{Balance, DeliveryReport, SendReport};

impl Capabilities {
    /// What both `self` and `other` support: smaller batch size and part cap, each optional
    /// operation only when both have it, the weaker idempotency.
    ///
    /// ```
    /// use bramka_core::{Capabilities, Capability, Idempotency};
    /// let a = Capabilities::new().with_batch_size(100).with(Capability::Status).with(Capability::Balance);
    /// let b = Capabilities::new().with_batch_size(10).with(Capability::Status)
    ///     .with_idempotency(Idempotency::ServerDedupe);
    /// let both = a.intersect(&b);
    /// assert_eq!(both.batch_size, 10);
    /// assert!(both.supports(Capability::Status) && !both.supports(Capability::Balance));
    /// assert_eq!(both.idempotency, Idempotency::None);
    /// ```
    #[must_use]
    pub fn intersect(&self, other: &Capabilities) -> Capabilities {
        let rank = |i: Idempotency| match i {
            Idempotency::ServerDedupe => 2,
            Idempotency::ClientReference => 1,
            _ => 0,
        };
        let mut c = self.clone();
        c.batch_size = self.batch_size.min(other.batch_size);
        // A set: every flag, present and future, is intersected.
        c.flags = self.flags.intersection(other.flags);
        c.max_parts = self.max_parts.min(other.max_parts);
        if rank(other.idempotency) < rank(self.idempotency) {
            c.idempotency = other.idempotency;
        }
        c
    }
}

/// The shared machinery: gateways, cooldowns, combined capabilities.
struct Pool {
    id: String,
    gateways: Vec<Arc<dyn Gateway>>,
    caps: Capabilities,
    cooldown: Duration,
    clock: Arc<dyn Clock>,
    dead_until: Mutex<Vec<Option<DateTime<Utc>>>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("")
            .field("gateways", &self.gateways)
            .field("cooldown", &self.cooldown)
            .finish_non_exhaustive()
    }
}

/// Whether a `NotSent` error says the gateway itself is unwell (so it cools down).
fn gateway_level(e: &Error) -> bool {
    e.is_transient() || matches!(e.kind(), ErrorKind::Auth | ErrorKind::InsufficientFunds | ErrorKind::Config)
}

fn ok_or_not_found(e: &Error) -> bool {
    !matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Unsupported)
}

impl Pool {
    fn new(kind: &str, gateways: Vec<Arc<dyn Gateway>>) -> Result<Pool, Error> {
        let Some(first) = gateways.first() else {
            return Err(Error::config(format!("{kind} needs at least one gateway")));
        };
        let mut caps = first.capabilities().clone();
        for g in &gateways[1..] {
            caps = caps.intersect(g.capabilities());
        }
        if gateways.len() > 1 && caps.idempotency == Idempotency::ServerDedupe {
            caps.idempotency = Idempotency::ClientReference;
        }
        let id = format!("{kind}({})", gateways.iter().map(|g| g.id()).collect::<Vec<_>>().join(", "));
        let n = gateways.len();
        Ok(Pool {
            id,
            gateways,
            caps,
            cooldown: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
            dead_until: Mutex::new(vec![None; n]),
        })
    }

    /// Indices to try, starting at `start` and wrapping; cooling-down gateways left out unless
    /// all are.
    fn order(&self, start: usize) -> Vec<usize> {
        let n = self.gateways.len();
        let all: Vec<usize> = (0..n).map(|i| (start + i) % n).collect();
        let now = self.clock.now();
        let dead = self.dead_until.lock().unwrap_or_else(|p| p.into_inner());
        let alive: Vec<usize> = all.iter().copied().filter(|&i| dead[i].is_none_or(|t| t <= now)).collect();
        if alive.is_empty() { all } else { alive }
    }

    fn mark_dead(&self, i: usize) {
        let until =
            self.clock.now() + chrono::Duration::from_std(self.cooldown).unwrap_or(chrono::Duration::MAX);
        self.dead_until.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(until);
    }

    fn mark_alive(&self, i: usize) {
        self.dead_until.lock().unwrap_or_else(|p| p.into_inner())[i] = None;
    }

    async fn send(&self, start: usize, message: &Message) -> Result<SendReport, Error> {
        let mut errors: Vec<Error> = Vec::new();
        for i in self.order(start) {
            let g = &self.gateways[i];
            match g.send(message).await {
                Ok(report) => {
                    self.mark_alive(i);
                    return Ok(report);
                }
                Err(e) if e.certainty() == Certainty::NotSent => {
                    tracing::debug!(gateway = g.id(), error = %e, "sms.send moves to the next gateway");
                    if gateway_level(&e) {
                        self.mark_dead(i);
                    }
                    errors.push(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(self.combine(errors))
    }

    /// The one member answering as `id` (nested pools searched), or `None` when none or several do.
    fn member(&self, id: &str) -> Option<&dyn Gateway> {
        let mut found =
            self.gateways.iter().filter_map(|g| if g.id() == id { Some(&**g) } else { g.member(id) });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    fn combine(&self, mut errors: Vec<Error>) -> Error {
        if errors.len() == 1 {
            return errors.remove(0);
        }
        let Some(last) = errors.last().cloned() else {
            return Error::config(format!("{}: no gateway", self.id));
        };
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        let mut e = Error::new(
            last.kind(),
            Certainty::NotSent,
            format!("every gateway failed: {}", list.join(" | ")),
        )
        .with_gateway(self.id.clone());
        if let Some(r) = errors.iter().filter_map(Error::retry_after).min() {
            e = e.with_retry_after(r);
        }
        e.with_source(last)
    }
}

/// Tries `$call` on each gateway until one answers with something other than NotFound or
/// Unsupported.
macro_rules! route {
    ($pool:expr, |$g:ident| $call:expr) => {{
        let mut last = None;
        for $g in &$pool.gateways {
            match $call.await {
                Ok(v) => return Ok(v),
                Err(e) if ok_or_not_found(&e) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::config(format!("{}: no gateway", $pool.id))))
    }};
}

/// Lists `$call` from every gateway that has it, one after the other; fails when one that has
/// it fails, or when none has it.
macro_rules! gather {
    ($pool:expr, |$g:ident| $call:expr) => {{
        let mut all = Vec::new();
        let mut unsupported = None;
        let mut any = false;
        for $g in &$pool.gateways {
            match $call.await {
                Ok(v) => {
                    any = true;
                    all.extend(v);
                }
                Err(e) if e.kind() == ErrorKind::Unsupported => unsupported = Some(e),
                Err(e) => return Err(e),
            }
        }
        match unsupported {
            Some(e) if !any => Err(e),
            _ => Ok(all),
        }
    }};
}

macro_rules! pool_gateway {
    ($ty:ident, $start:ident) => {
        #[async_trait]
        impl Gateway for $ty {
            fn id(&self) -> &str {
                &self.pool.id
            }
            fn capabilities(&self) -> &Capabilities {
                &self.pool.caps
            }
            fn member(&self, id: &str) -> Option<&dyn Gateway> {
                self.pool.member(id)
            }
            async fn send(&self, message: &Message) -> Result<SendReport, Error> {
                let start = self.$start();
                self.pool.send(start, message).await
            }
            async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
                route!(self.pool, |g| g.status(message_id))
            }
            async fn cancel(&self, id: &str) -> Result<(), Error> {
                route!(self.pool, |g| g.cancel(id))
            }
            async fn reschedule(&self, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
                route!(self.pool, |g| g.reschedule(id, at))
            }
            async fn pause(&self, id: &str) -> Result<(), Error> {
                route!(self.pool, |g| g.pause(id))
            }
            async fn resume(&self, id: &str) -> Result<(), Error> {
                route!(self.pool, |g| g.resume(id))
            }
            async fn balance(&self) -> Result<Balance, Error> {
                self.pool.gateways[0].balance().await
            }
            async fn scheduled(&self) -> Result<Vec<ScheduledMessage>, Error> {
                gather!(self.pool, |g| g.scheduled())
            }
            async fn numbers(&self) -> Result<Vec<ReceivingNumber>, Error> {
                gather!(self.pool, |g| g.numbers())
            }
            async fn senders(&self) -> Result<Vec<SenderName>, Error> {
                self.pool.gateways[0].senders().await
            }
            async fn add_sender(&self, name: &str) -> Result<SenderName, Error> {
                self.pool.gateways[0].add_sender(name).await
            }
            async fn set_default_sender(&self, name: &str) -> Result<(), Error> {
                self.pool.gateways[0].set_default_sender(name).await
            }
            async fn delete_sender(&self, name: &str) -> Result<(), Error> {
                self.pool.gateways[0].delete_sender(name).await
            }
        }
    };
}

/// Sends through the first gateway; moves to the next only after a `NotSent` error. See the
/// [module docs](self).
///
/// ```
/// # #[cfg(not(feature = "test-util"))] fn main() {}
/// # #[cfg(feature = "test-util")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::compose::Failover;
/// use bramka_core::testing::{MockGateway, MockResult};
/// use bramka_core::{Certainty, Error, ErrorKind, Gateway, Message};
/// use std::sync::Arc;
///
/// let primary = MockGateway::new().with_id("primary");
/// let backup = MockGateway::new().with_id("backup");
/// primary.push_result(MockResult::Fail(Error::new(ErrorKind::Network, Certainty::NotSent, "refused")));
/// primary.push_result(MockResult::TimeoutAfterSending);
/// let gw = Failover::new(vec![Arc::new(primary.clone()), Arc::new(backup.clone())]).unwrap();
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
///
/// // NotSent: the backup sends it.
/// assert_eq!(gw.send(&msg).await.unwrap().gateway, "backup");
/// // The primary is cooling down, so the backup gets the next one too.
/// assert_eq!(gw.send(&msg).await.unwrap().gateway, "backup");
/// assert_eq!(backup.sent().len(), 2);
/// # }
/// ```
pub struct Failover {
    pool: Pool,
}

impl fmt::Debug for Failover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Failover{:?}", self.pool)
    }
}

impl Failover {
    /// Tries `gateways` in order. An empty list is a [`ErrorKind::Config`] error.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`] when `gateways` is empty.
    pub fn new(gateways: Vec<Arc<dyn Gateway>>) -> Result<Self, Error> {
        Ok(Failover { pool: Pool::new("failover", gateways)? })
    }
    /// How long a failed gateway is skipped (default 60 s).
    #[must_use]
    pub fn with_cooldown(mut self, d: Duration) -> Self {
        self.pool.cooldown = d;
        self
    }
    /// Measures cooldowns on `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.pool.clock = clock;
        self
    }
    /// The gateways, in order.
    pub fn gateways(&self) -> &[Arc<dyn Gateway>] {
        &self.pool.gateways
    }
    fn first(&self) -> usize {
        0
    }
}

pool_gateway!(Failover, first);

/// Spreads sends over gateways: a random first gateway, then the next one on each send. Like
/// [`Failover`], it moves on within a send only after a `NotSent` error, and skips a failed
/// gateway for a cooldown. See the [module docs](self).
///
/// ```
/// # #[cfg(not(feature = "test-util"))] fn main() {}
/// # #[cfg(feature = "test-util")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::compose::RoundRobin;
/// use bramka_core::testing::MockGateway;
/// use bramka_core::{Gateway, Message};
/// use std::sync::Arc;
///
/// let a = MockGateway::new().with_id("a");
/// let b = MockGateway::new().with_id("b");
/// let gw = RoundRobin::new(vec![Arc::new(a.clone()), Arc::new(b.clone())]).unwrap().starting_at(1);
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// let used: Vec<String> = [gw.send(&msg).await, gw.send(&msg).await, gw.send(&msg).await]
///     .into_iter().map(|r| r.unwrap().gateway).collect();
/// assert_eq!(used, ["b", "a", "b"]);
/// # }
/// ```
pub struct RoundRobin {
    pool: Pool,
    cursor: AtomicUsize,
}

impl fmt::Debug for RoundRobin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoundRobin{:?}", self.pool)
    }
}

impl RoundRobin {
    /// Rotates over `gateways`, starting at a random one. An empty list is a
    /// [`ErrorKind::Config`] error.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`] when `gateways` is empty.
    pub fn new(gateways: Vec<Arc<dyn Gateway>>) -> Result<Self, Error> {
        let pool = Pool::new("round_robin", gateways)?;
        let start = fastrand::usize(..pool.gateways.len());
        Ok(RoundRobin { pool, cursor: AtomicUsize::new(start) })
    }
    /// Starts the rotation at gateway `i` (modulo their number), for reproducible tests.
    #[must_use]
    pub fn starting_at(self, i: usize) -> Self {
        self.cursor.store(i % self.pool.gateways.len(), Ordering::Relaxed);
        self
    }
    /// How long a failed gateway is skipped (default 60 s).
    #[must_use]
    pub fn with_cooldown(mut self, d: Duration) -> Self {
        self.pool.cooldown = d;
        self
    }
    /// Measures cooldowns on `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.pool.clock = clock;
        self
    }
    /// The gateways, in rotation order.
    pub fn gateways(&self) -> &[Arc<dyn Gateway>] {
        &self.pool.gateways
    }
    fn next_start(&self) -> usize {
        self.cursor.fetch_add(1, Ordering::Relaxed) % self.pool.gateways.len()
    }
}

pool_gateway!(RoundRobin, next_start);
