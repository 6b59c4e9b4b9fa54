//! `bramka serve --sandbox`: the local SMS operator (bramka-sandbox) mounted at `/sandbox/` (its
//! SMSAPI, Infobip, Twilio and Dynmark endpoints), and its JSON API at `/api/v1/sandbox/` behind
//! the API's token check (`GET /api/v1/sandbox/messages`: what it received, newest first).
//!
//! Everything it receives (and every inbound SMS it simulates), with the callbacks it posts, is
//! written to the ledger (SQLite, or PostgreSQL when the server uses it) before it answers, and
//! read back when the server starts: the Sandbox tab lists it from the ledger.
//!
//! The config file's optional `[sandbox]` table sets it up:
//!
//! ```toml
//! [sandbox]
//! delivery_delay_ms = 2000          # or "manual": reports only when triggered
//! seed = 7                          # of the fault generator
//! smsapi_senders = ["Shop", "Test"] # registered SMSAPI senders (none: any is accepted)
//! [sandbox.credentials]             # none: any credentials are accepted
//! smsapi_token = "${SMSAPI_TOKEN}"
//! infobip_api_key = "${INFOBIP_KEY}"
//! twilio_account_sid = "AC0123456789abcdef0123456789abcdef"
//! twilio_auth_token = "${TWILIO_TOKEN}"
//! [sandbox.callbacks]               # where reports and inbound messages go by default
//! smsapi_dlr = "http://127.0.0.1:3000/smsapi/dlr"
//! twilio_status = "http://127.0.0.1:3000/twilio/status"
//! [[sandbox.faults]]                # per route, or per account on a route
//! route = "twilio_send"
//! account = "AC0123456789abcdef0123456789abcdef"
//! rate = 0.2
//! kinds = ["stall", "server_error_after"]   # default: every kind
//! script = ["garbled_200", "none"]
//! ```

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use bramka_sandbox::{
    CallbackSent, CallbackUrls, Direction, FaultKind, JournalError, Operator, Received, Route, RouteFaults,
    Sandbox, SandboxConfig, SandboxJournal, SimState,
};
use serde::Deserialize;

use crate::App;
use crate::config::{Env, expand};
use crate::web::{Lang, Viewer, csrf_ok, csrf_refused, esc, page};

/// The configuration `bramka serve --sandbox` runs with when there is no file: in memory, no
/// account needed.
pub const NO_FILE_CONFIG: &str = "[server]\nstorage = \"memory:\"\n";

/// The `[sandbox]` table of the config file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct SandboxSection {
    delivery_delay_ms: Option<toml::Value>,
    seed: Option<u64>,
    smsapi_senders: Option<Vec<String>>,
    #[serde(default)]
    credentials: Credentials,
    #[serde(default)]
    callbacks: Callbacks,
    #[serde(default)]
    faults: Vec<FaultSection>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Credentials {
    smsapi_token: Option<String>,
    infobip_api_key: Option<String>,
    twilio_account_sid: Option<String>,
    twilio_auth_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Callbacks {
    smsapi_dlr: Option<String>,
    smsapi_mo: Option<String>,
    infobip_dlr: Option<String>,
    infobip_mo: Option<String>,
    twilio_status: Option<String>,
    twilio_inbound: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSection {
    route: String,
    account: Option<String>,
    #[serde(default)]
    rate: f64,
    kinds: Option<Vec<FaultKind>>,
    #[serde(default)]
    script: Vec<String>,
}

/// The sandbox's settings from the `[sandbox]` table; errors name the field (`sandbox.faults[0].route`)
/// and what is accepted, never a secret.
pub(crate) fn settings(
    section: Option<SandboxSection>,
    env: &Env,
) -> Result<SandboxConfig, (String, String)> {
    let Some(s) = section else { return Ok(SandboxConfig::default()) };
    let mut c = SandboxConfig::default();
    let secret = |field: &str, v: &Option<String>| -> Result<Option<String>, (String, String)> {
        v.as_deref().map(|t| expand(t, env)).transpose().map_err(|r| (format!("sandbox.{field}"), r))
    };
    match &s.delivery_delay_ms {
        None => {}
        Some(toml::Value::Integer(ms)) if *ms >= 0 => {
            c = c.delivery_delay(Some(Duration::from_millis(ms.unsigned_abs())));
        }
        Some(toml::Value::String(m)) if m == "manual" => c = c.delivery_delay(None),
        Some(other) => {
            return Err((
                "sandbox.delivery_delay_ms".into(),
                format!("{other} is neither milliseconds (0 or more) nor \"manual\""),
            ));
        }
    }
    if let Some(seed) = s.seed {
        c = c.seed(seed);
    }
    if let Some(names) = &s.smsapi_senders {
        c = c.smsapi_senders(names.iter().cloned());
    }
    let cr = &s.credentials;
    if let Some(t) = secret("credentials.smsapi_token", &cr.smsapi_token)? {
        c = c.smsapi_token(t);
    }
    if let Some(k) = secret("credentials.infobip_api_key", &cr.infobip_api_key)? {
        c = c.infobip_api_key(k);
    }
    match (
        secret("credentials.twilio_account_sid", &cr.twilio_account_sid)?,
        secret("credentials.twilio_auth_token", &cr.twilio_auth_token)?,
    ) {
        (Some(sid), Some(token)) => c = c.twilio(sid, token),
        (None, None) => {}
        _ => {
            return Err((
                "sandbox.credentials".into(),
                "twilio_account_sid and twilio_auth_token go together".into(),
            ));
        }
    }
    let mut urls = CallbackUrls::default();
    let cb = &s.callbacks;
    for (field, v, slot) in [
        ("smsapi_dlr", &cb.smsapi_dlr, &mut urls.smsapi_dlr),
        ("smsapi_mo", &cb.smsapi_mo, &mut urls.smsapi_mo),
        ("infobip_dlr", &cb.infobip_dlr, &mut urls.infobip_dlr),
        ("infobip_mo", &cb.infobip_mo, &mut urls.infobip_mo),
        ("twilio_status", &cb.twilio_status, &mut urls.twilio_status),
        ("twilio_inbound", &cb.twilio_inbound, &mut urls.twilio_inbound),
    ] {
        if let Some(u) = v {
            let u = expand(u, env).map_err(|r| (format!("sandbox.callbacks.{field}"), r))?;
            url::Url::parse(&u).ok().filter(|p| matches!(p.scheme(), "http" | "https")).ok_or_else(|| {
                (format!("sandbox.callbacks.{field}"), format!("{u:?} is not an http(s) URL"))
            })?;
            *slot = Some(u);
        }
    }
    c = c.callbacks(urls);
    for (i, f) in s.faults.iter().enumerate() {
        let at = |k: &str| format!("sandbox.faults[{i}].{k}");
        let route = Route::parse(&f.route).ok_or_else(|| {
            (
                at("route"),
                format!("{:?}: expected smsapi_send, infobip_send, twilio_send or dynmark_send", f.route),
            )
        })?;
        if !(0.0..=1.0).contains(&f.rate) {
            return Err((at("rate"), format!("{} is not between 0.0 and 1.0", f.rate)));
        }
        let mut script = Vec::with_capacity(f.script.len());
        for (j, step) in f.script.iter().enumerate() {
            let kind = if step == "none" {
                None
            } else {
                Some(FaultKind::ALL.into_iter().find(|k| k.as_str() == step).ok_or_else(|| {
                    let names: Vec<&str> = FaultKind::ALL.iter().map(|k| k.as_str()).collect();
                    (
                        format!("sandbox.faults[{i}].script[{j}]"),
                        format!("{step:?}: expected none, {}", names.join(", ")),
                    )
                })?)
            };
            script.push(kind);
        }
        let plan = RouteFaults {
            script,
            rate: f.rate,
            kinds: f.kinds.clone().unwrap_or_else(|| FaultKind::ALL.to_vec()),
        };
        c = match secret(&format!("faults[{i}].account"), &f.account)? {
            Some(a) => c.account_faults(route, a, plan),
            None => c.route_faults(route, plan),
        };
    }
    Ok(c)
}

/// The sandbox of a server started with `--sandbox`, writing through to the ledger's store.
pub(crate) fn start(
    enabled: bool,
    config: &SandboxConfig,
    ledger: &bramka_ledger::Ledger,
) -> Option<Sandbox> {
    enabled.then(|| Sandbox::with_journal(config.clone(), Arc::new(LedgerJournal(ledger.store().clone()))))
}

/// Reads back what the ledger holds of an earlier run (before the server accepts requests).
pub(crate) async fn restore(sb: &Sandbox) -> std::io::Result<()> {
    match sb.restore().await {
        Ok(n) => {
            tracing::info!(messages = n, "sandbox: messages of earlier runs read from the ledger");
            Ok(())
        }
        Err(e) => Err(std::io::Error::other(format!("sandbox: {e}"))),
    }
}

/// The sandbox's journal in the ledger ([`bramka_ledger::SandboxMessage`] rows).
struct LedgerJournal(Arc<dyn bramka_ledger::Store>);

#[async_trait::async_trait]
impl SandboxJournal for LedgerJournal {
    async fn save(&self, r: &Received) -> Result<(), JournalError> {
        self.0.put_sandbox_message(to_ledger(r)).await.map_err(|e| JournalError::new(e.to_string()))
    }

    async fn load(&self) -> Result<Vec<Received>, JournalError> {
        let rows = self.0.sandbox_messages().await.map_err(|e| JournalError::new(e.to_string()))?;
        rows.into_iter().map(from_ledger).collect()
    }
}

fn to_ledger(r: &Received) -> bramka_ledger::SandboxMessage {
    let mut m = bramka_ledger::SandboxMessage::new(
        r.operator.as_str(),
        &r.message_id,
        &r.recipient,
        &r.text,
        r.received_at,
    );
    m.seq = i64::try_from(r.seq).unwrap_or(i64::MAX);
    m.direction = r.direction.as_str().to_owned();
    m.account.clone_from(&r.account);
    m.sender.clone_from(&r.sender);
    m.encoding.clone_from(&r.encoding);
    m.parts = r.parts;
    m.state = r.state.as_str().to_owned();
    m.client_key.clone_from(&r.client_key);
    m.batch_id.clone_from(&r.batch_id);
    m.send_at = r.send_at;
    m.callback_url.clone_from(&r.callback_url);
    m.callbacks = r
        .callbacks
        .iter()
        .map(|c| bramka_ledger::SandboxCallback::new(c.url.clone(), c.event.clone(), c.status))
        .collect();
    m
}

fn from_ledger(m: bramka_ledger::SandboxMessage) -> Result<Received, JournalError> {
    let bad = |what: &str, v: &str| {
        JournalError::new(format!(
            "sandbox message {:?} in the ledger has an unknown {what} {v:?}",
            m.message_id
        ))
    };
    Ok(Received {
        seq: u64::try_from(m.seq).unwrap_or(0),
        operator: Operator::parse(&m.operator).ok_or_else(|| bad("operator", &m.operator))?,
        direction: Direction::parse(&m.direction).ok_or_else(|| bad("direction", &m.direction))?,
        state: SimState::parse(&m.state).ok_or_else(|| bad("state", &m.state))?,
        received_at: m.received_at,
        account: m.account.clone(),
        sender: m.sender.clone(),
        recipient: m.recipient.clone(),
        text: m.text.clone(),
        encoding: m.encoding.clone(),
        parts: m.parts,
        message_id: m.message_id.clone(),
        client_key: m.client_key.clone(),
        batch_id: m.batch_id.clone(),
        send_at: m.send_at,
        callback_url: m.callback_url.clone(),
        callbacks: m
            .callbacks
            .iter()
            .map(|c| CallbackSent { url: c.url.clone(), event: c.event.clone(), status: c.status })
            .collect(),
    })
}

/// Adds the sandbox's API under `/api/v1/sandbox` to the API routes (before their token layer).
pub(crate) fn api<S: Clone + Send + Sync + 'static>(sandbox: Option<&Sandbox>, api: Router<S>) -> Router<S> {
    match sandbox {
        Some(sb) => api.nest_service("/api/v1/sandbox", sb.api_routes()),
        None => api,
    }
}

/// Mounts the operator endpoints under `/sandbox`.
pub(crate) fn mount(sandbox: Option<&Sandbox>, router: Router) -> Router {
    match sandbox {
        Some(sb) => router.nest_service("/sandbox", sb.operator_routes()),
        None => router,
    }
}

/// The "Sandbox" tab (`/web/sandbox`, only with `--sandbox`): per received message the operator,
/// sender, recipient, text, encoding, billed parts, simulated state and the callbacks sent back,
/// a button to post its delivery report now, and a form to receive an SMS.
pub(crate) fn pages(sandbox: Option<&Sandbox>) -> Router<Arc<App>> {
    match sandbox {
        Some(sb) => Router::new()
            .route("/web/sandbox", get(tab))
            .route("/web/sandbox/report", post(report))
            .route("/web/sandbox/receive", post(receive))
            .layer(Extension(sb.clone())),
        None => Router::new(),
    }
}

const OUTCOMES: &[&str] = &["delivered", "undelivered", "expired", "stopped"];

/// A label of the Sandbox tab in the page's language (Polish or English, as the other tabs).
fn t(lang: Lang, key: &str) -> &'static str {
    let (pl, en) = match key {
        "title" => ("Piaskownica", "Sandbox"),
        "intro" => (
            "Co aplikacje wysłały do lokalnego operatora, od najnowszych (zapisane w rejestrze):",
            "What applications sent to the local operator, newest first (kept in the ledger):",
        ),
        "receive" => ("Odbierz SMS", "Receive an SMS"),
        "receive_button" => ("Odbierz", "Receive"),
        "from" => ("od", "from"),
        "to" => ("do", "to"),
        "text" => ("treść", "text"),
        "operator" => ("Operator", "Operator"),
        "direction" => ("Kierunek", "Direction"),
        "sender" => ("Nadawca", "Sender"),
        "recipient" => ("Odbiorca", "Recipient"),
        "text_h" => ("Treść", "Text"),
        "encoding" => ("Kodowanie", "Encoding"),
        "parts" => ("Części", "Parts"),
        "state" => ("Stan", "State"),
        "callbacks" => ("Odesłane powiadomienia", "Callbacks sent back"),
        "outbound" => ("wysłana", "sent"),
        "inbound" => ("odebrana", "received"),
        "unreachable" => ("nieosiągalny", "unreachable"),
        "by_pattern" => ("wg numeru", "by pattern"),
        "report" => ("Raport doręczenia", "Delivery report"),
        "report_done" => ("Raport doręczenia", "Delivery report for"),
        "received_done" => ("Odebrano SMS", "Received SMS"),
        "ledger_error" => ("Nie udało się odczytać rejestru", "The ledger could not be read"),
        "queued" => ("w kolejce", "queued"),
        "scheduled" => ("zaplanowana", "scheduled"),
        "canceled" => ("anulowana", "canceled"),
        "test" => ("test", "test"),
        "delivered" => ("doręczona", "delivered"),
        "undelivered" => ("niedoręczona", "undelivered"),
        "expired" => ("wygasła", "expired"),
        "stopped" => ("STOP", "stopped"),
        "received" => ("odebrana", "received"),
        _ => ("?", "?"),
    };
    if lang == Lang::Pl { pl } else { en }
}

async fn tab_page(sb: &Sandbox, v: &Viewer, notice: &str) -> Response {
    let l = v.lang();
    let csrf = esc(v.csrf());
    let (list, error) = match sb.recorded().await {
        Ok(list) => (list, None),
        Err(e) => {
            tracing::error!(error = %e, "sandbox: the ledger could not be read");
            (sb.messages(), Some(e))
        }
    };
    let mut rows = String::new();
    for (n, m) in list.iter().enumerate() {
        let callbacks: Vec<String> = m
            .callbacks
            .iter()
            .map(|c| {
                let status = c.status.map_or_else(|| t(l, "unreachable").to_owned(), |s| s.to_string());
                format!("<li>{} → {} ({status})</li>", esc(&c.event), esc(&c.url))
            })
            .collect();
        let action = if m.state.is_final() {
            String::new()
        } else {
            let options: String =
                OUTCOMES.iter().map(|o| format!(r#"<option value="{o}">{}</option>"#, t(l, o))).collect();
            format!(
                r#"<form method="post" action="/web/sandbox/report" class="inline"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="operator" value="{op}"><input type="hidden" name="id" value="{id}"><select name="outcome" id="outcome-{n}"><option value="">{by}</option>{options}</select> <button id="report-{n}">{report}</button></form>"#,
                op = m.operator.as_str(),
                id = esc(&m.message_id),
                by = t(l, "by_pattern"),
                report = t(l, "report"),
            )
        };
        rows.push_str(&format!(
            r#"<tr class="sandbox-message {dir}" data-id="{id}" data-state="{state_key}"><td>{op}</td><td class="direction">{dir_label}</td><td class="sender">{sender}</td><td class="recipient">{to}</td><td class="text">{text}</td><td class="encoding">{enc}</td><td class="num parts">{parts}</td><td class="state">{state}</td><td class="callbacks"><ul>{cb}</ul></td><td>{action}</td></tr>"#,
            dir = m.direction.as_str(),
            dir_label = t(l, m.direction.as_str()),
            id = esc(&m.message_id),
            op = m.operator.as_str(),
            sender = esc(m.sender.as_deref().unwrap_or("")),
            to = esc(&m.recipient),
            text = esc(&m.text),
            enc = esc(&m.encoding),
            parts = m.parts,
            state_key = m.state.as_str(),
            state = t(l, m.state.as_str()),
            cb = callbacks.concat(),
        ));
    }
    let notice = match (notice.is_empty(), error) {
        (_, Some(e)) => {
            format!(r#"<p class="err" id="notice">{}: {}</p>"#, t(l, "ledger_error"), esc(&e.to_string()))
        }
        (true, None) => String::new(),
        (false, None) => format!(r#"<p class="msg" id="notice">{}</p>"#, esc(notice)),
    };
    let body = format!(
        r#"{notice}<p>{intro} <code>/sandbox/smsapi/</code>, <code>/sandbox/infobip/</code>, <code>/sandbox/twilio/</code>, <code>/sandbox/dynmark/</code></p>
<h2>{receive}</h2>
<form method="post" action="/web/sandbox/receive" id="receive-form"><input type="hidden" name="csrf" value="{csrf}">
<select name="operator" id="receive-operator"><option value="smsapi">SMSAPI</option><option value="infobip">Infobip</option><option value="twilio">Twilio</option></select>
<input name="from" id="receive-from" placeholder="{from}" required> <input name="to" id="receive-to" placeholder="{to}" required> <input name="text" id="receive-text" placeholder="{text}" required> <button id="receive">{receive_button}</button></form>
<table id="sandbox-messages"><tr><th>{h_op}</th><th>{h_dir}</th><th>{h_sender}</th><th>{h_to}</th><th>{h_text}</th><th>{h_enc}</th><th>{h_parts}</th><th>{h_state}</th><th>{h_cb}</th><th></th></tr>{rows}</table>"#,
        intro = t(l, "intro"),
        receive = t(l, "receive"),
        from = t(l, "from"),
        to = t(l, "to"),
        text = t(l, "text"),
        receive_button = t(l, "receive_button"),
        h_op = t(l, "operator"),
        h_dir = t(l, "direction"),
        h_sender = t(l, "sender"),
        h_to = t(l, "recipient"),
        h_text = t(l, "text_h"),
        h_enc = t(l, "encoding"),
        h_parts = t(l, "parts"),
        h_state = t(l, "state"),
        h_cb = t(l, "callbacks"),
    );
    page(v, t(l, "title"), &body)
}

async fn tab(Extension(sb): Extension<Sandbox>, Extension(v): Extension<Viewer>) -> Response {
    tab_page(&sb, &v, "").await
}

#[derive(Deserialize)]
pub(crate) struct ReportForm {
    #[serde(default)]
    csrf: String,
    operator: String,
    id: String,
    #[serde(default)]
    outcome: String,
}

async fn report(
    Extension(sb): Extension<Sandbox>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<ReportForm>,
) -> Response {
    if !csrf_ok(&v, &f.csrf) {
        return csrf_refused();
    }
    let Some(op) = Operator::parse(&f.operator) else {
        return tab_page(&sb, &v, &format!("unknown operator {:?}", f.operator)).await;
    };
    let outcome = Some(f.outcome.as_str()).filter(|o| !o.is_empty());
    let l = v.lang();
    let notice = match sb.deliver(op, &f.id, outcome).await {
        Ok(r) => format!("{} {}: {}", t(l, "report_done"), r.message_id, t(l, r.state.as_str())),
        Err(e) => e.to_string(),
    };
    tab_page(&sb, &v, &notice).await
}

#[derive(Deserialize)]
pub(crate) struct ReceiveForm {
    #[serde(default)]
    csrf: String,
    operator: String,
    from: String,
    to: String,
    text: String,
}

async fn receive(
    Extension(sb): Extension<Sandbox>,
    Extension(v): Extension<Viewer>,
    Form(f): Form<ReceiveForm>,
) -> Response {
    if !csrf_ok(&v, &f.csrf) {
        return csrf_refused();
    }
    let Some(op) = Operator::parse(&f.operator) else {
        return tab_page(&sb, &v, &format!("unknown operator {:?}", f.operator)).await;
    };
    let id = sb.receive(op, &f.from, &f.to, &f.text).await;
    let notice = format!("{} ({}) {id}: {} → {}", t(v.lang(), "received_done"), op.as_str(), f.from, f.to);
    tab_page(&sb, &v, &notice).await
}
