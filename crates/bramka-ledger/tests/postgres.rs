//! Several instances on one PostgreSQL database (a real server the tests start themselves, see the
//! bramka-pgtest crate): each "instance" is a `PostgresStore` with its own pool and its own
//! instance lock, as separate processes would have.
//!
//! - the same delivery reports applied by two instances at once are applied once;
//! - a report racing the send's answer on another instance is never lost, by operator id or by
//!   client key;
//! - recovery leaves the entries of a live instance alone and takes those of a dead one;
//! - a campaign whose instance died mid-send is resumed by another: nobody sent twice;
//! - two instances running one campaign at once send every recipient exactly once.

#![cfg(feature = "postgres")]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bramka_core::{
    Capabilities, Error, Gateway, Message, PhoneNumber, RecipientReport, SendReport, SendState,
};
use bramka_ledger::{
    Applied, Delivery, Intent, Ledger, MessageRecord, Outcome, PostgresStore, Query, SendOptions, State,
    Store,
};
use chrono::{DateTime, TimeZone, Utc};
use tokio::sync::Notify;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

fn numbers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("+48600{i:06}")).collect()
}

async fn instance(url: &str) -> Arc<PostgresStore> {
    Arc::new(PostgresStore::connect_with_pool_size(url, 4).await.unwrap())
}

fn intent(to: &[String], initial: State) -> Intent {
    let message = MessageRecord {
        id: 0,
        client_ref: "ref".into(),
        account: "shop".into(),
        gateway: "smsapi".into(),
        sender: None,
        text: "Sale today".into(),
        encoding: "gsm7".into(),
        parts: 1,
        send_at: None,
        campaign: None,
        options: SendOptions::default(),
        created_at: t(0),
    };
    Intent::new(message, to.iter().map(|n| (n.clone(), format!("ref{}", &n[1..]))).collect(), initial)
}

fn accepted(entry: i64, id: &str) -> Outcome {
    let mut o = Outcome::new(entry, State::Accepted, t(1));
    o.gateway = Some("smsapi".into());
    o.operator_id = Some(id.into());
    o
}

/// Waits until the server has released `store`'s instance lock (its connection closed).
async fn wait_until_gone(observer: &PostgresStore, url: &str, instance: i32) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    for _ in 0..200 {
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $1 \
                 AND objid::bigint = $2 AND objsubid = 2",
                &[&1_818_584_167_i64, &i64::from(instance)],
            )
            .await
            .unwrap()
            .get(0);
        if n == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("instance {instance}'s lock is still held ({observer:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_reports_from_two_instances_apply_once() {
    let db = bramka_pgtest::database();
    let (a, b) = (instance(db.url()).await, instance(db.url()).await);
    let to = numbers(100);
    let entries = a.record_intent(intent(&to, State::Pending)).await.unwrap();
    let outcomes = entries.iter().map(|e| accepted(e.id, &format!("OP{}", e.id))).collect();
    a.record_outcomes(outcomes).await.unwrap();
    // Each report is applied 4 times: twice by each instance, all at once.
    let mut tasks = Vec::new();
    for store in [a.clone(), b.clone(), a.clone(), b.clone()] {
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        tasks.push(tokio::spawn(async move {
            let mut updated = Vec::new();
            for id in ids {
                let d = Delivery::new("smsapi", format!("OP{id}"), State::Delivered, "DELIVERED", t(5));
                if let Applied::Updated { entry, from } = store.apply_delivery(d).await.unwrap() {
                    assert_eq!((from, entry.state), (State::Accepted, State::Delivered));
                    updated.push(id);
                }
            }
            updated
        }));
    }
    let mut updated = Vec::new();
    for task in tasks {
        updated.extend(task.await.unwrap());
    }
    updated.sort_unstable();
    let all: Vec<i64> = entries.iter().map(|e| e.id).collect();
    assert_eq!(updated, all, "every report applied exactly once in total");
    let rows = b.entries_page(&Query::all(), 0, 1000).await.unwrap();
    assert!(
        rows.iter().all(|e| e.state == State::Delivered && e.delivery_status.as_deref() == Some("DELIVERED"))
    );
    assert!(a.orphans().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_report_racing_the_answer_on_another_instance_is_never_lost() {
    let db = bramka_pgtest::database();
    let (a, b) = (instance(db.url()).await, instance(db.url()).await);
    let to = numbers(300);
    let entries = a.record_intent(intent(&to, State::Pending)).await.unwrap();
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    // Instance A records each answer while instance B applies each one's report at the same time.
    let answers = {
        let (a, ids) = (a.clone(), ids.clone());
        tokio::spawn(async move {
            for id in ids {
                a.record_outcomes(vec![accepted(id, &format!("OP{id}"))]).await.unwrap();
            }
        })
    };
    let reports = {
        let (b, ids) = (b.clone(), ids.clone());
        tokio::spawn(async move {
            let mut kinds = BTreeMap::new();
            for id in ids {
                let d = Delivery::new("smsapi", format!("OP{id}"), State::Delivered, "DELIVERED", t(5));
                let kind = match b.apply_delivery(d).await.unwrap() {
                    Applied::Updated { .. } => "updated",
                    Applied::Orphaned => "orphaned",
                    other => panic!("{other:?}"),
                };
                *kinds.entry(kind).or_insert(0) += 1;
            }
            kinds
        })
    };
    answers.await.unwrap();
    let kinds = reports.await.unwrap();
    assert_eq!(kinds.values().sum::<i32>(), 300, "{kinds:?}");
    let rows = a.entries_page(&Query::all(), 0, 1000).await.unwrap();
    let not_delivered: Vec<_> = rows.iter().filter(|e| e.state != State::Delivered).collect();
    assert!(not_delivered.is_empty(), "reports lost for {} entries ({kinds:?})", not_delivered.len());
    assert!(b.orphans().await.unwrap().is_empty(), "every orphan joined its entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_report_by_client_key_racing_an_uncertain_answer_is_never_lost() {
    let db = bramka_pgtest::database();
    let (a, b) = (instance(db.url()).await, instance(db.url()).await);
    let entries = a.record_intent(intent(&numbers(200), State::Pending)).await.unwrap();
    // For each entry, at the same moment: instance A records a timeout (no operator id) and
    // instance B applies a report that names the entry only by its client key.
    for e in &entries {
        let mut o = Outcome::new(e.id, State::Uncertain, t(1));
        o.certainty = Some("maybe_sent".into());
        let mut d = Delivery::new("smsapi", format!("K{}", e.id), State::Delivered, "DELIVERED", t(5));
        d.client_ref = Some(e.recipient_key());
        let (n, _) = tokio::join!(a.record_outcomes(vec![o]), b.apply_delivery(d));
        assert_eq!(n.unwrap(), 1);
    }
    let rows = a.entries_page(&Query::all(), 0, 1000).await.unwrap();
    for e in &rows {
        assert_eq!(e.state, State::Delivered, "{e:?}");
        assert_eq!(e.operator_id, Some(format!("K{}", e.id)));
    }
    assert!(b.orphans().await.unwrap().is_empty(), "every orphan joined its entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_takes_only_entries_of_dead_instances() {
    let db = bramka_pgtest::database();
    let (a, b) = (instance(db.url()).await, instance(db.url()).await);
    assert_ne!(a.instance_id(), b.instance_id());
    let to = numbers(4);
    let entries = a.record_intent(intent(&to, State::NotAttempted)).await.unwrap();
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    assert_eq!(a.claim(&ids[..2], &[State::NotAttempted], t(1)).await.unwrap().len(), 2);
    assert_eq!(b.claim(&ids[2..], &[State::NotAttempted], t(1)).await.unwrap().len(), 2);
    // B is alive: A recovers only its own pending entries.
    let rec = a.recover(None, t(2)).await.unwrap();
    assert_eq!(rec.iter().map(|e| e.id).collect::<Vec<_>>(), ids[..2]);
    assert!(rec.iter().all(|e| e.state == State::Uncertain));
    // B dies (its connections close); now its entries are A's to recover.
    let (b_id, observer) = (b.instance_id(), a.clone());
    drop(b);
    wait_until_gone(&observer, db.url(), b_id).await;
    let rec = a.recover(None, t(3)).await.unwrap();
    assert_eq!(rec.iter().map(|e| e.id).collect::<Vec<_>>(), ids[2..]);
    assert!(a.recover(None, t(4)).await.unwrap().is_empty());
}

/// Accepts every recipient once and records it; can hang forever on one request (the operator
/// took it, the answer never comes) and can take its time.
#[derive(Debug, Clone)]
struct Recording {
    caps: Capabilities,
    sent: Arc<Mutex<Vec<String>>>,
    requests: Arc<AtomicUsize>,
    hang_on: Option<usize>,
    hung: Arc<Notify>,
    delay: Duration,
}

impl Recording {
    fn new(hang_on: Option<usize>, delay: Duration) -> Self {
        Recording {
            caps: Capabilities::new().with_batch_size(1000),
            sent: Arc::default(),
            requests: Arc::default(),
            hang_on,
            hung: Arc::new(Notify::new()),
            delay,
        }
    }
    fn times_sent(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for n in self.sent.lock().unwrap().iter() {
            *m.entry(n.clone()).or_insert(0) += 1;
        }
        m
    }
}

#[async_trait]
impl Gateway for Recording {
    fn id(&self) -> &str {
        "rec"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        self.sent.lock().unwrap().extend(message.recipients().iter().map(PhoneNumber::e164));
        if self.hang_on == Some(n) {
            self.hung.notify_one();
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.delay).await;
        let mut report = SendReport::new("rec", message);
        for to in message.recipients() {
            report.push(
                RecipientReport::new(to.clone(), SendState::Accepted)
                    .with_message_id(format!("rec-{}", to.e164())),
            );
        }
        Ok(report)
    }
}

fn campaign_message(to: &[String]) -> Message {
    let mut b = Message::builder().text("Spring sale").client_ref("spring");
    for n in to {
        b = b.to(n.as_str());
    }
    b.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_campaign_whose_instance_died_is_resumed_by_another() {
    let db = bramka_pgtest::database();
    let to = numbers(95);
    let gw = Recording::new(Some(4), Duration::ZERO);
    // Instance A sends chunks 1–3, then dies during chunk 4 (the operator has it, A never hears).
    let a = instance(db.url()).await;
    let a_id = a.instance_id();
    let ledger_a = Ledger::new(a.clone());
    ledger_a.create_campaign("spring", "shop", "rec", &campaign_message(&to), 10).await.unwrap();
    let run = {
        let gw = gw.clone();
        tokio::spawn(async move { ledger_a.run_campaign("spring", &gw).await })
    };
    tokio::time::timeout(Duration::from_secs(30), gw.hung.notified()).await.expect("A reaches chunk 4");
    run.abort();
    let _ = run.await;
    drop(a);
    // Instance B, with its own pool, resumes it.
    let b = instance(db.url()).await;
    wait_until_gone(&b, db.url(), a_id).await;
    let ledger_b = Ledger::new(b.clone());
    let gw_b = Recording { hang_on: None, ..gw.clone() };
    let report = ledger_b.resume_campaign("spring", &gw_b).await.unwrap();
    assert_eq!(report.recovered.len(), 10, "A's chunk in flight becomes uncertain");
    assert_eq!(report.sent, 55, "B sends only what nobody sent");
    assert_eq!(report.count(State::Accepted), 85);
    assert_eq!(report.count(State::Uncertain), 10);
    assert!(report.is_complete());
    let times = gw.times_sent();
    assert_eq!(times.len(), 95, "everyone reached");
    assert!(times.values().all(|n| *n == 1), "nobody sent twice: {times:?}");
    // A second resume (by yet another instance) sends nothing.
    let c = Ledger::new(instance(db.url()).await);
    let again = c.resume_campaign("spring", &gw_b).await.unwrap();
    assert_eq!((again.sent, again.recovered.len()), (0, 0));
    assert_eq!(gw.sent.lock().unwrap().len(), 95);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_running_one_campaign_send_each_recipient_once() {
    let db = bramka_pgtest::database();
    let to = numbers(400);
    let gw = Recording::new(None, Duration::from_millis(5));
    let a = Ledger::new(instance(db.url()).await);
    let b = Ledger::new(instance(db.url()).await);
    a.create_campaign("spring", "shop", "rec", &campaign_message(&to), 10).await.unwrap();
    // B creates it too (the same text and recipients): it gets the same campaign.
    b.create_campaign("spring", "shop", "rec", &campaign_message(&to), 10).await.unwrap();
    let run_a = {
        let gw = gw.clone();
        tokio::spawn(async move { a.run_campaign("spring", &gw).await.unwrap() })
    };
    // B starts while A has a chunk in flight.
    while gw.requests.load(Ordering::SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let run_b = {
        let gw = gw.clone();
        tokio::spawn(async move { b.run_campaign("spring", &gw).await.unwrap() })
    };
    let (ra, rb) = (run_a.await.unwrap(), run_b.await.unwrap());
    assert_eq!(ra.sent + rb.sent, 400, "A sent {}, B sent {}", ra.sent, rb.sent);
    assert!(rb.recovered.is_empty(), "B must not take A's chunk in flight: {:?}", rb.recovered);
    let times = gw.times_sent();
    assert_eq!(times.len(), 400);
    assert!(times.values().all(|n| *n == 1), "nobody sent twice");
    let rows = Ledger::new(instance(db.url()).await).entries(&Query::all().campaign("spring")).await.unwrap();
    assert!(rows.iter().all(|e| e.state == State::Accepted), "every answer recorded, none lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_is_never_printed() {
    let db = bramka_pgtest::database();
    let password = db.password().to_owned();
    assert!(db.url().contains(&password));
    let store = instance(db.url()).await;
    for s in [format!("{store:?}"), store.url().to_string()] {
        assert!(!s.contains(&password), "{s}");
        assert!(s.contains(":***@"), "{s}");
    }
    let wrong = db.url().replacen(&password, "hunter2wrong", 1);
    let e = PostgresStore::connect_with_pool_size(&wrong, 1).await.unwrap_err();
    let (s, d) = (e.to_string(), format!("{e:?}"));
    assert!(!s.contains("hunter2wrong") && !d.contains("hunter2wrong"), "{s} / {d}");
    assert!(s.contains("password authentication failed"), "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shares_one_database_with_the_inbound_store_and_refuses_a_newer_schema() {
    let db = bramka_pgtest::database();
    let ledger = instance(db.url()).await;
    let inbound = bramka_inbound::PostgresStore::connect_with_pool_size(db.url(), 2).await.unwrap();
    assert_eq!(ledger.schema_version().await.unwrap(), bramka_ledger::store::SCHEMA_VERSION);
    assert_eq!(inbound.schema_version().await.unwrap(), 1);
    // Both stores work side by side.
    let e = ledger.record_intent(intent(&numbers(1), State::Pending)).await.unwrap();
    assert_eq!(e.len(), 1);
    // A database migrated by a newer bramka-ledger is refused, untouched.
    let (client, conn) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.execute("UPDATE bramka_schema SET version = 99 WHERE component = 'ledger'", &[]).await.unwrap();
    let err = PostgresStore::connect_with_pool_size(db.url(), 1).await.unwrap_err();
    assert_eq!(
        err,
        bramka_ledger::StoreError::SchemaTooNew { found: 99, known: bramka_ledger::store::SCHEMA_VERSION }
    );
    assert!(err.to_string().contains("upgrade bramka-ledger"), "{err}");
    let v: i32 = client
        .query_one("SELECT version FROM bramka_schema WHERE component = 'ledger'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(v, 99, "left as found");
}
