//! Messages ingested per second with 1, 2 and 4 concurrent writers, on PostgreSQL (a throw-away
//! local cluster, durable commits and asynchronous commits) and on SQLite (a WAL file), in one run,
//! with the CPU time the client and the server spent per message (Linux `/proc`), to show where
//! the time goes. `cargo bench -p bramka-inbound --features postgres --bench scale`
//! (`-- --quick` for a short run). Needs the PostgreSQL server binaries, like the tests.

use std::sync::Arc;

use bramka_core::InboundMessage;
use bramka_inbound::{Config, Inbound, Poll, PollOption, PostgresStore, ReceivingNumber, SqliteStore, Store};
use bramka_pgtest::Cluster;
use bramka_pgtest::scale::{Row, Target, timed};

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
    timed(cluster, writers, per_writer, |w| {
        let e = engine.clone();
        async move {
            for i in 0..per_writer {
                e.ingest(&msg(w, i)).await.unwrap();
            }
        }
    })
    .await
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    bramka_pgtest::scale::run("message", |target, writers, per_writer| {
        let store: Arc<dyn Store> = match target {
            Target::Postgres { url, .. } => {
                Arc::new(rt.block_on(PostgresStore::connect_with_pool_size(url, writers)).unwrap())
            }
            Target::Sqlite(path) => Arc::new(SqliteStore::open(path).unwrap()),
        };
        rt.block_on(measure(store, target.cluster(), writers, per_writer))
    });
}
