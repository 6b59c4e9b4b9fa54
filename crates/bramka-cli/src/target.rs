//! Which gateway a command talks to: `--gateway DSN`, `--account NAME` from a configuration file,
//! `BRAMKA_DSN`, or `console://default`.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use bramka::accounts::Accounts;
use bramka::testing::ConsoleGateway;
use bramka::{Gateway, Secret};
use clap::Args;

use crate::failure::Failure;

/// The environment variable giving a DSN when neither `--gateway` nor `--account` is given.
pub(crate) const DSN_ENV: &str = "BRAMKA_DSN";
/// The environment variable naming the accounts file when `--config` is not given.
pub(crate) const CONFIG_ENV: &str = "BRAMKA_CONFIG";
/// The accounts file read from the working directory when neither `--config` nor `BRAMKA_CONFIG`
/// is given.
pub(crate) const DEFAULT_CONFIG: &str = "bramka.toml";
/// The gateway used when nothing is configured: it prints messages instead of sending them.
pub(crate) const FALLBACK_DSN: &str = "console://default";

/// A command-line value that must never be printed (a DSN with credentials, a token).
#[derive(Clone)]
pub(crate) struct SecretArg(pub(crate) Secret);

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl FromStr for SecretArg {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SecretArg(Secret::new(s.to_owned())))
    }
}

/// How to pick the gateway (shared by `send`, `balance`, `status` and `cancel`).
#[derive(Debug, Args)]
pub(crate) struct GatewayArgs {
    /// Gateway DSN: `smsapi://TOKEN@default`, `infobip://KEY@xxxxx.api.infobip.com`,
    /// `twilio://SID:TOKEN@default?from=%2B44...`, `dynmark://USER:PASS@default`,
    /// `console://default`; `a || b` fails over, `a && b` round robins. Default: `BRAMKA_DSN`,
    /// else `console://default`.
    #[arg(long, short = 'g', value_name = "DSN", conflicts_with = "account")]
    gateway: Option<SecretArg>,
    /// A named account from the accounts file (`[accounts.NAME]` tables with `dsn` and policy).
    #[arg(long, short = 'a', value_name = "NAME")]
    account: Option<String>,
    /// The accounts file for `--account`. Default: `BRAMKA_CONFIG`, else `./bramka.toml`.
    #[arg(long, value_name = "PATH", requires = "account")]
    config: Option<PathBuf>,
}

/// Where the gateway came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `--gateway`.
    Flag,
    /// `--account`.
    Account,
    /// `BRAMKA_DSN`.
    Env,
    /// Nothing configured: `console://default`.
    Fallback,
}

/// The resolved gateway.
pub(crate) struct Target {
    /// The gateway.
    pub(crate) gateway: Arc<dyn Gateway>,
    /// The accounts registry and the account's name, with `--account`.
    pub(crate) account: Option<(Accounts, String)>,
    /// Where it came from.
    pub(crate) source: Source,
    /// With the fallback: the accounts file and its account names, when one was found.
    pub(crate) unused_accounts: Option<(PathBuf, Vec<String>)>,
}

/// Where `console://` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsoleOut {
    /// Standard output (the human summary follows it).
    Stdout,
    /// Standard error (standard output carries JSON).
    Stderr,
}

/// Connects a DSN; a lone `console://` DSN writes to `out`.
pub(crate) fn connect(dsn: &str, out: ConsoleOut) -> Result<Arc<dyn Gateway>, bramka::Error> {
    let gateway = bramka::connect(dsn)?;
    let lone_console = dsn.trim().starts_with("console://") && !dsn.contains("||") && !dsn.contains("&&");
    if lone_console && out == ConsoleOut::Stderr {
        let w: Box<dyn Write + Send> = Box::new(std::io::stderr());
        return Ok(Arc::new(ConsoleGateway::with_writer(w)));
    }
    Ok(gateway)
}

impl GatewayArgs {
    /// The accounts file: `--config`, `BRAMKA_CONFIG`, `./bramka.toml`.
    fn config_path(&self) -> Option<PathBuf> {
        if let Some(p) = &self.config {
            return Some(p.clone());
        }
        if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        let local = Path::new(DEFAULT_CONFIG);
        local.exists().then(|| local.to_path_buf())
    }

    /// Resolves the gateway: `--gateway`, `--account`, `BRAMKA_DSN`, `console://default`.
    pub(crate) fn resolve(&self, out: ConsoleOut) -> Result<Target, Failure> {
        if let Some(dsn) = &self.gateway {
            let gateway = connect(dsn.0.expose(), out).map_err(|e| Failure::before_sending(&e))?;
            return Ok(Target { gateway, account: None, source: Source::Flag, unused_accounts: None });
        }
        if let Some(name) = &self.account {
            let path = self.config_path().ok_or_else(|| {
                Failure::usage(format!("--account {name}: no accounts file found"))
                    .hint(format!("pass --config PATH, set {CONFIG_ENV}, or create ./{DEFAULT_CONFIG}"))
            })?;
            let loaded = Accounts::load(&path).map_err(|e| {
                Failure::usage(e.to_string()).hint(
                    "the file holds [accounts.NAME] tables with dsn = \"...\" and optional senders, \
                     default_prefix, allow_diacritics, shorten_links, max_parts, active",
                )
            })?;
            let mut accounts = Accounts::with_connector(Arc::new(move |dsn: &str| connect(dsn, out)));
            for a in loaded.iter() {
                accounts.add(a.clone()).map_err(|e| Failure::usage(e.to_string()))?;
            }
            if accounts.get(name).is_none() {
                let known: Vec<&str> = accounts.iter().map(|a| a.name()).collect();
                return Err(Failure::usage(format!(
                    "no account named {name:?} in {}; accounts: {}",
                    path.display(),
                    if known.is_empty() { "(none)".to_owned() } else { known.join(", ") }
                )));
            }
            let gateway = accounts.gateway(name).map_err(|e| Failure::before_sending(&e))?;
            return Ok(Target {
                gateway,
                account: Some((accounts, name.clone())),
                source: Source::Account,
                unused_accounts: None,
            });
        }
        if let Ok(dsn) = std::env::var(DSN_ENV)
            && !dsn.trim().is_empty()
        {
            let gateway = connect(&dsn, out).map_err(|e| {
                Failure::usage(format!("{DSN_ENV}: {e}")).maybe_hint(crate::failure::hint_for(&e))
            })?;
            return Ok(Target { gateway, account: None, source: Source::Env, unused_accounts: None });
        }
        let gateway = connect(FALLBACK_DSN, out).map_err(|e| Failure::before_sending(&e))?;
        let unused_accounts = self.config_path().and_then(|p| {
            let names = Accounts::load(&p).ok()?.iter().map(|a| a.name().to_owned()).collect::<Vec<_>>();
            (!names.is_empty()).then_some((p, names))
        });
        Ok(Target { gateway, account: None, source: Source::Fallback, unused_accounts })
    }
}

/// The hint for operations the console gateway cannot do.
pub(crate) const NOT_CONFIGURED_HINT: &str =
    "no gateway is configured: pass --gateway DSN or --account NAME, or set BRAMKA_DSN";
