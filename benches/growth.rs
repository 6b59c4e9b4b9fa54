//! Growth of the parsers of untrusted input with input size: SMSAPI webhook parsing (text
//! length, parameter count, reports per call) and the CSV export of inbound messages. For each
//! case the time per call at N, 2N, 4N and 8N, and the ratio of each doubling: a linear parser
//! stays near 2x, the goal is at most 2.5x. `cargo bench --bench growth` prints the table;
//! `-- --check` also exits 1 when a ratio is over 2.5x (not a test: timings are the machine's).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bramka::smsapi::SmsapiWebhooks;
use bramka::{InboundMessage, WebhookParser, WebhookRequest};
use bramka_inbound::report::{ExportOptions, write_messages_csv};
use bramka_inbound::{Config, Inbound, MemoryStore, MessageQuery, ReceivingNumber, Target};

const GOAL: f64 = 2.5;

/// The fastest of 5 rounds of the mean time per call, each round at least 100 ms.
fn time(mut f: impl FnMut()) -> Duration {
    f();
    (0..5)
        .map(|_| {
            let mut n = 0u32;
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(100) {
                f();
                n += 1;
            }
            start.elapsed() / n
        })
        .min()
        .unwrap()
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
    let times: Vec<Duration> = sizes.iter().map(|&n| time(run(n))).collect();
    let mut ok = true;
    let mut line = format!("{name:<34}");
    for (i, (n, t)) in sizes.iter().zip(&times).enumerate() {
        line += &format!(" {n:>6} {unit}: {:>9.1} µs", t.as_secs_f64() * 1e6);
        if i > 0 {
            let r = t.as_secs_f64() / times[i - 1].as_secs_f64();
            ok &= r <= GOAL;
            line += &format!(" (x{r:.2})");
        }
    }
    println!("{line}  {}", if ok { "linear" } else { "OVER 2.5x" });
    ok
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let hooks = SmsapiWebhooks::new();
    let mut ok = true;

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
