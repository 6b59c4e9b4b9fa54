//! [`LinkStore`] for [`SqliteStore`]: the `links` table (schema version 6).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, micros, time};
use crate::error::StoreError;
use crate::links::{LinkQuery, LinkStore, ShortLink};

const COLS: &str =
    "code, url, account, client_ref, recipient, clicks, created_at, first_click_at, last_click_at";

fn link(r: &Row<'_>) -> rusqlite::Result<ShortLink> {
    let mut l = ShortLink::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?, time(r.get(6)?)?);
    l.account = r.get(2)?;
    l.client_ref = r.get(3)?;
    l.recipient = r.get(4)?;
    l.clicks = r.get::<_, i64>(5)?.max(0).unsigned_abs();
    l.first_click_at = r.get::<_, Option<i64>>(7)?.map(time).transpose()?;
    l.last_click_at = r.get::<_, Option<i64>>(8)?.map(time).transpose()?;
    Ok(l)
}

#[async_trait]
impl LinkStore for SqliteStore {
    async fn insert_link(&self, code: &str, url: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let (code, url) = (code.to_owned(), url.to_owned());
        self.tx(move |tx| {
            let n = tx.execute(
                "INSERT INTO links (code, url, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (code) DO NOTHING",
                params![code, url, micros(at)],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn attach_links(
        &self,
        codes: &[String],
        client_ref: &str,
        account: &str,
        recipient: Option<&str>,
    ) -> Result<usize, StoreError> {
        let codes = codes.to_vec();
        let (client_ref, account, recipient) =
            (client_ref.to_owned(), account.to_owned(), recipient.map(str::to_owned));
        self.tx(move |tx| {
            let mut st = tx.prepare_cached(
                "UPDATE links SET client_ref = ?2, account = ?3, recipient = ?4 WHERE code = ?1",
            )?;
            let mut n = 0;
            for c in &codes {
                n += st.execute(params![c, client_ref, account, recipient])?;
            }
            Ok(n)
        })
        .await
    }

    async fn click(&self, code: &str, at: DateTime<Utc>) -> Result<Option<ShortLink>, StoreError> {
        let code = code.to_owned();
        self.tx(move |tx| {
            let t = micros(at);
            let n = tx.execute(
                "UPDATE links SET clicks = clicks + 1, first_click_at = COALESCE(first_click_at, ?2), \
                 last_click_at = ?2 WHERE code = ?1",
                params![code, t],
            )?;
            if n == 0 {
                return Ok(None);
            }
            Ok(tx
                .query_row(&format!("SELECT {COLS} FROM links WHERE code = ?1"), params![code], link)
                .optional()?)
        })
        .await
    }

    async fn link(&self, code: &str) -> Result<Option<ShortLink>, StoreError> {
        let code = code.to_owned();
        self.run(move |c| {
            Ok(c.query_row(&format!("SELECT {COLS} FROM links WHERE code = ?1"), params![code], link)
                .optional()?)
        })
        .await
    }

    async fn links(&self, query: &LinkQuery) -> Result<Vec<ShortLink>, StoreError> {
        let q = query.clone();
        self.run(move |c| {
            let limit = i64::try_from(q.max()).unwrap_or(i64::MAX);
            let mut st = c.prepare_cached(&format!(
                "SELECT {COLS} FROM links WHERE (?1 IS NULL OR client_ref = ?1) AND (?2 IS NULL OR account = ?2) \
                 ORDER BY created_at DESC, code LIMIT ?3"
            ))?;
            let rows = st.query_map(params![q.client_ref, q.account, limit], link)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
