//! The definitions in PostgreSQL (`[server] storage = "postgres://…"`), so that every instance on
//! the database shares the polls, numbers and generated hook secrets.
//!
//! [`DefStore`](super::DefStore)'s methods are synchronous (like its SQLite backend, they block
//! the calling thread for one short transaction). Here each call runs on a small runtime of the
//! store's own (one worker thread, which also drives the pool's connections) and the caller waits
//! for the answer, so a call works from any thread, inside or outside a tokio runtime of any flavour.
//!
//! Seeding, importing and replacing the numbers take one advisory lock, so instances starting at
//! once seed once; hook secrets are inserted with `ON CONFLICT DO NOTHING` and read back, so two
//! instances generating one at once both get the one that was stored.

use std::future::Future;

use bramka_inbound::definition::{NumberDef, PollDef};
use bramka_postgres::{Migration, PostgresUrl};
use deadpool_postgres::{Object, Pool};

use super::DefsError;

/// `bramka_schema.component` of these tables.
const COMPONENT: &str = "server";

/// The key of the advisory lock around seeding, importing and replacing numbers: "bsdefs".
const LOCK_KEY: i64 = 0x6273_6465_6673;

const INSERT_NUMBER: &str = "INSERT INTO bramka_server_numbers (number, def) VALUES ($1, $2)";

/// The schema, version by version (the SQLite store's tables, with identity positions).
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sql: "
CREATE TABLE bramka_server_polls (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    def TEXT NOT NULL
);
CREATE TABLE bramka_server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE bramka_server_numbers (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    def TEXT NOT NULL
);
",
}];

fn db(e: tokio_postgres::Error) -> DefsError {
    DefsError(bramka_postgres::describe(&e))
}

/// `(key, JSON)` of each definition.
fn rows<T: serde::Serialize>(
    items: &[T],
    key: impl Fn(&T) -> &str,
) -> Result<Vec<(String, String)>, DefsError> {
    items.iter().map(|d| Ok((key(d).to_owned(), serde_json::to_string(d)?))).collect()
}

/// Runs `sql` (two parameters) for each of `rows`.
async fn insert_all(
    tx: &deadpool_postgres::Transaction<'_>,
    sql: &str,
    rows: &[(String, String)],
) -> Result<(), DefsError> {
    for (key, def) in rows {
        tx.execute(sql, &[key, def]).await.map_err(db)?;
    }
    Ok(())
}

/// The pool, and the runtime its connections and every call run on.
pub(super) struct PgDefs {
    pool: Pool,
    url: PostgresUrl,
    // `None` only while dropping.
    rt: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for PgDefs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDefs").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Drop for PgDefs {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio refuses inside another runtime; this does not.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl PgDefs {
    /// Connects (a pool of up to 4 connections) and brings the tables up to date.
    pub(super) fn connect(url: &str) -> Result<PgDefs, DefsError> {
        let url = PostgresUrl::parse(url, "bramka-server")?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("bramka-defs")
            .enable_all()
            .build()
            .map_err(|e| DefsError(format!("runtime for the definitions store: {e}")))?;
        let pool = bramka_postgres::pool(&url, 4)?;
        let store = PgDefs { pool, url, rt: Some(rt) };
        store.run(|mut c| async move {
            bramka_postgres::migrate(&mut c, COMPONENT, MIGRATIONS).await?;
            Ok(())
        })?;
        Ok(store)
    }

    /// Runs `f` with a pooled connection on the store's runtime and waits for its answer.
    fn run<T, F, Fut>(&self, f: F) -> Result<T, DefsError>
    where
        T: Send + 'static,
        F: FnOnce(Object) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, DefsError>> + Send,
    {
        let rt = self.rt.as_ref().ok_or_else(|| DefsError("the definitions store is closed".into()))?;
        let (pool, url) = (self.pool.clone(), self.url.clone());
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let out = match pool.get().await {
                Ok(c) => f(c).await,
                Err(e) => Err(bramka_postgres::Error::from_pool(&url, e).into()),
            };
            let _ = tx.send(out);
        });
        rx.recv().map_err(|_| DefsError("the definitions task stopped".into()))?
    }

    pub(super) fn seed_polls(&self, polls: &[PollDef]) -> Result<bool, DefsError> {
        self.seed("polls_seeded", "bramka_server_polls", "id", rows(polls, |p| &p.id)?)
    }

    pub(super) fn seed_numbers(&self, numbers: &[NumberDef]) -> Result<bool, DefsError> {
        self.seed("numbers_seeded", "bramka_server_numbers", "number", rows(numbers, |n| &n.number)?)
    }

    /// Writes `rows` (key, JSON) into `table` unless `flag` is set, then sets it.
    fn seed(
        &self,
        flag: &'static str,
        table: &'static str,
        key: &'static str,
        rows: Vec<(String, String)>,
    ) -> Result<bool, DefsError> {
        self.run(move |mut c| async move {
            let tx = c.transaction().await.map_err(db)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await.map_err(db)?;
            let seeded = tx
                .query_opt("SELECT 1 FROM bramka_server_meta WHERE key = $1", &[&flag])
                .await
                .map_err(db)?
                .is_some();
            if seeded {
                return Ok(false);
            }
            let upsert = format!(
                "INSERT INTO {table} ({key}, def) VALUES ($1, $2) ON CONFLICT ({key}) DO UPDATE SET def = excluded.def"
            );
            insert_all(&tx, &upsert, &rows).await?;
            tx.execute("INSERT INTO bramka_server_meta (key, value) VALUES ($1, '1')", &[&flag]).await.map_err(db)?;
            tx.commit().await.map_err(db)?;
            Ok(true)
        })
    }

    pub(super) fn polls(&self) -> Result<Vec<PollDef>, DefsError> {
        self.defs("SELECT def FROM bramka_server_polls ORDER BY position")
    }

    pub(super) fn numbers(&self) -> Result<Vec<NumberDef>, DefsError> {
        self.defs("SELECT def FROM bramka_server_numbers ORDER BY position")
    }

    fn defs<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        sql: &'static str,
    ) -> Result<Vec<T>, DefsError> {
        self.run(move |c| async move {
            let rows = c.query(sql, &[]).await.map_err(db)?;
            rows.iter().map(|r| Ok(serde_json::from_str(r.get(0))?)).collect()
        })
    }

    pub(super) fn put_poll(&self, p: &PollDef) -> Result<(), DefsError> {
        let (id, def) = (p.id.clone(), serde_json::to_string(p)?);
        self.run(move |c| async move {
            c.execute(
                "INSERT INTO bramka_server_polls (id, def) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET def = excluded.def",
                &[&id, &def],
            )
            .await
            .map_err(db)?;
            Ok(())
        })
    }

    pub(super) fn put_numbers(&self, numbers: &[NumberDef]) -> Result<(), DefsError> {
        let rows = rows(numbers, |n| &n.number)?;
        self.run(move |mut c| async move {
            let tx = c.transaction().await.map_err(db)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await.map_err(db)?;
            tx.execute("DELETE FROM bramka_server_numbers", &[]).await.map_err(db)?;
            insert_all(&tx, INSERT_NUMBER, &rows).await?;
            tx.commit().await.map_err(db)?;
            Ok(())
        })
    }

    /// The stored secret of `key`, or `fresh` stored now; the first stored wins a race.
    pub(super) fn meta_or_insert(&self, key: String, fresh: String) -> Result<String, DefsError> {
        self.run(move |c| async move {
            c.execute(
                "INSERT INTO bramka_server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &fresh],
            )
            .await
            .map_err(db)?;
            let row = c
                .query_one("SELECT value FROM bramka_server_meta WHERE key = $1", &[&key])
                .await
                .map_err(db)?;
            Ok(row.get(0))
        })
    }

    /// Copies everything from an older definitions file, once: only into tables that nothing has
    /// seeded yet. Returns whether it copied.
    pub(super) fn import(
        &self,
        polls: Vec<PollDef>,
        numbers: Vec<NumberDef>,
        meta: Vec<(String, String)>,
    ) -> Result<bool, DefsError> {
        let (polls, numbers) = (rows(&polls, |p| &p.id)?, rows(&numbers, |n| &n.number)?);
        self.run(move |mut c| async move {
            let tx = c.transaction().await.map_err(db)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await.map_err(db)?;
            let seeded: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM bramka_server_meta WHERE key IN ('polls_seeded', 'numbers_seeded'))",
                    &[],
                )
                .await
                .map_err(db)?
                .get(0);
            if seeded {
                return Ok(false);
            }
            insert_all(&tx, "INSERT INTO bramka_server_polls (id, def) VALUES ($1, $2)", &polls).await?;
            insert_all(&tx, INSERT_NUMBER, &numbers).await?;
            insert_all(&tx, "INSERT INTO bramka_server_meta (key, value) VALUES ($1, $2)", &meta).await?;
            tx.commit().await.map_err(db)?;
            Ok(true)
        })
    }
}
