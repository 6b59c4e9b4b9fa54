//! The ledger through its public API: outcome mapping, campaigns and resume, queries in a time
//! zone, costs, CSV export and consent import; SQLite specifics at the end.

use std::sync::Arc;

use bramka_core::clock::ManualClock;
use bramka_core::testing::{MockGateway, MockResult};
use bramka_core::{Certainty, Error, ErrorKind, Gateway, Message, PhoneNumber, PhonePolicy};
use bramka_ledger::{
    Consent, CsvError, Intent, Ledger, MemoryStore, MessageRecord, Outcome, Query, Scope, State, Store,
    StoreError,
};
use chrono::{DateTime, NaiveDate, Utc};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn numbers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("+48600100{i:03}")).collect()
}

fn message(to: &[String], client_ref: &str) -> Message {
    let mut b = Message::builder().text("Sale today").client_ref(client_ref);
    for n in to {
        b = b.to(n.as_str());
    }
    b.build().unwrap()
}

fn states(rows: &[bramka_ledger::Entry]) -> Vec<State> {
    rows.iter().map(|r| r.state).collect()
}

#[tokio::test]
async fn send_outcomes_map_to_states() {
    let ledger = Ledger::in_memory();
    let mock = MockGateway::new();
    let gw = ledger.gateway(mock.clone());
    let to = numbers(3);
    let maybe = Error::new(ErrorKind::Unavailable, Certainty::MaybeSent, "502");
    let refused = Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, "bad number").with_code("13");
    mock.push_result(MockResult::Reject(vec![
        (to[1].parse().unwrap(), refused.clone()),
        (to[2].parse().unwrap(), maybe.clone()),
    ]));
    gw.send(&message(&to, "a1")).await.unwrap();
    let rows = ledger.entries(&Query::all()).await.unwrap();
    assert_eq!(states(&rows), [State::Accepted, State::Rejected, State::Uncertain]);
    assert!(rows[0].operator_id.is_some());
    assert_eq!((rows[1].error_code.as_deref(), rows[1].certainty.as_deref()), (Some("13"), Some("not_sent")));
    assert_eq!(rows[2].certainty.as_deref(), Some("maybe_sent"));

    mock.push_result(MockResult::TimeoutAfterSending);
    assert!(gw.send(&message(&to[..2], "a2")).await.unwrap_err().may_have_been_sent());
    mock.push_result(MockResult::Fail(Error::new(ErrorKind::Auth, Certainty::NotSent, "401")));
    assert_eq!(gw.send(&message(&to[..1], "a3")).await.unwrap_err().kind(), ErrorKind::Auth);
    let rows = ledger.entries(&Query::all()).await.unwrap();
    assert_eq!(states(&rows[3..]), [State::Uncertain, State::Uncertain, State::Rejected]);
    assert_eq!(rows[5].error_kind.as_deref(), Some("auth"));
    let m = ledger.store().message(rows[3].message).await.unwrap().unwrap();
    assert_eq!((m.client_ref.as_str(), m.text.as_str(), m.parts), ("a2", "Sale today", 1));
    assert!(ledger.recover().await.unwrap().is_empty(), "every answer was recorded");
}

/// A campaign stopped by a may-have-been-sent failure: the non-de-duplicating gateway never gets
/// the uncertain chunk again; the de-duplicating one gets it with the same keys and refuses it.
#[tokio::test]
async fn campaign_resume_never_sends_twice() {
    for dedupe in [false, true] {
        let ledger = Ledger::in_memory();
        let mock = if dedupe { MockGateway::new().with_server_dedupe() } else { MockGateway::new() };
        let to = numbers(25);
        let msg = message(&to, "camp");
        let c = ledger.create_campaign("spring", "shop", mock.id(), &msg, 10).await.unwrap();
        assert_eq!(c.recipients, 25);
        let rows = ledger.entries(&Query::all().campaign("spring")).await.unwrap();
        assert!(rows.iter().all(|r| r.state == State::NotAttempted));
        assert_eq!((rows[0].client_ref.as_str(), rows[24].client_ref.as_str()), ("campc1", "campc3"));

        mock.push_results([MockResult::Accept, MockResult::TimeoutAfterSending]);
        let first = ledger.run_campaign("spring", &mock).await.unwrap();
        assert!(first.stopped.as_ref().is_some_and(|e| e.may_have_been_sent()));
        assert_eq!(
            (first.count(State::Accepted), first.count(State::Uncertain), first.count(State::NotAttempted)),
            (10, 10, 5)
        );

        let again =
            ledger.create_campaign("spring", "shop", mock.id(), &message(&to, "other"), 10).await.unwrap();
        assert_eq!(again, c, "a rerun finds the campaign");
        let resumed = ledger.resume_campaign("spring", &mock).await.unwrap();
        assert!(resumed.is_complete());
        // Every recipient reached the operator exactly once (the mock records what it would
        // deliver: a duplicate key refused by a de-duplicating operator is not delivered).
        for n in &to {
            let p: PhoneNumber = n.parse().unwrap();
            let sent = mock.sent().iter().filter(|m| m.recipients().contains(&p)).count();
            assert_eq!(sent, 1, "{n} (dedupe {dedupe})");
        }
        let requests: Vec<String> = mock
            .calls()
            .iter()
            .filter_map(|c| c.message().map(|m| m.client_ref().as_str().to_owned()))
            .collect();
        if dedupe {
            assert_eq!((resumed.count(State::Accepted), resumed.uncertain.len()), (25, 0));
            // The uncertain chunk went again with its original key, and was refused as a duplicate.
            assert_eq!(requests, ["campc1", "campc2", "campc2", "campc3"]);
        } else {
            assert_eq!(requests, ["campc1", "campc2", "campc3"], "the uncertain chunk is never resent");
            assert_eq!((resumed.count(State::Accepted), resumed.uncertain.len()), (15, 10));
            assert_eq!(resumed.uncertain[0].to, to[10]);
        }
    }
}

#[tokio::test]
async fn campaign_refuses_suppressed_and_other_text() {
    let ledger = Ledger::in_memory();
    let mock = MockGateway::new();
    let to = numbers(4);
    ledger.suppress(&to[2].parse().unwrap(), Scope::account("shop"), "manual").await.unwrap();
    ledger.create_campaign("c", "shop", "mock", &message(&to, "r"), 2).await.unwrap();
    let r = ledger.run_campaign("c", &mock).await.unwrap();
    assert_eq!((r.sent, r.suppressed, r.count(State::Rejected)), (3, 1, 1));
    assert!(mock.sent().iter().all(|m| !m.recipients().iter().any(|p| p.e164() == to[2])));
    let other = Message::builder().to(to[0].as_str()).text("Another text").build().unwrap();
    let err = ledger.create_campaign("c", "shop", "mock", &other, 2).await.unwrap_err();
    assert!(matches!(err, StoreError::CampaignMismatch { .. }), "{err}");
    assert!(err.to_string().contains("another text"), "{err}");
    let err = ledger.run_campaign("nope", &mock).await.unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[tokio::test]
async fn daily_counts_follow_the_time_zone_and_costs_add_up() {
    let clock = ManualClock::new(at("2026-05-04T21:30:00Z")); // 23:30 in Warsaw
    let ledger = Ledger::in_memory().with_clock(Arc::new(clock.clone()));
    let mock = MockGateway::new();
    let gw = ledger.gateway(mock.clone()).account("shop");
    gw.send(&message(&numbers(2), "d1")).await.unwrap();
    clock.set(at("2026-05-04T22:30:00Z")); // 00:30 on 5 May in Warsaw, still 4 May in UTC
    mock.push_result(MockResult::reject(
        ["+48600100000"],
        Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, "x"),
    ));
    gw.send(&message(&numbers(3), "d2")).await.unwrap();

    let warsaw = ledger.daily_counts(&Query::all(), bramka_ledger::DEFAULT_TZ).await.unwrap();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    assert_eq!(
        warsaw.iter().map(|c| (c.date, c.total)).collect::<Vec<_>>(),
        [(d("2026-05-04"), 2), (d("2026-05-05"), 3)]
    );
    assert_eq!(warsaw[1].states.get(&State::Rejected), Some(&1));
    let utc = ledger.daily_counts(&Query::all(), chrono_tz::UTC).await.unwrap();
    assert_eq!(utc.iter().map(|c| (c.date, c.total)).collect::<Vec<_>>(), [(d("2026-05-04"), 5)]);

    // Prices are recorded by the store from outcomes.
    let store = Arc::new(MemoryStore::new());
    let l2 = Ledger::new(store.clone());
    let rec = |acct: &str| MessageRecord {
        options: Default::default(),
        id: 0,
        client_ref: "p".into(),
        account: acct.into(),
        gateway: "smsapi".into(),
        sender: None,
        text: "x".into(),
        encoding: "gsm7".into(),
        parts: 1,
        send_at: None,
        campaign: None,
        created_at: at("2026-05-04T10:00:00Z"),
    };
    let e = store
        .record_intent(Intent::new(
            rec("shop"),
            numbers(3).into_iter().map(|n| (n, "p".into())).collect(),
            State::Pending,
        ))
        .await
        .unwrap();
    let priced = |i: usize, p: f64| {
        let mut o = Outcome::new(e[i].id, State::Accepted, at("2026-05-04T10:00:01Z"));
        o.price = Some(p);
        o.currency = Some("PLN".into());
        o
    };
    store
        .record_outcomes(vec![
            priced(0, 0.16),
            priced(1, 0.32),
            Outcome::new(e[2].id, State::Accepted, at("2026-05-04T10:00:01Z")),
        ])
        .await
        .unwrap();
    let costs = l2.cost_totals(&Query::all(), bramka_ledger::DEFAULT_TZ).await.unwrap();
    assert_eq!(costs.len(), 1);
    assert!((costs[0].amount - 0.48).abs() < 1e-9);
    assert_eq!(
        (costs[0].account.as_str(), costs[0].currency.as_str(), costs[0].priced, costs[0].unpriced),
        ("shop", "PLN", 2, 1)
    );
}

#[tokio::test]
async fn csv_export_streams_pages_and_neutralises_formulas() {
    let store = Arc::new(MemoryStore::new());
    let ledger = Ledger::new(store.clone());
    let mut rec = MessageRecord {
        options: Default::default(),
        id: 0,
        client_ref: "x".into(),
        account: "=HYPERLINK(\"http://evil\")".into(),
        gateway: "smsapi".into(),
        sender: Some("@Shop".into()),
        text: "x".into(),
        encoding: "gsm7".into(),
        parts: 1,
        send_at: None,
        campaign: None,
        created_at: at("2026-05-04T10:00:00Z"),
    };
    let many: Vec<(String, String)> = (0..2500).map(|i| (format!("+48600{i:06}"), "x".to_owned())).collect();
    store.record_intent(Intent::new(rec.clone(), many, State::NotAttempted)).await.unwrap();
    rec.account = "shop".into();
    store
        .record_intent(Intent::new(rec, vec![("+48600100200".into(), "x".into())], State::NotAttempted))
        .await
        .unwrap();
    let mut out = Vec::new();
    let n = ledger.export_csv(&Query::all(), bramka_ledger::DEFAULT_TZ, &mut out).await.unwrap();
    assert_eq!(n, 2501);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2502);
    assert!(lines[0].starts_with("id,created_at,updated_at,account"));
    assert!(lines[1].starts_with("1,2026-05-04T12:00:00+02:00,"), "{}", lines[1]);
    assert!(lines[1].contains(r#""'=HYPERLINK(""http://evil"")""#), "{}", lines[1]);
    assert!(lines[1].contains(",'@Shop,"), "{}", lines[1]);
    assert!(lines[2501].contains(",+48600100200,"), "phone numbers stay readable: {}", lines[2501]);
    let ids: Vec<i64> = lines[1..].iter().map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]) && ids.len() == 2501);
}

#[tokio::test]
async fn consent_import_lists_every_bad_row_and_writes_nothing_then_imports() {
    let ledger = Ledger::in_memory();
    let policy = PhonePolicy::with_default_prefix("48");
    let bad = "number,scope,at\n600100200,shop,2026-05-01T10:00:00Z\nnot a number,,\n600100201,,yesterday\n";
    let err = ledger.import_consents_csv(bad.as_bytes(), Scope::Global, "import", &policy).await.unwrap_err();
    match &err {
        CsvError::BadRows { rows } => assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 4]),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("yesterday"), "{err}");
    let n: Vec<PhoneNumber> =
        ["+48600100200", "+48600100201", "+48600100202"].iter().map(|s| s.parse().unwrap()).collect();
    assert_eq!(ledger.missing_consent("shop", &n).await.unwrap().len(), 3, "nothing was imported");

    let good = "Phone,scope,source,withdrawn_at\n600100200,shop,web,\n+48 600 100 201,,paper,\n600100202,,web,2026-05-02T00:00:00Z\n";
    assert_eq!(
        ledger.import_consents_csv(good.as_bytes(), Scope::Global, "import", &policy).await.unwrap(),
        3
    );
    let missing = ledger.missing_consent("shop", &n).await.unwrap();
    assert_eq!(missing, vec![n[2].clone()], "withdrawn consent is not consent");
    assert_eq!(ledger.missing_consent("erp", &n).await.unwrap(), vec![n[0].clone(), n[2].clone()]);
    let no_col =
        ledger.import_consents_csv("tel\n1\n".as_bytes(), Scope::Global, "x", &policy).await.unwrap_err();
    assert!(matches!(no_col, CsvError::NoNumberColumn { .. }), "{no_col}");
    let _ = Consent::new("+48600100200", Scope::Global, "x", at("2026-05-01T00:00:00Z"));
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use bramka_ledger::SqliteStore;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("bramka-ledger-sqlite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
        p
    }

    #[tokio::test]
    async fn file_is_wal_migrated_and_persists() {
        let p = tmp("persist.db");
        {
            let s = SqliteStore::open(&p).unwrap();
            assert_eq!(s.journal_mode().await.unwrap(), "wal");
            assert_eq!(s.schema_version().await.unwrap(), bramka_ledger::store::SCHEMA_VERSION);
            let ledger = Ledger::new(Arc::new(s));
            ledger.gateway(MockGateway::new()).send(&message(&numbers(2), "p1")).await.unwrap();
        }
        let ledger = Ledger::open(&p).unwrap();
        let rows = ledger.entries(&Query::all()).await.unwrap();
        assert_eq!(states(&rows), [State::Accepted, State::Accepted]);
    }

    #[tokio::test]
    async fn newer_schema_is_refused_untouched() {
        let p = tmp("newer.db");
        SqliteStore::open(&p).unwrap();
        {
            let c = rusqlite::Connection::open(&p).unwrap();
            c.execute_batch("PRAGMA user_version = 99").unwrap();
        }
        let err = SqliteStore::open(&p).unwrap_err();
        assert_eq!(err, StoreError::SchemaTooNew { found: 99, known: bramka_ledger::store::SCHEMA_VERSION });
        assert!(err.to_string().contains("upgrade bramka-ledger"), "{err}");
        let c = rusqlite::Connection::open(&p).unwrap();
        let v: u32 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 99, "the database was not changed");
    }
}

#[tokio::test]
async fn optional_operations_reach_the_wrapped_gateway() {
    use bramka_core::testing::MockCall;
    use bramka_core::{Capabilities, Capability};
    let ledger = Ledger::in_memory();
    let caps = Capabilities::new().with(Capability::Cancel).with(Capability::Pause).with(Capability::Balance);
    let mock = MockGateway::new().with_capabilities(caps);
    let gw = ledger.gateway(mock.clone());
    // The mock knows no such ids: its own NotFound proves the call reached it.
    for result in [gw.cancel("bulk-1").await, gw.pause("bulk-2").await, gw.resume("bulk-2").await] {
        assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
    }
    let calls = mock.calls();
    assert!(calls.iter().any(|c| matches!(c, MockCall::Cancel(id) if id == "bulk-1")), "{calls:?}");
    assert!(calls.iter().any(|c| matches!(c, MockCall::Pause(id) if id == "bulk-2")), "{calls:?}");
    assert!(calls.iter().any(|c| matches!(c, MockCall::Resume(id) if id == "bulk-2")), "{calls:?}");
    mock.set_balance(Err(Error::new(ErrorKind::Auth, Certainty::NotSent, "no balance for you")));
    let e = gw.balance().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "the wrapped gateway's answer, not Unsupported: {e}");
}
