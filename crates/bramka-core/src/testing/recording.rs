//! [`RecordingGateway`]: wraps another gateway and records each send and its outcome.

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::capabilities::Capabilities;
use crate::error::Error;
use crate::gateway::Gateway;
use crate::message::Message;
use crate::report::{Balance, DeliveryReport, SendReport};

/// One send seen by a [`RecordingGateway`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Recorded {
    /// The message as passed to `send`.
    pub message: Message,
    /// What the wrapped gateway answered.
    pub outcome: Result<SendReport, Error>,
}

/// Wraps a real or mock gateway and records every message sent through it with its outcome;
/// every other operation is passed through. `Clone` shares the record.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::testing::{NullGateway, RecordingGateway};
/// use bramka_core::{Gateway, Message};
///
/// let rec = RecordingGateway::new(NullGateway::new());
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// rec.send(&msg).await.unwrap();
/// let seen = rec.records();
/// assert_eq!(seen.len(), 1);
/// assert_eq!(seen[0].message.text(), "Hi");
/// assert!(seen[0].outcome.as_ref().unwrap().all_accepted());
/// # }
/// ```
pub struct RecordingGateway<G> {
    inner: Arc<G>,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl<G> Clone for RecordingGateway<G> {
    fn clone(&self) -> Self {
        RecordingGateway { inner: self.inner.clone(), log: self.log.clone() }
    }
}

impl<G: fmt::Debug> fmt::Debug for RecordingGateway<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingGateway").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<G: Gateway> RecordingGateway<G> {
    /// Wraps `inner`.
    pub fn new(inner: G) -> Self {
        RecordingGateway { inner: Arc::new(inner), log: Arc::default() }
    }
    /// Every send so far, in order.
    pub fn records(&self) -> Vec<Recorded> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    /// The messages sent so far, in order (whatever their outcome).
    pub fn messages(&self) -> Vec<Message> {
        self.records().into_iter().map(|r| r.message).collect()
    }
    /// Forgets the record.
    pub fn clear(&self) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
    /// The wrapped gateway.
    pub fn inner(&self) -> &G {
        &self.inner
    }
}

#[async_trait]
impl<G: Gateway> Gateway for RecordingGateway<G> {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let outcome = self.inner.send(message).await;
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Recorded { message: message.clone(), outcome: outcome.clone() });
        outcome
    }
    fn delegate(&self) -> Option<&dyn Gateway> {
        Some(&self.inner)
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
