//! [`PostgresStore`]: several service instances on one PostgreSQL database.
//!
//! The same [`apply`](crate::ingest::apply) as the other stores runs inside one `READ COMMITTED`
//! transaction per message (through [`replay`]), with these guarantees across instances:
//!
//! - **Exactly once**: `messages.dedupe_key` (gateway and operator message id) is unique. When two
//!   instances ingest the same webhook at once, the second insert waits for the first transaction
//!   and fails with a unique violation; the whole transaction is then retried and finds the stored
//!   message (a duplicate, with the first one's outcome).
//! - **Limits**: before counting a sender's votes the transaction takes a transaction-scoped
//!   advisory lock on (poll, sender, bucket), so two answers of one number are counted one after
//!   the other; the count is a fresh statement after the lock, so it sees the other's vote.
//! - **Codes**: a code is claimed with `FOR UPDATE SKIP LOCKED` (no waiting on codes other
//!   transactions hold); only when every free code is locked does it wait for one, so the pool is
//!   never reported empty while a code may still come back.
//! - **Counters** are split into 16 rows per option (by server backend), so concurrent writers do
//!   not queue on one hot row; [`Store::vote_counts`] adds them up.
//! - **Outbox**: claimed with `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`, in one
//!   statement, so each entry goes to exactly one dispatcher; an entry claimed by a dispatcher that
//!   dies stays `in_flight` and is never claimed again.
//! - Serialisation failures, deadlocks and unique violations roll the transaction back and retry
//!   it (up to [`MAX_RETRIES`] times, with a short growing pause).
//!
//! Row ids come from identity columns: increasing, but a row may become visible after a row with a
//! higher id that committed earlier. Exports that page by row id while messages arrive can
//! therefore miss a late row; page once ingestion has settled, or by time range.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bramka_postgres::{Migration, describe, migrate, retryable};
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio_postgres::types::ToSql;

use super::{SendResult, Store, next_state};
use crate::error::StoreError;
use crate::ingest::IngestPlan;
use crate::model::{Channel, Ingested, MessageQuery, OutboxEntry, OutboxState, StoredMessage};

mod replay;

pub use bramka_postgres::PostgresUrl;
use replay::{Answer, Op, drive};

/// How often a transaction that lost a race is retried before the error is returned.
pub const MAX_RETRIES: u32 = 30;

/// The schema component name in `bramka_schema`.
const COMPONENT: &str = "inbound";

/// The schema, version by version (same tables and columns as the SQLite store; times are
/// microseconds since the Unix epoch there and here).
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sql: r#"
CREATE TABLE messages (
    "row" BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    gateway TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    text TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX messages_received ON messages(received_at);
CREATE INDEX messages_receiver ON messages(receiver, "row");
CREATE INDEX messages_sender ON messages(sender, "row");
CREATE INDEX messages_bucket ON messages(kind, target, "row");
CREATE TABLE votes (
    message_row BIGINT PRIMARY KEY REFERENCES messages("row"),
    poll TEXT NOT NULL,
    sender TEXT NOT NULL,
    bucket TEXT NOT NULL,
    option TEXT NOT NULL,
    code TEXT
);
CREATE INDEX votes_limit ON votes(poll, sender, bucket);
CREATE TABLE counters (
    poll TEXT NOT NULL,
    option TEXT NOT NULL,
    shard SMALLINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (poll, option, shard)
);
CREATE TABLE codes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    poll TEXT NOT NULL,
    code TEXT NOT NULL,
    issued_to TEXT UNIQUE,
    UNIQUE (poll, code)
);
CREATE INDEX codes_free ON codes(poll, seq) WHERE issued_to IS NULL;
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_row BIGINT NOT NULL REFERENCES messages("row"),
    channel TEXT NOT NULL,
    draft TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_state ON outbox(state, channel, id);
CREATE INDEX outbox_message ON outbox(message_row);
"#,
}];

/// The newest schema version this code knows.
pub const SCHEMA_VERSION: i32 = 1;

/// A PostgreSQL store: a connection pool on one database, shared by any number of instances.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    url: PostgresUrl,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .field("pool_size", &s.size)
            .field("pool_max", &s.max_size)
            .finish()
    }
}

pub(crate) fn db(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(describe(&e))
}

/// An error inside a transaction: a database error may be retried, a store error is final.
type TxError = bramka_postgres::TxError<StoreError>;

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| StoreError::Corrupt(format!("timestamp {v}")))
}

fn outbox_entry(r: &tokio_postgres::Row) -> Result<OutboxEntry, StoreError> {
    let attempts: i32 = r.get(4);
    Ok(OutboxEntry {
        id: r.get(0),
        message_row: r.get(1),
        draft: serde_json::from_str(r.get(2))?,
        state: serde_json::from_str(r.get(3))?,
        attempts: attempts.max(0).unsigned_abs(),
    })
}

const OUTBOX_COLS: &str = "id, message_row, draft, detail, attempts";

impl PostgresStore {
    /// Connects with a pool of up to 16 connections and brings the schema up to date.
    ///
    /// # Errors
    ///
    /// The errors of [`connect_with_pool_size`](Self::connect_with_pool_size).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_pool_size(url, 16).await
    }

    /// Connects with a pool of up to `max_connections` connections (at least 1) and brings the
    /// schema up to date (refusing a schema newer than this code: [`StoreError::SchemaTooNew`]).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::InvalidUrl`] when `url` is not a PostgreSQL URL with a database name,
    /// [`StoreError::SchemaTooNew`] when the database's schema is newer than this code, and
    /// [`StoreError::Backend`] when connecting or migrating fails.
    pub async fn connect_with_pool_size(url: &str, max_connections: usize) -> Result<Self, StoreError> {
        let url = PostgresUrl::parse(url, "bramka-inbound")?;
        let pool = bramka_postgres::pool(&url, max_connections)?;
        let store = PostgresStore { pool, url };
        let mut client = store.client().await?;
        migrate(&mut client, COMPONENT, MIGRATIONS).await?;
        drop(client);
        Ok(store)
    }

    /// The URL connected to (password masked when printed).
    pub fn url(&self) -> &PostgresUrl {
        &self.url
    }

    /// The schema version of the database.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when no connection can be had from the pool or the query fails
    /// (for example when the schema was never created).
    pub async fn schema_version(&self) -> Result<i32, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one("SELECT version FROM bramka_schema WHERE component = $1", &[&COMPONENT])
            .await
            .map_err(db)?;
        Ok(row.get(0))
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await.map_err(|e| bramka_postgres::Error::from_pool(&self.url, e))?)
    }

    async fn ingest_once(
        client: &mut deadpool_postgres::Object,
        plan: &IngestPlan,
    ) -> Result<Ingested, TxError> {
        let txn = client.transaction().await?;
        let tx = &txn;
        let result = drive::<TxError, _, _>(plan, |op| async move {
            Ok(match op {
                Op::Find(key) => {
                    let st = tx
                        .prepare_cached("SELECT \"row\", outcome FROM messages WHERE dedupe_key = $1")
                        .await?;
                    match tx.query_opt(&st, &[&key]).await? {
                        Some(r) => Answer::Found(Some((
                            r.get(0),
                            serde_json::from_str(r.get(1)).map_err(StoreError::from)?,
                        ))),
                        None => Answer::Found(None),
                    }
                }
                Op::CountVotes { poll, sender, bucket } => {
                    let key = format!("{poll}\u{1f}{sender}\u{1f}{bucket}");
                    let lock =
                        tx.prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").await?;
                    tx.execute(&lock, &[&key]).await?;
                    // A new statement, so a new snapshot: it sees votes committed while we waited.
                    let st = tx
                        .prepare_cached(
                            "SELECT COUNT(*) FROM votes WHERE poll = $1 AND sender = $2 AND bucket = $3",
                        )
                        .await?;
                    let n: i64 = tx.query_one(&st, &[&poll, &sender, &bucket]).await?.get(0);
                    Answer::Count(u32::try_from(n).unwrap_or(u32::MAX))
                }
                Op::ClaimCode { poll, key } => Answer::Code(claim_code(tx, &poll, &key).await?),
                Op::InsertMessage { key, message: m } => {
                    let bucket = m.outcome.bucket();
                    let (kind, target) = bucket.parts();
                    let st = tx
                        .prepare_cached(
                            "INSERT INTO messages (dedupe_key, gateway, message_id, sender, receiver, text, \
                             received_at, first_seen, kind, target, outcome) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING \"row\"",
                        )
                        .await?;
                    let outcome = serde_json::to_string(&m.outcome).map_err(StoreError::from)?;
                    let row = tx
                        .query_one(
                            &st,
                            &[
                                &key,
                                &m.gateway,
                                &m.message_id,
                                &m.from,
                                &m.to,
                                &m.text,
                                &micros(m.received_at),
                                &micros(m.first_seen),
                                &kind,
                                &target,
                                &outcome,
                            ],
                        )
                        .await?;
                    Answer::Id(row.get(0))
                }
                Op::InsertVote { row, candidate: c, sender, code } => {
                    let st = tx
                        .prepare_cached(
                            "INSERT INTO votes (message_row, poll, sender, bucket, option, code) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .await?;
                    tx.execute(&st, &[&row, &c.poll, &sender, &c.bucket, &c.option, &code]).await?;
                    let st = tx
                        .prepare_cached(
                            "INSERT INTO counters (poll, option, shard, n) \
                             VALUES ($1, $2, (pg_backend_pid() % 16)::smallint, 1) \
                             ON CONFLICT (poll, option, shard) DO UPDATE SET n = counters.n + 1",
                        )
                        .await?;
                    tx.execute(&st, &[&c.poll, &c.option]).await?;
                    Answer::Done
                }
                Op::PushOutbox { row, draft } => {
                    let st = tx
                        .prepare_cached(
                            "INSERT INTO outbox (message_row, channel, draft, state, detail) \
                             VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
                        )
                        .await?;
                    let d = serde_json::to_string(&draft).map_err(StoreError::from)?;
                    let detail = serde_json::to_string(&OutboxState::Pending).map_err(StoreError::from)?;
                    let id = tx.query_one(&st, &[&row, &draft.channel.as_str(), &d, &detail]).await?.get(0);
                    Answer::Id(id)
                }
            })
        })
        .await?;
        txn.commit().await?;
        Ok(result)
    }
}

/// Claims the oldest free code of `poll` for `key`: skipping codes that other transactions hold,
/// and waiting for one of those only when no other is free.
async fn claim_code(
    tx: &deadpool_postgres::Transaction<'_>,
    poll: &str,
    key: &str,
) -> Result<Option<String>, tokio_postgres::Error> {
    let skip = tx
        .prepare_cached(
            "UPDATE codes SET issued_to = $2 WHERE seq = (SELECT seq FROM codes WHERE poll = $1 \
             AND issued_to IS NULL ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING code",
        )
        .await?;
    let any_free = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM codes WHERE poll = $1 AND issued_to IS NULL)")
        .await?;
    let wait = tx
        .prepare_cached(
            "UPDATE codes SET issued_to = $2 WHERE seq = (SELECT seq FROM codes WHERE poll = $1 \
             AND issued_to IS NULL ORDER BY seq LIMIT 1 FOR UPDATE) RETURNING code",
        )
        .await?;
    loop {
        if let Some(r) = tx.query_opt(&skip, &[&poll, &key]).await? {
            return Ok(Some(r.get(0)));
        }
        if !tx.query_one(&any_free, &[&poll]).await?.get::<_, bool>(0) {
            return Ok(None);
        }
        // Every free code is held by another transaction: wait for the first of them. If that
        // transaction keeps it, the row no longer qualifies and nothing is returned: look again.
        if let Some(r) = tx.query_opt(&wait, &[&poll, &key]).await? {
            return Ok(Some(r.get(0)));
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ingest(&self, plan: IngestPlan) -> Result<Ingested, StoreError> {
        let mut client = self.client().await?;
        let mut attempt = 0;
        loop {
            match Self::ingest_once(&mut client, &plan).await {
                Ok(r) => return Ok(r),
                Err(TxError::Store(e)) => return Err(e),
                Err(TxError::Db(e)) if retryable(&e) && attempt < MAX_RETRIES => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %describe(&e), "ingestion lost a race; retrying");
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(10)))).await;
                }
                Err(TxError::Db(e)) => return Err(db(e)),
            }
        }
    }

    async fn add_codes(&self, poll: &str, codes: Vec<String>) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO codes (poll, code) SELECT $1, c FROM unnest($2::text[]) WITH ORDINALITY AS u(c, i) \
                 ORDER BY i ON CONFLICT DO NOTHING",
                &[&poll, &codes],
            )
            .await
            .map_err(db)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn codes_left(&self, poll: &str) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one("SELECT COUNT(*) FROM codes WHERE poll = $1 AND issued_to IS NULL", &[&poll])
            .await
            .map_err(db)?
            .get(0);
        Ok(n.max(0).unsigned_abs())
    }

    async fn claim_outbox(&self, channel: Channel, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let client = self.client().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let detail = serde_json::to_string(&OutboxState::InFlight)?;
        let st = client
            .prepare_cached(&format!(
                "UPDATE outbox SET state = 'in_flight', detail = $3 WHERE id IN \
                 (SELECT id FROM outbox WHERE state = 'pending' AND channel = $1 ORDER BY id LIMIT $2 \
                 FOR UPDATE SKIP LOCKED) RETURNING {OUTBOX_COLS}"
            ))
            .await
            .map_err(db)?;
        let rows = client.query(&st, &[&channel.as_str(), &limit, &detail]).await.map_err(db)?;
        let mut out = rows.iter().map(outbox_entry).collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|e| e.id);
        Ok(out)
    }

    async fn finish_outbox(&self, id: i64, result: SendResult) -> Result<OutboxState, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let row = tx
            .query_opt("SELECT state, attempts FROM outbox WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { what: "outbox entry", id: id.to_string() })?;
        let state: String = row.get(0);
        let attempts: i32 = row.get(1);
        if state != "in_flight" {
            return Err(StoreError::OutboxState { id, state, expected: "in_flight".into() });
        }
        let (next, attempts) = next_state(attempts.max(0).unsigned_abs(), &result);
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        tx.execute(
            "UPDATE outbox SET state = $2, detail = $3, attempts = $4 WHERE id = $1",
            &[&id, &next.as_str(), &serde_json::to_string(&next)?, &attempts],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(next)
    }

    async fn outbox(&self, state: Option<&str>) -> Result<Vec<OutboxEntry>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {OUTBOX_COLS} FROM outbox WHERE $1::text IS NULL OR state = $1 ORDER BY id"),
                &[&state],
            )
            .await
            .map_err(db)?;
        rows.iter().map(outbox_entry).collect()
    }

    async fn messages_page(
        &self,
        query: &MessageQuery,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut sql = String::from(
            "SELECT \"row\", gateway, message_id, sender, receiver, text, received_at, first_seen, outcome \
             FROM messages WHERE \"row\" > $1",
        );
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(after)];
        let mut cond = |sql: &mut String, col: &str, op: &str, v: Box<dyn ToSql + Sync + Send>| {
            args.push(v);
            sql.push_str(&format!(" AND {col} {op} ${}", args.len()));
        };
        if let Some(s) = query.since {
            cond(&mut sql, "received_at", ">=", Box::new(micros(s)));
        }
        if let Some(u) = query.until {
            cond(&mut sql, "received_at", "<", Box::new(micros(u)));
        }
        if let Some(t) = &query.to {
            cond(&mut sql, "receiver", "=", Box::new(t.clone()));
        }
        if let Some(f) = &query.from {
            cond(&mut sql, "sender", "=", Box::new(f.clone()));
        }
        if let Some(b) = &query.bucket {
            let (kind, target) = b.parts();
            cond(&mut sql, "kind", "=", Box::new(kind.to_owned()));
            cond(&mut sql, "target", "=", Box::new(target.to_owned()));
        }
        args.push(Box::new(i64::try_from(limit).unwrap_or(i64::MAX)));
        sql.push_str(&format!(" ORDER BY \"row\" LIMIT ${}", args.len()));
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| &**a as &(dyn ToSql + Sync)).collect();
        let client = self.client().await?;
        let rows = client.query(&sql, &params).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(StoredMessage {
                    row: r.get(0),
                    gateway: r.get(1),
                    message_id: r.get(2),
                    from: r.get(3),
                    to: r.get(4),
                    text: r.get(5),
                    received_at: from_micros(r.get(6))?,
                    first_seen: from_micros(r.get(7))?,
                    outcome: serde_json::from_str(r.get(8))?,
                })
            })
            .collect()
    }

    async fn vote_counts(&self, poll: &str) -> Result<BTreeMap<String, u64>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT option, SUM(n)::BIGINT FROM counters WHERE poll = $1 GROUP BY option", &[&poll])
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get::<_, i64>(1).max(0).unsigned_abs())).collect())
    }

    async fn issued_codes(&self, poll: &str) -> Result<Vec<(String, String)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT code, sender FROM votes WHERE poll = $1 AND code IS NOT NULL ORDER BY message_row",
                &[&poll],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
