//! [`RateLimitedGateway`] (feature `rate-limit`): a client-side quota per gateway, on governor.
//!
//! The quota counts **SMS per second**, in the [`Cost`] unit you choose: recipients (the default:
//! one message to 5 recipients costs 5, which is how operators count throughput), requests, or
//! parts (recipients × parts, what operators bill). A send waits until its whole cost fits; a
//! cost larger than the burst is taken in burst-sized steps, so it is paced rather than refused.
//! Only `send` is limited. Waits use tokio's timer (`tokio::time`), so tests with paused time
//! (`#[tokio::test(start_paused = true)]`) run instantly and see exact virtual times.
//!
//! Per-operator quotas are documented hints in each operator crate, not hard-coded here.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use async_trait::async_trait;
use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::capabilities::Capabilities;
use crate::error::Error;
use crate::gateway::Gateway;
use crate::message::Message;
use crate::report::SendReport;

/// What one unit of the quota is.
///
/// ```
/// use std::num::NonZeroU32;
/// use bramka_core::ratelimit::{Cost, RateLimitedGateway};
/// use bramka_core::testing::NullGateway;
/// use bramka_core::Message;
///
/// // At most 10 SMS parts a second, whatever the recipients.
/// let gw = RateLimitedGateway::per_second(NullGateway::new(), NonZeroU32::new(10).unwrap()).counting(Cost::Parts);
/// let m = Message::builder().to("+48600100200, +48600100201").text("x".repeat(200)).build().unwrap();
/// assert_eq!(Cost::Parts.of(&m), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cost {
    /// One per recipient of the message (default).
    #[default]
    Recipients,
    /// One per `send` call, whatever its recipients.
    Requests,
    /// Recipients × parts of the message.
    Parts,
}

impl Cost {
    /// The cost of sending `message`.
    pub fn of(self, message: &Message) -> u64 {
        let n = message.recipients().len().max(1) as u64;
        match self {
            Cost::Recipients => n,
            Cost::Requests => 1,
            Cost::Parts => n * message.analysis().segments().max(1) as u64,
        }
    }
}

/// A governor clock on tokio's time, so paused test time is honoured.
#[derive(Debug, Clone)]
struct TokioClock {
    start: tokio::time::Instant,
}

impl governor::clock::Clock for TokioClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.start)
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// Limits how fast messages go to the wrapped gateway. See the [module docs](self).
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// use bramka_core::ratelimit::RateLimitedGateway;
/// use bramka_core::testing::NullGateway;
/// use bramka_core::{Gateway, Message};
/// use std::num::NonZeroU32;
/// use std::time::Duration;
///
/// let gw = RateLimitedGateway::per_second(NullGateway::new(), NonZeroU32::new(2).unwrap());
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// let start = tokio::time::Instant::now();
/// for _ in 0..4 {
///     gw.send(&msg).await.unwrap();
/// }
/// // Burst of 2, then one every 500 ms (virtual time: the example does not really wait).
/// assert_eq!(start.elapsed(), Duration::from_secs(1));
/// # }
/// ```
pub struct RateLimitedGateway<G> {
    inner: G,
    limiter: Limiter,
    quota: Quota,
    cost: Cost,
}

impl<G: fmt::Debug> fmt::Debug for RateLimitedGateway<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitedGateway")
            .field("inner", &self.inner)
            .field("quota", &self.quota)
            .field("cost", &self.cost)
            .finish()
    }
}

impl<G: Gateway> RateLimitedGateway<G> {
    /// At most `n` units per second, with a burst of `n`. Must be called inside a tokio runtime
    /// context only when sending (construction does not need one).
    pub fn per_second(inner: G, n: NonZeroU32) -> Self {
        RateLimitedGateway::with_quota(inner, Quota::per_second(n))
    }

    /// Any governor quota (e.g. `Quota::per_minute(n).allow_burst(b)`).
    pub fn with_quota(inner: G, quota: Quota) -> Self {
        RateLimitedGateway {
            inner,
            limiter: RateLimiter::direct_with_clock(quota, TokioClock { start: start_instant() }),
            quota,
            cost: Cost::default(),
        }
    }

    /// Counts the quota in `cost` units (default [`Cost::Recipients`]).
    #[must_use]
    pub fn counting(mut self, cost: Cost) -> Self {
        self.cost = cost;
        self
    }

    /// The wrapped gateway.
    pub fn inner(&self) -> &G {
        &self.inner
    }

    /// Waits until `cost` units are available, taking them.
    async fn acquire(&self, cost: u64) {
        let burst = u64::from(self.quota.burst_size().get());
        let mut left = cost;
        while left > 0 {
            let step = left.min(burst);
            // `step` is in 1..=burst, so it fits in a NonZeroU32 and never exceeds the capacity.
            let n = NonZeroU32::new(step as u32).unwrap_or(NonZeroU32::MIN);
            match self.limiter.check_n(n) {
                Ok(Ok(())) => left -= step,
                Ok(Err(not_until)) => {
                    let wait = not_until.wait_time_from(self.limiter_clock_now());
                    tokio::time::sleep(wait).await;
                }
                Err(_) => left = 0, // unreachable: step <= burst
            }
        }
    }

    fn limiter_clock_now(&self) -> Duration {
        self.limiter.clock().now()
    }
}

fn start_instant() -> tokio::time::Instant {
    // tokio::time::Instant::now() works outside a runtime (it falls back to std time), and inside
    // a runtime with paused time it reads the virtual clock.
    tokio::time::Instant::now()
}

#[async_trait]
impl<G: Gateway> Gateway for RateLimitedGateway<G> {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        self.acquire(self.cost.of(message)).await;
        self.inner.send(message).await
    }
    fn delegate(&self) -> Option<&dyn Gateway> {
        Some(&self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::NullGateway;
    use tokio::time::Instant;

    fn msg(recipients: usize, text: &str) -> Message {
        let to: Vec<String> = (0..recipients).map(|i| format!("+4860010020{i}")).collect();
        Message::builder().to(to.join(",")).text(text).build().unwrap()
    }

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn paces_single_recipient_sends_in_virtual_time() {
        let gw = RateLimitedGateway::per_second(NullGateway::new(), nz(5));
        let m = msg(1, "hi");
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..12 {
            gw.send(&m).await.unwrap();
            at.push(start.elapsed());
        }
        // A burst of 5 at t=0, then one every 200 ms.
        let expected: Vec<Duration> = [0, 0, 0, 0, 0, 200, 400, 600, 800, 1000, 1200, 1400]
            .into_iter()
            .map(Duration::from_millis)
            .collect();
        assert_eq!(at, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn counts_recipients_by_default_and_paces_a_cost_larger_than_the_burst() {
        let gw = RateLimitedGateway::per_second(NullGateway::new(), nz(2));
        let start = Instant::now();
        // 3 recipients at 2/s with a burst of 2: 2 at t=0, the third at t=0.5 s.
        gw.send(&msg(3, "hi")).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(500));
        // The next single recipient at t=1 s.
        gw.send(&msg(1, "hi")).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn can_count_requests_or_parts() {
        let long = "x".repeat(200); // 2 GSM-7 parts
        assert_eq!(Cost::Parts.of(&msg(2, &long)), 4);
        assert_eq!(Cost::Requests.of(&msg(2, &long)), 1);
        assert_eq!(Cost::Recipients.of(&msg(2, &long)), 2);

        let gw = RateLimitedGateway::per_second(NullGateway::new(), nz(1)).counting(Cost::Requests);
        let start = Instant::now();
        for _ in 0..3 {
            gw.send(&msg(3, "hi")).await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));

        let gw = RateLimitedGateway::per_second(NullGateway::new(), nz(4)).counting(Cost::Parts);
        let start = Instant::now();
        gw.send(&msg(2, &long)).await.unwrap(); // 4 units: the whole burst
        gw.send(&msg(1, &long)).await.unwrap(); // 2 more units: 2 × 250 ms
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn only_send_is_limited() {
        let gw = RateLimitedGateway::per_second(NullGateway::new(), nz(1));
        gw.send(&msg(1, "hi")).await.unwrap();
        let start = Instant::now();
        for _ in 0..5 {
            assert!(gw.balance().await.is_err());
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(gw.id(), "null");
    }
}
