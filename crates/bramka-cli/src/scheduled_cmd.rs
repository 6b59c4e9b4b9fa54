//! `bramka scheduled`: the messages waiting for their send time. From the operator where its API
//! lists them (Twilio); from the ledger (`--ledger PATH`, the file `bramka send --ledger`
//! records into) for operators whose API cannot (SMSAPI, Infobip), with `--refresh` asking the
//! operator for each one's state by its id first.

use std::path::PathBuf;
use std::process::ExitCode;

use bramka::{Error, ScheduledMessage};
use bramka_ledger::ScheduledSend;
use clap::Args;

use crate::failure::Failure;
use crate::target::{ConsoleOut, GatewayArgs};

/// Arguments of `bramka scheduled`.
#[derive(Debug, Args)]
pub(crate) struct ScheduledArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// Print JSON (one array).
    #[arg(long)]
    json: bool,
    /// List the scheduled sends recorded in this ledger (SQLite) instead of asking the operator:
    /// the way for SMSAPI and Infobip, whose APIs cannot list them.
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// With --ledger: first ask the operator for each recipient's state by its message id, so
    /// sends cancelled elsewhere or already gone drop out.
    #[arg(long, requires = "ledger")]
    refresh: bool,
}

/// The rows of `sends`, one per id cancel/pause/reschedule take: per recipient on operators that
/// act on message ids (SMSAPI), per bulk on Infobip.
pub(crate) fn rows(sends: &[ScheduledSend]) -> Vec<ScheduledMessage> {
    let mut out = Vec::new();
    for s in sends {
        let state = |e: &bramka_ledger::Entry| e.state.as_str().to_owned();
        if s.gateway == "infobip" {
            for (i, id) in s.operation_ids().into_iter().enumerate() {
                let mut m = ScheduledMessage::new(id, s.entries.first().map(state).unwrap_or_default())
                    .with_send_at(s.send_at)
                    .with_text(s.text.clone());
                for e in s.entries.iter().skip(i * 1000).take(1000) {
                    m = m.with_to(e.to.clone());
                }
                out.push(m);
            }
        } else {
            for e in &s.entries {
                let id = e.operator_id.clone().unwrap_or_else(|| "-".into());
                out.push(
                    ScheduledMessage::new(id, state(e))
                        .with_send_at(s.send_at)
                        .with_to(e.to.clone())
                        .with_text(s.text.clone()),
                );
            }
        }
    }
    out
}

/// Runs `bramka scheduled`.
pub(crate) fn run(args: &ScheduledArgs) -> ExitCode {
    let Some(path) = &args.ledger else {
        return crate::account_lists::scheduled_from_operator(&args.gateway, args.json);
    };
    let r = (|| {
        let target = args.gateway.resolve(ConsoleOut::Stderr)?;
        if !path.exists() {
            return Err(Failure::usage(format!("no ledger at {}", path.display()))
                .hint("pass --ledger PATH: the file bramka send --ledger PATH records into"));
        }
        let ledger = bramka_ledger::Ledger::open(path)
            .map_err(|e| Failure::usage(format!("cannot open the ledger {}: {e}", path.display())))?;
        let account =
            target.account.as_ref().map(|(_, n)| n.clone()).unwrap_or_else(|| target.gateway.id().to_owned());
        let rt = crate::send::runtime()?;
        let fail = |e: &dyn std::fmt::Display| Failure::failed(format!("ledger: {e}"));
        let mut sends = rt.block_on(ledger.scheduled(Some(&account))).map_err(|e| fail(&e))?;
        if args.refresh {
            for s in &sends {
                rt.block_on(ledger.refresh_scheduled(target.gateway.as_ref(), s))
                    .map_err(|e: Error| Failure::from_error(&e))?;
            }
            sends = rt.block_on(ledger.scheduled(Some(&account))).map_err(|e| fail(&e))?;
        }
        let list = rows(&sends);
        crate::account_lists::print_scheduled(&list, args.json, &account)
    })();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}
