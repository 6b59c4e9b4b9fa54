//! The JSON API under `/api/v1`: bearer tokens, polls CRUD, statistics and CSV, inbox search and
//! reports, balance. The routes and the OpenAPI document come from one table (`routes()`), so a
//! route cannot exist without being documented.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use bramka_inbound::MessageQuery;
use bramka_inbound::definition::PollDef;
use bramka_inbound::report::{self, ExportOptions};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::App;
use crate::error::ApiError;

/// One documented route.
pub(crate) struct RouteDoc {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) params: &'static [(&'static str, &'static str, &'static str)],
    pub(crate) body: Option<&'static str>,
    pub(crate) ok: (&'static str, &'static str),
}

const JSON: &str = "application/json";
const CSV: &str = "text/csv; charset=utf-8";
const INBOX_PARAMS: &[(&str, &str, &str)] = &[
    ("since", "query", "received at or after (RFC 3339)"),
    ("until", "query", "received before (RFC 3339)"),
    ("to", "query", "receiving number"),
    ("from", "query", "sender"),
    ("poll", "query", "answers to this poll"),
    ("inbox", "query", "routed to this inbox"),
    ("unmatched", "query", "true: only messages that matched no route"),
];
const PAGE_PARAMS: &[(&str, &str, &str)] = &[
    ("since", "query", "received at or after (RFC 3339)"),
    ("until", "query", "received before (RFC 3339)"),
    ("to", "query", "receiving number"),
    ("from", "query", "sender"),
    ("poll", "query", "answers to this poll"),
    ("inbox", "query", "routed to this inbox"),
    ("unmatched", "query", "true: only messages that matched no route"),
    ("after", "query", "row id to page after (the previous page's next_after)"),
    ("limit", "query", "rows per page, 1 to 500 (100)"),
];
const DAILY_PARAMS: &[(&str, &str, &str)] = &[
    ("since", "query", "received at or after (RFC 3339)"),
    ("until", "query", "received before (RFC 3339)"),
    ("to", "query", "receiving number"),
    ("poll", "query", "answers to this poll"),
    ("inbox", "query", "routed to this inbox"),
    ("tz", "query", "IANA time zone of the days (Europe/Warsaw)"),
];
const ID: &[(&str, &str, &str)] = &[("id", "path", "poll id")];
const ACCOUNT: &[(&str, &str, &str)] = &[("account", "path", "account name")];

/// The API's routes: documentation and handler side by side.
pub(crate) fn routes() -> Vec<(RouteDoc, MethodRouter<Arc<App>>)> {
    let d = |method, path, summary, params, body, ok| RouteDoc { method, path, summary, params, body, ok };
    vec![
        (d("get", "/api/v1/polls", "List polls", &[], None, (JSON, "poll definitions")), get(list_polls)),
        (
            d("post", "/api/v1/polls", "Create a poll", &[], Some("PollDef"), (JSON, "the poll as stored")),
            post(create_poll),
        ),
        (d("get", "/api/v1/polls/{id}", "One poll", ID, None, (JSON, "the poll definition")), get(get_poll)),
        (
            d(
                "put",
                "/api/v1/polls/{id}",
                "Replace a poll",
                ID,
                Some("PollDef"),
                (JSON, "the poll as stored"),
            ),
            put(put_poll),
        ),
        (
            d("post", "/api/v1/polls/{id}/close", "Close a poll now", ID, None, (JSON, "the poll as stored")),
            post(close_poll),
        ),
        (
            d(
                "get",
                "/api/v1/polls/{id}/stats",
                "Poll statistics",
                ID,
                None,
                (JSON, "counts and percentages per option"),
            ),
            get(poll_stats),
        ),
        (
            d(
                "get",
                "/api/v1/polls/{id}/stats.csv",
                "Poll statistics as CSV",
                ID,
                None,
                (CSV, "option,count,percent"),
            ),
            get(poll_stats_csv),
        ),
        (
            d(
                "get",
                "/api/v1/polls/{id}/answers.csv",
                "Every answer to a poll as CSV",
                ID,
                None,
                (CSV, "one row per answer"),
            ),
            get(poll_answers_csv),
        ),
        (
            d(
                "get",
                "/api/v1/inbox",
                "Search received messages",
                PAGE_PARAMS,
                None,
                (JSON, "a page of messages"),
            ),
            get(inbox),
        ),
        (
            d(
                "get",
                "/api/v1/inbox.csv",
                "Received messages as CSV (detailed report)",
                INBOX_PARAMS,
                None,
                (CSV, "one row per message"),
            ),
            get(inbox_csv),
        ),
        (
            d(
                "get",
                "/api/v1/reports/daily",
                "Messages per day",
                DAILY_PARAMS,
                None,
                (JSON, "count per local day"),
            ),
            get(daily),
        ),
        (
            d(
                "get",
                "/api/v1/reports/daily.csv",
                "Messages per day as CSV",
                DAILY_PARAMS,
                None,
                (CSV, "day,count"),
            ),
            get(daily_csv),
        ),
        (
            d(
                "get",
                "/api/v1/accounts/{account}/balance",
                "Balance of an account",
                ACCOUNT,
                None,
                (JSON, "amount and unit"),
            ),
            get(balance),
        ),
        (d("get", "/api/v1/openapi.json", "This document", &[], None, (JSON, "OpenAPI 3.1")), get(openapi)),
    ]
}

/// The OpenAPI 3.1 document of the API, generated from its route table.
pub fn openapi_document() -> Value {
    openapi_document_for(false)
}

/// The OpenAPI 3.1 document of the API, with the sandbox's `/api/v1/sandbox` routes (generated
/// from the sandbox's own route table) when `sandbox` is on (`bramka serve --sandbox`).
pub fn openapi_document_for(sandbox: bool) -> Value {
    let mut paths: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    // The server's own routes, then the sandbox's (from its route table), as (full path, doc).
    let mut docs: Vec<(String, RouteDoc)> =
        routes().into_iter().map(|(r, _)| (r.path.to_owned(), r)).collect();
    for r in sandbox.then(bramka_sandbox::Sandbox::api_docs).unwrap_or_default() {
        let doc = RouteDoc {
            method: r.method,
            path: r.path,
            summary: r.summary,
            params: r.params,
            body: r.body.map(|_| "SandboxRequest"),
            ok: (JSON, "the sandbox's answer"),
        };
        docs.push((format!("/api/v1/sandbox{}", r.path), doc));
    }
    for (path, r) in docs {
        let params: Vec<Value> = r
            .params
            .iter()
            .map(|(name, at, desc)| {
                json!({"name": name, "in": at, "required": *at == "path", "description": desc, "schema": {"type": "string"}})
            })
            .collect();
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{}_{}", r.method, path.trim_start_matches("/api/v1/").replace(['/', '.', '{', '}'], "_")),
            "parameters": params,
            "security": [{"bearer": []}],
            "responses": {
                "200": {"description": r.ok.1, "content": {r.ok.0: {"schema": if r.ok.0 == JSON { json!({"type": "object"}) } else { json!({"type": "string"}) }}}},
                "401": {"$ref": "#/components/responses/Error"},
                "default": {"$ref": "#/components/responses/Error"}
            }
        });
        if let Some(schema) = r.body {
            op["requestBody"] = json!({"required": true, "content": {JSON: {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        }
        paths.entry(path).or_default().insert(r.method.to_owned(), op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "bramka serve API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "an error with a stable code", "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string", "enum": ["unauthorized", "not_found", "invalid", "conflict", "unavailable", "upstream"]}, "message": {"type": "string"}}}}},
                "PollDef": poll_def_schema(),
                "SandboxRequest": {"type": "object", "description": "see the route's summary; the sandbox's control API (bramka serve --sandbox)"}
            }
        }
    })
}

/// Bearer-token check for every `/api/v1` route: tokens compared in constant time; with no
/// token configured, only loopback clients are served.
pub(crate) async fn require_token(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if authorized(&app, peer, req.headers()) {
        next.run(req).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

pub(crate) fn authorized(app: &App, peer: SocketAddr, headers: &HeaderMap) -> bool {
    if app.settings.api_tokens.is_empty() {
        return peer.ip().is_loopback();
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let Some(given) = given else { return false };
    token_matches(&app.settings.api_tokens, given)
}

/// Whether `given` equals one of `tokens`; every token is compared, in constant time.
pub(crate) fn token_matches(tokens: &[bramka_core::Secret], given: &str) -> bool {
    let mut ok = subtle::Choice::from(0u8);
    for t in tokens {
        ok |= t.expose().as_bytes().ct_eq(given.as_bytes());
    }
    bool::from(ok)
}

type ApiResult = Result<Response, ApiError>;

async fn list_polls(State(app): State<Arc<App>>) -> ApiResult {
    let polls = app.defs.polls().map_err(|e| ApiError::unavailable(e.to_string()))?;
    Ok(Json(json!({"polls": polls})).into_response())
}

async fn get_poll(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    let p = app.find_poll(&id)?;
    Ok(Json(p).into_response())
}

async fn create_poll(
    State(app): State<Arc<App>>,
    body: Result<Json<PollDef>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(def) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    let stored = app.save_poll(def, true).await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

async fn put_poll(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    body: Result<Json<PollDef>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(def) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    if def.id != id {
        return Err(ApiError::invalid(format!("the body's id {:?} differs from the path's {id:?}", def.id)));
    }
    app.find_poll(&id)?;
    Ok(Json(app.save_poll(def, false).await?).into_response())
}

async fn close_poll(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    let mut def = app.find_poll(&id)?;
    let now = Utc::now();
    if def.end.is_none_or(|e| e > now) {
        def.end = Some(now);
        if def.start.is_some_and(|s| s >= now) {
            def.start = Some(now - chrono::Duration::seconds(1));
        }
    }
    Ok(Json(app.save_poll(def, false).await?).into_response())
}

async fn poll_stats(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    Ok(Json(app.poll_stats_json(&id).await?).into_response())
}

fn csv_response(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, CSV.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

fn export_error(e: bramka_inbound::ExportError) -> ApiError {
    match e {
        bramka_inbound::ExportError::UnknownPoll(p) => ApiError::not_found(format!("no poll {p:?}")),
        other => ApiError::unavailable(other.to_string()),
    }
}

async fn poll_stats_csv(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    let stats = app.engine().statistics(&id).await.map_err(export_error)?;
    let mut out = Vec::new();
    report::write_statistics_csv(&stats, &ExportOptions::default().bom(true), &mut out)
        .map_err(export_error)?;
    Ok(csv_response(&format!("{id}-stats.csv"), out))
}

async fn poll_answers_csv(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    app.find_poll(&id)?;
    let mut out = Vec::new();
    report::write_answers_csv(app.store.as_ref(), &id, &ExportOptions::default().bom(true), &mut out)
        .await
        .map_err(export_error)?;
    Ok(csv_response(&format!("{id}-answers.csv"), out))
}

/// Inbox filters, as query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InboxParams {
    pub(crate) since: Option<DateTime<Utc>>,
    pub(crate) until: Option<DateTime<Utc>>,
    pub(crate) to: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) poll: Option<String>,
    pub(crate) inbox: Option<String>,
    pub(crate) unmatched: Option<bool>,
    pub(crate) after: Option<i64>,
    pub(crate) limit: Option<usize>,
    pub(crate) tz: Option<String>,
}

impl InboxParams {
    pub(crate) fn query(&self) -> Result<MessageQuery, ApiError> {
        let mut q = MessageQuery::all();
        q.since = self.since;
        q.until = self.until;
        if let Some(t) = self.to.as_deref().filter(|s| !s.trim().is_empty()) {
            q = q.to(t);
        }
        if let Some(f) = self.from.as_deref().filter(|s| !s.trim().is_empty()) {
            q = q.from(f);
        }
        let buckets = [self.poll.is_some(), self.inbox.is_some(), self.unmatched == Some(true)];
        if buckets.iter().filter(|b| **b).count() > 1 {
            return Err(ApiError::invalid("poll, inbox and unmatched=true exclude each other; give one"));
        }
        if let Some(p) = self.poll.as_deref().filter(|s| !s.is_empty()) {
            q = q.poll(p);
        }
        if let Some(i) = self.inbox.as_deref().filter(|s| !s.is_empty()) {
            q = q.inbox(i);
        }
        if self.unmatched == Some(true) {
            q = q.unmatched();
        }
        Ok(q)
    }
    fn tz(&self) -> Result<Tz, ApiError> {
        match &self.tz {
            None => Ok(chrono_tz::Europe::Warsaw),
            Some(t) => t.parse().map_err(|_| {
                ApiError::invalid(format!("tz {t:?} is not an IANA time zone such as Europe/Warsaw"))
            }),
        }
    }
}

type Params = Result<Query<InboxParams>, axum::extract::rejection::QueryRejection>;

fn params(p: Params) -> Result<InboxParams, ApiError> {
    p.map(|Query(p)| p).map_err(|e| ApiError::invalid(e.body_text()))
}

async fn inbox(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let p = params(p)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid(format!("limit {limit} is outside 1..=500")));
    }
    let page = app
        .store
        .messages_page(&p.query()?, p.after.unwrap_or(0), limit)
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let next = (page.len() == limit).then(|| page.last().map(|m| m.row)).flatten();
    Ok(Json(json!({"messages": page, "next_after": next})).into_response())
}

async fn inbox_csv(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let p = params(p)?;
    let mut out = Vec::new();
    report::write_messages_csv(
        app.store.as_ref(),
        &p.query()?,
        &ExportOptions::default().time_zone(p.tz()?).bom(true),
        &mut out,
    )
    .await
    .map_err(export_error)?;
    Ok(csv_response("inbox.csv", out))
}

async fn daily(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let p = params(p)?;
    let days = report::daily_counts(app.store.as_ref(), &p.query()?, p.tz()?)
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let days: Vec<Value> = days.into_iter().map(|(d, n)| json!({"day": d.to_string(), "count": n})).collect();
    Ok(Json(json!({"days": days})).into_response())
}

async fn daily_csv(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let p = params(p)?;
    let mut out = Vec::new();
    report::write_daily_csv(
        app.store.as_ref(),
        &p.query()?,
        &ExportOptions::default().time_zone(p.tz()?).bom(true),
        &mut out,
    )
    .await
    .map_err(export_error)?;
    Ok(csv_response("daily.csv", out))
}

async fn balance(State(app): State<Arc<App>>, Path(account): Path<String>) -> ApiResult {
    if app.settings.accounts.get(&account).is_none() {
        return Err(ApiError::not_found(format!("no account {account:?}")));
    }
    let gw = app
        .settings
        .accounts
        .gateway(&account)
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string()))?;
    let b =
        gw.balance().await.map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string()))?;
    Ok(Json(json!({"account": account, "amount": b.amount, "unit": b.unit})).into_response())
}

async fn openapi(State(app): State<Arc<App>>) -> Response {
    Json(openapi_document_for(app.settings.sandbox)).into_response()
}

fn poll_def_schema() -> Value {
    let option = json!({"type": "object", "required": ["code"], "properties": {
        "code": {"type": "string"}, "aliases": {"type": "array", "items": {"type": "string"}}, "reply": {"type": "string"}}});
    let mut props = serde_json::Map::new();
    for k in [
        "id",
        "name",
        "number",
        "prefix",
        "time_zone",
        "default_reply",
        "out_of_window_reply",
        "over_limit_reply",
        "unknown_reply",
        "pool_exhausted_reply",
        "not_allowed_reply",
        "reply_sender",
        "discount_codes_file",
    ] {
        props.insert(k.into(), json!({"type": "string"}));
    }
    props.insert("start".into(), json!({"type": "string", "format": "date-time"}));
    props.insert("end".into(), json!({"type": "string", "format": "date-time"}));
    props.insert(
        "limit".into(),
        json!({"type": "object", "properties": {"count": {"type": "integer"}, "period": {"type": "string"}}}),
    );
    props.insert("groups".into(), json!({"type": "array", "items": {"type": "string"}}));
    props.insert("options".into(), json!({"type": "array", "items": option}));
    json!({"type": "object", "required": ["id", "name", "number", "options"], "properties": props})
}
