//! The link shortener of `bramka serve`: for accounts with `shorten_links = true` whose operator
//! does not shorten links itself, every `http(s)://` link of a message text becomes
//! `PUBLIC_URL/s/CODE` (9 random characters from 62, about 53 bits, so codes cannot be guessed
//! or enumerated) before the text is analysed, counted and sent. The links live in the ledger
//! ([`bramka_ledger::links`]), tied to the message (and to its recipient when it has one).
//! `GET /s/CODE` answers `302 Found` to the stored URL and counts a click; any other code is
//! `404` (the shortener redirects only to URLs it stored, never to one taken from the request).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bramka::shorten::{LinkShortener, find_links};
use bramka_core::{Error, Message};
use bramka_ledger::links::{LinkQuery, LinkStore, ShortLink};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::App;
use crate::api::{JSON, Param, RouteDoc};
use crate::error::ApiError;
use axum::routing::{MethodRouter, get};

/// The length of a code.
pub(crate) const CODE_LEN: usize = 9;

tokio::task_local! {
    /// Short links to reuse by URL while preparing a message (a campaign rerun must produce the
    /// same text to resume).
    static REUSE: HashMap<String, String>;
}

/// A [`LinkShortener`] storing its links in the ledger, under `PUBLIC_URL/s/`.
#[derive(Debug)]
pub(crate) struct LedgerShortener {
    store: Arc<dyn LinkStore>,
    base: String,
}

impl LedgerShortener {
    pub(crate) fn new(store: Arc<dyn LinkStore>, public_url: &Url) -> Self {
        LedgerShortener { store, base: base(public_url) }
    }
}

/// `PUBLIC_URL/s/`.
fn base(public_url: &Url) -> String {
    format!("{}/s/", public_url.as_str().trim_end_matches('/'))
}

#[async_trait]
impl LinkShortener for LedgerShortener {
    async fn shorten(&self, url: &Url) -> Result<Url, Error> {
        if let Ok(Some(short)) = REUSE.try_with(|m| m.get(url.as_str()).cloned()) {
            return Url::parse(&short)
                .map_err(|e| Error::message(format!("stored short link {short:?}: {e}")));
        }
        let now = chrono::Utc::now();
        // A taken code (one chance in about 10^16 per stored link) draws another.
        for _ in 0..8 {
            let code = crate::defs::random_token(CODE_LEN).map_err(Error::message)?;
            if self.store.insert_link(&code, url.as_str(), now).await.map_err(Error::from)? {
                let short = format!("{}{code}", self.base);
                return Url::parse(&short).map_err(|e| Error::config(format!("short link {short:?}: {e}")));
            }
        }
        Err(Error::message("no free short-link code after 8 draws"))
    }
}

/// Whether `code` has the shape of a code (so nothing else reaches the store).
fn is_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl App {
    /// The codes of this server's short links in `text`.
    pub(crate) fn short_codes(&self, text: &str) -> Vec<String> {
        let base = base(&self.public_url);
        find_links(text)
            .into_iter()
            .filter_map(|l| l.strip_prefix(base.as_str()))
            .filter(|c| is_code(c))
            .map(str::to_owned)
            .collect()
    }

    /// Ties the short links of `msg` to it (and to its recipient when it has one).
    pub(crate) async fn attach_links(&self, msg: &Message, account: &str) -> Result<(), ApiError> {
        let codes = self.short_codes(msg.text());
        if codes.is_empty() {
            return Ok(());
        }
        let recipient = match msg.recipients() {
            [one] => Some(one.e164()),
            _ => None,
        };
        self.links
            .attach_links(&codes, msg.client_ref().as_str(), account, recipient.as_deref())
            .await
            .map_err(|e| ApiError::unavailable(format!("ledger: {e}")))?;
        Ok(())
    }

    /// Runs `prepare` reusing the short links of the message with `client_ref` (same URL, same
    /// short link), so a rerun produces the same text.
    pub(crate) async fn reusing_links<T>(
        &self,
        client_ref: Option<&str>,
        prepare: impl Future<Output = T>,
    ) -> Result<T, ApiError> {
        let mut reuse = HashMap::new();
        if let Some(c) = client_ref {
            let base = base(&self.public_url);
            let links = self
                .links
                .links(&LinkQuery::all().client_ref(c).limit(1000))
                .await
                .map_err(|e| ApiError::unavailable(format!("ledger: {e}")))?;
            for l in links {
                reuse.insert(l.url, format!("{base}{}", l.code));
            }
        }
        Ok(REUSE.scope(reuse, prepare).await)
    }
}

/// `GET /s/{code}`: `302` to the stored URL, one click counted; `404` otherwise.
pub(crate) async fn follow(State(app): State<Arc<App>>, Path(code): Path<String>) -> Response {
    if !is_code(&code) {
        return not_found();
    }
    match app.links.click(&code, chrono::Utc::now()).await {
        Ok(Some(link)) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, link.url),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::REFERRER_POLICY, "no-referrer".to_owned()),
            ],
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "short link lookup failed");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response()
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "no such link\n").into_response()
}

const LINK_PARAMS: &[Param] = &[
    ("client_ref", "query", "the links of the message with this client reference"),
    ("account", "query", "the links of this account's messages"),
    ("limit", "query", "at most this many, newest first, 1 to 1000 (100)"),
];
const CODE: &[Param] = &[("code", "path", "the short link's code (9 characters)")];

/// The API routes of the short links (documented in the OpenAPI document with the others).
pub(crate) fn routes() -> Vec<(RouteDoc, MethodRouter<Arc<App>>)> {
    let d = |method, path, summary, params, ok| RouteDoc { method, path, summary, params, body: None, ok };
    vec![
        (
            d(
                "get",
                "/api/v1/links",
                "Short links and their clicks",
                &[LINK_PARAMS],
                (JSON, "links, newest first"),
            ),
            get(list),
        ),
        (
            d("get", "/api/v1/links/{code}", "One short link and its clicks", &[CODE], (JSON, "the link")),
            get(one),
        ),
    ]
}

/// The JSON of one link.
fn link_json(app: &App, l: &ShortLink) -> Value {
    json!({
        "code": l.code, "short_url": format!("{}{}", base(&app.public_url), l.code), "url": l.url,
        "account": l.account, "client_ref": l.client_ref, "recipient": l.recipient, "clicks": l.clicks,
        "created_at": l.created_at.to_rfc3339(),
        "first_click_at": l.first_click_at.map(|t| t.to_rfc3339()),
        "last_click_at": l.last_click_at.map(|t| t.to_rfc3339()),
    })
}

/// Filters of `GET /api/v1/links`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkParams {
    client_ref: Option<String>,
    account: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/links`: short links with their click counts, newest first.
pub(crate) async fn list(
    State(app): State<Arc<App>>,
    p: Result<Query<LinkParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = p.map_err(|e| ApiError::invalid(e.body_text()))?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(format!("limit {limit} is outside 1..=1000")));
    }
    let mut q = LinkQuery::all().limit(limit);
    q.client_ref = p.client_ref.filter(|s| !s.trim().is_empty());
    q.account = p.account.filter(|s| !s.trim().is_empty());
    let links = app.links.links(&q).await.map_err(|e| ApiError::unavailable(format!("ledger: {e}")))?;
    let rows: Vec<Value> = links.iter().map(|l| link_json(&app, l)).collect();
    Ok(Json(json!({"links": rows})).into_response())
}

/// `GET /api/v1/links/{code}`: one link and its clicks.
pub(crate) async fn one(State(app): State<Arc<App>>, Path(code): Path<String>) -> Result<Response, ApiError> {
    let link = if is_code(&code) {
        app.links.link(&code).await.map_err(|e| ApiError::unavailable(format!("ledger: {e}")))?
    } else {
        None
    };
    let link = link.ok_or_else(|| ApiError::not_found(format!("no short link {code:?}")))?;
    Ok(Json(link_json(&app, &link)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_nine_characters_from_62_and_differ() {
        let a = crate::defs::random_token(CODE_LEN).unwrap();
        let b = crate::defs::random_token(CODE_LEN).unwrap();
        assert!(is_code(&a) && is_code(&b), "{a} {b}");
        assert_ne!(a, b);
    }

    #[test]
    fn only_code_shapes_reach_the_store() {
        for bad in ["", "abc", "abcdefghij", "abcd/efgh", "abcd%2Fgh", "../../etc", "abcdefgh\u{e9}"] {
            assert!(!is_code(bad), "{bad:?}");
        }
        assert!(is_code("aB3dE5gH9"));
    }

    #[tokio::test]
    async fn shortener_stores_what_it_hands_out_and_reuses_within_scope() {
        let store = Arc::new(bramka_ledger::MemoryStore::new());
        let s = LedgerShortener::new(store.clone(), &Url::parse("https://sms.example.com/").unwrap());
        let long = Url::parse("https://shop.example/orders/123456789?utm_source=sms").unwrap();
        let a = s.shorten(&long).await.unwrap();
        let code = a.as_str().strip_prefix("https://sms.example.com/s/").unwrap();
        assert!(is_code(code), "{a}");
        assert_eq!(store.link(code).await.unwrap().unwrap().url, long.as_str());
        let b = s.shorten(&long).await.unwrap();
        assert_ne!(a, b, "a new message gets its own code");
        let reuse = HashMap::from([(long.as_str().to_owned(), a.as_str().to_owned())]);
        let c = REUSE.scope(reuse, s.shorten(&long)).await.unwrap();
        assert_eq!(c, a);
    }
}
