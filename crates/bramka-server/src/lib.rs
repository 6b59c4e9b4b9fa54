//! # bramka-server
//!
//! The SMS service behind `bramka serve`: one TOML file ([`Settings`]) configures gateway
//! accounts, receiving numbers, polls and groups; operators' webhooks come in at
//! `/hooks/{account}/inbound|status` (Twilio, signature verified, failing closed) or
//! `/hooks/{account}/{secret}/inbound|status` (SMSAPI and Infobip, which do not sign: the URL
//! carries a random per-account secret, with an optional source-address allow-list), go into
//! [`bramka_inbound`] exactly once, and replies leave from the outbox through a background task,
//! each through the account of the number that received the message. Sends, campaigns, delivery
//! reports and the suppression list (with inbound STOP/START) live in [`bramka_ledger`];
//! campaigns run in the background and, like `[[flows]]`' delays and once-per-call checks, are
//! kept in the ledger's database ([`bramka_ledger::JobStore`]) so a restart takes them up again;
//! `[[flows]]` run the call-flow SMS element. A JSON API under `/api/v1` (bearer tokens) manages
//! polls, numbers and suppressions, sends, and reads statistics, reports, delivery states and
//! balances; its OpenAPI document is served at `/api/v1/openapi.json`.
//! Accounts with `shorten_links` whose operator cannot shorten get `PUBLIC_URL/s/CODE` links
//! (kept in the ledger with their clicks; `GET /s/CODE` redirects to stored URLs only), and the
//! scheduled sends of operators that cannot list them are listed from the ledger.
//!
//! | feature | default | what |
//! |---|---|---|
//! | `postgres` | no | `storage = "postgres://…"` through [`Server::open`] |
//!
//! Handlers are thin: parse, call a crate, answer.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use bramka_server::{Server, Settings, config::process_env};
//!
//! let settings = Settings::load("bramka.toml".as_ref(), process_env())?;
//! let server = Server::open(settings).await?;
//! let listener = tokio::net::TcpListener::bind(server.listen_addr()).await?;
//! server.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod campaigns;
pub mod config;
pub mod defs;
pub mod error;
mod flows;
mod hooks;
mod links;
mod outbox;
pub mod sandbox;
mod scheduled;
mod sent;
pub mod web;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use bramka_core::WebhookParser;
use bramka_inbound::definition::{Definitions, NumberDef, PollDef};
use bramka_inbound::{Inbound, MemoryStore, MessageQuery, SqliteStore, Store};
use serde_json::json;
use tokio::sync::Notify;
use url::Url;

pub use config::{ConfigError, Settings};
use config::{Provider, Storage};
use defs::DefStore;
use error::ApiError;
use hooks::Hook;

/// Why the server could not start.
///
/// ```
/// use bramka_server::{Server, Settings, StartError, config::process_env};
///
/// let settings = Settings::from_toml("bramka.toml", "[server]\nstorage = \"sqlite:/nonexistent-dir/x.db\"\n", process_env()).unwrap();
/// match Server::new(settings) {
///     Err(StartError::Storage(why)) => println!("cannot open the store: {why}"),
///     other => println!("{}", other.is_ok()),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The store could not be opened.
    #[error("storage: {0}")]
    Storage(String),
    /// The polls kept in the store no longer validate against the file's numbers and groups.
    #[error("stored polls: {0}")]
    Definitions(String),
}

/// The durable job store (the ledger's database).
type Jobs = Arc<dyn bramka_ledger::JobStore>;

/// One account's hook URLs (for `bramka serve --print-hooks`).
///
/// ```
/// use bramka_server::{Server, Settings, config::process_env};
///
/// let settings = Settings::from_toml("bramka.toml", "[server]\nstorage = \"memory:\"\n", process_env()).unwrap();
/// let server = Server::new(settings).unwrap();
/// for h in server.hook_urls() {
///     println!("{} ({}): {} and {}", h.account, h.provider, h.inbound, h.status);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HookUrls {
    /// The account.
    pub account: String,
    /// The operator.
    pub provider: &'static str,
    /// Inbound messages.
    pub inbound: String,
    /// Delivery reports.
    pub status: String,
}

pub(crate) struct App {
    pub(crate) settings: Arc<Settings>,
    pub(crate) public_url: Url,
    pub(crate) hooks: BTreeMap<String, Hook>,
    engine: RwLock<Inbound>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) defs: DefStore,
    pub(crate) wake: Notify,
    edit: tokio::sync::Mutex<()>,
    pub(crate) sessions: web::Sessions,
    /// The CSRF token of forms when no API token is configured (loopback-only, no login).
    pub(crate) open_csrf: String,
    /// Every send, its delivery, and the suppression list.
    pub(crate) ledger: bramka_ledger::Ledger,
    /// The `/s/` short links and their clicks (in the ledger's database).
    pub(crate) links: Arc<dyn bramka_ledger::links::LinkStore>,
    /// The receiving numbers (kept in the store; edited through the API).
    numbers: RwLock<Vec<NumberDef>>,
    /// The `[[flows]]`, ready for calls.
    pub(crate) flows: flows::Flows,
    /// Idempotency keys of sends in progress.
    pub(crate) inflight: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Durable jobs in the ledger's database: background campaigns, delayed call-flow SMS.
    pub(crate) jobs: Arc<dyn bramka_ledger::JobStore>,
    /// The campaigns running in this process, each with its pause flag.
    pub(crate) runs: std::sync::Mutex<std::collections::HashMap<String, Arc<std::sync::atomic::AtomicBool>>>,
    /// Background tasks (campaigns, waiting calls), awaited at shutdown.
    pub(crate) tasks: Tasks,
    /// Turns `true` when the server stops: background tasks stop before their next request.
    stop: tokio::sync::watch::Sender<bool>,
}

/// Completes when the server stops.
pub(crate) async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Background tasks the server waits for when it stops.
#[derive(Default)]
pub(crate) struct Tasks(std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>);

impl Tasks {
    pub(crate) fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
        let mut v = self.0.lock().unwrap_or_else(|p| p.into_inner());
        v.retain(|h| !h.is_finished());
        v.push(tokio::spawn(f));
    }
    async fn join(&self) {
        let all = std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()));
        for h in all {
            let _ = h.await;
        }
    }
}

impl App {
    /// Watches the server's stop.
    pub(crate) fn stop_rx(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stop.subscribe()
    }

    pub(crate) fn engine(&self) -> Inbound {
        self.engine.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The receiving numbers in force (the store's; the file seeds them on the first start).
    pub(crate) fn numbers(&self) -> Vec<NumberDef> {
        self.numbers.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn definitions(&self, numbers: Vec<NumberDef>, polls: Vec<PollDef>) -> Definitions {
        Definitions { numbers, polls, groups: self.settings.definitions.groups.clone() }
    }

    /// Validates `numbers` with the stored polls, stores them and swaps the engine's configuration.
    pub(crate) async fn save_numbers(&self, numbers: Vec<NumberDef>) -> Result<(), ApiError> {
        for (i, n) in numbers.iter().enumerate() {
            if let Some(a) = &n.account
                && self.settings.accounts.get(a).is_none()
            {
                return Err(ApiError::invalid(format!("numbers[{i}].account: no account named {a:?}")));
            }
        }
        let _guard = self.edit.lock().await;
        let polls = self.defs.polls().map_err(|e| ApiError::unavailable(e.to_string()))?;
        let cfg = self.definitions(numbers.clone(), polls).to_config().map_err(|e| {
            ApiError::new(StatusCode::CONFLICT, "conflict", format!("{}: {}", e.path, e.reason))
        })?;
        self.defs.put_numbers(&numbers).map_err(|e| ApiError::unavailable(e.to_string()))?;
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = Inbound::new(cfg, self.store.clone());
        *self.numbers.write().unwrap_or_else(|p| p.into_inner()) = numbers;
        Ok(())
    }

    pub(crate) fn find_poll(&self, id: &str) -> Result<PollDef, ApiError> {
        let polls = self.defs.polls().map_err(|e| ApiError::unavailable(e.to_string()))?;
        polls.into_iter().find(|p| p.id == id).ok_or_else(|| ApiError::not_found(format!("no poll {id:?}")))
    }

    /// Validates `def` with every other poll, stores it and swaps the engine's configuration.
    pub(crate) async fn save_poll(&self, def: PollDef, create: bool) -> Result<PollDef, ApiError> {
        def.to_poll("poll").map_err(|e| ApiError::invalid(e.to_string()))?;
        let _guard = self.edit.lock().await;
        let mut polls = self.defs.polls().map_err(|e| ApiError::unavailable(e.to_string()))?;
        match (polls.iter().position(|p| p.id == def.id), create) {
            (Some(_), true) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("poll {:?} exists; PUT it to replace it", def.id),
                ));
            }
            (Some(i), false) => polls[i] = def.clone(),
            (None, _) => polls.push(def.clone()),
        }
        let cfg = self
            .definitions(self.numbers(), polls)
            .to_config()
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        load_codes(self.store.as_ref(), std::slice::from_ref(&def)).await.map_err(ApiError::invalid)?;
        self.defs.put_poll(&def).map_err(|e| ApiError::unavailable(e.to_string()))?;
        let engine = Inbound::new(cfg, self.store.clone());
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = engine;
        tracing::info!(poll = %def.id, created = create, "poll saved");
        Ok(def)
    }

    pub(crate) async fn poll_stats_json(&self, id: &str) -> Result<serde_json::Value, ApiError> {
        let engine = self.engine();
        let poll = engine.config().poll(id).ok_or_else(|| ApiError::not_found(format!("no poll {id:?}")))?;
        let name = poll.name().to_owned();
        let (start, end) = poll.window();
        let open = poll.is_open(chrono::Utc::now());
        let stats = engine.statistics(id).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
        let answers = engine.status_counts(id).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
        let options: Vec<_> = stats
            .options
            .iter()
            .map(|o| json!({"code": o.code, "count": o.count, "percent": o.percent_text()}))
            .collect();
        let window = |t: chrono::DateTime<chrono::Utc>| {
            (t != chrono::DateTime::<chrono::Utc>::MIN_UTC && t != chrono::DateTime::<chrono::Utc>::MAX_UTC)
                .then(|| t.to_rfc3339())
        };
        Ok(json!({
            "poll": id, "name": name, "open": open, "start": window(start), "end": window(end),
            "total": stats.total, "options": options, "answers": answers,
        }))
    }
}

async fn load_codes(store: &dyn Store, polls: &[PollDef]) -> Result<(), String> {
    for p in polls {
        if let Some(file) = &p.discount_codes_file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("poll {:?}: discount_codes_file {file:?}: {e}", p.id))?;
            let codes: Vec<String> =
                text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
            // A poll in a named code group fills the group's shared pool.
            let pool = p.code_group.as_deref().unwrap_or(&p.id);
            let added = store.add_codes(pool, codes).await.map_err(|e| e.to_string())?;
            tracing::info!(poll = %p.id, added, "discount codes loaded");
        }
    }
    Ok(())
}

/// The short-link store (the ledger's database).
type Links = Arc<dyn bramka_ledger::links::LinkStore>;

/// A configured server, its store open, ready to [`serve`](Server::serve).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_server::{Server, Settings, config::process_env};
///
/// let settings = Settings::from_toml("bramka.toml", "[server]\nstorage = \"memory:\"\n", process_env()).unwrap();
/// let server = Server::open(settings).await.unwrap();
/// // A router to mount in your own axum application, or `server.serve(listener, shutdown)`.
/// let router = server.router();
/// # }
/// ```
pub struct Server {
    app: Arc<App>,
    sandbox: Option<bramka_sandbox::Sandbox>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("settings", &self.app.settings).finish()
    }
}

impl Server {
    /// Opens the store (SQLite or memory; [`open`](Server::open) also takes PostgreSQL), seeds
    /// the polls and numbers on the first start (afterwards the stored ones win), loads discount
    /// codes and prepares the webhook parsers and the `[[flows]]`.
    ///
    /// # Errors
    ///
    /// Returns [`StartError::Storage`] when the SQLite files (messages, ledger, definitions) cannot be
    /// opened, when seeding or reading the stored polls, numbers or webhook secrets fails, when the
    /// storage is PostgreSQL (use [`open`](Server::open)), or when the OS gives no randomness; and
    /// [`StartError::Definitions`] when a stored number or poll no longer validates against the file
    /// (an unknown account or group) or an account lacks a secret it needs (a Twilio Auth Token).
    pub fn new(settings: Settings) -> Result<Server, StartError> {
        let (store, defs, ledger_store, jobs, links): (
            Arc<dyn Store>,
            DefStore,
            Arc<dyn bramka_ledger::Store>,
            Jobs,
            Links,
        ) = match &settings.storage {
            Storage::Sqlite(path) => {
                let lpath = config::ledger_path(path);
                let ledger = Arc::new(
                    bramka_ledger::SqliteStore::open(&lpath)
                        .map_err(|e| StartError::Storage(format!("{}: {e}", lpath.display())))?,
                );
                (
                    Arc::new(
                        SqliteStore::open(path)
                            .map_err(|e| StartError::Storage(format!("{}: {e}", path.display())))?,
                    ),
                    DefStore::open(path).map_err(|e| StartError::Storage(e.to_string()))?,
                    ledger.clone(),
                    ledger.clone(),
                    ledger,
                )
            }
            Storage::Memory => {
                let ledger = Arc::new(bramka_ledger::MemoryStore::new());
                (
                    Arc::new(MemoryStore::new()),
                    DefStore::in_memory().map_err(|e| StartError::Storage(e.to_string()))?,
                    ledger.clone(),
                    Arc::new(bramka_ledger::MemoryJobs::new()),
                    ledger,
                )
            }
            Storage::Postgres { .. } => {
                return Err(StartError::Storage(
                    "PostgreSQL storage connects asynchronously: start the server with Server::open".into(),
                ));
            }
        };
        Self::assemble(settings, store, defs, ledger_store, jobs, links)
    }

    /// Like [`new`](Server::new), for every storage: `postgres://` connects here (feature
    /// `postgres`; received messages, the ledger and the definitions in PostgreSQL, migrated on
    /// connect; an older deployment's `[server] definitions` file is imported once).
    ///
    /// # Errors
    ///
    /// Returns [`StartError::Storage`] when connecting to or migrating PostgreSQL fails, when the older
    /// definitions file cannot be opened or imported, or when this build lacks the `postgres` feature;
    /// otherwise the errors of [`new`](Server::new).
    pub async fn open(settings: Settings) -> Result<Server, StartError> {
        let Storage::Postgres { url, definitions } = &settings.storage else {
            return Self::new(settings);
        };
        #[cfg(feature = "postgres")]
        {
            let store = bramka_inbound::PostgresStore::connect(url.expose())
                .await
                .map_err(|e| StartError::Storage(format!("PostgreSQL (received messages): {e}")))?;
            let ledger = Arc::new(
                bramka_ledger::PostgresStore::connect(url.expose())
                    .await
                    .map_err(|e| StartError::Storage(format!("PostgreSQL (ledger): {e}")))?,
            );
            let defs = DefStore::postgres(url.expose())
                .map_err(|e| StartError::Storage(format!("PostgreSQL (definitions): {e}")))?;
            if definitions.exists() {
                let older = DefStore::open(definitions)
                    .map_err(|e| StartError::Storage(format!("{}: {e}", definitions.display())))?;
                if defs.import_once(&older).map_err(|e| StartError::Storage(e.to_string()))? {
                    tracing::info!(file = %definitions.display(), "definitions imported into PostgreSQL (first start)");
                }
            }
            Self::assemble(settings, Arc::new(store), defs, ledger.clone(), ledger.clone(), ledger)
        }
        #[cfg(not(feature = "postgres"))]
        {
            let _ = (url, definitions);
            Err(StartError::Storage(
                "this build has no PostgreSQL support: build bramka-server with the feature `postgres` (`cargo install bramka-cli --features postgres`), or use \"sqlite:PATH\"".into(),
            ))
        }
    }

    fn assemble(
        mut settings: Settings,
        store: Arc<dyn Store>,
        defs: DefStore,
        ledger_store: Arc<dyn bramka_ledger::Store>,
        jobs: Jobs,
        links: Links,
    ) -> Result<Server, StartError> {
        // Accounts with `shorten_links` whose operator cannot shorten use the `/s/` links.
        let shortener = links::LedgerShortener::new(links.clone(), &settings.public_url);
        settings.accounts = std::mem::take(&mut settings.accounts).with_shortener(Arc::new(shortener));
        let s = &settings.suppression;
        let ledger = bramka_ledger::Ledger::new(ledger_store).with_keywords(bramka_ledger::Keywords::new(
            s.stop.iter().map(String::as_str),
            s.start.iter().map(String::as_str),
        ));
        if defs.seed_polls(&settings.definitions.polls).map_err(|e| StartError::Storage(e.to_string()))? {
            tracing::info!(
                polls = settings.definitions.polls.len(),
                "polls seeded from the file (first start)"
            );
        } else if !settings.definitions.polls.is_empty() {
            tracing::info!("polls come from the store; the file's [[polls]] only seed a new store");
        }
        if defs.seed_numbers(&settings.definitions.numbers).map_err(|e| StartError::Storage(e.to_string()))? {
            tracing::info!(
                numbers = settings.definitions.numbers.len(),
                "numbers seeded from the file (first start)"
            );
        } else if !settings.definitions.numbers.is_empty() {
            tracing::info!("numbers come from the store; the file's [[numbers]] only seed a new store");
        }
        let numbers = defs.numbers().map_err(|e| StartError::Storage(e.to_string()))?;
        for n in &numbers {
            if let Some(a) = &n.account
                && settings.accounts.get(a).is_none()
            {
                return Err(StartError::Definitions(format!(
                    "stored number {}: no account named {a:?} in the file",
                    n.number
                )));
            }
        }
        let polls = defs.polls().map_err(|e| StartError::Storage(e.to_string()))?;
        let d = &settings.definitions;
        let cfg = Definitions { numbers: numbers.clone(), polls: polls.clone(), groups: d.groups.clone() }
            .to_config()
            .map_err(|e| StartError::Definitions(e.to_string()))?;
        let mut hooks = BTreeMap::new();
        for (name, h) in &settings.hooks {
            let parser: Arc<dyn WebhookParser> = match h.provider {
                Provider::Smsapi => Arc::new(bramka::smsapi::SmsapiWebhooks::new()),
                Provider::Infobip => Arc::new(bramka::infobip::InfobipWebhooks::new()),
                Provider::Twilio => match &h.twilio_token {
                    Some(t) => Arc::new(bramka::twilio::TwilioWebhooks::new(t.clone())),
                    None => {
                        return Err(StartError::Definitions(format!("account {name}: no Twilio Auth Token")));
                    }
                },
            };
            let secret = if h.provider.signs() {
                None
            } else {
                Some(match &h.secret {
                    Some(s) => s.expose().to_owned(),
                    None => defs.hook_secret(name).map_err(|e| StartError::Storage(e.to_string()))?,
                })
            };
            hooks.insert(
                name.clone(),
                Hook { provider: h.provider, parser, secret, allow_ips: h.allow_ips.clone() },
            );
        }
        let flows =
            flows::Flows::build(&settings.flows, settings.outbox_account.as_deref(), jobs.clone(), |a| {
                sent::ledger_gateway(&settings, &ledger, a)
            })
            .map_err(StartError::Definitions)?;
        let public_url = settings.public_url.clone();
        let app = App {
            engine: RwLock::new(Inbound::new(cfg, store.clone())),
            settings: Arc::new(settings),
            public_url,
            hooks,
            store,
            defs,
            wake: Notify::new(),
            edit: tokio::sync::Mutex::new(()),
            sessions: web::Sessions::default(),
            open_csrf: defs::random_token(32).map_err(StartError::Storage)?,
            ledger,
            links,
            numbers: RwLock::new(numbers),
            flows,
            inflight: Default::default(),
            jobs,
            runs: Default::default(),
            tasks: Tasks::default(),
            stop: tokio::sync::watch::channel(false).0,
        };
        let sandbox = sandbox::start(app.settings.sandbox, &app.settings.sandbox_config, &app.ledger);
        Ok(Server { app: Arc::new(app), sandbox })
    }

    /// The listen address from the file.
    pub fn listen_addr(&self) -> SocketAddr {
        self.app.settings.listen
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.app.settings
    }

    /// Every account's hook URLs, secrets included (print them only to the operator's console).
    pub fn hook_urls(&self) -> Vec<HookUrls> {
        let base = self.app.public_url.as_str().trim_end_matches('/');
        self.app
            .hooks
            .iter()
            .map(|(name, h)| {
                let prefix = match &h.secret {
                    Some(s) => format!("{base}/hooks/{name}/{s}"),
                    None => format!("{base}/hooks/{name}"),
                };
                HookUrls {
                    account: name.clone(),
                    provider: h.provider.as_str(),
                    inbound: format!("{prefix}/inbound"),
                    status: format!("{prefix}/status"),
                }
            })
            .collect()
    }

    /// The application's routes (serve them with `into_make_service_with_connect_info`).
    pub fn router(&self) -> Router {
        let app = self.app.clone();
        let mut api = Router::new();
        for (doc, handler) in api::routes() {
            api = api.route(doc.path, handler);
        }
        let api = sandbox::api(self.sandbox.as_ref(), api)
            .fallback(|| async { ApiError::not_found("no such API route") })
            .route_layer(middleware::from_fn_with_state(app.clone(), api::require_token));
        let pages = Router::new()
            .route("/", get(|| async { axum::response::Redirect::to("/inbox") }))
            .route("/inbox", get(web::inbox))
            .route("/polls", get(web::polls))
            .route("/polls/{id}", get(web::poll_page))
            .route("/web/inbox.csv", get(web::inbox_csv))
            .route("/web/polls/{id}/{what}", get(web::poll_csv))
            .route("/sent", get(web::sent))
            .route("/web/sent.csv", get(web::sent_csv))
            .route("/campaigns", get(web::campaigns))
            .route("/suppressions", get(web::suppressions).post(web::suppress))
            .route("/suppressions/lift", axum::routing::post(web::lift))
            .route("/test-sms", get(web::test_sms_form).post(web::test_sms))
            .route("/logout", axum::routing::post(web::logout))
            .merge(sandbox::pages(self.sandbox.as_ref()))
            .route_layer(middleware::from_fn_with_state(app.clone(), web::require_session));
        let router = Router::new()
            .route("/login", get(web::login_form).post(web::login))
            .route("/lang/{lang}", get(web::set_lang))
            .merge(pages)
            .route("/healthz", get(|| async { axum::Json(json!({"status": "ok"})) }))
            .route("/readyz", get(readyz))
            .route("/s/{code}", get(links::follow))
            .route("/hooks/{account}/{kind}", any(hooks::signed))
            .route("/hooks/{account}/{secret}/{kind}", any(hooks::with_secret))
            .merge(api)
            .layer(DefaultBodyLimit::max(app.settings.max_body_bytes))
            .layer(middleware::from_fn(log_request))
            .with_state(app);
        sandbox::mount(self.sandbox.as_ref(), router)
    }

    /// Serves on `listener` until `shutdown` completes: then stops accepting, finishes the
    /// requests in flight, lets the dispatcher finish its batch, and returns.
    ///
    /// # Errors
    ///
    /// Returns the [`std::io::Error`] when the listener's local address cannot be read, when the
    /// sandbox's saved state cannot be restored, or when serving fails.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = self.app.clone();
        let local = listener.local_addr()?;
        if app.settings.api_tokens.is_empty() {
            tracing::warn!("no [server] api_tokens: the API answers only clients on this machine (loopback)");
        }
        if app.settings.sandbox {
            tracing::warn!("sandbox: replies and forwards are printed (console://), not sent");
        } else if app.settings.outbox_account.is_none() && app.numbers().iter().all(|n| n.account.is_none()) {
            tracing::warn!(
                "no account to send replies from: give [[numbers]] an account or set [server] outbox_account; replies stay in the outbox"
            );
        }
        match app.ledger.recover().await {
            Ok(v) if !v.is_empty() => tracing::warn!(
                entries = v.len(),
                "sends interrupted by the last stop are now uncertain (not resent); see GET /api/v1/messages?state=uncertain"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "ledger recovery failed"),
        }
        if let Some(sb) = &self.sandbox {
            sandbox::restore(sb).await?;
        }
        // Campaigns and delayed call-flow SMS left running by the last stop go on.
        app.resume_campaigns().await;
        app.flows.resume(&app.stop_rx(), &app.tasks).await;
        tracing::info!(listen = %local, public_url = %app.public_url, hooks = app.hooks.len(), "bramka serve started");
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let dispatcher = tokio::spawn(dispatch_loop(app.clone(), stop_rx));
        let router = self.router();
        let result = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop_tx.send(true);
        // Background campaigns and waiting calls stop before their next request.
        let _ = app.stop.send(true);
        app.tasks.join().await;
        let _ = dispatcher.await;
        tracing::info!("bramka serve stopped");
        result
    }

    /// One outbox pass now (also run by the background task); the number of entries sent.
    ///
    /// # Errors
    ///
    /// Returns a message when the store cannot list or update the outbox; an entry that cannot be
    /// sent (no account, a destination not allowed, an operator error) is counted as failed or retried
    /// in the outbox, not returned.
    pub async fn dispatch_once(&self) -> Result<usize, String> {
        dispatch(&self.app).await
    }
}

async fn dispatch(app: &App) -> Result<usize, String> {
    if !app.settings.sandbox
        && app.settings.outbox_account.is_none()
        && app.numbers().iter().all(|n| n.account.is_none())
    {
        return Ok(0);
    }
    // Each reply or forward leaves through the account of the number that received the
    // message ([[numbers]] account), else through [server] outbox_account; recorded in the ledger.
    let route = |d: &bramka_inbound::OutboxDraft| -> Result<Arc<dyn bramka_core::Gateway>, String> {
        let account = app.reply_account(d.via.as_deref()).ok_or_else(|| {
            format!(
                "no account sends for {}: give the number an account in [[numbers]] or set [server] outbox_account",
                d.via.as_deref().unwrap_or("this entry")
            )
        })?;
        outbox::check_destination(&app.settings, &account, d)?;
        app.ledger_gateway(&account)
    };
    let report = app.engine().dispatch_routed(&route).await.map_err(|e| e.to_string())?;
    if !report.failed.is_empty() || !report.uncertain.is_empty() || !report.retry.is_empty() {
        tracing::warn!(
            sent = report.sent.len(),
            retry = report.retry.len(),
            failed = report.failed.len(),
            uncertain = report.uncertain.len(),
            "outbox pass with failures"
        );
    }
    Ok(report.sent.len())
}

impl App {
    /// The account replies and forwards for receiving number `via` leave through.
    pub(crate) fn reply_account(&self, via: Option<&str>) -> Option<String> {
        via.and_then(|v| self.numbers().into_iter().find(|n| n.number == v).and_then(|n| n.account))
            .or_else(|| self.settings.outbox_account.clone())
    }
}

async fn dispatch_loop(app: Arc<App>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let every = Duration::from_millis(app.settings.dispatch_interval_ms);
    loop {
        tokio::select! {
            _ = app.wake.notified() => {}
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        match dispatch(&app).await {
            Ok(n) if n > 0 => tracing::debug!(sent = n, "outbox pass"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox pass failed; will retry"),
        }
    }
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    let store = app.store.messages_page(&MessageQuery::all(), i64::MAX, 1).await;
    let defs = app.defs.polls();
    match (store, defs) {
        (Ok(_), Ok(_)) => axum::Json(json!({"status": "ready"})).into_response(),
        (Err(e), _) => ApiError::unavailable(format!("store: {e}")).into_response(),
        (_, Err(e)) => ApiError::unavailable(e.to_string()).into_response(),
    }
}

/// Logs each request by its route template (so secret path segments and query strings, which
/// may carry message texts, never reach the logs), status and latency.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".into());
    let started = Instant::now();
    let res = next.run(req).await;
    tracing::info!(
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    res
}
