//! What an operator account holds: `bramka scheduled` (messages waiting for their send time),
//! `bramka numbers` (receiving numbers) and `bramka senders list|add|default|delete` (sender
//! names). An operator without the capability is refused before any request, naming it.

use std::process::ExitCode;

use bramka::{Capability, Error, ScheduledMessage};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::failure::Failure;
use crate::target::{ConsoleOut, GatewayArgs, NOT_CONFIGURED_HINT, Source, Target};

/// How many characters of a scheduled message's text the table shows.
const EXCERPT_CHARS: usize = 40;

/// Arguments of `bramka scheduled` and `bramka numbers`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// Print JSON (one array).
    #[arg(long)]
    json: bool,
}

/// `bramka senders …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SendersCommand {
    /// List the sender names with their approval state and which is the default.
    List(ListArgs),
    /// Request a new sender name (the operator usually approves it later).
    Add(NameArgs),
    /// Make a sender name the one used when a message names none.
    Default(NameArgs),
    /// Delete a sender name.
    Delete(NameArgs),
}

/// Arguments of `bramka senders add|default|delete NAME`.
#[derive(Debug, Args)]
pub(crate) struct NameArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// The sender name (`Sklep`).
    #[arg(value_name = "NAME")]
    name: String,
}

fn finish(r: Result<(), Failure>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

fn failure(target: &Target, e: &Error) -> Failure {
    let f = Failure::from_error(e);
    if target.source == Source::Fallback && e.kind() == bramka::ErrorKind::Unsupported {
        f.hint(NOT_CONFIGURED_HINT)
    } else {
        f
    }
}

/// Resolves the gateway and refuses, before any request, one without `cap`.
fn resolve(g: &GatewayArgs, cap: Capability) -> Result<(Target, tokio::runtime::Runtime), Failure> {
    let target = g.resolve(ConsoleOut::Stderr)?;
    if !target.gateway.capabilities().supports(cap) {
        let e = Error::unsupported(target.gateway.id().to_owned(), cap);
        return Err(failure(&target, &e));
    }
    Ok((target, crate::send::runtime()?))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(v).map_err(|e| Failure::failed(format!("cannot print the answer as JSON: {e}")))
}

/// The first [`EXCERPT_CHARS`] characters of a text on one line, `…` when cut.
fn excerpt(text: &str) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(EXCERPT_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// One tab-separated table row, each field (the operator's words) escaped for the terminal.
fn row(fields: &[&str]) -> String {
    fields.iter().map(|f| crate::terminal::line(f)).collect::<Vec<_>>().join("\t")
}

fn scheduled_line(m: &ScheduledMessage) -> String {
    let to = if m.to.is_empty() { "-".to_owned() } else { m.to.join(",") };
    let at = m.send_at.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
    let text = m.text.as_deref().map_or_else(|| "-".to_owned(), excerpt);
    row(&[&m.id, &to, &at, &m.status, &text])
}

/// `bramka scheduled` from the operator's own list (see `scheduled_cmd` for the ledger's).
pub(crate) fn scheduled_from_operator(gateway: &GatewayArgs, json: bool) -> ExitCode {
    finish((|| {
        let target = gateway.resolve(ConsoleOut::Stderr)?;
        if !target.gateway.capabilities().supports(Capability::ListScheduled) {
            let e = Error::unsupported(target.gateway.id().to_owned(), Capability::ListScheduled);
            let f = failure(&target, &e);
            return Err(if target.source == Source::Fallback {
                f
            } else {
                f.hint("its API cannot list scheduled messages: pass --ledger PATH (the file bramka send --ledger records into) to list the ones sent through bramka")
            });
        }
        let rt = crate::send::runtime()?;
        let list = rt.block_on(target.gateway.scheduled()).map_err(|e| failure(&target, &e))?;
        print_scheduled(&list, json, target.gateway.id())
    })())
}

/// Prints scheduled messages as a table (or JSON).
pub(crate) fn print_scheduled(list: &[ScheduledMessage], json: bool, whose: &str) -> Result<(), Failure> {
    if json {
        crate::out::outln!("{}", to_json(&list)?);
    } else if list.is_empty() {
        eprintln!("{}: no scheduled messages", crate::terminal::line(whose));
    } else {
        crate::out::outln!("ID\tTO\tSEND AT\tSTATUS\tTEXT");
        for m in list {
            crate::out::outln!("{}", scheduled_line(m));
        }
    }
    Ok(())
}

/// Runs `bramka numbers`.
pub(crate) fn numbers(args: &ListArgs) -> ExitCode {
    finish((|| {
        let (target, rt) = resolve(&args.gateway, Capability::ReceivingNumbers)?;
        let list = rt.block_on(target.gateway.numbers()).map_err(|e| failure(&target, &e))?;
        if args.json {
            crate::out::outln!("{}", to_json(&list)?);
        } else if list.is_empty() {
            eprintln!("{}: no receiving numbers", target.gateway.id());
        } else {
            crate::out::outln!("NUMBER\tID\tSMS\tLABEL");
            for n in &list {
                let sms = match n.sms {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                };
                let id = n.id.as_deref().unwrap_or("-");
                let line = row(&[&n.number, id, sms, n.label.as_deref().unwrap_or("-")]);
                crate::out::outln!("{line}");
            }
        }
        Ok(())
    })())
}

fn check_name(name: &str) -> Result<&str, Failure> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Failure::usage("the sender NAME is empty; pass the name as phones show it (`Sklep`)"));
    }
    Ok(n)
}

/// Runs `bramka senders …`.
pub(crate) fn senders(cmd: &SendersCommand) -> ExitCode {
    finish((|| match cmd {
        SendersCommand::List(args) => {
            let (target, rt) = resolve(&args.gateway, Capability::SenderNames)?;
            let list = rt.block_on(target.gateway.senders()).map_err(|e| failure(&target, &e))?;
            if args.json {
                crate::out::outln!("{}", to_json(&list)?);
            } else if list.is_empty() {
                eprintln!("{}: no sender names", target.gateway.id());
            } else {
                crate::out::outln!("NAME\tSTATUS\tDEFAULT");
                for s in &list {
                    let line = row(&[&s.name, s.status.as_str(), if s.is_default { "default" } else { "-" }]);
                    crate::out::outln!("{line}");
                }
            }
            Ok(())
        }
        SendersCommand::Add(args) => {
            let name = check_name(&args.name)?;
            let (target, rt) = resolve(&args.gateway, Capability::SenderNames)?;
            let s = rt.block_on(target.gateway.add_sender(name)).map_err(|e| failure(&target, &e))?;
            if args.json {
                crate::out::outln!("{}", to_json(&s)?);
            } else {
                let line = format!("{}: requested {} ({})", target.gateway.id(), s.name, s.status);
                crate::out::outln!("{}", crate::terminal::line(&line));
            }
            Ok(())
        }
        SendersCommand::Default(args) | SendersCommand::Delete(args) => {
            let name = check_name(&args.name)?;
            let (target, rt) = resolve(&args.gateway, Capability::SenderNames)?;
            let (r, word) = if matches!(cmd, SendersCommand::Default(_)) {
                (rt.block_on(target.gateway.set_default_sender(name)), "default")
            } else {
                (rt.block_on(target.gateway.delete_sender(name)), "deleted")
            };
            r.map_err(|e| failure(&target, &e))?;
            if args.json {
                crate::out::outln!("{}", json!({ "gateway": target.gateway.id(), "name": name, word: true }));
            } else {
                let line = match word {
                    "default" => format!("{}: {name} is the default sender", target.gateway.id()),
                    _ => format!("{}: deleted {name}", target.gateway.id()),
                };
                crate::out::outln!("{}", crate::terminal::line(&line));
            }
            Ok(())
        }
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_cuts_long_texts_on_characters_and_flattens_lines() {
        assert_eq!(excerpt("Hi\nthere"), "Hi there");
        let long = "ż".repeat(50);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.ends_with('…') && e.starts_with("żż"), "{e}");
        assert_eq!(excerpt(&"a".repeat(EXCERPT_CHARS)), "a".repeat(EXCERPT_CHARS));
    }
}
