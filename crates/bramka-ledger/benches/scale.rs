//! Delivery reports applied per second with 1, 2 and 4 concurrent writers, on PostgreSQL (a
//! throw-away local cluster, durable commits and asynchronous commits) and on SQLite (a WAL file),
//! in one run, with the CPU time the client and the server spent per report (Linux `/proc`), to
//! show where the time goes. Each report moves one `accepted` entry to `delivered` (one
//! transaction: the operator-id lock, the entry's row lock, the update).
//! `cargo bench -p bramka-ledger --features postgres --bench scale` (`-- --quick` for a short
//! run). Needs the PostgreSQL server binaries, like the tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bramka_ledger::{
    Applied, Delivery, Intent, MessageRecord, Outcome, PostgresStore, SendOptions, SqliteStore, State, Store,
};
use bramka_pgtest::{Cluster, Durability};
use chrono::Utc;

/// utime + stime of a process, in clock ticks.
fn ticks(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

fn server_ticks(cluster: Option<&Cluster>) -> u64 {
    cluster.map_or(0, |c| c.server_pids().iter().map(|p| ticks(&p.to_string())).sum())
}

struct Row {
    writers: usize,
    per_sec: f64,
    client_ms: f64,
    server_ms: f64,
}

/// Records `n` accepted entries with operator ids `OP0`…, in batches.
async fn prefill(store: &dyn Store, n: usize) {
    let now = Utc::now();
    for start in (0..n).step_by(500) {
        let end = (start + 500).min(n);
        let message = MessageRecord {
            id: 0,
            client_ref: "bench".into(),
            account: "shop".into(),
            gateway: "smsapi".into(),
            sender: None,
            text: "Your order shipped".into(),
            encoding: "gsm7".into(),
            parts: 1,
            send_at: None,
            campaign: None,
            options: SendOptions::default(),
            created_at: now,
        };
        let recipients = (start..end).map(|i| (format!("+48600{i:06}"), format!("bench{i}"))).collect();
        let entries = store.record_intent(Intent::new(message, recipients, State::Pending)).await.unwrap();
        let outcomes = entries
            .iter()
            .zip(start..end)
            .map(|(e, i)| {
                let mut o = Outcome::new(e.id, State::Accepted, now);
                o.gateway = Some("smsapi".into());
                o.operator_id = Some(format!("OP{i}"));
                o
            })
            .collect();
        store.record_outcomes(outcomes).await.unwrap();
    }
}

/// `writers` tasks apply `per_writer` distinct delivery reports each.
async fn measure(store: Arc<dyn Store>, cluster: Option<&Cluster>, writers: usize, per_writer: usize) -> Row {
    // One spare entry per writer for the warm-up (connections open, statements prepared).
    prefill(&*store, writers * (per_writer + 1)).await;
    let report =
        |i: usize| Delivery::new("smsapi", format!("OP{i}"), State::Delivered, "DELIVERED", Utc::now());
    for w in 0..writers {
        let i = writers * per_writer + w;
        assert!(matches!(store.apply_delivery(report(i)).await.unwrap(), Applied::Updated { .. }));
    }
    let (c0, s0) = (ticks("self"), server_ticks(cluster));
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in w * per_writer..(w + 1) * per_writer {
                    let applied = store.apply_delivery(report(i)).await.unwrap();
                    assert!(matches!(applied, Applied::Updated { .. }), "{applied:?}");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let (c1, s1) = (ticks("self"), server_ticks(cluster));
    let n = (writers * per_writer) as f64;
    let tick_ms = 10.0; // USER_HZ is 100 on Linux
    Row {
        writers,
        per_sec: n / secs,
        client_ms: c1.saturating_sub(c0) as f64 * tick_ms / n,
        server_ms: s1.saturating_sub(s0) as f64 * tick_ms / n,
    }
}

fn print(name: &str, rows: &[Row]) {
    let one = rows[0].per_sec;
    for r in rows {
        println!(
            "| {name} | {} | {:.0} | {:.2}x | {:.3} | {:.3} |",
            r.writers,
            r.per_sec,
            r.per_sec / one,
            r.client_ms,
            r.server_ms
        );
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let total = if quick { 400 } else { 4000 };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!(
        "| store | writers | reports/s | vs 1 writer | client CPU ms/report | server CPU ms/report |\n|---|---|---|---|---|---|"
    );
    for (name, durability) in [
        ("PostgreSQL, durable commit", Durability::Durable),
        ("PostgreSQL, synchronous_commit=off", Durability::AsyncCommit),
    ] {
        let cluster = Cluster::start(durability).unwrap_or_else(|e| panic!("{e}"));
        let mut rows = Vec::new();
        for writers in [1, 2, 4] {
            let db = cluster.create_database().unwrap_or_else(|e| panic!("{e}"));
            let store = rt.block_on(PostgresStore::connect_with_pool_size(db.url(), writers)).unwrap();
            rows.push(rt.block_on(measure(Arc::new(store), Some(&cluster), writers, total / writers)));
            std::thread::sleep(Duration::from_millis(200));
        }
        print(name, &rows);
    }
    let mut rows = Vec::new();
    for writers in [1, 2, 4] {
        let path =
            std::env::temp_dir().join(format!("bramka-ledger-scale-{}-{writers}.db", std::process::id()));
        let store = SqliteStore::open(&path).unwrap();
        rows.push(rt.block_on(measure(Arc::new(store), None, writers, total / writers)));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
    print("SQLite, WAL file (synchronous=NORMAL)", &rows);
}
