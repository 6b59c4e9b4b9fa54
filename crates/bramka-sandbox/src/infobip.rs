//! Infobip under `/sandbox/infobip/`: sends (v3 and v2) with client `messageId` de-duplication
//! (a reused id gets status 23 `REJECTED_DUPLICATE_MESSAGE_ID`), scheduled bulks
//! (PENDING/PAUSED/CANCELED, reschedule), reports pulled once, logs, inbox, balance.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::fault::Route;
use crate::record::{Direction, Operator, Received, SimState};
use crate::sandbox::{Bulk, Sandbox, billing, lock};

pub(crate) const ERROR_500: &str = r#"{"errorCode":"E500","description":"Something went wrong.","action":"Contact the support.","violations":[],"resources":[]}"#;
pub(crate) const ERROR_429: &str = r#"{"errorCode":"E429","description":"Too many requests sent.","action":"Check request rate limit specified in the API endpoint documentation resource.","violations":[],"resources":[]}"#;
const ERROR_401: &str = r#"{"errorCode":"E401","description":"The request lacks valid authentication credentials for the requested resource.","action":"Check the resources and adjust authentication credentials.","violations":[],"resources":[]}"#;
const LEGACY_401: &str =
    r#"{"requestError":{"serviceException":{"messageId":"UNAUTHORIZED","text":"Invalid login details"}}}"#;
const BULK_NOT_FOUND: &str =
    r#"{"requestError":{"serviceException":{"messageId":"NOT_FOUND","text":"Bulk not found"}}}"#;
/// Price of one part in the sandbox (EUR).
pub(crate) const PRICE_PER_PART: f64 = 0.01;
const START_BALANCE: f64 = 100.0;

pub(crate) fn router(sb: Sandbox) -> Router {
    Router::new()
        .route("/sms/3/messages", post(send_v3))
        .route("/sms/2/text/advanced", post(send_v2))
        .route("/sms/3/reports", get(reports))
        .route("/sms/3/logs", get(logs))
        .route("/sms/1/inbox/reports", get(inbox))
        .route("/sms/1/bulks", get(bulk_get).put(bulk_reschedule))
        .route("/sms/1/bulks/status", get(bulk_status).put(bulk_set_status))
        .route("/account/1/balance", get(balance))
        .with_state(sb)
}

fn answer(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.into()).into_response()
}

fn authorized(sb: &Sandbox, headers: &HeaderMap) -> bool {
    match &sb.inner.config.infobip_api_key {
        None => true,
        Some(k) => crate::auth::scheme(headers, "App").is_some_and(|got| crate::auth::same(got, k)),
    }
}

fn bad_request_v3(property: &str, violation: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        json!({"errorCode": "E400", "description": "Request cannot be processed.", "action": "Check the syntax, violations and adjust the request.",
            "violations": [{"property": property, "violation": violation}], "resources": []})
        .to_string(),
    )
}

fn bad_request_legacy(text: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        json!({"requestError": {"serviceException": {"messageId": "BAD_REQUEST", "text": text}}}).to_string(),
    )
}

/// The legacy 400 with `validationErrors` (property to messages), as the v1/v2 endpoints answer.
fn bad_request_validation(refused: &[crate::schema::Violation]) -> Response {
    let mut errors = serde_json::Map::new();
    for v in refused {
        let list = errors.entry(v.property.clone()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.push(Value::from(v.violation.clone()));
        }
    }
    answer(
        StatusCode::BAD_REQUEST,
        json!({"requestError": {"serviceException": {"messageId": "BAD_REQUEST", "text": "Bad request", "validationErrors": errors}}})
            .to_string(),
    )
}

/// Infobip's date-time form: `2019-11-09T16:00:00.000+0000`.
pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `(status, error)` objects for a simulated state.
pub(crate) fn status_json(s: SimState) -> (Value, Value) {
    let ok = json!({"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "description": "No Error", "permanent": false});
    match s {
        // An inbound message (looked up by its id) reads as delivered.
        SimState::Delivered | SimState::Stopped | SimState::Received => (
            json!({"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET", "description": "Message delivered to handset"}),
            ok,
        ),
        SimState::Undelivered => (
            json!({"groupId": 2, "groupName": "UNDELIVERABLE", "id": 9, "name": "UNDELIVERABLE_NOT_DELIVERED", "description": "Message sent not delivered"}),
            json!({"groupId": 1, "groupName": "HANDSET_ERRORS", "id": 1, "name": "EC_UNKNOWN_SUBSCRIBER", "description": "Unknown Subscriber", "permanent": true}),
        ),
        SimState::Expired => (
            json!({"groupId": 4, "groupName": "EXPIRED", "id": 15, "name": "EXPIRED_EXPIRED", "description": "Message expired"}),
            json!({"groupId": 1, "groupName": "HANDSET_ERRORS", "id": 27, "name": "EC_ABSENT_SUBSCRIBER", "description": "Absent Subscriber", "permanent": false}),
        ),
        SimState::Canceled => (
            json!({"groupId": 5, "groupName": "REJECTED", "id": 6, "name": "REJECTED_NETWORK", "description": "Message canceled"}),
            json!({"groupId": 2, "groupName": "USER_ERRORS", "id": 4100, "name": "EC_MESSAGE_CANCELED", "description": "Message canceled", "permanent": true}),
        ),
        SimState::Queued | SimState::Scheduled | SimState::Test => (pending(), ok),
    }
}

fn pending() -> Value {
    json!({"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED", "description": "Message sent to next instance"})
}

fn duplicate() -> Value {
    json!({"groupId": 5, "groupName": "REJECTED", "id": 23, "name": "REJECTED_DUPLICATE_MESSAGE_ID", "description": "Message ID is already in use"})
}

fn rejected_destination() -> Value {
    json!({"groupId": 5, "groupName": "REJECTED", "id": 52, "name": "REJECTED_DESTINATION", "description": "Invalid destination address"})
}

/// One message object of a request, in either version.
struct Msg {
    sender: Option<String>,
    text: String,
    destinations: Vec<(String, Option<String>)>,
    notify_url: Option<String>,
    send_at: Option<DateTime<Utc>>,
}

fn str_at<'v>(v: &'v Value, path: &str) -> Option<&'v str> {
    v.pointer(path).and_then(Value::as_str)
}

fn destinations(m: &Value) -> Vec<(String, Option<String>)> {
    m.get("destinations")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .map(|d| {
                    (str_at(d, "/to").unwrap_or("").to_owned(), str_at(d, "/messageId").map(str::to_owned))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn send_v3(State(sb): State<Sandbox>, headers: HeaderMap, body: Body) -> Response {
    if !authorized(&sb, &headers) {
        return answer(StatusCode::UNAUTHORIZED, ERROR_401);
    }
    let sb2 = sb.clone();
    sb.faulted(Route::InfobipSend, Operator::Infobip, crate::auth::scheme(&headers, "App"), body, move |bytes: Bytes| async move {
        let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
            return (bad_request_v3("body", "must be a JSON object"), 0);
        };
        let Some(ms) = v.get("messages").and_then(Value::as_array).filter(|m| !m.is_empty()) else {
            return (bad_request_v3("messages", "size must be between 1 and 2147483647"), 0);
        };
        let send_at = str_at(&v, "/options/schedule/sendAt").and_then(parse_time);
        let mut msgs = Vec::new();
        for (i, m) in ms.iter().enumerate() {
            let Some(text) = str_at(m, "/content/text") else {
                return (bad_request_v3(&format!("messages[{i}].content.text"), "must not be null"), 0);
            };
            let d = destinations(m);
            if d.is_empty() {
                return (bad_request_v3(&format!("messages[{i}].destinations"), "size must be between 1 and 2147483647"), 0);
            }
            msgs.push(Msg {
                sender: str_at(m, "/sender").map(str::to_owned),
                text: text.to_owned(),
                destinations: d,
                notify_url: str_at(m, "/webhooks/delivery/url").map(str::to_owned),
                send_at,
            });
        }
        if let Some(x) = crate::schema::check(crate::schema::Op::InfobipV3, &v).into_iter().next() {
            return (bad_request_v3(&x.property, &x.violation), 0);
        }
        let bulk = str_at(&v, "/options/schedule/bulkId").map(str::to_owned);
        let (bulk, out, n) = accept_all(&sb2, bulk, msgs, "v3");
        let list: Vec<Value> = out
            .into_iter()
            .map(|(id, status, to, parts)| {
                json!({"messageId": id, "status": status, "destination": to, "details": {"messageCount": parts}})
            })
            .collect();
        (answer(StatusCode::OK, json!({"bulkId": bulk, "messages": list}).to_string()), n)
    })
    .await
}

async fn send_v2(State(sb): State<Sandbox>, headers: HeaderMap, body: Body) -> Response {
    if !authorized(&sb, &headers) {
        return answer(StatusCode::UNAUTHORIZED, LEGACY_401);
    }
    let sb2 = sb.clone();
    sb.faulted(Route::InfobipSend, Operator::Infobip, crate::auth::scheme(&headers, "App"), body, move |bytes: Bytes| async move {
        let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
            return (bad_request_legacy("Bad request"), 0);
        };
        let Some(ms) = v.get("messages").and_then(Value::as_array).filter(|m| !m.is_empty()) else {
            return (bad_request_legacy("[messages : size must be between 1 and 2147483647]"), 0);
        };
        let mut msgs = Vec::new();
        for (i, m) in ms.iter().enumerate() {
            let d = destinations(m);
            if d.is_empty() {
                return (bad_request_legacy(&format!("[messages[{i}].destinations : size must be between 1 and 2147483647]")), 0);
            }
            msgs.push(Msg {
                sender: str_at(m, "/from").map(str::to_owned),
                text: str_at(m, "/text").unwrap_or("").to_owned(),
                destinations: d,
                notify_url: str_at(m, "/notifyUrl").map(str::to_owned),
                send_at: str_at(m, "/sendAt").and_then(parse_time),
            });
        }
        let refused = crate::schema::check(crate::schema::Op::InfobipV2, &v);
        if !refused.is_empty() {
            return (bad_request_validation(&refused), 0);
        }
        let bulk = str_at(&v, "/bulkId").map(str::to_owned);
        let (bulk, out, n) = accept_all(&sb2, bulk, msgs, "v2");
        let list: Vec<Value> = out
            .into_iter()
            .map(|(id, status, to, parts)| json!({"messageId": id, "status": status, "to": to, "smsCount": parts}))
            .collect();
        (answer(StatusCode::OK, json!({"bulkId": bulk, "messages": list}).to_string()), n)
    })
    .await
}

type Entry = (String, Value, String, u32);

/// Records every new destination, answering each with its status; returns the bulk id, the
/// entries and how many messages were recorded.
fn accept_all(
    sb: &Sandbox,
    bulk: Option<String>,
    msgs: Vec<Msg>,
    version: &str,
) -> (String, Vec<Entry>, usize) {
    let bulk =
        bulk.unwrap_or_else(|| format!("{:019}", 2_034_072_219_640_523_072u64.wrapping_add(sb.next_id())));
    let now = Utc::now();
    let mut out = Vec::new();
    let mut recorded = 0;
    let _guard = lock(&sb.inner.send_lock);
    for m in msgs {
        let (encoding, parts) = billing(&m.text);
        let send_at = m.send_at.filter(|t| *t > now);
        if let Some(at) = send_at {
            lock(&sb.inner.bulks).entry(bulk.clone()).or_insert(Bulk { status: "PENDING", send_at: at });
        }
        for (to, key) in m.destinations {
            let id =
                key.clone().unwrap_or_else(|| format!("{:x}-{:04x}", now.timestamp_millis(), sb.next_id()));
            if to.is_empty() || !to.bytes().all(|b| b.is_ascii_digit()) || to.len() < 6 {
                out.push((id, rejected_destination(), to, parts));
                continue;
            }
            if sb.inner.store.get(Operator::Infobip, &id).is_some() {
                out.push((id, duplicate(), to, parts));
                continue;
            }
            sb.accept(Received {
                seq: 0,
                operator: Operator::Infobip,
                direction: Direction::Outbound,
                received_at: now,
                account: version.to_owned(),
                sender: m.sender.clone(),
                recipient: to.clone(),
                text: m.text.clone(),
                encoding: encoding.clone(),
                parts,
                message_id: id.clone(),
                client_key: key,
                batch_id: Some(bulk.clone()),
                send_at,
                callback_url: m.notify_url.clone().or_else(|| sb.inner.config.callbacks.infobip_dlr.clone()),
                state: if send_at.is_some() { SimState::Scheduled } else { SimState::Queued },
                callbacks: Vec::new(),
            });
            recorded += 1;
            out.push((id, pending(), to, parts));
        }
    }
    (bulk, out, recorded)
}

/// One report/log item for a message (v3 shape; `v2` uses `from`/`smsCount`).
pub(crate) fn report_item(r: &Received, log: bool) -> Value {
    let (status, error) = status_json(r.state);
    let now = format_time(Utc::now());
    let mut v = json!({
        "bulkId": r.batch_id, "messageId": r.message_id,
        "sentAt": format_time(r.send_at.unwrap_or(r.received_at)), "doneAt": now,
        "price": {"pricePerMessage": PRICE_PER_PART * f64::from(r.parts), "currency": "EUR"},
        "status": status, "error": error,
    });
    if log {
        v["destination"] = json!(r.recipient);
        v["sender"] = json!(r.sender);
        v["messageCount"] = json!(r.parts);
        v["content"] = json!({"text": r.text});
    } else if r.account == "v2" {
        v["to"] = json!(r.recipient);
        v["from"] = json!(r.sender);
        v["smsCount"] = json!(r.parts);
    } else {
        v["to"] = json!(r.recipient);
        v["sender"] = json!(r.sender);
        v["messageCount"] = json!(r.parts);
    }
    v
}

#[derive(Deserialize)]
struct ReportsQuery {
    #[serde(rename = "bulkId")]
    bulk_id: Option<String>,
    #[serde(rename = "messageId")]
    message_id: Option<String>,
    limit: Option<usize>,
}

async fn reports(State(sb): State<Sandbox>, headers: HeaderMap, Query(q): Query<ReportsQuery>) -> Response {
    if !authorized(&sb, &headers) {
        return answer(StatusCode::UNAUTHORIZED, ERROR_401);
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    let mut queue = lock(&sb.inner.infobip_reports);
    let mut results = Vec::new();
    let mut kept = std::collections::VecDeque::new();
    while let Some(item) = queue.pop_front() {
        let matches = q.bulk_id.as_deref().is_none_or(|b| item["bulkId"] == b)
            && q.message_id.as_deref().is_none_or(|m| item["messageId"] == m);
        if matches && results.len() < limit {
            results.push(item);
        } else {
            kept.push_back(item);
        }
    }
    *queue = kept;
    answer(StatusCode::OK, json!({"results": results}).to_string())
}

#[derive(Deserialize)]
struct LogsQuery {
    #[serde(rename = "bulkId")]
    bulk_id: Option<String>,
    #[serde(rename = "messageId")]
    message_id: Option<String>,
    destination: Option<String>,
    sender: Option<String>,
    #[serde(rename = "generalStatus")]
    general_status: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

async fn logs(State(sb): State<Sandbox>, headers: HeaderMap, Query(q): Query<LogsQuery>) -> Response {
    if !authorized(&sb, &headers) {
        return answer(StatusCode::UNAUTHORIZED, ERROR_401);
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    let start: usize = q.cursor.as_deref().and_then(|c| c.parse().ok()).unwrap_or(0);
    let list = |s: &Option<String>| s.as_ref().map(|s| s.split(',').map(str::to_owned).collect::<Vec<_>>());
    let (ids, bulks) = (list(&q.message_id), list(&q.bulk_id));
    let all: Vec<Value> = sb
        .messages()
        .into_iter()
        .filter(|r| r.operator == Operator::Infobip && r.is_outbound())
        .filter(|r| ids.as_ref().is_none_or(|i| i.contains(&r.message_id)))
        .filter(|r| bulks.as_ref().is_none_or(|b| r.batch_id.as_ref().is_some_and(|x| b.contains(x))))
        .filter(|r| q.destination.as_ref().is_none_or(|d| *d == r.recipient))
        .filter(|r| q.sender.as_ref().is_none_or(|s| r.sender.as_ref() == Some(s)))
        .map(|r| report_item(&r, true))
        .filter(|v| q.general_status.as_ref().is_none_or(|g| v["status"]["groupName"] == g.as_str()))
        .collect();
    let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    let next = (start + page.len() < all.len()).then(|| (start + page.len()).to_string());
    answer(
        StatusCode::OK,
        json!({"results": page, "cursor": {"limit": limit, "nextCursor": next}}).to_string(),
    )
}

async fn inbox(State(sb): State<Sandbox>, headers: HeaderMap, Query(q): Query<ReportsQuery>) -> Response {
    if !authorized(&sb, &headers) {
        return answer(StatusCode::UNAUTHORIZED, LEGACY_401);
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    let mut queue = lock(&sb.inner.infobip_inbox);
    let n = limit.min(queue.len());
    let results: Vec<Value> = queue.drain(..n).collect();
    answer(
        StatusCode::OK,
        json!({"results": results, "messageCount": results.len(), "pendingMessageCount": queue.len()})
            .to_string(),
    )
}

#[derive(Deserialize)]
struct BulkQuery {
    #[serde(rename = "bulkId")]
    bulk_id: Option<String>,
}

fn bulk_answer(id: &str, b: &Bulk, status: bool) -> Response {
    let v = if status {
        json!({"bulkId": id, "status": b.status})
    } else {
        json!({"bulkId": id, "sendAt": format_time(b.send_at)})
    };
    answer(StatusCode::OK, v.to_string())
}

fn find_bulk(sb: &Sandbox, headers: &HeaderMap, q: &BulkQuery) -> Result<(String, Bulk), Response> {
    if !authorized(sb, headers) {
        return Err(answer(StatusCode::UNAUTHORIZED, LEGACY_401));
    }
    let Some(id) = q.bulk_id.clone() else {
        return Err(bad_request_legacy("[bulkId : must not be null]"));
    };
    match lock(&sb.inner.bulks).get(&id) {
        Some(b) => Ok((id, b.clone())),
        None => Err(answer(StatusCode::NOT_FOUND, BULK_NOT_FOUND)),
    }
}

async fn bulk_get(State(sb): State<Sandbox>, headers: HeaderMap, Query(q): Query<BulkQuery>) -> Response {
    match find_bulk(&sb, &headers, &q) {
        Ok((id, b)) => bulk_answer(&id, &b, false),
        Err(r) => r,
    }
}

async fn bulk_status(State(sb): State<Sandbox>, headers: HeaderMap, Query(q): Query<BulkQuery>) -> Response {
    match find_bulk(&sb, &headers, &q) {
        Ok((id, b)) => bulk_answer(&id, &b, true),
        Err(r) => r,
    }
}

async fn bulk_reschedule(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(q): Query<BulkQuery>,
    body: Bytes,
) -> Response {
    let (id, b) = match find_bulk(&sb, &headers, &q) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(at) =
        serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["sendAt"].as_str().and_then(parse_time))
    else {
        return bad_request_legacy("[sendAt : must be a date-time yyyy-MM-dd'T'HH:mm:ss.SSSZ]");
    };
    if !matches!(b.status, "PENDING" | "PAUSED") {
        return bad_request_legacy(&format!("Bulk is {} and cannot be rescheduled", b.status));
    }
    lock(&sb.inner.bulks).insert(id.clone(), Bulk { status: b.status, send_at: at });
    for r in sb
        .messages()
        .into_iter()
        .filter(|r| r.batch_id.as_deref() == Some(&id) && r.state == SimState::Scheduled)
    {
        sb.inner.store.update(Operator::Infobip, &r.message_id, &mut |m| m.send_at = Some(at));
        sb.schedule_delivery(Operator::Infobip, r.message_id.clone(), Some(at));
    }
    bulk_answer(&id, &Bulk { status: b.status, send_at: at }, false)
}

async fn bulk_set_status(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(q): Query<BulkQuery>,
    body: Bytes,
) -> Response {
    let (id, b) = match find_bulk(&sb, &headers, &q) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let wanted =
        serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["status"].as_str().map(str::to_owned));
    let to: &'static str = match wanted.as_deref() {
        Some("PENDING") => "PENDING",
        Some("PAUSED") => "PAUSED",
        Some("CANCELED") => "CANCELED",
        other => {
            return bad_request_legacy(&format!(
                "[status : {other:?} cannot be set; PENDING, PAUSED or CANCELED]"
            ));
        }
    };
    if !matches!(b.status, "PENDING" | "PAUSED") {
        return bad_request_legacy(&format!("Bulk is {} and its status cannot change", b.status));
    }
    lock(&sb.inner.bulks).insert(id.clone(), Bulk { status: to, send_at: b.send_at });
    let members: Vec<Received> = sb
        .messages()
        .into_iter()
        .filter(|r| r.batch_id.as_deref() == Some(&id) && r.state == SimState::Scheduled)
        .collect();
    for r in members {
        match to {
            "CANCELED" => {
                sb.inner
                    .store
                    .update(Operator::Infobip, &r.message_id, &mut |m| m.state = SimState::Canceled);
            }
            // Resumed: its reports are planned again (a paused bulk's earlier plan was skipped).
            "PENDING" => sb.schedule_delivery(Operator::Infobip, r.message_id.clone(), r.send_at),
            _ => {}
        }
    }
    bulk_answer(&id, &Bulk { status: to, send_at: b.send_at }, true)
}

async fn balance(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    if !authorized(&sb, &headers) {
        return answer(StatusCode::UNAUTHORIZED, LEGACY_401);
    }
    let spent: f64 = sb
        .inner
        .store
        .messages()
        .iter()
        .filter(|r| r.operator == Operator::Infobip && r.is_outbound() && r.state != SimState::Canceled)
        .map(|r| PRICE_PER_PART * f64::from(r.parts))
        .sum();
    let left = ((START_BALANCE - spent) * 100_000.0).round() / 100_000.0;
    answer(StatusCode::OK, json!({"balance": left, "currency": "EUR"}).to_string())
}
