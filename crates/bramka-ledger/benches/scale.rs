//! Delivery reports applied per second with 1, 2 and 4 concurrent writers, on PostgreSQL (a
//! throw-away local cluster, durable commits and asynchronous commits) and on SQLite (a WAL file),
//! in one run, with the CPU time the client and the server spent per report (Linux `/proc`), to
//! show where the time goes. Each report moves one `accepted` entry to `delivered` (one
//! transaction: the operator-id lock, the entry's row lock, the update).
//! `cargo bench -p bramka-ledger --features postgres --bench scale` (`-- --quick` for a short
//! run). Needs the PostgreSQL server binaries, like the tests.

use std::sync::Arc;

use bramka_ledger::{
    Applied, Delivery, Intent, MessageRecord, Outcome, PostgresStore, SendOptions, SqliteStore, State, Store,
};
use bramka_pgtest::Cluster;
use bramka_pgtest::scale::{Row, Target, timed};
use chrono::Utc;

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
    timed(cluster, writers, per_writer, |w| {
        let store = store.clone();
        async move {
            for i in w * per_writer..(w + 1) * per_writer {
                let applied = store.apply_delivery(report(i)).await.unwrap();
                assert!(matches!(applied, Applied::Updated { .. }), "{applied:?}");
            }
        }
    })
    .await
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    bramka_pgtest::scale::run("report", |target, writers, per_writer| {
        let store: Arc<dyn Store> = match target {
            Target::Postgres { url, .. } => {
                Arc::new(rt.block_on(PostgresStore::connect_with_pool_size(url, writers)).unwrap())
            }
            Target::Sqlite(path) => Arc::new(SqliteStore::open(path).unwrap()),
        };
        rt.block_on(measure(store, target.cluster(), writers, per_writer))
    });
}
