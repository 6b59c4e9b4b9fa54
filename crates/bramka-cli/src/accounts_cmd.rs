//! `bramka accounts list|test-sms|activate|deactivate`: the accounts of the accounts file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::config_file::{self, Found};
use crate::failure::Failure;
use crate::out::outln;
use crate::target::{ConsoleOut, GatewayArgs};

/// `bramka accounts ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AccountsCommand {
    /// List the accounts: name, DSN (secrets redacted), active, default, senders, destinations.
    List(ListArgs),
    /// Send a test SMS (at most 150 characters) through an account.
    TestSms(TestSmsArgs),
    /// Let an account send again (sets `active = true` in the file, keeping the rest as written).
    Activate(NameArgs),
    /// Stop an account from sending (sets `active = false` in the file).
    Deactivate(NameArgs),
}

/// Arguments of `bramka accounts list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The accounts file (default: see `bramka config path`).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `bramka accounts activate|deactivate`.
#[derive(Debug, Args)]
pub(crate) struct NameArgs {
    /// The accounts file (default: see `bramka config path`).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// The account.
    #[arg(value_name = "NAME")]
    name: String,
}

/// Arguments of `bramka accounts test-sms`.
#[derive(Debug, Args)]
pub(crate) struct TestSmsArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// The recipient.
    #[arg(long, value_name = "NUMBER")]
    to: String,
    /// The text, at most 150 characters. Default: "bramka test SMS from account NAME".
    #[arg(value_name = "TEXT")]
    text: Option<String>,
}

/// Runs `bramka accounts ...`.
pub(crate) fn run(cmd: &AccountsCommand) -> ExitCode {
    let r = match cmd {
        AccountsCommand::List(a) => list(a),
        AccountsCommand::TestSms(a) => test_sms(a),
        AccountsCommand::Activate(a) => set_active(a, true),
        AccountsCommand::Deactivate(a) => set_active(a, false),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

fn find(config: Option<&std::path::Path>) -> Result<Found, Failure> {
    config_file::discover(config).ok_or_else(|| {
        Failure::usage("no accounts file found").hint(format!("looked at {}", config_file::searched()))
    })
}

fn list(args: &ListArgs) -> Result<(), Failure> {
    let found = find(args.config.as_deref())?;
    let accounts = crate::target::load(&found)?;
    let default = accounts.default_account();
    if args.json {
        let list: Vec<_> = accounts
            .iter()
            .map(|a| {
                json!({
                    "name": a.name(),
                    "dsn": a.dsn_redacted(),
                    "active": a.policy.active,
                    "default": default == Some(a.name()),
                    "senders": a.policy.senders,
                    "default_prefix": a.policy.default_prefix,
                    "allowed_prefixes": a.policy.allowed_prefixes,
                })
            })
            .collect();
        outln!("{}", json!({ "file": found.path.display().to_string(), "accounts": list }));
        return Ok(());
    }
    for a in accounts.iter() {
        let mut line = format!(
            "{}{}  {}  {}",
            a.name(),
            if default == Some(a.name()) { " (default)" } else { "" },
            if a.policy.active { "active" } else { "INACTIVE" },
            a.dsn_redacted()
        );
        if !a.policy.senders.is_empty() {
            line += &format!("  senders: {}", a.policy.senders.join(", "));
        }
        if !a.policy.allowed_prefixes.is_empty() {
            line += &format!("  only to: +{}", a.policy.allowed_prefixes.join(", +"));
        }
        outln!("{}", crate::terminal::line(&line));
    }
    Ok(())
}

fn set_active(args: &NameArgs, active: bool) -> Result<(), Failure> {
    let found = find(args.config.as_deref())?;
    let path = &found.path;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let known =
        || crate::target::load(&found).map(|a| a.iter().map(|a| a.name().to_owned()).collect::<Vec<_>>());
    let Some(table) =
        doc.get_mut("accounts").and_then(|t| t.get_mut(&args.name)).and_then(|t| t.as_table_like_mut())
    else {
        return Err(Failure::usage(format!(
            "no account named {:?} in {}; accounts: {}",
            args.name,
            path.display(),
            known()?.join(", ")
        )));
    };
    table.insert("active", toml_edit::value(active));
    std::fs::write(path, doc.to_string())
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))?;
    // The edited file must still load: a mistake here would stop every command.
    crate::target::load(&found)?;
    eprintln!(
        "{}: account {:?} is now {}",
        path.display(),
        args.name,
        if active { "active" } else { "inactive" }
    );
    Ok(())
}

fn test_sms(args: &TestSmsArgs) -> Result<(), Failure> {
    let target = args.gateway.resolve(ConsoleOut::Stdout)?;
    let Some((accounts, name)) = &target.account else {
        return Err(Failure::usage("test-sms sends through an account: pass --account NAME")
            .hint("or set default_account in the accounts file"));
    };
    let text = args.text.clone().unwrap_or_else(|| format!("bramka test SMS from account {name}"));
    let rt = crate::send::runtime()?;
    let report =
        rt.block_on(accounts.send_test(name, &args.to, &text)).map_err(|e| Failure::from_error(&e))?;
    for r in &report.recipients {
        let id = r.message_id.as_deref().unwrap_or("-");
        outln!("{}  {}  {}", r.to.e164(), r.state.as_str(), crate::terminal::line(id));
    }
    if report.all_accepted() { Ok(()) } else { Err(Failure::failed("the test SMS was rejected")) }
}
