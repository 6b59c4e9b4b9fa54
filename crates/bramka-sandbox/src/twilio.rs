//! Twilio under `/sandbox/twilio/`: Messages create, list (paged, newest first), fetch and
//! update (cancel a scheduled message, redact the body); the webhook signature.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::fault::Route;
use crate::record::{Direction, Operator, Received, SimState};
use crate::sandbox::{Sandbox, billing, lock};

pub(crate) const ERROR_500: &str = r#"{"code":20500,"message":"Internal Server Error","more_info":"https://www.twilio.com/docs/errors/20500","status":500}"#;
pub(crate) const ERROR_429: &str = r#"{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}"#;
/// Price of one segment in the sandbox (USD, negative as Twilio shows it).
const PRICE_PER_SEGMENT: f64 = -0.0079;
const API: &str = "/2010-04-01/Accounts";
/// Twilio's code for a parameter its OpenAPI document refuses: see [`crate::unverified`].
const INVALID_PARAMETER: u32 = crate::unverified::TWILIO_INVALID_PARAMETER;

pub(crate) fn router(sb: Sandbox) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account}/Messages.json", post(create).get(list))
        .route("/2010-04-01/Accounts/{account}/Messages/{file}", get(fetch).post(update))
        .with_state(sb)
}

/// `X-Twilio-Signature` of a form POST to `url` with `params`: base64 of HMAC-SHA1, keyed with
/// the Auth Token, over the URL followed by each parameter's name and value, sorted by name
/// (repeated names: values sorted).
///
/// ```
/// // Twilio's documented example.
/// let params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
///     ("From", "+14158675309"), ("To", "+18005551212")];
/// assert_eq!(
///     bramka_sandbox::twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params),
///     "RSOYDt4T1cUTdK1PDd93/VVr8B8="
/// );
/// ```
pub fn signature(auth_token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params.to_vec();
    sorted.sort_unstable();
    let mut data = String::from(url);
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn answer(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    answer(
        status,
        json!({"code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status.as_u16()})
            .to_string(),
    )
}

/// Checks the credentials; remembers the token of an account when any are accepted.
fn authorized(sb: &Sandbox, headers: &HeaderMap, account: &str) -> Result<(), Response> {
    let got = crate::auth::basic(headers);
    let unauthorized = || error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    match (&sb.inner.config.twilio, got) {
        (Some((sid, token)), Some((user, pass))) => {
            if account == sid && crate::auth::same(&user, sid) && crate::auth::same(&pass, token) {
                Ok(())
            } else {
                Err(unauthorized())
            }
        }
        (Some(_), None) => Err(unauthorized()),
        (None, got) => {
            if let Some((_, pass)) = got {
                lock(&sb.inner.twilio_tokens).insert(account.to_owned(), pass);
            }
            Ok(())
        }
    }
}

/// The Auth Token that signs callbacks of `account`.
pub(crate) fn signing_token(sb: &Sandbox, account: &str) -> Option<String> {
    match &sb.inner.config.twilio {
        Some((_, token)) => Some(token.clone()),
        None => lock(&sb.inner.twilio_tokens).get(account).cloned(),
    }
}

/// Twilio's status name and error code for a simulated state.
pub(crate) fn status_of(r: &Received) -> (&'static str, Option<u32>) {
    match r.state {
        SimState::Queued | SimState::Test => {
            (if r.client_key.is_some() { "accepted" } else { "queued" }, None)
        }
        SimState::Scheduled => ("scheduled", None),
        SimState::Canceled => ("canceled", None),
        SimState::Delivered | SimState::Stopped => ("delivered", None),
        SimState::Undelivered => ("undelivered", Some(30003)),
        SimState::Expired => ("failed", Some(30001)),
        SimState::Received => ("received", None),
    }
}

fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// The Message resource of a record (`client_key` holds the Messaging Service SID, if one was used).
fn resource(r: &Received) -> Value {
    let (status, code) = status_of(r);
    let uri = format!("{API}/{}/Messages/{}", r.account, r.message_id);
    let sent = r.state.is_final() && !matches!(r.state, SimState::Canceled | SimState::Test);
    json!({
        "account_sid": r.account, "api_version": "2010-04-01", "body": r.text,
        "date_created": rfc2822(r.received_at), "date_updated": rfc2822(Utc::now()),
        "date_sent": if sent { Some(rfc2822(r.send_at.unwrap_or(r.received_at))) } else { None },
        "direction": "outbound-api", "error_code": code,
        "error_message": code.map(|c| if c == 30003 { "Unreachable destination handset" } else { "Queue overflow" }),
        "from": r.sender, "messaging_service_sid": r.client_key, "num_media": "0",
        "num_segments": r.parts.to_string(),
        "price": if sent { Some(format!("{:.5}", PRICE_PER_SEGMENT * f64::from(r.parts))) } else { None },
        "price_unit": "USD", "sid": r.message_id, "status": status,
        "subresource_uris": {"media": format!("{uri}/Media.json")}, "to": r.recipient, "uri": format!("{uri}.json"),
    })
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'f>(f: &'f [(String, String)], k: &str) -> Option<&'f str> {
    f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

async fn create(
    State(sb): State<Sandbox>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(r) = authorized(&sb, &headers, &account) {
        return r;
    }
    let sb2 = sb.clone();
    sb.faulted(
        Route::TwilioSend,
        Operator::Twilio,
        Some(&account.clone()),
        body,
        move |bytes: Bytes| async move {
            let f = form(&bytes);
            match create_one(&sb2, &account, &f) {
                Ok(r) => {
                    let body = resource(&r).to_string();
                    sb2.accept(r);
                    (answer(StatusCode::CREATED, body), 1)
                }
                Err(e) => (e, 0),
            }
        },
    )
    .await
}

fn create_one(sb: &Sandbox, account: &str, f: &[(String, String)]) -> Result<Received, Response> {
    let bad = |code, msg: &str| error(StatusCode::BAD_REQUEST, code, msg);
    let to = field(f, "To")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad(21604, "A 'To' phone number is required."))?;
    let digits = to.strip_prefix('+').unwrap_or("");
    if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(21211, &format!("Invalid 'To' Phone Number: {to}")));
    }
    let service = field(f, "MessagingServiceSid").filter(|s| !s.is_empty());
    let from = field(f, "From").filter(|s| !s.is_empty());
    if from.is_none() && service.is_none() {
        return Err(bad(21603, "A 'From' phone number is required."));
    }
    let text = field(f, "Body").unwrap_or("");
    if text.is_empty() && field(f, "MediaUrl").is_none() && field(f, "ContentSid").is_none() {
        return Err(bad(21602, "Message body is required."));
    }
    if text.encode_utf16().count() > 1600 {
        return Err(bad(21617, "The concatenated message body exceeds the 1600 character limit"));
    }
    if let Some(v) = field(f, "ValidityPeriod")
        && v.parse::<i64>().is_ok_and(|p| !(1..=36_000).contains(&p))
    {
        return Err(bad(90007, "ValidityPeriod must be between 1 and 36000 seconds"));
    }
    // Everything else Twilio's OpenAPI document declares: types, enums, SID patterns.
    if let Some(v) = crate::schema::check(crate::schema::Op::TwilioCreate, &crate::schema::twilio_instance(f))
        .into_iter()
        .next()
    {
        return Err(bad(
            INVALID_PARAMETER,
            &format!(
                "Invalid parameter: {} {} (value {:?})",
                v.property,
                v.violation,
                field(f, &v.property).unwrap_or("")
            ),
        ));
    }
    let now = Utc::now();
    let mut send_at = None;
    if let Some(at) = field(f, "SendAt") {
        if service.is_none() {
            return Err(bad(35118, "MessagingServiceSid is required to schedule a message"));
        }
        let when = DateTime::parse_from_rfc3339(at).ok().map(|d| d.with_timezone(&Utc));
        let secs = when.map(|w| (w - now).num_seconds());
        if field(f, "ScheduleType") != Some("fixed") || !secs.is_some_and(|s| (300..=3_024_000).contains(&s))
        {
            return Err(bad(
                35114,
                "SendAt time must be between 300 seconds and 35 days (3024000 seconds) in the future",
            ));
        }
        send_at = when;
    }
    let (encoding, parts) = billing(text);
    let _guard = lock(&sb.inner.send_lock);
    Ok(Received {
        seq: 0,
        operator: Operator::Twilio,
        direction: Direction::Outbound,
        received_at: now,
        account: account.to_owned(),
        sender: from.map(str::to_owned),
        recipient: to.to_owned(),
        text: text.to_owned(),
        encoding,
        parts,
        message_id: format!(
            "SM{:032x}",
            (u128::from(now.timestamp_millis() as u64) << 64) | u128::from(sb.next_id())
        ),
        client_key: service.map(str::to_owned),
        batch_id: None,
        send_at,
        callback_url: field(f, "StatusCallback")
            .map(str::to_owned)
            .or_else(|| sb.inner.config.callbacks.twilio_status.clone()),
        state: if send_at.is_some() { SimState::Scheduled } else { SimState::Queued },
        callbacks: Vec::new(),
    })
}

fn not_found(account: &str, file: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        20404,
        &format!("The requested resource {API}/{account}/Messages/{file} was not found"),
    )
}

fn find(sb: &Sandbox, account: &str, file: &str) -> Result<Received, Response> {
    let sid = file.strip_suffix(".json").ok_or_else(|| not_found(account, file))?;
    sb.inner
        .store
        .get(Operator::Twilio, sid)
        .filter(|r| r.account == account)
        .ok_or_else(|| not_found(account, file))
}

async fn fetch(
    State(sb): State<Sandbox>,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorized(&sb, &headers, &account) {
        return r;
    }
    match find(&sb, &account, &file) {
        Ok(r) => answer(StatusCode::OK, resource(&r).to_string()),
        Err(e) => e,
    }
}

async fn update(
    State(sb): State<Sandbox>,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authorized(&sb, &headers, &account) {
        return r;
    }
    let r = match find(&sb, &account, &file) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let f = form(&body);
    if let Some(status) = field(&f, "Status") {
        if status != "canceled" {
            return error(
                StatusCode::BAD_REQUEST,
                21610,
                &format!("Invalid Status {status:?}: only canceled can be set"),
            );
        }
        if r.state != SimState::Scheduled {
            return error(StatusCode::BAD_REQUEST, 30409, "This message cannot be canceled");
        }
        sb.inner.store.update(Operator::Twilio, &r.message_id, &mut |m| m.state = SimState::Canceled);
    }
    if field(&f, "Body") == Some("") {
        sb.inner.store.update(Operator::Twilio, &r.message_id, &mut |m| m.text.clear());
    }
    let now = sb.inner.store.get(Operator::Twilio, &r.message_id).unwrap_or(r);
    answer(StatusCode::OK, resource(&now).to_string())
}

async fn list(
    State(sb): State<Sandbox>,
    Path(account): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorized(&sb, &headers, &account) {
        return r;
    }
    let q: Vec<(String, String)> = q.as_deref().map(|q| form(q.as_bytes())).unwrap_or_default();
    let size = field(&q, "PageSize").and_then(|s| s.parse::<usize>().ok()).unwrap_or(50).clamp(1, 1000);
    let page = field(&q, "Page").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let start = field(&q, "PageToken")
        .and_then(|t| t.strip_prefix("PA"))
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(page * size);
    let (to, from) = (field(&q, "To"), field(&q, "From"));
    let all: Vec<Received> = sb
        .messages()
        .into_iter()
        .filter(|r| r.operator == Operator::Twilio && r.is_outbound() && r.account == account)
        .filter(|r| to.is_none_or(|t| r.recipient == t))
        .filter(|r| from.is_none_or(|f| r.sender.as_deref() == Some(f)))
        .collect();
    let items: Vec<Value> = all.iter().skip(start).take(size).map(resource).collect();
    let mut filters = String::new();
    for (k, v) in [("To", to), ("From", from)] {
        if let Some(v) = v {
            filters.push('&');
            filters.push_str(k);
            filters.push('=');
            filters.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
        }
    }
    let base = format!("{API}/{account}/Messages.json");
    let end = start + items.len();
    let next = (end < all.len())
        .then(|| format!("{base}?PageSize={size}&Page={}&PageToken=PA{end}{filters}", page + 1));
    let body = json!({
        "messages": items, "end": end.saturating_sub(1), "start": start, "page": page, "page_size": size,
        "first_page_uri": format!("{base}?PageSize={size}&Page=0{filters}"),
        "next_page_uri": next, "previous_page_uri": null,
        "uri": format!("{base}?PageSize={size}&Page={page}{filters}"),
    });
    answer(StatusCode::OK, body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_sorts_by_name_and_repeats_values_sorted() {
        // Sorted by name, not by name+value; `Caller` after `CallSid`.
        let a = signature("tok", "http://h/p", &[("b", "1"), ("a", "2")]);
        let b = signature("tok", "http://h/p", &[("a", "2"), ("b", "1")]);
        assert_eq!(a, b);
        assert_ne!(
            signature("tok", "http://h/p", &[("a", "2")]),
            signature("other", "http://h/p", &[("a", "2")])
        );
    }
}
