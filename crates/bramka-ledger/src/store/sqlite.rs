//! [`SqliteStore`]: the embedded default, one SQLite file in WAL mode.
//!
//! One connection behind a mutex, used from `tokio::task::spawn_blocking`. Every trait method
//! is one `BEGIN IMMEDIATE` transaction.
//!
//! Durability: WAL with `synchronous=NORMAL`. A committed transaction is in the WAL file when the
//! call returns, so a killed process loses nothing (an intent is on disk before its request); a
//! power loss or OS crash may lose the last commits, never corrupting the database. A file
//! database's WAL is copied into it by a background thread ([`Checkpointer`]), not inside commits. The schema is versioned (`PRAGMA user_version`); the
//! migrations in [`MIGRATIONS`] are applied on open, each in its own transaction, and a database
//! newer than this code is refused with [`StoreError::SchemaTooNew`] without being touched.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params, params_from_iter};

use super::Store;
use crate::error::StoreError;
use crate::model::{
    Applied, Campaign, Consent, Delivery, Entry, Intent, MessageRecord, Outcome, Query, RefClaim, Scope,
    State, Suppression,
};
use crate::rules::{after_delivery, key_candidates};

mod bulk;
mod jobs;
mod links;
mod sandbox;

/// The schema migrations, version `i + 1` at index `i`. Plain SQL that PostgreSQL also accepts
/// apart from the `INTEGER PRIMARY KEY` row ids.
pub(crate) const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    client_ref TEXT NOT NULL,
    account TEXT NOT NULL,
    gateway TEXT NOT NULL,
    sender TEXT,
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    parts INTEGER NOT NULL,
    send_at INTEGER,
    campaign TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES messages(id),
    client_ref TEXT NOT NULL,
    account TEXT NOT NULL,
    gateway TEXT NOT NULL,
    sender TEXT,
    campaign TEXT,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    operator_id TEXT,
    error_kind TEXT,
    error_code TEXT,
    error_message TEXT,
    certainty TEXT,
    parts INTEGER,
    price REAL,
    currency TEXT,
    delivery_status TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX entries_operator ON entries(gateway, operator_id);
CREATE INDEX entries_campaign ON entries(campaign, state, id);
CREATE INDEX entries_created ON entries(created_at, id);
CREATE INDEX entries_recipient ON entries(recipient, id);
CREATE INDEX entries_state ON entries(state, id);
CREATE TABLE orphans (
    seq INTEGER PRIMARY KEY,
    gateway TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    state TEXT NOT NULL,
    raw_status TEXT NOT NULL,
    error_code TEXT,
    recipient TEXT,
    price REAL,
    currency TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX orphans_key ON orphans(gateway, operator_id, seq);
CREATE TABLE suppressions (
    scope TEXT NOT NULL,
    number TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (scope, number)
);
CREATE TABLE consents (
    scope TEXT NOT NULL,
    number TEXT NOT NULL,
    source TEXT NOT NULL,
    at INTEGER NOT NULL,
    withdrawn_at INTEGER,
    PRIMARY KEY (scope, number)
);
CREATE TABLE campaigns (
    name TEXT PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES messages(id),
    chunk_size INTEGER NOT NULL,
    recipients INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
",
    "
ALTER TABLE messages ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE orphans ADD COLUMN client_ref TEXT;
CREATE INDEX orphans_client ON orphans(client_ref);
DROP INDEX entries_operator;
CREATE INDEX entries_operator ON entries(gateway, operator_id) WHERE operator_id IS NOT NULL;
DROP INDEX entries_campaign;
CREATE INDEX entries_campaign ON entries(campaign, state, id) WHERE campaign IS NOT NULL;
",
    "
CREATE INDEX entries_client_ref ON entries(client_ref, id);
",
    // v4: idempotency keys claimed once across every process on the file (Store::claim_client_ref).
    "
CREATE TABLE ref_claims (
    account TEXT NOT NULL,
    client_ref TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (account, client_ref)
);
CREATE INDEX messages_client_ref ON messages(client_ref, account, id);
",
    // v5: stored jobs and expiring claims (campaign runs, flow delays; JobStore).
    "
CREATE TABLE jobs (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at INTEGER,
    data TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE claims (
    key TEXT PRIMARY KEY,
    until INTEGER NOT NULL
);
",
    // v6: what `bramka serve --sandbox` received (bramka-sandbox's record), see `sandbox.rs`.
    "
CREATE TABLE sandbox_messages (
    operator TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    direction TEXT NOT NULL,
    account TEXT NOT NULL,
    sender TEXT,
    recipient TEXT NOT NULL,
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    parts INTEGER NOT NULL,
    state TEXT NOT NULL,
    client_key TEXT,
    batch_id TEXT,
    send_at INTEGER,
    callback_url TEXT,
    callbacks TEXT NOT NULL DEFAULT '[]',
    received_at INTEGER NOT NULL,
    PRIMARY KEY (operator, message_id)
);
CREATE INDEX sandbox_messages_seq ON sandbox_messages(seq);
",
    // v7: short links and their clicks (`crate::links`).
    "
CREATE TABLE links (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    account TEXT,
    client_ref TEXT,
    recipient TEXT,
    clicks INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    first_click_at INTEGER,
    last_click_at INTEGER
);
CREATE INDEX links_client_ref ON links(client_ref) WHERE client_ref IS NOT NULL;
CREATE INDEX links_created ON links(created_at);
",
];

const ENTRY_COLS: &str = "id, message, client_ref, account, gateway, sender, campaign, recipient, state, \
    operator_id, error_kind, error_code, error_message, certainty, parts, price, currency, delivery_status, \
    created_at, updated_at";

/// A SQLite ledger store (a file in WAL mode, or in memory for tests).
///
/// ```
/// use std::sync::Arc;
/// use bramka_ledger::{Ledger, SqliteStore};
///
/// let store = SqliteStore::open_in_memory().unwrap(); // or SqliteStore::open("ledger.db")
/// let ledger = Ledger::new(Arc::new(store));
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Keeps the background checkpointer of a file database running (see [`Checkpointer`]).
    _checkpointer: Option<Arc<Checkpointer>>,
}

/// WAL pages after which a writer checkpoints by itself: only when the background checkpointer
/// has fallen this far behind (SQLite's default, applied on every commit, is 1,000).
const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

/// How often the background checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// A thread with its own connection that runs `PRAGMA wal_checkpoint(PASSIVE)` every
/// [`CHECKPOINT_EVERY`], so that copying the WAL into the database (and its `fsync`s) happens
/// beside the writers rather than inside the commit of whichever send crosses SQLite's
/// 1,000-page threshold. Durability is unchanged: a commit is in the WAL when it returns either
/// way. Stops when the last clone of the store is dropped.
#[derive(Debug)]
struct Checkpointer {
    stop: Mutex<Option<std::sync::mpsc::Sender<()>>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(1))?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("bramka-ledger-checkpoint".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        tracing::debug!(error = %e, "ledger: background checkpoint skipped");
                    }
                }
            })
            .map_err(|e| StoreError::Backend(format!("starting the checkpoint thread: {e}")))?;
        Ok(Checkpointer { stop: Mutex::new(Some(stop)) })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread, which then ends.
        self.stop.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn time(v: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            format!("timestamp {v}").into(),
        )
    })
}

fn state(s: String) -> rusqlite::Result<State> {
    State::parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("state {s:?}").into(),
        )
    })
}

fn entry(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        message: r.get(1)?,
        client_ref: r.get(2)?,
        account: r.get(3)?,
        gateway: r.get(4)?,
        sender: r.get(5)?,
        campaign: r.get(6)?,
        to: r.get(7)?,
        state: state(r.get(8)?)?,
        operator_id: r.get(9)?,
        error_kind: r.get(10)?,
        error_code: r.get(11)?,
        error_message: r.get(12)?,
        certainty: r.get(13)?,
        parts: r.get(14)?,
        price: r.get(15)?,
        currency: r.get(16)?,
        delivery_status: r.get(17)?,
        created_at: time(r.get(18)?)?,
        updated_at: time(r.get(19)?)?,
    })
}

fn delivery(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    let mut d = Delivery::new(
        r.get::<_, String>(0)?,
        r.get::<_, String>(1)?,
        state(r.get(2)?)?,
        r.get::<_, String>(3)?,
        time(r.get(8)?)?,
    );
    d.error_code = r.get(4)?;
    d.to = r.get(5)?;
    d.price = r.get(6)?;
    d.currency = r.get(7)?;
    d.client_ref = r.get(9)?;
    Ok(d)
}

const ORPHAN_COLS: &str =
    "gateway, operator_id, state, raw_status, error_code, recipient, price, currency, at, client_ref";

fn get_entry(tx: &Connection, id: i64) -> Result<Entry, StoreError> {
    tx.query_row(&format!("SELECT {ENTRY_COLS} FROM entries WHERE id = ?1"), [id], entry)
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("entry {id} not found")))
}

fn write_delivery(tx: &Connection, e: &Entry, d: &Delivery) -> Result<Option<Entry>, StoreError> {
    let Some(next) = after_delivery(e.state, d.state) else { return Ok(None) };
    tx.execute(
        "UPDATE entries SET state = ?2, delivery_status = ?3, error_code = COALESCE(?4, error_code),
         price = COALESCE(?5, price), currency = CASE WHEN ?5 IS NULL THEN currency ELSE ?6 END,
         updated_at = MAX(updated_at, ?7) WHERE id = ?1",
        params![e.id, next.as_str(), d.raw_status, d.error_code, d.price, d.currency, micros(d.at)],
    )?;
    Ok(Some(get_entry(tx, e.id)?))
}

/// The entry a report's client key names ([`Entry::recipient_key`]): one without an operator
/// id that was attempted, the lowest id first.
fn entry_by_key(tx: &Connection, d: &Delivery) -> Result<Option<Entry>, StoreError> {
    let Some(key) = &d.client_ref else { return Ok(None) };
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {ENTRY_COLS} FROM entries WHERE recipient = ?2 AND client_ref = ?1 AND operator_id IS NULL
         AND state NOT IN ('not_attempted', 'pending') ORDER BY id LIMIT 1"
    ))?;
    let mut best: Option<Entry> = None;
    for (client_ref, to) in key_candidates(key, d.to.as_deref()) {
        if let Some(e) = stmt.query_row(params![client_ref, to], entry).optional()?
            && best.as_ref().is_none_or(|b| e.id < b.id)
        {
            best = Some(e);
        }
    }
    Ok(best)
}

/// Gives an entry matched by client key the report's gateway and operator id.
fn adopt_id(tx: &Connection, id: i64, gateway: &str, operator_id: &str) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE entries SET gateway = ?2, operator_id = ?3 WHERE id = ?1")?
        .execute(params![id, gateway, operator_id])?;
    Ok(())
}

/// Applies (and removes) the orphan reports waiting for entry `id`, which just took its
/// outcome: by (gateway, operator id), or by client key when it has no operator id.
fn join_orphans(tx: &Connection, id: i64) -> Result<(), StoreError> {
    let mut e = get_entry(tx, id)?;
    let waiting: Vec<(Delivery, i64)> = match &e.operator_id {
        Some(op) => tx
            .prepare_cached(&format!(
                "SELECT {ORPHAN_COLS}, seq FROM orphans WHERE gateway = ?1 AND operator_id = ?2 ORDER BY seq"
            ))?
            .query_map(params![e.gateway, op], |r| Ok((delivery(r)?, r.get(10)?)))?
            .collect::<rusqlite::Result<_>>()?,
        None => tx
            .prepare_cached(&format!(
                "SELECT {ORPHAN_COLS}, seq FROM orphans WHERE client_ref = ?1 ORDER BY seq"
            ))?
            .query_map([e.recipient_key()], |r| Ok((delivery(r)?, r.get(10)?)))?
            .collect::<rusqlite::Result<_>>()?,
    };
    for (d, seq) in waiting {
        if e.operator_id.is_none() {
            adopt_id(tx, e.id, &d.gateway, &d.operator_id)?;
            e.gateway = d.gateway.clone();
            e.operator_id = Some(d.operator_id.clone());
        }
        if let Some(next) = write_delivery(tx, &e, &d)? {
            e = next;
        }
        tx.execute("DELETE FROM orphans WHERE seq = ?1", [seq])?;
    }
    Ok(())
}

fn insert_intent(tx: &Connection, intent: Intent) -> Result<Vec<Entry>, StoreError> {
    let m = &intent.message;
    tx.execute(
        "INSERT INTO messages (client_ref, account, gateway, sender, text, encoding, parts, send_at, campaign, created_at, options)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            m.client_ref,
            m.account,
            m.gateway,
            m.sender,
            m.text,
            m.encoding,
            m.parts,
            m.send_at.map(micros),
            m.campaign,
            micros(m.created_at),
            m.options.to_json()
        ],
    )?;
    let message = tx.last_insert_rowid();
    let ids = bulk::insert_entries(tx, message, m, &intent.recipients, intent.initial)?;
    Ok(ids
        .into_iter()
        .zip(intent.recipients)
        .map(|(id, (to, client_ref))| Entry::new(id, message, m, to, client_ref, intent.initial))
        .collect())
}

impl SqliteStore {
    /// Opens (or creates) the database file, switches it to WAL and applies pending migrations.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the file cannot be opened or created, cannot be switched
    /// to WAL, the checkpoint thread cannot start, or a migration fails, and
    /// [`StoreError::SchemaTooNew`] when the file was written by a newer version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = Connection::open(path.as_ref())?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!("could not switch to WAL (journal_mode is {mode})")));
        }
        conn.execute_batch(&format!("PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES};"))?;
        let mut store = Self::init(conn)?;
        store._checkpointer = Some(Arc::new(Checkpointer::start(path.as_ref())?));
        Ok(store)
    }

    /// A private in-memory database (tests).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when SQLite cannot open an in-memory database or migrate it.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Room for every statement shape the store prepares (bulk inserts included).
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)), _checkpointer: None })
    }

    /// The schema version of the database.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the query fails.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        self.run(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))?)).await
    }

    /// The journal mode (`"wal"` for file databases).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the query fails.
    pub async fn journal_mode(&self) -> Result<String, StoreError> {
        self.run(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))?)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed before this returns.
    async fn tx<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

/// Applies the migrations the database lacks; refuses a newer database.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as u32;
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated between the check and the lock.
        let now: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now > i as u32 {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}

fn in_list(n: usize, start: usize) -> String {
    (0..n).map(|i| format!("?{}", i + start)).collect::<Vec<_>>().join(", ")
}

#[async_trait]
impl Store for SqliteStore {
    async fn record_intent(&self, intent: Intent) -> Result<Vec<Entry>, StoreError> {
        self.tx(move |tx| insert_intent(tx, intent)).await
    }

    async fn claim(
        &self,
        entries: &[i64],
        from: &[State],
        at: DateTime<Utc>,
    ) -> Result<Vec<Entry>, StoreError> {
        let entries = entries.to_vec();
        let from: Vec<&'static str> = from.iter().map(|s| s.as_str()).collect();
        self.tx(move |tx| {
            let mut out = Vec::new();
            let mut get = tx.prepare_cached(&format!("SELECT {ENTRY_COLS} FROM entries WHERE id = ?1"))?;
            let mut upd =
                tx.prepare_cached("UPDATE entries SET state = 'pending', updated_at = ?2 WHERE id = ?1")?;
            for id in entries {
                let Some(mut e) = get.query_row([id], entry).optional()? else { continue };
                if from.contains(&e.state.as_str()) {
                    upd.execute(params![id, micros(at)])?;
                    e.state = State::Pending;
                    e.updated_at = at;
                    out.push(e);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn record_outcomes(&self, outcomes: Vec<Outcome>) -> Result<usize, StoreError> {
        self.tx(move |tx| {
            // Only a pending entry takes an outcome (rules::after_outcome), checked in the UPDATE.
            // One cached statement per outcome: a multi-row `UPDATE … FROM (VALUES …)` measured
            // more instructions (SQLite materialises the join first), see README.
            let mut upd = tx.prepare_cached(
                "UPDATE entries SET state = ?2, gateway = COALESCE(?3, gateway), operator_id = ?4, error_kind = ?5,
                 error_code = ?6, error_message = ?7, certainty = ?8, parts = ?9, price = ?10, currency = ?11,
                 updated_at = ?12
                 WHERE id = ?1 AND state = 'pending' AND ?2 <> 'pending'",
            )?;
            let mut exists = tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM entries WHERE id = ?1)")?;
            let any_orphans: bool =
                tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM orphans)")?.query_row([], |r| r.get(0))?;
            let mut n = 0;
            for o in outcomes {
                let changed = upd.execute(params![
                    o.entry,
                    o.state.as_str(),
                    o.gateway,
                    o.operator_id,
                    o.error_kind,
                    o.error_code,
                    o.error_message,
                    o.certainty,
                    o.parts,
                    o.price,
                    o.currency,
                    micros(o.at)
                ])?;
                if changed == 0 {
                    if !exists.query_row([o.entry], |r| r.get::<_, bool>(0))? {
                        return Err(StoreError::Corrupt(format!("outcome for unknown entry {}", o.entry)));
                    }
                    continue;
                }
                n += 1;
                if any_orphans {
                    join_orphans(tx, o.entry)?;
                }
            }
            Ok(n)
        })
        .await
    }

    async fn apply_delivery(&self, d: Delivery) -> Result<Applied, StoreError> {
        self.tx(move |tx| {
            let by_id = tx
                .prepare_cached(&format!(
                    "SELECT {ENTRY_COLS} FROM entries WHERE gateway = ?1 AND operator_id = ?2 ORDER BY id LIMIT 1"
                ))?
                .query_row(params![d.gateway, d.operator_id], entry)
                .optional()?;
            let (found, adopt) = match by_id {
                Some(e) => (Some(e), false),
                None => (entry_by_key(tx, &d)?, true),
            };
            let Some(e) = found else {
                tx.execute(
                    &format!("INSERT INTO orphans ({ORPHAN_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                    params![
                        d.gateway,
                        d.operator_id,
                        d.state.as_str(),
                        d.raw_status,
                        d.error_code,
                        d.to,
                        d.price,
                        d.currency,
                        micros(d.at),
                        d.client_ref
                    ],
                )?;
                return Ok(Applied::Orphaned);
            };
            if adopt && after_delivery(e.state, d.state).is_some() {
                adopt_id(tx, e.id, &d.gateway, &d.operator_id)?;
            }
            let mut target = e.clone();
            if adopt {
                target.gateway = d.gateway.clone();
                target.operator_id = Some(d.operator_id.clone());
            }
            Ok(match write_delivery(tx, &target, &d)? {
                Some(after) => Applied::Updated { entry: after, from: e.state },
                None => Applied::Unchanged { entry: e },
            })
        })
        .await
    }

    async fn recover(&self, campaign: Option<&str>, at: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
        let campaign = campaign.map(str::to_owned);
        self.tx(move |tx| {
            let sql = format!(
                "SELECT {ENTRY_COLS} FROM entries WHERE state = 'pending' AND (?1 IS NULL OR campaign = ?1) ORDER BY id"
            );
            let rows: Vec<Entry> =
                tx.prepare(&sql)?.query_map([&campaign], entry)?.collect::<rusqlite::Result<_>>()?;
            let mut upd = tx.prepare_cached(
                "UPDATE entries SET state = 'uncertain', certainty = 'maybe_sent', error_message = ?2, updated_at = ?3
                 WHERE id = ?1",
            )?;
            let why = "interrupted between the request and its answer";
            let mut out = Vec::with_capacity(rows.len());
            for mut e in rows {
                upd.execute(params![e.id, why, micros(at)])?;
                e.state = State::Uncertain;
                e.certainty = Some("maybe_sent".into());
                e.error_message = Some(why.into());
                e.updated_at = at;
                out.push(e);
            }
            Ok(out)
        })
        .await
    }

    async fn entries_page(&self, query: &Query, after: i64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let q = query.clone();
        self.run(move |c| {
            let mut sql = format!("SELECT {ENTRY_COLS} FROM entries WHERE id > ?1");
            let mut args: Vec<Value> = vec![Value::Integer(after)];
            let mut add = |cond: &str, v: Value| {
                args.push(v);
                sql.push_str(&format!(" AND {cond} ?{}", args.len()));
            };
            if let Some(t) = q.from {
                add("created_at >=", Value::Integer(micros(t)));
            }
            if let Some(t) = q.until {
                add("created_at <", Value::Integer(micros(t)));
            }
            if let Some(a) = &q.account {
                add("account =", Value::Text(a.clone()));
            }
            if let Some(s) = &q.sender {
                add("sender =", Value::Text(s.clone()));
            }
            if let Some(r) = &q.recipient {
                add("recipient =", Value::Text(r.clone()));
            }
            if let Some(c) = &q.campaign {
                add("campaign =", Value::Text(c.clone()));
            }
            if let Some(o) = &q.operator_id {
                add("operator_id =", Value::Text(o.clone()));
            }
            if let Some(r) = &q.client_ref {
                add("client_ref =", Value::Text(r.clone()));
            }
            if !q.states.is_empty() {
                let start = args.len() + 1;
                sql.push_str(&format!(" AND state IN ({})", in_list(q.states.len(), start)));
                args.extend(q.states.iter().map(|s| Value::Text(s.as_str().to_owned())));
            }
            sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
            let mut stmt = c.prepare(&sql)?;
            let rows =
                stmt.query_map(params_from_iter(args), entry)?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn message(&self, id: i64) -> Result<Option<MessageRecord>, StoreError> {
        self.run(move |c| {
            Ok(c.query_row(
                "SELECT id, client_ref, account, gateway, sender, text, encoding, parts, send_at, campaign, created_at,
                 options FROM messages WHERE id = ?1",
                [id],
                |r| {
                    Ok(MessageRecord {
                        id: r.get(0)?,
                        client_ref: r.get(1)?,
                        account: r.get(2)?,
                        gateway: r.get(3)?,
                        sender: r.get(4)?,
                        text: r.get(5)?,
                        encoding: r.get(6)?,
                        parts: r.get(7)?,
                        send_at: r.get::<_, Option<i64>>(8)?.map(time).transpose()?,
                        campaign: r.get(9)?,
                        options: crate::SendOptions::from_json(&r.get::<_, String>(11)?).map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(
                                11,
                                rusqlite::types::Type::Text,
                                e.to_string().into(),
                            )
                        })?,
                        created_at: time(r.get(10)?)?,
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    async fn orphans(&self) -> Result<Vec<Delivery>, StoreError> {
        self.run(|c| {
            let mut stmt = c.prepare(&format!("SELECT {ORPHAN_COLS} FROM orphans ORDER BY seq"))?;
            Ok(stmt.query_map([], delivery)?.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn suppress(&self, s: Suppression) -> Result<bool, StoreError> {
        self.tx(move |tx| {
            let n = tx.execute(
                "INSERT INTO suppressions (scope, number, reason, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (scope, number) DO NOTHING",
                params![s.scope.key(), s.number, s.reason, micros(s.at)],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn lift(&self, scope: &Scope, number: &str) -> Result<bool, StoreError> {
        let (scope, number) = (scope.key().to_owned(), number.to_owned());
        self.tx(move |tx| {
            Ok(tx.execute(
                "DELETE FROM suppressions WHERE scope = ?1 AND number = ?2",
                params![scope, number],
            )? > 0)
        })
        .await
    }

    async fn suppressed_among(
        &self,
        scope: &Scope,
        numbers: &[String],
    ) -> Result<Vec<Suppression>, StoreError> {
        let scope = scope.key().to_owned();
        let numbers = numbers.to_vec();
        self.run(move |c| suppressed_in(c, &scope, numbers.iter())).await
    }

    async fn check_and_record_intent(
        &self,
        scope: &Scope,
        intent: Intent,
    ) -> Result<(Vec<Suppression>, Vec<Entry>), StoreError> {
        let scope = scope.key().to_owned();
        self.tx(move |tx| {
            let suppressed = suppressed_in(tx, &scope, intent.recipients.iter().map(|(n, _)| n))?;
            Ok((suppressed, insert_intent(tx, intent)?))
        })
        .await
    }

    async fn suppressions(&self) -> Result<Vec<Suppression>, StoreError> {
        self.run(|c| {
            let mut stmt =
                c.prepare("SELECT scope, number, reason, at FROM suppressions ORDER BY number, scope")?;
            Ok(stmt.query_map([], suppression)?.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn put_consents(&self, consents: Vec<Consent>) -> Result<usize, StoreError> {
        self.tx(move |tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO consents (scope, number, source, at, withdrawn_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (scope, number) DO UPDATE SET source = excluded.source, at = excluded.at,
                 withdrawn_at = excluded.withdrawn_at",
            )?;
            for c in &consents {
                stmt.execute(params![
                    c.scope.key(),
                    c.number,
                    c.source,
                    micros(c.at),
                    c.withdrawn_at.map(micros)
                ])?;
            }
            Ok(consents.len())
        })
        .await
    }

    async fn consents_among(&self, scope: &Scope, numbers: &[String]) -> Result<Vec<Consent>, StoreError> {
        let scope = scope.key().to_owned();
        let numbers = numbers.to_vec();
        self.run(move |c| {
            let mut out = Vec::new();
            let mut stmt = c.prepare_cached(
                "SELECT scope, number, source, at, withdrawn_at FROM consents
                 WHERE number = ?1 AND (scope = '' OR scope = ?2) ORDER BY scope",
            )?;
            for n in &numbers {
                let rows = stmt.query_map(params![n, scope], |r| {
                    Ok(Consent {
                        scope: Scope::from_key(&r.get::<_, String>(0)?),
                        number: r.get(1)?,
                        source: r.get(2)?,
                        at: time(r.get(3)?)?,
                        withdrawn_at: r.get::<_, Option<i64>>(4)?.map(time).transpose()?,
                    })
                })?;
                for r in rows {
                    out.push(r?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn create_campaign(
        &self,
        name: &str,
        chunk_size: u32,
        intent: Intent,
    ) -> Result<Option<Campaign>, StoreError> {
        let name = name.to_owned();
        self.tx(move |tx| {
            let exists: Option<String> =
                tx.query_row("SELECT name FROM campaigns WHERE name = ?1", [&name], |r| r.get(0)).optional()?;
            if exists.is_some() {
                return Ok(None);
            }
            let at = intent.message.created_at;
            let n = intent.recipients.len() as u64;
            let entries = insert_intent(tx, intent)?;
            let message = match entries.first() {
                Some(e) => e.message,
                None => tx.last_insert_rowid(),
            };
            tx.execute(
                "INSERT INTO campaigns (name, message, chunk_size, recipients, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, message, chunk_size, n as i64, micros(at)],
            )?;
            Ok(Some(Campaign { name, message, chunk_size, recipients: n, created_at: at }))
        })
        .await
    }

    async fn campaign(&self, name: &str) -> Result<Option<Campaign>, StoreError> {
        let name = name.to_owned();
        self.run(move |c| {
            Ok(c.query_row(
                "SELECT name, message, chunk_size, recipients, created_at FROM campaigns WHERE name = ?1",
                [name],
                |r| {
                    Ok(Campaign {
                        name: r.get(0)?,
                        message: r.get(1)?,
                        chunk_size: r.get(2)?,
                        recipients: r.get::<_, i64>(3)? as u64,
                        created_at: time(r.get(4)?)?,
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    async fn claim_client_ref(
        &self,
        account: &str,
        client_ref: &str,
        at: DateTime<Utc>,
    ) -> Result<RefClaim, StoreError> {
        let (account, client_ref) = (account.to_owned(), client_ref.to_owned());
        // BEGIN IMMEDIATE holds the file's write lock: one claimant at a time, across processes.
        self.tx(move |tx| {
            let n = tx
                .prepare_cached(
                    "INSERT INTO ref_claims (account, client_ref, at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (account, client_ref) DO NOTHING",
                )?
                .execute(params![account, client_ref, micros(at)])?;
            if n == 1 {
                return Ok(RefClaim::Claimed);
            }
            let first: i64 = tx
                .prepare_cached("SELECT at FROM ref_claims WHERE account = ?1 AND client_ref = ?2")?
                .query_row(params![account, client_ref], |r| r.get(0))?;
            Ok(RefClaim::Taken { at: time(first)?, message: message_of(tx, &account, &client_ref)? })
        })
        .await
    }

    async fn release_client_ref(&self, account: &str, client_ref: &str) -> Result<bool, StoreError> {
        let (account, client_ref) = (account.to_owned(), client_ref.to_owned());
        self.tx(move |tx| {
            if message_of(tx, &account, &client_ref)?.is_some() {
                return Ok(false);
            }
            Ok(tx.execute(
                "DELETE FROM ref_claims WHERE account = ?1 AND client_ref = ?2",
                params![account, client_ref],
            )? > 0)
        })
        .await
    }

    async fn put_sandbox_message(&self, m: crate::SandboxMessage) -> Result<(), StoreError> {
        self.run(move |c| sandbox::put(c, &m)).await
    }

    async fn sandbox_messages(&self) -> Result<Vec<crate::SandboxMessage>, StoreError> {
        self.run(|c| sandbox::all(c)).await
    }
}

/// The suppressions, global or of scope key `scope`, of any of `numbers`.
fn suppressed_in<'a>(
    c: &Connection,
    scope: &str,
    numbers: impl Iterator<Item = &'a String>,
) -> Result<Vec<Suppression>, StoreError> {
    let mut out = Vec::new();
    // Most ledgers suppress few numbers, and most sends meet none of them.
    let any: bool =
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM suppressions)")?.query_row([], |r| r.get(0))?;
    if !any {
        return Ok(out);
    }
    let numbers: Vec<&String> = numbers.collect();
    // One query per 500 numbers (well under SQLite's parameter limit).
    for part in numbers.chunks(500) {
        let sql = format!(
            "SELECT scope, number, reason, at FROM suppressions WHERE (scope = '' OR scope = ?1)
             AND number IN ({}) ORDER BY number, scope",
            in_list(part.len(), 2)
        );
        let mut stmt = c.prepare_cached(&sql)?;
        let args = std::iter::once(scope).chain(part.iter().map(|n| n.as_str()));
        for r in stmt.query_map(params_from_iter(args), suppression)? {
            out.push(r?);
        }
    }
    Ok(out)
}

/// The first message recorded with `client_ref` in `account`.
fn message_of(c: &Connection, account: &str, client_ref: &str) -> Result<Option<i64>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT id FROM messages WHERE client_ref = ?1 AND account = ?2 ORDER BY id LIMIT 1",
    )?
    .query_row(params![client_ref, account], |r| r.get(0))
    .optional()?)
}

fn suppression(r: &Row<'_>) -> rusqlite::Result<Suppression> {
    Ok(Suppression {
        scope: Scope::from_key(&r.get::<_, String>(0)?),
        number: r.get(1)?,
        reason: r.get(2)?,
        at: time(r.get(3)?)?,
    })
}
