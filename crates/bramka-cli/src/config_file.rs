//! Where the accounts file is found: `--config PATH`, else `BRAMKA_CONFIG`, else `./bramka.toml`,
//! else `accounts.toml` in the user's configuration directory; `bramka config path` says which
//! one is used and why.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::out::outln;

/// The environment variable naming the accounts file when `--config` is not given.
pub(crate) const CONFIG_ENV: &str = "BRAMKA_CONFIG";
/// The accounts file read from the working directory.
pub(crate) const LOCAL_CONFIG: &str = "bramka.toml";
/// The accounts file's name in the user's configuration directory.
pub(crate) const USER_CONFIG: &str = "accounts.toml";

/// Why a file is the accounts file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// `--config PATH`.
    Flag,
    /// `BRAMKA_CONFIG`.
    Env,
    /// `./bramka.toml` exists.
    Local,
    /// The user configuration directory's file exists.
    User,
}

impl Why {
    fn describe(self) -> String {
        match self {
            Why::Flag => "given with --config".to_owned(),
            Why::Env => format!("named by {CONFIG_ENV}"),
            Why::Local => format!("./{LOCAL_CONFIG} exists in the working directory"),
            Why::User => format!(
                "no --config, no {CONFIG_ENV}, no ./{LOCAL_CONFIG}; found in the user configuration directory"
            ),
        }
    }
}

/// The accounts file and why it was picked.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The file.
    pub(crate) path: PathBuf,
    /// Why it is the one.
    pub(crate) why: Why,
}

/// The user's configuration directory for bramka: `$XDG_CONFIG_HOME/bramka` or
/// `~/.config/bramka` (Unix), `~/Library/Application Support/bramka` (macOS),
/// `%APPDATA%\bramka` (Windows). `None` when the home directory is unknown.
pub(crate) fn user_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        var("APPDATA")?
    } else if cfg!(target_os = "macos") {
        var("HOME")?.join("Library/Application Support")
    } else {
        var("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| var("HOME").map(|h| h.join(".config")))?
    };
    Some(base.join("bramka"))
}

/// The accounts file, searched in order: `flag`, `BRAMKA_CONFIG`, `./bramka.toml`, the user's
/// `accounts.toml`. The first two are taken even when missing (reading them then fails with the
/// path); the last two only when they exist.
pub(crate) fn discover(flag: Option<&Path>) -> Option<Found> {
    if let Some(p) = flag {
        return Some(Found { path: p.to_path_buf(), why: Why::Flag });
    }
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(Found { path: PathBuf::from(p), why: Why::Env });
    }
    let local = Path::new(LOCAL_CONFIG);
    if local.exists() {
        return Some(Found { path: local.to_path_buf(), why: Why::Local });
    }
    let user = user_dir()?.join(USER_CONFIG);
    user.exists().then_some(Found { path: user, why: Why::User })
}

/// Where the search looks, for messages: `--config`, the variable, the local and user files.
pub(crate) fn searched() -> String {
    let user = user_dir()
        .map(|d| d.join(USER_CONFIG).display().to_string())
        .unwrap_or_else(|| "(no home directory)".to_owned());
    format!("--config PATH, {CONFIG_ENV}, ./{LOCAL_CONFIG}, {user}")
}

/// `bramka config ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print which accounts file is used, and why.
    Path(PathArgs),
}

/// Arguments of `bramka config path`.
#[derive(Debug, Args)]
pub(crate) struct PathArgs {
    /// The accounts file (as other commands take it).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

/// Runs `bramka config ...`.
pub(crate) fn run(cmd: &ConfigCommand) -> ExitCode {
    match cmd {
        ConfigCommand::Path(args) => match discover(args.config.as_deref()) {
            Some(found) => {
                let exists = if found.path.exists() { "" } else { " (missing)" };
                outln!("{}{exists}", found.path.display());
                eprintln!("why: {}", found.why.describe());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no accounts file found; looked at {}", searched());
                ExitCode::from(crate::failure::FAILED)
            }
        },
    }
}
