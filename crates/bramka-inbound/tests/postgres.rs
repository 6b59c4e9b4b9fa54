//! PostgreSQL only: several instances on one database (scale-out), a dispatcher killed mid-send,
//! migrations, and the connection URL's password. Runs on a real server the tests start
//! themselves (bramka-pgtest); fails with install instructions when the binaries are missing.
#![cfg(feature = "postgres")]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bramka_core::{Capabilities, Error, Gateway, Message, SendReport};
use bramka_inbound::{
    Config, Inbound, Ingested, Limit, MessageQuery, OutboxState, Outcome, Poll, PollOption, PostgresStore,
    ReceivingNumber, Store, StoreError, VoteOutcome,
};
use common::{RecGateway, inbound};

const NUM: &str = "+48790100200";

fn poll_config() -> Config {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUM).reply_sender("TV")).unwrap();
    cfg.add_poll(
        Poll::builder("p", "Poll", NUM)
            .prefix("VOTE")
            .option(PollOption::new("A"))
            .option(PollOption::new("B"))
            .option(PollOption::new("C"))
            .default_reply("Thanks {option} {code}")
            .over_limit_reply("limit")
            .pool_exhausted_reply("no codes left")
            .limit(Limit::per_poll(1))
            .discount_codes(true)
            .build()
            .unwrap(),
    )
    .unwrap();
    cfg
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn vote(m: &Ingested) -> &VoteOutcome {
    match &m.outcome {
        Outcome::Poll { vote, .. } => vote,
        other => panic!("not a poll answer: {other:?}"),
    }
}

/// Three instances (own pools) ingest 10,000 deliveries, 30 % of them repeats of earlier ones,
/// while three dispatchers (one per instance) send the outbox: nothing is stored, counted,
/// handed out or sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_one_database_nothing_twice() {
    const DELIVERIES: usize = 10_000;
    const DISTINCT: usize = 7_000;
    const SENDERS: u64 = 4_000;
    const CODES: usize = 2_500;
    const WRITERS_PER_INSTANCE: usize = 4;

    let db = bramka_pgtest::database();
    let mut engines = Vec::new();
    for _ in 0..3 {
        let store: Arc<dyn Store> =
            Arc::new(PostgresStore::connect_with_pool_size(db.url(), 6).await.unwrap());
        engines.push(Arc::new(Inbound::new(poll_config(), store)));
    }
    let store = engines[0].store().clone();
    let codes: Vec<String> = (0..CODES).map(|i| format!("K{i:05}")).collect();
    assert_eq!(store.add_codes("p", codes.clone()).await.unwrap(), CODES);

    // 7,000 distinct messages from 4,000 senders (so many senders vote twice: over the limit),
    // then 3,000 repeats of random earlier deliveries, all shuffled.
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut deliveries: Vec<usize> = (0..DISTINCT).collect();
    deliveries.extend((0..DELIVERIES - DISTINCT).map(|_| rng.below(DISTINCT as u64) as usize));
    for i in (1..deliveries.len()).rev() {
        deliveries.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let messages: Vec<_> = (0..DISTINCT)
        .map(|i| {
            let from = format!("+48600{:06}", i as u64 % SENDERS);
            let text = ["vote a", "vote b", "VOTE C"][i % 3];
            inbound(&format!("op-{i}"), &from, NUM, text, "2026-05-01T20:00:00Z")
        })
        .collect();
    let messages = Arc::new(messages);

    // Writers: 4 tasks per instance take deliveries round-robin.
    let writers = 3 * WRITERS_PER_INSTANCE;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let engine = engines[w % 3].clone();
        let mine: Vec<usize> = deliveries.iter().copied().skip(w).step_by(writers).collect();
        let messages = messages.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(mine.len());
            for i in mine {
                out.push((i, engine.ingest(&messages[i]).await.unwrap()));
            }
            out
        }));
    }
    // Dispatchers: one per instance, all sending to one recording gateway, while ingestion runs.
    let gateway = Arc::new(RecGateway::new());
    let done = Arc::new(AtomicBool::new(false));
    let mut dispatchers = Vec::new();
    for e in &engines {
        let (e, gw, done) = (e.clone(), gateway.clone(), done.clone());
        dispatchers.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let rep = e.dispatch_pending(&*gw).await.unwrap();
                assert!(rep.failed.is_empty() && rep.uncertain.is_empty() && rep.retry.is_empty());
                sent.extend(rep.sent);
                if finished {
                    return sent;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    let mut results: Vec<(usize, Ingested)> = Vec::new();
    for t in tasks {
        results.extend(t.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let mut sent_ids = Vec::new();
    for d in dispatchers {
        sent_ids.extend(d.await.unwrap());
    }

    // Every delivery got an answer; exactly one per distinct message is new, and every repeat
    // reports the first one's row and outcome.
    assert_eq!(results.len(), DELIVERIES);
    let mut first: HashMap<usize, &Ingested> = HashMap::new();
    for (i, r) in results.iter().filter(|(_, r)| !r.duplicate) {
        assert!(first.insert(*i, r).is_none(), "message {i} stored twice");
    }
    assert_eq!(first.len(), DISTINCT);
    for (i, r) in results.iter().filter(|(_, r)| r.duplicate) {
        assert_eq!((r.row, &r.outcome), (first[i].row, &first[i].outcome), "repeat of {i}");
        assert!(r.outbox.is_empty());
    }
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let page = store.messages_page(&MessageQuery::all(), after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.row;
        stored.extend(page);
    }
    assert_eq!(stored.len(), DISTINCT);
    assert_eq!(stored.iter().map(|m| &m.message_id).collect::<BTreeSet<_>>().len(), DISTINCT);

    // Votes: one accepted answer per sender (limit 1), the rest over the limit.
    let mut accepted_by_sender: BTreeMap<&str, usize> = BTreeMap::new();
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for (i, r) in &first {
        match vote(r) {
            VoteOutcome::Accepted { option, .. } | VoteOutcome::AcceptedPoolExhausted { option } => {
                *accepted_by_sender.entry(messages[*i].from.as_str()).or_default() += 1;
                *counted.entry(option.clone()).or_default() += 1;
            }
            VoteOutcome::OverLimit { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(accepted_by_sender.len() as u64, SENDERS);
    assert!(accepted_by_sender.values().all(|n| *n == 1), "a sender counted twice");
    assert_eq!(store.vote_counts("p").await.unwrap(), counted);
    assert_eq!(counted.values().sum::<u64>(), SENDERS);

    // Codes: the whole pool handed out, each code once, to distinct senders.
    let issued = store.issued_codes("p").await.unwrap();
    assert_eq!(issued.len(), CODES);
    assert_eq!(issued.iter().map(|c| &c.0).collect::<BTreeSet<_>>(), codes.iter().collect());
    assert_eq!(issued.iter().map(|c| &c.1).collect::<BTreeSet<_>>().len(), CODES);
    assert_eq!(store.codes_left("p").await.unwrap(), 0);
    let exhausted =
        first.values().filter(|r| matches!(vote(r), VoteOutcome::AcceptedPoolExhausted { .. })).count()
            as u64;
    assert_eq!(exhausted, SENDERS - CODES as u64);

    // Replies: one per distinct message, each sent exactly once, all marked sent.
    let outbox = store.outbox(None).await.unwrap();
    assert_eq!(outbox.len(), DISTINCT);
    assert!(outbox.iter().all(|e| matches!(e.state, OutboxState::Sent { .. })));
    let sent = gateway.sent();
    assert_eq!(sent.len(), DISTINCT, "sends at the gateway");
    let refs: BTreeSet<_> = sent.iter().map(|s| s.client_ref.clone()).collect();
    assert_eq!(refs.len(), DISTINCT, "an entry was sent twice");
    assert_eq!(refs, outbox.iter().map(|e| format!("bramkaob{}", e.id)).collect());
    sent_ids.sort_unstable();
    sent_ids.dedup();
    assert_eq!(sent_ids.len(), DISTINCT);
    let texts_with_code = sent.iter().filter(|s| s.text.contains(" K")).count();
    assert_eq!(texts_with_code, CODES);
}

/// Two instances receive the same webhook at the same moment, and two different answers of one
/// number at the same moment: each webhook is stored once (the other delivery reports the same
/// row and outcome), each number is counted once, each code goes out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_racing_on_the_same_webhook_and_the_same_number() {
    let db = bramka_pgtest::database();
    let a: Arc<dyn Store> = Arc::new(PostgresStore::connect_with_pool_size(db.url(), 8).await.unwrap());
    let b: Arc<dyn Store> = Arc::new(PostgresStore::connect_with_pool_size(db.url(), 8).await.unwrap());
    a.add_codes("p", (0..150).map(|i| format!("K{i:03}")).collect()).await.unwrap();
    let (ea, eb) =
        (Arc::new(Inbound::new(poll_config(), a.clone())), Arc::new(Inbound::new(poll_config(), b)));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (ea, eb) = (ea.clone(), eb.clone());
        tasks.push(tokio::spawn(async move {
            let from = format!("+48600{i:06}");
            let same = inbound(&format!("s{i}"), &from, NUM, "vote a", "2026-05-01T20:00:00Z");
            let other = inbound(&format!("o{i}"), &from, NUM, "vote b", "2026-05-01T20:00:00Z");
            // Both instances at once: the same webhook, and the number's second answer.
            let (x, y, z) = tokio::join!(ea.ingest(&same), eb.ingest(&same), eb.ingest(&other));
            (x.unwrap(), y.unwrap(), z.unwrap())
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let (x, y, z) = t.await.unwrap();
        assert_eq!(u8::from(x.duplicate) + u8::from(y.duplicate), 1, "{x:?} / {y:?}");
        assert_eq!((x.row, &x.outcome), (y.row, &y.outcome));
        assert!(!z.duplicate);
        let counted = [vote(&x), vote(&z)].iter().filter(|v| v.is_accepted()).count();
        assert_eq!(counted, 1, "one answer per number: {x:?} / {z:?}");
        accepted += counted;
    }
    assert_eq!(accepted, 100);
    assert_eq!(a.messages_page(&MessageQuery::all(), 0, 1000).await.unwrap().len(), 200);
    assert_eq!(a.vote_counts("p").await.unwrap().values().sum::<u64>(), 100);
    let issued = a.issued_codes("p").await.unwrap();
    assert_eq!(issued.len(), 100);
    assert_eq!(issued.iter().map(|c| &c.0).collect::<BTreeSet<_>>().len(), 100);
    assert_eq!(a.codes_left("p").await.unwrap(), 50);
    assert_eq!(a.outbox(None).await.unwrap().len(), 200, "one reply per stored message");
}

/// A gateway that never answers: the dispatcher holding it is killed while "sending".
#[derive(Debug, Default)]
struct Hanging {
    caps: Capabilities,
    entered: tokio::sync::Notify,
}

#[async_trait]
impl Gateway for Hanging {
    fn id(&self) -> &str {
        "hanging"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, _: &Message) -> Result<SendReport, Error> {
        self.entered.notify_one();
        std::future::pending().await
    }
}

/// An instance's dispatcher dies mid-send: its claimed batch stays in flight, and the other
/// instances' dispatchers send everything else and never those.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dispatcher_killed_mid_send_leaves_its_batch_in_flight() {
    let db = bramka_pgtest::database();
    let doomed_store: Arc<dyn Store> =
        Arc::new(PostgresStore::connect_with_pool_size(db.url(), 2).await.unwrap());
    let doomed = Arc::new(Inbound::new(poll_config(), doomed_store));
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect_with_pool_size(db.url(), 4).await.unwrap());
    let survivor = Arc::new(Inbound::new(poll_config(), store.clone()));
    for i in 0..150 {
        let from = format!("+48600{i:06}");
        survivor
            .ingest(&inbound(&format!("k{i}"), &from, NUM, "vote a", "2026-05-01T20:00:00Z"))
            .await
            .unwrap();
    }
    let hanging = Arc::new(Hanging::default());
    let entered = hanging.entered.notified();
    let task = {
        let (d, h) = (doomed.clone(), hanging.clone());
        tokio::spawn(async move { d.dispatch_pending(&*h).await })
    };
    entered.await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    drop(doomed); // its pool goes away, as the process would

    let in_flight: Vec<i64> = store.outbox(Some("in_flight")).await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(in_flight.len(), 100, "the dead dispatcher's batch");

    let gateway = Arc::new(RecGateway::new());
    let mut others = Vec::new();
    for _ in 0..2 {
        let (e, g) = (survivor.clone(), gateway.clone());
        others.push(tokio::spawn(async move { e.dispatch_pending(&*g).await.unwrap() }));
    }
    let mut sent = 0;
    for o in others {
        sent += o.await.unwrap().sent.len();
    }
    assert_eq!(sent, 50);
    assert_eq!(gateway.sent().len(), 50);
    let resent: Vec<_> = gateway
        .sent()
        .into_iter()
        .filter(|s| in_flight.iter().any(|id| s.client_ref == format!("bramkaob{id}")))
        .collect();
    assert!(resent.is_empty(), "resent: {resent:?}");
    // Later rounds do not pick them up either; they stay for an operator to look at.
    assert_eq!(survivor.dispatch_pending(&*gateway).await.unwrap().sent.len(), 0);
    let still: Vec<i64> = store.outbox(Some("in_flight")).await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(still, in_flight);
    assert_eq!(store.outbox(Some("sent")).await.unwrap().len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_for_instances_starting_together_and_a_newer_schema_is_refused() {
    let db = bramka_pgtest::database();
    let mut opening = Vec::new();
    for _ in 0..5 {
        let url = db.url().to_owned();
        opening.push(tokio::spawn(async move { PostgresStore::connect_with_pool_size(&url, 1).await }));
    }
    for o in opening {
        let s = o.await.unwrap().unwrap();
        assert_eq!(s.schema_version().await.unwrap(), bramka_inbound::store::SCHEMA_VERSION);
    }
    // Opening again keeps the data.
    let s = PostgresStore::connect(db.url()).await.unwrap();
    s.add_codes("p", vec!["X".into()]).await.unwrap();
    let s = PostgresStore::connect(db.url()).await.unwrap();
    assert_eq!(s.codes_left("p").await.unwrap(), 1);

    // A database migrated by a newer bramka is refused, clearly.
    let mut psql = db
        .cluster()
        .psql_command(db.name(), "UPDATE bramka_schema SET version = 99 WHERE component = 'inbound'");
    assert!(psql.status().unwrap().success());
    let err = PostgresStore::connect(db.url()).await.unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { found: 99, supported: 1 }), "{err:?}");
    assert!(err.to_string().contains("newer than this version of bramka-inbound supports"), "{err}");
}

#[tokio::test]
async fn the_password_never_shows() {
    let db = bramka_pgtest::database();
    let password = db.password().to_owned();
    let store = PostgresStore::connect(db.url()).await.unwrap();
    for s in [format!("{store:?}"), store.url().to_string(), format!("{:?}", store.url())] {
        assert!(!s.contains(&password), "{s}");
        assert!(s.contains(":***@127.0.0.1"), "{s}");
    }
    // A wrong password: refused by the server, and neither password appears in the error.
    let wrong = db.url().replace(&password, "not-the-Secret-9");
    let err = PostgresStore::connect(&wrong).await.unwrap_err();
    for s in [err.to_string(), format!("{err:?}")] {
        assert!(s.contains("password authentication failed"), "{s}");
        assert!(!s.contains(&password) && !s.contains("not-the-Secret-9"), "{s}");
    }
    // Nothing listening: the error names the masked URL only.
    let closed = db.url().replace(&format!(":{}/", db.cluster().port()), ":1/");
    let err = PostgresStore::connect(&closed).await.unwrap_err();
    let s = err.to_string();
    assert!(s.contains("connecting to postgres://bramka:***@127.0.0.1:1/"), "{s}");
    assert!(!s.contains(&password), "{s}");
}
