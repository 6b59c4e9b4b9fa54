//! Messages ingested per second with 1, 2 and 4 concurrent writers, on PostgreSQL (a throw-away
//! local cluster, durable commits and asynchronous commits) and on SQLite (a WAL file), in one run,
//! with the CPU time the client and the server spent per message (Linux `/proc`), to show where
//! the time goes. `cargo bench -p bramka-inbound --features postgres --bench scale`
//! (`-- --quick` for a short run). Needs the PostgreSQL server binaries, like the tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bramka_core::InboundMessage;
use bramka_inbound::{Config, Inbound, Poll, PollOption, PostgresStore, ReceivingNumber, SqliteStore, Store};
use bramka_pgtest::{Cluster, Durability};

const NUM: &str = "+48790100200";

fn engine(store: Arc<dyn Store>) -> Arc<Inbound> {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUM)).unwrap();
    cfg.add_poll(
        Poll::builder("p", "p", NUM)
            .prefix("GŁOSUJĘ")
            .option(PollOption::new("A").alias("tak"))
            .option(PollOption::new("B").alias("nie"))
            .default_reply("Dziękujemy")
            .build()
            .unwrap(),
    )
    .unwrap();
    Arc::new(Inbound::new(cfg, store))
}

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

/// `writers` tasks ingest `per_writer` distinct poll answers each (a vote, a counter and a reply
/// in the outbox per message).
async fn measure(store: Arc<dyn Store>, cluster: Option<&Cluster>, writers: usize, per_writer: usize) -> Row {
    let engine = engine(store);
    let at = "2026-05-01T10:00:00Z".parse().unwrap();
    let msg = move |w: usize, i: usize| {
        let from = format!("+48600{:02}{i:04}", w);
        InboundMessage::new("smsapi", format!("w{w}-{i}"), &from, NUM, "glosuje: tak", at)
    };
    // Warm up: connections open, statements prepared.
    for w in 0..writers {
        engine.ingest(&msg(w, per_writer)).await.unwrap();
    }
    let (c0, s0) = (ticks("self"), server_ticks(cluster));
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let e = engine.clone();
            tokio::spawn(async move {
                for i in 0..per_writer {
                    e.ingest(&msg(w, i)).await.unwrap();
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
        client_ms: (c1 - c0) as f64 * tick_ms / n,
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
    let per_writer_total = if quick { 400 } else { 4000 };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!(
        "| store | writers | messages/s | vs 1 writer | client CPU ms/msg | server CPU ms/msg |\n|---|---|---|---|---|---|"
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
            rows.push(rt.block_on(measure(
                Arc::new(store),
                Some(&cluster),
                writers,
                per_writer_total / writers,
            )));
            std::thread::sleep(Duration::from_millis(200));
        }
        print(name, &rows);
    }
    let mut rows = Vec::new();
    for writers in [1, 2, 4] {
        let path =
            std::env::temp_dir().join(format!("bramka-scale-bench-{}-{writers}.db", std::process::id()));
        let store = SqliteStore::open(&path).unwrap();
        rows.push(rt.block_on(measure(Arc::new(store), None, writers, per_writer_total / writers)));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
    print("SQLite, WAL file (synchronous=NORMAL)", &rows);
}
