//! Storage behind one async trait: [`MemoryStore`], `SqliteStore` (feature `sqlite`) and
//! `PostgresStore` (feature `postgres`).
//!
//! Both run the same [`apply`](crate::ingest::apply) inside one transaction, so the rules
//! (dedupe, limit, code, outbox) are written once; the shared behaviour suite in
//! `tests/store_suite.rs` runs against each.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;

use crate::error::StoreError;
use crate::ingest::IngestPlan;
use crate::model::{Channel, Ingested, MessageQuery, OutboxEntry, OutboxState, StoredMessage};

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{MAX_RETRIES, PostgresStore, PostgresUrl, SCHEMA_VERSION};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// How a store finishes an outbox entry after a send attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendResult {
    /// Sent; the operator's message id, if any.
    Sent(Option<String>),
    /// Certainly not sent: back to pending (or failed for good after `max_attempts`).
    NotSent {
        /// Why.
        error: String,
        /// After this many failed attempts the entry is marked failed.
        max_attempts: u32,
    },
    /// May have been sent: marked uncertain, never resent automatically.
    MaybeSent(String),
}

/// A store of received messages, votes, discount codes and the outbox.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Ingests one planned message in one transaction (see [`crate::ingest::apply`]).
    async fn ingest(&self, plan: IngestPlan) -> Result<Ingested, StoreError>;

    /// Adds codes to a pool: a poll's (by its id) or a code group's shared by several polls (by
    /// its name, [`PollBuilder::code_group`](crate::PollBuilder::code_group)); codes already in it
    /// are ignored. Returns how many were added.
    async fn add_codes(&self, poll: &str, codes: Vec<String>) -> Result<usize, StoreError>;

    /// Codes of a pool (a poll id or a code group's name) not handed out yet.
    async fn codes_left(&self, poll: &str) -> Result<u64, StoreError>;

    /// Claims up to `limit` pending outbox entries of a channel (oldest first) and marks them in
    /// flight in the same transaction, so two dispatchers never send one entry.
    async fn claim_outbox(&self, channel: Channel, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Records the result of sending an in-flight entry.
    async fn finish_outbox(&self, id: i64, result: SendResult) -> Result<OutboxState, StoreError>;

    /// Outbox entries in a state (`"pending"`, `"in_flight"`, `"sent"`, `"failed"`,
    /// `"uncertain"`), or all of them.
    async fn outbox(&self, state: Option<&str>) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Up to `limit` messages matching `query` with row id greater than `after`, in row order
    /// (keyset paging: exports read page by page and never hold the whole set).
    async fn messages_page(
        &self,
        query: &MessageQuery,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Accepted votes per option code of a poll.
    async fn vote_counts(&self, poll: &str) -> Result<BTreeMap<String, u64>, StoreError>;

    /// The discount codes issued for a poll, in issue order, with the sender each went to.
    async fn issued_codes(&self, poll: &str) -> Result<Vec<(String, String)>, StoreError>;
}

/// The next outbox state after a send attempt (shared by the stores).
pub(crate) fn next_state(attempts: u32, result: &SendResult) -> (OutboxState, u32) {
    match result {
        SendResult::Sent(id) => (OutboxState::Sent { message_id: id.clone() }, attempts),
        SendResult::NotSent { error, max_attempts } => {
            let n = attempts + 1;
            if n >= *max_attempts {
                (OutboxState::Failed { error: error.clone() }, n)
            } else {
                (OutboxState::Pending, n)
            }
        }
        SendResult::MaybeSent(e) => (OutboxState::Uncertain { error: e.clone() }, attempts),
    }
}
