//! [`SqliteStore`]: the embedded default, one SQLite file in WAL mode.
//!
//! One connection behind a mutex, used from `tokio::task::spawn_blocking`; every ingestion is
//! one `BEGIN IMMEDIATE` transaction, so concurrent ingestions are serialised and a limit or a
//! code can never be used twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{SendResult, Store, next_state};
use crate::error::StoreError;
use crate::ingest::{IngestPlan, Transaction, VoteCandidate, apply};
use crate::model::{
    Channel, Ingested, MessageQuery, OutboxDraft, OutboxEntry, OutboxState, Outcome, StoredMessage,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    gateway TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    text TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_received ON messages(received_at);
CREATE INDEX IF NOT EXISTS messages_receiver ON messages(receiver, row);
CREATE INDEX IF NOT EXISTS messages_sender ON messages(sender, row);
CREATE INDEX IF NOT EXISTS messages_bucket ON messages(kind, target, row);
CREATE TABLE IF NOT EXISTS votes (
    message_row INTEGER PRIMARY KEY REFERENCES messages(row),
    poll TEXT NOT NULL,
    sender TEXT NOT NULL,
    bucket TEXT NOT NULL,
    option TEXT NOT NULL,
    code TEXT
);
CREATE INDEX IF NOT EXISTS votes_limit ON votes(poll, sender, bucket);
CREATE TABLE IF NOT EXISTS counters (
    poll TEXT NOT NULL,
    option TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (poll, option)
);
CREATE TABLE IF NOT EXISTS codes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    poll TEXT NOT NULL,
    code TEXT NOT NULL,
    issued_to TEXT UNIQUE,
    UNIQUE (poll, code)
);
CREATE INDEX IF NOT EXISTS codes_free ON codes(poll, issued_to, seq);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_row INTEGER NOT NULL REFERENCES messages(row),
    channel TEXT NOT NULL,
    draft TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, channel, id);
";

/// A SQLite store (a file in WAL mode, or in memory for tests).
///
/// ```
/// use std::sync::Arc;
/// use bramka_inbound::{Config, Inbound, SqliteStore};
///
/// let store = SqliteStore::open_in_memory().unwrap(); // or SqliteStore::open("inbound.db")
/// let inbound = Inbound::new(Config::new(), Arc::new(store));
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| StoreError::Corrupt(format!("timestamp {v}")))
}

impl SqliteStore {
    /// Opens (or creates) the database file, switches it to WAL and creates the schema.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the file cannot be opened or created, cannot be switched to
    /// WAL, or the schema cannot be created.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!("could not switch to WAL (journal_mode is {mode})")));
        }
        Self::init(conn)
    }

    /// A private in-memory database (tests).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when SQLite cannot open an in-memory database or create the
    /// schema.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
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
}

struct SqlTx<'a>(&'a rusqlite::Transaction<'a>);

impl Transaction for SqlTx<'_> {
    fn find(&mut self, key: &str) -> Result<Option<(i64, Outcome)>, StoreError> {
        let row: Option<(i64, String)> = self
            .0
            .query_row("SELECT row, outcome FROM messages WHERE dedupe_key = ?1", [key], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(id, o)| Ok((id, serde_json::from_str(&o)?))).transpose()
    }
    fn count_votes(&mut self, poll: &str, sender: &str, bucket: &str) -> Result<u32, StoreError> {
        Ok(self.0.query_row(
            "SELECT COUNT(*) FROM votes WHERE poll = ?1 AND sender = ?2 AND bucket = ?3",
            params![poll, sender, bucket],
            |r| r.get(0),
        )?)
    }
    fn claim_code(&mut self, poll: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .query_row(
                "UPDATE codes SET issued_to = ?2 WHERE seq = \
                 (SELECT seq FROM codes WHERE poll = ?1 AND issued_to IS NULL ORDER BY seq LIMIT 1) \
                 RETURNING code",
                params![poll, key],
                |r| r.get(0),
            )
            .optional()?)
    }
    fn insert_message(&mut self, key: &str, m: &StoredMessage) -> Result<i64, StoreError> {
        let b = m.outcome.bucket();
        let bucket = b.parts();
        self.0.execute(
            "INSERT INTO messages (dedupe_key, gateway, message_id, sender, receiver, text, received_at, \
             first_seen, kind, target, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                key,
                m.gateway,
                m.message_id,
                m.from,
                m.to,
                m.text,
                micros(m.received_at),
                micros(m.first_seen),
                bucket.0,
                bucket.1,
                serde_json::to_string(&m.outcome)?
            ],
        )?;
        Ok(self.0.last_insert_rowid())
    }
    fn insert_vote(
        &mut self,
        row: i64,
        c: &VoteCandidate,
        sender: &str,
        code: Option<&str>,
    ) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO votes (message_row, poll, sender, bucket, option, code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![row, c.poll, sender, c.bucket, c.option, code],
        )?;
        self.0.execute(
            "INSERT INTO counters (poll, option, n) VALUES (?1, ?2, 1) \
             ON CONFLICT (poll, option) DO UPDATE SET n = n + 1",
            params![c.poll, c.option],
        )?;
        Ok(())
    }
    fn push_outbox(&mut self, message_row: i64, draft: &OutboxDraft) -> Result<i64, StoreError> {
        self.0.execute(
            "INSERT INTO outbox (message_row, channel, draft, state, detail) VALUES (?1, ?4, ?2, 'pending', ?3)",
            params![
                message_row,
                serde_json::to_string(draft)?,
                serde_json::to_string(&OutboxState::Pending)?,
                draft.channel.as_str()
            ],
        )?;
        Ok(self.0.last_insert_rowid())
    }
}

fn read_outbox(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, i64, String, String, u32)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn outbox_entry(t: (i64, i64, String, String, u32)) -> Result<OutboxEntry, StoreError> {
    Ok(OutboxEntry {
        id: t.0,
        message_row: t.1,
        draft: serde_json::from_str(&t.2)?,
        state: serde_json::from_str(&t.3)?,
        attempts: t.4,
    })
}

const OUTBOX_COLS: &str = "id, message_row, draft, detail, attempts";

#[async_trait]
impl Store for SqliteStore {
    async fn ingest(&self, plan: IngestPlan) -> Result<Ingested, StoreError> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let res = apply(&mut SqlTx(&tx), &plan)?;
            tx.commit()?;
            Ok(res)
        })
        .await
    }

    async fn add_codes(&self, poll: &str, codes: Vec<String>) -> Result<usize, StoreError> {
        let poll = poll.to_owned();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut added = 0;
            {
                let mut st = tx.prepare("INSERT OR IGNORE INTO codes (poll, code) VALUES (?1, ?2)")?;
                for code in &codes {
                    added += st.execute(params![poll, code])?;
                }
            }
            tx.commit()?;
            Ok(added)
        })
        .await
    }

    async fn codes_left(&self, poll: &str) -> Result<u64, StoreError> {
        let poll = poll.to_owned();
        self.run(move |c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM codes WHERE poll = ?1 AND issued_to IS NULL",
                [poll],
                |r| r.get(0),
            )?;
            Ok(n.max(0).unsigned_abs())
        })
        .await
    }

    async fn claim_outbox(&self, channel: Channel, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let rows = {
                let mut st = tx.prepare(&format!(
                    "SELECT {OUTBOX_COLS} FROM outbox WHERE state = 'pending' AND channel = ?2 ORDER BY id LIMIT ?1"
                ))?;
                st.query_map(params![limit, channel.as_str()], read_outbox)?.collect::<Result<Vec<_>, _>>()?
            };
            let detail = serde_json::to_string(&OutboxState::InFlight)?;
            let mut out = Vec::with_capacity(rows.len());
            for t in rows {
                tx.execute(
                    "UPDATE outbox SET state = 'in_flight', detail = ?2 WHERE id = ?1",
                    params![t.0, detail],
                )?;
                let mut e = outbox_entry(t)?;
                e.state = OutboxState::InFlight;
                out.push(e);
            }
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn finish_outbox(&self, id: i64, result: SendResult) -> Result<OutboxState, StoreError> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (state, attempts): (String, u32) = tx
                .query_row("SELECT state, attempts FROM outbox WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?
                .ok_or(StoreError::NotFound { what: "outbox entry", id: id.to_string() })?;
            if state != "in_flight" {
                return Err(StoreError::OutboxState { id, state, expected: "in_flight".into() });
            }
            let (next, attempts) = next_state(attempts, &result);
            tx.execute(
                "UPDATE outbox SET state = ?2, detail = ?3, attempts = ?4 WHERE id = ?1",
                params![id, next.as_str(), serde_json::to_string(&next)?, attempts],
            )?;
            tx.commit()?;
            Ok(next)
        })
        .await
    }

    async fn outbox(&self, state: Option<&str>) -> Result<Vec<OutboxEntry>, StoreError> {
        let state = state.map(str::to_owned);
        self.run(move |c| {
            let mut st = c.prepare(&format!(
                "SELECT {OUTBOX_COLS} FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id"
            ))?;
            let rows = st.query_map([state], read_outbox)?.collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(outbox_entry).collect()
        })
        .await
    }

    async fn messages_page(
        &self,
        query: &MessageQuery,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let q = query.clone();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |c| {
            let mut sql = String::from(
                "SELECT row, gateway, message_id, sender, receiver, text, received_at, first_seen, outcome \
                 FROM messages WHERE row > ?1",
            );
            let mut args: Vec<Value> = vec![Value::Integer(after)];
            let mut cond = |sql: &mut String, col: &str, op: &str, v: Value| {
                args.push(v);
                sql.push_str(&format!(" AND {col} {op} ?{}", args.len()));
            };
            if let Some(s) = q.since {
                cond(&mut sql, "received_at", ">=", Value::Integer(micros(s)));
            }
            if let Some(u) = q.until {
                cond(&mut sql, "received_at", "<", Value::Integer(micros(u)));
            }
            if let Some(t) = &q.to {
                cond(&mut sql, "receiver", "=", Value::Text(t.clone()));
            }
            if let Some(f) = &q.from {
                cond(&mut sql, "sender", "=", Value::Text(f.clone()));
            }
            if let Some(b) = &q.bucket {
                let (kind, target) = b.parts();
                cond(&mut sql, "kind", "=", Value::Text(kind.to_owned()));
                cond(&mut sql, "target", "=", Value::Text(target.to_owned()));
            }
            args.push(Value::Integer(limit));
            sql.push_str(&format!(" ORDER BY row LIMIT ?{}", args.len()));
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args), |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, String>(8)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|t| {
                    Ok(StoredMessage {
                        row: t.0,
                        gateway: t.1,
                        message_id: t.2,
                        from: t.3,
                        to: t.4,
                        text: t.5,
                        received_at: from_micros(t.6)?,
                        first_seen: from_micros(t.7)?,
                        outcome: serde_json::from_str(&t.8)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn vote_counts(&self, poll: &str) -> Result<BTreeMap<String, u64>, StoreError> {
        let poll = poll.to_owned();
        self.run(move |c| {
            let mut st = c.prepare("SELECT option, n FROM counters WHERE poll = ?1")?;
            let rows = st.query_map([poll], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0).unsigned_abs()))
            })?;
            Ok(rows.collect::<Result<BTreeMap<_, _>, _>>()?)
        })
        .await
    }

    async fn issued_codes(&self, poll: &str) -> Result<Vec<(String, String)>, StoreError> {
        let poll = poll.to_owned();
        self.run(move |c| {
            let mut st = c.prepare(
                "SELECT code, sender FROM votes WHERE poll = ?1 AND code IS NOT NULL ORDER BY message_row",
            )?;
            let rows = st.query_map([poll], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}
