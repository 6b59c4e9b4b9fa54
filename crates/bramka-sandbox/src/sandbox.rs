//! The shared state, the router, the fault wrapper every send goes through, and the delivery
//! simulation.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::SandboxConfig;
use crate::fault::{self, FaultPlan, Route};
use crate::journal::{JournalError, JournaledStore, SandboxJournal};
use crate::record::{FaultEvent, FaultKind, MemoryStore, Operator, Received, SandboxStore, SimState};
use crate::{callback, dynmark, infobip, smsapi, twilio};

/// The largest request body read (bytes).
pub(crate) const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Why a control operation failed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_sandbox::{Operator, Sandbox, SandboxConfig, SandboxError};
///
/// let sandbox = Sandbox::new(SandboxConfig::default());
/// match sandbox.deliver(Operator::Smsapi, "no-such-id", Some("delivered")).await {
///     Err(SandboxError::UnknownMessage { id, .. }) => assert_eq!(id, "no-such-id"),
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SandboxError {
    /// No message with this id was received.
    UnknownMessage {
        /// The operator asked about.
        operator: Operator,
        /// The id asked about.
        id: String,
    },
    /// The message already has a final state.
    AlreadyFinal {
        /// The id.
        id: String,
        /// Its state.
        state: SimState,
    },
    /// The outcome is not one of `delivered`, `undelivered`, `expired`, `stopped`.
    BadOutcome(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::UnknownMessage { operator, id } => {
                write!(f, "no {operator} message with id {id:?} was received")
            }
            SandboxError::AlreadyFinal { id, state } => {
                write!(
                    f,
                    "message {id:?} is already {}: only queued or scheduled messages get a report",
                    state.as_str()
                )
            }
            SandboxError::BadOutcome(o) => {
                write!(f, "unknown outcome {o:?}: expected delivered, undelivered, expired or stopped")
            }
        }
    }
}

impl std::error::Error for SandboxError {}

/// An Infobip scheduled bulk.
#[derive(Debug, Clone)]
pub(crate) struct Bulk {
    pub(crate) status: &'static str,
    pub(crate) send_at: DateTime<Utc>,
}

pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    pub(crate) store: Arc<dyn SandboxStore>,
    /// The same store when it writes through to a journal ([`Sandbox::with_journal`]).
    journaled: Option<Arc<JournaledStore>>,
    pub(crate) faults: FaultPlan,
    /// Held while checking client keys and recording, so a duplicate check and its insert are one step.
    pub(crate) send_lock: Mutex<()>,
    ids: AtomicU64,
    pub(crate) infobip_reports: Mutex<VecDeque<Value>>,
    pub(crate) infobip_inbox: Mutex<VecDeque<Value>>,
    pub(crate) bulks: Mutex<HashMap<String, Bulk>>,
    /// The Auth Token each Twilio account authenticated with (signs its callbacks when none is configured).
    pub(crate) twilio_tokens: Mutex<HashMap<String, String>>,
    pub(crate) http: reqwest::Client,
}

/// The sandbox: cheap to clone, every clone shares the same record.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_sandbox::{Sandbox, SandboxConfig};
///
/// let sandbox = Sandbox::new(SandboxConfig::default());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let base = format!("http://{}/sandbox/smsapi/", listener.local_addr().unwrap());
/// let router = sandbox.router();
/// tokio::spawn(async move { axum::serve(listener, router).await });
/// // Point a gateway at `base`, send, then look:
/// assert!(sandbox.messages().is_empty());
/// # let _ = base;
/// # }
/// ```
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Shared>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Sandbox {
    /// A sandbox recording in memory.
    pub fn new(config: SandboxConfig) -> Self {
        Self::with_store(config, Arc::new(MemoryStore::new()))
    }

    /// A sandbox recording into `store`.
    pub fn with_store(config: SandboxConfig, store: Arc<dyn SandboxStore>) -> Self {
        Self::build(config, store, None)
    }

    /// A sandbox recording in memory and writing every message, with its state and callbacks,
    /// through to `journal` (a database) before it answers. Call
    /// [`restore`](Sandbox::restore) before serving to read back what the journal holds.
    pub fn with_journal(config: SandboxConfig, journal: Arc<dyn SandboxJournal>) -> Self {
        let store = Arc::new(JournaledStore::new(journal));
        Self::build(config, store.clone(), Some(store))
    }

    fn build(
        config: SandboxConfig,
        store: Arc<dyn SandboxStore>,
        journaled: Option<Arc<JournaledStore>>,
    ) -> Self {
        let timeouts =
            bramka_core::http::Timeouts { connect: Duration::from_secs(5), request: Duration::from_secs(10) };
        let http = bramka_core::http::client(timeouts).unwrap_or_else(|_| reqwest::Client::new());
        let faults = FaultPlan::new(config.seed);
        for (route, account, plan) in &config.faults {
            match account {
                Some(a) => faults.set_for_account(*route, a.clone(), plan.clone()),
                None => faults.set(*route, plan.clone()),
            }
        }
        Sandbox {
            inner: Arc::new(Shared {
                config,
                store,
                journaled,
                faults,
                send_lock: Mutex::new(()),
                ids: AtomicU64::new(1),
                infobip_reports: Mutex::new(VecDeque::new()),
                infobip_inbox: Mutex::new(VecDeque::new()),
                bulks: Mutex::new(HashMap::new()),
                twilio_tokens: Mutex::new(HashMap::new()),
                http,
            }),
        }
    }

    /// The operator endpoints, under [`crate::PREFIX`] (`/sandbox/smsapi/`, `/sandbox/infobip/`,
    /// `/sandbox/twilio/`), plus the JSON control API under `/api/v1/sandbox/`
    /// (see [`Sandbox::api_router`]).
    pub fn router(&self) -> Router {
        Router::new().nest("/sandbox", self.operator_routes()).merge(self.api_router())
    }

    /// The operator endpoints alone, relative to [`crate::PREFIX`] (`/smsapi/sms.do`, ...), for
    /// mounting under `/sandbox` in another router.
    pub fn operator_routes(&self) -> Router {
        Router::new()
            .nest("/smsapi", smsapi::router(self.clone()))
            .nest("/infobip", infobip::router(self.clone()))
            .nest("/twilio", twilio::router(self.clone()))
            .nest("/dynmark", dynmark::router(self.clone()))
    }

    /// The fault plan (set faults per route at any time).
    pub fn faults(&self) -> &FaultPlan {
        &self.inner.faults
    }

    /// The record.
    pub fn store(&self) -> &Arc<dyn SandboxStore> {
        &self.inner.store
    }

    /// Every received message (and every simulated inbound one), newest first.
    pub fn messages(&self) -> Vec<Received> {
        let mut m = self.inner.store.messages();
        m.reverse();
        m
    }

    /// Reads back what the journal of [`with_journal`](Sandbox::with_journal) holds (nothing
    /// to do without one): the messages are known again (ids, client keys, states), later ids
    /// cannot collide with theirs, and those still queued or scheduled get their simulated
    /// delivery reports. Returns how many messages were read.
    ///
    /// # Errors
    ///
    /// [`JournalError`] when the journal cannot be read or a line of it cannot be decoded.
    pub async fn restore(&self) -> Result<usize, JournalError> {
        let Some(j) = &self.inner.journaled else { return Ok(0) };
        let n = j.restore().await?;
        if n > 0 {
            // Ids count up from 1 in each process: start past any a previous run could have used.
            let floor = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(1);
            self.inner.ids.fetch_max(floor, Ordering::Relaxed);
            for r in self.inner.store.messages() {
                if r.is_outbound() && matches!(r.state, SimState::Queued | SimState::Scheduled) {
                    self.schedule_delivery(r.operator, r.message_id, r.send_at);
                }
            }
        }
        Ok(n)
    }

    /// Every message newest first, read from the journal when there is one (else from memory).
    ///
    /// # Errors
    ///
    /// [`JournalError`] when the journal cannot be read.
    pub async fn recorded(&self) -> Result<Vec<Received>, JournalError> {
        let Some(j) = &self.inner.journaled else { return Ok(self.messages()) };
        self.inner.store.flush().await;
        let mut m = j.journal().load().await?;
        m.reverse();
        Ok(m)
    }

    /// Waits until every change so far is in the journal (if any).
    pub async fn flush(&self) {
        self.inner.store.flush().await;
    }

    /// A new unique number for ids.
    pub(crate) fn next_id(&self) -> u64 {
        self.inner.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs a send endpoint under the faults of `account` (what the request authenticated as) on
    /// `route`: faults that refuse the request answer before
    /// its body is read; the others let `handle` process it (and record messages), then replace
    /// or delay its answer. `handle` returns the answer and how many messages it recorded.
    pub(crate) async fn faulted<F, Fut>(
        &self,
        route: Route,
        operator: Operator,
        account: Option<&str>,
        body: Body,
        handle: F,
    ) -> Response
    where
        F: FnOnce(Bytes) -> Fut,
        Fut: Future<Output = (Response, usize)>,
    {
        let fault = self.inner.faults.next_for(route, account);
        let t = self.inner.config.timing;
        let record = |kind: FaultKind, recorded: usize| {
            self.inner.store.record_fault(FaultEvent { at: Utc::now(), route, kind, recorded });
        };
        match fault {
            Some(k @ FaultKind::ResetBeforeReading) => {
                record(k, 0);
                return fault::dropped_connection();
            }
            Some(k @ FaultKind::ServerErrorBefore) => {
                record(k, 0);
                return fault::server_error(server_error_body(operator));
            }
            Some(k @ FaultKind::TooManyRequests) => {
                record(k, 0);
                return fault::too_many(too_many_body(operator), t.retry_after_secs);
            }
            _ => {}
        }
        let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(e) => return (StatusCode::PAYLOAD_TOO_LARGE, format!("request body: {e}")).into_response(),
        };
        let (answer, recorded) = handle(bytes).await;
        // What the client is told it sent is durable first, as at a real operator.
        self.inner.store.flush().await;
        let Some(kind) = fault else { return answer };
        record(kind, recorded);
        match kind {
            FaultKind::AcceptThenDrop => fault::dropped_connection(),
            FaultKind::Stall => {
                tokio::time::sleep(t.stall).await;
                answer
            }
            FaultKind::ServerErrorAfter => fault::server_error(server_error_body(operator)),
            FaultKind::Garbled200 => fault::garbled(),
            FaultKind::SlowBody => fault::slow(answer, t.slow_body).await,
            _ => answer,
        }
    }

    /// Records `r` and starts its delivery simulation.
    pub(crate) fn accept(&self, mut r: Received) {
        // In microseconds, as a journal keeps it (the delivery task compares it later).
        r.send_at = r.send_at.map(|t| chrono::SubsecRound::trunc_subsecs(t, 6));
        let (op, id, state, send_at) = (r.operator, r.message_id.clone(), r.state, r.send_at);
        self.inner.store.insert(r);
        if matches!(state, SimState::Queued | SimState::Scheduled) {
            self.schedule_delivery(op, id, send_at);
        }
    }

    /// Plans the automatic report of a message (if reports are automatic).
    pub(crate) fn schedule_delivery(&self, operator: Operator, id: String, send_at: Option<DateTime<Utc>>) {
        let Some(delay) = self.inner.config.delivery_delay else { return };
        let wait = send_at.and_then(|at| (at - Utc::now()).to_std().ok()).unwrap_or_default() + delay;
        let sb = self.clone();
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
        rt.spawn(async move {
            tokio::time::sleep(wait).await;
            let Some(now) = sb.inner.store.get(operator, &id) else { return };
            // Rescheduled meanwhile (a later task owns it), paused or canceled: no report now.
            if now.send_at != send_at || !sb.may_go(&now) {
                return;
            }
            let _ = sb.report(operator, &id, None).await;
        });
    }

    /// Whether a message may be delivered now (its Infobip bulk is not paused or canceled).
    fn may_go(&self, r: &Received) -> bool {
        if !matches!(r.state, SimState::Queued | SimState::Scheduled) {
            return false;
        }
        match (&r.batch_id, r.operator) {
            (Some(b), Operator::Infobip) => {
                lock(&self.inner.bulks).get(b).is_none_or(|b| b.status == "PENDING")
            }
            _ => true,
        }
    }

    /// Delivers message `id` of `operator` now with `outcome` (`delivered`, `undelivered`,
    /// `expired`, `stopped`; `None`: by the recipient's pattern), posts the report, and for
    /// `stopped` an inbound `STOP` from the recipient.
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when no such message was received, it already has a final state, or
    /// `outcome` is not one of the accepted words.
    pub async fn deliver(
        &self,
        operator: Operator,
        id: &str,
        outcome: Option<&str>,
    ) -> Result<Received, SandboxError> {
        let outcome = match outcome {
            None => None,
            Some(o) => {
                Some(SimState::parse_outcome(o).ok_or_else(|| SandboxError::BadOutcome(o.to_owned()))?)
            }
        };
        self.report(operator, id, outcome).await
    }

    async fn report(
        &self,
        operator: Operator,
        id: &str,
        outcome: Option<SimState>,
    ) -> Result<Received, SandboxError> {
        let mut before = None;
        let mut chosen = SimState::Delivered;
        let found = self.inner.store.update(operator, id, &mut |r| {
            before = Some(r.state);
            if !r.state.is_final() {
                chosen = outcome.unwrap_or_else(|| outcome_for(&r.recipient));
                r.state = chosen;
            }
        });
        if !found {
            return Err(SandboxError::UnknownMessage { operator, id: id.to_owned() });
        }
        if let Some(s) = before.filter(|s| s.is_final()) {
            return Err(SandboxError::AlreadyFinal { id: id.to_owned(), state: s });
        }
        let r = self
            .inner
            .store
            .get(operator, id)
            .ok_or_else(|| SandboxError::UnknownMessage { operator, id: id.to_owned() })?;
        callback::delivery_report(self, &r).await;
        if chosen == SimState::Stopped {
            let to = r.sender.clone().unwrap_or_default();
            self.receive(operator, &r.recipient, &to, "STOP").await;
        }
        self.inner.store.flush().await;
        Ok(self.inner.store.get(operator, id).unwrap_or(r))
    }

    /// An inbound SMS from `from` to `to`: queued for Infobip's inbox pull, posted to the
    /// operator's configured inbound URL (if any) and recorded as an inbound message
    /// ([`Received::direction`]). Returns the inbound message's id.
    pub async fn receive(&self, operator: Operator, from: &str, to: &str, text: &str) -> String {
        let id = callback::inbound(self, operator, from, to, text).await;
        self.inner.store.flush().await;
        id
    }

    /// Notes a callback posted about message `id`.
    pub(crate) fn note_callback(&self, operator: Operator, id: &str, sent: crate::record::CallbackSent) {
        self.inner.store.update(operator, id, &mut |r| r.callbacks.push(sent.clone()));
    }
}

/// The simulated outcome for a recipient: the last four digits `0001` undelivered, `0002`
/// expired, `0003` STOP, anything else delivered.
pub(crate) fn outcome_for(recipient: &str) -> SimState {
    let digits: String = recipient.chars().filter(char::is_ascii_digit).collect();
    if digits.ends_with("0001") {
        SimState::Undelivered
    } else if digits.ends_with("0002") {
        SimState::Expired
    } else if digits.ends_with("0003") {
        SimState::Stopped
    } else {
        SimState::Delivered
    }
}

/// Parts and encoding as the operator bills them (bramka-core's segmentation, text kept as sent).
pub(crate) fn billing(text: &str) -> (String, u32) {
    use bramka_core::encoding::{self, Encoding, Policy};
    let policy = Policy::default().with_nfc(false).with_max_parts(u8::MAX);
    let a = encoding::analyze(text, &policy);
    let enc = match a.encoding() {
        Encoding::Gsm7 => "GSM-7",
        _ => "UCS-2",
    };
    (enc.to_owned(), u32::try_from(a.segments()).unwrap_or(u32::MAX))
}

fn server_error_body(op: Operator) -> &'static str {
    match op {
        Operator::Smsapi => r#"{"message":"Internal server error","error":"internal_server_error"}"#,
        Operator::Infobip => infobip::ERROR_500,
        Operator::Twilio => twilio::ERROR_500,
        Operator::Dynmark => dynmark::ERROR_500,
    }
}

fn too_many_body(op: Operator) -> &'static str {
    match op {
        Operator::Smsapi => r#"{"message":"Too many requests","error":"too_many_requests"}"#,
        Operator::Infobip => infobip::ERROR_429,
        Operator::Twilio => twilio::ERROR_429,
        Operator::Dynmark => dynmark::ERROR_429,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_by_pattern() {
        assert_eq!(outcome_for("+48500100001"), SimState::Undelivered);
        assert_eq!(outcome_for("48500100002"), SimState::Expired);
        assert_eq!(outcome_for("48500100003"), SimState::Stopped);
        assert_eq!(outcome_for("48500100004"), SimState::Delivered);
        assert_eq!(outcome_for("48500100010"), SimState::Delivered);
    }

    #[test]
    fn billing_uses_core_segmentation() {
        assert_eq!(billing("hello"), ("GSM-7".to_owned(), 1));
        assert_eq!(billing(&"a".repeat(161)), ("GSM-7".to_owned(), 2));
        assert_eq!(billing("zażółć"), ("UCS-2".to_owned(), 1));
        assert_eq!(billing(&"ż".repeat(71)), ("UCS-2".to_owned(), 2));
        // Extension characters count twice: 80 euro signs are 160 septets, one part.
        assert_eq!(billing(&"€".repeat(80)), ("GSM-7".to_owned(), 1));
        assert_eq!(billing(&"€".repeat(81)), ("GSM-7".to_owned(), 2));
    }
}
