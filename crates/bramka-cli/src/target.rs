//! Which gateway a command talks to: `--gateway DSN`, `--account NAME` from a configuration file,
//! `BRAMKA_DSN`, or `console://default`.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use bramka::accounts::Accounts;
use bramka::testing::ConsoleGateway;
use bramka::{Gateway, Secret};
use clap::Args;

use crate::config_file::{self, Found};
use crate::failure::Failure;

/// The environment variable giving a DSN when neither `--gateway` nor `--account` is given.
pub(crate) const DSN_ENV: &str = "BRAMKA_DSN";
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
    /// Default: the file's `default_account`, when `--gateway` and `BRAMKA_DSN` are not given.
    #[arg(long, short = 'a', value_name = "NAME")]
    account: Option<String>,
    /// The accounts file. Default: `BRAMKA_CONFIG`, else `./bramka.toml`, else `accounts.toml`
    /// in the user configuration directory (`bramka config path` shows which).
    #[arg(long, value_name = "PATH", conflicts_with = "gateway")]
    config: Option<PathBuf>,
}

/// Where the gateway came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `--gateway`.
    Flag,
    /// `--account`, or the accounts file's default account.
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
    /// The accounts file the account came from.
    pub(crate) config: Option<Found>,
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
    if lone_console {
        // Printed around the progress bar, never through it.
        let w: Box<dyn Write + Send> = match out {
            ConsoleOut::Stderr => Box::new(crate::progress::Suspending(std::io::stderr())),
            ConsoleOut::Stdout => Box::new(crate::progress::Suspending(std::io::stdout())),
        };
        return Ok(Arc::new(ConsoleGateway::with_writer(w)));
    }
    Ok(gateway)
}

impl GatewayArgs {
    /// The accounts file (see [`config_file::discover`]).
    fn config(&self) -> Option<Found> {
        config_file::discover(self.config.as_deref())
    }

    /// Resolves the gateway: `--gateway`, `--account`, `BRAMKA_DSN`, the accounts file's
    /// `default_account`, `console://default`.
    pub(crate) fn resolve(&self, out: ConsoleOut) -> Result<Target, Failure> {
        if let Some(dsn) = &self.gateway {
            let gateway = connect(dsn.0.expose(), out).map_err(|e| Failure::before_sending(&e))?;
            return Ok(Target {
                gateway,
                account: None,
                source: Source::Flag,
                unused_accounts: None,
                config: None,
            });
        }
        if let Some(name) = &self.account {
            let found = self.config().ok_or_else(|| {
                Failure::usage(format!("--account {name}: no accounts file found"))
                    .hint(format!("looked at {}", config_file::searched()))
            })?;
            return account_target(&found, name, out);
        }
        if let Ok(dsn) = std::env::var(DSN_ENV)
            && !dsn.trim().is_empty()
        {
            let gateway = connect(&dsn, out).map_err(|e| {
                Failure::usage(format!("{DSN_ENV}: {e}")).maybe_hint(crate::failure::hint_for(&e))
            })?;
            return Ok(Target {
                gateway,
                account: None,
                source: Source::Env,
                unused_accounts: None,
                config: None,
            });
        }
        let found = self.config();
        if let Some(found) = &found {
            // A file found by the search that does not load as accounts is not this command's
            // business unless it was named with --config (the fallback notes it below).
            let loaded = match load(found) {
                Ok(l) => l,
                Err(f) if self.config.is_some() => return Err(f),
                Err(_) => Accounts::new(),
            };
            if let Some(name) = loaded.default_account() {
                return account_target(found, name, out);
            }
            if self.config.is_some() {
                return Err(Failure::usage(format!(
                    "{} has no default_account; name one with --account NAME",
                    found.path.display()
                ))
                .hint("or add default_account = \"NAME\" at the top of the file"));
            }
        }
        let gateway = connect(FALLBACK_DSN, out).map_err(|e| Failure::before_sending(&e))?;
        let unused_accounts = found.and_then(|f| {
            let names = Accounts::load(&f.path).ok()?.iter().map(|a| a.name().to_owned()).collect::<Vec<_>>();
            (!names.is_empty()).then_some((f.path, names))
        });
        Ok(Target { gateway, account: None, source: Source::Fallback, unused_accounts, config: None })
    }
}

/// Reads the accounts file.
pub(crate) fn load(found: &Found) -> Result<Accounts, Failure> {
    Accounts::load(&found.path).map_err(|e| {
        Failure::usage(e.to_string()).hint(
            "the file holds [accounts.NAME] tables with dsn = \"...\" and optional senders, \
             default_prefix, allow_diacritics, shorten_links, max_parts, active, allowed_prefixes; \
             and an optional default_account = \"NAME\" at the top",
        )
    })
}

/// The account `name` of the file, connected through [`connect`].
fn account_target(found: &Found, name: &str, out: ConsoleOut) -> Result<Target, Failure> {
    let loaded = load(found)?;
    let mut accounts = Accounts::with_connector(Arc::new(move |dsn: &str| connect(dsn, out)));
    for a in loaded.iter() {
        accounts.add(a.clone()).map_err(|e| Failure::usage(e.to_string()))?;
    }
    if let Some(d) = loaded.default_account() {
        accounts.set_default(Some(d)).map_err(|e| Failure::usage(e.to_string()))?;
    }
    if accounts.get(name).is_none() {
        let known: Vec<&str> = accounts.iter().map(|a| a.name()).collect();
        return Err(Failure::usage(format!(
            "no account named {name:?} in {}; accounts: {}",
            found.path.display(),
            if known.is_empty() { "(none)".to_owned() } else { known.join(", ") }
        )));
    }
    let gateway = accounts.gateway(name).map_err(|e| Failure::before_sending(&e))?;
    Ok(Target {
        gateway,
        account: Some((accounts, name.to_owned())),
        source: Source::Account,
        unused_accounts: None,
        config: Some(found.clone()),
    })
}

/// The hint for operations the console gateway cannot do.
pub(crate) const NOT_CONFIGURED_HINT: &str =
    "no gateway is configured: pass --gateway DSN or --account NAME, or set BRAMKA_DSN";
