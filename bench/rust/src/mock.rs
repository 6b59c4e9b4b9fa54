//! A minimal fast mock of the three send endpoints on 127.0.0.1 (an ephemeral port, printed as
//! `PORT n` on stdout). Answers have the shape of the operators' real answers (the fixtures
//! `crates/bramka-smsapi/tests/fixtures/sms-send-multi-response.json`,
//! `crates/bramka-infobip/tests/fixtures/send-v3-response-200-multi.json`,
//! `crates/bramka-twilio/tests/fixtures/message_create_queued_201.json`), one entry
//! per recipient of the request, echoing what a client matches on (number, messageId, To).
//! `GET /stats` returns how many requests and recipients each endpoint answered, so the script
//! can check that the traffic really arrived.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};

#[derive(Default)]
struct Counters {
    ids: AtomicU64,
    smsapi_requests: AtomicU64,
    smsapi_recipients: AtomicU64,
    infobip_requests: AtomicU64,
    infobip_recipients: AtomicU64,
    twilio_requests: AtomicU64,
}

type Shared = Arc<Counters>;

fn json(status: StatusCode, body: String) -> impl IntoResponse {
    (status, [(header::CONTENT_TYPE, "application/json")], body)
}

fn form_pairs(body: &[u8]) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> {
    form_urlencoded::parse(body)
}

/// `POST /sms.do` (form: `to` comma-separated, `idx` pipe-separated, `format=json`).
async fn smsapi(State(c): State<Shared>, body: Bytes) -> impl IntoResponse {
    let mut to = String::new();
    for (k, v) in form_pairs(&body) {
        if k == "to" {
            to = v.into_owned();
        }
    }
    if to.is_empty() {
        return json(StatusCode::OK, r#"{"error":13,"message":"No correct phone numbers"}"#.to_owned());
    }
    let numbers: Vec<&str> = to.split(',').collect();
    c.smsapi_requests.fetch_add(1, Ordering::Relaxed);
    c.smsapi_recipients.fetch_add(numbers.len() as u64, Ordering::Relaxed);
    let first = c.ids.fetch_add(numbers.len() as u64, Ordering::Relaxed);
    let mut out = String::with_capacity(40 + numbers.len() * 150);
    let _ = write!(out, r#"{{"count":{},"list":["#, numbers.len());
    for (i, n) in numbers.iter().enumerate() {
        let n: String = n.chars().filter(char::is_ascii_digit).collect();
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"id":"{:016X}","points":0.16,"number":"{n}","date_sent":1763800000,"submitted_number":"{n}","status":"QUEUE"}}"#,
            first + i as u64
        );
    }
    out.push_str("]}");
    json(StatusCode::OK, out)
}

/// `POST /sms/3/messages` (JSON `messages[].destinations[]`).
async fn infobip(State(c): State<Shared>, body: Bytes) -> impl IntoResponse {
    let v: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"errorCode": "E400", "description": format!("bad JSON: {e}"),
                    "action": "fix the request", "violations": [], "resources": []})
                .to_string(),
            );
        }
    };
    let bulk = v
        .pointer("/options/schedule/bulkId")
        .and_then(|b| b.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:X}", c.ids.fetch_add(1, Ordering::Relaxed)));
    let mut out = String::with_capacity(4096);
    let _ = write!(out, r#"{{"bulkId":{},"messages":["#, serde_json::Value::String(bulk));
    let mut count = 0u64;
    for m in v.get("messages").and_then(|m| m.as_array()).map(Vec::as_slice).unwrap_or(&[]) {
        for d in m.get("destinations").and_then(|d| d.as_array()).map(Vec::as_slice).unwrap_or(&[]) {
            let to = d.get("to").and_then(|t| t.as_str()).unwrap_or("");
            let id = match d.get("messageId").and_then(|t| t.as_str()) {
                Some(id) => id.to_owned(),
                None => format!("{:016x}", c.ids.fetch_add(1, Ordering::Relaxed)),
            };
            if count > 0 {
                out.push(',');
            }
            count += 1;
            let _ = write!(
                out,
                r#"{{"messageId":{},"status":{{"groupId":1,"groupName":"PENDING","id":26,"name":"PENDING_ACCEPTED","description":"Message sent to next instance"}},"destination":{},"details":{{"messageCount":1}}}}"#,
                serde_json::Value::String(id),
                serde_json::Value::String(to.to_owned())
            );
        }
    }
    out.push_str("]}");
    c.infobip_requests.fetch_add(1, Ordering::Relaxed);
    c.infobip_recipients.fetch_add(count, Ordering::Relaxed);
    json(StatusCode::OK, out)
}

/// `POST /2010-04-01/Accounts/{sid}/Messages.json` (form `To`, `From`, `Body`): 201 queued.
async fn twilio(
    State(c): State<Shared>,
    axum::extract::Path(sid): axum::extract::Path<String>,
    body: Bytes,
) -> impl IntoResponse {
    let (mut to, mut from, mut text) = (String::new(), String::new(), String::new());
    for (k, v) in form_pairs(&body) {
        match &*k {
            "To" => to = v.into_owned(),
            "From" => from = v.into_owned(),
            "Body" => text = v.into_owned(),
            _ => {}
        }
    }
    if to.is_empty() {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"code":21604,"message":"A 'To' phone number is required.","more_info":"https://www.twilio.com/docs/errors/21604","status":400}"#.to_owned(),
        );
    }
    c.twilio_requests.fetch_add(1, Ordering::Relaxed);
    let id = c.ids.fetch_add(1, Ordering::Relaxed);
    let s = |x: &str| serde_json::Value::String(x.to_owned());
    let msg_sid = format!("SM{id:032x}");
    let body = format!(
        r#"{{"account_sid":{sid},"api_version":"2010-04-01","body":{text},"date_created":"Sat, 22 Nov 2026 05:00:00 +0000","date_sent":null,"date_updated":"Sat, 22 Nov 2026 05:00:00 +0000","direction":"outbound-api","error_code":null,"error_message":null,"from":{from},"messaging_service_sid":null,"num_media":"0","num_segments":"1","price":null,"price_unit":"USD","sid":"{msg_sid}","status":"queued","subresource_uris":{{"media":"/2010-04-01/Accounts/{sidr}/Messages/{msg_sid}/Media.json"}},"to":{to},"uri":"/2010-04-01/Accounts/{sidr}/Messages/{msg_sid}.json"}}"#,
        sid = s(&sid),
        sidr = sid.replace('"', ""),
        text = s(&text),
        from = s(&from),
        to = s(&to),
    );
    json(StatusCode::CREATED, body)
}

async fn stats(State(c): State<Shared>) -> impl IntoResponse {
    let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
    json(
        StatusCode::OK,
        serde_json::json!({
            "smsapi": {"requests": l(&c.smsapi_requests), "recipients": l(&c.smsapi_recipients)},
            "infobip": {"requests": l(&c.infobip_requests), "recipients": l(&c.infobip_recipients)},
            "twilio": {"requests": l(&c.twilio_requests), "recipients": l(&c.twilio_requests)},
        })
        .to_string(),
    )
}

pub fn run() -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(async {
        let app = Router::new()
            .route("/sms.do", post(smsapi))
            .route("/api/sms.do", post(smsapi))
            .route("/sms/3/messages", post(infobip))
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio))
            .route("/stats", get(stats))
            .with_state(Arc::new(Counters::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot bind 127.0.0.1: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        println!("PORT {port}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        axum::serve(listener, app).await.map_err(|e| format!("mock server failed: {e}"))?;
        Ok::<(), String>(())
    })?;
    Ok("{}".to_owned())
}
