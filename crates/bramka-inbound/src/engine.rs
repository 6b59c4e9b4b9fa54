//! [`Inbound`]: the entry point that ties configuration, store, clock and outbox together.

use std::collections::BTreeMap;
use std::sync::Arc;

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::{Certainty, Gateway, InboundMessage, Message, WebhookEvent};

use crate::config::Config;
use crate::email::EmailSender;
use crate::error::{ExportError, StoreError};
use crate::ingest::plan;
use crate::model::{Channel, MessageQuery, Outcome};
use crate::model::{Ingested, OutboxDraft, OutboxEntry};
use crate::stats::Statistics;
use crate::store::{SendResult, Store};

/// Failed `NotSent` attempts after which an outbox entry is marked failed.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// Picks the gateway of one outbox entry (see [`Inbound::dispatch_routed`]).
pub type Route<'a> = dyn Fn(&OutboxDraft) -> Result<Arc<dyn Gateway>, String> + Send + Sync + 'a;

#[derive(Clone, Copy)]
enum Sink<'a> {
    Sms(&'a dyn Gateway),
    Routed(&'a Route<'a>),
    Email(&'a dyn EmailSender),
}

/// Receives messages, routes them, counts votes and sends replies and forwards from the outbox.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use bramka_core::InboundMessage;
/// use bramka_inbound::{Config, Inbound, MemoryStore, ReceivingNumber};
///
/// let mut cfg = Config::new();
/// cfg.add_number(ReceivingNumber::dedicated("+48790100200").auto_reply("Got it, thanks")).unwrap();
/// let inbound = Inbound::new(cfg, Arc::new(MemoryStore::new()));
/// let msg = InboundMessage::new("smsapi", "m1", "+48600100200", "+48790100200", "Hello", chrono::Utc::now());
/// let ingested = inbound.ingest(&msg).await.unwrap();
/// assert!(!ingested.duplicate);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Inbound {
    config: Arc<Config>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    max_attempts: u32,
}

/// What one [`Inbound::dispatch_pending`] call did, entry by entry.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use bramka_core::testing::NullGateway;
/// use bramka_inbound::{Config, Inbound, MemoryStore};
///
/// let inbound = Inbound::new(Config::new(), Arc::new(MemoryStore::new()));
/// let report = inbound.dispatch_pending(&NullGateway::new()).await.unwrap();
/// for (id, why) in &report.uncertain {
///     println!("outbox entry {id} may have gone out: {why}");
/// }
/// assert!(report.sent.is_empty());
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DispatchReport {
    /// Entries accepted by the gateway.
    pub sent: Vec<i64>,
    /// Entries that certainly did not go out and will be tried again on the next call.
    pub retry: Vec<i64>,
    /// Entries that failed for good (not sent), with the reason.
    pub failed: Vec<(i64, String)>,
    /// Entries that may have gone out (`MaybeSent`): not resent; check them by hand.
    pub uncertain: Vec<(i64, String)>,
}

impl Inbound {
    /// An engine with the system clock.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Self {
        Inbound {
            config: Arc::new(config),
            store,
            clock: Arc::new(SystemClock),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
    /// Uses this clock for first-seen times.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// `NotSent` attempts before an outbox entry is marked failed (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Ingests one received message exactly once: a second delivery of the same operator
    /// message (same gateway and message id) stores, counts and enqueues nothing and returns the
    /// stored outcome with `duplicate = true`. Acknowledge the webhook only after this returns
    /// `Ok`.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails and [`StoreError::Corrupt`] when
    /// a stored outcome cannot be read; nothing of the message is stored then (the ingestion is one
    /// transaction), so the webhook must not be acknowledged.
    pub async fn ingest(&self, message: &InboundMessage) -> Result<Ingested, StoreError> {
        let p = plan(&self.config, message, self.clock.now());
        let res = self.store.ingest(p).await?;
        tracing::debug!(
            row = res.row,
            duplicate = res.duplicate,
            outbox = res.outbox.len(),
            "inbound ingested"
        );
        Ok(res)
    }

    /// Ingests the inbound messages among webhook events (delivery reports are skipped), in
    /// order; stops at the first storage error, so the webhook must not be acknowledged then.
    ///
    /// # Errors
    ///
    /// Returns the first [`StoreError`] of [`ingest`](Self::ingest); messages ingested before it stay
    /// stored (a retry of the webhook finds them as duplicates).
    pub async fn ingest_events(&self, events: &[WebhookEvent]) -> Result<Vec<Ingested>, StoreError> {
        let mut out = Vec::new();
        for e in events {
            if let WebhookEvent::Inbound(m) = e {
                out.push(self.ingest(m).await?);
            }
        }
        Ok(out)
    }

    /// Statistics of a poll from its counters.
    ///
    /// # Errors
    ///
    /// Returns [`ExportError::UnknownPoll`] when no poll `poll` is configured, and
    /// [`ExportError::Store`] when reading its counters fails.
    pub async fn statistics(&self, poll: &str) -> Result<Statistics, ExportError> {
        let p = self.config.poll(poll).ok_or_else(|| ExportError::UnknownPoll(poll.to_owned()))?;
        let counts = self.store.vote_counts(poll).await?;
        Ok(Statistics::from_counts(p, &counts))
    }

    /// How many answers a poll received per status (`accepted`, `accepted_pool_exhausted`,
    /// `over_limit`, `outside_window`, `unknown_answer`, `not_allowed`), read page by page
    /// from the stored answers (the statistics count only accepted ones).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails and [`StoreError::Corrupt`] when
    /// a stored message cannot be read.
    pub async fn status_counts(&self, poll: &str) -> Result<BTreeMap<&'static str, u64>, StoreError> {
        let mut out = BTreeMap::new();
        crate::report::for_each_message(self.store.as_ref(), &MessageQuery::all().poll(poll), |m| {
            if let Outcome::Poll { vote, .. } = &m.outcome {
                *out.entry(vote.as_str()).or_default() += 1;
            }
            Ok::<(), StoreError>(())
        })
        .await?;
        Ok(out)
    }

    /// Sends what is waiting in the outbox through `gateway`. Each entry is marked in flight
    /// before it is sent, so it is sent at most once: an entry left in flight by a crash, or
    /// one whose send failed with [`Certainty::MaybeSent`], is reported and never resent here.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails while claiming or finishing an
    /// outbox entry, [`StoreError::Corrupt`] when a stored entry cannot be read, and
    /// [`StoreError::OutboxState`] when an entry is no longer in flight when its result is written. A
    /// failed send is not an error: it is recorded on the entry and listed in the report.
    pub async fn dispatch_pending(&self, gateway: &dyn Gateway) -> Result<DispatchReport, StoreError> {
        self.dispatch(Sink::Sms(gateway)).await
    }

    /// Like [`dispatch_pending`](Self::dispatch_pending), but each SMS entry leaves through the
    /// gateway `route` picks for its draft, typically the account of the number that received
    /// the message ([`OutboxDraft::via`]). An entry `route` finds no gateway for fails as not
    /// sent, with `route`'s reason.
    ///
    /// # Errors
    ///
    /// The errors of [`dispatch_pending`](Self::dispatch_pending); an entry `route` finds no gateway
    /// for is recorded as failed, not returned.
    pub async fn dispatch_routed(&self, route: &Route<'_>) -> Result<DispatchReport, StoreError> {
        self.dispatch(Sink::Routed(route)).await
    }

    /// Sends the e-mail entries of the outbox (forwarding rules with [`Forward::Email`]) through
    /// `sender`, with the same at-most-once rules as [`dispatch_pending`](Self::dispatch_pending).
    ///
    /// [`Forward::Email`]: crate::Forward::Email
    ///
    /// # Errors
    ///
    /// The errors of [`dispatch_pending`](Self::dispatch_pending); an e-mail `sender` fails to send is
    /// recorded on its entry, not returned.
    pub async fn dispatch_email(&self, sender: &dyn EmailSender) -> Result<DispatchReport, StoreError> {
        self.dispatch(Sink::Email(sender)).await
    }

    async fn dispatch(&self, sink: Sink<'_>) -> Result<DispatchReport, StoreError> {
        let channel = match sink {
            Sink::Sms(_) | Sink::Routed(_) => Channel::Sms,
            Sink::Email(_) => Channel::Email,
        };
        let mut report = DispatchReport::default();
        loop {
            let batch = self.store.claim_outbox(channel, 100).await?;
            if batch.is_empty() {
                break;
            }
            let mut retried = false;
            for entry in batch {
                let result = match sink {
                    Sink::Sms(g) => self.send_one(g, &entry).await,
                    Sink::Routed(route) => match route(&entry.draft) {
                        Ok(g) => self.send_one(g.as_ref(), &entry).await,
                        Err(error) => SendResult::NotSent { error, max_attempts: 1 },
                    },
                    Sink::Email(e) => self.send_email(e, &entry).await,
                };
                let state = self.store.finish_outbox(entry.id, result.clone()).await?;
                match (result, state.as_str()) {
                    (SendResult::Sent(_), _) => report.sent.push(entry.id),
                    (SendResult::MaybeSent(e), _) => report.uncertain.push((entry.id, e)),
                    (SendResult::NotSent { .. }, "pending") => {
                        retried = true;
                        report.retry.push(entry.id)
                    }
                    (SendResult::NotSent { error, .. }, _) => report.failed.push((entry.id, error)),
                }
            }
            if retried {
                break;
            }
        }
        Ok(report)
    }

    async fn send_email(&self, sender: &dyn EmailSender, entry: &OutboxEntry) -> SendResult {
        let d = &entry.draft;
        match sender.send_email(&d.to, d.subject.as_deref().unwrap_or("SMS"), &d.text).await {
            Ok(()) => SendResult::Sent(None),
            Err(e) if e.certainty == Certainty::NotSent => {
                SendResult::NotSent { error: e.message, max_attempts: self.max_attempts }
            }
            Err(e) => SendResult::MaybeSent(e.message),
        }
    }

    async fn send_one(&self, gateway: &dyn Gateway, entry: &OutboxEntry) -> SendResult {
        let d = &entry.draft;
        let mut b =
            Message::builder().to(d.to.as_str()).text(d.text.as_str()).client_ref(&entry.client_ref());
        if let Some(s) = &d.sender {
            b = b.sender(s);
        }
        let message = match b.build() {
            Ok(m) => m,
            Err(e) => return SendResult::NotSent { error: e.to_string(), max_attempts: 1 },
        };
        let not_sent = |e: String| SendResult::NotSent { error: e, max_attempts: self.max_attempts };
        match gateway.send(&message).await {
            Ok(r) => match r.recipients.first() {
                Some(rr) => match rr.state.error() {
                    None => SendResult::Sent(rr.message_id.clone()),
                    Some(e) if e.certainty() == Certainty::NotSent => not_sent(e.to_string()),
                    Some(e) => SendResult::MaybeSent(e.to_string()),
                },
                None => SendResult::MaybeSent("the gateway reported no recipient".into()),
            },
            Err(e) if e.certainty() == Certainty::NotSent => not_sent(e.to_string()),
            Err(e) => SendResult::MaybeSent(e.to_string()),
        }
    }
}
