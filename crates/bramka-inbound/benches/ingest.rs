//! Ingested messages per second: a poll answer with a reply written to the outbox, on the
//! memory store and on SQLite (in memory and a WAL file). `cargo bench -p bramka-inbound`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bramka_core::InboundMessage;
use bramka_inbound::{Config, Inbound, MemoryStore, Poll, PollOption, ReceivingNumber, SqliteStore, Store};
use divan::Bencher;
use divan::counter::ItemsCount;

const NUM: &str = "+48790100200";

fn main() {
    divan::main();
}

fn engine(store: Arc<dyn Store>) -> Inbound {
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
    Inbound::new(cfg, store)
}

fn run(bencher: Bencher, store: Arc<dyn Store>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let engine = engine(store);
    let n = AtomicU64::new(0);
    let at = "2026-05-01T10:00:00Z".parse().unwrap();
    bencher
        .counter(ItemsCount::new(1usize))
        .with_inputs(|| {
            let i = n.fetch_add(1, Ordering::Relaxed);
            let from = format!("+48600{:06}", i % 1_000_000);
            InboundMessage::new("smsapi", format!("m{i}"), &from, NUM, "glosuje: tak", at)
        })
        .bench_local_values(|m| rt.block_on(engine.ingest(&m)).unwrap());
}

#[divan::bench(sample_count = 2000)]
fn memory(bencher: Bencher) {
    run(bencher, Arc::new(MemoryStore::new()));
}

#[divan::bench(sample_count = 2000)]
fn sqlite_in_memory(bencher: Bencher) {
    run(bencher, Arc::new(SqliteStore::open_in_memory().unwrap()));
}

#[divan::bench(sample_count = 2000)]
fn sqlite_wal_file(bencher: Bencher) {
    let path = std::env::temp_dir().join(format!("bramka-inbound-bench-{}.db", std::process::id()));
    run(bencher, Arc::new(SqliteStore::open(&path).unwrap()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}
