//! Operator webhooks: `/hooks/{account}/inbound|status` (Twilio, signed) and
//! `/hooks/{account}/{secret}/inbound|status` (SMSAPI, Infobip: unsigned, so the URL carries a
//! secret). Handlers are thin: check the caller, parse with the operator crate, ingest into
//! bramka-inbound (exactly once), apply STOP/START and delivery reports to the
//! ledger (exactly once), wake the dispatcher, answer what the operator expects.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bramka_core::{WebhookEvent, WebhookParser, WebhookRequest};
use subtle::ConstantTimeEq;

use crate::App;
use crate::config::Provider;

/// One account's webhook endpoint.
pub(crate) struct Hook {
    pub(crate) provider: Provider,
    pub(crate) parser: Arc<dyn WebhookParser>,
    /// The secret path segment (unsigned operators).
    pub(crate) secret: Option<String>,
    pub(crate) allow_ips: Vec<crate::config::IpNet>,
}

fn plain(status: StatusCode, msg: &'static str) -> Response {
    (status, msg).into_response()
}

/// `/hooks/{account}/{kind}` (signed operators).
pub(crate) async fn signed(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((account, kind)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&app, peer, &account, None, &kind, method, uri, headers, body).await
}

/// `/hooks/{account}/{secret}/{kind}` (unsigned operators).
pub(crate) async fn with_secret(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((account, secret, kind)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&app, peer, &account, Some(&secret), &kind, method, uri, headers, body).await
}

#[allow(clippy::too_many_arguments)]
async fn handle(
    app: &App,
    peer: SocketAddr,
    account: &str,
    secret: Option<&str>,
    kind: &str,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if kind != "inbound" && kind != "status" {
        return plain(StatusCode::NOT_FOUND, "not found");
    }
    let Some(hook) = app.hooks.get(account) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    // Unsigned operators: the secret segment must match (in constant time); a missing or wrong
    // one answers exactly like an unknown account.
    match (&hook.secret, secret) {
        (Some(want), Some(got)) if bool::from(want.as_bytes().ct_eq(got.as_bytes())) => {}
        (None, None) => {}
        _ => return plain(StatusCode::NOT_FOUND, "not found"),
    }
    if !hook.allow_ips.is_empty() && !hook.allow_ips.iter().any(|n| n.contains(peer.ip())) {
        tracing::warn!(account, provider = hook.provider.as_str(), peer = %peer.ip(), "webhook from an address outside allow_ips refused");
        return plain(StatusCode::FORBIDDEN, "forbidden");
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(url) = app.public_url.join(path) else {
        return plain(StatusCode::BAD_REQUEST, "bad request URL");
    };
    let mut request = WebhookRequest::new(method.as_str(), url).with_body(body.to_vec());
    for (name, value) in &headers {
        if let Ok(v) = value.to_str() {
            request = request.with_header(name.as_str(), v);
        }
    }
    let events = match hook.parser.parse(&request) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(account, provider = hook.provider.as_str(), status = e.http_status(), error = %e, "webhook refused");
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (status, e.to_string()).into_response();
        }
    };
    let engine = app.engine();
    let mut new = 0usize;
    for event in &events {
        match event {
            WebhookEvent::Inbound(m) => {
                let done = match engine.ingest(m).await {
                    Ok(done) => done,
                    Err(e) => {
                        // Not acknowledged: the operator retries, and the retry is still counted once.
                        tracing::error!(account, error = %e, "inbound message not stored");
                        return plain(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, retry later");
                    }
                };
                if !done.duplicate {
                    new += 1;
                }
                tracing::debug!(
                    account,
                    row = done.row,
                    duplicate = done.duplicate,
                    "inbound message ingested"
                );
                // STOP / START alone: the sender's suppression, for every account (idempotent,
                // so a redelivered webhook changes nothing).
                match app.ledger.ingest_inbound(m, &bramka_ledger::Scope::Global).await {
                    Ok(bramka_ledger::KeywordAction::None) => {}
                    Ok(action) => tracing::info!(account, ?action, "opt-out keyword applied"),
                    Err(e) => {
                        tracing::error!(account, error = %e, "opt-out keyword not recorded");
                        return plain(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, retry later");
                    }
                }
            }
            WebhookEvent::Delivery(d) => match app.ledger.apply_report(d).await {
                Ok(applied) => tracing::debug!(account, ?applied, "delivery report applied"),
                Err(e) => {
                    tracing::error!(account, error = %e, "delivery report not stored");
                    return plain(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, retry later");
                }
            },
            _ => tracing::debug!(account, "webhook event of an unknown kind ignored"),
        }
    }
    if new > 0 {
        app.wake.notify_one();
    }
    let ack = hook.parser.acknowledge(&events);
    let status = StatusCode::from_u16(ack.status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, ack.content_type)], ack.body).into_response()
}
