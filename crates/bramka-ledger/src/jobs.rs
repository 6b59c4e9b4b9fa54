//! Durable job records next to the ledger: what an application must remember across a restart
//! (or share between instances) besides the sends themselves, such as a campaign running in the
//! background (and whether it is paused) or an SMS waiting for its delay.
//!
//! A [`Job`] is keyed by `(kind, key)` and moves between states by compare-and-set
//! ([`JobStore::move_job`]), so two instances never both take the same step. Claims
//! ([`JobStore::claim_key`]) are once-per-key marks with an expiry, for "at most once per call"
//! checks. [`MemoryJobs`] serves one process; `SqliteStore` and `PostgresStore` keep jobs in the
//! ledger's database (tables `jobs` and `claims`, schema version 4).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka_ledger::jobs::{Job, JobStore, MemoryJobs};
//!
//! let jobs = MemoryJobs::new();
//! let now = chrono::Utc::now();
//! assert!(jobs.put_job(Job::new("campaign", "spring", "running", now)).await.unwrap());
//! assert!(!jobs.put_job(Job::new("campaign", "spring", "running", now)).await.unwrap());
//! // Only one caller moves it from running to paused.
//! assert!(jobs.move_job("campaign", "spring", &["running"], "paused", None, now).await.unwrap());
//! assert!(!jobs.move_job("campaign", "spring", &["running"], "paused", None, now).await.unwrap());
//! assert_eq!(jobs.job("campaign", "spring").await.unwrap().unwrap().state, "paused");
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::StoreError;

/// One durable job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Job {
    /// What sort of job (`"campaign"`, `"flow"`, …); keys are unique within a kind.
    pub kind: String,
    /// The job's key within its kind.
    pub key: String,
    /// The application's state name (`"running"`, `"waiting"`, …).
    pub state: String,
    /// When it is due, for jobs that wait.
    pub due_at: Option<DateTime<Utc>>,
    /// The application's data (JSON, a note, an error text); empty when none.
    pub data: String,
    /// When it was created or last moved.
    pub updated_at: DateTime<Utc>,
}

impl Job {
    /// A job with no due time and no data.
    pub fn new(
        kind: impl Into<String>,
        key: impl Into<String>,
        state: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Job {
        Job {
            kind: kind.into(),
            key: key.into(),
            state: state.into(),
            due_at: None,
            data: String::new(),
            updated_at: at,
        }
    }
    /// With a due time.
    pub fn due(mut self, at: DateTime<Utc>) -> Job {
        self.due_at = Some(at);
        self
    }
    /// With data.
    pub fn data(mut self, data: impl Into<String>) -> Job {
        self.data = data.into();
        self
    }
}

/// Durable jobs and claims. Every method is one transaction.
#[async_trait]
pub trait JobStore: Send + Sync + fmt::Debug {
    /// Writes `job` unless a job of its kind and key exists; `true` when written.
    async fn put_job(&self, job: Job) -> Result<bool, StoreError>;

    /// Moves the job to state `to` (and replaces its data when `data` is given) if its state is
    /// one of `from` (any state when `from` is empty); `true` when moved. Two callers can never
    /// both move a job out of the same state.
    async fn move_job(
        &self,
        kind: &str,
        key: &str,
        from: &[&str],
        to: &str,
        data: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// A job.
    async fn job(&self, kind: &str, key: &str) -> Result<Option<Job>, StoreError>;

    /// The jobs of `kind` in one of `states` (every state when empty), by due time then key.
    async fn jobs(&self, kind: &str, states: &[&str]) -> Result<Vec<Job>, StoreError>;

    /// Atomically: when `key` is not claimed or its claim expired at `now`, claims it until
    /// `until` and returns `true`; otherwise changes nothing and returns `false`.
    async fn claim_key(
        &self,
        key: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Drops the claim on `key` (the next claim succeeds).
    async fn release_key(&self, key: &str) -> Result<(), StoreError>;
}

/// Jobs and claims in memory (one process; lost when it stops).
#[derive(Debug, Default)]
pub struct MemoryJobs {
    inner: Mutex<Held>,
}

/// Jobs by (kind, key), and claims with their expiry.
type Held = (BTreeMap<(String, String), Job>, BTreeMap<String, DateTime<Utc>>);

impl MemoryJobs {
    /// No jobs.
    pub fn new() -> Self {
        Self::default()
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The jobs of `kind` in one of `states` (all when empty), by due time (none first), then key:
/// what [`JobStore::jobs`] answers, from a backend's rows of that kind.
pub(crate) fn select(rows: impl IntoIterator<Item = Job>, kind: &str, states: &[&str]) -> Vec<Job> {
    let mut out: Vec<Job> = rows
        .into_iter()
        .filter(|j| j.kind == kind && (states.is_empty() || states.contains(&j.state.as_str())))
        .collect();
    out.sort_by(|a, b| (a.due_at, &a.key).cmp(&(b.due_at, &b.key)));
    out
}

#[async_trait]
impl JobStore for MemoryJobs {
    async fn put_job(&self, job: Job) -> Result<bool, StoreError> {
        let mut g = self.lock();
        let k = (job.kind.clone(), job.key.clone());
        if g.0.contains_key(&k) {
            return Ok(false);
        }
        g.0.insert(k, job);
        Ok(true)
    }

    async fn move_job(
        &self,
        kind: &str,
        key: &str,
        from: &[&str],
        to: &str,
        data: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut g = self.lock();
        let Some(j) = g.0.get_mut(&(kind.to_owned(), key.to_owned())) else { return Ok(false) };
        if !from.is_empty() && !from.contains(&j.state.as_str()) {
            return Ok(false);
        }
        j.state = to.to_owned();
        if let Some(d) = data {
            j.data = d.to_owned();
        }
        j.updated_at = at;
        Ok(true)
    }

    async fn job(&self, kind: &str, key: &str) -> Result<Option<Job>, StoreError> {
        Ok(self.lock().0.get(&(kind.to_owned(), key.to_owned())).cloned())
    }

    async fn jobs(&self, kind: &str, states: &[&str]) -> Result<Vec<Job>, StoreError> {
        Ok(select(self.lock().0.values().cloned(), kind, states))
    }

    async fn claim_key(
        &self,
        key: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut g = self.lock();
        if g.1.get(key).is_some_and(|u| *u > now) {
            return Ok(false);
        }
        g.1.retain(|_, u| *u > now);
        g.1.insert(key.to_owned(), until);
        Ok(true)
    }

    async fn release_key(&self, key: &str) -> Result<(), StoreError> {
        self.lock().1.remove(key);
        Ok(())
    }
}
