//! `bramka inbox` and `bramka poll stats|export`: reports from an inbound store (the SQLite
//! file `bramka serve` writes with `storage = "sqlite:PATH"`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bramka_inbound::SqliteStore;
use bramka_inbound::model::MessageQuery;
use bramka_inbound::report::{ExportOptions, write_answers_csv, write_daily_csv, write_messages_csv};
use bramka_inbound::store::Store;
use chrono_tz::Tz;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::failure::Failure;
use crate::out::outln;

/// The store and time zone of every report.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// The inbound store (SQLite file).
    #[arg(long, value_name = "PATH")]
    store: PathBuf,
    /// The time zone of dates and days (IANA name).
    #[arg(long, value_name = "TZ", default_value = "Europe/Warsaw")]
    tz: String,
}

/// Arguments of `bramka inbox`.
#[derive(Debug, Args)]
pub(crate) struct InboxArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// From this day (`YYYY-MM-DD`, local) or time (RFC 3339), inclusive.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Until this day (inclusive) or time (exclusive).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only messages to this receiving number.
    #[arg(long, value_name = "NUMBER")]
    to: Option<String>,
    /// Messages per day (`date,messages`) instead of the messages.
    #[arg(long)]
    daily: bool,
}

/// `bramka poll ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum PollCommand {
    /// Accepted answers per option, with percentages that sum to 100.
    Stats(PollArgs),
    /// Every answer of the poll as CSV (`date,time,sender,text,status,option,code`).
    Export(PollArgs),
}

/// Arguments of `bramka poll stats|export`.
#[derive(Debug, Args)]
pub(crate) struct PollArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The poll id.
    #[arg(value_name = "POLL")]
    poll: String,
    /// Print JSON (stats).
    #[arg(long)]
    json: bool,
}

fn open(args: &StoreArgs) -> Result<(SqliteStore, Tz), Failure> {
    let tz: Tz = args
        .tz
        .parse()
        .map_err(|_| Failure::usage(format!("{:?} is not an IANA time zone (Europe/Warsaw)", args.tz)))?;
    if !Path::new(&args.store).exists() {
        return Err(Failure::usage(format!("no inbound store at {}", args.store.display()))
            .hint("pass --store PATH: the file of storage = \"sqlite:PATH\" in bramka.toml"));
    }
    let store = SqliteStore::open(&args.store)
        .map_err(|e| Failure::usage(format!("cannot open {}: {e}", args.store.display())))?;
    Ok((store, tz))
}

fn finish(r: Result<(), Failure>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

/// Runs `bramka inbox`.
pub(crate) fn inbox(args: &InboxArgs) -> ExitCode {
    finish((|| {
        let (store, tz) = open(&args.store)?;
        let mut q = MessageQuery::all();
        q.since = args.from.as_deref().map(|s| crate::ledger_cmd::parse_time(s, tz, false)).transpose()?;
        q.until = args.until.as_deref().map(|s| crate::ledger_cmd::parse_time(s, tz, true)).transpose()?;
        if let Some(to) = &args.to {
            q = q.to(to);
        }
        let opts = ExportOptions::default().time_zone(tz);
        let rt = crate::send::runtime()?;
        let mut buf = Vec::new();
        let r = if args.daily {
            rt.block_on(write_daily_csv(&store, &q, &opts, &mut buf))
        } else {
            rt.block_on(write_messages_csv(&store, &q, &opts, &mut buf))
        };
        r.map_err(|e| Failure::failed(format!("inbound store: {e}")))?;
        crate::out::print(format_args!("{}", String::from_utf8_lossy(&buf)));
        Ok(())
    })())
}

/// Runs `bramka poll ...`.
pub(crate) fn poll(cmd: &PollCommand) -> ExitCode {
    finish((|| {
        let (PollCommand::Stats(args) | PollCommand::Export(args)) = cmd;
        let (store, tz) = open(&args.store)?;
        let rt = crate::send::runtime()?;
        match cmd {
            PollCommand::Stats(_) => {
                let counts = rt
                    .block_on(store.vote_counts(&args.poll))
                    .map_err(|e| Failure::failed(format!("inbound store: {e}")))?;
                if counts.is_empty() {
                    return Err(Failure::failed(format!("no accepted answers for poll {:?}", args.poll))
                        .hint("check the poll id (the id in [[polls]] of bramka.toml)"));
                }
                let rows = labelled(&args.store.store, &args.poll, &counts);
                let values: Vec<u64> = rows.iter().map(|r| r.votes).collect();
                let hundredths = bramka_inbound::stats::largest_remainder(&values);
                let total: u64 = values.iter().sum();
                if args.json {
                    let options: Vec<_> = rows
                        .iter()
                        .zip(&hundredths)
                        .map(|(r, h)| {
                            json!({ "option": r.code, "label": r.label, "votes": r.votes, "percent": f64::from(*h) / 100.0 })
                        })
                        .collect();
                    outln!("{}", json!({ "poll": args.poll, "total": total, "options": options }));
                } else {
                    for (r, h) in rows.iter().zip(&hundredths) {
                        outln!(
                            "{}  {}  {}.{:02}%",
                            crate::terminal::line(&r.label),
                            r.votes,
                            h / 100,
                            h % 100
                        );
                    }
                    outln!("total  {total}");
                }
            }
            PollCommand::Export(_) => {
                let mut buf = Vec::new();
                let opts = ExportOptions::default().time_zone(tz);
                rt.block_on(write_answers_csv(&store, &args.poll, &opts, &mut buf))
                    .map_err(|e| Failure::failed(format!("inbound store: {e}")))?;
                crate::out::print(format_args!("{}", String::from_utf8_lossy(&buf)));
            }
        }
        Ok(())
    })())
}

/// One line of `bramka poll stats`.
struct OptionRow {
    code: String,
    /// The code with the words that select it, `1 (tak, yes)`; the code alone when the poll's
    /// definition is not in the store.
    label: String,
    votes: u64,
}

/// The counts with their options' labels, in the poll's option order (options without a vote
/// included), from the poll definitions `bramka serve` keeps in the same file; codes the
/// definition does not know (an option since removed) follow with their code as label.
fn labelled(store: &Path, poll: &str, counts: &std::collections::BTreeMap<String, u64>) -> Vec<OptionRow> {
    let mut rows: Vec<OptionRow> = Vec::new();
    for o in poll_options(store, poll) {
        let label = if o.aliases.is_empty() {
            o.code.clone()
        } else {
            format!("{} ({})", o.code, o.aliases.join(", "))
        };
        rows.push(OptionRow { votes: counts.get(&o.code).copied().unwrap_or(0), code: o.code, label });
    }
    for (code, n) in counts {
        if !rows.iter().any(|r| &r.code == code) {
            rows.push(OptionRow { code: code.clone(), label: code.clone(), votes: *n });
        }
    }
    rows
}

#[cfg(feature = "serve")]
fn poll_options(store: &Path, poll: &str) -> Vec<bramka_inbound::definition::OptionDef> {
    bramka_server::defs::DefStore::open(store)
        .and_then(|d| d.polls())
        .ok()
        .and_then(|polls| polls.into_iter().find(|p| p.id == poll))
        .map(|p| p.options)
        .unwrap_or_default()
}

#[cfg(not(feature = "serve"))]
fn poll_options(_store: &Path, _poll: &str) -> Vec<bramka_inbound::definition::OptionDef> {
    Vec::new()
}
