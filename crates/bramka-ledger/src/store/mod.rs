//! Storage behind one async trait: [`MemoryStore`], `SqliteStore` (feature `sqlite`) and
//! `PostgresStore` (feature `postgres`, several instances on one database).
//!
//! The trait's operations are coarse (one per ledger step) and each is one transaction, so a
//! backend on another database (PostgreSQL) implements them natively. The state rules live in
//! [`crate::rules`], written once; the behaviour suite (`bramka_ledger::suite`, feature `test-suite`)
//! runs against every backend.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::model::{
    Applied, Campaign, Consent, Delivery, Entry, Intent, MessageRecord, Outcome, Query, RefClaim, Scope,
    State, Suppression,
};
use crate::sandbox::SandboxMessage;

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresStore, PostgresUrl};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// A ledger store. Every method is one transaction.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Writes a message (with its [`SendOptions`](crate::SendOptions)) and one entry per
    /// recipient in `intent.initial` (one transaction), returning the entries in recipient
    /// order. Once it returns the intent must survive the process being killed (SIGKILL): a
    /// send follows it.
    async fn record_intent(&self, intent: Intent) -> Result<Vec<Entry>, StoreError>;

    /// The suppressions (global or of `scope`) among the intent's recipients, then the intent
    /// written as by [`record_intent`](Store::record_intent): what a send does before its I/O.
    ///
    /// The default makes the two calls; a backend may do both in one transaction (and one
    /// hand-over to its blocking thread), as `SqliteStore` does.
    async fn check_and_record_intent(
        &self,
        scope: &Scope,
        intent: Intent,
    ) -> Result<(Vec<Suppression>, Vec<Entry>), StoreError> {
        let numbers: Vec<String> = intent.recipients.iter().map(|(n, _)| n.clone()).collect();
        let suppressed = self.suppressed_among(scope, &numbers).await?;
        Ok((suppressed, self.record_intent(intent).await?))
    }

    /// Moves the listed entries that are in one of `from` to `pending` (one transaction) and
    /// returns those moved: two runners can never both claim an entry.
    async fn claim(
        &self,
        entries: &[i64],
        from: &[State],
        at: DateTime<Utc>,
    ) -> Result<Vec<Entry>, StoreError>;

    /// Records send outcomes (one transaction for the whole request), each only if its entry is
    /// still `pending` ([`crate::rules::after_outcome`]), and returns how many took theirs.
    ///
    /// Orphan reports waiting for an entry that took its outcome are then applied to it
    /// ([`crate::rules::after_delivery`], in arrival order) and removed: those with the entry's
    /// (gateway, operator id) when the outcome has an operator id; when it has none (an
    /// `uncertain` outcome), those whose client key is the entry's
    /// [`recipient_key`](Entry::recipient_key), whose gateway and operator id the entry then
    /// takes (the first of them).
    async fn record_outcomes(&self, outcomes: Vec<Outcome>) -> Result<usize, StoreError>;

    /// Applies a delivery report (a webhook or a `status()` answer) by
    /// [`crate::rules::after_delivery`] to the entry it is about:
    ///
    /// 1. the entry with its (gateway, operator id), the lowest id first;
    /// 2. else, when the report carries a client key ([`Delivery::client_ref`]), the entry
    ///    whose [`recipient_key`](Entry::recipient_key) it is and that has no operator id and is
    ///    neither `not_attempted` nor `pending` (an `uncertain` or `rejected` one, the lowest id
    ///    first): the entry takes the report's gateway and operator id (so later reports match
    ///    it by id), and its state moves by the rule.
    ///
    /// With no such entry the report is kept as an orphan (client key included).
    async fn apply_delivery(&self, delivery: Delivery) -> Result<Applied, StoreError>;

    /// Moves `pending` entries (of one campaign, or all) to `uncertain` and returns them.
    async fn recover(&self, campaign: Option<&str>, at: DateTime<Utc>) -> Result<Vec<Entry>, StoreError>;

    /// Up to `limit` entries matching `query` with id greater than `after`, in id order (keyset
    /// paging, so exports never hold the whole set).
    async fn entries_page(&self, query: &Query, after: i64, limit: usize) -> Result<Vec<Entry>, StoreError>;

    /// A recorded message.
    async fn message(&self, id: i64) -> Result<Option<MessageRecord>, StoreError>;

    /// Delivery reports waiting for their send, in arrival order.
    async fn orphans(&self) -> Result<Vec<Delivery>, StoreError>;

    /// Adds a suppression; `false` when the number was already suppressed in that scope (the
    /// first reason is kept).
    async fn suppress(&self, s: Suppression) -> Result<bool, StoreError>;

    /// Lifts a suppression; `false` when there was none.
    async fn lift(&self, scope: &Scope, number: &str) -> Result<bool, StoreError>;

    /// The suppressions, global or of `scope`, of any of `numbers`.
    async fn suppressed_among(
        &self,
        scope: &Scope,
        numbers: &[String],
    ) -> Result<Vec<Suppression>, StoreError>;

    /// Every suppression, by number.
    async fn suppressions(&self) -> Result<Vec<Suppression>, StoreError>;

    /// Records consents (one transaction), replacing any of the same (number, scope). Returns
    /// how many were written.
    async fn put_consents(&self, consents: Vec<Consent>) -> Result<usize, StoreError>;

    /// The consents, global or of `scope`, of any of `numbers` (withdrawn ones included).
    async fn consents_among(&self, scope: &Scope, numbers: &[String]) -> Result<Vec<Consent>, StoreError>;

    /// Creates a campaign with its message and every entry in `not_attempted` (one
    /// transaction). Returns `None` (and writes nothing) when a campaign of that name exists.
    async fn create_campaign(
        &self,
        name: &str,
        chunk_size: u32,
        intent: Intent,
    ) -> Result<Option<Campaign>, StoreError>;

    /// A campaign by name.
    async fn campaign(&self, name: &str) -> Result<Option<Campaign>, StoreError>;

    /// Claims the idempotency key (`account`, `client_ref`) at `at`, atomically across every
    /// instance on the same database: exactly one of any number of concurrent claims of a key
    /// gets [`RefClaim::Claimed`]; every other claim, then or later, gets [`RefClaim::Taken`]
    /// with the claim's time and the message recorded with that client reference in that
    /// account (none yet while the claimant has not written its intent).
    ///
    /// A claim is kept until [`release_client_ref`](Store::release_client_ref) while no message
    /// is recorded under it, and for good once one is.
    async fn claim_client_ref(
        &self,
        account: &str,
        client_ref: &str,
        at: DateTime<Utc>,
    ) -> Result<RefClaim, StoreError>;

    /// Gives up a claim under which no message was recorded (the send was refused before any
    /// I/O), so the key can be claimed again. Returns `false`, keeping the claim, when there is
    /// no claim or a message with that client reference exists in that account.
    async fn release_client_ref(&self, account: &str, client_ref: &str) -> Result<bool, StoreError>;

    /// Writes one message `bramka serve --sandbox` received, replacing the one with the same
    /// (operator, message id): its state and callbacks change after it arrives. Once it
    /// returns the row must survive the process being killed.
    async fn put_sandbox_message(&self, m: SandboxMessage) -> Result<(), StoreError>;

    /// Every sandbox message, by `seq` (oldest first).
    async fn sandbox_messages(&self) -> Result<Vec<SandboxMessage>, StoreError>;
}

/// The highest schema version of the stores in this crate.
pub const SCHEMA_VERSION: u32 = 7;
