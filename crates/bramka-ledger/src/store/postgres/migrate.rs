//! Versioned schema migrations, applied on open under an advisory lock, so several instances
//! starting at once migrate once. One table, `bramka_schema`, records the version of each
//! component (`ledger` here; bramka-inbound's PostgreSQL store keeps its `inbound` row in the same
//! table, with the same lock, so both can share one database).

use tokio_postgres::Client;

use super::db;
use crate::error::StoreError;

/// One migration: the SQL taking the schema from `version - 1` to `version`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub version: i32,
    pub sql: &'static str,
}

/// Brings `component`'s schema up to the last of `migrations` (ordered, versions 1, 2, …) in one
/// transaction; refuses a database whose schema is newer than the code. Returns the version.
pub(crate) async fn migrate(
    client: &mut Client,
    component: &str,
    migrations: &[Migration],
) -> Result<i32, StoreError> {
    let supported = migrations.last().map_or(0, |m| m.version);
    let tx = client.transaction().await.map_err(db)?;
    // Serialise concurrent openers (the key is an arbitrary constant: "bramka" in ASCII).
    tx.execute("SELECT pg_advisory_xact_lock(108243400354657)", &[]).await.map_err(db)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS bramka_schema (
            component TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(db)?;
    let found: i32 = tx
        .query_opt("SELECT version FROM bramka_schema WHERE component = $1", &[&component])
        .await
        .map_err(db)?
        .map_or(0, |r| r.get(0));
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            found: found.max(0).unsigned_abs(),
            known: supported.max(0).unsigned_abs(),
        });
    }
    for m in migrations.iter().filter(|m| m.version > found) {
        tx.batch_execute(m.sql).await.map_err(|e| {
            StoreError::Backend(format!(
                "migration {} of {component} failed: {}",
                m.version,
                super::describe(&e)
            ))
        })?;
    }
    tx.execute(
        "INSERT INTO bramka_schema (component, version) VALUES ($1, $2) \
         ON CONFLICT (component) DO UPDATE SET version = $2, updated_at = now()",
        &[&component, &supported],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(supported)
}
