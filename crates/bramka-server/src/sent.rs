//! Sends recorded in the ledger (bramka-ledger): one message or a campaign through an account,
//! idempotent by its client reference; the sent messages' search, streaming CSV export and
//! delivery state; the suppression list. Handlers are thin: parse, call the ledger, answer.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bramka::accounts::Outgoing;
use bramka_core::{ClientRef, Gateway, PhoneNumber};
use bramka_ledger::{Entry, Ledger, Scope};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::error::ApiError;

type ApiResult = Result<Response, ApiError>;

pub(crate) fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::unavailable(format!("ledger: {e}"))
}

/// One or several recipients (`"+48600100200"` or `["+48600100200", "600100201"]`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Recipients {
    One(String),
    Many(Vec<String>),
}

impl Recipients {
    fn joined(&self) -> String {
        match self {
            Recipients::One(s) => s.clone(),
            Recipients::Many(v) => v.join(", "),
        }
    }
}

/// `POST /api/v1/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendRequest {
    account: String,
    to: Recipients,
    text: String,
    #[serde(default)]
    sender: Option<String>,
    /// The idempotency key: a repeated request with the same key sends nothing and answers the
    /// first one's recipients.
    #[serde(default)]
    client_ref: Option<String>,
    /// Send later, at this time (RFC 3339); listed by `GET /api/v1/accounts/{account}/scheduled`.
    #[serde(default)]
    send_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/campaigns`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CampaignRequest {
    name: String,
    account: String,
    to: Recipients,
    text: String,
    #[serde(default)]
    sender: Option<String>,
    #[serde(default)]
    chunk_size: Option<usize>,
}

/// The JSON of one recipient's entry.
pub(crate) fn entry_json(e: &Entry) -> Value {
    json!({
        "id": e.id, "to": e.to, "state": e.state.as_str(), "final": e.state.is_final(),
        "account": e.account, "gateway": e.gateway, "sender": e.sender, "campaign": e.campaign,
        "client_ref": e.client_ref, "operator_id": e.operator_id,
        "delivery_status": e.delivery_status, "parts": e.parts, "price": e.price, "currency": e.currency,
        "error": e.error_kind.as_ref().map(|k| json!({"kind": k, "code": e.error_code, "message": e.error_message, "certainty": e.certainty})),
        "created_at": e.created_at.to_rfc3339(), "updated_at": e.updated_at.to_rfc3339(),
    })
}

impl App {
    /// The gateway of `account`, every send through it recorded in the ledger (the console in
    /// sandbox mode).
    pub(crate) fn ledger_gateway(&self, account: &str) -> Result<Arc<dyn Gateway>, String> {
        ledger_gateway(&self.settings, &self.ledger, account)
    }

    /// Sends through `account`, recorded in the ledger, once per `client_ref`: with a key
    /// already recorded nothing is sent and the first send's entries are returned (`true`).
    pub(crate) async fn send_once(
        &self,
        account: &str,
        out: Outgoing,
        client_ref: Option<String>,
    ) -> Result<(Vec<Entry>, bool, Option<String>), ApiError> {
        if self.settings.accounts.get(account).is_none() {
            return Err(ApiError::invalid(format!("no account named {account:?}")));
        }
        let key = match client_ref {
            Some(k) => {
                ClientRef::new(&k).map_err(|e| ApiError::invalid(format!("client_ref: {e}")))?;
                k
            }
            None => ClientRef::generate().as_str().to_owned(),
        };
        // Claimed in the ledger, so two instances on one database never both send with a key.
        // Recorded (Taken with a message): answered below from the ledger as a duplicate.
        if let bramka_ledger::RefClaim::Taken { at, message: None } =
            self.ledger.claim_client_ref(account, &key).await.map_err(store_error)?
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "a send with client_ref {key:?} is in progress (claimed at {}); repeat the request later",
                    at.to_rfc3339()
                ),
            ));
        }
        let found = self
            .ledger
            .entries(&bramka_ledger::Query::all().client_ref(key.clone()))
            .await
            .map_err(store_error)?;
        if !found.is_empty() {
            if found.iter().any(|e| e.account != account) {
                if let Err(e) = self.ledger.store().release_client_ref(account, &key).await {
                    tracing::warn!(error = %e, "ledger: a client_ref claim was not released");
                }
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("client_ref {key:?} was used for a send through another account"),
                ));
            }
            return Ok((found, true, None));
        }
        let release = || async {
            // Nothing recorded under the key (refused before any I/O): free it for a retry.
            if let Err(e) = self.ledger.store().release_client_ref(account, &key).await {
                tracing::warn!(error = %e, "ledger: a client_ref claim was not released");
            }
        };
        let msg = match self
            .settings
            .accounts
            .prepare(account, out)
            .await
            .and_then(|m| m.to_builder().client_ref(&key).build().map_err(bramka_core::Error::from))
        {
            Ok(m) => m,
            Err(e) => {
                release().await;
                return Err(ApiError::invalid(e.to_string()));
            }
        };
        if let Err(e) = self.attach_links(&msg, account).await {
            release().await;
            return Err(e);
        }
        let gw = match self.ledger_gateway(account) {
            Ok(gw) => gw,
            Err(e) => {
                release().await;
                return Err(ApiError::unavailable(e));
            }
        };
        let error = gw.send(&msg).await.err().map(|e| e.to_string());
        let entries = self
            .ledger
            .entries(&bramka_ledger::Query::all().client_ref(key.clone()))
            .await
            .map_err(store_error)?;
        if entries.is_empty() {
            release().await;
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream",
                error.unwrap_or_else(|| "nothing was recorded".into()),
            ));
        }
        tracing::info!(account, recipients = entries.len(), "message sent through the API");
        Ok((entries, false, error))
    }

    /// Holds `key` while one request works on it: a concurrent request with the same key is
    /// refused (409) instead of sending twice.
    fn claim_key(&self, key: &str) -> Result<KeyClaim<'_>, ApiError> {
        let mut set = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(key.to_owned()) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("a send with client_ref {key:?} is in progress; repeat the request later"),
            ));
        }
        Ok(KeyClaim { app: self, key: key.to_owned() })
    }
}

/// The gateway of `account` (the console in sandbox mode), every send recorded in `ledger`.
pub(crate) fn ledger_gateway(
    settings: &crate::Settings,
    ledger: &Ledger,
    account: &str,
) -> Result<Arc<dyn Gateway>, String> {
    Ok(Arc::new(ledger.gateway(bare_gateway(settings, account)?).account(account)))
}

/// The gateway of `account` (the console in sandbox mode), not recorded.
pub(crate) fn bare_gateway(settings: &crate::Settings, account: &str) -> Result<Arc<dyn Gateway>, String> {
    if settings.sandbox {
        bramka::connect("console://default").map_err(|e| e.to_string())
    } else {
        settings.accounts.gateway(account).map_err(|e| e.to_string())
    }
}

struct KeyClaim<'a> {
    app: &'a App,
    key: String,
}

impl Drop for KeyClaim<'_> {
    fn drop(&mut self) {
        self.app.inflight.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key);
    }
}

async fn message_json(ledger: &Ledger, entries: &[Entry]) -> Result<Value, ApiError> {
    let record = match entries.first() {
        Some(e) => ledger.store().message(e.message).await.map_err(store_error)?,
        None => None,
    };
    Ok(json!({
        "client_ref": entries.first().map(|e| e.client_ref.clone()),
        "text": record.as_ref().map(|m| m.text.clone()),
        "encoding": record.as_ref().map(|m| m.encoding.clone()),
        "parts": record.as_ref().map(|m| m.parts),
        "recipients": entries.iter().map(entry_json).collect::<Vec<_>>(),
    }))
}

pub(crate) async fn send_message(
    State(app): State<Arc<App>>,
    body: Result<Json<SendRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(r) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    let mut out = Outgoing::new(r.to.joined(), r.text);
    out.sender = r.sender;
    out.send_at = r.send_at;
    let (entries, duplicate, error) = app.send_once(&r.account, out, r.client_ref).await?;
    let mut body = message_json(&app.ledger, &entries).await?;
    body["duplicate"] = json!(duplicate);
    body["error"] = json!(error);
    let status = if duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(body)).into_response())
}

/// `GET /api/v1/messages/{client_ref}`: every recipient's state.
pub(crate) async fn get_message(State(app): State<Arc<App>>, Path(key): Path<String>) -> ApiResult {
    let entries = app
        .ledger
        .entries(&bramka_ledger::Query::all().client_ref(key.clone()))
        .await
        .map_err(store_error)?;
    if entries.is_empty() {
        return Err(ApiError::not_found(format!("no message with client_ref {key:?}")));
    }
    Ok(Json(message_json(&app.ledger, &entries).await?).into_response())
}

/// Filters of the sent messages, as query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SentParams {
    pub(crate) since: Option<DateTime<Utc>>,
    pub(crate) until: Option<DateTime<Utc>>,
    pub(crate) account: Option<String>,
    pub(crate) sender: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) campaign: Option<String>,
    pub(crate) operator_id: Option<String>,
    pub(crate) client_ref: Option<String>,
    pub(crate) after: Option<i64>,
    pub(crate) limit: Option<usize>,
    pub(crate) tz: Option<String>,
}

impl SentParams {
    pub(crate) fn query(&self) -> Result<bramka_ledger::Query, ApiError> {
        let some =
            |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let mut q = bramka_ledger::Query::all();
        q.from = self.since;
        q.until = self.until;
        q.account = some(&self.account);
        q.sender = some(&self.sender);
        if let Some(to) = some(&self.to) {
            let n = PhoneNumber::parse(&to).map_err(|e| ApiError::invalid(format!("to: {e}")))?;
            q.recipient = Some(n.e164());
        }
        if let Some(s) = some(&self.state) {
            for one in s.split(',') {
                let st = bramka_ledger::State::parse(one.trim()).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "state {one:?} is not one of not_attempted, pending, accepted, rejected, uncertain, delivered, undelivered, expired, canceled, unknown"
                    ))
                })?;
                q = q.state(st);
            }
        }
        q.campaign = some(&self.campaign);
        q.operator_id = some(&self.operator_id);
        q.client_ref = some(&self.client_ref);
        Ok(q)
    }
    fn tz(&self) -> Result<Tz, ApiError> {
        match &self.tz {
            None => Ok(bramka_ledger::DEFAULT_TZ),
            Some(t) => t.parse().map_err(|_| {
                ApiError::invalid(format!("tz {t:?} is not an IANA time zone such as Europe/Warsaw"))
            }),
        }
    }
}

type Params = Result<Query<SentParams>, axum::extract::rejection::QueryRejection>;

fn params(p: Params) -> Result<SentParams, ApiError> {
    p.map(|Query(p)| p).map_err(|e| ApiError::invalid(e.body_text()))
}

/// `GET /api/v1/messages`: a page of sent messages (one row per recipient).
pub(crate) async fn search(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let p = params(p)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid(format!("limit {limit} is outside 1..=500")));
    }
    let page = app
        .ledger
        .store()
        .entries_page(&p.query()?, p.after.unwrap_or(0), limit)
        .await
        .map_err(store_error)?;
    let next = (page.len() == limit).then(|| page.last().map(|e| e.id)).flatten();
    let rows: Vec<Value> = page.iter().map(entry_json).collect();
    Ok(Json(json!({"messages": rows, "next_after": next})).into_response())
}

/// Entries read (and rendered) per chunk of a CSV export.
pub(crate) const CSV_PAGE: usize = 500;

/// The ledger's CSV export as a stream of chunks, one page of the store each, read only when the
/// client takes the previous chunk: a slow reader holds at most one page in memory, whatever the
/// number of rows. `fetched` counts the entries read from the store so far.
pub(crate) fn csv_chunks(
    ledger: Ledger,
    q: bramka_ledger::Query,
    tz: Tz,
    fetched: Arc<std::sync::atomic::AtomicUsize>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    // (after, first): the keyset position and whether the header is still to come; `None`
    // once the last page was sent.
    futures::stream::unfold(Some((0i64, true)), move |pos| {
        let (ledger, q, fetched) = (ledger.clone(), q.clone(), fetched.clone());
        async move {
            let (after, first) = pos?;
            let page = match ledger.store().entries_page(&q, after, CSV_PAGE).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "CSV export of sent messages stopped");
                    return Some((Err(std::io::Error::other(e.to_string())), None));
                }
            };
            fetched.fetch_add(page.len(), std::sync::atomic::Ordering::SeqCst);
            let next = match page.last() {
                Some(last) if page.len() == CSV_PAGE => Some((last.id, false)),
                _ => None,
            };
            let mut chunk = Vec::new();
            if first {
                // A UTF-8 byte order mark first, so spreadsheets read Polish letters right.
                chunk.extend_from_slice("\u{feff}".as_bytes());
            }
            match bramka_ledger::query::csv_rows(&page, tz, first) {
                Ok(rows) => chunk.extend_from_slice(&rows),
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
            }
            Some((Ok(chunk), next))
        }
    })
}

/// Streams the ledger's CSV export (page by page from the store, as the client reads) as the
/// response body.
pub(crate) fn csv_stream(ledger: Ledger, q: bramka_ledger::Query, tz: Tz, name: &str) -> Response {
    let stream = csv_chunks(ledger, q, tz, Arc::default());
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `GET /api/v1/messages.csv`.
pub(crate) async fn export(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let p = params(p)?;
    if p.after.is_some() || p.limit.is_some() {
        return Err(ApiError::invalid(
            "the CSV export has every matching row; after and limit are for pages",
        ));
    }
    Ok(csv_stream(app.ledger.clone(), p.query()?, p.tz()?, "sent.csv"))
}

fn numbers(r: &Recipients) -> Vec<String> {
    match r {
        Recipients::One(s) => vec![s.clone()],
        Recipients::Many(v) => v.clone(),
    }
}

/// A campaign's progress and every recipient's state.
async fn campaign_json(app: &App, name: &str) -> Result<Value, ApiError> {
    let progress = app.campaign_progress(name).await?;
    let c = app.ledger.store().campaign(name).await.map_err(store_error)?;
    let entries =
        app.ledger.entries(&bramka_ledger::Query::all().campaign(name)).await.map_err(store_error)?;
    let mut body = message_json(&app.ledger, &entries).await?;
    body["campaign"] = json!(name);
    body["chunk_size"] = json!(c.map(|c| c.chunk_size));
    body["states"] = json!(progress.states);
    body["progress"] = json!(progress);
    Ok(body)
}

/// `POST /api/v1/campaigns`: records every recipient and answers 202 at once; the campaign is
/// sent in the background (its progress at `GET /api/v1/campaigns/{name}/progress`). Repeating
/// it with the same name resumes a paused or failed one (nobody is sent twice).
pub(crate) async fn create_campaign(
    State(app): State<Arc<App>>,
    body: Result<Json<CampaignRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(r) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    if r.name.trim().is_empty() || r.name.len() > 64 {
        return Err(ApiError::invalid("name: 1 to 64 characters"));
    }
    if numbers(&r.to).is_empty() {
        return Err(ApiError::invalid("to: at least one recipient"));
    }
    if app.settings.accounts.get(&r.account).is_none() {
        return Err(ApiError::invalid(format!("no account named {:?}", r.account)));
    }
    let _claim = app.claim_key(&format!("campaign:{}", r.name))?;
    let mut out = Outgoing::new(r.to.joined(), r.text);
    out.sender = r.sender;
    // A rerun reuses the first run's short links, so its text is the same and it resumes.
    let first = match app.ledger.store().campaign(&r.name).await.map_err(store_error)? {
        Some(c) => app.ledger.store().message(c.message).await.map_err(store_error)?.map(|m| m.client_ref),
        None => None,
    };
    let msg = app
        .reusing_links(first.as_deref(), app.settings.accounts.prepare(&r.account, out))
        .await?
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    if first.is_none() {
        app.attach_links(&msg, &r.account).await?;
    }
    // The campaign runner records every outcome itself, so it gets the bare account.
    let inner = bare_gateway(&app.settings, &r.account).map_err(ApiError::unavailable)?;
    app.ledger
        .create_campaign(&r.name, &r.account, inner.id(), &msg, r.chunk_size.unwrap_or(100))
        .await
        .map_err(|e| match e {
            bramka_ledger::StoreError::CampaignMismatch { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            other => store_error(other),
        })?;
    let started = app.start_campaign(&r.name).await?;
    tracing::info!(campaign = %r.name, started, "campaign accepted");
    let progress = app.campaign_progress(&r.name).await?;
    let body = json!({"campaign": r.name, "progress": progress,
        "progress_url": format!("/api/v1/campaigns/{}/progress", r.name)});
    let status = if started { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, [(header::LOCATION, format!("/api/v1/campaigns/{}", r.name))], Json(body)).into_response())
}

/// `GET /api/v1/campaigns/{name}`.
pub(crate) async fn get_campaign(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult {
    Ok(Json(campaign_json(&app, &name).await?).into_response())
}

/// `GET /api/v1/campaigns/{name}/progress`: the run state and the counts, without recipients.
pub(crate) async fn campaign_progress(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult {
    let p = app.campaign_progress(&name).await?;
    Ok(Json(json!({"campaign": name, "progress": p})).into_response())
}

/// `GET /api/v1/campaigns`: every campaign run through the server, newest first.
pub(crate) async fn list_campaigns(State(app): State<Arc<App>>) -> ApiResult {
    let mut out = Vec::new();
    for j in app.campaign_jobs().await? {
        out.push(json!({"campaign": j.key, "progress": app.campaign_progress(&j.key).await?}));
    }
    Ok(Json(json!({"campaigns": out})).into_response())
}

/// `POST /api/v1/campaigns/{name}/pause`.
pub(crate) async fn pause_campaign(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult {
    app.campaign_progress(&name).await?;
    if !app.pause_campaign(&name).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("campaign {name:?} is not running"),
        ));
    }
    Ok(Json(json!({"campaign": name, "progress": app.campaign_progress(&name).await?})).into_response())
}

/// `POST /api/v1/campaigns/{name}/resume`.
pub(crate) async fn resume_campaign(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult {
    app.campaign_progress(&name).await?;
    if !app.start_campaign(&name).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "conflict", format!("campaign {name:?} is done")));
    }
    let p = app.campaign_progress(&name).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"campaign": name, "progress": p}))).into_response())
}

/// `POST /api/v1/suppressions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuppressRequest {
    pub(crate) number: String,
    /// An account; none for every account.
    #[serde(default)]
    pub(crate) account: Option<String>,
    #[serde(default)]
    pub(crate) reason: Option<String>,
}

/// `?account=` of a suppression.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeParam {
    #[serde(default)]
    pub(crate) account: Option<String>,
}

pub(crate) fn scope_of(account: Option<&str>) -> Scope {
    match account.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Scope::account(a),
        None => Scope::Global,
    }
}

fn suppression_json(s: &bramka_ledger::Suppression) -> Value {
    let account = match &s.scope {
        Scope::Account(a) => Some(a.clone()),
        _ => None,
    };
    json!({"number": s.number, "account": account, "reason": s.reason, "at": s.at.to_rfc3339()})
}

/// `GET /api/v1/suppressions`.
pub(crate) async fn list_suppressions(State(app): State<Arc<App>>) -> ApiResult {
    let all = app.ledger.suppressions().await.map_err(store_error)?;
    Ok(Json(json!({"suppressions": all.iter().map(suppression_json).collect::<Vec<_>>()})).into_response())
}

impl App {
    /// Adds a suppression by hand; `false` when the number already was.
    pub(crate) async fn suppress(&self, r: SuppressRequest) -> Result<bool, ApiError> {
        let n = PhoneNumber::parse(&r.number).map_err(|e| ApiError::invalid(format!("number: {e}")))?;
        if let Some(a) = r.account.as_deref().filter(|a| !a.is_empty())
            && self.settings.accounts.get(a).is_none()
        {
            return Err(ApiError::invalid(format!("no account named {a:?}")));
        }
        let reason = r.reason.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "added by hand".into());
        self.ledger.suppress(&n, scope_of(r.account.as_deref()), &reason).await.map_err(store_error)
    }

    /// Lifts a suppression; `false` when there was none.
    pub(crate) async fn lift(&self, number: &str, account: Option<&str>) -> Result<bool, ApiError> {
        let n = PhoneNumber::parse(number).map_err(|e| ApiError::invalid(format!("number: {e}")))?;
        self.ledger.lift(&n, &scope_of(account)).await.map_err(store_error)
    }
}

pub(crate) async fn add_suppression(
    State(app): State<Arc<App>>,
    body: Result<Json<SuppressRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(r) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    let added = app.suppress(r).await?;
    let status = if added { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"added": added}))).into_response())
}

/// `DELETE /api/v1/suppressions/{number}?account=`.
pub(crate) async fn remove_suppression(
    State(app): State<Arc<App>>,
    Path(number): Path<String>,
    q: Result<Query<ScopeParam>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    if app.lift(&number, q.account.as_deref()).await? {
        Ok(Json(json!({"lifted": true})).into_response())
    } else {
        Err(ApiError::not_found(format!("{number} is not suppressed in that scope")))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use bramka_core::Message;
    use bramka_core::testing::NullGateway;
    use futures::StreamExt;

    use super::*;

    /// A reader that takes one chunk and then stops reading: the export has read one page from
    /// the store, not the 5,000 rows; reading on fetches the rest page by page.
    #[tokio::test]
    async fn csv_export_reads_the_store_only_as_fast_as_the_client_reads() {
        let ledger = Ledger::in_memory();
        let gw = ledger.gateway(NullGateway::new());
        let rows = 5_000usize;
        let to: Vec<String> = (0..rows).map(|i| format!("+48600{i:06}")).collect();
        for chunk in to.chunks(1000) {
            let mut b = Message::builder().text("Hej");
            for n in chunk {
                b = b.to(n.as_str());
            }
            gw.send(&b.build().unwrap()).await.unwrap();
        }
        let fetched = Arc::new(AtomicUsize::new(0));
        let stream =
            csv_chunks(ledger, bramka_ledger::Query::all(), bramka_ledger::DEFAULT_TZ, fetched.clone());
        futures::pin_mut!(stream);
        let first = stream.next().await.unwrap().unwrap();
        assert!(first.starts_with("\u{feff}id,created_at,".as_bytes()));
        // The slow reader waits; nothing more is read from the store meanwhile.
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(fetched.load(Ordering::SeqCst), CSV_PAGE, "one page buffered, not {rows} rows");
        // The rest, page by page: every row once, the header once.
        let mut text = String::from_utf8(first).unwrap();
        let mut chunks = 1;
        while let Some(c) = stream.next().await {
            let c = c.unwrap();
            assert!(fetched.load(Ordering::SeqCst) <= (chunks + 1) * CSV_PAGE);
            text.push_str(std::str::from_utf8(&c).unwrap());
            chunks += 1;
        }
        assert_eq!(fetched.load(Ordering::SeqCst), rows);
        assert_eq!(text.lines().count(), rows + 1);
        assert_eq!(text.matches("id,created_at").count(), 1);
        assert_eq!(chunks, rows / CSV_PAGE + 1, "the last, empty page ends the stream");
    }
}
