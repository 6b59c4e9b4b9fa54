//! `bramka serve --sandbox`: the local SMS operator (bramka-sandbox) mounted at `/sandbox/` (its
//! SMSAPI, Infobip, Twilio and Dynmark endpoints), and its JSON API at `/api/v1/sandbox/` behind
//! the API's token check (`GET /api/v1/sandbox/messages`: what it received, newest first).
//!
//! The config file's optional `[sandbox]` table sets it up:
//!
//! ```toml
//! [sandbox]
//! delivery_delay_ms = 2000          # or "manual": reports only when triggered
//! seed = 7                          # of the fault generator
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
use bramka_sandbox::{CallbackUrls, FaultKind, Operator, Route, RouteFaults, Sandbox, SandboxConfig};
use serde::Deserialize;

use crate::App;
use crate::config::{Env, expand};
use crate::web::{Viewer, csrf_ok, csrf_refused, esc, page};

/// The configuration `bramka serve --sandbox` runs with when there is no file: in memory, no
/// account needed.
pub const NO_FILE_CONFIG: &str = "[server]\nstorage = \"memory:\"\n";

/// The `[sandbox]` table of the config file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct SandboxSection {
    delivery_delay_ms: Option<toml::Value>,
    seed: Option<u64>,
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

/// The sandbox of a server started with `--sandbox`.
pub(crate) fn start(enabled: bool, config: &SandboxConfig) -> Option<Sandbox> {
    enabled.then(|| Sandbox::new(config.clone()))
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

fn tab_page(sb: &Sandbox, v: &Viewer, notice: &str) -> Response {
    let csrf = esc(v.csrf());
    let mut rows = String::new();
    for (n, m) in sb.messages().iter().enumerate() {
        let callbacks: Vec<String> = m
            .callbacks
            .iter()
            .map(|c| {
                let status = c.status.map_or_else(|| "unreachable".to_owned(), |s| s.to_string());
                format!("<li>{} → {} ({status})</li>", esc(&c.event), esc(&c.url))
            })
            .collect();
        let action = if m.state.is_final() {
            String::new()
        } else {
            let options: String =
                OUTCOMES.iter().map(|o| format!(r#"<option value="{o}">{o}</option>"#)).collect();
            format!(
                r#"<form method="post" action="/web/sandbox/report" class="inline"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="operator" value="{op}"><input type="hidden" name="id" value="{id}"><select name="outcome" id="outcome-{n}"><option value="">by pattern</option>{options}</select> <button id="report-{n}">Delivery report</button></form>"#,
                op = m.operator.as_str(),
                id = esc(&m.message_id),
            )
        };
        rows.push_str(&format!(
            r#"<tr class="sandbox-message" data-id="{id}"><td>{op}</td><td class="sender">{sender}</td><td class="recipient">{to}</td><td class="text">{text}</td><td class="encoding">{enc}</td><td class="num parts">{parts}</td><td class="state">{state}</td><td class="callbacks"><ul>{cb}</ul></td><td>{action}</td></tr>"#,
            id = esc(&m.message_id),
            op = m.operator.as_str(),
            sender = esc(m.sender.as_deref().unwrap_or("")),
            to = esc(&m.recipient),
            text = esc(&m.text),
            enc = esc(&m.encoding),
            parts = m.parts,
            state = m.state.as_str(),
            cb = callbacks.concat(),
        ));
    }
    let notice = if notice.is_empty() {
        String::new()
    } else {
        format!(r#"<p class="msg" id="notice">{}</p>"#, esc(notice))
    };
    let body = format!(
        r#"{notice}<p>What applications sent to the local operator (<code>/sandbox/smsapi/</code>, <code>/sandbox/infobip/</code>, <code>/sandbox/twilio/</code>, <code>/sandbox/dynmark/</code>), newest first.</p>
<h2>Receive an SMS</h2>
<form method="post" action="/web/sandbox/receive" id="receive-form"><input type="hidden" name="csrf" value="{csrf}">
<select name="operator" id="receive-operator"><option value="smsapi">SMSAPI</option><option value="infobip">Infobip</option><option value="twilio">Twilio</option></select>
<input name="from" id="receive-from" placeholder="from" required> <input name="to" id="receive-to" placeholder="to" required> <input name="text" id="receive-text" placeholder="text" required> <button id="receive">Receive</button></form>
<table id="sandbox-messages"><tr><th>Operator</th><th>Sender</th><th>Recipient</th><th>Text</th><th>Encoding</th><th>Parts</th><th>State</th><th>Callbacks sent back</th><th></th></tr>{rows}</table>"#
    );
    page(v, "Sandbox", &body)
}

async fn tab(Extension(sb): Extension<Sandbox>, Extension(v): Extension<Viewer>) -> Response {
    tab_page(&sb, &v, "")
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
        return tab_page(&sb, &v, &format!("unknown operator {:?}", f.operator));
    };
    let outcome = Some(f.outcome.as_str()).filter(|o| !o.is_empty());
    let notice = match sb.deliver(op, &f.id, outcome).await {
        Ok(r) => format!("Delivery report for {}: {}", r.message_id, r.state.as_str()),
        Err(e) => e.to_string(),
    };
    tab_page(&sb, &v, &notice)
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
        return tab_page(&sb, &v, &format!("unknown operator {:?}", f.operator));
    };
    let id = sb.receive(op, &f.from, &f.to, &f.text).await;
    tab_page(&sb, &v, &format!("Received {} SMS {id} from {} to {}", op.as_str(), f.from, f.to))
}
