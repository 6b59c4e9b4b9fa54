//! What the sandbox received and did: one [`Received`] per recipient accepted, one
//! [`FaultEvent`] per injected fault, behind the [`SandboxStore`] trait ([`MemoryStore`] keeps
//! them in memory; a durable store can implement the same trait).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The operator whose wire protocol a request used.
///
/// ```
/// use bramka_sandbox::Operator;
///
/// assert_eq!(Operator::parse("twilio"), Some(Operator::Twilio));
/// assert_eq!(Operator::Infobip.as_str(), "infobip");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Operator {
    /// SMSAPI (`/sandbox/smsapi/`).
    Smsapi,
    /// Infobip (`/sandbox/infobip/`).
    Infobip,
    /// Twilio (`/sandbox/twilio/`).
    Twilio,
    /// Dynmark (`/sandbox/dynmark/`).
    Dynmark,
}

impl Operator {
    /// The lowercase name (`smsapi`, `infobip`, `twilio`, `dynmark`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Smsapi => "smsapi",
            Operator::Infobip => "infobip",
            Operator::Twilio => "twilio",
            Operator::Dynmark => "dynmark",
        }
    }

    /// Parses [`Operator::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Operator> {
        match s {
            "smsapi" => Some(Operator::Smsapi),
            "infobip" => Some(Operator::Infobip),
            "twilio" => Some(Operator::Twilio),
            "dynmark" => Some(Operator::Dynmark),
            _ => None,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The simulated state of one received message.
///
/// ```
/// use bramka_sandbox::SimState;
///
/// let s = SimState::parse_outcome("undelivered").unwrap();
/// assert!(s.is_final());
/// assert_eq!(s.as_str(), "undelivered");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SimState {
    /// Accepted, waiting for its simulated delivery report.
    Queued,
    /// Accepted for a later time (SMSAPI `date`, Infobip `sendAt`, Twilio `SendAt`).
    Scheduled,
    /// A scheduled message canceled before its time.
    Canceled,
    /// Accepted in test mode (SMSAPI `test=1`): validated, never "sent".
    Test,
    /// Delivered to the handset.
    Delivered,
    /// Not delivered (recipient ending in `0001`).
    Undelivered,
    /// Validity expired (recipient ending in `0002`).
    Expired,
    /// The recipient opted out, STOP (recipient ending in `0003`).
    Stopped,
    /// An inbound SMS the sandbox simulated (to the application).
    Received,
}

impl SimState {
    /// The snake-case name used in the JSON API.
    pub fn as_str(self) -> &'static str {
        match self {
            SimState::Queued => "queued",
            SimState::Scheduled => "scheduled",
            SimState::Canceled => "canceled",
            SimState::Test => "test",
            SimState::Delivered => "delivered",
            SimState::Undelivered => "undelivered",
            SimState::Expired => "expired",
            SimState::Stopped => "stopped",
            SimState::Received => "received",
        }
    }

    /// Parses a final outcome name (`delivered`, `undelivered`, `expired`, `stopped`).
    pub fn parse_outcome(s: &str) -> Option<SimState> {
        match s {
            "delivered" => Some(SimState::Delivered),
            "undelivered" => Some(SimState::Undelivered),
            "expired" => Some(SimState::Expired),
            "stopped" => Some(SimState::Stopped),
            _ => None,
        }
    }

    /// Parses [`SimState::as_str`]'s names.
    pub fn parse(s: &str) -> Option<SimState> {
        match s {
            "queued" => Some(SimState::Queued),
            "scheduled" => Some(SimState::Scheduled),
            "canceled" => Some(SimState::Canceled),
            "test" => Some(SimState::Test),
            "received" => Some(SimState::Received),
            other => SimState::parse_outcome(other),
        }
    }

    /// Whether no further report follows.
    pub fn is_final(self) -> bool {
        !matches!(self, SimState::Queued | SimState::Scheduled)
    }
}

/// Which way a recorded message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Direction {
    /// An application sent it to the sandbox.
    Outbound,
    /// The sandbox simulated it, to the application ([`crate::Sandbox::receive`], or a STOP
    /// answer).
    Inbound,
}

impl Direction {
    /// `outbound` or `inbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
        }
    }

    /// Parses [`Direction::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "outbound" => Some(Direction::Outbound),
            "inbound" => Some(Direction::Inbound),
            _ => None,
        }
    }
}

/// A callback the sandbox posted (delivery report or inbound message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackSent {
    /// Where it went.
    pub url: String,
    /// What it reported (`delivered`, `mo`, ...).
    pub event: String,
    /// The HTTP status the receiver answered, or `None` when it could not be reached.
    pub status: Option<u16>,
}

/// One recipient of one accepted request, as the operator would have recorded it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Received {
    /// Order of arrival (1, 2, ...), assigned by the store.
    pub seq: u64,
    /// Whose protocol carried it.
    pub operator: Operator,
    /// Sent by an application, or an inbound SMS the sandbox simulated (then `sender` is the
    /// phone it came from, `recipient` the application's number, and `state`
    /// [`SimState::Received`]).
    pub direction: Direction,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The account (Twilio's Account SID from the path; empty for the others).
    pub account: String,
    /// The sender as sent (`from`, `sender`, `From`), if any.
    pub sender: Option<String>,
    /// The recipient as sent.
    pub recipient: String,
    /// The text.
    pub text: String,
    /// `GSM-7` or `UCS-2`, as bramka-core's segmentation decides.
    pub encoding: String,
    /// Parts the operator would bill.
    pub parts: u32,
    /// The operator message id returned to the client.
    pub message_id: String,
    /// The client's own key (SMSAPI `idx`, Infobip `messageId` when the client chose it).
    pub client_key: Option<String>,
    /// The batch it came in (Infobip `bulkId`).
    pub batch_id: Option<String>,
    /// When it is scheduled for, if it is.
    pub send_at: Option<DateTime<Utc>>,
    /// Where its delivery report goes, if anywhere.
    pub callback_url: Option<String>,
    /// Its simulated state.
    pub state: SimState,
    /// The callbacks posted about it.
    pub callbacks: Vec<CallbackSent>,
}

impl Received {
    /// Whether an application sent it (rather than the sandbox simulating it inbound).
    pub fn is_outbound(&self) -> bool {
        self.direction == Direction::Outbound
    }
}

/// The faults the sandbox can inject into an answer.
///
/// ```
/// use bramka_sandbox::{FaultKind, Route, RouteFaults, SandboxConfig};
///
/// // The next SMSAPI send is answered 503 after the message was accepted; the one after is normal.
/// let config = SandboxConfig::default().route_faults(
///     Route::SmsapiSend,
///     RouteFaults::scripted([Some(FaultKind::ServerErrorAfter), None]),
/// );
/// assert!(FaultKind::ServerErrorAfter.processes_request());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Process the request (messages accepted), then close the connection without a complete answer.
    AcceptThenDrop,
    /// Process the request, then wait past the client's timeout before answering.
    Stall,
    /// Answer 5xx without processing the request.
    ServerErrorBefore,
    /// Process the request, then answer 5xx.
    ServerErrorAfter,
    /// Answer 429 with `Retry-After`, without processing the request.
    TooManyRequests,
    /// Close the connection without reading the request body or processing it.
    ResetBeforeReading,
    /// Process the request, then answer 200 with an undecodable body.
    Garbled200,
    /// Process the request and answer correctly, but send the body slowly in small pieces.
    SlowBody,
}

impl FaultKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FaultKind; 8] = [
        FaultKind::AcceptThenDrop,
        FaultKind::Stall,
        FaultKind::ServerErrorBefore,
        FaultKind::ServerErrorAfter,
        FaultKind::TooManyRequests,
        FaultKind::ResetBeforeReading,
        FaultKind::Garbled200,
        FaultKind::SlowBody,
    ];

    /// Whether the request is processed (its messages accepted and recorded) despite the fault.
    pub fn processes_request(self) -> bool {
        !matches!(
            self,
            FaultKind::ServerErrorBefore | FaultKind::TooManyRequests | FaultKind::ResetBeforeReading
        )
    }

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::AcceptThenDrop => "accept_then_drop",
            FaultKind::Stall => "stall",
            FaultKind::ServerErrorBefore => "server_error_before",
            FaultKind::ServerErrorAfter => "server_error_after",
            FaultKind::TooManyRequests => "too_many_requests",
            FaultKind::ResetBeforeReading => "reset_before_reading",
            FaultKind::Garbled200 => "garbled_200",
            FaultKind::SlowBody => "slow_body",
        }
    }
}

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// On which route.
    pub route: crate::Route,
    /// Which fault.
    pub kind: FaultKind,
    /// Messages recorded by the faulted request (0 unless [`FaultKind::processes_request`]).
    pub recorded: usize,
}

/// Where the sandbox keeps what it received. Implementations must be cheap to call from request
/// handlers (they are called under the sandbox's send lock, so a check-then-insert is atomic).
pub trait SandboxStore: Send + Sync + 'static {
    /// Stores `r`, assigning its `seq`; returns the seq.
    fn insert(&self, r: Received) -> u64;
    /// Applies `f` to the message `message_id` of `operator`; `false` when there is none.
    fn update(&self, operator: Operator, message_id: &str, f: &mut dyn FnMut(&mut Received)) -> bool;
    /// The message `message_id` of `operator`.
    fn get(&self, operator: Operator, message_id: &str) -> Option<Received>;
    /// The message of `operator` the client keyed `key` (SMSAPI `idx`, Infobip `messageId`).
    fn by_client_key(&self, operator: Operator, key: &str) -> Option<Received>;
    /// Every message, oldest first.
    fn messages(&self) -> Vec<Received>;
    /// Records an injected fault.
    fn record_fault(&self, f: FaultEvent);
    /// Every injected fault, oldest first.
    fn faults(&self) -> Vec<FaultEvent>;
    /// Waits until every write so far is durable (a store that writes in the background, like
    /// [`crate::JournaledStore`], makes the sandbox wait here before it answers). The default
    /// has nothing to wait for.
    fn flush(&self) -> futures::future::BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }
}

#[derive(Default)]
struct Inner {
    messages: Vec<Received>,
    by_id: HashMap<(Operator, String), usize>,
    by_key: HashMap<(Operator, String), usize>,
    faults: Vec<FaultEvent>,
}

/// A [`SandboxStore`] in memory (lost when the process ends).
///
/// ```
/// use std::sync::Arc;
/// use bramka_sandbox::{MemoryStore, Sandbox, SandboxConfig};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sandbox = Sandbox::with_store(SandboxConfig::default(), Arc::new(MemoryStore::new()));
/// assert!(sandbox.messages().is_empty());
/// # }
/// ```
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every write is one push/insert).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SandboxStore for MemoryStore {
    fn insert(&self, mut r: Received) -> u64 {
        let mut g = self.lock();
        let i = g.messages.len();
        r.seq = i as u64 + 1;
        g.by_id.insert((r.operator, r.message_id.clone()), i);
        if let Some(k) = &r.client_key {
            g.by_key.entry((r.operator, k.clone())).or_insert(i);
        }
        let seq = r.seq;
        g.messages.push(r);
        seq
    }

    fn update(&self, operator: Operator, message_id: &str, f: &mut dyn FnMut(&mut Received)) -> bool {
        let mut g = self.lock();
        let Some(&i) = g.by_id.get(&(operator, message_id.to_owned())) else { return false };
        f(&mut g.messages[i]);
        true
    }

    fn get(&self, operator: Operator, message_id: &str) -> Option<Received> {
        let g = self.lock();
        g.by_id.get(&(operator, message_id.to_owned())).map(|&i| g.messages[i].clone())
    }

    fn by_client_key(&self, operator: Operator, key: &str) -> Option<Received> {
        let g = self.lock();
        g.by_key.get(&(operator, key.to_owned())).map(|&i| g.messages[i].clone())
    }

    fn messages(&self) -> Vec<Received> {
        self.lock().messages.clone()
    }

    fn record_fault(&self, f: FaultEvent) {
        self.lock().faults.push(f);
    }

    fn faults(&self) -> Vec<FaultEvent> {
        self.lock().faults.clone()
    }
}
