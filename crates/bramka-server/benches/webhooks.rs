//! Load: 50,000 SMSAPI inbound webhooks (10 % of them repeated deliveries) posted over loopback
//! by 16 concurrent connections into `bramka serve` on SQLite; prints webhooks per second and
//! p50/p99 latency, and checks that nothing was lost or counted twice.
//!
//! ```text
//! cargo bench -p bramka-server --bench webhooks            # 50,000 webhooks
//! BENCH_WEBHOOKS=5000 cargo bench -p bramka-server --bench webhooks
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bramka_server::{Server, Settings};

const CONNECTIONS: usize = 16;

fn main() {
    let total: usize = std::env::var("BENCH_WEBHOOKS").ok().and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(run(total));
}

async fn run(total: usize) {
    let dir = std::env::temp_dir().join(format!("bramka-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("bench.db");
    let config = format!(
        r#"
[server]
storage = "sqlite:{}"
[accounts.sa]
dsn = "smsapi://token@default"
[[numbers]]
number = "+48790100200"
kind = "shared"
[[polls]]
id = "rating"
name = "Rating"
number = "+48790100200"
prefix = "VOTE"
options = [{{ code = "1" }}, {{ code = "2" }}, {{ code = "3" }}, {{ code = "4" }}, {{ code = "5" }}]
"#,
        db.display()
    );
    let settings = Settings::from_toml("bench.toml", &config, Arc::new(|_: &str| None)).unwrap();
    let server = Server::new(settings).unwrap();
    let hook = server.hook_urls()[0].inbound.clone();
    let path = hook.split_once("://").unwrap().1.split_once('/').unwrap().1.to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/{path}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));

    // Request i carries message i, except every tenth, which repeats the first message of its
    // block of ten (a retried delivery, possibly while the first is still in flight).
    let body = move |i: usize| -> String {
        let n = if i % 10 == 9 { i - 9 } else { i };
        format!(
            "sms_from=486{n:08}&sms_to=48790100200&sms_text=VOTE+{}&sms_date=1780300800&MsgId=bench-{n}",
            n % 5 + 1
        )
    };
    let client = bramka_core::http::client(bramka_core::http::Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_secs(30),
    })
    .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, next) = (client.clone(), url.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failed = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body(i))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                    }
                    _ => failed += 1,
                }
                lat.push(t.elapsed());
            }
            (lat, failed)
        }));
    }
    let mut lat = Vec::with_capacity(total);
    let mut failed = 0;
    for w in workers {
        let (l, f) = w.await.unwrap();
        lat.extend(l);
        failed += f;
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];

    let stats = client
        .get(url.replace(&path, "api/v1/polls/rating/stats"))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let counted = stats["total"].as_u64().unwrap() as usize;
    let distinct: std::collections::BTreeSet<String> =
        (0..total).map(|i| body(i).rsplit('=').next().unwrap().to_owned()).collect();
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "webhooks: {total} ({} distinct messages, {} repeated deliveries), {CONNECTIONS} connections, SQLite",
        distinct.len(),
        total - distinct.len()
    );
    println!(
        "throughput: {:.0} webhooks/s ({:.2} s)",
        total as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(*lat.last().unwrap())
    );
    println!("failed requests: {failed}; votes counted: {counted} (expected {})", distinct.len());
    assert_eq!(failed, 0, "requests failed");
    assert_eq!(counted, distinct.len(), "lost or double-counted votes");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
