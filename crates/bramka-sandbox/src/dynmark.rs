//! Dynmark under `/sandbox/dynmark/`: `message/send` (a JSON array of messages, answered with one
//! result per message in order). Dynmark documents no de-duplication key, no message id in the
//! answer and no callback format, so the sandbox has none either: a retried request is recorded
//! twice, exactly as the real service would send it twice.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::fault::Route;
use crate::record::{Direction, Operator, Received, SimState};
use crate::sandbox::{Sandbox, billing, lock};

pub(crate) const ERROR_500: &str = r#"{"message":"An error has occurred."}"#;
pub(crate) const ERROR_429: &str = r#"{"message":"Too many requests."}"#;

pub(crate) fn router(sb: Sandbox) -> Router {
    Router::new().route("/message/send", post(send)).with_state(sb)
}

fn answer(status: StatusCode, v: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

async fn send(State(sb): State<Sandbox>, headers: axum::http::HeaderMap, body: Body) -> Response {
    let sb2 = sb.clone();
    let account = crate::auth::basic(&headers).map(|(user, _)| user);
    sb.faulted(Route::DynmarkSend, Operator::Dynmark, account.as_deref(), body, move |bytes: Bytes| async move {
        let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&bytes) else {
            return (answer(StatusCode::BAD_REQUEST, json!({"message": "The request is invalid."})), 0);
        };
        let now = Utc::now();
        let mut results = Vec::with_capacity(items.len());
        let mut recorded = 0;
        let _guard = lock(&sb2.inner.send_lock);
        for m in items {
            let to = m["to"].as_str().unwrap_or("").to_owned();
            let text = m["body"].as_str().unwrap_or("").to_owned();
            if to.len() < 8 || to.len() > 15 || !to.bytes().all(|b| b.is_ascii_digit()) {
                results.push(json!({"to": to, "successful": false,
                    "validationFailures": [{"property": "To", "failureCode": "ToInvalid", "details": "The recipient is not a valid number"}]}));
                continue;
            }
            let send_at = m["deliverAfter"]
                .as_str()
                .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.with_timezone(&Utc))
                .filter(|d| *d > now);
            let (encoding, parts) = billing(&text);
            sb2.accept(Received {
                seq: 0,
                operator: Operator::Dynmark,
                direction: Direction::Outbound,
                received_at: now,
                account: String::new(),
                sender: m["from"].as_str().map(str::to_owned),
                recipient: to.clone(),
                text,
                encoding,
                parts,
                message_id: format!("DM{:016X}", sb2.next_id()),
                client_key: m["clientRef"].as_str().map(str::to_owned),
                batch_id: None,
                send_at,
                callback_url: None,
                state: if send_at.is_some() { SimState::Scheduled } else { SimState::Queued },
                callbacks: Vec::new(),
            });
            recorded += 1;
            results.push(json!({"to": to, "successful": true, "validationFailures": []}));
        }
        (answer(StatusCode::OK, Value::Array(results)), recorded)
    })
    .await
}
