//! `[[flows]]`: the SMS element of a PBX call flow (bramka-flow), driven over the API. The PBX
//! posts each call that reaches the element to `POST /api/v1/flows/{label}/calls`; the SMS
//! leaves through the flow's account (else `[server] outbox_account`), recorded in the ledger.
//! With no delay the answer waits for the send and carries its record; with a delay the call is
//! accepted (202) and handled in its own task (a delay of ten minutes or more goes to an operator
//! that can schedule, so a restart cannot lose it).
//!
//! What must outlive the process is kept in the ledger's database ([`JobStore`]): once-per-call
//! claims, and every call waiting for its delay (a job `flow` moving `waiting` → `sending` →
//! `done`, by compare-and-set). A restarted server (or a second one on the same PostgreSQL
//! database) takes the waiting calls up where they were; a call whose send was under way when
//! the process died is marked `uncertain` and not sent again.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bramka_flow::{CallEvent, DedupeStore, FlowDef, InMemoryHistory, SendRecord, SmsAction};
use bramka_ledger::{Job, JobStore};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::App;
use crate::error::ApiError;

/// The job kind of a call waiting for its flow's delay.
const KIND: &str = "flow";

/// One flow: its definition, its action, and whether the server holds its delay (then `action`
/// is built without the delay, which the server waits out as a durable job).
struct Flow {
    def: FlowDef,
    action: SmsAction,
    server_waits: bool,
}

/// The configured flows, each ready to handle calls.
pub(crate) struct Flows {
    actions: BTreeMap<String, Flow>,
    history: InMemoryHistory,
    jobs: Arc<dyn JobStore>,
}

/// Once-per-call claims kept in the ledger's database ([`JobStore::claim_key`]), so a restart or
/// a second instance does not text the same call twice.
#[derive(Debug)]
struct DurableDedupe(Arc<dyn JobStore>);

fn dedupe_error(e: bramka_ledger::StoreError) -> bramka_flow::StoreError {
    bramka_flow::StoreError::new("ledger", e.to_string())
}

#[async_trait]
impl DedupeStore for DurableDedupe {
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> Result<bool, bramka_flow::StoreError> {
        let until = chrono::Duration::from_std(ttl)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.0.claim_key(&format!("flow:{key}"), now, until).await.map_err(dedupe_error)
    }
    async fn release(&self, key: &str) -> Result<(), bramka_flow::StoreError> {
        self.0.release_key(&format!("flow:{key}")).await.map_err(dedupe_error)
    }
}

/// What a waiting call's job keeps.
#[derive(Debug, Serialize, Deserialize)]
struct Waiting {
    label: String,
    call_id: String,
    caller: String,
    called: String,
}

impl Flows {
    /// Builds every flow's action; `gateway` gives an account's (ledger-recorded) gateway.
    pub(crate) fn build(
        defs: &[FlowDef],
        default_account: Option<&str>,
        jobs: Arc<dyn JobStore>,
        gateway: impl Fn(&str) -> Result<Arc<dyn bramka_core::Gateway>, String>,
    ) -> Result<Flows, String> {
        let history = InMemoryHistory::new();
        let dedupe: Arc<dyn DedupeStore> = Arc::new(DurableDedupe(jobs.clone()));
        let mut actions = BTreeMap::new();
        for (i, def) in defs.iter().enumerate() {
            let account = def.account.as_deref().or(default_account).ok_or_else(|| {
                format!("flows[{i}] ({}): no account; set its account or [server] outbox_account", def.label)
            })?;
            let config = def.to_config().map_err(|e| format!("flows[{i}]: {e}"))?;
            let gw = gateway(account)?;
            // A delay the operator cannot hold (too short, or no scheduling) is waited out here,
            // as a durable job; the action itself then sends at once.
            let operator_holds = gw.capabilities().supports(bramka_core::Capability::Schedule)
                && config.schedule_threshold().is_some_and(|t| config.delay() >= t);
            let server_waits = def.delay_seconds > 0 && !operator_holds;
            let config = if server_waits {
                FlowDef { delay_seconds: 0, ..def.clone() }
                    .to_config()
                    .map_err(|e| format!("flows[{i}]: {e}"))?
            } else {
                config
            };
            let action = SmsAction::new(config, gw)
                .map_err(|e| format!("flows[{i}]: {e}"))?
                .with_history(Arc::new(history.clone()))
                .with_dedupe(dedupe.clone());
            let flow = Flow { def: def.clone(), action, server_waits };
            if actions.insert(def.label.clone(), flow).is_some() {
                return Err(format!("flows[{i}].label: {:?} is used twice", def.label));
            }
        }
        Ok(Flows { actions, history, jobs })
    }

    /// Takes up the calls left waiting by an earlier run (or another instance): each is sent at
    /// its due time, once. A call found `sending` was under way when its process stopped: it is
    /// marked `uncertain`, never sent again.
    pub(crate) async fn resume(&self, stop: &tokio::sync::watch::Receiver<bool>, tasks: &crate::Tasks) {
        match self.jobs.jobs(KIND, &["sending"]).await {
            Ok(stuck) => {
                for j in stuck {
                    let note = "the server stopped while sending; not sent again (see the ledger)";
                    let _ = self
                        .jobs
                        .move_job(KIND, &j.key, &["sending"], "uncertain", Some(note), Utc::now())
                        .await;
                    tracing::warn!(job = %j.key, "a call-flow SMS was being sent when the server stopped; marked uncertain");
                }
            }
            Err(e) => tracing::error!(error = %e, "call-flow jobs could not be read"),
        }
        match self.jobs.jobs(KIND, &["waiting"]).await {
            Ok(waiting) => {
                if !waiting.is_empty() {
                    tracing::info!(calls = waiting.len(), "call-flow SMS waiting for their delay resumed");
                }
                for j in waiting {
                    self.spawn_waiting(j, stop.clone(), tasks);
                }
            }
            Err(e) => tracing::error!(error = %e, "call-flow jobs could not be read"),
        }
    }

    /// Waits until the job's due time (or the server's stop), then sends once: the job moves
    /// `waiting` → `sending` by compare-and-set, so only one task or instance sends it.
    fn spawn_waiting(&self, job: Job, stop: tokio::sync::watch::Receiver<bool>, tasks: &crate::Tasks) {
        let Ok(w) = serde_json::from_str::<Waiting>(&job.data) else {
            tracing::error!(job = %job.key, "a waiting call-flow job has unreadable data; left as it is");
            return;
        };
        let Some(flow) = self.actions.get(&w.label) else {
            tracing::warn!(flow = %w.label, "a waiting call belongs to a flow no longer configured; left waiting");
            return;
        };
        let action = flow.action.clone();
        let jobs = self.jobs.clone();
        tasks.spawn(async move {
            let wait = job
                .due_at
                .map_or(std::time::Duration::ZERO, |due| (due - Utc::now()).to_std().unwrap_or_default());
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                () = crate::stopped(stop) => return,
            }
            match jobs.move_job(KIND, &job.key, &["waiting"], "sending", None, Utc::now()).await {
                Ok(true) => {}
                Ok(false) => return, // another task or instance took it
                Err(e) => {
                    tracing::error!(job = %job.key, error = %e, "call-flow job not claimed; left waiting");
                    return;
                }
            }
            let outcome = action.run(CallEvent::new(w.call_id, w.caller, w.called)).await;
            let result = match outcome.record() {
                Some(r) => r.result.to_string(),
                None => "duplicate".to_owned(),
            };
            if let Err(e) =
                jobs.move_job(KIND, &job.key, &["sending"], "done", Some(&result), Utc::now()).await
            {
                tracing::error!(job = %job.key, error = %e, "call-flow job not marked done");
            }
        });
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
    let defs: Vec<&FlowDef> = app.flows.actions.values().map(|f| &f.def).collect();
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
    let flow =
        app.flows.actions.get(&label).ok_or_else(|| ApiError::not_found(format!("no flow {label:?}")))?;
    let def = &flow.def;
    let accepted = |duplicate: bool| {
        let body = json!({"label": label, "call_id": c.call_id, "delay_seconds": def.delay_seconds, "duplicate": duplicate});
        Ok((StatusCode::ACCEPTED, Json(body)).into_response())
    };
    if flow.server_waits {
        // One waiting job per call for a once-per-call flow (a repeated call is a duplicate);
        // otherwise one per request.
        let key = if def.once_per_call {
            format!("{label}/{}", c.call_id)
        } else {
            format!("{label}/{}/{}", c.call_id, crate::defs::random_token(8).map_err(ApiError::unavailable)?)
        };
        let now = Utc::now();
        let data =
            Waiting { label: label.clone(), call_id: c.call_id.clone(), caller: c.caller, called: c.called };
        let job = Job::new(KIND, key, "waiting", now)
            .due(now + chrono::Duration::seconds(def.delay_seconds.min(86_400) as i64))
            .data(serde_json::to_string(&data).map_err(|e| ApiError::unavailable(e.to_string()))?);
        if !app
            .flows
            .jobs
            .put_job(job.clone())
            .await
            .map_err(|e| ApiError::unavailable(format!("ledger: {e}")))?
        {
            return accepted(true);
        }
        tracing::info!(flow = %label, delay = def.delay_seconds, "call accepted; the SMS follows after the delay");
        app.flows.spawn_waiting(job, app.stop_rx(), &app.tasks);
        return accepted(false);
    }
    let handle = flow.action.on_call(CallEvent::new(c.call_id.clone(), c.caller, c.called));
    if def.delay_seconds > 0 {
        tracing::info!(flow = %label, delay = def.delay_seconds, "call accepted; the operator holds the SMS for the delay");
        return accepted(false);
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
