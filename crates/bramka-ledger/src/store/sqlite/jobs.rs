//! [`JobStore`] on the SQLite ledger: tables `jobs` and `claims` (schema version 4).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, micros, time};
use crate::error::StoreError;
use crate::jobs::{Job, JobStore, select};

const COLS: &str = "kind, key, state, due_at, data, updated_at";

fn job(r: &Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        kind: r.get(0)?,
        key: r.get(1)?,
        state: r.get(2)?,
        due_at: r.get::<_, Option<i64>>(3)?.map(time).transpose()?,
        data: r.get(4)?,
        updated_at: time(r.get(5)?)?,
    })
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn put_job(&self, j: Job) -> Result<bool, StoreError> {
        self.tx(move |tx| {
            let n = tx.execute(
                &format!("INSERT INTO jobs ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING"),
                params![j.kind, j.key, j.state, j.due_at.map(micros), j.data, micros(j.updated_at)],
            )?;
            Ok(n == 1)
        })
        .await
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
        let (kind, key, to) = (kind.to_owned(), key.to_owned(), to.to_owned());
        let from: Vec<String> = from.iter().map(|s| (*s).to_owned()).collect();
        let data = data.map(str::to_owned);
        self.tx(move |tx| {
            let state: Option<String> = tx
                .query_row("SELECT state FROM jobs WHERE kind = ?1 AND key = ?2", params![kind, key], |r| r.get(0))
                .optional()?;
            match state {
                Some(s) if from.is_empty() || from.contains(&s) => {}
                _ => return Ok(false),
            }
            tx.execute(
                "UPDATE jobs SET state = ?3, data = COALESCE(?4, data), updated_at = ?5 WHERE kind = ?1 AND key = ?2",
                params![kind, key, to, data, micros(at)],
            )?;
            Ok(true)
        })
        .await
    }

    async fn job(&self, kind: &str, key: &str) -> Result<Option<Job>, StoreError> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.run(move |c| {
            Ok(c.query_row(
                &format!("SELECT {COLS} FROM jobs WHERE kind = ?1 AND key = ?2"),
                params![kind, key],
                job,
            )
            .optional()?)
        })
        .await
    }

    async fn jobs(&self, kind: &str, states: &[&str]) -> Result<Vec<Job>, StoreError> {
        let k = kind.to_owned();
        let rows = self
            .run(move |c| {
                let mut stmt = c.prepare_cached(&format!("SELECT {COLS} FROM jobs WHERE kind = ?1"))?;
                let rows = stmt.query_map([&k], job)?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        Ok(select(rows, kind, states))
    }

    async fn claim_key(
        &self,
        key: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.tx(move |tx| {
            let n = tx.execute(
                "INSERT INTO claims (key, until) VALUES (?1, ?3)
                 ON CONFLICT (key) DO UPDATE SET until = ?3 WHERE claims.until <= ?2",
                params![key, micros(now), micros(until)],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn release_key(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.tx(move |tx| {
            tx.execute("DELETE FROM claims WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }
}
