//! `GET /api/v1/accounts/{account}/scheduled`: the account's sends still waiting for their send
//! time, from the ledger (SMSAPI and Infobip cannot list them through their APIs), each with the
//! ids cancel, pause and reschedule take; `refresh=true` first asks the operator for each
//! recipient's state by its message id.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::api::{JSON, Param, RouteDoc};
use crate::error::ApiError;

const PARAMS: &[Param] = &[
    ("account", "path", "account name"),
    ("refresh", "query", "true: ask the operator for each recipient's state by its id first"),
];

/// The route (documented in the OpenAPI document with the others).
pub(crate) fn routes() -> Vec<(RouteDoc, MethodRouter<Arc<App>>)> {
    vec![(
        RouteDoc {
            method: "get",
            path: "/api/v1/accounts/{account}/scheduled",
            summary: "Scheduled sends of an account still waiting for their time (from the ledger)",
            params: &[PARAMS],
            body: None,
            ok: (JSON, "scheduled sends with the ids cancel, pause and reschedule take"),
        },
        get(list),
    )]
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduledParams {
    refresh: Option<bool>,
}

async fn list(
    State(app): State<Arc<App>>,
    Path(account): Path<String>,
    p: Result<Query<ScheduledParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = p.map_err(|e| ApiError::invalid(e.body_text()))?;
    if app.settings.accounts.get(&account).is_none() {
        return Err(ApiError::not_found(format!("no account {account:?}")));
    }
    let store = |e: bramka_ledger::StoreError| ApiError::unavailable(format!("ledger: {e}"));
    let mut sends = app.ledger.scheduled(Some(&account)).await.map_err(store)?;
    if p.refresh == Some(true) {
        let gw = app
            .settings
            .accounts
            .gateway(&account)
            .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string()))?;
        for s in &sends {
            app.ledger
                .refresh_scheduled(gw.as_ref(), s)
                .await
                .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "upstream", e.to_string()))?;
        }
        sends = app.ledger.scheduled(Some(&account)).await.map_err(store)?;
    }
    let rows: Vec<Value> = sends
        .iter()
        .map(|s| {
            json!({
                "client_ref": s.client_ref, "gateway": s.gateway, "send_at": s.send_at.to_rfc3339(),
                "text": s.text, "campaign": s.campaign, "ids": s.operation_ids(),
                "recipients": s.entries.iter().map(crate::sent::entry_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"account": account, "source": "ledger", "scheduled": rows})).into_response())
}
