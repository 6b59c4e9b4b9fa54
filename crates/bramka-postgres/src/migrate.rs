//! Versioned schema migrations under an advisory lock, so several instances starting at once
//! migrate once. One table, `bramka_schema`, records the version of each component (bramka-inbound
//! keeps its `inbound` row there, bramka-ledger its `ledger` row, bramka-server its `server` row),
//! all under the same lock, so they can share one database.

use tokio_postgres::Client;

use crate::{Error, describe};

/// The key of the transaction-scoped advisory lock every migration takes: "bramka" in ASCII.
const LOCK_KEY: i64 = 108_243_400_354_657;

/// One migration: the SQL taking a component's schema from `version - 1` to `version`.
///
/// ```
/// use bramka_postgres::Migration;
/// const MIGRATIONS: &[Migration] = &[
///     Migration { version: 1, sql: "CREATE TABLE notes (body TEXT NOT NULL)" },
///     Migration { version: 2, sql: "ALTER TABLE notes ADD COLUMN author TEXT" },
/// ];
/// assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The version this migration brings the schema to (1, 2, … in order).
    pub version: i32,
    /// The statements (one or several, separated by `;`).
    pub sql: &'static str,
}

/// Brings `component`'s schema up to the last of `migrations` (ordered, versions 1, 2, …) in one
/// transaction holding the advisory lock; refuses ([`Error::SchemaTooNew`], nothing changed) a
/// database whose schema is newer than the code. Returns the version now in the database.
///
/// # Errors
///
/// Returns [`Error::SchemaTooNew`] (nothing changed) when the recorded version of `component` is
/// newer than the last of `migrations`, [`Error::Migration`] when one migration's statements fail
/// (the whole transaction is rolled back), and [`Error::Database`] when opening the transaction,
/// taking the advisory lock, creating or updating `bramka_schema`, or committing fails.
pub async fn migrate(client: &mut Client, component: &str, migrations: &[Migration]) -> Result<i32, Error> {
    let supported = migrations.last().map_or(0, |m| m.version);
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS bramka_schema (
            component TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let found: i32 = tx
        .query_opt("SELECT version FROM bramka_schema WHERE component = $1", &[&component])
        .await?
        .map_or(0, |r| r.get(0));
    if found > supported {
        return Err(Error::SchemaTooNew { component: component.to_owned(), found, supported });
    }
    for m in migrations.iter().filter(|m| m.version > found) {
        tx.batch_execute(m.sql).await.map_err(|e| Error::Migration {
            component: component.to_owned(),
            version: m.version,
            detail: describe(&e),
        })?;
    }
    tx.execute(
        "INSERT INTO bramka_schema (component, version) VALUES ($1, $2) \
         ON CONFLICT (component) DO UPDATE SET version = $2, updated_at = now()",
        &[&component, &supported],
    )
    .await?;
    tx.commit().await?;
    Ok(supported)
}

/// The version of `component` recorded in `bramka_schema` (0 when it has none yet, or when the
/// database has no `bramka_schema` table).
///
/// # Errors
///
/// Returns [`Error::Database`] when a query fails (connection lost, permission denied on
/// `bramka_schema`, …).
pub async fn schema_version(client: &Client, component: &str) -> Result<i32, Error> {
    let table: bool = client.query_one("SELECT to_regclass('bramka_schema') IS NOT NULL", &[]).await?.get(0);
    if !table {
        return Ok(0);
    }
    Ok(client
        .query_opt("SELECT version FROM bramka_schema WHERE component = $1", &[&component])
        .await?
        .map_or(0, |r| r.get(0)))
}
