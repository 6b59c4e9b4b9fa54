//! An injectable clock, so retries, delays and time windows are tested without sleeping.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

/// Tells the time and waits.
///
/// ```
/// use bramka_core::clock::{Clock, SystemClock};
///
/// fn greeting(clock: &dyn Clock) -> &'static str {
///     use chrono::Timelike;
///     if clock.now().hour() < 12 { "Good morning" } else { "Hello" }
/// }
/// println!("{}", greeting(&SystemClock));
/// ```
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock: `Utc::now()` and `tokio::time::sleep` (so tokio's paused test time works too).
///
/// ```
/// use bramka_core::clock::{Clock, SystemClock};
///
/// assert!(SystemClock.now().timestamp() > 1_577_836_800); // after 2020-01-01
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// A clock for tests: `sleep` returns at once and moves the time forward; every wait is recorded.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::clock::{Clock, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new("2026-03-29T00:30:00Z".parse().unwrap());
/// clock.sleep(Duration::from_secs(90)).await;
/// assert_eq!(clock.now().to_rfc3339(), "2026-03-29T00:31:30+00:00");
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(90)]);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: DateTime<Utc>,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock that starts at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock { state: Arc::new(Mutex::new(ManualState { now, sleeps: Vec::new() })) }
    }
    /// Moves the time forward.
    pub fn advance(&self, d: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.now += chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    }
    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).now = now;
    }
    /// Every wait asked for so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).sleeps.clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).now
    }
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.sleeps.push(d);
            s.now += chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        }
        Box::pin(async {})
    }
}
