//! [`SmsAction`]: runs an [`SmsActionConfig`] for each call that reaches the element.

use std::sync::Arc;
use std::time::Duration;

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::{Error, Gateway, Message, PhoneNumber, encoding};
use chrono::{DateTime, Utc};

use crate::config::{Content, SmsActionConfig};
use crate::dedupe::{DedupeStore, InMemoryDedupe};
use crate::event::CallEvent;
use crate::history::{
    ContentError, ContentSource, HistorySink, InMemoryHistory, SendRecord, SendResult, SmsContent,
};
use crate::remote::{self, RemotePolicy};

/// What [`SmsAction::run`] (or a [`CallHandle`]) ended with.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use bramka_core::testing::NullGateway;
/// use bramka_flow::{CallEvent, CallOutcome, SmsAction, SmsActionConfig};
///
/// let config = SmsActionConfig::builder().label("missed").recipients("+48600100200").template("Missed call from {from_number}").build().unwrap();
/// let action = SmsAction::new(config, Arc::new(NullGateway::new())).unwrap();
/// match action.run(CallEvent::new("c-1", "+48500600700", "+48221131415")).await {
///     CallOutcome::Completed(record) => println!("{}", record.result.as_str()),
///     CallOutcome::Duplicate { .. } => println!("already sent for this call"),
///     other => println!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CallOutcome {
    /// The call was handled; the record (also written to the history) says how.
    Completed(Box<SendRecord>),
    /// Once per call: this call was already handled by the element; nothing was done or recorded.
    Duplicate {
        /// The call.
        call_id: String,
    },
    /// The task was aborted through [`CallHandle::abort`] (or panicked) before it finished.
    Aborted {
        /// The call.
        call_id: String,
        /// Why.
        reason: String,
    },
}

impl CallOutcome {
    /// The record, when the call was handled.
    pub fn record(&self) -> Option<&SendRecord> {
        match self {
            CallOutcome::Completed(r) => Some(r),
            _ => None,
        }
    }
    /// Whether the gateway answered for the message ([`SendResult::Sent`]).
    pub fn is_sent(&self) -> bool {
        self.record().is_some_and(SendRecord::is_sent)
    }
    /// Whether this was a repeated event for a call already handled.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, CallOutcome::Duplicate { .. })
    }
}

/// A call being handled in its own task: wait for it or abort it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use bramka_core::testing::NullGateway;
/// use bramka_flow::{CallEvent, SmsAction, SmsActionConfig};
///
/// let config = SmsActionConfig::builder().label("later").recipients("+48600100200").template("Hi").delay(Duration::from_secs(60)).build().unwrap();
/// let action = SmsAction::new(config, Arc::new(NullGateway::new())).unwrap();
/// let handle = action.on_call(CallEvent::new("c-2", "+48500600700", "+48221131415"));
/// handle.abort(); // the caller hung up: nothing is sent
/// assert!(!handle.outcome().await.is_sent());
/// # }
/// ```
#[derive(Debug)]
pub struct CallHandle {
    call_id: String,
    task: tokio::task::JoinHandle<CallOutcome>,
}

impl CallHandle {
    /// The call.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }
    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
    /// Stops the task (e.g. during its delay). A once-per-call entry it made stays until it
    /// expires.
    pub fn abort(&self) {
        self.task.abort();
    }
    /// Waits for the outcome.
    pub async fn outcome(self) -> CallOutcome {
        match self.task.await {
            Ok(outcome) => outcome,
            Err(e) => CallOutcome::Aborted {
                call_id: self.call_id,
                reason: if e.is_cancelled() { "aborted".to_owned() } else { "the task panicked".to_owned() },
            },
        }
    }
}

/// The SMS element of a call flow, ready to handle calls.
///
/// For each [`CallEvent`], [`on_call`](SmsAction::on_call) (in a task of its own) or
/// [`run`](SmsAction::run) (inline):
///
/// 1. with once-per-call, claims the call in the [`DedupeStore`] (atomically, so concurrent and
///    repeated events for one call send once; a later event gets [`CallOutcome::Duplicate`]);
/// 2. obtains the text when the call arrives: renders the template, or asks the customer's API
///    (falling back to the fallback text on failure, else sending nothing);
/// 3. builds the [`Message`] (recipients plus, if configured, the caller), which analyses the
///    text with the core (encoding, parts);
/// 4. waits the delay through the [`Clock`] without blocking other calls, or, when the delay is at
///    least the [schedule threshold](SmsActionConfig::schedule_threshold) and the gateway's
///    capabilities say it can schedule, sends at once with `send_at = now + delay` so the operator
///    holds the message (it survives a restart of the application);
/// 5. sends through the [`Gateway`], writes a [`SendRecord`] to the [`HistorySink`], and releases
///    the once-per-call entry when nothing certainly went out, so a later pass can try again.
///
/// `Clone` is cheap and shares everything.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use bramka_core::testing::NullGateway;
/// use bramka_flow::{CallEvent, SmsAction, SmsActionConfig};
///
/// let config = SmsActionConfig::builder().label("welcome").sender("Shop").also_to_caller(true).template("Thanks for calling").build().unwrap();
/// let action = SmsAction::new(config, Arc::new(NullGateway::new())).unwrap();
/// let outcome = action.on_call(CallEvent::new("c-3", "+48500600700", "+48221131415")).outcome().await;
/// assert!(outcome.is_sent());
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SmsAction {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    config: SmsActionConfig,
    gateway: Arc<dyn Gateway>,
    clock: Arc<dyn Clock>,
    dedupe: Arc<dyn DedupeStore>,
    history: Arc<dyn HistorySink>,
    http: Option<reqwest::Client>,
    remote_policy: RemotePolicy,
}

impl SmsAction {
    /// An action sending through `gateway`, with the system clock, an in-memory dedupe store and
    /// an in-memory history. Fails only when the HTTP client for the customer's API cannot be
    /// built.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](bramka_core::ErrorKind::Config) when the HTTP client of the customer's API
    /// cannot be built.
    pub fn new(config: SmsActionConfig, gateway: Arc<dyn Gateway>) -> Result<SmsAction, Error> {
        let remote_policy = RemotePolicy::default();
        let http = Self::http_client(&config, &remote_policy)?;
        Ok(SmsAction {
            inner: Arc::new(Inner {
                config,
                gateway,
                clock: Arc::new(SystemClock),
                dedupe: Arc::new(InMemoryDedupe::new()),
                history: Arc::new(InMemoryHistory::new()),
                http,
                remote_policy,
            }),
        })
    }

    fn http_client(
        config: &SmsActionConfig,
        policy: &RemotePolicy,
    ) -> Result<Option<reqwest::Client>, Error> {
        match config.content() {
            Content::Remote(r) => {
                policy.check(r.url()).map_err(|e| Error::config(e.to_string()))?;
                Ok(Some(policy.client(r.timeout())?))
            }
            _ => Ok(None),
        }
    }

    /// Uses this policy for the customer's API (redirects, allowed hosts). Fails when the
    /// configured URL's host is not allowed.
    ///
    /// ```
    /// use bramka_core::testing::NullGateway;
    /// use bramka_flow::{RemoteApi, RemotePolicy, SmsAction, SmsActionConfig};
    /// use std::sync::Arc;
    ///
    /// let config = SmsActionConfig::builder()
    ///     .label("status")
    ///     .sender("Shop")
    ///     .recipients("+48600100200")
    ///     .remote(RemoteApi::get("http://169.254.169.254/latest/meta-data"))
    ///     .build()
    ///     .unwrap();
    /// let action = SmsAction::new(config, Arc::new(NullGateway::new())).unwrap();
    /// let err = action.with_remote_policy(RemotePolicy::new().allow_hosts(["crm.example.com"]));
    /// assert!(err.unwrap_err().to_string().contains("not in the allow-list"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](bramka_core::ErrorKind::Config) when the configured API's host is not
    /// allowed by `policy`, or its HTTP client cannot be built.
    pub fn with_remote_policy(mut self, policy: RemotePolicy) -> Result<Self, Error> {
        let http = Self::http_client(&self.inner.config, &policy)?;
        let inner = Arc::make_mut(&mut self.inner);
        inner.http = http;
        inner.remote_policy = policy;
        Ok(self)
    }

    /// Uses this clock for delays, send times and dedupe expiry.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        Arc::make_mut(&mut self.inner).clock = clock;
        self
    }
    /// Uses this dedupe store (share one store between instances that handle the same calls).
    #[must_use]
    pub fn with_dedupe(mut self, store: Arc<dyn DedupeStore>) -> Self {
        Arc::make_mut(&mut self.inner).dedupe = store;
        self
    }
    /// Writes the history here.
    #[must_use]
    pub fn with_history(mut self, sink: Arc<dyn HistorySink>) -> Self {
        Arc::make_mut(&mut self.inner).history = sink;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &SmsActionConfig {
        &self.inner.config
    }

    /// Handles a call in a task of its own and returns at once; the handle gives the outcome.
    ///
    /// # Panics
    /// When called outside a Tokio runtime.
    pub fn on_call(&self, event: CallEvent) -> CallHandle {
        let action = self.clone();
        let call_id = event.call_id.clone();
        CallHandle { call_id, task: tokio::spawn(async move { action.run(event).await }) }
    }

    /// Handles a call inline: returns after the delay and the send. Spawn it, or use
    /// [`on_call`](Self::on_call), to handle calls concurrently.
    pub async fn run(&self, event: CallEvent) -> CallOutcome {
        let inner = &*self.inner;
        let config = &inner.config;
        let key = config.dedupe_key(&event.call_id);
        if config.once_per_call() && event.call_id.trim().is_empty() {
            let record = self.record(&event, Vec::new(), None, None, Vec::new(), SendResult::MissingCallId);
            return self.finish(record, None).await;
        }
        if config.once_per_call() {
            match inner.dedupe.claim(&key, inner.clock.now(), config.dedupe_ttl()).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::debug!(label = config.label(), call_id = %event.call_id, "call already handled");
                    return CallOutcome::Duplicate { call_id: event.call_id };
                }
                Err(e) => {
                    let record = self.record(
                        &event,
                        Vec::new(),
                        None,
                        None,
                        Vec::new(),
                        SendResult::DedupeUnavailable(e),
                    );
                    return self.finish(record, None).await;
                }
            }
        }
        let claimed = config.once_per_call().then_some(key);

        let (text, source) = match self.content(&event).await {
            Ok(c) => c,
            Err(e) => {
                let record =
                    self.record(&event, Vec::new(), None, None, Vec::new(), SendResult::NoContent(e));
                return self.finish(record, claimed).await;
            }
        };

        let mut notes = Vec::new();
        let mut recipients: Vec<PhoneNumber> = config.recipients().to_vec();
        if config.also_to_caller() {
            match PhoneNumber::parse_with(&event.caller, config.caller_policy()) {
                Ok(n) => {
                    if !recipients.contains(&n) {
                        recipients.push(n);
                    }
                }
                Err(e) => notes.push(format!("the caller's number is not usable, not sent to it: {e}")),
            }
        }
        let analysed = |text: &str| {
            let a = encoding::analyze(text, config.policy());
            SmsContent {
                text: a.text().to_owned(),
                parts: a.segments(),
                encoding: a.encoding(),
                source: source.clone(),
            }
        };
        if recipients.is_empty() {
            let content = Some(analysed(&text));
            let record = self.record(&event, recipients, content, None, notes, SendResult::NoRecipients);
            return self.finish(record, claimed).await;
        }

        let delay = config.delay();
        let schedule = !delay.is_zero()
            && inner.gateway.capabilities().supports(bramka_core::Capability::Schedule)
            && config.schedule_threshold().is_some_and(|t| delay >= t);
        let send_at = schedule.then(|| add(inner.clock.now(), delay));

        let mut builder = Message::builder()
            .recipients(recipients.clone())
            .text(text.clone())
            .policy(config.policy().clone());
        if let Some(s) = config.sender() {
            builder = builder.sender_value(s.clone());
        }
        if let Some(at) = send_at {
            builder = builder.send_at(at);
        }
        let message = match builder.build() {
            Ok(m) => m,
            Err(e) => {
                let content = Some(analysed(&text));
                let record =
                    self.record(&event, recipients, content, send_at, notes, SendResult::InvalidMessage(e));
                return self.finish(record, claimed).await;
            }
        };
        let content = Some(SmsContent {
            text: message.text().to_owned(),
            parts: message.analysis().segments(),
            encoding: message.analysis().encoding(),
            source,
        });

        if !schedule && !delay.is_zero() {
            inner.clock.sleep(delay).await;
        }
        let result = match inner.gateway.send(&message).await {
            Ok(report) => SendResult::Sent(report),
            Err(e) => SendResult::GatewayError(e),
        };
        let record = self.record(&event, message.recipients().to_vec(), content, send_at, notes, result);
        self.finish(record, claimed).await
    }

    async fn content(&self, event: &CallEvent) -> Result<(String, ContentSource), ContentError> {
        let config = &self.inner.config;
        match config.content() {
            Content::Template(t) => {
                let text = t.render(|name| {
                    event
                        .builtin(name)
                        .or_else(|| config.fields().iter().find(|f| f.name() == name).and_then(|f| f.value()))
                });
                if text.trim().is_empty() {
                    Err(ContentError::EmptyText)
                } else {
                    Ok((text, ContentSource::Template))
                }
            }
            Content::Remote(r) => {
                let mut params: Vec<(String, String)> = vec![
                    ("from_number".to_owned(), event.caller.clone()),
                    ("to_number".to_owned(), event.called.clone()),
                    ("call_id".to_owned(), event.call_id.clone()),
                ];
                params.extend(config.fields().iter().map(|f| (f.name().to_owned(), f.expose().to_owned())));
                let Some(client) = &self.inner.http else {
                    // `new` always builds the client for remote content.
                    return Err(ContentError::Remote(remote::RemoteError::Network {
                        reason: "no HTTP client".to_owned(),
                    }));
                };
                match remote::fetch(client, &self.inner.remote_policy, r, &params).await {
                    Ok(text) => Ok((text, ContentSource::Remote)),
                    Err(e) => match r.fallback() {
                        Some(f) => {
                            tracing::warn!(
                                label = config.label(), call_id = %event.call_id, error = %e,
                                "customer's API failed; sending the fallback text"
                            );
                            Ok((f.to_owned(), ContentSource::Fallback(e)))
                        }
                        None => Err(ContentError::Remote(e)),
                    },
                }
            }
        }
    }

    fn record(
        &self,
        event: &CallEvent,
        recipients: Vec<PhoneNumber>,
        content: Option<SmsContent>,
        scheduled_for: Option<DateTime<Utc>>,
        notes: Vec<String>,
        result: SendResult,
    ) -> SendRecord {
        SendRecord {
            label: self.inner.config.label().to_owned(),
            call_id: event.call_id.clone(),
            at: self.inner.clock.now(),
            scheduled_for,
            recipients,
            content,
            notes,
            result,
        }
    }

    async fn finish(&self, record: SendRecord, claimed: Option<String>) -> CallOutcome {
        let inner = &*self.inner;
        let masked: Vec<String> = record.recipients.iter().map(PhoneNumber::masked).collect();
        match &record.result {
            SendResult::Sent(_) => tracing::info!(
                label = %record.label, call_id = %record.call_id, recipients = ?masked,
                parts = record.parts(), result = %record.result, "call-flow SMS sent"
            ),
            other => tracing::warn!(
                label = %record.label, call_id = %record.call_id, recipients = ?masked,
                result = %other, "call-flow SMS not sent"
            ),
        }
        if let Err(e) = inner.history.record(&record).await {
            tracing::warn!(label = %record.label, call_id = %record.call_id, error = %e, "history not written");
        }
        if let Some(key) = claimed
            && record.result.certainly_not_sent()
            && let Err(e) = inner.dedupe.release(&key).await
        {
            tracing::warn!(call_id = %record.call_id, error = %e, "once-per-call entry not released");
        }
        CallOutcome::Completed(Box::new(record))
    }
}

/// `t + d`, saturating at the latest representable time.
pub(crate) fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
