//! `bramka send --to-file --campaign NAME`: a resumable bulk send recorded in the ledger.

use std::io::Write;
use std::process::ExitCode;

use bramka::Message;
use bramka_ledger::{CampaignReport, Ledger, State, StoreError};
use serde_json::{Value, json};

use crate::failure::Failure;
use crate::target::Target;

/// The ledger file used with `--campaign` when `--ledger` is not given.
pub(crate) const DEFAULT_LEDGER: &str = "bramka-ledger.db";

/// The order states are summarised in: outcomes first, what is left last.
const ORDER: [State; 10] = [
    State::Accepted,
    State::Delivered,
    State::Undelivered,
    State::Expired,
    State::Canceled,
    State::Unknown,
    State::Rejected,
    State::Uncertain,
    State::Pending,
    State::NotAttempted,
];

/// Lists uncertain recipients up to this many.
const LIST_UP_TO: usize = 20;

/// Creates (or finds) the campaign and runs it; a rerun resumes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    runtime: &tokio::runtime::Runtime,
    ledger: &Ledger,
    name: &str,
    account: &str,
    target: &Target,
    msg: &Message,
    chunk: usize,
    as_json: bool,
) -> Result<ExitCode, Failure> {
    let gw = target.gateway.clone();
    let report = runtime.block_on(async {
        ledger.create_campaign(name, account, gw.id(), msg, chunk).await?;
        ledger.run_campaign(name, gw.as_ref()).await
    });
    let report = report.map_err(|e| match e {
        StoreError::CampaignMismatch { .. } => Failure::usage(e.to_string())
            .hint("a campaign name stands for one text and one list of recipients"),
        other => Failure::failed(format!("ledger: {other}")),
    })?;
    let mut out = std::io::stdout().lock();
    let printed =
        if as_json { writeln!(out, "{}", to_json(&report)) } else { write!(out, "{}", summary(&report)) };
    let _ = printed.and_then(|()| out.flush());
    drop(out);
    if let Some(e) = &report.stopped {
        let f = Failure::from_error(e).hint(format!(
            "fix the cause and run the same command again: the {} recipient(s) not attempted will be sent",
            report.count(State::NotAttempted)
        ));
        f.report();
        return Ok(ExitCode::from(crate::failure::FAILED.max(f.code())));
    }
    let rejected = report.count(State::Rejected);
    let uncertain = report.uncertain.len();
    if rejected > 0 || uncertain > 0 {
        eprintln!("error: {rejected} recipient(s) rejected, {uncertain} uncertain");
        return Ok(ExitCode::from(crate::failure::FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

fn counts(r: &CampaignReport) -> Value {
    let mut m = serde_json::Map::new();
    for (s, n) in &r.states {
        m.insert(s.as_str().to_owned(), json!(n));
    }
    Value::Object(m)
}

fn to_json(r: &CampaignReport) -> Value {
    json!({
        "campaign": r.campaign.name,
        "recipients": r.campaign.recipients,
        "states": counts(r),
        "sent_this_run": r.sent,
        "suppressed_this_run": r.suppressed,
        "recovered": r.recovered.iter().map(|e| e.to.clone()).collect::<Vec<_>>(),
        "reconciled": r.reconciled.iter().map(|e| json!({"to": e.to, "state": e.state.as_str(), "message_id": e.operator_id})).collect::<Vec<_>>(),
        "uncertain": r.uncertain.iter().map(|e| json!({"to": e.to, "client_ref": e.client_ref, "error": e.error_message})).collect::<Vec<_>>(),
        "complete": r.is_complete(),
        "error": r.stopped.as_ref().map(crate::send::error_json),
    })
}

fn summary(r: &CampaignReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "campaign {}: {} recipient(s); this run sent {}, refused {} suppressed",
        r.campaign.name, r.campaign.recipients, r.sent, r.suppressed
    );
    if !r.recovered.is_empty() {
        let _ = writeln!(
            s,
            "an earlier run was interrupted: {} recipient(s) may have been sent",
            r.recovered.len()
        );
    }
    if !r.reconciled.is_empty() {
        let _ = writeln!(
            s,
            "{} uncertain recipient(s) settled by asking the operator (status)",
            r.reconciled.len()
        );
    }
    for e in r.uncertain.iter().take(LIST_UP_TO) {
        let _ = writeln!(s, "  {}  uncertain  {}", e.to, e.error_message.as_deref().unwrap_or(""));
    }
    if r.uncertain.len() > LIST_UP_TO {
        let _ = writeln!(s, "  … and {} more uncertain", r.uncertain.len() - LIST_UP_TO);
    }
    if !r.uncertain.is_empty() {
        let _ = writeln!(
            s,
            "note: a rerun first asks the operator about uncertain recipients where it can (status by \
             id, or by key at Infobip), then resends the rest only to operators that refuse duplicates \
             (SMSAPI, Infobip with duplicate rejection trusted), with the same key; elsewhere check \
             them with `bramka status` or the operator's delivery reports"
        );
    }
    let parts: Vec<String> =
        ORDER.iter().filter_map(|st| r.states.get(st).map(|n| format!("{st}: {n}"))).collect();
    let _ = writeln!(s, "{}", parts.join(", "));
    s
}
