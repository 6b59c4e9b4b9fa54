//! The frame of the stores' scale benchmarks (bramka-inbound's and bramka-ledger's
//! `benches/scale.rs`): the same work with 1, 2 and 4 concurrent writers on PostgreSQL (durable
//! commits, then asynchronous commits, each on a fresh throw-away cluster) and on SQLite (a WAL
//! file), printed as one Markdown table with the CPU time the client and the server spent per
//! item (Linux `/proc`), to show where the time goes.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::{Cluster, Durability};

/// Where one measurement runs.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A fresh database on `cluster`.
    Postgres {
        /// Its URL.
        url: &'a str,
        /// The cluster (for the server's CPU time).
        cluster: &'a Cluster,
    },
    /// A fresh SQLite file (removed, with its `-wal` and `-shm`, after the measurement).
    Sqlite(&'a Path),
}

impl<'a> Target<'a> {
    /// The cluster, for PostgreSQL.
    pub fn cluster(&self) -> Option<&'a Cluster> {
        match self {
            Target::Postgres { cluster, .. } => Some(cluster),
            Target::Sqlite(_) => None,
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    writers: usize,
    per_sec: f64,
    client_ms: f64,
    server_ms: f64,
}

/// Runs `writer(0)`, …, `writer(writers - 1)` as concurrent tokio tasks, each handling
/// `per_writer` items, and measures them from the first spawn to the last finish (call it once
/// connections are open and statements prepared). A panicking writer panics here.
pub async fn timed<F, Fut>(cluster: Option<&Cluster>, writers: usize, per_writer: usize, writer: F) -> Row
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let meter = Meter::start(cluster);
    let tasks: Vec<_> = (0..writers).map(|w| tokio::spawn(writer(w))).collect();
    for t in tasks {
        t.await.unwrap_or_else(|e| panic!("a writer failed: {e}"));
    }
    meter.stop(writers, writers * per_writer)
}

/// The clock and the CPU counters.
struct Meter<'a> {
    cluster: Option<&'a Cluster>,
    client: u64,
    server: u64,
    start: Instant,
}

impl<'a> Meter<'a> {
    fn start(cluster: Option<&'a Cluster>) -> Meter<'a> {
        Meter { cluster, client: ticks("self"), server: server_ticks(cluster), start: Instant::now() }
    }

    fn stop(self, writers: usize, items: usize) -> Row {
        let secs = self.start.elapsed().as_secs_f64();
        let (client, server) = (ticks("self"), server_ticks(self.cluster));
        let n = items as f64;
        let tick_ms = 10.0; // USER_HZ is 100 on Linux
        Row {
            writers,
            per_sec: n / secs,
            client_ms: client.saturating_sub(self.client) as f64 * tick_ms / n,
            server_ms: server.saturating_sub(self.server) as f64 * tick_ms / n,
        }
    }
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

/// Runs the table: `measure(target, writers, per_writer)` for 1, 2 and 4 writers on each store,
/// 4000 items in all per line (400 with `--quick` on the command line). `item` names what is
/// counted (`"report"`, `"message"`). Panics (it is a benchmark) when a cluster cannot start.
pub fn run(item: &str, mut measure: impl FnMut(Target<'_>, usize, usize) -> Row) {
    let quick = std::env::args().any(|a| a == "--quick");
    let total = if quick { 400 } else { 4000 };
    println!(
        "| store | writers | {item}s/s | vs 1 writer | client CPU ms/{item} | server CPU ms/{item} |\n|---|---|---|---|---|---|"
    );
    for (name, durability) in [
        ("PostgreSQL, durable commit", Durability::Durable),
        ("PostgreSQL, synchronous_commit=off", Durability::AsyncCommit),
    ] {
        let cluster = Cluster::start(durability).unwrap_or_else(|e| panic!("{e}"));
        let mut rows = Vec::new();
        for writers in [1, 2, 4] {
            let db = cluster.create_database().unwrap_or_else(|e| panic!("{e}"));
            rows.push(measure(
                Target::Postgres { url: db.url(), cluster: &cluster },
                writers,
                total / writers,
            ));
            std::thread::sleep(Duration::from_millis(200));
        }
        print(name, &rows);
    }
    let mut rows = Vec::new();
    for writers in [1, 2, 4] {
        let path = std::env::temp_dir().join(format!("bramka-scale-{}-{writers}.db", std::process::id()));
        rows.push(measure(Target::Sqlite(&path), writers, total / writers));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
    print("SQLite, WAL file (synchronous=NORMAL)", &rows);
}
