//! [`LinkStore`] for [`PostgresStore`]: the `ledger_links` table (schema version 6). A click is
//! one `UPDATE … RETURNING`, so concurrent clicks on several instances are all counted.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{PostgresStore, db, micros, time};
use crate::error::StoreError;
use crate::links::{LinkQuery, LinkStore, ShortLink};

const COLS: &str =
    "code, url, account, client_ref, recipient, clicks, created_at, first_click_at, last_click_at";

fn link(r: &tokio_postgres::Row) -> Result<ShortLink, StoreError> {
    let mut l = ShortLink::new(r.get::<_, String>(0), r.get::<_, String>(1), time(r.get(6))?);
    l.account = r.get(2);
    l.client_ref = r.get(3);
    l.recipient = r.get(4);
    l.clicks = r.get::<_, i64>(5).max(0).unsigned_abs();
    l.first_click_at = r.get::<_, Option<i64>>(7).map(time).transpose()?;
    l.last_click_at = r.get::<_, Option<i64>>(8).map(time).transpose()?;
    Ok(l)
}

#[async_trait]
impl LinkStore for PostgresStore {
    async fn insert_link(&self, code: &str, url: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO ledger_links (code, url, created_at) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
                &[&code, &url, &micros(at)],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn attach_links(
        &self,
        codes: &[String],
        client_ref: &str,
        account: &str,
        recipient: Option<&str>,
    ) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE ledger_links SET client_ref = $2, account = $3, recipient = $4 WHERE code = ANY($1)",
                &[&codes, &client_ref, &account, &recipient],
            )
            .await
            .map_err(db)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn click(&self, code: &str, at: DateTime<Utc>) -> Result<Option<ShortLink>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "UPDATE ledger_links SET clicks = clicks + 1, first_click_at = COALESCE(first_click_at, $2), \
                     last_click_at = $2 WHERE code = $1 RETURNING {COLS}"
                ),
                &[&code, &micros(at)],
            )
            .await
            .map_err(db)?;
        row.as_ref().map(link).transpose()
    }

    async fn link(&self, code: &str) -> Result<Option<ShortLink>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("SELECT {COLS} FROM ledger_links WHERE code = $1"), &[&code])
            .await
            .map_err(db)?;
        row.as_ref().map(link).transpose()
    }

    async fn links(&self, query: &LinkQuery) -> Result<Vec<ShortLink>, StoreError> {
        let client = self.client().await?;
        let limit = i64::try_from(query.max()).unwrap_or(i64::MAX);
        let rows = client
            .query(
                &format!(
                    "SELECT {COLS} FROM ledger_links WHERE ($1::TEXT IS NULL OR client_ref = $1) \
                     AND ($2::TEXT IS NULL OR account = $2) ORDER BY created_at DESC, code LIMIT $3"
                ),
                &[&query.client_ref, &query.account, &limit],
            )
            .await
            .map_err(db)?;
        rows.iter().map(link).collect()
    }
}
