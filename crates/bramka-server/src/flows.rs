//! `[[flows]]`: the SMS element of a PBX call flow (bramka-flow), driven over the API. The PBX
//! posts each call that reaches the element to `POST /api/v1/flows/{label}/calls`; the SMS
//! leaves through the flow's account (else `[server] outbox_account`), recorded in the ledger.
//! With no delay the answer waits for the send and carries its record; with a delay the call is
//! accepted (202) and handled in its own task (a delay of ten minutes or more goes to an operator
//! that can schedule, so a restart cannot lose it).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bramka_flow::{CallEvent, FlowDef, InMemoryHistory, SendRecord, SmsAction};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::error::ApiError;

/// The configured flows, each ready to handle calls.
#[derive(Default)]
pub(crate) struct Flows {
    actions: BTreeMap<String, (FlowDef, SmsAction)>,
    history: InMemoryHistory,
}

impl Flows {
    /// Builds every flow's action; `gateway` gives an account's (ledger-recorded) gateway.
    pub(crate) fn build(
        defs: &[FlowDef],
        default_account: Option<&str>,
        gateway: impl Fn(&str) -> Result<Arc<dyn bramka_core::Gateway>, String>,
    ) -> Result<Flows, String> {
        let history = InMemoryHistory::new();
        let mut actions = BTreeMap::new();
        for (i, def) in defs.iter().enumerate() {
            let account = def.account.as_deref().or(default_account).ok_or_else(|| {
                format!("flows[{i}] ({}): no account; set its account or [server] outbox_account", def.label)
            })?;
            let config = def.to_config().map_err(|e| format!("flows[{i}]: {e}"))?;
            let action = SmsAction::new(config, gateway(account)?)
                .map_err(|e| format!("flows[{i}]: {e}"))?
                .with_history(Arc::new(history.clone()));
            if actions.insert(def.label.clone(), (def.clone(), action)).is_some() {
                return Err(format!("flows[{i}].label: {:?} is used twice", def.label));
            }
        }
        Ok(Flows { actions, history })
    }
}

fn record_json(r: &SendRecord) -> Value {
    json!({
        "label": r.label, "call_id": r.call_id, "at": r.at.to_rfc3339(),
        "scheduled_for": r.scheduled_for.map(|t| t.to_rfc3339()),
        "recipients": r.recipients.iter().map(|p| p.e164()).collect::<Vec<_>>(),
        "text": r.text(), "parts": r.parts(), "encoding": r.encoding().map(|e| e.to_string()),
        "sent": r.is_sent(), "result": r.result.to_string(), "notes": r.notes,
    })
}

/// `GET /api/v1/flows`.
pub(crate) async fn list(State(app): State<Arc<App>>) -> Response {
    let defs: Vec<&FlowDef> = app.flows.actions.values().map(|(d, _)| d).collect();
    Json(json!({"flows": defs})).into_response()
}

/// A call reaching the element.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallRequest {
    call_id: String,
    #[serde(default)]
    caller: String,
    #[serde(default)]
    called: String,
}

/// `POST /api/v1/flows/{label}/calls`.
pub(crate) async fn call(
    State(app): State<Arc<App>>,
    Path(label): Path<String>,
    body: Result<Json<CallRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(c) = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    let (def, action) =
        app.flows.actions.get(&label).ok_or_else(|| ApiError::not_found(format!("no flow {label:?}")))?;
    let handle = action.on_call(CallEvent::new(c.call_id.clone(), c.caller, c.called));
    if def.delay_seconds > 0 {
        tracing::info!(flow = %label, delay = def.delay_seconds, "call accepted; the SMS follows after the delay");
        return Ok((
            StatusCode::ACCEPTED,
            Json(json!({"label": label, "call_id": c.call_id, "delay_seconds": def.delay_seconds})),
        )
            .into_response());
    }
    let outcome = handle.outcome().await;
    Ok(match outcome.record() {
        Some(r) => Json(record_json(r)).into_response(),
        None if outcome.is_duplicate() => {
            Json(json!({"label": label, "call_id": c.call_id, "duplicate": true})).into_response()
        }
        None => ApiError::unavailable("the call's task stopped before it finished").into_response(),
    })
}

/// `GET /api/v1/flows/{label}/calls/{call_id}`: what the element did for a call (since start).
pub(crate) async fn call_records(
    State(app): State<Arc<App>>,
    Path((label, call_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if !app.flows.actions.contains_key(&label) {
        return Err(ApiError::not_found(format!("no flow {label:?}")));
    }
    let records: Vec<Value> =
        app.flows.history.by_call(&call_id).iter().filter(|r| r.label == label).map(record_json).collect();
    Ok(Json(json!({"records": records})).into_response())
}
