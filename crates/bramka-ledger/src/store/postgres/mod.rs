//! [`PostgresStore`]: several service instances on one PostgreSQL database.
//!
//! Every trait method is one `READ COMMITTED` transaction, with these guarantees across
//! instances (each with its own pool):
//!
//! - **Delivery reports applied once.** Applying a report and recording a send's answer both take
//!   transaction-scoped advisory locks first (on the operator message id, and on the client key
//!   when a report carries one or an answer leaves the entry without an id), then lock the entry's
//!   row. Two instances applying the same report run one after the other, and the second sees the
//!   first's state ([`crate::rules::after_delivery`] then changes nothing). A report that arrives
//!   while the send's answer is being recorded is either seen as an orphan by that transaction or
//!   finds the entry after it: never lost between the two.
//! - **Claims are exclusive.** [`Store::claim`] is one `UPDATE … WHERE state = ANY(from)`; a
//!   second instance's update of the same row waits for the first and then no longer matches.
//! - **Campaigns resumable by any instance.** Each store holds, on one dedicated connection, a
//!   session advisory lock on its instance id for as long as it lives, and writes that id into the
//!   entries it moves to `pending`. [`Store::recover`] turns `pending` into `uncertain` only for
//!   its own entries and for those of instances whose lock is gone (their process died, so their
//!   connection closed); the entries another live instance is sending are left alone. So instance
//!   B resumes what a dead instance A left, and two live instances running one campaign share its
//!   chunks without either losing the other's answers.
//! - Serialisation failures, deadlocks and unique violations (two instances creating one
//!   campaign) roll the transaction back and retry it, up to [`MAX_RETRIES`] times.
//!
//! Row ids come from identity columns: increasing, but a row may become visible after a row with
//! a higher id that committed earlier; export by id once sends have settled, or by time range.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bramka_postgres::{describe, retryable};
use chrono::{DateTime, Utc};
use deadpool_postgres::{Pool, Transaction};
use tokio_postgres::types::ToSql;

use super::Store;
use crate::error::StoreError;
use crate::model::recipient_key;
use crate::model::{
    Applied, Campaign, Consent, Delivery, Entry, Intent, MessageRecord, Outcome, Query, RefClaim, Scope,
    State, Suppression,
};
use crate::options::SendOptions;
use crate::rules::{after_delivery, key_candidates};

mod jobs;
mod links;
mod schema;

pub use bramka_postgres::PostgresUrl;

/// How often a transaction that lost a race is retried before the error is returned.
pub(crate) const MAX_RETRIES: u32 = 30;

/// The schema component name in `bramka_schema`.
const COMPONENT: &str = "ledger";

/// The first key of the instance locks (`pg_advisory_lock(INSTANCE_CLASS, id)`): "ledg" in ASCII.
const INSTANCE_CLASS: i32 = 0x6c65_6467;

const ENTRY_COLS: &str = "id, message, client_ref, account, gateway, sender, campaign, recipient, state, \
    operator_id, error_kind, error_code, error_message, certainty, parts, price, currency, delivery_status, \
    created_at, updated_at";

const ORPHAN_COLS: &str =
    "gateway, operator_id, state, raw_status, error_code, recipient, price, currency, at, client_ref";

/// A PostgreSQL ledger store: a connection pool on one database, shared by any number of
/// instances, plus one connection that holds this instance's lock (see the module docs).
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use bramka_ledger::{Ledger, PostgresStore};
///
/// // Needs a PostgreSQL server; migrates the schema on connect.
/// let store = PostgresStore::connect("postgres://bramka:s3cret@localhost/sms").await.unwrap();
/// let ledger = Ledger::new(Arc::new(store));
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    url: PostgresUrl,
    instance: i32,
    // Dropped with the last clone: the connection closes and the instance lock is released.
    _lease: Arc<tokio_postgres::Client>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .field("instance", &self.instance)
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

/// Runs `$body` (which uses the transaction `$tx` and returns `Result<_, TxError>`) in a fresh
/// transaction, committing it; retries the whole transaction when it lost a race.
macro_rules! retrying {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let mut attempt = 0u32;
        loop {
            let result: Result<_, TxError> = async {
                let $tx = client.transaction().await?;
                let out = { $body };
                $tx.commit().await?;
                Ok(out)
            }
            .await;
            match result {
                Ok(v) => break Ok(v),
                Err(TxError::Store(e)) => break Err(e),
                Err(TxError::Db(e)) if retryable(&e) && attempt < MAX_RETRIES => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %describe(&e), "ledger transaction lost a race; retrying");
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(10)))).await;
                }
                Err(TxError::Db(e)) => break Err(db(e)),
            }
        }
    }};
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn time(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| StoreError::Corrupt(format!("timestamp {v}")))
}

fn state(s: &str) -> Result<State, StoreError> {
    State::parse(s).ok_or_else(|| StoreError::Corrupt(format!("state {s:?}")))
}

fn count(v: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v}")))
}

fn entry(r: &tokio_postgres::Row) -> Result<Entry, StoreError> {
    Ok(Entry {
        id: r.get(0),
        message: r.get(1),
        client_ref: r.get(2),
        account: r.get(3),
        gateway: r.get(4),
        sender: r.get(5),
        campaign: r.get(6),
        to: r.get(7),
        state: state(r.get(8))?,
        operator_id: r.get(9),
        error_kind: r.get(10),
        error_code: r.get(11),
        error_message: r.get(12),
        certainty: r.get(13),
        parts: r.get::<_, Option<i64>>(14).map(|p| count(p, "parts")).transpose()?,
        price: r.get(15),
        currency: r.get(16),
        delivery_status: r.get(17),
        created_at: time(r.get(18))?,
        updated_at: time(r.get(19))?,
    })
}

fn delivery(r: &tokio_postgres::Row) -> Result<Delivery, StoreError> {
    let mut d = Delivery::new(
        r.get::<_, String>(0),
        r.get::<_, String>(1),
        state(r.get(2))?,
        r.get::<_, String>(3),
        time(r.get(8))?,
    );
    d.error_code = r.get(4);
    d.to = r.get(5);
    d.price = r.get(6);
    d.currency = r.get(7);
    d.client_ref = r.get(9);
    Ok(d)
}

fn suppression(r: &tokio_postgres::Row) -> Result<Suppression, StoreError> {
    Ok(Suppression::new(
        r.get::<_, String>(1),
        Scope::from_key(r.get(0)),
        r.get::<_, String>(2),
        time(r.get(3))?,
    ))
}

fn consent(r: &tokio_postgres::Row) -> Result<Consent, StoreError> {
    let mut c = Consent::new(
        r.get::<_, String>(1),
        Scope::from_key(r.get(0)),
        r.get::<_, String>(2),
        time(r.get(3))?,
    );
    c.withdrawn_at = r.get::<_, Option<i64>>(4).map(time).transpose()?;
    Ok(c)
}

/// The lock name of an operator message id.
fn op_lock(operator_id: &str) -> String {
    format!("ledger op {operator_id}")
}

/// The lock name of a per-recipient client key ([`Entry::recipient_key`]).
fn key_lock(key: &str) -> String {
    format!("ledger key {key}")
}

/// Serialises the transactions that touch one operator message id or one client key (applying a
/// report, recording the answer that carries the id or leaves the entry to be found by its key),
/// until the transaction ends. Transactions take these locks before any row lock, sorted, so two
/// of them do not wait for each other in a cycle (a deadlock would be detected and retried).
async fn lock_names(tx: &Transaction<'_>, mut names: Vec<String>) -> Result<(), tokio_postgres::Error> {
    names.sort_unstable();
    names.dedup();
    let st = tx.prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").await?;
    for n in &names {
        tx.execute(&st, &[n]).await?;
    }
    Ok(())
}

async fn get_entry(tx: &Transaction<'_>, id: i64) -> Result<Entry, TxError> {
    let st = tx.prepare_cached(&format!("SELECT {ENTRY_COLS} FROM ledger_entries WHERE id = $1")).await?;
    match tx.query_opt(&st, &[&id]).await? {
        Some(r) => Ok(entry(&r)?),
        None => Err(StoreError::Corrupt(format!("entry {id} not found")).into()),
    }
}

/// Gives an entry matched by client key the report's gateway and operator id.
async fn adopt_id(tx: &Transaction<'_>, e: &mut Entry, d: &Delivery) -> Result<(), tokio_postgres::Error> {
    let st =
        tx.prepare_cached("UPDATE ledger_entries SET gateway = $2, operator_id = $3 WHERE id = $1").await?;
    tx.execute(&st, &[&e.id, &d.gateway, &d.operator_id]).await?;
    e.gateway = d.gateway.clone();
    e.operator_id = Some(d.operator_id.clone());
    Ok(())
}

/// Applies (and removes) the orphan reports of `rows` to `e`, in order.
async fn apply_orphans(
    tx: &Transaction<'_>,
    e: &mut Entry,
    rows: Vec<tokio_postgres::Row>,
) -> Result<(), TxError> {
    for r in rows {
        let d = delivery(&r)?;
        if e.operator_id.is_none() {
            adopt_id(tx, e, &d).await?;
        }
        if let Some(next) = write_delivery(tx, e, &d).await? {
            *e = next;
        }
        let seq: i64 = r.get(10);
        tx.execute("DELETE FROM ledger_orphans WHERE seq = $1", &[&seq]).await?;
    }
    Ok(())
}

/// Applies the orphan reports waiting for entry `id`, which just took its outcome: by (gateway,
/// operator id), or by client key when it has none (it then takes the first one's id, and the
/// reports that came by that id alone follow).
async fn join_orphans(tx: &Transaction<'_>, id: i64) -> Result<(), TxError> {
    let mut e = get_entry(tx, id).await?;
    if e.operator_id.is_none() {
        let by_key = tx
            .prepare_cached(&format!(
                "SELECT {ORPHAN_COLS}, seq FROM ledger_orphans WHERE client_ref = $1 ORDER BY seq FOR UPDATE"
            ))
            .await?;
        let rows = tx.query(&by_key, &[&e.recipient_key()]).await?;
        apply_orphans(tx, &mut e, rows).await?;
        let Some(op) = e.operator_id.clone() else { return Ok(()) };
        // The id it took may have reports of its own (without the key), from transactions that
        // hold that id's lock: wait for them; the next statement then sees what they left.
        lock_names(tx, vec![op_lock(&op)]).await?;
    }
    if let Some(op) = e.operator_id.clone() {
        let by_id = tx
            .prepare_cached(&format!(
                "SELECT {ORPHAN_COLS}, seq FROM ledger_orphans WHERE gateway = $1 AND operator_id = $2
                 ORDER BY seq FOR UPDATE"
            ))
            .await?;
        let rows = tx.query(&by_id, &[&e.gateway, &op]).await?;
        apply_orphans(tx, &mut e, rows).await?;
    }
    Ok(())
}

/// Applies `d` to the (locked) entry `e` by the rules; `None` when it changes nothing.
async fn write_delivery(tx: &Transaction<'_>, e: &Entry, d: &Delivery) -> Result<Option<Entry>, TxError> {
    let Some(next) = after_delivery(e.state, d.state) else { return Ok(None) };
    let st = tx
        .prepare_cached(&format!(
            "UPDATE ledger_entries SET state = $2, delivery_status = $3, error_code = COALESCE($4, error_code),
             price = COALESCE($5, price), currency = CASE WHEN $5::float8 IS NULL THEN currency ELSE $6 END,
             updated_at = GREATEST(updated_at, $7) WHERE id = $1 RETURNING {ENTRY_COLS}"
        ))
        .await?;
    let row = tx
        .query_one(
            &st,
            &[&e.id, &next.as_str(), &d.raw_status, &d.error_code, &d.price, &d.currency, &micros(d.at)],
        )
        .await?;
    Ok(Some(entry(&row)?))
}

/// Writes the message and its entries; returns the message id and the entries.
async fn insert_intent(
    tx: &Transaction<'_>,
    intent: &Intent,
    claimer: i32,
) -> Result<(i64, Vec<Entry>), TxError> {
    let m = &intent.message;
    let row = tx
        .query_one(
            "INSERT INTO ledger_messages (client_ref, account, gateway, sender, text, encoding, parts, send_at, \
             campaign, created_at, options) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                &m.client_ref,
                &m.account,
                &m.gateway,
                &m.sender,
                &m.text,
                &m.encoding,
                &i64::from(m.parts),
                &m.send_at.map(micros),
                &m.campaign,
                &micros(m.created_at),
                &m.options.to_json(),
            ],
        )
        .await?;
    let message: i64 = row.get(0);
    if intent.recipients.is_empty() {
        return Ok((message, Vec::new()));
    }
    let (to, refs): (Vec<&str>, Vec<&str>) =
        intent.recipients.iter().map(|(t, r)| (t.as_str(), r.as_str())).unzip();
    let claimer = (intent.initial == State::Pending).then_some(claimer);
    // One statement for every recipient; ids follow the ORDER BY, so sorted ids match recipients.
    let st = tx
        .prepare_cached(
            "INSERT INTO ledger_entries (message, client_ref, account, gateway, sender, campaign, recipient, state, \
             created_at, updated_at, claimer)
             SELECT $1, u.r, $2, $3, $4, $5, u.t, $6, $7, $7, $8
             FROM unnest($9::text[], $10::text[]) WITH ORDINALITY AS u(t, r, i) ORDER BY u.i RETURNING id",
        )
        .await?;
    let rows = tx
        .query(
            &st,
            &[
                &message,
                &m.account,
                &m.gateway,
                &m.sender,
                &m.campaign,
                &intent.initial.as_str(),
                &micros(m.created_at),
                &claimer,
                &to,
                &refs,
            ],
        )
        .await?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    ids.sort_unstable();
    if ids.len() != intent.recipients.len() {
        return Err(StoreError::Corrupt(format!(
            "{} entries written for {} recipients",
            ids.len(),
            intent.recipients.len()
        ))
        .into());
    }
    let entries = ids
        .into_iter()
        .zip(&intent.recipients)
        .map(|(id, (to, r))| Entry::new(id, message, m, to.clone(), r.clone(), intent.initial))
        .collect();
    Ok((message, entries))
}

impl PostgresStore {
    /// Connects with a pool of up to 16 connections and brings the schema up to date.
    ///
    /// # Errors
    ///
    /// The errors of [`connect_with_pool_size`](Self::connect_with_pool_size).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_pool_size(url, 16).await
    }

    /// Connects with a pool of up to `max_connections` connections (at least 1), plus the one
    /// connection that holds this instance's lock, and brings the schema up to date (refusing a
    /// schema newer than this code: [`StoreError::SchemaTooNew`]).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::InvalidUrl`] when `url` is not a PostgreSQL URL with a database name,
    /// [`StoreError::SchemaTooNew`] when the database's ledger schema is newer than this code, and
    /// [`StoreError::Backend`] when connecting, migrating or taking the instance lock fails.
    pub async fn connect_with_pool_size(url: &str, max_connections: usize) -> Result<Self, StoreError> {
        let url = PostgresUrl::parse(url, "bramka-ledger")?;
        let pool = bramka_postgres::pool(&url, max_connections)?;
        {
            let mut client = pool.get().await.map_err(|e| bramka_postgres::Error::from_pool(&url, e))?;
            bramka_postgres::migrate(&mut client, COMPONENT, schema::MIGRATIONS).await?;
        }
        let (lease, connection) = url
            .config()
            .connect(bramka_postgres::tls()?)
            .await
            .map_err(|e| bramka_postgres::Error::from_connect(&url, &e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %describe(&e), "the ledger's instance-lock connection closed");
            }
        });
        let instance: i32 =
            lease.query_one("SELECT nextval('ledger_instance_seq')::integer", &[]).await.map_err(db)?.get(0);
        lease.execute("SELECT pg_advisory_lock($1, $2)", &[&INSTANCE_CLASS, &instance]).await.map_err(db)?;
        Ok(PostgresStore { pool, url, instance, _lease: Arc::new(lease) })
    }

    /// The URL connected to (password masked when printed).
    pub fn url(&self) -> &PostgresUrl {
        &self.url
    }

    /// This store's instance id: written into the entries it moves to `pending`, and locked (as
    /// `pg_advisory_lock(1818584167, id)`) for as long as the store lives.
    pub fn instance_id(&self) -> i32 {
        self.instance
    }

    /// The schema version of the ledger's tables in the database.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when no connection can be had from the pool or the query
    /// fails (for example when the schema was never created).
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one("SELECT version FROM bramka_schema WHERE component = $1", &[&COMPONENT])
            .await
            .map_err(db)?;
        Ok(row.get::<_, i32>(0).max(0).unsigned_abs())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await.map_err(|e| bramka_postgres::Error::from_pool(&self.url, e))?)
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn record_intent(&self, intent: Intent) -> Result<Vec<Entry>, StoreError> {
        let claimer = self.instance;
        retrying!(self, |tx| insert_intent(&tx, &intent, claimer).await?.1)
    }

    async fn claim(
        &self,
        entries: &[i64],
        from: &[State],
        at: DateTime<Utc>,
    ) -> Result<Vec<Entry>, StoreError> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let claimer = self.instance;
        let mut rows = retrying!(self, |tx| {
            // A concurrent claim of the same row waits for ours, then no longer matches `from`.
            let st = tx
                .prepare_cached(&format!(
                    "UPDATE ledger_entries SET state = 'pending', updated_at = $3, claimer = $4
                     WHERE id = ANY($1) AND state = ANY($2) RETURNING {ENTRY_COLS}"
                ))
                .await?;
            let rows = tx.query(&st, &[&entries, &from, &micros(at), &claimer]).await?;
            rows.iter().map(entry).collect::<Result<Vec<_>, _>>()?
        })?;
        // In the order asked for.
        rows.sort_by_key(|e| entries.iter().position(|x| *x == e.id));
        Ok(rows)
    }

    async fn record_outcomes(&self, outcomes: Vec<Outcome>) -> Result<usize, StoreError> {
        let without_id: Vec<i64> =
            outcomes.iter().filter(|o| o.operator_id.is_none()).map(|o| o.entry).collect();
        retrying!(self, |tx| {
            // The locks first: the operator ids the outcomes carry, and the client keys of the
            // entries left without one (reports find those by key).
            let mut names: Vec<String> =
                outcomes.iter().filter_map(|o| o.operator_id.as_deref()).map(op_lock).collect();
            if !without_id.is_empty() {
                let keys = tx
                    .query(
                        "SELECT client_ref, recipient FROM ledger_entries WHERE id = ANY($1)",
                        &[&without_id],
                    )
                    .await?;
                for r in keys {
                    let (client_ref, to): (String, String) = (r.get(0), r.get(1));
                    names.push(key_lock(&recipient_key(&client_ref, &to)));
                }
            }
            lock_names(&tx, names).await?;
            // Only a pending entry takes an outcome (rules::after_outcome), checked in the UPDATE.
            let upd = tx
                .prepare_cached(
                    "UPDATE ledger_entries SET state = $2, gateway = COALESCE($3, gateway), operator_id = $4,
                     error_kind = $5, error_code = $6, error_message = $7, certainty = $8, parts = $9, price = $10,
                     currency = $11, updated_at = $12
                     WHERE id = $1 AND state = 'pending' AND $2 <> 'pending'",
                )
                .await?;
            // A fresh statement after the locks: it sees the orphans their holders committed.
            let any_orphans: bool =
                tx.query_one("SELECT EXISTS (SELECT 1 FROM ledger_orphans)", &[]).await?.get(0);
            let mut n = 0;
            for o in &outcomes {
                let parts = o.parts.map(i64::from);
                let changed = tx
                    .execute(
                        &upd,
                        &[
                            &o.entry,
                            &o.state.as_str(),
                            &o.gateway,
                            &o.operator_id,
                            &o.error_kind,
                            &o.error_code,
                            &o.error_message,
                            &o.certainty,
                            &parts,
                            &o.price,
                            &o.currency,
                            &micros(o.at),
                        ],
                    )
                    .await?;
                if changed == 0 {
                    let known =
                        tx.query_opt("SELECT 1 FROM ledger_entries WHERE id = $1", &[&o.entry]).await?;
                    if known.is_none() {
                        return Err(
                            StoreError::Corrupt(format!("outcome for unknown entry {}", o.entry)).into()
                        );
                    }
                    continue;
                }
                n += 1;
                if any_orphans {
                    join_orphans(&tx, o.entry).await?;
                }
            }
            n
        })
    }

    async fn apply_delivery(&self, d: Delivery) -> Result<Applied, StoreError> {
        retrying!(self, |tx| {
            let mut names = vec![op_lock(&d.operator_id)];
            names.extend(d.client_ref.as_deref().map(key_lock));
            lock_names(&tx, names).await?;
            // Fresh statements after the locks: they see what the previous holders committed.
            let by_id = tx
                .prepare_cached(&format!(
                    "SELECT {ENTRY_COLS} FROM ledger_entries WHERE gateway = $1 AND operator_id = $2
                     ORDER BY id LIMIT 1 FOR UPDATE"
                ))
                .await?;
            let mut found =
                tx.query_opt(&by_id, &[&d.gateway, &d.operator_id]).await?.map(|r| entry(&r)).transpose()?;
            let adopt = found.is_none();
            if let (true, Some(key)) = (adopt, &d.client_ref) {
                let (refs, tos): (Vec<String>, Vec<String>) =
                    key_candidates(key, d.to.as_deref()).into_iter().unzip();
                if !refs.is_empty() {
                    // An attempted entry without an operator id whose key this is, the lowest id.
                    let by_key = tx
                        .prepare_cached(&format!(
                            "SELECT {ENTRY_COLS} FROM ledger_entries
                             WHERE (client_ref, recipient) IN (SELECT * FROM unnest($1::text[], $2::text[]))
                             AND operator_id IS NULL AND state NOT IN ('not_attempted', 'pending')
                             ORDER BY id LIMIT 1 FOR UPDATE"
                        ))
                        .await?;
                    found = tx.query_opt(&by_key, &[&refs, &tos]).await?.map(|r| entry(&r)).transpose()?;
                }
            }
            match found {
                Some(e) => {
                    let mut target = e.clone();
                    if adopt {
                        if after_delivery(e.state, d.state).is_some() {
                            adopt_id(&tx, &mut target, &d).await?;
                        } else {
                            target.gateway = d.gateway.clone();
                            target.operator_id = Some(d.operator_id.clone());
                        }
                    }
                    match write_delivery(&tx, &target, &d).await? {
                        Some(after) => Applied::Updated { entry: after, from: e.state },
                        None => Applied::Unchanged { entry: e },
                    }
                }
                None => {
                    tx.execute(
                        &format!(
                            "INSERT INTO ledger_orphans ({ORPHAN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                        ),
                        &[
                            &d.gateway,
                            &d.operator_id,
                            &d.state.as_str(),
                            &d.raw_status,
                            &d.error_code,
                            &d.to,
                            &d.price,
                            &d.currency,
                            &micros(d.at),
                            &d.client_ref,
                        ],
                    )
                    .await?;
                    Applied::Orphaned
                }
            }
        })
    }

    async fn recover(&self, campaign: Option<&str>, at: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
        let me = self.instance;
        let mut rows = retrying!(self, |tx| {
            let claimers = tx
                .query(
                    "SELECT DISTINCT claimer FROM ledger_entries WHERE state = 'pending' \
                     AND ($1::text IS NULL OR campaign = $1) AND claimer IS NOT NULL",
                    &[&campaign],
                )
                .await?;
            // An instance is gone when its lock is free: taking it (until this transaction ends)
            // succeeds only then.
            let mut gone = vec![me];
            for r in claimers {
                let c: i32 = r.get(0);
                if c == me {
                    continue;
                }
                let free: bool = tx
                    .query_one("SELECT pg_try_advisory_xact_lock($1, $2)", &[&INSTANCE_CLASS, &c])
                    .await?
                    .get(0);
                if free {
                    gone.push(c);
                }
            }
            let why = "interrupted between the request and its answer";
            let rows = tx
                .query(
                    &format!(
                        "UPDATE ledger_entries SET state = 'uncertain', certainty = 'maybe_sent', error_message = $3,
                         updated_at = $4
                         WHERE state = 'pending' AND ($1::text IS NULL OR campaign = $1)
                         AND (claimer IS NULL OR claimer = ANY($2)) RETURNING {ENTRY_COLS}"
                    ),
                    &[&campaign, &gone, &why, &micros(at)],
                )
                .await?;
            rows.iter().map(entry).collect::<Result<Vec<_>, _>>()?
        })?;
        rows.sort_by_key(|e| e.id);
        Ok(rows)
    }

    async fn entries_page(&self, query: &Query, after: i64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut sql = format!("SELECT {ENTRY_COLS} FROM ledger_entries WHERE id > $1");
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(after)];
        let mut cond = |sql: &mut String, cond: &str, v: Box<dyn ToSql + Sync + Send>| {
            args.push(v);
            sql.push_str(&format!(" AND {cond} ${}", args.len()));
        };
        if let Some(t) = query.from {
            cond(&mut sql, "created_at >=", Box::new(micros(t)));
        }
        if let Some(t) = query.until {
            cond(&mut sql, "created_at <", Box::new(micros(t)));
        }
        if let Some(a) = &query.account {
            cond(&mut sql, "account =", Box::new(a.clone()));
        }
        if let Some(s) = &query.sender {
            cond(&mut sql, "sender =", Box::new(s.clone()));
        }
        if let Some(r) = &query.recipient {
            cond(&mut sql, "recipient =", Box::new(r.clone()));
        }
        if let Some(c) = &query.campaign {
            cond(&mut sql, "campaign =", Box::new(c.clone()));
        }
        if let Some(o) = &query.operator_id {
            cond(&mut sql, "operator_id =", Box::new(o.clone()));
        }
        if let Some(r) = &query.client_ref {
            cond(&mut sql, "client_ref =", Box::new(r.clone()));
        }
        if !query.states.is_empty() {
            let states: Vec<String> = query.states.iter().map(|s| s.as_str().to_owned()).collect();
            args.push(Box::new(states));
            sql.push_str(&format!(" AND state = ANY(${})", args.len()));
        }
        args.push(Box::new(i64::try_from(limit).unwrap_or(i64::MAX)));
        sql.push_str(&format!(" ORDER BY id LIMIT ${}", args.len()));
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| &**a as &(dyn ToSql + Sync)).collect();
        let client = self.client().await?;
        let rows = client.query(&sql, &params).await.map_err(db)?;
        rows.iter().map(entry).collect()
    }

    async fn message(&self, id: i64) -> Result<Option<MessageRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, client_ref, account, gateway, sender, text, encoding, parts, send_at, campaign, created_at,
                 options FROM ledger_messages WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(MessageRecord {
                id: r.get(0),
                client_ref: r.get(1),
                account: r.get(2),
                gateway: r.get(3),
                sender: r.get(4),
                text: r.get(5),
                encoding: r.get(6),
                parts: count(r.get(7), "parts")?,
                send_at: r.get::<_, Option<i64>>(8).map(time).transpose()?,
                campaign: r.get(9),
                options: SendOptions::from_json(r.get(11))?,
                created_at: time(r.get(10))?,
            })
        })
        .transpose()
    }

    async fn orphans(&self) -> Result<Vec<Delivery>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("SELECT {ORPHAN_COLS} FROM ledger_orphans ORDER BY seq"), &[])
            .await
            .map_err(db)?;
        rows.iter().map(delivery).collect()
    }

    async fn suppress(&self, s: Suppression) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO ledger_suppressions (scope, number, reason, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (scope, number) DO NOTHING",
                &[&s.scope.key(), &s.number, &s.reason, &micros(s.at)],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn lift(&self, scope: &Scope, number: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM ledger_suppressions WHERE scope = $1 AND number = $2",
                &[&scope.key(), &number],
            )
            .await
            .map_err(db)?;
        Ok(n > 0)
    }

    async fn suppressed_among(
        &self,
        scope: &Scope,
        numbers: &[String],
    ) -> Result<Vec<Suppression>, StoreError> {
        let client = self.client().await?;
        let st = client
            .prepare_cached(
                "SELECT scope, number, reason, at FROM ledger_suppressions
                 WHERE (scope = '' OR scope = $1) AND number = ANY($2) ORDER BY number, scope",
            )
            .await
            .map_err(db)?;
        let rows = client.query(&st, &[&scope.key(), &numbers]).await.map_err(db)?;
        rows.iter().map(suppression).collect()
    }

    async fn suppressions(&self) -> Result<Vec<Suppression>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT scope, number, reason, at FROM ledger_suppressions ORDER BY number, scope", &[])
            .await
            .map_err(db)?;
        rows.iter().map(suppression).collect()
    }

    async fn put_consents(&self, consents: Vec<Consent>) -> Result<usize, StoreError> {
        retrying!(self, |tx| {
            let st = tx
                .prepare_cached(
                    "INSERT INTO ledger_consents (scope, number, source, at, withdrawn_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (scope, number) DO UPDATE SET source = excluded.source, at = excluded.at,
                     withdrawn_at = excluded.withdrawn_at",
                )
                .await?;
            for c in &consents {
                tx.execute(
                    &st,
                    &[&c.scope.key(), &c.number, &c.source, &micros(c.at), &c.withdrawn_at.map(micros)],
                )
                .await?;
            }
            consents.len()
        })
    }

    async fn consents_among(&self, scope: &Scope, numbers: &[String]) -> Result<Vec<Consent>, StoreError> {
        let client = self.client().await?;
        let st = client
            .prepare_cached(
                "SELECT scope, number, source, at, withdrawn_at FROM ledger_consents
                 WHERE (scope = '' OR scope = $1) AND number = ANY($2) ORDER BY number, scope",
            )
            .await
            .map_err(db)?;
        let rows = client.query(&st, &[&scope.key(), &numbers]).await.map_err(db)?;
        rows.iter().map(consent).collect()
    }

    async fn create_campaign(
        &self,
        name: &str,
        chunk_size: u32,
        intent: Intent,
    ) -> Result<Option<Campaign>, StoreError> {
        let claimer = self.instance;
        retrying!(self, |tx| {
            let exists = tx.query_opt("SELECT 1 FROM ledger_campaigns WHERE name = $1", &[&name]).await?;
            if exists.is_some() {
                None
            } else {
                let at = intent.message.created_at;
                let n = intent.recipients.len() as u64;
                let (message, _) = insert_intent(&tx, &intent, claimer).await?;
                // Two instances creating one campaign: the second waits here for the first, fails
                // on the key and is retried, then finds the campaign.
                tx.execute(
                    "INSERT INTO ledger_campaigns (name, message, chunk_size, recipients, created_at)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[&name, &message, &i64::from(chunk_size), &(n as i64), &micros(at)],
                )
                .await?;
                Some(Campaign { name: name.to_owned(), message, chunk_size, recipients: n, created_at: at })
            }
        })
    }

    async fn campaign(&self, name: &str) -> Result<Option<Campaign>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT name, message, chunk_size, recipients, created_at FROM ledger_campaigns WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(Campaign {
                name: r.get(0),
                message: r.get(1),
                chunk_size: count(r.get(2), "chunk size")?,
                recipients: r.get::<_, i64>(3).max(0).unsigned_abs(),
                created_at: time(r.get(4))?,
            })
        })
        .transpose()
    }

    async fn claim_client_ref(
        &self,
        account: &str,
        client_ref: &str,
        at: DateTime<Utc>,
    ) -> Result<RefClaim, StoreError> {
        retrying!(self, |tx| {
            let mut answer = None;
            // A concurrent insert of the same key waits for the first to commit (then does
            // nothing) or roll back (then inserts); a claim released in between is tried again.
            for _ in 0..MAX_RETRIES {
                let claimed = tx
                    .execute(
                        "INSERT INTO ledger_ref_claims (account, client_ref, at) VALUES ($1, $2, $3)
                         ON CONFLICT (account, client_ref) DO NOTHING",
                        &[&account, &client_ref, &micros(at)],
                    )
                    .await?;
                if claimed == 1 {
                    answer = Some(RefClaim::Claimed);
                    break;
                }
                let first = tx
                    .query_opt(
                        "SELECT c.at, (SELECT m.id FROM ledger_messages m WHERE m.client_ref = c.client_ref
                         AND m.account = c.account ORDER BY m.id LIMIT 1)
                         FROM ledger_ref_claims c WHERE c.account = $1 AND c.client_ref = $2",
                        &[&account, &client_ref],
                    )
                    .await?;
                if let Some(r) = first {
                    answer = Some(RefClaim::Taken { at: time(r.get(0))?, message: r.get(1) });
                    break;
                }
            }
            answer.ok_or_else(|| {
                StoreError::Backend(format!("claim of client_ref {client_ref:?} kept being released"))
            })?
        })
    }

    async fn release_client_ref(&self, account: &str, client_ref: &str) -> Result<bool, StoreError> {
        retrying!(self, |tx| {
            tx.execute(
                "DELETE FROM ledger_ref_claims c WHERE c.account = $1 AND c.client_ref = $2
                 AND NOT EXISTS (SELECT 1 FROM ledger_messages m WHERE m.client_ref = $2 AND m.account = $1)",
                &[&account, &client_ref],
            )
            .await?
                > 0
        })
    }

    async fn put_sandbox_message(&self, m: crate::SandboxMessage) -> Result<(), StoreError> {
        let client = self.client().await?;
        let st = client
            .prepare_cached(&format!(
                "INSERT INTO ledger_sandbox_messages ({SANDBOX_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                 ON CONFLICT (operator, message_id) DO UPDATE SET seq = excluded.seq, direction = excluded.direction,
                   account = excluded.account, sender = excluded.sender, recipient = excluded.recipient,
                   text = excluded.text, encoding = excluded.encoding, parts = excluded.parts, state = excluded.state,
                   client_key = excluded.client_key, batch_id = excluded.batch_id, send_at = excluded.send_at,
                   callback_url = excluded.callback_url, callbacks = excluded.callbacks, received_at = excluded.received_at"
            ))
            .await
            .map_err(db)?;
        let callbacks = crate::sandbox::callbacks_json(&m.callbacks);
        let parts = i64::from(m.parts);
        let send_at = m.send_at.map(micros);
        let received_at = micros(m.received_at);
        client
            .execute(
                &st,
                &[
                    &m.seq,
                    &m.operator,
                    &m.direction,
                    &m.message_id,
                    &m.account,
                    &m.sender,
                    &m.recipient,
                    &m.text,
                    &m.encoding,
                    &parts,
                    &m.state,
                    &m.client_key,
                    &m.batch_id,
                    &send_at,
                    &m.callback_url,
                    &callbacks,
                    &received_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn sandbox_messages(&self) -> Result<Vec<crate::SandboxMessage>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("SELECT {SANDBOX_COLS} FROM ledger_sandbox_messages ORDER BY seq"), &[])
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let mut m =
                    crate::SandboxMessage::new(r.get(1), r.get(3), r.get(6), r.get(7), time(r.get(16))?);
                m.seq = r.get(0);
                m.direction = r.get(2);
                m.account = r.get(4);
                m.sender = r.get(5);
                m.encoding = r.get(8);
                m.parts = count(r.get(9), "sandbox parts")?;
                m.state = r.get(10);
                m.client_key = r.get(11);
                m.batch_id = r.get(12);
                m.send_at = r.get::<_, Option<i64>>(13).map(time).transpose()?;
                m.callback_url = r.get(14);
                m.callbacks = crate::sandbox::callbacks_from(r.get(15))?;
                Ok(m)
            })
            .collect()
    }
}

const SANDBOX_COLS: &str = "seq, operator, direction, message_id, account, sender, recipient, text, encoding, \
    parts, state, client_key, batch_id, send_at, callback_url, callbacks, received_at";
