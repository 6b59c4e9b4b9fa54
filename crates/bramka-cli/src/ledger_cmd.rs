//! `bramka ledger messages|daily|export`: queries of the ledger file (bramka-ledger, SQLite).

use std::path::PathBuf;
use std::process::ExitCode;

use bramka_ledger::{Query, State};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::failure::Failure;
use crate::out::outln;

/// `bramka ledger ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum LedgerCommand {
    /// The recorded messages (one line per recipient), newest last.
    Messages(Filter),
    /// Messages per local day and state.
    Daily(Filter),
    /// The matching messages as CSV on standard output (formula cells neutralised).
    Export(Filter),
}

/// Which entries, from which ledger file.
#[derive(Debug, Args)]
pub(crate) struct Filter {
    /// The ledger file (SQLite).
    #[arg(long, value_name = "PATH", default_value = crate::campaign::DEFAULT_LEDGER)]
    ledger: PathBuf,
    /// From this day (`YYYY-MM-DD`, local in --tz) or time (RFC 3339), inclusive.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Until this day (inclusive) or time (exclusive).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only this state (repeatable): pending, accepted, rejected, delivered, failed, ...
    #[arg(long, value_name = "STATE")]
    state: Vec<String>,
    /// Only this campaign.
    #[arg(long, value_name = "NAME")]
    campaign: Option<String>,
    /// Only this account.
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
    /// The time zone of days (IANA name).
    #[arg(long, value_name = "TZ", default_value = "Europe/Warsaw")]
    tz: String,
    /// Print JSON (messages, daily).
    #[arg(long)]
    json: bool,
}

pub(crate) fn parse_time(s: &str, tz: Tz, end_of_day: bool) -> Result<DateTime<Utc>, Failure> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Failure::usage(format!("{s:?} is not a date; write YYYY-MM-DD or an RFC 3339 time")))?;
    let day = if end_of_day { day.succ_opt().unwrap_or(day) } else { day };
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Failure::usage(format!("{s}: no midnight in {tz}")))
}

impl Filter {
    fn query(&self, tz: Tz) -> Result<Query, Failure> {
        let mut q = Query::all();
        q.from = self.from.as_deref().map(|s| parse_time(s, tz, false)).transpose()?;
        q.until = self.until.as_deref().map(|s| parse_time(s, tz, true)).transpose()?;
        for s in &self.state {
            q = q.state(State::parse(s).ok_or_else(|| {
                Failure::usage(format!("{s:?} is not a ledger state")).hint(
                    "states: not_attempted, pending, accepted, rejected, uncertain, delivered, undelivered, expired, canceled, unknown",
                )
            })?);
        }
        if let Some(c) = &self.campaign {
            q = q.campaign(c);
        }
        if let Some(a) = &self.account {
            q = q.account(a);
        }
        Ok(q)
    }
}

/// Runs `bramka ledger ...`.
pub(crate) fn run(cmd: &LedgerCommand) -> ExitCode {
    match run_inner(cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

fn run_inner(cmd: &LedgerCommand) -> Result<(), Failure> {
    let (LedgerCommand::Messages(f) | LedgerCommand::Daily(f) | LedgerCommand::Export(f)) = cmd;
    let tz: Tz =
        f.tz.parse()
            .map_err(|_| Failure::usage(format!("{:?} is not an IANA time zone (Europe/Warsaw)", f.tz)))?;
    let query = f.query(tz)?;
    if !f.ledger.exists() {
        return Err(Failure::usage(format!("no ledger at {}", f.ledger.display()))
            .hint("pass --ledger PATH (bramka send --ledger PATH records one)"));
    }
    let ledger = bramka_ledger::Ledger::open(&f.ledger)
        .map_err(|e| Failure::usage(format!("cannot open the ledger {}: {e}", f.ledger.display())))?;
    let rt = crate::send::runtime()?;
    let fail = |e: &dyn std::fmt::Display| Failure::failed(format!("ledger: {e}"));
    match cmd {
        LedgerCommand::Messages(_) => {
            let entries = rt.block_on(ledger.entries(&query)).map_err(|e| fail(&e))?;
            for e in entries {
                if f.json {
                    outln!(
                        "{}",
                        json!({
                            "created_at": e.created_at.to_rfc3339(), "account": e.account, "campaign": e.campaign,
                            "to": e.to, "state": e.state.as_str(), "operator_id": e.operator_id,
                            "parts": e.parts, "error_message": e.error_message,
                        })
                    );
                } else {
                    let line = format!(
                        "{}  {}  {}  {}  {}{}",
                        e.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                        e.account,
                        e.to,
                        e.state.as_str(),
                        e.operator_id.as_deref().unwrap_or("-"),
                        e.campaign.map(|c| format!("  campaign {c}")).unwrap_or_default()
                    );
                    outln!("{}", crate::terminal::line(&line));
                }
            }
        }
        LedgerCommand::Daily(_) => {
            let days = rt.block_on(ledger.daily_counts(&query, tz)).map_err(|e| fail(&e))?;
            for d in days {
                let states: Vec<String> =
                    d.states.iter().map(|(s, n)| format!("{}={n}", s.as_str())).collect();
                if f.json {
                    let m: serde_json::Map<String, serde_json::Value> =
                        d.states.iter().map(|(s, n)| (s.as_str().to_owned(), json!(n))).collect();
                    outln!("{}", json!({ "date": d.date.to_string(), "total": d.total, "states": m }));
                } else {
                    outln!("{}  {}  {}", d.date, d.total, states.join(" "));
                }
            }
        }
        LedgerCommand::Export(_) => {
            let mut buf = Vec::new();
            rt.block_on(ledger.export_csv(&query, tz, &mut buf)).map_err(|e| fail(&e))?;
            crate::out::print(format_args!("{}", String::from_utf8_lossy(&buf)));
        }
    }
    Ok(())
}
