//! Injected faults: which request gets which fault ([`FaultPlan`]: per route, a script first,
//! then a rate with a seeded generator), and how each fault shapes the answer.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use crate::record::FaultKind;

/// A send endpoint faults are configured for (the other endpoints answer without faults).
///
/// ```
/// use bramka_sandbox::Route;
///
/// assert_eq!(Route::parse("infobip_send"), Some(Route::InfobipSend));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Route {
    /// SMSAPI `sms.do` sends.
    SmsapiSend,
    /// Infobip `/sms/3/messages` and `/sms/2/text/advanced`.
    InfobipSend,
    /// Twilio Messages create.
    TwilioSend,
    /// Dynmark `message/send`.
    DynmarkSend,
}

impl Route {
    /// Parses the snake-case names (`smsapi_send`, `infobip_send`, `twilio_send`, `dynmark_send`).
    pub fn parse(s: &str) -> Option<Route> {
        match s {
            "smsapi_send" => Some(Route::SmsapiSend),
            "infobip_send" => Some(Route::InfobipSend),
            "twilio_send" => Some(Route::TwilioSend),
            "dynmark_send" => Some(Route::DynmarkSend),
            _ => None,
        }
    }
}

/// Faults for one route: `script` is consumed first (one entry per request, `None` = answer
/// normally), then each request gets a fault with probability `rate`, its kind drawn evenly
/// from `kinds`.
///
/// ```
/// use bramka_sandbox::{Route, RouteFaults, SandboxConfig};
///
/// // One request in ten gets a random fault, for the account "ACME" only.
/// let config = SandboxConfig::default().account_faults(Route::InfobipSend, "ACME", RouteFaults::every_kind(0.1));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteFaults {
    /// Scripted outcomes for the next requests.
    pub script: Vec<Option<FaultKind>>,
    /// Probability (0.0 to 1.0) of a fault once the script is used up.
    pub rate: f64,
    /// Kinds drawn from at `rate` (empty = no random faults).
    pub kinds: Vec<FaultKind>,
}

impl RouteFaults {
    /// `rate` of faults of every kind.
    pub fn every_kind(rate: f64) -> Self {
        RouteFaults { script: Vec::new(), rate, kinds: FaultKind::ALL.to_vec() }
    }

    /// A script, then no faults.
    pub fn scripted(script: impl IntoIterator<Item = Option<FaultKind>>) -> Self {
        RouteFaults { script: script.into_iter().collect(), rate: 0.0, kinds: Vec::new() }
    }

    /// This plan with `script` played first.
    #[must_use]
    pub fn then_script(mut self, script: impl IntoIterator<Item = Option<FaultKind>>) -> Self {
        self.script = script.into_iter().collect();
        self
    }
}

/// Timing of the faults that take time.
///
/// ```
/// use std::time::Duration;
/// use bramka_sandbox::{FaultTiming, SandboxConfig};
///
/// let timing = FaultTiming { stall: Duration::from_secs(2), ..FaultTiming::default() };
/// let config = SandboxConfig::default().fault_timing(timing);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultTiming {
    /// How long a [`FaultKind::Stall`] waits before answering (set it past the client's timeout).
    pub stall: Duration,
    /// The `Retry-After` (whole seconds) of [`FaultKind::TooManyRequests`].
    pub retry_after_secs: u64,
    /// Total time a [`FaultKind::SlowBody`] spreads its body over.
    pub slow_body: Duration,
}

impl Default for FaultTiming {
    fn default() -> Self {
        FaultTiming {
            stall: Duration::from_secs(35),
            retry_after_secs: 1,
            slow_body: Duration::from_millis(500),
        }
    }
}

struct RouteState {
    script: VecDeque<Option<FaultKind>>,
    rate: f64,
    kinds: Vec<FaultKind>,
}

impl RouteState {
    fn from(faults: RouteFaults) -> Self {
        RouteState { script: faults.script.into(), rate: faults.rate.clamp(0.0, 1.0), kinds: faults.kinds }
    }
}

struct Plans {
    routes: HashMap<Route, RouteState>,
    /// Per account (see [`FaultPlan::set_for_account`]), ahead of the route's plan.
    accounts: HashMap<(Route, String), RouteState>,
    rng: fastrand::Rng,
}

/// The fault plan of a sandbox: per route, and per account on a route, with one seeded
/// generator (same seed and same request order, same faults).
///
/// ```
/// use bramka_sandbox::{FaultKind, FaultPlan, Route, RouteFaults};
///
/// let plan = FaultPlan::new(1);
/// plan.set(Route::TwilioSend, RouteFaults::scripted([Some(FaultKind::Stall)]));
/// assert_eq!(plan.next(Route::TwilioSend), Some(FaultKind::Stall));
/// assert_eq!(plan.next(Route::TwilioSend), None);
/// ```
pub struct FaultPlan {
    plans: Mutex<Plans>,
}

impl std::fmt::Debug for FaultPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultPlan").finish_non_exhaustive()
    }
}

impl FaultPlan {
    /// No faults; random draws seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        FaultPlan {
            plans: Mutex::new(Plans {
                routes: HashMap::new(),
                accounts: HashMap::new(),
                rng: fastrand::Rng::with_seed(seed),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Plans> {
        self.plans.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the faults of `route` (for accounts without a plan of their own).
    pub fn set(&self, route: Route, faults: RouteFaults) {
        self.lock().routes.insert(route, RouteState::from(faults));
    }

    /// Replaces the faults of one account on `route`; its requests no longer use the route's
    /// plan. The account is what the request authenticates as: the SMSAPI token, the Infobip API
    /// key, the Twilio Account SID, the Dynmark user name.
    pub fn set_for_account(&self, route: Route, account: impl Into<String>, faults: RouteFaults) {
        self.lock().accounts.insert((route, account.into()), RouteState::from(faults));
    }

    /// The fault for the next request on `route`, if any.
    pub fn next(&self, route: Route) -> Option<FaultKind> {
        self.next_for(route, None)
    }

    /// The fault for the next request of `account` on `route`: the account's plan if it has
    /// one, else the route's.
    pub fn next_for(&self, route: Route, account: Option<&str>) -> Option<FaultKind> {
        let mut g = self.lock();
        let Plans { routes, accounts, rng } = &mut *g;
        let own = account.and_then(|a| accounts.get_mut(&(route, a.to_owned())));
        let st = match own {
            Some(st) => st,
            None => routes.get_mut(&route)?,
        };
        if let Some(step) = st.script.pop_front() {
            return step;
        }
        if st.kinds.is_empty() || st.rate <= 0.0 || rng.f64() >= st.rate {
            return None;
        }
        Some(st.kinds[rng.usize(..st.kinds.len())])
    }
}

/// A body that fails on its first read: the server closes the connection without a complete
/// answer.
pub(crate) fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault",
        ))
    });
    let mut r = Response::new(Body::from_stream(stream));
    // Announce more than will come, so no client can take the answer as complete.
    r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("4096"));
    r
}

/// A correct answer whose body arrives in pieces over `total`.
pub(crate) async fn slow(response: Response, total: Duration) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    const PIECES: usize = 8;
    let size = bytes.len().div_ceil(PIECES).max(1);
    let chunks: Vec<Bytes> = bytes.chunks(size).map(Bytes::copy_from_slice).collect();
    let pause = total / PIECES as u32;
    let stream = futures::stream::unfold(chunks.into_iter(), move |mut it| async move {
        let c = it.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<Bytes, std::io::Error>(c), it))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// 200 with a body cut short and followed by junk.
pub(crate) fn garbled() -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "{\"count\":1,\"li\u{0}\u{7f}<html>")
        .into_response()
}

/// A 429 with `Retry-After` and the operator's body.
pub(crate) fn too_many(body: &'static str, retry_after_secs: u64) -> Response {
    let mut r =
        (StatusCode::TOO_MANY_REQUESTS, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// A 500 with the operator's body.
pub(crate) fn server_error(body: &'static str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_first_then_rate_with_seed() {
        let plan = FaultPlan::new(7);
        plan.set(
            Route::SmsapiSend,
            RouteFaults::every_kind(0.5).then_script([
                Some(FaultKind::Stall),
                None,
                Some(FaultKind::Garbled200),
            ]),
        );
        assert_eq!(plan.next(Route::SmsapiSend), Some(FaultKind::Stall));
        assert_eq!(plan.next(Route::SmsapiSend), None);
        assert_eq!(plan.next(Route::SmsapiSend), Some(FaultKind::Garbled200));
        assert_eq!(plan.next(Route::TwilioSend), None, "unconfigured routes get no faults");
        let draws: Vec<_> = (0..2000).map(|_| plan.next(Route::SmsapiSend)).collect();
        let faults = draws.iter().filter(|d| d.is_some()).count();
        assert!((800..1200).contains(&faults), "about half of 2000 draws at rate 0.5, got {faults}");
        for k in FaultKind::ALL {
            assert!(draws.contains(&Some(k)), "{k:?} never drawn");
        }
        // Same seed, same sequence.
        let again = FaultPlan::new(7);
        again.set(Route::SmsapiSend, RouteFaults::every_kind(0.5));
        let replay: Vec<_> = (0..2000).map(|_| again.next(Route::SmsapiSend)).collect();
        assert_eq!(replay, draws);
    }

    #[test]
    fn an_accounts_plan_comes_before_the_routes() {
        let plan = FaultPlan::new(1);
        plan.set(Route::TwilioSend, RouteFaults::scripted([Some(FaultKind::Stall), Some(FaultKind::Stall)]));
        plan.set_for_account(Route::TwilioSend, "AC2", RouteFaults::scripted([Some(FaultKind::Garbled200)]));
        assert_eq!(plan.next_for(Route::TwilioSend, Some("AC2")), Some(FaultKind::Garbled200));
        assert_eq!(plan.next_for(Route::TwilioSend, Some("AC2")), None, "AC2's own plan is used up");
        assert_eq!(
            plan.next_for(Route::TwilioSend, Some("AC1")),
            Some(FaultKind::Stall),
            "others: the route's"
        );
        assert_eq!(plan.next(Route::TwilioSend), Some(FaultKind::Stall));
        assert_eq!(plan.next_for(Route::SmsapiSend, Some("AC2")), None, "per route too");
    }
}
