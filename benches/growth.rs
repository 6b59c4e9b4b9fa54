//! Growth of the parsers of untrusted input with input size: `encoding::analyze` (a GSM-7 text,
//! a Polish text, one grapheme cluster of combining marks), SMSAPI webhook parsing (text length,
//! parameter count, reports per call), Infobip's delivery-report webhook (reports per call) and
//! the CSV export of inbound messages. For each case the time per call at N, 2N, 4N and 8N, and
//! the ratio of each doubling: a linear parser stays near 2x, the goal is at most 2.5x.
//! `cargo bench --bench growth` prints the table; `-- --check` also exits 1 when a ratio is over
//! 2.5x (not a test: timings are the machine's).
//!
//! Measurement, made to hold on a machine shared with other work: the time is the thread's own
//! CPU time where Linux reports it (`/proc/thread-self/schedstat`, so time spent preempted by
//! other processes does not count), else wall time; one warm-up round is discarded; then
//! [`ROUNDS`] rounds each measure every size once, interleaved (N, 2N, 4N, 8N, N, …) so that a
//! burst of load hits all sizes alike; a sample runs the call for at least [`SAMPLE`]; the
//! figure per size is the fastest round (the median is printed beside it).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bramka::encoding::{Policy, analyze};
use bramka::infobip::InfobipWebhooks;
use bramka::smsapi::SmsapiWebhooks;
use bramka::{InboundMessage, WebhookParser, WebhookRequest};
use bramka_inbound::report::{ExportOptions, write_messages_csv};
use bramka_inbound::{Config, Inbound, MemoryStore, MessageQuery, ReceivingNumber, Target};

const GOAL: f64 = 2.5;
/// Measured rounds per case (after one warm-up round).
const ROUNDS: usize = 11;
/// The least time one sample runs the call for.
const SAMPLE: Duration = Duration::from_millis(60);

/// The CPU time this thread has run, when the kernel reports it.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

/// The mean time per call of one sample: CPU time when available, else wall time.
fn sample(f: &mut dyn FnMut()) -> Duration {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    let mut n = 0u32;
    while wall.elapsed() < SAMPLE || n < 3 {
        f();
        n += 1;
    }
    let spent = match (cpu, thread_cpu()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall.elapsed(),
    };
    spent / n
}

fn mo(body: String) -> WebhookRequest {
    WebhookRequest::new("POST", "https://shop.example/smsapi/mo".parse().unwrap())
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(body)
}

fn case<'a>(
    name: &str,
    unit: &str,
    sizes: [usize; 4],
    mut run: impl FnMut(usize) -> Box<dyn FnMut() + 'a>,
) -> bool {
    let mut calls: Vec<Box<dyn FnMut() + 'a>> = sizes.iter().map(|&n| run(n)).collect();
    for f in &mut calls {
        sample(f.as_mut());
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(ROUNDS); sizes.len()];
    for _ in 0..ROUNDS {
        for (f, s) in calls.iter_mut().zip(&mut samples) {
            s.push(sample(f.as_mut()));
        }
    }
    let mut ok = true;
    let mut line = format!("{name:<38}");
    let mut previous: Option<Duration> = None;
    for (n, s) in sizes.iter().zip(&mut samples) {
        s.sort();
        let (best, median) = (s[0], s[s.len() / 2]);
        line += &format!(" {n:>6} {unit}: {:>9.1} µs (median {:>9.1})", us(best), us(median));
        if let Some(p) = previous {
            let r = best.as_secs_f64() / p.as_secs_f64();
            ok &= r <= GOAL;
            line += &format!(" x{r:.2}");
        }
        previous = Some(best);
    }
    println!("{line}  {}", if ok { "linear" } else { "OVER 2.5x" });
    ok
}

/// Builds a text of about `n` bytes.
type MakeText = fn(usize) -> String;

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// An Infobip delivery-report callback with `n` reports.
fn infobip_reports(n: usize) -> WebhookRequest {
    let one = |i: usize| {
        format!(
            r#"{{"bulkId":"B1","messageId":"M{i}","to":"4179302{i:04}","sentAt":"2019-11-09T16:00:00.000+0100","doneAt":"2019-11-09T16:00:00.000+0100","messageCount":1,"status":{{"groupId":3,"groupName":"DELIVERED","id":5,"name":"DELIVERED_TO_HANDSET"}},"error":{{"groupId":0,"groupName":"OK","id":0,"name":"NO_ERROR","permanent":false}}}}"#
        )
    };
    let body = format!(r#"{{"results":[{}]}}"#, (0..n).map(one).collect::<Vec<_>>().join(","));
    WebhookRequest::new("POST", "https://shop.example/infobip/dlr".parse().unwrap())
        .with_header("Content-Type", "application/json")
        .with_body(body)
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let hooks = SmsapiWebhooks::new();
    let mut ok = true;

    let policy = Policy::default().with_max_parts(255);
    let texts: [(&str, MakeText); 3] = [
        ("analyze: GSM-7 text", |n| "Hello world. ".repeat(n / 13 + 1)[..n].to_owned()),
        ("analyze: Polish text (UCS-2)", |n| {
            "Zażółć gęślą jaźń ".repeat(n / 24 + 1).chars().take(n / 2).collect()
        }),
        ("analyze: one cluster of combining marks", |n| format!("a{}", "\u{301}".repeat(n / 2))),
    ];
    for (name, make) in texts {
        let policy = &policy;
        ok &= case(name, "B", [16 << 10, 32 << 10, 64 << 10, 128 << 10], |n| {
            let text = make(n);
            Box::new(move || {
                black_box(analyze(&text, policy));
            })
        });
    }

    ok &= case("smsapi webhook: text length", "B", [8 << 10, 16 << 10, 32 << 10, 63 << 10], |n| {
        let req = mo(format!("sms_from=48500100200&sms_to=48790100200&sms_text={}", "a".repeat(n)));
        let hooks = hooks.clone();
        Box::new(move || {
            black_box(hooks.parse(&req).unwrap());
        })
    });
    ok &= case("smsapi webhook: distinct parameters", "params", [12, 24, 48, 96], |n| {
        let extra: String = (0..n).map(|i| format!("p{i}=v{i}&")).collect();
        let req = mo(format!("{extra}sms_from=48500100200&sms_text=x"));
        let hooks = hooks.clone();
        Box::new(move || {
            black_box(hooks.parse(&req).unwrap());
        })
    });
    ok &= case("smsapi webhook: reports per call", "reports", [12, 24, 48, 96], |n| {
        let ids: Vec<String> = (0..n).map(|i| format!("ID{i}")).collect();
        let statuses = vec!["404"; n].join(",");
        let url = format!("https://shop.example/cb?MsgId={}&status={statuses}", ids.join(","));
        let req = WebhookRequest::new("GET", url.parse().unwrap());
        let hooks = hooks.clone();
        Box::new(move || {
            black_box(hooks.parse(&req).unwrap());
        })
    });
    let infobip = InfobipWebhooks::new();
    ok &= case("infobip webhook: reports per call", "reports", [25, 50, 100, 200], |n| {
        let req = infobip_reports(n);
        let infobip = infobip.clone();
        Box::new(move || {
            black_box(infobip.parse(&req).unwrap());
        })
    });

    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    ok &= case("csv export: messages", "rows", [1000, 2000, 4000, 8000], |n| {
        let store = Arc::new(MemoryStore::new());
        let mut cfg = Config::new();
        cfg.add_number(ReceivingNumber::dedicated("+48790100200")).unwrap();
        cfg.set_default_route("+48790100200", Target::Inbox("office".into())).unwrap();
        let engine = Inbound::new(cfg, store.clone());
        let at = "2026-05-01T10:00:00Z".parse().unwrap();
        rt.block_on(async {
            for i in 0..n {
                let text = if i % 3 == 0 {
                    "=HYPERLINK(\"x\") Zażółć, \"gęślą\""
                } else {
                    "Proszę o kontakt"
                };
                let m = InboundMessage::new(
                    "smsapi",
                    format!("m{i}"),
                    &format!("+4860010{i:04}"),
                    "+48790100200",
                    text,
                    at,
                );
                engine.ingest(&m).await.unwrap();
            }
        });
        let rt = &rt;
        Box::new(move || {
            let mut out = Vec::with_capacity(n * 80);
            let rows = rt
                .block_on(write_messages_csv(
                    store.as_ref(),
                    &MessageQuery::all(),
                    &ExportOptions::default(),
                    &mut out,
                ))
                .unwrap();
            assert_eq!(rows, n as u64);
            black_box(out);
        })
    });
    println!("{}", if ok { "every doubling within 2.5x" } else { "some doubling over 2.5x" });
    if check && !ok {
        std::process::exit(1);
    }
}
