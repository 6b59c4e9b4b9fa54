//! The configuration file: `[server]`, `[accounts.*]`, `[[numbers]]`, `[[polls]]`, `[groups]`,
//! `[[flows]]`, `[suppression]`, validated into [`Settings`]. Every refusal names the file, the
//! table and the field (`bramka.toml: polls[2].options[0].reply: is empty; …`).

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bramka::accounts::{Account, AccountPolicy, Accounts};
use bramka_core::placeholders::{self, Encode};
use bramka_core::{Dsn, Secret};
use bramka_flow::FlowDef;
use bramka_inbound::definition::{Definitions, NumberDef, PollDef};
use serde::Deserialize;
use url::Url;

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8025";
/// The default storage.
pub const DEFAULT_STORAGE: &str = "sqlite:bramka.db";
/// The default largest request body, in bytes (64 KiB: an inbound SMS webhook is well under 4).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;

/// Reads environment variables for `${VAR}` placeholders.
pub type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The process environment.
pub fn process_env() -> Env {
    Arc::new(|k: &str| std::env::var(k).ok())
}

/// The file was refused.
///
/// ```
/// use bramka_server::{Settings, config::process_env};
///
/// let e = Settings::from_toml("bramka.toml", "[server]\nlisten = \"nowhere\"\n", process_env()).unwrap_err();
/// assert_eq!(e.file, "bramka.toml");
/// assert_eq!(e.path, "server.listen");
/// println!("{e}"); // bramka.toml: server.listen: ...
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {path}{sep}{reason}", sep = if path.is_empty() { "" } else { ": " })]
#[non_exhaustive]
pub struct ConfigError {
    /// The file name as given.
    pub file: String,
    /// The table and field (`polls[2].options[0].reply`), or empty for the whole file.
    pub path: String,
    /// What is wrong and what is accepted (secrets never included).
    pub reason: String,
}

/// Where received messages and definitions are kept.
///
/// ```
/// use bramka_server::{Settings, config::{Storage, process_env}};
///
/// let s = Settings::from_toml("bramka.toml", "[server]\nstorage = \"memory:\"\n", process_env()).unwrap();
/// assert_eq!(s.storage, Storage::Memory);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Storage {
    /// One SQLite file (WAL).
    Sqlite(PathBuf),
    /// In memory, lost at exit (`memory:`; tests and trials).
    Memory,
    /// PostgreSQL (`postgres://…`; feature `postgres`): received messages, the ledger, poll and
    /// number definitions and generated hook secrets, shared by several instances.
    Postgres {
        /// The URL, placeholders expanded (its password never shown).
        url: Secret,
        /// The SQLite definitions file of an older deployment (`[server] definitions`, default
        /// `bramka.defs.db`): when it exists, its contents are imported once into an unseeded
        /// database, then it is no longer used.
        definitions: PathBuf,
    },
}

/// Which operator an account's webhooks come from.
///
/// ```
/// use bramka_server::config::Provider;
///
/// assert!(Provider::Twilio.signs());
/// assert_eq!(Provider::Smsapi.as_str(), "smsapi");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Provider {
    /// SMSAPI (unsigned: secret path segment).
    Smsapi,
    /// Infobip (unsigned: secret path segment).
    Infobip,
    /// Twilio (signed with the Auth Token).
    Twilio,
}

impl Provider {
    /// `smsapi`, `infobip`, `twilio`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Smsapi => "smsapi",
            Provider::Infobip => "infobip",
            Provider::Twilio => "twilio",
        }
    }
    /// Whether the operator signs its webhooks (else the URL carries a secret segment).
    pub fn signs(self) -> bool {
        matches!(self, Provider::Twilio)
    }
}

/// An address or network allowed to call an account's webhooks.
///
/// ```
/// use bramka_server::config::IpNet;
///
/// let net = IpNet::parse("10.0.0.0/8").unwrap();
/// assert!(net.contains("10.1.2.3".parse().unwrap()));
/// assert!(IpNet::parse("10.0.0.0/33").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// `10.0.0.1`, `10.0.0.0/8`, `2001:db8::/32`.
    ///
    /// # Errors
    ///
    /// Returns a message naming `s` and an example of what is accepted when the address does not
    /// parse or the prefix is not a number up to 32 (IPv4) or 128 (IPv6).
    pub fn parse(s: &str) -> Result<IpNet, String> {
        let bad = || format!("{s:?} is not an address or network such as \"203.0.113.7\" or \"10.0.0.0/8\"");
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
    /// Whether `ip` is inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(n) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

/// An account's webhook settings.
#[derive(Clone)]
pub struct HookSettings {
    /// The operator.
    pub provider: Provider,
    /// Twilio's Auth Token (signature check).
    pub twilio_token: Option<Secret>,
    /// A secret path segment given in the file (else one is generated and kept in the store).
    pub secret: Option<Secret>,
    /// Source addresses allowed (empty: any).
    pub allow_ips: Vec<IpNet>,
}

impl fmt::Debug for HookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookSettings")
            .field("provider", &self.provider)
            .field("twilio_token", &self.twilio_token.as_ref().map(|_| "***"))
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("allow_ips", &self.allow_ips)
            .finish()
    }
}

/// STOP/START keywords: a received message that is one of them alone suppresses (or lifts) its
/// sender in the ledger, for every account.
///
/// ```
/// use bramka_server::config::Suppression;
///
/// let s = Suppression::default();
/// assert_eq!((s.stop.as_slice(), s.start.as_slice()), (["STOP".to_owned()].as_slice(), ["START".to_owned()].as_slice()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Keywords that opt a number out.
    #[serde(default = "stop_words")]
    pub stop: Vec<String>,
    /// Keywords that opt it back in.
    #[serde(default = "start_words")]
    pub start: Vec<String>,
}

fn stop_words() -> Vec<String> {
    vec!["STOP".into()]
}
fn start_words() -> Vec<String> {
    vec!["START".into()]
}

impl Default for Suppression {
    fn default() -> Self {
        Suppression { stop: stop_words(), start: start_words() }
    }
}

/// The validated configuration.
///
/// ```
/// use bramka_server::{Settings, config::process_env};
///
/// let toml = r#"
/// [server]
/// listen = "127.0.0.1:8025"
/// storage = "memory:"
/// "#;
/// let settings = Settings::from_toml("bramka.toml", toml, process_env()).unwrap();
/// assert_eq!(settings.listen.port(), 8025);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Settings {
    /// The file name as given (for messages).
    pub file: String,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The public origin operators call (Twilio signs over it).
    pub public_url: Url,
    /// Storage.
    pub storage: Storage,
    /// API tokens (empty: the API answers only loopback clients).
    pub api_tokens: Vec<Secret>,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Seconds between outbox passes when nothing wakes the dispatcher.
    pub dispatch_interval_ms: u64,
    /// The account that sends replies and forwards from the outbox.
    pub outbox_account: Option<String>,
    /// Gateway accounts.
    pub accounts: Accounts,
    /// Webhook settings per account that has webhooks.
    pub hooks: BTreeMap<String, HookSettings>,
    /// Numbers, polls and groups as written in the file (polls seed the store on first start).
    pub definitions: Definitions,
    /// Call-flow SMS actions.
    pub flows: Vec<FlowDef>,
    /// STOP/START keywords.
    pub suppression: Suppression,
    /// Replies and forwards go to `console://` (printed) instead of the accounts.
    pub sandbox: bool,
    /// The sandbox's settings from the `[sandbox]` table (used with `sandbox`).
    pub sandbox_config: bramka_sandbox::SandboxConfig,
    public_url_derived: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    /// The accounts file's default account (the CLI's `--account` fallback); here the account
    /// replies leave through when `[server] outbox_account` is not set.
    #[serde(default)]
    default_account: Option<String>,
    #[serde(default)]
    server: ServerSection,
    #[serde(default)]
    accounts: BTreeMap<String, toml::Table>,
    #[serde(default)]
    numbers: Vec<NumberDef>,
    #[serde(default)]
    polls: Vec<PollDef>,
    #[serde(default)]
    groups: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    flows: Vec<FlowDef>,
    #[serde(default)]
    suppression: Suppression,
    sandbox: Option<crate::sandbox::SandboxSection>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    listen: Option<String>,
    public_url: Option<String>,
    storage: Option<String>,
    #[serde(default)]
    api_tokens: Vec<String>,
    max_body_bytes: Option<usize>,
    definitions: Option<String>,
    dispatch_interval_ms: Option<u64>,
    outbox_account: Option<String>,
    #[serde(default)]
    hooks: BTreeMap<String, HookSection>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HookSection {
    secret: Option<String>,
    #[serde(default)]
    allow_ips: Vec<String>,
}

/// An account's keys besides `dsn`: the accounts file's, so one `bramka.toml` serves both the
/// CLI and the server.
const POLICY_KEYS: &[&str] = &[
    "senders",
    "default_prefix",
    "allow_diacritics",
    "emoji",
    "shorten_links",
    "max_parts",
    "active",
    "allowed_prefixes",
];

/// Expands `${VAR}` placeholders (bramka_core::placeholders, shared with the account book);
/// the error names the missing variable.
///
/// # Errors
///
/// Returns a message naming the variable when a `${VAR}` placeholder names a variable that `env`
/// does not have, or when a placeholder is malformed.
pub fn expand(template: &str, env: &Env) -> Result<String, String> {
    placeholders::expand(template, |k| env(k), Encode::None).map_err(|e| e.to_string())
}

/// Like [`expand`], percent-encoding each value (for DSNs), exactly as the account book does.
fn expand_dsn(template: &str, env: &Env) -> Result<String, String> {
    placeholders::expand(template, |k| env(k), Encode::Percent).map_err(|e| e.to_string())
}

/// The ledger's SQLite file next to `storage`'s: `bramka.db` → `bramka.ledger.db`.
pub fn ledger_path(storage: &Path) -> PathBuf {
    let stem =
        storage.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "bramka".into());
    let name = match storage.extension() {
        Some(ext) => format!("{stem}.ledger.{}", ext.to_string_lossy()),
        None => format!("{stem}.ledger"),
    };
    storage.with_file_name(name)
}

impl Settings {
    /// Listens on `addr` instead of the file's address (and, when the file gives no
    /// `public_url`, takes it as the public origin too).
    pub fn override_listen(&mut self, addr: SocketAddr) {
        self.listen = addr;
        if self.public_url_derived
            && let Ok(u) = Url::parse(&format!("http://{addr}"))
        {
            self.public_url = u;
        }
    }

    /// Reads and validates a file.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] with an empty `path` when the file cannot be read, and otherwise the
    /// errors of [`from_toml`](Settings::from_toml).
    pub fn load(path: &Path, env: Env) -> Result<Settings, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            path: String::new(),
            reason: format!("cannot read: {e}"),
        })?;
        Self::from_toml(&file, &text, env)
    }

    /// Validates a file's text; `file` names it in errors.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming `file`, the field (`path`, or the line for a TOML syntax error)
    /// and what is accepted when the text is not valid TOML, has an unknown field, a value out of range
    /// (an address, URL, number, storage or provider that does not parse), or a `${VAR}` placeholder
    /// whose variable `env` does not have.
    pub fn from_toml(file: &str, text: &str, env: Env) -> Result<Settings, ConfigError> {
        let err =
            |path: &str, reason: String| ConfigError { file: file.to_owned(), path: path.to_owned(), reason };
        let model: FileModel = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}")
                })
                .unwrap_or_default();
            err(&at, e.message().to_owned())
        })?;
        let s = model.server;
        let listen_text = s.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            err("server.listen", format!("{listen_text:?} is not an address such as \"127.0.0.1:8025\""))
        })?;
        let public_url_derived = s.public_url.is_none();
        let public_url = match s.public_url {
            Some(u) => {
                let parsed =
                    Url::parse(&u).ok().filter(|p| matches!(p.scheme(), "http" | "https") && p.has_host());
                parsed.ok_or_else(|| {
                    err(
                        "server.public_url",
                        format!("{u:?} is not an http(s) URL such as \"https://sms.example.com\""),
                    )
                })?
            }
            None => {
                Url::parse(&format!("http://{listen}")).map_err(|e| err("server.listen", e.to_string()))?
            }
        };
        let storage_text = s.storage.unwrap_or_else(|| DEFAULT_STORAGE.to_owned());
        let storage = if let Some(p) = storage_text.strip_prefix("sqlite:") {
            if p.is_empty() {
                return Err(err("server.storage", "sqlite: needs a path (\"sqlite:bramka.db\")".into()));
            }
            Storage::Sqlite(PathBuf::from(p))
        } else if storage_text == "memory:" {
            Storage::Memory
        } else if storage_text.starts_with("postgres://") || storage_text.starts_with("postgresql://") {
            let url = expand_dsn(&storage_text, &env).map_err(|r| err("server.storage", r))?;
            let definitions = PathBuf::from(s.definitions.as_deref().unwrap_or("bramka.defs.db"));
            Storage::Postgres { url: Secret::new(url), definitions }
        } else {
            return Err(err(
                "server.storage",
                format!(
                    "{storage_text:?} is not a storage; \"sqlite:PATH\", \"postgres://USER:PASSWORD@HOST/DB\" or \"memory:\" is accepted"
                ),
            ));
        };
        let mut api_tokens = Vec::new();
        for (i, t) in s.api_tokens.iter().enumerate() {
            let at = format!("server.api_tokens[{i}]");
            let v = expand(t, &env).map_err(|r| err(&at, r))?;
            if v.trim().chars().count() < 16 {
                return Err(err(&at, "is shorter than 16 characters; use a long random token".into()));
            }
            api_tokens.push(Secret::new(v));
        }
        let max_body_bytes = s.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY);
        if !(1024..=16 * 1024 * 1024).contains(&max_body_bytes) {
            return Err(err("server.max_body_bytes", format!("{max_body_bytes} is outside 1024..=16777216")));
        }

        let mut accounts = Accounts::new().with_env({
            let env = env.clone();
            move |k| env(k)
        });
        let mut hooks = BTreeMap::new();
        for (name, table) in &model.accounts {
            let at = |f: &str| format!("accounts.{name}.{f}");
            let mut table = table.clone();
            let dsn = match table.remove("dsn") {
                Some(toml::Value::String(d)) => d,
                _ => {
                    return Err(err(
                        &at("dsn"),
                        "is missing; a DSN such as \"smsapi://${TOKEN}@default\" is needed".into(),
                    ));
                }
            };
            if let Some(k) = table.keys().find(|k| !POLICY_KEYS.contains(&k.as_str())) {
                return Err(err(&at(k), format!("unknown key; accepted: dsn, {}", POLICY_KEYS.join(", "))));
            }
            let policy: AccountPolicy = toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| err(&format!("accounts.{name}"), e.message().to_owned()))?;
            let first = dsn.split("||").next().unwrap_or("").split("&&").next().unwrap_or("").trim();
            let scheme = first.split_once("://").map(|(s, _)| s).unwrap_or("");
            let provider = match scheme {
                "smsapi" => Some(Provider::Smsapi),
                "infobip" => Some(Provider::Infobip),
                "twilio" => Some(Provider::Twilio),
                _ => None,
            };
            let hook_cfg = s.hooks.get(name);
            if let Some(provider) = provider {
                let twilio_token = if provider == Provider::Twilio {
                    let expanded = expand_dsn(first, &env).map_err(|r| err(&at("dsn"), r))?;
                    let parsed = Dsn::parse(&expanded).map_err(|e| err(&at("dsn"), e.to_string()))?;
                    let token = parsed.password().filter(|p| !p.expose().is_empty()).ok_or_else(|| {
                        err(
                            &at("dsn"),
                            "has no Auth Token (twilio://SID:TOKEN@default); webhooks cannot be verified"
                                .into(),
                        )
                    })?;
                    Some(token.clone())
                } else {
                    None
                };
                let mut allow_ips = Vec::new();
                let mut secret = None;
                if let Some(h) = hook_cfg {
                    for (i, ip) in h.allow_ips.iter().enumerate() {
                        allow_ips.push(
                            IpNet::parse(ip)
                                .map_err(|r| err(&format!("server.hooks.{name}.allow_ips[{i}]"), r))?,
                        );
                    }
                    if let Some(sec) = &h.secret {
                        let at = format!("server.hooks.{name}.secret");
                        let v = expand(sec, &env).map_err(|r| err(&at, r))?;
                        if v.len() < 16
                            || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        {
                            return Err(err(&at, "needs 16 or more letters, digits, '-' or '_'".into()));
                        }
                        secret = Some(Secret::new(v));
                    }
                }
                hooks.insert(name.clone(), HookSettings { provider, twilio_token, secret, allow_ips });
            } else if hook_cfg.is_some() {
                return Err(err(
                    &format!("server.hooks.{name}"),
                    format!("account {name:?} has no webhooks (only smsapi, infobip and twilio accounts do)"),
                ));
            }
            accounts
                .add(Account::new(name.clone(), dsn, policy))
                .map_err(|e| err(&format!("accounts.{name}"), e.to_string()))?;
        }
        if let Some(d) = &model.default_account {
            accounts.set_default(Some(d)).map_err(|_| {
                let known: Vec<&str> = accounts.iter().map(|a| a.name()).collect();
                err("default_account", format!("no account named {d:?}; defined: {}", known.join(", ")))
            })?;
        }
        for name in s.hooks.keys() {
            if !model.accounts.contains_key(name) {
                return Err(err(&format!("server.hooks.{name}"), format!("no account named {name:?}")));
            }
        }

        let definitions = Definitions { numbers: model.numbers, polls: model.polls, groups: model.groups };
        definitions.to_config().map_err(|e| err(&e.path, e.reason))?;
        for (i, n) in definitions.numbers.iter().enumerate() {
            if let Some(a) = &n.account
                && accounts.get(a).is_none()
            {
                return Err(err(&format!("numbers[{i}].account"), format!("no account named {a:?}")));
            }
        }
        for (i, f) in model.flows.iter().enumerate() {
            f.to_config().map_err(|e| err(&format!("flows[{i}]"), e.to_string()))?;
            if let Some(a) = &f.account
                && accounts.get(a).is_none()
            {
                return Err(err(&format!("flows[{i}].account"), format!("no account named {a:?}")));
            }
        }
        for (field, words) in [("stop", &model.suppression.stop), ("start", &model.suppression.start)] {
            if let Some((i, _)) = words.iter().enumerate().find(|(_, w)| w.trim().is_empty()) {
                return Err(err(&format!("suppression.{field}[{i}]"), "is empty".into()));
            }
        }
        let outbox_account = match s.outbox_account {
            Some(a) if accounts.get(&a).is_none() => {
                return Err(err("server.outbox_account", format!("no account named {a:?}")));
            }
            Some(a) => Some(a),
            None => accounts
                .default_account()
                .map(str::to_owned)
                .or_else(|| definitions.numbers.iter().find_map(|n| n.account.clone()))
                .or_else(|| {
                    (accounts.iter().count() == 1)
                        .then(|| accounts.iter().next().map(|a| a.name().to_owned()))
                        .flatten()
                }),
        };
        let sandbox_config = crate::sandbox::settings(model.sandbox, &env).map_err(|(at, r)| err(&at, r))?;
        Ok(Settings {
            file: file.to_owned(),
            listen,
            public_url,
            storage,
            api_tokens,
            max_body_bytes,
            dispatch_interval_ms: s.dispatch_interval_ms.unwrap_or(1000).max(10),
            outbox_account,
            accounts,
            hooks,
            definitions,
            flows: model.flows,
            suppression: model.suppression,
            sandbox: false,
            sandbox_config,
            public_url_derived,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Arc::new(|k: &str| match k {
            "BRAMKA_API_TOKEN" => Some("test-token-0123456789".into()),
            "TWILIO_AUTH_TOKEN" => Some("tw/secret token".into()),
            _ => None,
        })
    }

    #[test]
    fn ip_nets() {
        let n = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.9".parse().unwrap()));
        assert!(IpNet::parse("10.0.0.0/33").is_err());
        assert!(IpNet::parse("203.0.113.7").unwrap().contains("203.0.113.7".parse().unwrap()));
    }

    /// The accounts file's `default_account` and per-account `allowed_prefixes` and `emoji`: one
    /// `bramka.toml` for the CLI and the server. The default account sends replies when no
    /// `outbox_account` is set, and the prefixes refuse other destinations before any request.
    #[tokio::test]
    async fn a_shared_accounts_file_is_accepted_and_its_prefixes_are_honoured() {
        let text = "default_account = \"pl\"\n\
                    [accounts.pl]\ndsn = \"console://\"\nallowed_prefixes = [\"48\", \"+420\"]\n\
                    allow_diacritics = false\nemoji = \"name\"\n\
                    [accounts.any]\ndsn = \"console://\"\n";
        let s = Settings::from_toml("b.toml", text, env()).unwrap();
        assert_eq!(s.accounts.default_account(), Some("pl"));
        assert_eq!(s.outbox_account.as_deref(), Some("pl"));
        assert_eq!(s.accounts.get("pl").unwrap().policy.allowed_prefixes, ["48", "+420"]);
        let refused = s
            .accounts
            .prepare("pl", bramka::accounts::Outgoing::new("+14155550100", "Hi"))
            .await
            .unwrap_err()
            .to_string();
        assert!(refused.contains("+14155550100"), "{refused}");
        for to in ["+48600100200", "+420601100200"] {
            s.accounts.prepare("pl", bramka::accounts::Outgoing::new(to, "Hi")).await.unwrap();
        }
        s.accounts.prepare("any", bramka::accounts::Outgoing::new("+14155550100", "Hi")).await.unwrap();
        // An explicit outbox_account still wins over the default account.
        let accounts = text.split_once('\n').unwrap().1;
        let text2 = format!("default_account = \"pl\"\n[server]\noutbox_account = \"any\"\n{accounts}");
        let s = Settings::from_toml("b.toml", &text2, env()).unwrap();
        assert_eq!(s.outbox_account.as_deref(), Some("any"));
    }

    #[test]
    fn twilio_token_is_expanded_and_decoded() {
        let s = Settings::from_toml(
            "b.toml",
            "[accounts.tw]\ndsn = \"twilio://AC00000000000000000000000000000000:${TWILIO_AUTH_TOKEN}@default\"\n",
            env(),
        )
        .unwrap();
        assert_eq!(s.hooks["tw"].twilio_token.as_ref().unwrap().expose(), "tw/secret token");
        assert!(!format!("{s:?}").contains("secret token"));
        assert_eq!(s.outbox_account.as_deref(), Some("tw"));
    }

    #[test]
    fn postgres_url_is_expanded_and_never_shown() {
        let s = Settings::from_toml(
            "b.toml",
            "[server]\nstorage = \"postgres://bramka:${TWILIO_AUTH_TOKEN}@127.0.0.1:5432/sms\"\n",
            env(),
        )
        .unwrap();
        match &s.storage {
            Storage::Postgres { url, definitions } => {
                assert_eq!(url.expose(), "postgres://bramka:tw%2Fsecret%20token@127.0.0.1:5432/sms");
                assert_eq!(definitions, &PathBuf::from("bramka.defs.db"));
            }
            other => panic!("{other:?}"),
        }
        let shown = format!("{s:?}");
        assert!(!shown.contains("secret") && !shown.contains("tw%2F"), "{shown}");
    }

    #[test]
    fn errors_name_file_table_field() {
        let cases = [
            ("[server]\nlisten = \"nope\"\n", "b.toml: server.listen: \"nope\" is not an address"),
            (
                "[server]\napi_tokens = [\"${MISSING}\"]\n",
                "b.toml: server.api_tokens[0]: environment variable MISSING",
            ),
            (
                "[server]\nstorage = \"postgres://u:${MISSING}@h/db\"\n",
                "b.toml: server.storage: environment variable MISSING",
            ),
            ("[server]\nstorage = \"mysql://x\"\n", "b.toml: server.storage: \"mysql://x\" is not a storage"),
            ("[accounts.a]\ndsn = \"console://\"\ncolour = 1\n", "b.toml: accounts.a.colour: unknown key"),
            (
                "[[numbers]]\nnumber = \"+48790100200\"\naccount = \"zz\"\n",
                "b.toml: numbers[0].account: no account named \"zz\"",
            ),
            (
                "[[numbers]]\nnumber = \"+48790100200\"\n[[polls]]\nid = \"p\"\nname = \"P\"\nnumber = \"+48790100200\"\noptions = [{ code = \"A\", reply = \"\" }]\n",
                "b.toml: polls[0].options[0].reply: is empty",
            ),
            ("[[flows]]\nlabel = \"\"\ntemplate = \"x\"\n", "b.toml: flows[0]: invalid SMS action"),
            ("[weird]\n", "b.toml: line 1: unknown field `weird`"),
            ("[server.hooks.x]\n", "b.toml: server.hooks.x: no account named"),
            (
                "default_account = \"zz\"\n[accounts.a]\ndsn = \"console://\"\n",
                "b.toml: default_account: no account named \"zz\"; defined: a",
            ),
        ];
        for (text, want) in cases {
            let e = Settings::from_toml("b.toml", text, env()).unwrap_err().to_string();
            assert!(e.starts_with(want), "{e}\n  does not start with\n{want}");
        }
    }
}
