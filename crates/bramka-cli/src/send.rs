//! `bramka send`: one message to a list of recipients, or to a CSV file of numbers in chunks.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use bramka::accounts::Outgoing;
use bramka::encoding::Transliteration;
use bramka::{Error, ErrorKind, Gateway, Message, PhoneNumber, PhonePolicy, Policy, SendState};
use clap::Args;
use serde_json::{Value, json};

use crate::failure::Failure;
use crate::target::{ConsoleOut, FALLBACK_DSN, GatewayArgs, Source};
use bramka::numbers_file;

/// Arguments of `bramka send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// Recipients: one number or a list (`"+48 600 100 200, 600100201"`); repeatable.
    #[arg(long, value_name = "LIST", required_unless_present = "to_file")]
    to: Vec<String>,
    /// Recipients from a CSV file: the column named phone, number or to, else the first column;
    /// the header is optional. Sent in chunks with a progress bar on a terminal.
    #[arg(long, value_name = "PATH")]
    to_file: Option<PathBuf>,
    /// With --to-file: send to the good rows even if some rows are bad (else nothing is sent).
    #[arg(long, requires = "to_file")]
    skip_invalid: bool,
    /// Recipients per request with --to-file (capped by the gateway's batch size).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    chunk_size: u32,
    /// The sender: a name (1 to 11 characters), a number or a short code; with --account, one of
    /// the account's senders.
    #[arg(long, value_name = "SENDER")]
    from: Option<String>,
    /// Country code for numbers of 9 digits or fewer (`48`).
    #[arg(long, value_name = "CC")]
    default_prefix: Option<String>,
    /// Replace characters GSM-7 lacks (ą -> a) so the text stays GSM-7 (cheaper, 160 per part).
    #[arg(long)]
    transliterate: bool,
    /// Part cap, 1 to 255 (default 7, or the account's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=255))]
    max_parts: Option<u8>,
    /// Send later: RFC 3339 (`2026-05-04T09:30:00+02:00`) or local `YYYY-MM-DD HH:MM`.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// How long the operator keeps trying to deliver: `30m`, `6h`, `2d` (operators clamp it to
    /// their own limits).
    #[arg(long, value_name = "DURATION", value_parser = parse_validity)]
    validity: Option<std::time::Duration>,
    /// Send as a flash SMS (shown at once, not stored), where the operator offers it.
    #[arg(long)]
    flash: bool,
    /// The idempotency key (1 to 64 letters and digits): resending with the same key lets
    /// operators that de-duplicate refuse a second copy. Default: a fresh random one.
    #[arg(long, value_name = "REF")]
    client_ref: Option<String>,
    /// With --to-file: send as the named campaign, recorded in the ledger (--ledger) before the
    /// first request. Run the same command again after an interruption (even a kill) to resume:
    /// recipients never attempted are sent, none twice; those that may have gone out are listed.
    #[arg(long, value_name = "NAME", requires = "to_file")]
    campaign: Option<String>,
    /// The ledger file (SQLite) recording every send, its outcome and campaigns; created if
    /// missing. Default with --campaign: ./bramka-ledger.db.
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// Print the report as one JSON object (the console gateway then prints to stderr); with a
    /// personalised text, one JSON object per distinct text, one per line.
    #[arg(long)]
    json: bool,
    /// Analyse every text and print the plan (texts, parts, cost), then stop: nothing is sent.
    #[arg(long)]
    dry_run: bool,
    /// The price of one SMS part, to print the cost of the send in the plan (`0.16`).
    #[arg(long, value_name = "AMOUNT")]
    price_per_part: Option<f64>,
    /// The text; `-` (or nothing, with input piped) reads standard input, without one trailing
    /// newline. With --to-file, `{column}` merge fields are filled from each recipient's row
    /// (`"Dzień dobry {imie}, kod: {kod}"`): one request per distinct text.
    #[arg(value_name = "TEXT")]
    text: Option<String>,
}

/// One recipient's outcome.
struct Row {
    to: PhoneNumber,
    state: &'static str,
    accepted: bool,
    message_id: Option<String>,
    parts: Option<u32>,
    error: Option<Error>,
}

/// Everything sent, across chunks.
struct Outcome {
    gateway: String,
    batch_ids: Vec<String>,
    notes: Vec<String>,
    rows: Vec<Row>,
    /// The error that stopped the send (the remaining recipients were not attempted).
    fatal: Option<Error>,
    /// Requests made (chunks), each with its own client reference when more than one.
    chunks: usize,
}

/// Runs `bramka send`.
pub(crate) fn run(args: &SendArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(f) => f.report(),
    }
}

fn run_inner(args: &SendArgs) -> Result<ExitCode, Failure> {
    let text = read_text(args)?;
    let send_at = match &args.at {
        Some(at) => Some(crate::schedule::parse_at(at, chrono::Utc::now()).map_err(Failure::usage)?),
        None => None,
    };
    let out = if args.json { ConsoleOut::Stderr } else { ConsoleOut::Stdout };
    let target = args.gateway.resolve(out)?;
    let account_prefix = target
        .account
        .as_ref()
        .and_then(|(a, name)| a.get(name))
        .and_then(|a| a.policy.default_prefix.clone());
    let prefix = args.default_prefix.clone().or(account_prefix);
    let phone_policy = match &prefix {
        Some(p) => {
            let policy = PhonePolicy::with_default_prefix(p);
            policy.validate().map_err(|e| Failure::usage(e.to_string()))?;
            policy
        }
        None => PhonePolicy::default(),
    };
    let (numbers, skipped_rows, file) = recipients(args, &phone_policy)?;
    let personalised = args.to_file.is_some() && !crate::personalise::fields_in(&text).is_empty();
    if personalised {
        if !args.to.is_empty() {
            return Err(Failure::usage(
                "a text with {merge} fields takes its recipients from --to-file only",
            )
            .hint("put the --to numbers in the file with their columns"));
        }
        if args.campaign.is_some() {
            return Err(Failure::usage("--campaign does not take a text with {merge} fields yet")
                .hint("send without --campaign, or with a text without merge fields"));
        }
        let (columns, rows) = file.unwrap_or_default();
        let groups = crate::personalise::group(&text, &columns, &numbers, &rows).map_err(Failure::usage)?;
        // Every text is built, analysed and checked against the part cap before any request.
        let mut msgs = Vec::with_capacity(groups.len());
        for (i, (t, nums)) in groups.into_iter().enumerate() {
            let m = build(args, &target, t, nums, send_at)?;
            let m = match &args.client_ref {
                Some(r) => with_ref_suffix(&m, r, &format!("p{}", i + 1))
                    .map_err(|e| Failure::usage(e.to_string()))?,
                None => m,
            };
            msgs.push(m);
        }
        return send_personalised(args, target, &msgs, &skipped_rows);
    }
    // In a --to-file text, {{word}} is the literal {word} even without merge fields.
    let text = if args.to_file.is_some() { crate::personalise::unescape(&text) } else { text };
    let msg = build(args, &target, text, numbers, send_at)?;
    if args.dry_run {
        eprint!("{}", plan(std::slice::from_ref(&msg), args.price_per_part));
        return Ok(ExitCode::SUCCESS);
    }
    let mut target = target;
    let ledger = match (&args.ledger, &args.campaign) {
        (Some(p), _) => Some(open_ledger(p)?),
        (None, Some(_)) => Some(open_ledger(std::path::Path::new(crate::campaign::DEFAULT_LEDGER))?),
        (None, None) => None,
    };
    let account =
        target.account.as_ref().map(|(_, n)| n.clone()).unwrap_or_else(|| target.gateway.id().to_owned());
    if let (Some(ledger), Some(name)) = (&ledger, &args.campaign) {
        let chunk = (args.chunk_size as usize).min(target.gateway.capabilities().batch_size.max(1));
        let runtime = runtime()?;
        return crate::campaign::run(&runtime, ledger, name, &account, &target, &msg, chunk, args.json);
    }
    if let Some(ledger) = &ledger {
        let wrapped = ledger.gateway(target.gateway.clone()).account(account);
        target.gateway = std::sync::Arc::new(wrapped);
    }
    if target.source == Source::Fallback {
        eprintln!(
            "note: no gateway configured: using {FALLBACK_DSN}, which prints the message instead of \
             sending it (set --gateway DSN, --account NAME or BRAMKA_DSN to send)"
        );
    }
    if let Some((path, names)) = &target.unused_accounts {
        eprintln!(
            "note: {} has accounts ({}): pick one with --account NAME",
            path.display(),
            names.join(", ")
        );
    }
    let runtime = runtime()?;
    let outcome = runtime.block_on(send_all(&target, &msg, args));
    let mut stdout = std::io::stdout().lock();
    let printed = if args.json {
        writeln!(stdout, "{}", to_json(&msg, &outcome, &skipped_rows))
    } else {
        // The summary quotes operators' answers (ids, errors): escaped for the terminal.
        write!(stdout, "{}", crate::terminal::lines(&summary(&msg, &outcome, &skipped_rows)))
    };
    // A closed pipe (`| head`) is not worth a panic; the exit code still tells.
    let _ = printed.and_then(|()| stdout.flush());
    drop(stdout);
    if let Some(e) = &outcome.fatal {
        let f = Failure::from_error(e);
        let f = if target.source == Source::Fallback && e.kind() == ErrorKind::Unsupported {
            f.hint(crate::target::NOT_CONFIGURED_HINT)
        } else if e.operator_message().contains("no sender") {
            f.hint("pass --from SENDER, or set from= in the DSN")
        } else {
            f
        };
        f.report();
        return Ok(ExitCode::from(crate::failure::FAILED.max(f.code())));
    }
    let rejected = outcome.rows.iter().filter(|r| !r.accepted).count();
    if rejected > 0 {
        eprintln!("error: {rejected} of {} recipient(s) rejected", outcome.rows.len());
        return Ok(ExitCode::from(crate::failure::FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

fn open_ledger(path: &std::path::Path) -> Result<bramka_ledger::Ledger, Failure> {
    bramka_ledger::Ledger::open(path).map_err(|e| {
        Failure::usage(format!("cannot open the ledger {}: {e}", path.display()))
            .hint("pass --ledger PATH to a writable SQLite file (created if missing)")
    })
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))
}

fn read_text(args: &SendArgs) -> Result<String, Failure> {
    let text = match args.text.as_deref() {
        Some("-") => crate::input::read_stdin(),
        Some(t) => Ok(t.to_owned()),
        None if std::io::stdin().is_terminal() => {
            Err("no TEXT given (pass the text, or `-` to read standard input)".to_owned())
        }
        None => crate::input::read_stdin(),
    };
    text.map_err(Failure::usage)
}

/// The recipients of `--to` and `--to-file`, and the bad rows skipped with `--skip-invalid`.
#[allow(clippy::type_complexity)]
fn recipients(
    args: &SendArgs,
    policy: &PhonePolicy,
) -> Result<(Vec<PhoneNumber>, Vec<numbers_file::BadRow>, Option<(Vec<String>, Vec<FileRow>)>), Failure> {
    let mut numbers = Vec::new();
    let mut errors = Vec::new();
    for list in &args.to {
        match bramka::phone::parse_list(list, policy) {
            Ok(n) => numbers.extend(n),
            Err(e) => errors.extend(e.errors.iter().map(|x| format!("--to {x}"))),
        }
    }
    if !errors.is_empty() {
        return Err(Failure::usage(format!("{} bad recipient(s): {}", errors.len(), errors.join("; ")))
            .hint("write numbers in international form (+48 600 100 200) or pass --default-prefix"));
    }
    let mut skipped = Vec::new();
    let mut columns = None;
    if let Some(path) = &args.to_file {
        let file = numbers_file::read(path, policy).map_err(Failure::usage)?;
        if !file.bad.is_empty() {
            for b in &file.bad {
                eprintln!("{}:{}: {:?}: {}", path.display(), b.line, b.input, b.reason);
            }
            if !args.skip_invalid {
                return Err(Failure::usage(format!(
                    "{} bad row(s) in {}; nothing was sent",
                    file.bad.len(),
                    path.display()
                ))
                .hint("fix the rows, or pass --skip-invalid to send to the good ones"));
            }
            skipped = file.bad;
        }
        if file.duplicates > 0 {
            eprintln!("note: {} duplicate number(s) in {} sent once", file.duplicates, path.display());
        }
        numbers.extend(file.numbers);
        columns = Some((file.columns, file.fields));
    }
    let mut seen = std::collections::HashSet::new();
    numbers.retain(|n| seen.insert(n.digits().to_owned()));
    if numbers.is_empty() {
        return Err(Failure::usage("no recipients: pass --to LIST or --to-file PATH with numbers"));
    }
    Ok((numbers, skipped, columns))
}

/// `--validity`: a whole number of minutes (`m`), hours (`h`) or days (`d`), at least 1 minute.
fn parse_validity(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("{s:?} is not a validity; write minutes, hours or days: 30m, 6h, 2d");
    let s = s.trim();
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(n.saturating_mul(secs)))
}

/// One row of `--to-file`, by column name.
type FileRow = std::collections::BTreeMap<String, String>;

/// `msg` with the client reference `{base}{suffix}`, cut to 64 characters.
fn with_ref_suffix(msg: &Message, base: &str, suffix: &str) -> Result<Message, bramka::MessageError> {
    let keep = base.len().min(64 - suffix.len());
    msg.to_builder().client_ref(&format!("{}{suffix}", &base[..keep])).build()
}

/// The plan of a send, before any request: each distinct text with its encoding, parts and
/// recipients, the total of parts and, with a price, the cost.
fn plan(msgs: &[Message], price_per_part: Option<f64>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let mut total_parts = 0u64;
    let mut total_recipients = 0usize;
    for m in msgs {
        let a = m.analysis();
        let n = m.recipients().len();
        total_parts += a.segments() as u64 * n as u64;
        total_recipients += n;
        let _ = writeln!(
            s,
            "  {n} recipient(s) x {} part(s) ({}): {}",
            a.segments(),
            a.encoding(),
            crate::terminal::line(m.text())
        );
    }
    let _ = write!(
        s,
        "plan: {total_recipients} recipient(s), {} distinct text(s), {total_parts} SMS part(s) in total",
        msgs.len()
    );
    if let Some(p) = price_per_part {
        let _ = write!(s, ", cost {:.2} ({total_parts} x {p})", total_parts as f64 * p);
    }
    s.push('\n');
    s
}

/// Sends each personalised text (one request per distinct text, chunked like any send) after
/// printing the plan; `--dry-run` stops after the plan. A failure that would fail every request
/// (auth, funds, configuration) stops the texts not yet sent.
fn send_personalised(
    args: &SendArgs,
    mut target: crate::target::Target,
    msgs: &[Message],
    skipped: &[numbers_file::BadRow],
) -> Result<ExitCode, Failure> {
    eprint!("{}", plan(msgs, args.price_per_part));
    if args.dry_run {
        eprintln!("dry run: nothing was sent");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(p) = &args.ledger {
        let ledger = open_ledger(p)?;
        let account =
            target.account.as_ref().map(|(_, n)| n.clone()).unwrap_or_else(|| target.gateway.id().to_owned());
        target.gateway = std::sync::Arc::new(ledger.gateway(target.gateway.clone()).account(account));
    }
    let runtime = runtime()?;
    let mut rejected = 0;
    let mut total = 0;
    for (i, msg) in msgs.iter().enumerate() {
        let outcome = runtime.block_on(send_all(&target, msg, args));
        if args.json {
            crate::out::outln!("{}", to_json(msg, &outcome, skipped));
        } else {
            crate::out::print(format_args!("{}", crate::terminal::lines(&summary(msg, &outcome, skipped))));
        }
        total += outcome.rows.len();
        rejected += outcome.rows.iter().filter(|r| !r.accepted).count();
        if let Some(e) = &outcome.fatal {
            let left: usize = msgs[i + 1..].iter().map(|m| m.recipients().len()).sum();
            Failure::from_error(e).report();
            if left > 0 {
                eprintln!("error: stopped: {left} recipient(s) of the later texts were not attempted");
            }
            return Ok(ExitCode::from(crate::failure::FAILED));
        }
    }
    if rejected > 0 {
        eprintln!("error: {rejected} of {total} recipient(s) rejected");
        return Ok(ExitCode::from(crate::failure::FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the message: through the account's policy with `--account`, else from the flags.
fn build(
    args: &SendArgs,
    target: &crate::target::Target,
    text: String,
    numbers: Vec<PhoneNumber>,
    send_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Message, Failure> {
    let message_error = |e: bramka::MessageError| {
        Failure::usage(e.to_string()).maybe_hint(match &e {
            bramka::MessageError::Encoding(_) => {
                Some("shorten the text, pass --transliterate, or raise --max-parts".to_owned())
            }
            _ => None,
        })
    };
    let builder = if let Some((accounts, name)) = &target.account {
        if accounts.get(name).is_some_and(|a| !a.policy.active) {
            let file = target
                .config
                .as_ref()
                .map_or_else(|| "the accounts file".to_owned(), |f| f.path.display().to_string());
            return Err(Failure::usage(format!(
                "account {name:?} is inactive (active = false in {file}), so it sends nothing"
            ))
            .hint(format!("activate it with `bramka accounts activate {name}`, or set active = true under [accounts.{name}]")));
        }
        let list: Vec<String> = numbers.iter().map(PhoneNumber::e164).collect();
        let mut outgoing = Outgoing::new(list.join(", "), text);
        if let Some(s) = &args.from {
            outgoing = outgoing.sender(s);
        }
        if let Some(at) = send_at {
            outgoing = outgoing.send_at(at);
        }
        let runtime = runtime()?;
        let msg =
            runtime.block_on(accounts.prepare(name, outgoing)).map_err(|e| Failure::before_sending(&e))?;
        if !args.transliterate && args.max_parts.is_none() && args.client_ref.is_none() {
            return Ok(msg);
        }
        let mut policy = msg.policy().clone();
        if args.transliterate {
            policy = policy.with_transliteration(Transliteration::Gsm7Safe);
        }
        if let Some(n) = args.max_parts {
            policy = policy.with_max_parts(n);
        }
        msg.to_builder().policy(policy)
    } else {
        let mut policy = Policy::default();
        if args.transliterate {
            policy = policy.with_transliteration(Transliteration::Gsm7Safe);
        }
        if let Some(n) = args.max_parts {
            policy = policy.with_max_parts(n);
        }
        let mut b = Message::builder().recipients(numbers).text(text).policy(policy);
        if let Some(s) = &args.from {
            b = b.sender(s);
        }
        if let Some(at) = send_at {
            b = b.send_at(at);
        }
        b
    };
    let mut builder = match &args.client_ref {
        Some(r) => builder.client_ref(r),
        None => builder,
    };
    if let Some(v) = args.validity {
        builder = builder.validity(v);
    }
    if args.flash {
        builder = builder.flash(true);
    }
    builder.build().map_err(message_error)
}

/// Kinds after which later chunks would fail the same way, and a chunk that may have gone out
/// where the operator does not de-duplicate (sending more could not be resumed safely). Where it
/// de-duplicates, the send goes on past a `MaybeSent` chunk: a rerun with the same keys is safe.
fn stops_the_send(e: &Error, dedupe: bool) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Auth
            | ErrorKind::Config
            | ErrorKind::InsufficientFunds
            | ErrorKind::Unsupported
            | ErrorKind::InvalidSender
            | ErrorKind::ContentRejected
            | ErrorKind::Message
    ) || (e.may_have_been_sent() && !dedupe)
}

async fn send_all(target: &crate::target::Target, msg: &Message, args: &SendArgs) -> Outcome {
    // Every request goes through the library's retry policy: transient failures and recipients
    // never attempted are sent again, `MaybeSent` ones only where the operator de-duplicates.
    let gw = &bramka::RetryGateway::new(target.gateway.clone(), bramka::RetryPolicy::new());
    let dedupe = gw.capabilities().idempotency == bramka::Idempotency::ServerDedupe;
    let total = msg.recipients().len();
    let chunk = if args.to_file.is_some() {
        (args.chunk_size as usize).min(gw.capabilities().batch_size.max(1))
    } else {
        total
    };
    let bar = crate::progress::bar(total, args.to_file.is_some() && std::io::stderr().is_terminal());
    let mut outcome = Outcome {
        gateway: gw.id().to_owned(),
        batch_ids: Vec::new(),
        notes: Vec::new(),
        rows: Vec::new(),
        fatal: None,
        chunks: 0,
    };
    let mut index = 0;
    for part in msg.recipients().chunks(chunk.max(1)) {
        if outcome.fatal.is_some() {
            // Never sent: certainly not sent, and carrying no other request's error.
            for to in part {
                outcome.rows.push(Row {
                    to: to.clone(),
                    state: "not_attempted",
                    accepted: false,
                    message_id: None,
                    parts: None,
                    error: None,
                });
            }
            continue;
        }
        index += 1;
        let sub = if part.len() == total { Ok(msg.clone()) } else { chunk_message(msg, part, index) };
        let sent = match sub {
            Ok(sub) => gw.send(&sub).await,
            Err(e) => Err(Error::from(e)),
        };
        match sent {
            Ok(report) => {
                outcome.gateway = report.gateway.clone();
                outcome.batch_ids.extend(report.batch_id.clone());
                outcome.notes.extend(report.notes.iter().cloned());
                for r in &report.recipients {
                    outcome.rows.push(Row {
                        to: r.to.clone(),
                        state: r.state.as_str(),
                        accepted: r.state.is_accepted(),
                        message_id: r.message_id.clone(),
                        parts: r.parts,
                        error: match &r.state {
                            SendState::Rejected(e) => Some(e.clone()),
                            _ => None,
                        },
                    });
                }
            }
            Err(e) => {
                for to in part {
                    outcome.rows.push(Row {
                        to: to.clone(),
                        state: "rejected",
                        accepted: false,
                        message_id: None,
                        parts: None,
                        error: Some(e.clone()),
                    });
                }
                if stops_the_send(&e, dedupe) || part.len() == total {
                    outcome.fatal = Some(e);
                }
            }
        }
        bar.inc(part.len() as u64);
    }
    crate::progress::finish(&bar);
    outcome.chunks = index;
    outcome
}

/// Chunk `index` (1-based) of a bulk send: its own client reference, `{ref}c{index}` (cut to
/// 64 characters), so operators that key a request by it (Infobip's bulk id) see distinct
/// requests, while a rerun with the same `--client-ref` and chunk size gives the same keys.
fn chunk_message(msg: &Message, part: &[PhoneNumber], index: usize) -> Result<Message, bramka::MessageError> {
    let suffix = format!("c{index}");
    let base = msg.client_ref().as_str();
    let keep = base.len().min(64 - suffix.len());
    msg.with_recipients(part.to_vec()).to_builder().client_ref(&format!("{}{suffix}", &base[..keep])).build()
}

/// The JSON error of a recipient: kind, certainty and the details.
pub(crate) fn error_json(e: &Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "certainty": e.certainty(),
        "message": e.operator_message(),
        "code": e.operator_code(),
        "http_status": e.http_status(),
        "gateway": e.gateway(),
        "display": e.to_string(),
    })
}

fn to_json(msg: &Message, o: &Outcome, skipped: &[numbers_file::BadRow]) -> Value {
    let a = msg.analysis();
    let results: Vec<Value> = o
        .rows
        .iter()
        .map(|r| {
            json!({
                "to": r.to.e164(),
                "state": r.state,
                "message_id": r.message_id,
                "parts": r.parts,
                "error": r.error.as_ref().map(error_json),
            })
        })
        .collect();
    let skipped: Vec<Value> =
        skipped.iter().map(|b| json!({ "line": b.line, "input": b.input, "reason": b.reason })).collect();
    json!({
        "gateway": o.gateway,
        "client_ref": msg.client_ref().as_str(),
        "batch_ids": o.batch_ids,
        "sender": msg.sender().map(|s| s.as_string()),
        "send_at": msg.send_at().map(|t| t.to_rfc3339()),
        "text": msg.text(),
        "encoding": a.encoding(),
        "units": a.units(),
        "segments": a.segments(),
        "recipients": msg.recipients().iter().map(PhoneNumber::e164).collect::<Vec<_>>(),
        "accepted": o.rows.iter().filter(|r| r.accepted).count(),
        "rejected": o.rows.iter().filter(|r| !r.accepted).count(),
        "results": results,
        "skipped_rows": skipped,
        "notes": o.notes,
        "error": o.fatal.as_ref().map(error_json),
        "chunks": o.chunks,
    })
}

/// Lists every recipient up to this many; above it only the rejected ones.
const LIST_ALL_UP_TO: usize = 20;

fn summary(msg: &Message, o: &Outcome, skipped: &[numbers_file::BadRow]) -> String {
    use std::fmt::Write as _;
    let a = msg.analysis();
    let mut s = String::new();
    let when = msg.send_at().map(|t| format!(", scheduled for {}", t.to_rfc3339())).unwrap_or_default();
    let _ = writeln!(
        s,
        "{} recipient(s) through {}: {}, {} part(s) each{when} (client ref {})",
        o.rows.len(),
        o.gateway,
        a.encoding(),
        a.segments(),
        msg.client_ref()
    );
    if o.chunks > 1 {
        let r = msg.client_ref();
        let _ = writeln!(s, "sent in {} requests with client refs {r}c1 .. {r}c{}", o.chunks, o.chunks);
    }
    let list_all = o.rows.len() <= LIST_ALL_UP_TO;
    for r in o.rows.iter().filter(|r| list_all || !r.accepted) {
        let _ = write!(s, "  {}  {}", r.to.e164(), r.state);
        if let Some(id) = &r.message_id {
            let _ = write!(s, "  {id}");
        }
        if let Some(e) = &r.error {
            let _ = write!(s, "  {e}");
        }
        s.push('\n');
    }
    for n in &o.notes {
        let _ = writeln!(s, "note: {n}");
    }
    let accepted = o.rows.iter().filter(|r| r.accepted).count();
    let _ = write!(s, "Accepted: {accepted}, rejected: {}", o.rows.len() - accepted);
    if !skipped.is_empty() {
        let _ = write!(s, ", bad rows skipped: {}", skipped.len());
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_references_are_derived_and_fit_64_characters() {
        let long = "a".repeat(64);
        let msg =
            Message::builder().to("+48600100200, +48600100201").text("x").client_ref(&long).build().unwrap();
        let part = &msg.recipients()[1..];
        let c = chunk_message(&msg, part, 12).unwrap();
        assert_eq!(c.client_ref().as_str(), format!("{}c12", "a".repeat(61)));
        assert_eq!(c.recipients(), part);
        let msg = Message::builder().to("+48600100200").text("x").client_ref("abc").build().unwrap();
        assert_eq!(chunk_message(&msg, msg.recipients(), 2).unwrap().client_ref().as_str(), "abcc2");
    }
}
