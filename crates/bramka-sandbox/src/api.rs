//! The JSON control API under `/api/v1/sandbox/`: what was received, the faults injected,
//! delivery reports and inbound messages by hand, faults per route.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use serde::Deserialize;
use serde_json::json;

use crate::fault::{Route, RouteFaults};
use crate::record::{FaultKind, Operator};
use crate::sandbox::{Sandbox, SandboxError};

impl Sandbox {
    /// The control API alone (also part of [`Sandbox::router`]):
    ///
    /// | Method and path | Does |
    /// |---|---|
    /// | `GET /api/v1/sandbox/messages[?operator=&limit=]` | received messages, newest first |
    /// | `GET /api/v1/sandbox/faults` | injected faults, oldest first |
    /// | `POST /api/v1/sandbox/messages/{operator}/{id}/report` `{"outcome":"undelivered"}` | a delivery report now (outcome optional: by pattern) |
    /// | `POST /api/v1/sandbox/inbound` `{"operator","from","to","text"}` | an inbound SMS |
    /// | `PUT /api/v1/sandbox/faults/{route}` `{"rate":0.2,"kinds":[...],"script":[...]}` | faults of a route |
    pub fn api_router(&self) -> Router {
        Router::new().nest("/api/v1/sandbox", self.api_routes())
    }

    /// The control API relative to `/api/v1/sandbox` (`/messages`, ...), for mounting in another
    /// router (behind its own authentication). Built from the same table as [`Sandbox::api_docs`].
    pub fn api_routes(&self) -> Router {
        let mut r = Router::new();
        for (doc, handler) in table() {
            r = r.route(doc.path, handler);
        }
        r.with_state(self.clone())
    }

    /// The control API's routes, for documentation (e.g. an OpenAPI document); paths are
    /// relative to `/api/v1/sandbox`.
    pub fn api_docs() -> Vec<ApiRoute> {
        table().into_iter().map(|(d, _)| d).collect()
    }
}

/// One route of the control API, described.
///
/// ```
/// use bramka_sandbox::Sandbox;
///
/// // What a host server lists in its own API documentation.
/// for route in Sandbox::api_docs() {
///     println!("{route:?}");
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiRoute {
    /// `get`, `post` or `put`.
    pub method: &'static str,
    /// Relative to `/api/v1/sandbox` (`/messages/{operator}/{id}/report`).
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Parameters: name, where (`path` or `query`), description.
    pub params: &'static [(&'static str, &'static str, &'static str)],
    /// The JSON body it takes, described (`None`: none).
    pub body: Option<&'static str>,
}

const REPORT_PARAMS: &[(&str, &str, &str)] = &[
    ("operator", "path", "smsapi, infobip, twilio or dynmark"),
    ("id", "path", "the message id the operator answered with"),
];

fn table() -> Vec<(ApiRoute, MethodRouter<Sandbox>)> {
    let d = |method, path, summary, params, body| ApiRoute { method, path, summary, params, body };
    vec![
        (
            d(
                "get",
                "/messages",
                "Messages the sandbox received, newest first",
                &[("operator", "query", "only this operator"), ("limit", "query", "at most this many")],
                None,
            ),
            get(messages),
        ),
        (d("get", "/faults", "Faults injected, oldest first", &[], None), get(faults)),
        (
            d(
                "post",
                "/messages/{operator}/{id}/report",
                "Deliver a message now and post its delivery report",
                REPORT_PARAMS,
                Some(
                    r#"{"outcome": "delivered" | "undelivered" | "expired" | "stopped"} (optional: by the recipient's last digits)"#,
                ),
            ),
            post(report),
        ),
        (
            d(
                "post",
                "/inbound",
                "Receive an SMS: posted to the operator's inbound URL (and Infobip's inbox)",
                &[],
                Some(r#"{"operator", "from", "to", "text"}"#),
            ),
            post(inbound),
        ),
        (
            d(
                "put",
                "/faults/{route}",
                "Replace the faults of a send route",
                &[("route", "path", "smsapi_send, infobip_send, twilio_send or dynmark_send")],
                Some(r#"{"rate": 0.2, "kinds": ["stall", ...], "script": ["garbled_200", null, ...]}"#),
            ),
            put(set_faults),
        ),
    ]
}

fn problem(status: StatusCode, detail: String) -> Response {
    (status, Json(json!({"error": detail}))).into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    operator: Option<String>,
    limit: Option<usize>,
}

async fn messages(State(sb): State<Sandbox>, Query(q): Query<ListQuery>) -> Response {
    let op = match q.operator.as_deref().map(|o| Operator::parse(o).ok_or(o)) {
        Some(Err(o)) => {
            return problem(
                StatusCode::BAD_REQUEST,
                format!("unknown operator {o:?}: expected smsapi, infobip, twilio or dynmark"),
            );
        }
        Some(Ok(op)) => Some(op),
        None => None,
    };
    let list: Vec<_> = sb
        .messages()
        .into_iter()
        .filter(|r| op.is_none_or(|o| r.operator == o))
        .take(q.limit.unwrap_or(usize::MAX))
        .collect();
    Json(json!({"messages": list})).into_response()
}

async fn faults(State(sb): State<Sandbox>) -> Response {
    Json(json!({"faults": sb.store().faults()})).into_response()
}

#[derive(Deserialize)]
struct ReportBody {
    outcome: Option<String>,
}

async fn report(
    State(sb): State<Sandbox>,
    Path((operator, id)): Path<(String, String)>,
    body: Option<Json<ReportBody>>,
) -> Response {
    let Some(op) = Operator::parse(&operator) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("unknown operator {operator:?}: expected smsapi, infobip, twilio or dynmark"),
        );
    };
    let outcome = body.and_then(|b| b.0.outcome);
    match sb.deliver(op, &id, outcome.as_deref()).await {
        Ok(r) => Json(json!({"message": r})).into_response(),
        Err(e @ SandboxError::UnknownMessage { .. }) => problem(StatusCode::NOT_FOUND, e.to_string()),
        Err(e @ SandboxError::AlreadyFinal { .. }) => problem(StatusCode::CONFLICT, e.to_string()),
        Err(e) => problem(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

#[derive(Deserialize)]
struct InboundBody {
    operator: String,
    from: String,
    to: String,
    text: String,
}

async fn inbound(State(sb): State<Sandbox>, Json(b): Json<InboundBody>) -> Response {
    let Some(op) = Operator::parse(&b.operator) else {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("unknown operator {:?}: expected smsapi, infobip, twilio or dynmark", b.operator),
        );
    };
    let id = sb.receive(op, &b.from, &b.to, &b.text).await;
    (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
}

#[derive(Deserialize)]
struct FaultsBody {
    #[serde(default)]
    rate: f64,
    #[serde(default)]
    kinds: Vec<FaultKind>,
    #[serde(default)]
    script: Vec<Option<FaultKind>>,
}

async fn set_faults(
    State(sb): State<Sandbox>,
    Path(route): Path<String>,
    Json(b): Json<FaultsBody>,
) -> Response {
    let Some(r) = Route::parse(&route) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!(
                "unknown route {route:?}: expected smsapi_send, infobip_send, twilio_send or dynmark_send"
            ),
        );
    };
    if !(0.0..=1.0).contains(&b.rate) {
        return problem(StatusCode::BAD_REQUEST, format!("rate {} is outside 0.0 to 1.0", b.rate));
    }
    sb.faults().set(r, RouteFaults { script: b.script, rate: b.rate, kinds: b.kinds });
    StatusCode::NO_CONTENT.into_response()
}
