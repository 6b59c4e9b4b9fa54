//! Reliability under injected faults, counted from the sandbox's own record: bramka's operator
//! crates (built from DSNs with `base_url=` pointing at the sandbox) send through `RetryGateway`
//! while 20 % of send requests fail in every way the sandbox can fail them (and each kind is
//! also scripted once at the start, so every kind certainly occurs).
//!
//! - SMSAPI (`idx` + `check_idx`) and Infobip (client `messageId`, dedupe trusted): every
//!   recipient recorded exactly once: 0 lost, 0 duplicated.
//! - Twilio and Dynmark (no idempotency key): no recipient recorded twice; every recipient the sandbox
//!   recorded but the client does not report accepted is `MaybeSent`, never `NotSent`.
//! - Failover `smsapi || infobip`: no recipient recorded by both.
//!
//! Quick mode (CI): 2,000 recipients per operator. Full mode: `BRAMKA_RELIABILITY_RECIPIENTS=10000
//! cargo test -p bramka-sandbox --test reliability -- --nocapture` (or `reliability/run.sh`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bramka::{Certainty, Gateway, Message, PhoneNumber, RetryGateway, RetryPolicy, SendState};
use bramka_sandbox::{FaultKind, FaultTiming, Operator, Route, RouteFaults, Sandbox, SandboxConfig};
use futures::StreamExt as _;

fn recipients_per_operator() -> usize {
    std::env::var("BRAMKA_RELIABILITY_RECIPIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

/// A sandbox with 20 % faults of every kind on each send route, each kind scripted once first.
async fn start(seed: u64) -> (Sandbox, String) {
    let config = SandboxConfig::default().delivery_delay(None).seed(seed).fault_timing(FaultTiming {
        stall: Duration::from_millis(1500),
        retry_after_secs: 1,
        slow_body: Duration::from_millis(100),
    });
    let sb = Sandbox::new(config);
    let script: Vec<Option<FaultKind>> = FaultKind::ALL.iter().map(|k| Some(*k)).collect();
    for route in [Route::SmsapiSend, Route::InfobipSend, Route::TwilioSend, Route::DynmarkSend] {
        sb.faults().set(route, RouteFaults::every_kind(0.2).then_script(script.clone()));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let app = sb.router();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("sandbox server") });
    (sb, format!("http%3A%2F%2F{addr}%2Fsandbox%2F"))
}

fn retrying(g: Arc<dyn Gateway>) -> RetryGateway<Arc<dyn Gateway>> {
    let policy = RetryPolicy::new()
        .with_max_attempts(12)
        .with_base_delay(Duration::from_millis(20))
        .with_max_delay(Duration::from_millis(300))
        .with_max_retry_after(Duration::from_secs(2))
        .with_deadline(None);
    RetryGateway::new(g, policy).with_seed(1)
}

/// Recipient `i` of an operator's range (distinct across operators by `base`).
fn number(base: u64, i: usize) -> PhoneNumber {
    PhoneNumber::parse(&format!("+48{}", base + i as u64)).expect("valid number")
}

/// Sends `n` recipients in messages sized by `sizes` (cycled), 8 messages at a time; returns
/// every recipient's final state.
async fn send_all(
    gw: &dyn Gateway,
    base: u64,
    n: usize,
    sizes: &[usize],
) -> Vec<(String, SendState, Option<String>)> {
    let mut groups = Vec::new();
    let mut start = 0;
    for &size in sizes.iter().cycle() {
        if start >= n {
            break;
        }
        groups.push((start..(start + size).min(n)).collect::<Vec<_>>());
        start += size;
    }
    let messages: Vec<Message> = groups
        .iter()
        .map(|c| {
            Message::builder()
                .recipients(c.iter().map(|&i| number(base, i)))
                .text("Reliability check: your order 4711 is ready")
                .sender("Shop")
                .build()
                .expect("valid message")
        })
        .collect();
    let results = futures::stream::iter(messages.iter().map(|m| async move {
        let r = gw.send(m).await;
        (m, r)
    }))
    .buffer_unordered(8)
    .collect::<Vec<_>>()
    .await;
    let mut out = Vec::new();
    for (m, r) in results {
        match r {
            Ok(report) => {
                assert_eq!(report.recipients.len(), m.recipients().len(), "one entry per recipient");
                for rr in report.recipients {
                    out.push((rr.to.digits().to_owned(), rr.state, rr.message_id));
                }
            }
            // The contract: `Err` only when every request failed the same way; every recipient shares it.
            Err(e) => {
                for to in m.recipients() {
                    out.push((to.digits().to_owned(), SendState::Rejected(e.clone()), None));
                }
            }
        }
    }
    out
}

fn recorded(sb: &Sandbox, op: Operator) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for r in sb.messages().into_iter().filter(|r| r.operator == op) {
        let digits: String = r.recipient.chars().filter(char::is_ascii_digit).collect();
        m.entry(digits).or_default().push(r.message_id);
    }
    m
}

fn fault_summary(sb: &Sandbox, route: Route) -> HashMap<FaultKind, usize> {
    let mut m = HashMap::new();
    for f in sb.store().faults().into_iter().filter(|f| f.route == route) {
        *m.entry(f.kind).or_insert(0) += 1;
    }
    m
}

fn assert_every_kind(sb: &Sandbox, route: Route) -> usize {
    let faults = fault_summary(sb, route);
    for k in FaultKind::ALL {
        assert!(
            faults.get(&k).copied().unwrap_or(0) > 0,
            "{route:?}: fault {k:?} never injected: {faults:?}"
        );
    }
    faults.values().sum()
}

/// SMSAPI or Infobip: 0 lost, 0 duplicated.
async fn exactly_once(
    op: Operator,
    route: Route,
    dsn: impl FnOnce(&str) -> String,
    base: u64,
    sizes: &[usize],
) {
    let n = recipients_per_operator();
    let (sb, url) = start(u64::from(base as u32)).await;
    let gw = retrying(bramka::connect(&dsn(&url)).expect("DSN"));
    let t = Instant::now();
    let states = send_all(&gw, base, n, sizes).await;
    let record = recorded(&sb, op);
    let faults = assert_every_kind(&sb, route);
    let mut lost = 0;
    let mut duplicated = 0;
    let mut not_accepted = Vec::new();
    for (to, state, _) in &states {
        match record.get(to).map_or(0, Vec::len) {
            0 => lost += 1,
            1 => {}
            _ => duplicated += 1,
        }
        if !state.is_accepted() {
            not_accepted.push(format!("{to}: {state:?}"));
        }
    }
    eprintln!(
        "{op}: {n} recipients in messages of {:?}, {faults} faults injected, {} recorded, {lost} lost, {duplicated} duplicated, {} not accepted, {:.1?}",
        &sizes[..sizes.len().min(2)],
        record.values().map(Vec::len).sum::<usize>(),
        not_accepted.len(),
        t.elapsed()
    );
    assert_eq!(states.len(), n);
    assert_eq!(duplicated, 0, "{op}: recipients recorded twice");
    assert_eq!(lost, 0, "{op}: recipients never recorded");
    assert_eq!(record.len(), n, "{op}: the sandbox recorded recipients nobody sent");
    assert!(
        not_accepted.is_empty(),
        "{op}: recorded once but reported {:?}",
        &not_accepted[..not_accepted.len().min(5)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsapi_no_loss_no_duplicates_under_faults() {
    exactly_once(
        Operator::Smsapi,
        Route::SmsapiSend,
        |url| format!("smsapi://token@default?from=Shop&batch_size=10&timeout=1s&base_url={url}smsapi%2F"),
        500_000_000,
        &[100],
    )
    .await;
}

const INFOBIP_SIZES: [usize; 51] = {
    let mut s = [10; 51];
    s[0] = 1_500;
    s
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infobip_no_loss_no_duplicates_under_faults() {
    exactly_once(
        Operator::Infobip,
        Route::InfobipSend,
        |url| format!("infobip://key@sandbox?from=Shop&trust_dedupe=1&timeout=1s&base_url={url}infobip%2F"),
        510_000_000,
        // Per 2,000: one message of 1,500 (more than the 1,000 one request takes: two requests),
        // then fifty of 10, so the faults also meet many requests.
        &INFOBIP_SIZES,
    )
    .await;
}

/// Twilio or Dynmark (no idempotency key): no recipient recorded twice; every recipient the
/// sandbox recorded but the client does not report accepted is `MaybeSent`, never `NotSent`.
async fn never_twice(op: Operator, route: Route, dsn: impl FnOnce(&str) -> String, base: u64, size: usize) {
    let n = recipients_per_operator();
    let (sb, url) = start(base % 1000 + 3).await;
    let gw = retrying(bramka::connect(&dsn(&url)).expect("DSN"));
    let t = Instant::now();
    let states = send_all(&gw, base, n, &[size]).await;
    let record = recorded(&sb, op);
    let faults = assert_every_kind(&sb, route);
    let (mut accepted, mut maybe, mut maybe_arrived, mut not_sent, mut dup) = (0, 0, 0, 0, 0);
    for (to, state, id) in &states {
        let got = record.get(to).cloned().unwrap_or_default();
        if got.len() > 1 {
            dup += 1;
        }
        match state {
            s if s.is_accepted() => {
                accepted += 1;
                assert_eq!(got.len(), 1, "{to}: reported accepted, recorded {} times", got.len());
                if op == Operator::Twilio {
                    assert_eq!(id.as_ref(), got.first(), "{to}: the reported SID is the recorded one");
                }
            }
            SendState::Rejected(e) if e.certainty() == Certainty::MaybeSent => {
                maybe += 1;
                maybe_arrived += usize::from(!got.is_empty());
            }
            other => {
                not_sent += 1;
                assert!(
                    got.is_empty(),
                    "{to}: recorded by the sandbox but reported certainly not sent: {other:?}"
                );
            }
        }
    }
    eprintln!(
        "{op}: {n} recipients in messages of {size}, {faults} faults injected, {} recorded, {accepted} accepted, {maybe} MaybeSent ({maybe_arrived} of them arrived), {not_sent} NotSent, {dup} duplicated, {:.1?}",
        record.values().map(Vec::len).sum::<usize>(),
        t.elapsed()
    );
    assert_eq!(dup, 0, "{op}: recipients recorded twice");
    assert!(maybe > 0, "{op}: faults after acceptance must surface as MaybeSent somewhere");
    assert!(accepted > n / 2, "{op}: most recipients get through: {accepted} of {n}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_never_duplicates_and_surfaces_ambiguity() {
    never_twice(
        Operator::Twilio,
        Route::TwilioSend,
        |url| format!("twilio://AC00000000000000000000000000000001:authtoken@default?from=%2B15005550006&timeout=1s&base_url={url}twilio%2F"),
        520_000_000,
        50,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynmark_never_duplicates_and_surfaces_ambiguity() {
    never_twice(
        Operator::Dynmark,
        Route::DynmarkSend,
        |url| format!("dynmark://user:pass@default?from=Shop&timeout=1s&base_url={url}dynmark%2F"),
        550_000_000,
        // Three requests of at most 100 per message.
        250,
    )
    .await;
}

const FAILOVER_LEGS: [&str; 2] = [
    "smsapi://token@default?from=Shop&batch_size=10&timeout=1s&base_url={url}smsapi%2F",
    "infobip://key@sandbox?from=Shop&trust_dedupe=1&timeout=1s&base_url={url}infobip%2F",
];

/// Sends through `gw` (a failover of SMSAPI then Infobip on `sb`): no recipient recorded by
/// both; every recipient recorded by neither was reported not accepted, with its certainty.
/// Returns how many were recorded by neither.
async fn failover_check(sb: &Sandbox, gw: &dyn Gateway, label: &str, base: u64) -> usize {
    let n = recipients_per_operator() / 4;
    let states = send_all(gw, base, n, &[100]).await;
    let (a, b) = (recorded(sb, Operator::Smsapi), recorded(sb, Operator::Infobip));
    let mut both = Vec::new();
    let (mut lost, mut via_b) = (0, 0);
    let mut lost_states: HashMap<String, usize> = HashMap::new();
    for (to, state, _) in &states {
        match (a.get(to).map_or(0, Vec::len), b.get(to).map_or(0, Vec::len)) {
            (0, 0) => {
                lost += 1;
                assert!(!state.is_accepted(), "{to}: reported {state:?} but recorded by neither gateway");
                let what = match state {
                    SendState::Rejected(e) => format!("{:?} {:?}", e.certainty(), e.kind()),
                    other => other.as_str().to_owned(),
                };
                *lost_states.entry(what).or_insert(0) += 1;
            }
            (x, y) if x > 0 && y > 0 => both.push(to.clone()),
            (0, _) => via_b += 1,
            _ => {}
        }
    }
    eprintln!(
        "{label}: {n} recipients, {} through smsapi, {via_b} through infobip, {} through both, {lost} recorded by neither: {lost_states:?}",
        a.len(),
        both.len()
    );
    assert!(both.is_empty(), "{label}: delivered through both gateways: {:?}", &both[..both.len().min(5)]);
    assert!(a.values().chain(b.values()).all(|v| v.len() == 1), "{label}: no recipient twice on one gateway");
    lost
}

/// `RetryGateway` around `a || b`: a recipient left `MaybeSent` by `a` is re-sent through `a`
/// only (found with `Gateway::member`), so nobody goes out through both and nobody is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_never_delivers_through_both() {
    let (sb, url) = start(4).await;
    let dsn = FAILOVER_LEGS.map(|l| l.replace("{url}", &url)).join(" || ");
    let gw = retrying(bramka::connect(&dsn).expect("DSN"));
    let lost = failover_check(&sb, &gw, "retry(smsapi || infobip)", 530_000_000).await;
    assert_eq!(lost, 0, "every recipient recorded by one gateway");
}

/// `retry(a) || retry(b)`: each leg retries under its own dedupe, so nothing is left ambiguous.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_of_retrying_legs_loses_none() {
    let (sb, url) = start(5).await;
    let legs: Vec<Arc<dyn Gateway>> = FAILOVER_LEGS
        .iter()
        .map(|l| {
            Arc::new(retrying(bramka::connect(&l.replace("{url}", &url)).expect("DSN"))) as Arc<dyn Gateway>
        })
        .collect();
    let gw = bramka::Failover::new(legs).expect("failover");
    let lost = failover_check(&sb, &gw, "retry(smsapi) || retry(infobip)", 540_000_000).await;
    assert_eq!(lost, 0, "every recipient recorded by one gateway");
}
