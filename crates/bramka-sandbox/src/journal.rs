//! A durable copy of the record: [`SandboxJournal`] is an async store (a database) the sandbox
//! writes every received message to, and [`JournaledStore`] adapts it to the synchronous
//! [`SandboxStore`] the request handlers use.
//!
//! The handlers check and insert under a lock that cannot be held across an `.await`, so the
//! record itself stays in memory (the working set) and every change is queued to one writer
//! task, in order, as a whole snapshot of the message. The sandbox waits for the queue
//! ([`SandboxStore::flush`]) before it answers a send, a delivery report or an inbound message,
//! so what a client was told is in the journal. [`JournaledStore::restore`] reads the journal
//! back on start.
//!
//! Injected faults stay in memory only.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::SubsecRound;
use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::record::{FaultEvent, MemoryStore, Operator, Received, SandboxStore};

/// Why the journal could not be read or written (the backend's own message, no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalError {
    /// What failed.
    pub message: String,
}

impl JournalError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        JournalError { message: message.into() }
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sandbox journal: {}", self.message)
    }
}

impl std::error::Error for JournalError {}

/// Where the sandbox keeps a durable copy of what it received (bramka-server: the ledger).
///
/// ```
/// use bramka_sandbox::{JournalError, Received, SandboxJournal};
/// use std::sync::Mutex;
///
/// #[derive(Default)]
/// struct InMemory(Mutex<Vec<Received>>);
///
/// #[async_trait::async_trait]
/// impl SandboxJournal for InMemory {
///     async fn save(&self, r: &Received) -> Result<(), JournalError> {
///         let mut all = self.0.lock().unwrap();
///         all.retain(|m| (m.operator, &m.message_id) != (r.operator, &r.message_id));
///         all.push(r.clone());
///         Ok(())
///     }
///     async fn load(&self) -> Result<Vec<Received>, JournalError> {
///         let mut all = self.0.lock().unwrap().clone();
///         all.sort_by_key(|m| m.seq);
///         Ok(all)
///     }
/// }
/// ```
#[async_trait]
pub trait SandboxJournal: Send + Sync + 'static {
    /// Writes `r`, replacing the message with the same operator and message id.
    async fn save(&self, r: &Received) -> Result<(), JournalError>;
    /// Every message, by `seq` (oldest first).
    async fn load(&self) -> Result<Vec<Received>, JournalError>;
}

enum Job {
    Save(Box<Received>),
    Flush(oneshot::Sender<()>),
}

/// A [`SandboxStore`] in memory that writes every change through to a [`SandboxJournal`].
pub struct JournaledStore {
    mem: MemoryStore,
    journal: Arc<dyn SandboxJournal>,
    queue: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    failures: Arc<AtomicU64>,
    restored: AtomicBool,
}

impl fmt::Debug for JournaledStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JournaledStore").field("failures", &self.failures()).finish_non_exhaustive()
    }
}

impl JournaledStore {
    /// An empty store writing to `journal` (call [`restore`](JournaledStore::restore) to read
    /// what it already holds).
    pub fn new(journal: Arc<dyn SandboxJournal>) -> Self {
        JournaledStore {
            mem: MemoryStore::new(),
            journal,
            queue: Mutex::new(None),
            failures: Arc::default(),
            restored: AtomicBool::new(false),
        }
    }

    /// Reads the journal into memory (after anything already recorded); returns how many
    /// messages it held. Only the first call reads; later ones return 0.
    ///
    /// # Errors
    ///
    /// [`JournalError`] when the journal cannot be read or a line of it cannot be decoded.
    pub async fn restore(&self) -> Result<usize, JournalError> {
        if self.restored.swap(true, Ordering::SeqCst) {
            return Ok(0);
        }
        let saved = match self.journal.load().await {
            Ok(s) => s,
            Err(e) => {
                self.restored.store(false, Ordering::SeqCst);
                return Err(e);
            }
        };
        let n = saved.len();
        for r in saved {
            self.mem.insert(r);
        }
        Ok(n)
    }

    /// The journal, for reading it directly.
    pub fn journal(&self) -> &Arc<dyn SandboxJournal> {
        &self.journal
    }

    /// How many writes the journal refused (each is logged; the message stays in memory).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Runs `change` and queues the snapshot it returns, under the queue's lock, so snapshots
    /// of one message reach the journal in the order of its changes.
    fn write<T>(&self, change: impl FnOnce() -> (T, Option<Received>)) -> T {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let (out, snapshot) = change();
        if let Some(r) = snapshot {
            self.send(&mut q, Job::Save(Box::new(r)));
        }
        out
    }

    fn send(&self, q: &mut Option<mpsc::UnboundedSender<Job>>, job: Job) {
        if q.as_ref().is_none_or(mpsc::UnboundedSender::is_closed) {
            let Ok(rt) = tokio::runtime::Handle::try_current() else {
                tracing::warn!("sandbox journal: no async runtime to write with; kept in memory only");
                self.failures.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            rt.spawn(writer(self.journal.clone(), rx, self.failures.clone()));
            *q = Some(tx);
        }
        if let Some(tx) = q.as_ref() {
            let _ = tx.send(job);
        }
    }
}

async fn writer(
    journal: Arc<dyn SandboxJournal>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    failures: Arc<AtomicU64>,
) {
    while let Some(job) = rx.recv().await {
        match job {
            Job::Save(r) => {
                if let Err(e) = journal.save(&r).await {
                    failures.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, operator = %r.operator, id = %r.message_id, "sandbox message not written to the journal");
                }
            }
            Job::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

impl SandboxStore for JournaledStore {
    fn insert(&self, mut r: Received) -> u64 {
        // Databases keep microseconds: memory keeps the same, so both read back alike.
        r.received_at = r.received_at.trunc_subsecs(6);
        r.send_at = r.send_at.map(|t| t.trunc_subsecs(6));
        self.write(|| {
            let (op, id) = (r.operator, r.message_id.clone());
            let seq = self.mem.insert(r);
            (seq, self.mem.get(op, &id))
        })
    }

    fn update(&self, operator: Operator, message_id: &str, f: &mut dyn FnMut(&mut Received)) -> bool {
        self.write(|| {
            let found = self.mem.update(operator, message_id, f);
            (found, found.then(|| self.mem.get(operator, message_id)).flatten())
        })
    }

    fn get(&self, operator: Operator, message_id: &str) -> Option<Received> {
        self.mem.get(operator, message_id)
    }

    fn by_client_key(&self, operator: Operator, key: &str) -> Option<Received> {
        self.mem.by_client_key(operator, key)
    }

    fn messages(&self) -> Vec<Received> {
        self.mem.messages()
    }

    fn record_fault(&self, f: FaultEvent) {
        self.mem.record_fault(f);
    }

    fn faults(&self) -> Vec<FaultEvent> {
        self.mem.faults()
    }

    fn flush(&self) -> BoxFuture<'_, ()> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.as_ref().is_none_or(mpsc::UnboundedSender::is_closed) {
            return Box::pin(std::future::ready(()));
        }
        let (tx, rx) = oneshot::channel();
        self.send(&mut q, Job::Flush(tx));
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}
