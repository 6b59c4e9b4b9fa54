//! SMSAPI under `/sandbox/smsapi/`: `sms.do` (send, `status=`, `sch_del=`), `user.do`,
//! `profile`. Errors come as JSON with HTTP 200, as SMSAPI answers them.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use crate::fault::Route;
use crate::record::{Direction, Operator, Received, SimState};
use crate::sandbox::{Sandbox, billing, lock};
use crate::unverified;

/// Points one part costs in the sandbox.
pub(crate) const POINTS_PER_PART: f64 = 0.16;
/// The sandbox account's starting balance in points.
pub(crate) const START_POINTS: f64 = 1000.0;

pub(crate) fn router(sb: Sandbox) -> Router {
    Router::new()
        .route("/sms.do", any(sms_do))
        .route("/api/sms.do", any(sms_do))
        .route("/user.do", any(user_do))
        .route("/profile", get(profile))
        .with_state(sb)
}

fn json_answer(status: StatusCode, v: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn error(code: u32, message: &str) -> Response {
    json_answer(StatusCode::OK, json!({"error": code, "message": message}))
}

fn unauthorized() -> Response {
    json_answer(StatusCode::UNAUTHORIZED, json!({"error": 101, "message": "Authorization failed"}))
}

fn authorized(sb: &Sandbox, headers: &HeaderMap) -> bool {
    match &sb.inner.config.smsapi_token {
        None => true,
        Some(t) => crate::auth::scheme(headers, "Bearer").is_some_and(|got| crate::auth::same(got, t)),
    }
}

/// The request's parameters: query string, then the form or JSON body (body wins).
fn params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    if let Some(q) = query {
        out.extend(url::form_urlencoded::parse(q.as_bytes()).into_owned());
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
            for (k, v) in m {
                let s = match v {
                    Value::String(s) => s,
                    Value::Bool(b) => if b { "1" } else { "0" }.to_owned(),
                    Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(","),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                out.insert(k, s);
            }
        }
    } else {
        out.extend(url::form_urlencoded::parse(body).into_owned());
    }
    out
}

fn on(p: &HashMap<String, String>, k: &str) -> bool {
    p.get(k).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

async fn sms_do(
    State(sb): State<Sandbox>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !authorized(&sb, &headers) {
        return unauthorized();
    }
    // Status and cancel share the endpoint; only sends take the send route's faults.
    let peek = q
        .as_deref()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "status" || k == "sch_del"));
    if peek == Some(true) {
        let bytes = axum::body::to_bytes(body, crate::sandbox::BODY_LIMIT).await.unwrap_or_default();
        return other_op(&sb, &params(q.as_deref(), &headers, &bytes));
    }
    let sb2 = sb.clone();
    sb.faulted(
        Route::SmsapiSend,
        Operator::Smsapi,
        crate::auth::scheme(&headers, "Bearer").map(str::to_owned).as_deref(),
        body,
        move |bytes: Bytes| async move {
            let p = params(q.as_deref(), &headers, &bytes);
            if p.contains_key("status") || p.contains_key("sch_del") {
                return (other_op(&sb2, &p), 0);
            }
            send(&sb2, &p)
        },
    )
    .await
}

fn other_op(sb: &Sandbox, p: &HashMap<String, String>) -> Response {
    if let Some(ids) = p.get("sch_del") {
        return cancel(sb, ids);
    }
    status(sb, p.get("status").map(String::as_str).unwrap_or(""))
}

/// Digits of a recipient as SMSAPI normalises them (national 9-digit Polish numbers get `48`).
fn normalise(n: &str) -> Option<String> {
    let t = n.trim();
    let t = t.strip_prefix('+').or_else(|| t.strip_prefix("00")).unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match t.len() {
        9 => Some(format!("48{t}")),
        10..=15 => Some(t.to_owned()),
        _ => None,
    }
}

/// `date`: unix seconds or ISO 8601.
fn parse_date(v: &str) -> Option<DateTime<Utc>> {
    if let Ok(secs) = v.trim().parse::<i64>() {
        return Utc.timestamp_opt(secs, 0).single();
    }
    DateTime::parse_from_rfc3339(v.trim()).ok().map(|d| d.with_timezone(&Utc))
}

/// The documented `sms.do` parameter rules a request breaks, as SMSAPI's error code and message
/// (first one found): `nounicode` with characters outside GSM-7 (11), `single` with more than one
/// part (12), `flash` with characters outside GSM-7 (17), `param1`..`param4` not one value per
/// recipient (18), `normalize` with `datacoding` (25), `datacoding=bin` without `udh` (30), a
/// `date` more than three months ahead (50), an `expiration_date` outside 1 to 12 hours after
/// the send time, with 5 minutes' tolerance (56); and, with codes chosen in
/// [`crate::unverified`], `max_parts` outside 1..10, an `idx` value not of 1 to 255 letters and
/// digits, `time_restriction` other than `follow`, `ignore` or `nearest_available`, and an
/// unreadable `expiration_date`.
fn refused_parameters(
    p: &HashMap<String, String>,
    text: &str,
    recipients: usize,
) -> Option<(u32, &'static str)> {
    let (encoding, parts) = billing(text);
    let gsm = encoding == "GSM-7";
    if on(p, "nounicode") && !gsm {
        return Some((11, "Message contains special characters and nounicode is set"));
    }
    if on(p, "single") && parts > 1 {
        return Some((12, "Message is longer than one part and single is set"));
    }
    if on(p, "flash") && !gsm {
        return Some((17, "Flash message cannot contain special characters"));
    }
    for n in 1..=4 {
        if let Some(v) = p.get(&format!("param{n}"))
            && v.split('|').count() != recipients
        {
            return Some((18, "Invalid number of parameters"));
        }
    }
    if p.contains_key("datacoding") && on(p, "normalize") {
        return Some((25, "Parameters normalize and datacoding cannot be used together"));
    }
    if p.get("datacoding").is_some_and(|d| d == "bin") && p.get("udh").is_none_or(|u| u.is_empty()) {
        return Some((30, "UDH is required with datacoding=bin"));
    }
    if let Some(at) = p.get("date").and_then(|d| parse_date(d))
        && at > Utc::now() + chrono::Months::new(3)
    {
        return Some((50, "Messages cannot be scheduled more than 3 months ahead"));
    }
    if let Some(m) = p.get("max_parts")
        && !m.trim().parse::<u32>().is_ok_and(|m| (1..=10).contains(&m))
    {
        return Some((unverified::SMSAPI_MAX_PARTS_RANGE, "max_parts must be a number from 1 to 10"));
    }
    if let Some(idx) = p.get("idx")
        && !idx
            .split('|')
            .all(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Some((unverified::SMSAPI_IDX_CHARSET, "idx values must be 1 to 255 letters and digits"));
    }
    if let Some(t) = p.get("time_restriction")
        && !matches!(t.as_str(), "follow" | "ignore" | "nearest_available")
    {
        return Some((
            unverified::SMSAPI_TIME_RESTRICTION,
            "time_restriction must be follow, ignore or nearest_available",
        ));
    }
    if let Some(e) = p.get("expiration_date") {
        let Some(expires) = parse_date(e) else {
            return Some((unverified::SMSAPI_EXPIRATION_FORMAT, "Wrong expiration_date format"));
        };
        let sent =
            p.get("date").and_then(|d| parse_date(d)).filter(|d| *d > Utc::now()).unwrap_or_else(Utc::now);
        let tolerance = chrono::Duration::minutes(5);
        let window = (chrono::Duration::hours(1) - tolerance)..=(chrono::Duration::hours(12) + tolerance);
        if !window.contains(&(expires - sent)) {
            return Some((56, "expiration_date must be between 1 and 12 hours after the send date"));
        }
    }
    None
}

/// Error 14 when `from` names a sender not registered on the sandbox account (when the account
/// lists its senders, [`crate::SandboxConfig::smsapi_senders`]).
fn unregistered_sender(sb: &Sandbox, p: &HashMap<String, String>) -> Option<(u32, &'static str)> {
    let from = p.get("from")?;
    let senders = sb.inner.config.smsapi_senders.as_ref()?;
    (!senders.iter().any(|s| s == from)).then_some((14, "Invalid sender field"))
}

fn send(sb: &Sandbox, p: &HashMap<String, String>) -> (Response, usize) {
    let json_format = p.get("format").is_some_and(|f| f == "json");
    let legacy_error = |code: u32, msg: &str| {
        if json_format { error(code, msg) } else { (StatusCode::OK, format!("ERROR:{code}")).into_response() }
    };
    let to = p.get("to").map(String::as_str).unwrap_or("");
    let text = p.get("message").map(String::as_str).unwrap_or("");
    if to.trim().is_empty() {
        return (legacy_error(13, "No correct phone numbers"), 0);
    }
    if p.contains_key("group") {
        return (legacy_error(40, "No contacts group with that name"), 0);
    }
    if text.is_empty() && p.contains_key("template") {
        return (legacy_error(104, "No such template"), 0);
    }
    if text.is_empty() {
        return (legacy_error(11, "Message empty"), 0);
    }
    let submitted: Vec<&str> = to.split(',').collect();
    if let Some((code, msg)) =
        refused_parameters(p, text, submitted.len()).or_else(|| unregistered_sender(sb, p))
    {
        return (legacy_error(code, msg), 0);
    }
    let idx: Option<Vec<&str>> = p.get("idx").map(|i| i.split('|').collect());
    if let Some(i) = &idx
        && i.len() != submitted.len()
    {
        return (legacy_error(20, "Invalid number of idx values"), 0);
    }
    let (encoding, parts) = billing(text);
    if let Some(max) = p.get("max_parts").and_then(|m| m.parse::<u32>().ok())
        && parts > max
    {
        return (legacy_error(12, "Message has more parts than max_parts"), 0);
    }
    let mut send_at = None;
    if let Some(d) = p.get("date") {
        match parse_date(d) {
            Some(at) => send_at = Some(at).filter(|at| *at > Utc::now()),
            None if on(p, "date_validate") => return (legacy_error(54, "Wrong date format"), 0),
            None => {}
        }
    }
    let test = on(p, "test");
    let mut valid = Vec::new();
    let mut invalid = Vec::new();
    for (i, s) in submitted.iter().enumerate() {
        match normalise(s) {
            Some(n) => valid.push((n, (*s).trim().to_owned(), idx.as_ref().map(|x| x[i].to_owned()))),
            None => {
                invalid.push(json!({"number": s, "submitted_number": s, "message": "Invalid phone number"}))
            }
        }
    }
    if valid.is_empty() {
        let body = json!({"error": 13, "message": "No correct phone numbers", "invalid_numbers": invalid});
        return (if json_format { json_answer(StatusCode::OK, body) } else { legacy_error(13, "") }, 0);
    }
    let _guard = lock(&sb.inner.send_lock);
    if on(p, "check_idx") {
        let seen = valid.iter().filter_map(|(_, _, k)| k.as_deref()).any(|k| {
            sb.inner.store.by_client_key(Operator::Smsapi, k).is_some_and(|r| r.state != SimState::Test)
        });
        if seen {
            return (legacy_error(53, "Non-unique idx"), 0);
        }
    }
    let now = Utc::now();
    let points = POINTS_PER_PART * f64::from(parts);
    let mut list = Vec::with_capacity(valid.len());
    let mut legacy = String::new();
    let count = valid.len();
    for (number, submitted, key) in valid {
        let id = format!("{:024X}", sb.next_id());
        let state = if test {
            SimState::Test
        } else if send_at.is_some() {
            SimState::Scheduled
        } else {
            SimState::Queued
        };
        list.push(json!({
            "id": id, "points": points, "number": number, "date_sent": send_at.unwrap_or(now).timestamp(),
            "submitted_number": submitted, "status": "QUEUE", "error": null, "idx": key, "parts": parts,
        }));
        if !legacy.is_empty() {
            legacy.push(';');
        }
        let _ = write!(legacy, "OK:{id}:{points:.2}");
        if count > 1 {
            let _ = write!(legacy, ":{number}");
        }
        sb.accept(Received {
            seq: 0,
            operator: Operator::Smsapi,
            direction: Direction::Outbound,
            received_at: now,
            account: String::new(),
            sender: p.get("from").cloned(),
            recipient: number,
            text: text.to_owned(),
            encoding: encoding.clone(),
            parts,
            message_id: id,
            client_key: key,
            batch_id: None,
            send_at,
            callback_url: p
                .get("notify_url")
                .cloned()
                .or_else(|| sb.inner.config.callbacks.smsapi_dlr.clone()),
            state,
            callbacks: Vec::new(),
        });
    }
    if !json_format {
        return ((StatusCode::OK, legacy).into_response(), count);
    }
    let mut body = json!({"count": count, "list": list});
    if on(p, "details") {
        body["message"] = json!(text);
        body["length"] = json!(text.chars().count());
        body["parts"] = json!(parts);
    }
    if !invalid.is_empty() {
        body["invalid_numbers"] = json!(invalid);
    }
    (json_answer(StatusCode::OK, body), count)
}

/// SMSAPI's status name for a simulated state.
pub(crate) fn status_name(s: SimState) -> (&'static str, u32) {
    match s {
        SimState::Queued | SimState::Scheduled | SimState::Test => ("QUEUE", 409),
        SimState::Canceled => ("STOP", 406),
        SimState::Delivered | SimState::Stopped | SimState::Received => ("DELIVERED", 404),
        SimState::Undelivered => ("UNDELIVERED", 405),
        SimState::Expired => ("EXPIRED", 402),
    }
}

fn status(sb: &Sandbox, ids: &str) -> Response {
    let list: Vec<Value> = ids
        .split(['|', ','])
        .filter_map(|id| sb.inner.store.get(Operator::Smsapi, id.trim()))
        .map(|r| {
            json!({"id": r.message_id, "points": POINTS_PER_PART * f64::from(r.parts), "number": r.recipient,
                "status": status_name(r.state).0, "error": null, "idx": r.client_key})
        })
        .collect();
    if list.is_empty() {
        return error(301, "Not exists ID message");
    }
    json_answer(StatusCode::OK, json!({"count": list.len(), "list": list}))
}

fn cancel(sb: &Sandbox, ids: &str) -> Response {
    let mut list = Vec::new();
    for id in ids.split([',', '|']).map(str::trim) {
        let mut ok = false;
        sb.inner.store.update(Operator::Smsapi, id, &mut |r| {
            if r.state == SimState::Scheduled {
                r.state = SimState::Canceled;
                ok = true;
            }
        });
        if ok {
            list.push(json!({"id": id}));
        }
    }
    if list.is_empty() {
        return error(301, "Not exists ID message");
    }
    json_answer(StatusCode::OK, json!({"count": list.len(), "list": list}))
}

fn points_left(sb: &Sandbox) -> f64 {
    let spent: f64 = sb
        .inner
        .store
        .messages()
        .iter()
        .filter(|r| r.operator == Operator::Smsapi && r.is_outbound())
        .filter(|r| !matches!(r.state, SimState::Test | SimState::Canceled))
        .map(|r| POINTS_PER_PART * f64::from(r.parts))
        .sum();
    ((START_POINTS - spent) * 100.0).round() / 100.0
}

async fn user_do(
    State(sb): State<Sandbox>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&sb, &headers) {
        return unauthorized();
    }
    let p = params(q.as_deref(), &headers, &body);
    if !on(&p, "credits") {
        return error(1001, "Invalid action");
    }
    let mut v = json!({"points": points_left(&sb)});
    if on(&p, "details") {
        let pts = points_left(&sb);
        let per = |price: f64| (pts / price).floor();
        v["proCount"] = json!(per(POINTS_PER_PART));
        v["ecoCount"] = json!(per(0.07));
        v["mmsCount"] = json!(per(0.3));
        v["vmsGsmCount"] = json!(per(0.21));
        v["vmsLandCount"] = json!(per(0.14));
    }
    json_answer(StatusCode::OK, v)
}

async fn profile(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    if !authorized(&sb, &headers) {
        return json_answer(
            StatusCode::UNAUTHORIZED,
            json!({"message": "Authorization failed", "error": "authorization_failed", "developer_description": null, "errors": null}),
        );
    }
    json_answer(
        StatusCode::OK,
        json!({"name": "sandbox", "email": "sandbox@localhost", "username": "sandbox", "phone_number": "",
            "payment_type": "prepaid", "user_type": "native", "points": points_left(&sb)}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_normalised_as_smsapi_does() {
        assert_eq!(normalise("500100200").as_deref(), Some("48500100200"));
        assert_eq!(normalise("+48500100200").as_deref(), Some("48500100200"));
        assert_eq!(normalise("0048500100200").as_deref(), Some("48500100200"));
        assert_eq!(normalise("12345"), None);
        assert_eq!(normalise("48-500"), None);
    }

    #[test]
    fn dates_in_both_forms() {
        assert_eq!(parse_date("1717500698").map(|d| d.timestamp()), Some(1_717_500_698));
        assert_eq!(parse_date("2025-03-01T10:00:00+01:00").map(|d| d.timestamp()), Some(1_740_819_600));
        assert_eq!(parse_date("tomorrow"), None);
    }
}
