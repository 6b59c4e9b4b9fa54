//! The ledger's cost: 100-recipient sends through `SmsapiGateway` against a fast loopback
//! SMSAPI-like mock (axum on 127.0.0.1), with and without `LedgerGateway` (SQLite WAL file, and
//! memory), and delivery reports applied per second on SQLite. `cargo bench -p bramka-ledger`.
//!
//! The ratio `send_ledger_sqlite_file` / `send_plain` (recipients per second) is the ledger's
//! throughput cost; the `_5ms` pair repeats it against a mock answering in 5 ms, and `steps`
//! times each store step of a ledgered send. README "Keeping a record" has the figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use bramka_core::{DeliveryReport, DeliveryState, Gateway, Message};
use bramka_ledger::{Ledger, MemoryStore, SqliteStore};
use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
use divan::Bencher;
use divan::counter::ItemsCount;

const RECIPIENTS: usize = 100;

/// Counts allocations per iteration (divan prints them next to the times).
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// Answers `POST /sms.do` like SMSAPI: one `QUEUE` entry per recipient.
async fn sms_do(body: Bytes) -> ([(&'static str, &'static str); 1], String) {
    static ID: AtomicU64 = AtomicU64::new(0);
    let mut to = String::new();
    let mut idx = String::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match &*k {
            "to" => to = v.into_owned(),
            "idx" => idx = v.into_owned(),
            _ => {}
        }
    }
    let mut list = Vec::new();
    for (n, i) in to.split(',').zip(idx.split('|')) {
        let id = ID.fetch_add(1, Ordering::Relaxed);
        list.push(format!(r#"{{"id":"B{id}","points":0.16,"number":"{n}","status":"QUEUE","idx":"{i}"}}"#));
    }
    (
        [("content-type", "application/json")],
        format!(r#"{{"count":{},"list":[{}]}}"#, list.len(), list.join(",")),
    )
}

struct Bench {
    rt: tokio::runtime::Runtime,
    gw: Arc<SmsapiGateway>,
}

fn setup() -> Bench {
    setup_with(std::time::Duration::ZERO)
}

/// A mock that answers after `delay` (an operator farther away than loopback).
fn setup_with(delay: std::time::Duration) -> Bench {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                Router::new().route(
                    "/sms.do",
                    post(move |body: Bytes| async move {
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                        sms_do(body).await
                    }),
                ),
            )
            .await
        });
        addr
    });
    let cfg =
        SmsapiConfig::builder("t0ken").base_url(format!("http://{addr}")).sender("Sklep").build().unwrap();
    Bench { rt, gw: Arc::new(SmsapiGateway::new(cfg).unwrap()) }
}

fn message(n: u64) -> Message {
    let mut b = Message::builder().text("Wiosenna wyprzedaż: -20% na wszystko do niedzieli").sender("Sklep");
    for i in 0..RECIPIENTS as u64 {
        b = b.to(format!("+48{:09}", 600_000_000 + (n * RECIPIENTS as u64 + i) % 100_000_000));
    }
    b.build().unwrap()
}

fn run(bencher: Bencher, b: &Bench, gw: &dyn Gateway) {
    let n = AtomicU64::new(0);
    bencher
        .counter(ItemsCount::new(RECIPIENTS))
        .with_inputs(|| message(n.fetch_add(1, Ordering::Relaxed)))
        .bench_local_values(|m| {
            let r = b.rt.block_on(gw.send(&m)).unwrap();
            assert_eq!(r.recipients.len(), RECIPIENTS);
        });
}

fn tmp_db(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("bramka-ledger-bench-{}-{name}.db", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

#[divan::bench(sample_count = 300)]
fn send_plain(bencher: Bencher) {
    let b = setup();
    run(bencher, &b, b.gw.as_ref());
}

#[divan::bench(sample_count = 300)]
fn send_ledger_memory(bencher: Bencher) {
    let b = setup();
    let gw = Ledger::new(Arc::new(MemoryStore::new())).gateway(b.gw.clone());
    run(bencher, &b, &gw);
}

#[divan::bench(sample_count = 300)]
fn send_ledger_sqlite_file(bencher: Bencher) {
    let b = setup();
    let gw = Ledger::new(Arc::new(SqliteStore::open(tmp_db("send")).unwrap())).gateway(b.gw.clone());
    run(bencher, &b, &gw);
}

/// How many sends run at once in the `concurrent_*` benches.
const CONCURRENT: usize = 4;

/// `CONCURRENT` 100-recipient sends at once, as a server sending for several clients does:
/// throughput when one send's store work overlaps another's network wait.
fn run_concurrent(bencher: Bencher, b: &Bench, gw: Arc<dyn Gateway>) {
    let n = AtomicU64::new(0);
    bencher
        .counter(ItemsCount::new(RECIPIENTS * CONCURRENT))
        .with_inputs(|| {
            (0..CONCURRENT).map(|_| message(n.fetch_add(1, Ordering::Relaxed))).collect::<Vec<_>>()
        })
        .bench_local_values(|msgs| {
            b.rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for m in msgs {
                    let gw = gw.clone();
                    set.spawn(async move { gw.send(&m).await.unwrap().recipients.len() });
                }
                while let Some(r) = set.join_next().await {
                    assert_eq!(r.unwrap(), RECIPIENTS);
                }
            })
        });
}

#[divan::bench(sample_count = 100)]
fn concurrent_plain(bencher: Bencher) {
    let b = setup();
    run_concurrent(bencher, &b, b.gw.clone());
}

#[divan::bench(sample_count = 100)]
fn concurrent_ledger_sqlite_file(bencher: Bencher) {
    let b = setup();
    let gw = Ledger::new(Arc::new(SqliteStore::open(tmp_db("conc")).unwrap())).gateway(b.gw.clone());
    run_concurrent(bencher, &b, Arc::new(gw));
}

/// The same pair against a mock answering in 5 ms: where the ledger's cost stops mattering.
#[divan::bench(sample_count = 100)]
fn send_plain_5ms(bencher: Bencher) {
    let b = setup_with(std::time::Duration::from_millis(5));
    run(bencher, &b, b.gw.as_ref());
}

#[divan::bench(sample_count = 100)]
fn send_ledger_sqlite_file_5ms(bencher: Bencher) {
    let b = setup_with(std::time::Duration::from_millis(5));
    let gw = Ledger::new(Arc::new(SqliteStore::open(tmp_db("send5")).unwrap())).gateway(b.gw.clone());
    run(bencher, &b, &gw);
}

/// Delivery reports applied per second on a SQLite WAL file holding 10,000 accepted entries.
#[divan::bench(sample_count = 2000)]
fn reports_sqlite_file(bencher: Bencher) {
    let b = setup();
    let ledger = Ledger::new(Arc::new(SqliteStore::open(tmp_db("reports")).unwrap()));
    let gw = ledger.gateway(b.gw.clone());
    let mut ids = Vec::new();
    for i in 0..100 {
        let r = b.rt.block_on(gw.send(&message(i))).unwrap();
        ids.extend(r.recipients.into_iter().filter_map(|r| r.message_id));
    }
    let n = AtomicU64::new(0);
    let states = [DeliveryState::Sent, DeliveryState::Delivered];
    bencher
        .counter(ItemsCount::new(1usize))
        .with_inputs(|| {
            let i = n.fetch_add(1, Ordering::Relaxed) as usize;
            let id = &ids[i % ids.len()];
            DeliveryReport::new("smsapi", id.clone(), states[(i / ids.len()) % 2], "x")
        })
        .bench_local_values(|r| b.rt.block_on(ledger.apply_report(&r)).unwrap());
}

/// Where a ledgered send's time goes, one store step at a time on a SQLite WAL file: the
/// suppression check, the intent and the outcomes of one 100-recipient request.
mod steps {
    use super::*;
    use bramka_ledger::{Intent, MessageRecord, Outcome, Scope, SendOptions, State, Store};

    fn intent(n: u64) -> Intent {
        let at = chrono::Utc::now();
        let m = MessageRecord {
            id: 0,
            client_ref: format!("{n:032x}"),
            account: "shop".into(),
            gateway: "smsapi".into(),
            sender: Some("Sklep".into()),
            text: "Wiosenna wyprzedaż: -20% na wszystko do niedzieli".into(),
            encoding: "ucs2".into(),
            parts: 1,
            send_at: None,
            campaign: None,
            options: SendOptions::default(),
            created_at: at,
        };
        let to = (0..RECIPIENTS as u64)
            .map(|i| {
                (
                    format!("+48{:09}", 600_000_000 + (n * RECIPIENTS as u64 + i) % 100_000_000),
                    m.client_ref.clone(),
                )
            })
            .collect();
        Intent::new(m, to, State::Pending)
    }

    fn store(name: &str) -> (tokio::runtime::Runtime, Arc<dyn Store>) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        (rt, Arc::new(SqliteStore::open(tmp_db(name)).unwrap()))
    }

    #[divan::bench(sample_count = 300)]
    fn suppression_check(bencher: Bencher) {
        let (rt, s) = store("steps-supp");
        let numbers: Vec<String> = intent(0).recipients.into_iter().map(|(n, _)| n).collect();
        let scope = Scope::account("shop");
        bencher.bench_local(|| rt.block_on(s.suppressed_among(&scope, &numbers)).unwrap());
    }

    #[divan::bench(sample_count = 300)]
    fn intent_100(bencher: Bencher) {
        let (rt, s) = store("steps-intent");
        let n = AtomicU64::new(0);
        bencher
            .with_inputs(|| intent(n.fetch_add(1, Ordering::Relaxed)))
            .bench_local_values(|i| rt.block_on(s.record_intent(i)).unwrap());
    }

    /// The suppression check and the intent in one call, as `LedgerGateway` makes it.
    #[divan::bench(sample_count = 300)]
    fn check_and_intent_100(bencher: Bencher) {
        let (rt, s) = store("steps-check-intent");
        let n = AtomicU64::new(0);
        let scope = Scope::account("shop");
        bencher
            .with_inputs(|| intent(n.fetch_add(1, Ordering::Relaxed)))
            .bench_local_values(|i| rt.block_on(s.check_and_record_intent(&scope, i)).unwrap());
    }

    #[divan::bench(sample_count = 300)]
    fn outcomes_100(bencher: Bencher) {
        let (rt, s) = store("steps-outcomes");
        let n = AtomicU64::new(0);
        bencher
            .with_inputs(|| {
                let i = n.fetch_add(1, Ordering::Relaxed);
                let entries = rt.block_on(s.record_intent(intent(i))).unwrap();
                let at = chrono::Utc::now();
                entries
                    .iter()
                    .map(|e| {
                        let mut o = Outcome::new(e.id, State::Accepted, at);
                        o.gateway = Some("smsapi".into());
                        o.operator_id = Some(format!("B{}", e.id));
                        o.price = Some(0.16);
                        o.currency = Some("points".into());
                        o
                    })
                    .collect::<Vec<_>>()
            })
            .bench_local_values(|o| rt.block_on(s.record_outcomes(o)).unwrap());
    }

    /// A store call that does nothing: the cost of handing work to the blocking pool and back.
    #[divan::bench(sample_count = 300)]
    fn empty_call(bencher: Bencher) {
        let (rt, s) = store("steps-empty");
        bencher.bench_local(|| rt.block_on(s.campaign("none")).unwrap());
    }
}

/// The floor under the store steps: the same rows written with bare rusqlite on the store's own
/// schema (no hand-over to a thread, no `Entry` values built), with and without the entry
/// indexes. What `steps` takes above these is the store's own work.
mod raw_sqlite {
    use super::*;
    use rusqlite::{Connection, TransactionBehavior, params};

    fn conn(name: &str, indexes: bool) -> Connection {
        let path = tmp_db(name);
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA synchronous=NORMAL;").unwrap();
        if !indexes {
            c.execute_batch(
                "DROP INDEX entries_operator; DROP INDEX entries_campaign; DROP INDEX entries_created;
                 DROP INDEX entries_recipient; DROP INDEX entries_state; DROP INDEX entries_client_ref;",
            )
            .unwrap();
        }
        c.execute("INSERT INTO messages (client_ref, account, gateway, text, encoding, parts, created_at) VALUES ('r', 'shop', 'smsapi', 't', 'ucs2', 1, 0)", []).unwrap();
        c
    }

    /// One transaction inserting 100 pending rows; returns the first id.
    fn insert_100(c: &mut Connection, n: u64) -> i64 {
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
        let mut first = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO entries (message, client_ref, account, gateway, sender, campaign, recipient, state, created_at, updated_at)
                     VALUES (1, ?1, 'shop', 'smsapi', 'Sklep', NULL, ?2, 'pending', ?3, ?3)",
                )
                .unwrap();
            for i in 0..RECIPIENTS as u64 {
                let to = format!("+48{:09}", 600_000_000 + (n * RECIPIENTS as u64 + i) % 100_000_000);
                stmt.execute(params![format!("{n:032x}"), to, n as i64]).unwrap();
                if i == 0 {
                    first = tx.last_insert_rowid();
                }
            }
        }
        tx.commit().unwrap();
        first
    }

    fn bench_insert(bencher: Bencher, name: &str, indexes: bool) {
        let mut c = conn(name, indexes);
        let n = AtomicU64::new(0);
        bencher.bench_local(|| insert_100(&mut c, n.fetch_add(1, Ordering::Relaxed)));
    }

    #[divan::bench(sample_count = 300)]
    fn insert_100_rows(bencher: Bencher) {
        bench_insert(bencher, "raw-insert", true);
    }

    #[divan::bench(sample_count = 300)]
    fn insert_100_rows_no_indexes(bencher: Bencher) {
        bench_insert(bencher, "raw-insert-noidx", false);
    }

    /// The same 100 rows as one multi-row `INSERT` statement.
    #[divan::bench(sample_count = 300)]
    fn insert_100_rows_one_statement(bencher: Bencher) {
        let mut c = conn("raw-insert-multi", true);
        let values =
            vec!["(1, ?, 'shop', 'smsapi', 'Sklep', NULL, ?, 'pending', ?, ?)"; RECIPIENTS].join(", ");
        let sql = format!(
            "INSERT INTO entries (message, client_ref, account, gateway, sender, campaign, recipient, state, created_at, updated_at) VALUES {values}"
        );
        let n = AtomicU64::new(0);
        bencher.bench_local(|| {
            let n = n.fetch_add(1, Ordering::Relaxed);
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
            {
                let mut stmt = tx.prepare_cached(&sql).unwrap();
                let cref = format!("{n:032x}");
                let mut args: Vec<rusqlite::types::Value> = Vec::with_capacity(RECIPIENTS * 4);
                for i in 0..RECIPIENTS as u64 {
                    let to = format!("+48{:09}", 600_000_000 + (n * RECIPIENTS as u64 + i) % 100_000_000);
                    args.extend([cref.clone().into(), to.into(), (n as i64).into(), (n as i64).into()]);
                }
                stmt.execute(rusqlite::params_from_iter(args)).unwrap();
            }
            tx.commit().unwrap();
        });
    }

    /// One transaction moving 100 pending rows to accepted with an operator id and price.
    #[divan::bench(sample_count = 300)]
    fn update_100_rows(bencher: Bencher) {
        let c = std::cell::RefCell::new(conn("raw-update", true));
        let n = AtomicU64::new(0);
        bencher.with_inputs(|| insert_100(&mut c.borrow_mut(), n.fetch_add(1, Ordering::Relaxed))).bench_local_values(
            |first| {
                let mut c = c.borrow_mut();
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
                {
                    let mut stmt = tx
                        .prepare_cached(
                            "UPDATE entries SET state = 'accepted', gateway = 'smsapi', operator_id = ?2, price = 0.16,
                             currency = 'points', updated_at = ?3 WHERE id = ?1 AND state = 'pending'",
                        )
                        .unwrap();
                    for id in first..first + RECIPIENTS as i64 {
                        stmt.execute(params![id, format!("B{id}"), id]).unwrap();
                    }
                }
                tx.commit().unwrap();
            },
        );
    }
}
