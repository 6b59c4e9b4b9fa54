//! `bramka balance`, `bramka status ID`, `bramka cancel ID`.

use std::process::ExitCode;

use bramka::ErrorKind;
use clap::Args;
use serde_json::json;

use crate::failure::Failure;
use crate::target::{ConsoleOut, GatewayArgs, NOT_CONFIGURED_HINT, Source, Target};

/// Arguments of `bramka balance`.
#[derive(Debug, Args)]
pub(crate) struct BalanceArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `bramka status` and `bramka cancel`.
#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// The operator's message id (status) or the message or bulk id (cancel).
    #[arg(value_name = "ID")]
    id: String,
}

fn resolve(g: &GatewayArgs) -> Result<(Target, tokio::runtime::Runtime), Failure> {
    let target = g.resolve(ConsoleOut::Stderr)?;
    Ok((target, crate::send::runtime()?))
}

fn failure(target: &Target, e: &bramka::Error) -> Failure {
    let f = Failure::from_error(e);
    if target.source == Source::Fallback && e.kind() == ErrorKind::Unsupported {
        f.hint(NOT_CONFIGURED_HINT)
    } else {
        f
    }
}

fn check_id(id: &str) -> Result<(), Failure> {
    if id.trim().is_empty() {
        return Err(Failure::usage("the ID is empty; pass the id `bramka send` printed"));
    }
    Ok(())
}

fn finish(r: Result<(), Failure>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

/// Runs `bramka balance`.
pub(crate) fn balance(args: &BalanceArgs) -> ExitCode {
    finish((|| {
        let (target, rt) = resolve(&args.gateway)?;
        let b = rt.block_on(target.gateway.balance()).map_err(|e| failure(&target, &e))?;
        if args.json {
            crate::out::outln!(
                "{}",
                json!({ "gateway": target.gateway.id(), "amount": b.amount, "unit": b.unit })
            );
        } else {
            crate::out::outln!("{}: {}", target.gateway.id(), crate::terminal::line(&b.to_string()));
        }
        Ok(())
    })())
}

/// Runs `bramka status ID`.
pub(crate) fn status(args: &IdArgs) -> ExitCode {
    finish((|| {
        check_id(&args.id)?;
        let (target, rt) = resolve(&args.gateway)?;
        let r = rt.block_on(target.gateway.status(args.id.trim())).map_err(|e| failure(&target, &e))?;
        if args.json {
            let v = serde_json::to_value(&r)
                .map_err(|e| Failure::failed(format!("cannot print the report as JSON: {e}")))?;
            crate::out::outln!("{v}");
        } else {
            let mut line = format!("{} {}: {} ({})", r.gateway, r.message_id, r.state, r.raw_status);
            if let Some(to) = &r.to {
                line += &format!(", to {}", to.e164());
            }
            if let Some(at) = r.at {
                line += &format!(", at {}", at.to_rfc3339());
            }
            if let Some(c) = &r.error_code {
                line += &format!(", error {c}");
            }
            if let Some(m) = &r.error_message {
                line += &format!(": {m}");
            }
            // Every field but the number came from the operator.
            crate::out::outln!("{}", crate::terminal::line(&line));
        }
        Ok(())
    })())
}

/// Runs `bramka cancel ID`.
pub(crate) fn cancel(args: &IdArgs) -> ExitCode {
    finish((|| {
        check_id(&args.id)?;
        let (target, rt) = resolve(&args.gateway)?;
        rt.block_on(target.gateway.cancel(args.id.trim())).map_err(|e| failure(&target, &e))?;
        if args.json {
            crate::out::outln!(
                "{}",
                json!({ "gateway": target.gateway.id(), "id": args.id.trim(), "canceled": true })
            );
        } else {
            crate::out::outln!("{}: canceled {}", target.gateway.id(), crate::terminal::line(args.id.trim()));
        }
        Ok(())
    })())
}

/// Arguments of `bramka reschedule`.
#[derive(Debug, Args)]
pub(crate) struct RescheduleArgs {
    #[command(flatten)]
    ids: IdArgs,
    /// The new time: RFC 3339 (`2026-05-04T09:30:00+02:00`) or local `YYYY-MM-DD HH:MM`.
    #[arg(long, value_name = "TIME")]
    at: String,
}

/// Which scheduled-message operation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Hold {
    /// `bramka pause ID`.
    Pause,
    /// `bramka resume ID`.
    Resume,
}

/// Runs `bramka pause ID` or `bramka resume ID`.
pub(crate) fn hold(args: &IdArgs, op: Hold) -> ExitCode {
    finish((|| {
        check_id(&args.id)?;
        let (target, rt) = resolve(&args.gateway)?;
        let id = args.id.trim();
        let (r, word) = match op {
            Hold::Pause => (rt.block_on(target.gateway.pause(id)), "paused"),
            Hold::Resume => (rt.block_on(target.gateway.resume(id)), "resumed"),
        };
        r.map_err(|e| failure(&target, &e))?;
        if args.json {
            crate::out::outln!("{}", json!({ "gateway": target.gateway.id(), "id": id, word: true }));
        } else {
            crate::out::outln!("{}: {word} {}", target.gateway.id(), crate::terminal::line(id));
        }
        Ok(())
    })())
}

/// Runs `bramka reschedule ID --at TIME`.
pub(crate) fn reschedule(args: &RescheduleArgs) -> ExitCode {
    finish((|| {
        check_id(&args.ids.id)?;
        let at = crate::schedule::parse_at(&args.at, chrono::Utc::now()).map_err(Failure::usage)?;
        let (target, rt) = resolve(&args.ids.gateway)?;
        let id = args.ids.id.trim();
        rt.block_on(target.gateway.reschedule(id, at)).map_err(|e| failure(&target, &e))?;
        if args.ids.json {
            crate::out::outln!(
                "{}",
                json!({ "gateway": target.gateway.id(), "id": id, "send_at": at.to_rfc3339() })
            );
        } else {
            crate::out::outln!(
                "{}: {} moved to {}",
                target.gateway.id(),
                crate::terminal::line(id),
                at.to_rfc3339()
            );
        }
        Ok(())
    })())
}
