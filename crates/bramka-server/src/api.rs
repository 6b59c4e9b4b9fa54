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
use axum::routing::{MethodRouter, delete, get, post, put};
use bramka_inbound::MessageQuery;
use bramka_inbound::definition::{NumberDef, PollDef};
use bramka_inbound::report::{self, ExportOptions};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::App;
use crate::error::ApiError;
use crate::{flows, sent};

/// One documented route.
pub(crate) struct RouteDoc {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) summary: &'static str,
    /// Parameter lists, concatenated (so shared lists are written once).
    pub(crate) params: &'static [&'static [Param]],
    pub(crate) body: Option<&'static str>,
    pub(crate) ok: (&'static str, &'static str),
}

pub(crate) const JSON: &str = "application/json";
const CSV: &str = "text/csv; charset=utf-8";
/// A documented parameter: name, where (`path` or `query`), description.
pub(crate) type Param = (&'static str, &'static str, &'static str);

const INBOX_PARAMS: &[Param] = &[
    ("since", "query", "received at or after (RFC 3339)"),
    ("until", "query", "received before (RFC 3339)"),
    ("to", "query", "receiving number"),
    ("from", "query", "sender"),
    ("poll", "query", "answers to this poll"),
    ("inbox", "query", "routed to this inbox"),
    ("unmatched", "query", "true: only messages that matched no route"),
];
const PAGE: &[Param] = &[
    ("after", "query", "row id to page after (the previous page's next_after)"),
    ("limit", "query", "rows per page, 1 to 500 (100)"),
];
const DAILY_PARAMS: &[Param] = &[
    ("since", "query", "received at or after (RFC 3339)"),
    ("until", "query", "received before (RFC 3339)"),
    ("to", "query", "receiving number"),
    ("poll", "query", "answers to this poll"),
    ("inbox", "query", "routed to this inbox"),
];
const TZ: &[Param] = &[("tz", "query", "IANA time zone of days and times (Europe/Warsaw)")];
const SENT_PARAMS: &[Param] = &[
    ("since", "query", "sent at or after (RFC 3339)"),
    ("until", "query", "sent before (RFC 3339)"),
    ("account", "query", "account name"),
    ("sender", "query", "sender name or number"),
    ("to", "query", "recipient"),
    ("state", "query", "one state or several, comma-separated (accepted,delivered)"),
    ("campaign", "query", "campaign name"),
    ("operator_id", "query", "the operator's message id"),
    ("client_ref", "query", "the send's client reference"),
];
const ID: &[Param] = &[("id", "path", "poll id")];
const ACCOUNT: &[Param] = &[("account", "path", "account name")];
const CLIENT_REF: &[Param] = &[("client_ref", "path", "the send's client reference (idempotency key)")];
const CAMPAIGN: &[Param] = &[("name", "path", "campaign name")];
const NUMBER: &[Param] = &[("number", "path", "phone number (E.164)")];
const LABEL: &[Param] = &[("label", "path", "the flow's label")];
const CALL_ID: &[Param] = &[("call_id", "path", "the PBX's call id")];
const SCOPE: &[Param] = &[("account", "query", "the account of the suppression (none: every account)")];

/// The API's routes: documentation and handler side by side.
pub(crate) fn routes() -> Vec<(RouteDoc, MethodRouter<Arc<App>>)> {
    let d = |method, path, summary, params, body, ok| RouteDoc { method, path, summary, params, body, ok };
    let mut routes = crate::links::routes();
    routes.extend(crate::scheduled::routes());
    routes.extend(vec![
        (d("get", "/api/v1/polls", "List polls", &[], None, (JSON, "poll definitions")), get(list_polls)),
        (
            d("post", "/api/v1/polls", "Create a poll", &[], Some("PollDef"), (JSON, "the poll as stored")),
            post(create_poll),
        ),
        (
            d("get", "/api/v1/polls/{id}", "One poll", &[ID], None, (JSON, "the poll definition")),
            get(get_poll),
        ),
        (
            d(
                "put",
                "/api/v1/polls/{id}",
                "Replace a poll",
                &[ID],
                Some("PollDef"),
                (JSON, "the poll as stored"),
            ),
            put(put_poll),
        ),
        (
            d(
                "post",
                "/api/v1/polls/{id}/close",
                "Close a poll now",
                &[ID],
                None,
                (JSON, "the poll as stored"),
            ),
            post(close_poll),
        ),
        (
            d(
                "get",
                "/api/v1/polls/{id}/stats",
                "Poll statistics",
                &[ID],
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
                &[ID],
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
                &[ID],
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
                &[INBOX_PARAMS, PAGE],
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
                &[INBOX_PARAMS, TZ],
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
                &[DAILY_PARAMS, TZ],
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
                &[DAILY_PARAMS, TZ],
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
                &[ACCOUNT],
                None,
                (JSON, "amount and unit"),
            ),
            get(balance),
        ),
        // Receiving numbers (kept in the store; the file seeds them on the first start).
        (
            d("get", "/api/v1/numbers", "List receiving numbers", &[], None, (JSON, "number definitions")),
            get(list_numbers),
        ),
        (
            d(
                "post",
                "/api/v1/numbers",
                "Add a receiving number",
                &[],
                Some("NumberDef"),
                (JSON, "the number as stored"),
            ),
            post(create_number),
        ),
        (
            d(
                "put",
                "/api/v1/numbers/{number}",
                "Replace a receiving number (its routes, replies, account)",
                &[NUMBER],
                Some("NumberDef"),
                (JSON, "the number as stored"),
            ),
            put(put_number),
        ),
        (
            d(
                "delete",
                "/api/v1/numbers/{number}",
                "Remove a receiving number (refused while a poll uses it)",
                &[NUMBER],
                None,
                (JSON, "removed"),
            ),
            delete(delete_number),
        ),
        // [[flows]]: the SMS element of a PBX call flow.
        (
            d("get", "/api/v1/flows", "List call-flow SMS elements", &[], None, (JSON, "flow definitions")),
            get(flows::list),
        ),
        (
            d(
                "post",
                "/api/v1/flows/{label}/calls",
                "A call reached the element: send its SMS",
                &[LABEL],
                Some("CallRequest"),
                (JSON, "the send's record (202 when a delay follows)"),
            ),
            post(flows::call),
        ),
        (
            d(
                "get",
                "/api/v1/flows/{label}/calls/{call_id}",
                "What the element did for a call",
                &[LABEL, CALL_ID],
                None,
                (JSON, "the call's records"),
            ),
            get(flows::call_records),
        ),
        // Sends recorded in the ledger.
        (
            d(
                "post",
                "/api/v1/messages",
                "Send a message (idempotent by client_ref)",
                &[],
                Some("SendRequest"),
                (JSON, "every recipient's state"),
            ),
            post(sent::send_message),
        ),
        (
            d(
                "get",
                "/api/v1/messages",
                "Search sent messages (one row per recipient)",
                &[SENT_PARAMS, PAGE],
                None,
                (JSON, "a page of sent messages"),
            ),
            get(sent::search),
        ),
        (
            d(
                "get",
                "/api/v1/messages.csv",
                "Sent messages as CSV (streamed)",
                &[SENT_PARAMS, TZ],
                None,
                (CSV, "one row per recipient"),
            ),
            get(sent::export),
        ),
        (
            d(
                "get",
                "/api/v1/messages/{client_ref}",
                "Delivery state of a message",
                &[CLIENT_REF],
                None,
                (JSON, "every recipient's state"),
            ),
            get(sent::get_message),
        ),
        (
            d(
                "post",
                "/api/v1/campaigns",
                "Start a campaign in the background (202; a rerun with the same name resumes it)",
                &[],
                Some("CampaignRequest"),
                (JSON, "the campaign's progress"),
            ),
            post(sent::create_campaign),
        ),
        (
            d(
                "get",
                "/api/v1/campaigns/{name}",
                "A campaign's recipients and states",
                &[CAMPAIGN],
                None,
                (JSON, "every recipient's state"),
            ),
            get(sent::get_campaign),
        ),
        (
            d(
                "get",
                "/api/v1/campaigns",
                "Campaigns run by the server, newest first",
                &[],
                None,
                (JSON, "each campaign's progress"),
            ),
            get(sent::list_campaigns),
        ),
        (
            d(
                "get",
                "/api/v1/campaigns/{name}/progress",
                "A campaign's run state and counts",
                &[CAMPAIGN],
                None,
                (JSON, "state (running, paused, done, failed) and sent/failed/pending counts"),
            ),
            get(sent::campaign_progress),
        ),
        (
            d(
                "post",
                "/api/v1/campaigns/{name}/pause",
                "Pause a running campaign (before its next request)",
                &[CAMPAIGN],
                None,
                (JSON, "the campaign's progress"),
            ),
            post(sent::pause_campaign),
        ),
        (
            d(
                "post",
                "/api/v1/campaigns/{name}/resume",
                "Resume a paused or failed campaign",
                &[CAMPAIGN],
                None,
                (JSON, "the campaign's progress (202)"),
            ),
            post(sent::resume_campaign),
        ),
        (
            d("get", "/api/v1/suppressions", "The suppression list", &[], None, (JSON, "suppressed numbers")),
            get(sent::list_suppressions),
        ),
        (
            d(
                "post",
                "/api/v1/suppressions",
                "Suppress a number",
                &[],
                Some("SuppressRequest"),
                (JSON, "whether it was added"),
            ),
            post(sent::add_suppression),
        ),
        (
            d(
                "delete",
                "/api/v1/suppressions/{number}",
                "Lift a suppression",
                &[NUMBER, SCOPE],
                None,
                (JSON, "lifted"),
            ),
            delete(sent::remove_suppression),
        ),
        (d("get", "/api/v1/openapi.json", "This document", &[], None, (JSON, "OpenAPI 3.1")), get(openapi)),
    ]);
    routes
}

/// The OpenAPI 3.1 document of the API, generated from its route table.
pub fn openapi_document() -> Value {
    openapi_document_for(false)
}

/// The OpenAPI 3.1 document of the API, with the sandbox's `/api/v1/sandbox` routes (generated
/// from the sandbox's own route table) when `sandbox` is on (`bramka serve --sandbox`).
pub fn openapi_document_for(sandbox: bool) -> Value {
    let mut paths: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    // The server's own routes, then the sandbox's (from its route table): full path, doc and
    // parameters.
    let mut docs: Vec<(String, RouteDoc, Vec<Param>)> = routes()
        .into_iter()
        .map(|(r, _)| {
            let params = r.params.iter().flat_map(|list| list.iter().copied()).collect();
            (r.path.to_owned(), r, params)
        })
        .collect();
    for r in sandbox.then(bramka_sandbox::Sandbox::api_docs).unwrap_or_default() {
        let doc = RouteDoc {
            method: r.method,
            path: r.path,
            summary: r.summary,
            params: &[],
            body: r.body.map(|_| "SandboxRequest"),
            ok: (JSON, "the sandbox's answer"),
        };
        docs.push((format!("/api/v1/sandbox{}", r.path), doc, r.params.to_vec()));
    }
    for (path, r, params) in docs {
        let params: Vec<Value> = params
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
                "NumberDef": number_def_schema(),
                "CallRequest": {"type": "object", "required": ["call_id"], "properties": {
                    "call_id": {"type": "string"}, "caller": {"type": "string"}, "called": {"type": "string"}}},
                "SendRequest": send_schema(false),
                "CampaignRequest": send_schema(true),
                "SuppressRequest": {"type": "object", "required": ["number"], "properties": {
                    "number": {"type": "string"}, "account": {"type": "string"}, "reason": {"type": "string"}}},
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

async fn list_numbers(State(app): State<Arc<App>>) -> ApiResult {
    Ok(Json(json!({"numbers": app.numbers()})).into_response())
}

type NumberBody = Result<Json<NumberDef>, axum::extract::rejection::JsonRejection>;

async fn create_number(State(app): State<Arc<App>>, body: NumberBody) -> ApiResult {
    let Json(def) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    let mut numbers = app.numbers();
    if numbers.iter().any(|n| n.number == def.number) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("number {:?} exists; PUT it to replace it", def.number),
        ));
    }
    numbers.push(def.clone());
    app.save_numbers(numbers).await?;
    tracing::info!(number = %def.number, "receiving number added");
    Ok((StatusCode::CREATED, Json(def)).into_response())
}

async fn put_number(State(app): State<Arc<App>>, Path(number): Path<String>, body: NumberBody) -> ApiResult {
    let Json(def) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    if def.number != number {
        return Err(ApiError::invalid(format!(
            "the body's number {:?} differs from the path's {number:?}",
            def.number
        )));
    }
    let mut numbers = app.numbers();
    let i = numbers
        .iter()
        .position(|n| n.number == number)
        .ok_or_else(|| ApiError::not_found(format!("no number {number:?}")))?;
    numbers[i] = def.clone();
    app.save_numbers(numbers).await?;
    Ok(Json(def).into_response())
}

async fn delete_number(State(app): State<Arc<App>>, Path(number): Path<String>) -> ApiResult {
    let mut numbers = app.numbers();
    let before = numbers.len();
    numbers.retain(|n| n.number != number);
    if numbers.len() == before {
        return Err(ApiError::not_found(format!("no number {number:?}")));
    }
    app.save_numbers(numbers).await?;
    tracing::info!(number = %number, "receiving number removed");
    Ok(Json(json!({"removed": number})).into_response())
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

/// The two CSV reports of received messages.
#[derive(Clone, Copy)]
enum InboxReport {
    /// One row per message.
    Detailed,
    /// One row per local day.
    Daily,
}

/// A CSV report of the received messages matching the request's filters, times in its zone.
async fn inbox_report(app: &App, p: Params, report: InboxReport) -> ApiResult {
    let p = params(p)?;
    let (q, opts) = (p.query()?, ExportOptions::default().time_zone(p.tz()?).bom(true));
    let (store, mut out) = (app.store.as_ref(), Vec::new());
    let name = match report {
        InboxReport::Detailed => {
            report::write_messages_csv(store, &q, &opts, &mut out).await.map_err(export_error)?;
            "inbox.csv"
        }
        InboxReport::Daily => {
            report::write_daily_csv(store, &q, &opts, &mut out).await.map_err(export_error)?;
            "daily.csv"
        }
    };
    Ok(csv_response(name, out))
}

async fn inbox_csv(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    inbox_report(&app, p, InboxReport::Detailed).await
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
    inbox_report(&app, p, InboxReport::Daily).await
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

fn send_schema(campaign: bool) -> Value {
    let to = json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]});
    let mut props = serde_json::Map::new();
    props.insert("account".into(), json!({"type": "string"}));
    props.insert("to".into(), to);
    props.insert("text".into(), json!({"type": "string"}));
    props.insert("sender".into(), json!({"type": "string"}));
    let mut required = vec!["account", "to", "text"];
    if campaign {
        props.insert("name".into(), json!({"type": "string", "maxLength": 64}));
        props.insert("chunk_size".into(), json!({"type": "integer", "minimum": 1}));
        required.push("name");
    } else {
        props.insert("client_ref".into(), json!({"type": "string", "description": "idempotency key"}));
        props.insert(
            "send_at".into(),
            json!({"type": "string", "format": "date-time", "description": "send later, at this time"}),
        );
    }
    json!({"type": "object", "required": required, "properties": props})
}

fn number_def_schema() -> Value {
    let route = json!({"type": "object", "required": ["prefix", "inbox"], "properties": {
        "prefix": {"type": "string"}, "inbox": {"type": "string"}}});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({"type": "object", "required": ["number"], "properties": {
        "number": {"type": "string"},
        "kind": {"type": "string", "enum": ["dedicated", "shared"]},
        "account": {"type": "string", "description": "the account that receives on it and sends its replies"},
        "auto_reply": {"type": "string"}, "unmatched_reply": {"type": "string"}, "reply_sender": {"type": "string"},
        "forward_sms": strings.clone(), "forward_email": strings,
        "inbox": {"type": "string"}, "routes": {"type": "array", "items": route}}})
}
