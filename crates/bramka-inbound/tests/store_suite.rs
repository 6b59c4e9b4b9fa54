//! The shared behaviour suite: every test runs against MemoryStore, SqliteStore in memory,
//! SqliteStore on a WAL file and (feature `postgres`) PostgresStore on a real server that the
//! tests start themselves (see the bramka-pgtest crate).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

#[cfg(feature = "sqlite")]
use bramka_inbound::SqliteStore;
use bramka_inbound::{
    Config, Inbound, Limit, MemoryStore, MessageQuery, OutboxState, Outcome, Poll, PollOption,
    ReceivingNumber, Store, VoteOutcome,
};
use common::{RecGateway, Script, inbound};

const NUM: &str = "+48790100200";

/// A temporary database file, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
impl TempDb {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        TempDb(std::env::temp_dir().join(format!("bramka-inbound-suite-{}-{n}.db", std::process::id())))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.0.display()));
        }
    }
}

struct Fixture {
    store: Arc<dyn Store>,
    _tmp: Option<TempDb>,
    #[cfg(feature = "postgres")]
    _pg: Option<bramka_pgtest::TestDb<'static>>,
}

impl Fixture {
    fn new(store: Arc<dyn Store>, tmp: Option<TempDb>) -> Self {
        Fixture {
            store,
            _tmp: tmp,
            #[cfg(feature = "postgres")]
            _pg: None,
        }
    }
}

fn memory() -> Fixture {
    Fixture::new(Arc::new(MemoryStore::new()), None)
}

#[cfg(feature = "sqlite")]
fn sqlite_mem() -> Fixture {
    Fixture::new(Arc::new(SqliteStore::open_in_memory().unwrap()), None)
}

#[cfg(feature = "sqlite")]
fn sqlite_file() -> Fixture {
    let tmp = TempDb::new();
    Fixture::new(Arc::new(SqliteStore::open(&tmp.0).unwrap()), Some(tmp))
}

/// A fresh database on the test cluster (started on first use; fails with install instructions
/// when the PostgreSQL binaries are missing).
#[cfg(feature = "postgres")]
async fn postgres() -> Fixture {
    let db = bramka_pgtest::database();
    let store = bramka_inbound::PostgresStore::connect_with_pool_size(db.url(), 8).await.unwrap();
    Fixture { store: Arc::new(store), _tmp: None, _pg: Some(db) }
}

fn poll_config(limit: Limit, codes: bool) -> Config {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUM).reply_sender("SKLEP")).unwrap();
    cfg.add_poll(
        Poll::builder("p", "Poll", NUM)
            .prefix("VOTE")
            .option(PollOption::new("A"))
            .option(PollOption::new("B"))
            .option(PollOption::new("C"))
            .default_reply("Thanks {option}")
            .over_limit_reply("limit")
            .unknown_answer_reply("unknown")
            .pool_exhausted_reply("no codes left")
            .limit(limit)
            .discount_codes(codes)
            .build()
            .unwrap(),
    )
    .unwrap();
    cfg
}

// ---------------------------------------------------------------------------------------------
// The suite, written once.

async fn duplicate_delivery_counts_once(f: Fixture) {
    let engine = Inbound::new(poll_config(Limit::UNLIMITED, true), f.store.clone());
    f.store.add_codes("p", vec!["C1".into(), "C2".into()]).await.unwrap();
    let m = inbound("op-1", "+48600100200", NUM, "vote a", "2026-05-01T10:00:00Z");
    let first = engine.ingest(&m).await.unwrap();
    let second = engine.ingest(&m).await.unwrap();
    assert!(!first.duplicate);
    assert!(second.duplicate);
    assert_eq!(first.outcome, second.outcome);
    assert_eq!(first.row, second.row);
    assert_eq!(first.outbox.len(), 1);
    assert!(second.outbox.is_empty());
    assert_eq!(
        first.outcome,
        Outcome::Poll {
            poll: "p".into(),
            vote: VoteOutcome::Accepted { option: "A".into(), code: Some("C1".into()) }
        }
    );
    // Same id from another gateway is another message.
    let mut other = m.clone();
    other.gateway = "twilio".into();
    assert!(!engine.ingest(&other).await.unwrap().duplicate);

    let all = f.store.messages_page(&MessageQuery::all(), 0, 100).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(f.store.vote_counts("p").await.unwrap(), BTreeMap::from([("A".into(), 2)]));
    assert_eq!(f.store.codes_left("p").await.unwrap(), 0);
    assert_eq!(f.store.outbox(None).await.unwrap().len(), 2);

    let gw = RecGateway::new();
    let rep = engine.dispatch_pending(&gw).await.unwrap();
    assert_eq!(rep.sent.len(), 2);
    let sent = gw.sent();
    assert_eq!(sent[0].text, "Thanks A C1");
    assert_eq!(sent[1].text, "Thanks A C2");
    assert_eq!(sent[0].sender.as_deref(), Some("SKLEP"));
    assert_eq!(sent[0].client_ref, format!("bramkaob{}", first.outbox[0]));
    // Nothing is sent twice.
    assert_eq!(engine.dispatch_pending(&gw).await.unwrap().sent.len(), 0);
    assert_eq!(gw.sent().len(), 2);
}

async fn sixteen_concurrent_votes_limit_one(f: Fixture) {
    let engine = Arc::new(Inbound::new(poll_config(Limit::per_poll(1), false), f.store.clone()));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let e = engine.clone();
        tasks.push(tokio::spawn(async move {
            let m = inbound(&format!("c{i}"), "+48600100200", NUM, "VOTE B", "2026-05-01T10:00:00Z");
            e.ingest(&m).await.unwrap()
        }));
    }
    let mut accepted = 0;
    let mut over = 0;
    for t in tasks {
        match t.await.unwrap().outcome {
            Outcome::Poll { vote: VoteOutcome::Accepted { .. }, .. } => accepted += 1,
            Outcome::Poll { vote: VoteOutcome::OverLimit { .. }, .. } => over += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((accepted, over), (1, 15));
    assert_eq!(f.store.vote_counts("p").await.unwrap(), BTreeMap::from([("B".into(), 1)]));
    let texts: Vec<String> = f.store.outbox(None).await.unwrap().into_iter().map(|e| e.draft.text).collect();
    assert_eq!(texts.iter().filter(|t| *t == "Thanks B").count(), 1);
    assert_eq!(texts.iter().filter(|t| *t == "limit").count(), 15);
}

async fn code_pool_never_issues_twice(f: Fixture) {
    let engine = Arc::new(Inbound::new(poll_config(Limit::per_poll(1), true), f.store.clone()));
    let n = 5;
    let codes: Vec<String> = (0..n).map(|i| format!("RABAT-{i}")).collect();
    assert_eq!(f.store.add_codes("p", codes.clone()).await.unwrap(), n);
    // Adding the same codes again adds nothing.
    assert_eq!(f.store.add_codes("p", codes.clone()).await.unwrap(), 0);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let e = engine.clone();
        tasks.push(tokio::spawn(async move {
            let m = inbound(
                &format!("v{i}"),
                &format!("+486001002{i:02}"),
                NUM,
                "vote c",
                "2026-05-01T10:00:00Z",
            );
            let r = e.ingest(&m).await.unwrap();
            // The operator retries every webhook once.
            let again = e.ingest(&m).await.unwrap();
            assert!(again.duplicate);
            assert_eq!(again.outcome, r.outcome);
            r
        }));
    }
    let mut issued = Vec::new();
    let mut exhausted = 0;
    for t in tasks {
        match t.await.unwrap().outcome {
            Outcome::Poll { vote: VoteOutcome::Accepted { code: Some(c), .. }, .. } => issued.push(c),
            Outcome::Poll { vote: VoteOutcome::AcceptedPoolExhausted { .. }, .. } => exhausted += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(issued.len(), n);
    assert_eq!(exhausted, 12 - n);
    let distinct: BTreeSet<_> = issued.iter().cloned().collect();
    assert_eq!(distinct, codes.into_iter().collect());
    assert_eq!(f.store.codes_left("p").await.unwrap(), 0);
    let from_store = f.store.issued_codes("p").await.unwrap();
    assert_eq!(from_store.len(), n);
    assert_eq!(f.store.vote_counts("p").await.unwrap(), BTreeMap::from([("C".into(), 12)]));
    let texts: Vec<String> = f.store.outbox(None).await.unwrap().into_iter().map(|e| e.draft.text).collect();
    assert_eq!(texts.iter().filter(|t| *t == "no codes left").count(), 12 - n);
}

async fn maybe_sent_is_reported_not_resent(f: Fixture) {
    let engine = Inbound::new(poll_config(Limit::UNLIMITED, false), f.store.clone()).with_max_attempts(2);
    for (i, who) in ["+48600100201", "+48600100202", "+48600100203"].iter().enumerate() {
        engine.ingest(&inbound(&format!("d{i}"), who, NUM, "vote a", "2026-05-01T10:00:00Z")).await.unwrap();
    }
    let gw = RecGateway::new();
    gw.script([Script::MaybeSent, Script::NotSent, Script::Ok]);
    let rep = engine.dispatch_pending(&gw).await.unwrap();
    assert_eq!(rep.uncertain.len(), 1);
    assert!(rep.uncertain[0].1.contains("timed out"));
    assert_eq!(rep.retry.len(), 1);
    assert_eq!(rep.sent.len(), 1);
    let uncertain_id = rep.uncertain[0].0;
    let retry_id = rep.retry[0];
    // Next round: only the NotSent entry is tried again; it fails again and is given up (2 attempts).
    gw.script([Script::NotSent]);
    let rep2 = engine.dispatch_pending(&gw).await.unwrap();
    assert_eq!(rep2.failed.iter().map(|f| f.0).collect::<Vec<_>>(), vec![retry_id]);
    assert!(rep2.sent.is_empty() && rep2.uncertain.is_empty());
    assert_eq!(gw.sent().len(), 4);
    assert_eq!(gw.sent().iter().filter(|s| s.client_ref == format!("bramkaob{uncertain_id}")).count(), 1);
    let third = engine.dispatch_pending(&gw).await.unwrap();
    assert_eq!(third, Default::default());
    let uncertain = f.store.outbox(Some("uncertain")).await.unwrap();
    assert_eq!(uncertain.len(), 1);
    assert!(matches!(&uncertain[0].state, OutboxState::Uncertain { error } if error.contains("timed out")));
    let failed = f.store.outbox(Some("failed")).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 2);
}

async fn in_flight_entries_are_never_resent(f: Fixture) {
    let engine = Inbound::new(poll_config(Limit::UNLIMITED, false), f.store.clone());
    engine.ingest(&inbound("f1", "+48600100201", NUM, "vote a", "2026-05-01T10:00:00Z")).await.unwrap();
    engine.ingest(&inbound("f2", "+48600100202", NUM, "vote b", "2026-05-01T10:00:00Z")).await.unwrap();
    // A dispatcher claims the first entry and crashes before sending it.
    let claimed = f.store.claim_outbox(bramka_inbound::Channel::Sms, 1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].state, OutboxState::InFlight);
    let gw = RecGateway::new();
    let rep = engine.dispatch_pending(&gw).await.unwrap();
    assert_eq!(rep.sent.len(), 1);
    assert_eq!(gw.sent().len(), 1);
    assert_eq!(gw.sent()[0].text, "Thanks B");
    let stuck = f.store.outbox(Some("in_flight")).await.unwrap();
    assert_eq!(stuck.iter().map(|e| e.id).collect::<Vec<_>>(), vec![claimed[0].id]);
    // Finishing an entry that is not in flight is refused.
    let sent_id = rep.sent[0];
    let err = f.store.finish_outbox(sent_id, bramka_inbound::SendResult::Sent(None)).await.unwrap_err();
    assert!(err.to_string().contains("expected in_flight"), "{err}");
}

async fn inbox_queries(f: Fixture) {
    let mut cfg = poll_config(Limit::UNLIMITED, false);
    cfg.add_route(NUM, "INFO", bramka_inbound::Target::Inbox("info".into())).unwrap();
    let clock = Arc::new(bramka_core::clock::ManualClock::new(common::at("2026-06-01T08:00:00Z")));
    let engine = Inbound::new(cfg, f.store.clone()).with_clock(clock);
    let rows = [
        ("q1", "+48600100201", NUM, "vote a", "2026-05-01T10:00:00Z"),
        ("q2", "+48600100202", NUM, "hello", "2026-05-02T10:00:00Z"),
        ("q3", "+48600100201", "+48790999999", "other number", "2026-05-03T10:00:00Z"),
        ("q4", "+48600100201", NUM, "vote b", "2026-05-04T10:00:00Z"),
        ("q5", "+48600100209", NUM, "info hi", "2026-05-05T10:00:00Z"),
    ];
    for (id, from, to, text, t) in rows {
        engine.ingest(&inbound(id, from, to, text, t)).await.unwrap();
    }
    let ids = |v: Vec<bramka_inbound::StoredMessage>| v.into_iter().map(|m| m.message_id).collect::<Vec<_>>();
    let s = &f.store;
    assert_eq!(
        ids(s.messages_page(&MessageQuery::all(), 0, 10).await.unwrap()),
        ["q1", "q2", "q3", "q4", "q5"]
    );
    let range =
        MessageQuery::all().between(common::at("2026-05-02T00:00:00Z"), common::at("2026-05-04T10:00:00Z"));
    assert_eq!(ids(s.messages_page(&range, 0, 10).await.unwrap()), ["q2", "q3"]);
    assert_eq!(
        ids(s.messages_page(&MessageQuery::all().to("48790100200"), 0, 10).await.unwrap()),
        ["q1", "q2", "q4", "q5"]
    );
    assert_eq!(
        ids(s.messages_page(&MessageQuery::all().from("+48 600 100 201").to(NUM), 0, 10).await.unwrap()),
        ["q1", "q4"]
    );
    assert_eq!(ids(s.messages_page(&MessageQuery::all().poll("p"), 0, 10).await.unwrap()), ["q1", "q4"]);
    assert_eq!(ids(s.messages_page(&MessageQuery::all().unmatched(), 0, 10).await.unwrap()), ["q2", "q3"]);
    assert_eq!(ids(s.messages_page(&MessageQuery::all().inbox("info"), 0, 10).await.unwrap()), ["q5"]);
    assert!(s.messages_page(&MessageQuery::all().poll("other"), 0, 10).await.unwrap().is_empty());
    // Keyset paging.
    let page1 = s.messages_page(&MessageQuery::all(), 0, 2).await.unwrap();
    let page2 = s.messages_page(&MessageQuery::all(), page1[1].row, 2).await.unwrap();
    assert_eq!(ids(page1), ["q1", "q2"]);
    assert_eq!(ids(page2), ["q3", "q4"]);
    let stored = s.messages_page(&MessageQuery::all(), 0, 1).await.unwrap().remove(0);
    assert_eq!(stored.text, "vote a");
    assert_eq!(stored.received_at, common::at("2026-05-01T10:00:00Z"));
    assert_eq!(stored.first_seen, common::at("2026-06-01T08:00:00Z"), "first seen comes from the clock");
}

/// Two polls (and a third registered later) draw from one named code group, filled once: every
/// code goes out once across them, then the group is exhausted for all.
async fn a_code_group_is_shared_across_polls(f: Fixture) {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUM)).unwrap();
    for (id, prefix) in [("spring", "WIOSNA"), ("summer", "LATO")] {
        let poll = Poll::builder(id, id, NUM)
            .prefix(prefix)
            .option(PollOption::new("A"))
            .default_reply("Kod: {code}")
            .pool_exhausted_reply("Brak kodow")
            .code_group("RABATY")
            .build()
            .unwrap();
        assert_eq!(poll.code_pool(), "RABATY");
        cfg.add_poll(poll).unwrap();
    }
    assert_eq!(f.store.add_codes("RABATY", vec!["R1".into(), "R2".into(), "R3".into()]).await.unwrap(), 3);
    let engine = Inbound::new(cfg.clone(), f.store.clone());
    let mut issued = Vec::new();
    for (i, text) in ["wiosna a", "lato a"].iter().enumerate() {
        let m = inbound(&format!("g{i}"), &format!("+4860010030{i}"), NUM, text, "2026-05-01T10:00:00Z");
        match engine.ingest(&m).await.unwrap().outcome {
            Outcome::Poll { vote: VoteOutcome::Accepted { code: Some(c), .. }, .. } => issued.push(c),
            other => panic!("unexpected {other:?}"),
        }
    }
    // A later poll reuses the same group.
    cfg.add_poll(
        Poll::builder("autumn", "autumn", NUM)
            .prefix("JESIEN")
            .option(PollOption::new("A"))
            .pool_exhausted_reply("Brak kodow")
            .code_group("RABATY")
            .build()
            .unwrap(),
    )
    .unwrap();
    let engine = Inbound::new(cfg, f.store.clone());
    for i in 2..4 {
        let m =
            inbound(&format!("g{i}"), &format!("+4860010030{i}"), NUM, "jesien a", "2026-05-01T10:00:00Z");
        match engine.ingest(&m).await.unwrap().outcome {
            Outcome::Poll { vote: VoteOutcome::Accepted { code: Some(c), .. }, .. } => issued.push(c),
            Outcome::Poll { vote: VoteOutcome::AcceptedPoolExhausted { .. }, .. } => assert_eq!(i, 3),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(issued, ["R1", "R2", "R3"]);
    assert_eq!(f.store.codes_left("RABATY").await.unwrap(), 0);
    assert_eq!(f.store.issued_codes("spring").await.unwrap(), [("R1".to_owned(), "+48600100300".to_owned())]);
    assert_eq!(f.store.issued_codes("autumn").await.unwrap(), [("R3".to_owned(), "+48600100302".to_owned())]);
    let texts: Vec<String> = f.store.outbox(None).await.unwrap().into_iter().map(|e| e.draft.text).collect();
    assert!(texts.contains(&"Kod: R1".to_owned()) && texts.contains(&"Brak kodow".to_owned()), "{texts:?}");
}

macro_rules! store_suite {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn duplicate_delivery_counts_once() {
                super::duplicate_delivery_counts_once($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sixteen_concurrent_votes_limit_one() {
                super::sixteen_concurrent_votes_limit_one($make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn code_pool_never_issues_twice() {
                super::code_pool_never_issues_twice($make).await
            }
            #[tokio::test]
            async fn maybe_sent_is_reported_not_resent() {
                super::maybe_sent_is_reported_not_resent($make).await
            }
            #[tokio::test]
            async fn in_flight_entries_are_never_resent() {
                super::in_flight_entries_are_never_resent($make).await
            }
            #[tokio::test]
            async fn inbox_queries() {
                super::inbox_queries($make).await
            }
            #[tokio::test]
            async fn a_code_group_is_shared_across_polls() {
                super::a_code_group_is_shared_across_polls($make).await
            }
        }
    };
}

store_suite!(memory_store, memory());
#[cfg(feature = "sqlite")]
store_suite!(sqlite_memory, sqlite_mem());
#[cfg(feature = "sqlite")]
store_suite!(sqlite_wal_file, sqlite_file());
#[cfg(feature = "postgres")]
store_suite!(postgres, postgres().await);

// ---------------------------------------------------------------------------------------------
// SQLite only: the file survives a crash between commit and send.

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_crash_between_commit_and_send_loses_nothing() {
    let tmp = TempDb::new();
    {
        let store = Arc::new(SqliteStore::open(&tmp.0).unwrap());
        assert_eq!(store.journal_mode().await.unwrap(), "wal");
        let engine = Inbound::new(poll_config(Limit::UNLIMITED, false), store);
        engine.ingest(&inbound("k1", "+48600100201", NUM, "vote a", "2026-05-01T10:00:00Z")).await.unwrap();
        // The process dies here: committed, never dispatched.
    }
    let store = Arc::new(SqliteStore::open(&tmp.0).unwrap());
    let engine = Inbound::new(poll_config(Limit::UNLIMITED, false), store.clone());
    // The operator retries the webhook after the restart: still a duplicate.
    let again =
        engine.ingest(&inbound("k1", "+48600100201", NUM, "vote a", "2026-05-01T10:00:00Z")).await.unwrap();
    assert!(again.duplicate);
    let gw = RecGateway::new();
    let rep = engine.dispatch_pending(&gw).await.unwrap();
    assert_eq!(rep.sent.len(), 1);
    assert_eq!(gw.sent()[0].text, "Thanks A");
    assert_eq!(gw.sent()[0].to, "+48600100201");
    assert_eq!(store.vote_counts("p").await.unwrap(), BTreeMap::from([("A".into(), 1)]));
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_connections_on_one_file_still_accept_one_vote_and_never_share_a_code() {
    // Two stores on one file behave like two processes: BEGIN IMMEDIATE serialises them.
    let tmp = TempDb::new();
    let a: Arc<dyn Store> = Arc::new(SqliteStore::open(&tmp.0).unwrap());
    let b: Arc<dyn Store> = Arc::new(SqliteStore::open(&tmp.0).unwrap());
    a.add_codes("p", (0..3).map(|i| format!("K{i}")).collect()).await.unwrap();
    let ea = Arc::new(Inbound::new(poll_config(Limit::per_poll(1), true), a.clone()));
    let eb = Arc::new(Inbound::new(poll_config(Limit::per_poll(1), true), b.clone()));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let e = if i % 2 == 0 { ea.clone() } else { eb.clone() };
        tasks.push(tokio::spawn(async move {
            // Eight senders, each sending twice (through both connections).
            let from = format!("+4860010030{}", i / 2);
            e.ingest(&inbound(&format!("x{i}"), &from, NUM, "vote a", "2026-05-01T10:00:00Z")).await.unwrap()
        }));
    }
    let mut statuses = BTreeMap::<&'static str, usize>::new();
    for t in tasks {
        let r = t.await.unwrap();
        if let Outcome::Poll { vote, .. } = r.outcome {
            *statuses.entry(vote.as_str()).or_default() += 1;
        }
    }
    assert_eq!(
        statuses,
        BTreeMap::from([("accepted", 3), ("accepted_pool_exhausted", 5), ("over_limit", 8)])
    );
    let codes = b.issued_codes("p").await.unwrap();
    let distinct: BTreeSet<_> = codes.iter().map(|c| c.0.clone()).collect();
    assert_eq!(distinct.len(), 3);
    let senders: BTreeSet<_> = codes.iter().map(|c| c.1.clone()).collect();
    assert_eq!(senders.len(), 3, "one code per sender");
    assert_eq!(a.vote_counts("p").await.unwrap(), BTreeMap::from([("A".into(), 8)]));
}
