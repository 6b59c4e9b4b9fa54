//! [`JobStore`] on the PostgreSQL ledger: tables `ledger_jobs` and `ledger_claims` (schema
//! version 4). Every step is one statement, so concurrent instances serialise on the row.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{PostgresStore, db, micros, time};
use crate::error::StoreError;
use crate::jobs::{Job, JobStore, select};

const COLS: &str = "kind, key, state, due_at, data, updated_at";

fn job(r: &tokio_postgres::Row) -> Result<Job, StoreError> {
    Ok(Job {
        kind: r.get(0),
        key: r.get(1),
        state: r.get(2),
        due_at: r.get::<_, Option<i64>>(3).map(time).transpose()?,
        data: r.get(4),
        updated_at: time(r.get(5))?,
    })
}

#[async_trait]
impl JobStore for PostgresStore {
    async fn put_job(&self, j: Job) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let n = c
            .execute(
                &format!(
                    "INSERT INTO ledger_jobs ({COLS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
                ),
                &[&j.kind, &j.key, &j.state, &j.due_at.map(micros), &j.data, &micros(j.updated_at)],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
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
        let c = self.client().await?;
        let from: Vec<String> = from.iter().map(|s| (*s).to_owned()).collect();
        let n = c
            .execute(
                "UPDATE ledger_jobs SET state = $3, data = COALESCE($4, data), updated_at = $5
                 WHERE kind = $1 AND key = $2 AND (cardinality($6::text[]) = 0 OR state = ANY($6))",
                &[&kind, &key, &to, &data, &micros(at), &from],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn job(&self, kind: &str, key: &str) -> Result<Option<Job>, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                &format!("SELECT {COLS} FROM ledger_jobs WHERE kind = $1 AND key = $2"),
                &[&kind, &key],
            )
            .await
            .map_err(db)?;
        row.as_ref().map(job).transpose()
    }

    async fn jobs(&self, kind: &str, states: &[&str]) -> Result<Vec<Job>, StoreError> {
        let c = self.client().await?;
        let rows = c
            .query(&format!("SELECT {COLS} FROM ledger_jobs WHERE kind = $1"), &[&kind])
            .await
            .map_err(db)?;
        Ok(select(rows.iter().map(job).collect::<Result<Vec<_>, _>>()?, kind, states))
    }

    async fn claim_key(
        &self,
        key: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let n = c
            .execute(
                "INSERT INTO ledger_claims (key, until) VALUES ($1, $3)
                 ON CONFLICT (key) DO UPDATE SET until = $3 WHERE ledger_claims.until <= $2",
                &[&key, &micros(now), &micros(until)],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn release_key(&self, key: &str) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.execute("DELETE FROM ledger_claims WHERE key = $1", &[&key]).await.map_err(db)?;
        Ok(())
    }
}
