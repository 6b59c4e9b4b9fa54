//! [`MockGateway`]: a scripted gateway that records everything.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::capabilities::{Capabilities, Capability, Idempotency};
use crate::error::{Certainty, Error, ErrorKind};
use crate::gateway::Gateway;
use crate::message::Message;
use crate::phone::PhoneNumber;
use crate::report::{Balance, DeliveryReport, DeliveryState, RecipientReport, SendReport, SendState};

/// The scripted outcome of one [`MockGateway::send`] call.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::testing::{MockGateway, MockResult};
/// use bramka_core::{Certainty, Error, ErrorKind, Gateway, Message};
///
/// let gw = MockGateway::new();
/// gw.push_result(MockResult::Fail(Error::new(ErrorKind::RateLimited, Certainty::NotSent, "429")));
/// let m = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// assert_eq!(gw.send(&m).await.unwrap_err().kind(), ErrorKind::RateLimited);
/// assert!(gw.send(&m).await.is_ok(), "then the default: accept");
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MockResult {
    /// Every recipient accepted (scheduled when the message has a send time).
    Accept,
    /// The whole request fails with this error; nothing is recorded as sent, whatever the
    /// error's certainty says.
    Fail(Error),
    /// The operator accepted the message but the answer never came: it is recorded as sent, and
    /// the call returns an [`ErrorKind::Timeout`] error with [`Certainty::MaybeSent`].
    TimeoutAfterSending,
    /// The listed recipients are rejected with their errors; the others are accepted (and
    /// recorded as sent). Recipients not in the message are ignored.
    Reject(Vec<(PhoneNumber, Error)>),
}

impl MockResult {
    /// A partial rejection: `numbers` (anything [`PhoneNumber::parse`] accepts) rejected with `error`.
    ///
    /// # Panics
    /// When a number does not parse (a test-setup mistake).
    pub fn reject<'a>(numbers: impl IntoIterator<Item = &'a str>, error: Error) -> MockResult {
        MockResult::Reject(
            numbers
                .into_iter()
                .map(|n| {
                    let p = PhoneNumber::parse(n).unwrap_or_else(|e| panic!("MockResult::reject: {e}"));
                    (p, error.clone())
                })
                .collect(),
        )
    }
}

/// One call made to a [`MockGateway`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::testing::{MockCall, MockGateway};
/// use bramka_core::Gateway;
///
/// let gw = MockGateway::new();
/// let _ = gw.balance().await;
/// assert!(matches!(gw.calls()[..], [MockCall::Balance]));
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MockCall {
    /// `send(message)`.
    Send(Box<Message>),
    /// `status(id)`.
    Status(String),
    /// `cancel(id)`.
    Cancel(String),
    /// `reschedule(id, at)`.
    Reschedule(String, DateTime<Utc>),
    /// `pause(id)`.
    Pause(String),
    /// `resume(id)`.
    Resume(String),
    /// `balance()`.
    Balance,
}

impl MockCall {
    /// The message of a `Send` call.
    pub fn message(&self) -> Option<&Message> {
        match self {
            MockCall::Send(m) => Some(m),
            _ => None,
        }
    }
}

/// Which optional operation a scripted result is for ([`MockGateway::set_result`]).
///
/// ```
/// use bramka_core::testing::{MockGateway, MockOp};
/// use bramka_core::{Certainty, Error, ErrorKind};
///
/// let gw = MockGateway::new();
/// gw.set_result(MockOp::Cancel, Err(Error::new(ErrorKind::InvalidState, Certainty::NotSent, "already sent")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MockOp {
    /// `cancel`.
    Cancel,
    /// `reschedule`.
    Reschedule,
    /// `pause`.
    Pause,
    /// `resume`.
    Resume,
}

#[derive(Debug)]
struct State {
    script: VecDeque<MockResult>,
    default: MockResult,
    sent: Vec<Message>,
    calls: Vec<MockCall>,
    ids: Vec<String>,
    next_id: u64,
    delivered_keys: HashSet<String>,
    status: Option<Result<DeliveryReport, Error>>,
    balance: Option<Result<Balance, Error>>,
    unit_results: Vec<(MockOp, Result<(), Error>)>,
}

#[derive(Debug)]
struct Shared {
    id: String,
    caps: Capabilities,
    dedupe: bool,
    state: Mutex<State>,
}

/// A gateway for tests: scripted results per call, deterministic ids (`mock-1`, `mock-2`, …, one
/// per accepted recipient), and a record of every call and every message that "went out".
///
/// `Clone` shares the state, so a test keeps a handle after giving one to the application.
/// When the script is empty, sends get the default result ([`MockResult::Accept`] unless
/// [`set_default`](Self::set_default) changed it).
///
/// Optional operations return [`ErrorKind::Unsupported`] unless the capability is advertised
/// ([`with_capabilities`](Self::with_capabilities)); advertised, they return what was set
/// ([`set_status`](Self::set_status), [`set_balance`](Self::set_balance),
/// [`set_result`](Self::set_result)) or by default: `status` of a `mock-N` id it gave is
/// [`DeliveryState::Sent`], other ids are [`ErrorKind::NotFound`]; cancel, reschedule, pause and
/// resume succeed for its own ids; the balance is 100 points.
///
/// With [`with_server_dedupe`](Self::with_server_dedupe) it behaves like an operator that rejects
/// duplicates of a client key (SMSAPI error 53): a recipient whose per-recipient key already
/// went out is reported [`SendState::AlreadyAccepted`] and not sent again.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::testing::{MockGateway, MockResult};
/// use bramka_core::{Certainty, Error, ErrorKind, Gateway, Message};
///
/// let mock = MockGateway::new();
/// mock.push_result(MockResult::Fail(Error::new(ErrorKind::Auth, Certainty::NotSent, "bad token")));
/// mock.push_result(MockResult::TimeoutAfterSending);
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
///
/// assert_eq!(mock.send(&msg).await.unwrap_err().kind(), ErrorKind::Auth);
/// assert!(mock.send(&msg).await.unwrap_err().may_have_been_sent());
/// let report = mock.send(&msg).await.unwrap();
/// assert_eq!(report.recipients[0].message_id.as_deref(), Some("mock-2"));
/// assert_eq!(mock.calls().len(), 3);
/// assert_eq!(mock.sent().len(), 2); // the timed-out one went out too
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MockGateway {
    shared: Arc<Shared>,
}

impl Default for MockGateway {
    fn default() -> Self {
        MockGateway::new()
    }
}

impl MockGateway {
    /// A mock with id `"mock"`, multi-recipient (batch size 1000), no optional operations, no
    /// idempotency.
    pub fn new() -> Self {
        MockGateway::build("mock".into(), Capabilities::new().with_batch_size(1000), false)
    }

    fn build(id: String, caps: Capabilities, dedupe: bool) -> Self {
        MockGateway {
            shared: Arc::new(Shared {
                id,
                caps,
                dedupe,
                state: Mutex::new(State {
                    script: VecDeque::new(),
                    default: MockResult::Accept,
                    sent: Vec::new(),
                    calls: Vec::new(),
                    ids: Vec::new(),
                    next_id: 0,
                    delivered_keys: HashSet::new(),
                    status: None,
                    balance: None,
                    unit_results: Vec::new(),
                }),
            }),
        }
    }

    fn rebuild(self, f: impl FnOnce(&mut String, &mut Capabilities, &mut bool)) -> Self {
        let (mut id, mut caps, mut dedupe) =
            (self.shared.id.clone(), self.shared.caps.clone(), self.shared.dedupe);
        f(&mut id, &mut caps, &mut dedupe);
        let new = MockGateway::build(id, caps, dedupe);
        {
            let mut old = self.state();
            let mut s = new.state();
            s.script = std::mem::take(&mut old.script);
            s.default = old.default.clone();
        }
        new
    }

    /// Sets the id (call before cloning: it makes a new shared state, keeping the script).
    #[must_use]
    pub fn with_id(self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.rebuild(|i, _, _| *i = id)
    }
    /// Sets the capabilities (call before cloning).
    #[must_use]
    pub fn with_capabilities(self, caps: Capabilities) -> Self {
        self.rebuild(|_, c, _| *c = caps)
    }
    /// Rejects duplicates of a per-recipient client key like SMSAPI (`AlreadyAccepted`), and
    /// advertises [`Idempotency::ServerDedupe`] (call before cloning).
    #[must_use]
    pub fn with_server_dedupe(self) -> Self {
        self.rebuild(|_, c, d| {
            *d = true;
            c.idempotency = Idempotency::ServerDedupe;
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues the result of the next unscripted `send` call.
    pub fn push_result(&self, r: MockResult) -> &Self {
        self.state().script.push_back(r);
        self
    }
    /// The result of every send once the script is empty ([`MockResult::Accept`] unless set).
    pub fn set_default(&self, r: MockResult) -> &Self {
        self.state().default = r;
        self
    }
    /// Queues several results.
    pub fn push_results(&self, rs: impl IntoIterator<Item = MockResult>) -> &Self {
        self.state().script.extend(rs);
        self
    }
    /// What `status` returns (when [`Capability::Status`] is advertised).
    pub fn set_status(&self, r: Result<DeliveryReport, Error>) -> &Self {
        self.state().status = Some(r);
        self
    }
    /// What `balance` returns (when [`Capability::Balance`] is advertised).
    pub fn set_balance(&self, r: Result<Balance, Error>) -> &Self {
        self.state().balance = Some(r);
        self
    }
    /// What cancel, reschedule, pause or resume returns (when its capability is advertised).
    pub fn set_result(&self, op: MockOp, r: Result<(), Error>) -> &Self {
        let mut s = self.state();
        s.unit_results.retain(|(o, _)| *o != op);
        s.unit_results.push((op, r));
        self
    }

    /// Messages that went out, in order: accepted sends (with only their accepted recipients)
    /// and sends that timed out after sending.
    pub fn sent(&self) -> Vec<Message> {
        self.state().sent.clone()
    }
    /// Every call, in order.
    pub fn calls(&self) -> Vec<MockCall> {
        self.state().calls.clone()
    }
    /// How many times `to` went out with `message`'s client key.
    pub fn sent_count(&self, message: &Message, to: &PhoneNumber) -> usize {
        self.state()
            .sent
            .iter()
            .filter(|m| m.client_ref() == message.client_ref())
            .filter(|m| m.recipients().contains(to))
            .count()
    }
    /// Drops the results still queued (calls and sent messages are kept).
    pub fn clear_script(&self) {
        self.state().script.clear();
    }
    /// Results still queued.
    pub fn remaining_script(&self) -> usize {
        self.state().script.len()
    }
    /// Forgets calls, sent messages, de-duplication keys and queued results.
    pub fn clear(&self) {
        let mut s = self.state();
        s.script.clear();
        s.sent.clear();
        s.calls.clear();
        s.delivered_keys.clear();
    }

    fn supported(&self, c: Capability) -> Result<(), Error> {
        if self.shared.caps.supports(c) { Ok(()) } else { Err(Error::unsupported(self.shared.id.clone(), c)) }
    }

    fn unit(&self, call: MockCall, op: MockOp, cap: Capability, id: &str) -> Result<(), Error> {
        let mut s = self.state();
        s.calls.push(call);
        self.supported(cap)?;
        if let Some((_, r)) = s.unit_results.iter().find(|(o, _)| *o == op) {
            return r.clone();
        }
        if s.ids.iter().any(|i| i == id) { Ok(()) } else { Err(self.not_found(id)) }
    }

    fn not_found(&self, id: &str) -> Error {
        Error::new(ErrorKind::NotFound, Certainty::NotSent, format!("no message {id:?}"))
            .with_gateway(self.shared.id.clone())
    }
}

#[async_trait]
impl Gateway for MockGateway {
    fn id(&self) -> &str {
        &self.shared.id
    }
    fn capabilities(&self) -> &Capabilities {
        &self.shared.caps
    }

    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let mut guard = self.state();
        let s = &mut *guard;
        s.calls.push(MockCall::Send(Box::new(message.clone())));
        let result = match s.script.pop_front() {
            Some(r) => r,
            None => s.default.clone(),
        };
        let timed_out = matches!(result, MockResult::TimeoutAfterSending);
        let rejected: Vec<(PhoneNumber, Error)> = match result {
            MockResult::Fail(e) => return Err(e.with_gateway(self.shared.id.clone())),
            MockResult::Accept | MockResult::TimeoutAfterSending => Vec::new(),
            MockResult::Reject(r) => r,
        };
        let mut report = SendReport::new(self.shared.id.clone(), message);
        let mut went_out = Vec::new();
        for to in message.recipients() {
            if let Some((_, e)) = rejected.iter().find(|(n, _)| n == to) {
                report.push(RecipientReport::new(to.clone(), SendState::Rejected(e.clone())));
                continue;
            }
            let key = message.client_ref().for_recipient(to);
            if self.shared.dedupe && s.delivered_keys.contains(&key) {
                report.push(RecipientReport::new(to.clone(), SendState::AlreadyAccepted));
                continue;
            }
            s.delivered_keys.insert(key);
            s.next_id += 1;
            let id = format!("mock-{}", s.next_id);
            s.ids.push(id.clone());
            went_out.push(to.clone());
            let state = if message.send_at().is_some() { SendState::Scheduled } else { SendState::Accepted };
            report.push(
                RecipientReport::new(to.clone(), state)
                    .with_message_id(id)
                    .with_parts(message.analysis().segments() as u32),
            );
        }
        if !went_out.is_empty() {
            s.sent.push(message.with_recipients(went_out));
        }
        drop(guard);
        if timed_out {
            return Err(Error::new(
                ErrorKind::Timeout,
                Certainty::MaybeSent,
                "timed out waiting for the answer (the message went out)",
            )
            .with_gateway(self.shared.id.clone()));
        }
        Ok(report)
    }

    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        let mut s = self.state();
        s.calls.push(MockCall::Status(message_id.to_owned()));
        self.supported(Capability::Status)?;
        if let Some(r) = &s.status {
            return r.clone();
        }
        if s.ids.iter().any(|i| i == message_id) {
            Ok(DeliveryReport::new(self.shared.id.clone(), message_id, DeliveryState::Sent, "sent"))
        } else {
            Err(self.not_found(message_id))
        }
    }
    async fn cancel(&self, id: &str) -> Result<(), Error> {
        self.unit(MockCall::Cancel(id.to_owned()), MockOp::Cancel, Capability::Cancel, id)
    }
    async fn reschedule(&self, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
        self.unit(MockCall::Reschedule(id.to_owned(), at), MockOp::Reschedule, Capability::Reschedule, id)
    }
    async fn pause(&self, id: &str) -> Result<(), Error> {
        self.unit(MockCall::Pause(id.to_owned()), MockOp::Pause, Capability::Pause, id)
    }
    async fn resume(&self, id: &str) -> Result<(), Error> {
        self.unit(MockCall::Resume(id.to_owned()), MockOp::Resume, Capability::Pause, id)
    }
    async fn balance(&self) -> Result<Balance, Error> {
        let mut s = self.state();
        s.calls.push(MockCall::Balance);
        self.supported(Capability::Balance)?;
        s.balance.clone().unwrap_or_else(|| Ok(Balance::new(100.0, "points")))
    }
}
