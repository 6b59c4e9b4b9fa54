//! The web page: server-rendered HTML, no JavaScript. Log in with an API token (a session cookie,
//! `HttpOnly`, `SameSite=Strict`), then the inbox with filters, the polls with counts,
//! percentages and an inline-SVG bar chart, the sent messages with their delivery state, the
//! suppression list, CSV downloads and a "send a test SMS" form. Every
//! form that changes something carries a CSRF token. Labels in Polish and English.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use bramka_inbound::report::{self, ExportOptions};
use bramka_inbound::{Outcome, StoredMessage};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::App;
use crate::api::{InboxParams, token_matches};
use crate::error::ApiError;
use crate::sent::SentParams;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "bramka_session";
const LANG_COOKIE: &str = "bramka_lang";
/// How long a login lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

pub(crate) struct Session {
    csrf: String,
    expires: Instant,
}

/// Sessions by id.
#[derive(Default)]
pub(crate) struct Sessions(std::sync::Mutex<HashMap<String, Session>>);

impl Sessions {
    fn create(&self) -> Option<(String, String)> {
        let id = crate::defs::random_token(32).ok()?;
        let csrf = crate::defs::random_token(32).ok()?;
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        m.retain(|_, s| s.expires > now);
        m.insert(id.clone(), Session { csrf: csrf.clone(), expires: now + SESSION_TTL });
        Some((id, csrf))
    }
    fn csrf(&self, id: &str) -> Option<String> {
        let m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.get(id).filter(|s| s.expires > Instant::now()).map(|s| s.csrf.clone())
    }
    fn remove(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Who is looking: the session's CSRF token, or `open` (no tokens configured, loopback client).
#[derive(Clone)]
pub(crate) struct Viewer {
    csrf: String,
    session: Option<String>,
    lang: Lang,
    /// The server runs with `--sandbox`: the "Sandbox" tab is shown.
    sandbox: bool,
}

impl Viewer {
    /// The CSRF token forms must carry.
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Requires a session (or, with no token configured, a loopback client); else to the login page.
pub(crate) async fn require_session(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let lang = Lang::of(req.headers());
    let viewer = if app.settings.api_tokens.is_empty() {
        peer.ip().is_loopback().then(|| Viewer {
            csrf: app.open_csrf.clone(),
            session: None,
            lang,
            sandbox: app.settings.sandbox,
        })
    } else {
        cookie(req.headers(), SESSION_COOKIE).and_then(|id| {
            app.sessions.csrf(id).map(|csrf| Viewer {
                csrf,
                session: Some(id.to_owned()),
                lang,
                sandbox: app.settings.sandbox,
            })
        })
    };
    match viewer {
        Some(v) => {
            req.extensions_mut().insert(v);
            next.run(req).await
        }
        None if app.settings.api_tokens.is_empty() => (
            StatusCode::FORBIDDEN,
            "the web page answers only this machine when no api_tokens are configured",
        )
            .into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// Whether a form's CSRF token is the viewer's (compared in constant time).
pub(crate) fn csrf_ok(v: &Viewer, given: &str) -> bool {
    !given.is_empty() && bool::from(v.csrf.as_bytes().ct_eq(given.as_bytes()))
}

pub(crate) fn csrf_refused() -> Response {
    (StatusCode::FORBIDDEN, "missing or wrong CSRF token; reload the page and try again").into_response()
}

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Pl,
    En,
}

impl Lang {
    fn of(headers: &HeaderMap) -> Lang {
        match cookie(headers, LANG_COOKIE) {
            Some("pl") => return Lang::Pl,
            Some("en") => return Lang::En,
            _ => {}
        }
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if accept.trim_start().to_ascii_lowercase().starts_with("pl") { Lang::Pl } else { Lang::En }
    }
    fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }
}

/// A label in the page's language.
fn t(lang: Lang, key: &str) -> &'static str {
    let (pl, en) = match key {
        "inbox" => ("Odebrane", "Inbox"),
        "polls" => ("Głosowania", "Polls"),
        "test_sms" => ("Testowy SMS", "Test SMS"),
        "logout" => ("Wyloguj", "Log out"),
        "login" => ("Zaloguj", "Log in"),
        "token" => ("Token API", "API token"),
        "from" => ("Nadawca", "From"),
        "to" => ("Numer odbiorczy", "To number"),
        "since" => ("Od", "Since"),
        "until" => ("Do", "Until"),
        "filter" => ("Filtruj", "Filter"),
        "received" => ("Odebrano", "Received"),
        "text" => ("Treść", "Text"),
        "outcome" => ("Wynik", "Outcome"),
        "csv" => ("Pobierz CSV", "Download CSV"),
        "answers_csv" => ("Odpowiedzi (CSV)", "Answers (CSV)"),
        "option" => ("Opcja", "Option"),
        "votes" => ("Głosy", "Votes"),
        "percent" => ("Procent", "Percent"),
        "total" => ("Razem", "Total"),
        "open" => ("otwarte", "open"),
        "closed" => ("zamknięte", "closed"),
        "recipient" => ("Odbiorca", "Recipient"),
        "account" => ("Konto", "Account"),
        "send" => ("Wyślij", "Send"),
        "sent" => ("Wysłano", "Sent"),
        "not_sent" => ("Nie wysłano", "Not sent"),
        "chars" => ("najwyżej 150 znaków", "at most 150 characters"),
        "bad_token" => ("Nieprawidłowy token", "Wrong token"),
        "none" => ("Brak wiadomości", "No messages"),
        "poll" => ("Głosowanie", "Poll"),
        "sent_list" => ("Wysłane", "Sent"),
        "state" => ("Stan", "State"),
        "delivery" => ("Doręczenie", "Delivery"),
        "parts" => ("Części", "Parts"),
        "encoding" => ("Kodowanie", "Encoding"),
        "created" => ("Utworzono", "Created"),
        "suppressions" => ("Zablokowane numery", "Suppressed numbers"),
        "number" => ("Numer", "Number"),
        "reason" => ("Powód", "Reason"),
        "scope" => ("Zakres", "Scope"),
        "all_accounts" => ("wszystkie konta", "every account"),
        "add" => ("Dodaj", "Add"),
        "remove" => ("Usuń", "Remove"),
        "campaigns" => ("Kampanie", "Campaigns"),
        "campaign" => ("Kampania", "Campaign"),
        "progress" => ("Postęp", "Progress"),
        "pending" => ("Oczekuje", "Pending"),
        "failed" => ("Nieudane", "Failed"),
        "uncertain" => ("Niepewne", "Uncertain"),
        "no_campaigns" => ("Brak kampanii", "No campaigns"),
        _ => ("?", "?"),
    };
    match lang {
        Lang::Pl => pl,
        Lang::En => en,
    }
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn page(v: &Viewer, title: &str, body: &str) -> Response {
    let l = v.lang;
    let logout = match &v.session {
        Some(_) => format!(
            r#"<form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{}"><button id="logout">{}</button></form>"#,
            esc(&v.csrf),
            t(l, "logout")
        ),
        None => String::new(),
    };
    let other = if l == Lang::Pl { ("en", "English") } else { ("pl", "Polski") };
    let html = format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} · bramka</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2330}}nav a{{margin-right:1rem}}table{{border-collapse:collapse;margin:1rem 0}}
td,th{{border-bottom:1px solid #d6d9e0;padding:.35rem .7rem;text-align:left}}.inline{{display:inline}}.num{{text-align:right}}
form.filters input{{margin-right:.5rem}}.msg{{padding:.5rem;background:#eef6ee}}.err{{padding:.5rem;background:#fbeaea}}</style></head>
<body><nav><a href="/inbox">{inbox}</a><a href="/sent" id="nav-sent">{sent}</a><a href="/polls">{polls}</a><a href="/campaigns" id="nav-campaigns">{campaigns}</a><a href="/suppressions" id="nav-suppressions">{supp}</a><a href="/test-sms">{test}</a>{sandbox}<a href="/lang/{olang}">{oname}</a>{logout}</nav>
<h1>{title}</h1>{body}</body></html>"#,
        lang = l.code(),
        title = esc(title),
        inbox = t(l, "inbox"),
        sent = t(l, "sent_list"),
        supp = t(l, "suppressions"),
        campaigns = t(l, "campaigns"),
        polls = t(l, "polls"),
        test = t(l, "test_sms"),
        olang = other.0,
        oname = other.1,
        sandbox = if v.sandbox { r#"<a href="/web/sandbox" id="nav-sandbox">Sandbox</a>"# } else { "" },
    );
    Html(html).into_response()
}

fn lang_only(headers: &HeaderMap) -> Viewer {
    Viewer { csrf: String::new(), session: None, lang: Lang::of(headers), sandbox: false }
}

pub(crate) async fn login_form(headers: HeaderMap) -> Response {
    login_page(&lang_only(&headers), false)
}

fn login_page(v: &Viewer, failed: bool) -> Response {
    let l = v.lang;
    let err = if failed {
        format!(r#"<p class="err" id="login-error">{}</p>"#, t(l, "bad_token"))
    } else {
        String::new()
    };
    let body = format!(
        r#"{err}<form method="post" action="/login"><label>{tok} <input type="password" name="token" id="token" autocomplete="current-password" required></label>
<button id="login">{login}</button></form>"#,
        tok = t(l, "token"),
        login = t(l, "login")
    );
    let mut r = page(v, t(l, "login"), &body);
    if failed {
        *r.status_mut() = StatusCode::UNAUTHORIZED;
    }
    r
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    token: String,
}

pub(crate) async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if app.settings.api_tokens.is_empty() || !token_matches(&app.settings.api_tokens, f.token.trim()) {
        tracing::warn!("web login refused");
        return login_page(&lang_only(&headers), true);
    }
    let Some((id, _)) = app.sessions.create() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no randomness available").into_response();
    };
    let secure = if app.public_url.scheme() == "https" { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        SESSION_TTL.as_secs()
    );
    tracing::info!("web login");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/inbox")).into_response()
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn logout(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
    f: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let given = f.map(|Form(f)| f.csrf).unwrap_or_default();
    if !csrf_ok(&v, &given) {
        return csrf_refused();
    }
    if let Some(id) = &v.session {
        app.sessions.remove(id);
    }
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}

pub(crate) async fn set_lang(Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let lang = if lang == "pl" { "pl" } else { "en" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| u.path().to_owned())
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/inbox".into());
    (
        [(header::SET_COOKIE, format!("{LANG_COOKIE}={lang}; SameSite=Strict; Path=/; Max-Age=31536000"))],
        Redirect::to(&back),
    )
        .into_response()
}

fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Unmatched => "unmatched".into(),
        Outcome::Inbox { inbox } => format!("inbox {inbox}"),
        Outcome::Poll { poll, vote } => format!("poll {poll}: {}", vote.as_str()),
        _ => "other".into(),
    }
}

fn query_string(p: &InboxParams) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("from", &p.from), ("to", &p.to), ("poll", &p.poll), ("inbox", &p.inbox)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    if let Some(x) = p.since {
        s.append_pair("since", &x.to_rfc3339());
    }
    if let Some(x) = p.until {
        s.append_pair("until", &x.to_rfc3339());
    }
    s.finish()
}

type Filters<P> = Result<Query<P>, axum::extract::rejection::QueryRejection>;

/// A list page's filters and the store query built from them, or the 400 answer's text.
fn filters<P, Q>(
    q: Filters<P>,
    query: impl FnOnce(&P) -> Result<Q, ApiError>,
) -> Result<(P, Q), (StatusCode, String)> {
    let Query(p) = q.map_err(|e| (StatusCode::BAD_REQUEST, e.body_text()))?;
    let built = query(&p).map_err(|e| (StatusCode::BAD_REQUEST, e.message))?;
    Ok((p, built))
}

/// A list page's filter form (GET to `action`; fields as label, name, element id, value) and
/// the link to the CSV of the same filters (`csv` is `(element id, href)`).
fn filter_form(
    l: Lang,
    action: &str,
    fields: &[(&str, &str, &str, &Option<String>)],
    button_id: &str,
    csv: (&str, &str),
) -> String {
    let mut out = format!(r#"<form class="filters" method="get" action="{action}">"#);
    for (label, name, id, value) in fields {
        let _ = write!(
            out,
            "\n<label>{} <input name=\"{name}\" id=\"{id}\" value=\"{}\"></label>",
            t(l, label),
            esc(value.as_deref().unwrap_or(""))
        );
    }
    let _ = write!(
        out,
        "\n<button id=\"{button_id}\">{}</button></form>\n<p><a id=\"{}\" href=\"{}\">{}</a></p>",
        t(l, "filter"),
        csv.0,
        esc(csv.1),
        t(l, "csv")
    );
    out
}

/// A table's opening tag and header row (labels by key).
fn table_head(id: &str, labels: &[&str], l: Lang) -> String {
    let mut out = format!(r#"<table id="{id}"><thead><tr>"#);
    for k in labels {
        let _ = write!(out, "<th>{}</th>", t(l, k));
    }
    out.push_str("</tr></thead><tbody>");
    out
}

pub(crate) async fn inbox(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
    q: Filters<InboxParams>,
) -> Response {
    let l = v.lang;
    let (p, query) = match filters(q, InboxParams::query) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let msgs: Vec<StoredMessage> = match app.store.messages_page(&query, p.after.unwrap_or(0), 200).await {
        Ok(m) => m,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let mut body = filter_form(
        l,
        "/inbox",
        &[
            ("from", "from", "f-from", &p.from),
            ("to", "to", "f-to", &p.to),
            ("poll", "poll", "f-poll", &p.poll),
        ],
        "filter",
        ("inbox-csv", &format!("/web/inbox.csv?{}", query_string(&p))),
    );
    if msgs.is_empty() {
        let _ = write!(body, r#"<p id="no-messages">{}</p>"#, t(l, "none"));
    } else {
        body.push_str(&table_head("inbox", &["received", "from", "to", "text", "outcome"], l));
        for m in &msgs {
            let _ = write!(
                body,
                r#"<tr class="message"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                esc(&m.received_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
                esc(&m.from),
                esc(&m.to),
                esc(&m.text),
                esc(&outcome_text(&m.outcome))
            );
        }
        body.push_str("</tbody></table>");
    }
    page(&v, t(l, "inbox"), &body)
}

pub(crate) async fn inbox_csv(State(app): State<Arc<App>>, q: Filters<InboxParams>) -> Response {
    let query = match filters(q, InboxParams::query) {
        Ok((_, q)) => q,
        Err(r) => return r.into_response(),
    };
    let mut out = Vec::new();
    match report::write_messages_csv(
        app.store.as_ref(),
        &query,
        &ExportOptions::default().bom(true),
        &mut out,
    )
    .await
    {
        Ok(_) => csv("inbox.csv", out),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

fn csv(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn polls(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
    let l = v.lang;
    let defs = match app.defs.polls() {
        Ok(d) => d,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let mut body = String::from("<ul id=\"polls\">");
    for d in &defs {
        let _ = write!(
            body,
            r#"<li><a href="/polls/{id}">{name}</a> ({id})</li>"#,
            id = esc(&d.id),
            name = esc(&d.name)
        );
    }
    body.push_str("</ul>");
    page(&v, t(l, "polls"), &body)
}

/// An inline SVG bar chart: one bar per option, its length the option's share.
pub fn bar_chart(rows: &[(String, u64, u32)]) -> String {
    let bar_h = 28;
    let h = rows.len() * (bar_h + 8) + 8;
    let mut svg = format!(
        r##"<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="520" height="{h}" viewBox="0 0 520 {h}" role="img" aria-label="chart">"##
    );
    for (i, (code, count, hundredths)) in rows.iter().enumerate() {
        let y = 8 + i * (bar_h + 8);
        let w = (u64::from(*hundredths) * 360 / 10_000).max(1);
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty}" font-size="14">{code}</text><rect class="bar" data-code="{code}" x="60" y="{y}" width="{w}" height="{bar_h}" fill="#3b6fd8"></rect><text x="{tx}" y="{ty}" font-size="13">{count} · {p}.{pp:02}%</text>"##,
            ty = y + 19,
            tx = 66 + w,
            code = esc(code),
            p = hundredths / 100,
            pp = hundredths % 100,
        );
    }
    svg.push_str("</svg>");
    svg
}

pub(crate) async fn poll_page(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
    Path(id): Path<String>,
) -> Response {
    let l = v.lang;
    let engine = app.engine();
    let Some(poll) = engine.config().poll(&id) else {
        return (StatusCode::NOT_FOUND, "no such poll").into_response();
    };
    let name = poll.name().to_owned();
    let open = poll.is_open(chrono::Utc::now());
    let stats = match engine.statistics(&id).await {
        Ok(s) => s,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let mut body = format!(
        r#"<p>{state} · {total}: <strong id="total">{n}</strong></p><table id="stats"><thead><tr><th>{opt}</th><th class="num">{votes}</th><th class="num">{pct}</th></tr></thead><tbody>"#,
        state = if open { t(l, "open") } else { t(l, "closed") },
        total = t(l, "total"),
        n = stats.total,
        opt = t(l, "option"),
        votes = t(l, "votes"),
        pct = t(l, "percent"),
    );
    for o in &stats.options {
        let _ = write!(
            body,
            r#"<tr data-code="{c}"><td>{c}</td><td class="num count">{n}</td><td class="num percent">{p} %</td></tr>"#,
            c = esc(&o.code),
            n = o.count,
            p = o.percent_text()
        );
    }
    body.push_str("</tbody></table>");
    let rows: Vec<(String, u64, u32)> =
        stats.options.iter().map(|o| (o.code.clone(), o.count, o.hundredths)).collect();
    body.push_str(&bar_chart(&rows));
    let _ = write!(
        body,
        r#"<p><a id="stats-csv" href="/web/polls/{id}/stats.csv">{csv}</a> · <a id="answers-csv" href="/web/polls/{id}/answers.csv">{answers}</a></p>"#,
        id = esc(&id),
        csv = t(l, "csv"),
        answers = t(l, "answers_csv")
    );
    page(&v, &format!("{}: {name}", t(l, "poll")), &body)
}

pub(crate) async fn poll_csv(
    State(app): State<Arc<App>>,
    Path((id, what)): Path<(String, String)>,
) -> Response {
    let mut out = Vec::new();
    let opts = ExportOptions::default().bom(true);
    let res = match what.as_str() {
        "stats.csv" => match app.engine().statistics(&id).await {
            Ok(s) => report::write_statistics_csv(&s, &opts, &mut out),
            Err(e) => Err(e),
        },
        "answers.csv" if app.engine().config().poll(&id).is_some() => {
            report::write_answers_csv(app.store.as_ref(), &id, &opts, &mut out).await.map(|_| ())
        }
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    match res {
        Ok(()) => csv(&format!("{id}-{what}"), out),
        Err(bramka_inbound::ExportError::UnknownPoll(_)) => {
            (StatusCode::NOT_FOUND, "no such poll").into_response()
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

fn test_form(app: &App, v: &Viewer, notice: &str) -> Response {
    let l = v.lang;
    let mut accounts = String::new();
    for a in app.settings.accounts.iter() {
        let _ = write!(accounts, r#"<option value="{n}">{n}</option>"#, n = esc(a.name()));
    }
    let body = format!(
        r#"{notice}<form method="post" action="/test-sms"><input type="hidden" name="csrf" value="{csrf}">
<p><label>{acc} <select name="account" id="t-account">{accounts}</select></label></p>
<p><label>{to} <input name="to" id="t-to" required></label></p>
<p><label>{text} ({chars}) <textarea name="text" id="t-text" maxlength="150" required></textarea></label></p>
<button id="t-send">{send}</button></form>"#,
        csrf = esc(&v.csrf),
        acc = t(l, "account"),
        to = t(l, "recipient"),
        text = t(l, "text"),
        chars = t(l, "chars"),
        send = t(l, "send"),
    );
    page(v, t(l, "test_sms"), &body)
}

pub(crate) async fn test_sms_form(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
    test_form(&app, &v, "")
}

#[derive(Deserialize)]
pub(crate) struct TestSms {
    #[serde(default)]
    csrf: String,
    account: String,
    to: String,
    text: String,
}

pub(crate) async fn test_sms(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
    f: Result<Form<TestSms>, axum::extract::rejection::FormRejection>,
) -> Response {
    let f = match f {
        Ok(Form(f)) => f,
        Err(e) => {
            // Without a valid form there is no CSRF token either.
            tracing::debug!(error = %e.body_text(), "test SMS form refused");
            return csrf_refused();
        }
    };
    if !csrf_ok(&v, &f.csrf) {
        return csrf_refused();
    }
    let l = v.lang;
    // Recorded in the ledger like every other send, so it shows in the sent list.
    let len = f.text.chars().count();
    let result = if len > bramka::accounts::TEST_SMS_MAX_CHARS {
        Err(format!("the text has {len} characters; at most {}", bramka::accounts::TEST_SMS_MAX_CHARS))
    } else {
        app.send_once(&f.account, bramka::accounts::Outgoing::new(f.to.as_str(), f.text.as_str()), None)
            .await
            .map_err(|e| e.message)
            .and_then(|(entries, _, error)| match error {
                Some(e) => Err(e),
                None => Ok(entries),
            })
    };
    let notice = match result {
        Ok(entries) if entries.iter().all(|e| e.state == bramka_ledger::State::Accepted) => {
            let id = entries.first().and_then(|x| x.operator_id.clone()).unwrap_or_default();
            tracing::info!(account = %f.account, "test SMS sent");
            format!(r#"<p class="msg" id="t-result">{}: {}</p>"#, t(l, "sent"), esc(&id))
        }
        Ok(entries) => {
            let why: Vec<String> = entries.iter().filter_map(|e| e.error_message.clone()).collect();
            format!(r#"<p class="err" id="t-result">{}: {}</p>"#, t(l, "not_sent"), esc(&why.join("; ")))
        }
        Err(e) => format!(r#"<p class="err" id="t-result">{}: {}</p>"#, t(l, "not_sent"), esc(&e)),
    };
    test_form(&app, &v, &notice)
}

fn sent_query_string(p: &SentParams) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("to", &p.to), ("state", &p.state), ("account", &p.account), ("campaign", &p.campaign)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// The sent messages: one row per recipient with its two-stage status (the operator's answer,
/// then the delivery report), parts and encoding.
pub(crate) async fn sent(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
    q: Filters<SentParams>,
) -> Response {
    let l = v.lang;
    let (p, query) = match filters(q, SentParams::query) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    // Like the inbox: 200 rows at a time in id order, with a link to the next page.
    let rows = match app.ledger.store().entries_page(&query, p.after.unwrap_or(0), 200).await {
        Ok(rows) => rows,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let mut records = HashMap::new();
    for e in &rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = records.entry(e.message)
            && let Ok(Some(m)) = app.ledger.store().message(e.message).await
        {
            slot.insert(m);
        }
    }
    let mut body = filter_form(
        l,
        "/sent",
        &[("recipient", "to", "s-to", &p.to), ("state", "state", "s-state", &p.state)],
        "s-filter",
        ("sent-csv", &format!("/web/sent.csv?{}", sent_query_string(&p))),
    );
    if rows.is_empty() {
        let _ = write!(body, r#"<p id="no-sent">{}</p>"#, t(l, "none"));
    } else {
        body.push_str(&table_head(
            "sent",
            &["created", "account", "recipient", "text", "state", "delivery", "parts", "encoding"],
            l,
        ));
        for e in &rows {
            let m = records.get(&e.message);
            let state = match &e.error_message {
                Some(why) => format!("{} ({})", e.state.as_str(), why),
                None => e.state.as_str().to_owned(),
            };
            let _ = write!(
                body,
                r#"<tr class="sent" data-state="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="state">{}</td><td class="delivery">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
                esc(e.state.as_str()),
                esc(&e.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
                esc(&e.account),
                esc(&e.to),
                esc(m.map(|m| m.text.as_str()).unwrap_or("")),
                esc(&state),
                esc(e.delivery_status.as_deref().unwrap_or("")),
                e.parts.or(m.map(|m| m.parts)).map(|p| p.to_string()).unwrap_or_default(),
                esc(m.map(|m| m.encoding.as_str()).unwrap_or("")),
            );
        }
        body.push_str("</tbody></table>");
        if let (200, Some(last)) = (rows.len(), rows.last()) {
            let mut qs = sent_query_string(&p);
            if !qs.is_empty() {
                qs.push('&');
            }
            let _ =
                write!(body, r#"<p><a id="sent-next" href="/sent?{}after={}">→</a></p>"#, esc(&qs), last.id);
        }
    }
    page(&v, t(l, "sent_list"), &body)
}

/// The sent messages as CSV (streamed).
pub(crate) async fn sent_csv(State(app): State<Arc<App>>, q: Filters<SentParams>) -> Response {
    match filters(q, SentParams::query) {
        Ok((_, q)) => crate::sent::csv_stream(app.ledger.clone(), q, bramka_ledger::DEFAULT_TZ, "sent.csv"),
        Err(r) => r.into_response(),
    }
}

/// The campaigns run in the background, newest first, each with its state and counts; the page
/// refreshes itself every five seconds while one runs.
pub(crate) async fn campaigns(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
    let l = v.lang;
    let jobs = match app.campaign_jobs().await {
        Ok(j) => j,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.message).into_response(),
    };
    if jobs.is_empty() {
        return page(&v, t(l, "campaigns"), &format!(r#"<p id="no-campaigns">{}</p>"#, t(l, "no_campaigns")));
    }
    let mut body = table_head(
        "campaigns",
        &["campaign", "state", "progress", "sent", "failed", "pending", "uncertain"],
        l,
    );
    let mut running = false;
    for j in &jobs {
        let p = match app.campaign_progress(&j.key).await {
            Ok(p) => p,
            Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.message).into_response(),
        };
        running |= p.state == crate::campaigns::RUNNING;
        let done = p.total - p.pending;
        let _ = write!(
            body,
            r#"<tr class="campaign" data-name="{name}" data-state="{state}"><td>{name}</td><td class="state" title="{err}">{state}</td><td><progress max="{total}" value="{done}"></progress> {done}/{total}</td><td class="num sent">{sent}</td><td class="num failed">{failed}</td><td class="num pending">{pending}</td><td class="num uncertain">{uncertain}</td></tr>"#,
            name = esc(&j.key),
            state = esc(&p.state),
            err = esc(p.error.as_deref().unwrap_or("")),
            total = p.total,
            sent = p.sent,
            failed = p.failed,
            pending = p.pending,
            uncertain = p.uncertain,
        );
    }
    body.push_str("</tbody></table>");
    if running {
        body.push_str(r#"<script>setTimeout(function(){location.reload()},5000)</script>"#);
    }
    page(&v, t(l, "campaigns"), &body)
}

/// The suppression list, with a form to add a number and a button to lift each.
pub(crate) async fn suppressions(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
) -> Response {
    suppressions_page(&app, &v, "").await
}

async fn suppressions_page(app: &App, v: &Viewer, notice: &str) -> Response {
    let l = v.lang;
    let list = match app.ledger.suppressions().await {
        Ok(x) => x,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let mut accounts = format!(r#"<option value="">{}</option>"#, t(l, "all_accounts"));
    for a in app.settings.accounts.iter() {
        let _ = write!(accounts, r#"<option value="{n}">{n}</option>"#, n = esc(a.name()));
    }
    let csrf = esc(&v.csrf);
    let mut body = format!(
        r#"{notice}<form method="post" action="/suppressions" id="supp-add"><input type="hidden" name="csrf" value="{csrf}">
<label>{number} <input name="number" id="supp-number" required></label>
<label>{scope} <select name="account" id="supp-account">{accounts}</select></label>
<label>{reason} <input name="reason" id="supp-reason"></label>
<button id="supp-submit">{add}</button></form>"#,
        number = t(l, "number"),
        scope = t(l, "scope"),
        reason = t(l, "reason"),
        add = t(l, "add"),
    );
    if list.is_empty() {
        let _ = write!(body, r#"<p id="no-suppressions">{}</p>"#, t(l, "none"));
    } else {
        let _ = write!(
            body,
            r#"<table id="suppressions"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>"#,
            t(l, "number"),
            t(l, "scope"),
            t(l, "reason"),
        );
        for s in &list {
            let account = match &s.scope {
                bramka_ledger::Scope::Account(a) => a.clone(),
                _ => String::new(),
            };
            let _ = write!(
                body,
                r#"<tr class="suppressed" data-number="{n}"><td>{n}</td><td>{scope}</td><td>{reason}</td><td><form method="post" action="/suppressions/lift" class="inline"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="number" value="{n}"><input type="hidden" name="account" value="{a}"><button class="lift">{remove}</button></form></td></tr>"#,
                n = esc(&s.number),
                a = esc(&account),
                scope = if account.is_empty() { esc(t(l, "all_accounts")) } else { esc(&account) },
                reason = esc(&s.reason),
                remove = t(l, "remove"),
            );
        }
        body.push_str("</tbody></table>");
    }
    page(v, t(l, "suppressions"), &body)
}

#[derive(Deserialize)]
pub(crate) struct SuppressForm {
    #[serde(default)]
    csrf: String,
    number: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    reason: String,
}

/// Adds a suppression from the page's form.
pub(crate) async fn suppress(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
    f: Result<Form<SuppressForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else { return csrf_refused() };
    if !csrf_ok(&v, &f.csrf) {
        return csrf_refused();
    }
    let req = crate::sent::SuppressRequest {
        number: f.number,
        account: Some(f.account).filter(|a| !a.is_empty()),
        reason: Some(f.reason),
    };
    let notice = match app.suppress(req).await {
        Ok(_) => String::new(),
        Err(e) => format!(r#"<p class="err" id="supp-error">{}</p>"#, esc(&e.message)),
    };
    suppressions_page(&app, &v, &notice).await
}

/// Lifts a suppression from the page's list.
pub(crate) async fn lift(
    State(app): State<Arc<App>>,
    axum::Extension(v): axum::Extension<Viewer>,
    f: Result<Form<SuppressForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else { return csrf_refused() };
    if !csrf_ok(&v, &f.csrf) {
        return csrf_refused();
    }
    let notice = match app.lift(&f.number, Some(f.account.as_str())).await {
        Ok(_) => String::new(),
        Err(e) => format!(r#"<p class="err" id="supp-error">{}</p>"#, esc(&e.message)),
    };
    suppressions_page(&app, &v, &notice).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc(r#"<script>"a'&"#), "&lt;script&gt;&quot;a&#39;&amp;");
    }

    #[test]
    fn chart_bars_follow_shares() {
        let svg = bar_chart(&[("1".into(), 1, 2500), ("5".into(), 3, 7500)]);
        assert!(svg.contains(r#"data-code="1" x="60" y="8" width="90""#), "{svg}");
        assert!(svg.contains(r#"data-code="5" x="60" y="44" width="270""#), "{svg}");
        assert!(svg.contains("3 · 75.00%"));
    }

    #[test]
    fn labels_in_both_languages() {
        assert_eq!(t(Lang::Pl, "votes"), "Głosy");
        assert_eq!(t(Lang::En, "votes"), "Votes");
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "pl-PL,pl;q=0.9".parse().unwrap());
        assert_eq!(Lang::of(&h), Lang::Pl);
        h.insert(header::COOKIE, "bramka_lang=en".parse().unwrap());
        assert_eq!(Lang::of(&h), Lang::En);
    }
}
