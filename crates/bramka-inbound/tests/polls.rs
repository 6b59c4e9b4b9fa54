//! Poll behaviour: replies, windows across DST, daily limits in Europe/Warsaw, groups, stats.

mod common;

use std::sync::Arc;

use bramka_inbound::report::{ExportOptions, write_statistics_csv};
use bramka_inbound::{
    Config, Inbound, Limit, LimitPeriod, MemoryStore, Outcome, Poll, PollOption, ReceivingNumber, Store,
    VoteOutcome,
};
use common::inbound;

const NUM: &str = "+48790100200";

fn number(cfg: &mut Config) {
    cfg.add_number(ReceivingNumber::dedicated(NUM).reply_sender("NUMBER")).unwrap();
}

fn rating_poll() -> Poll {
    Poll::builder("rating", "Ocena", NUM)
        .option(PollOption::new("1").alias("jeden").reply("Przykro nam"))
        .option(PollOption::new("3"))
        .option(PollOption::new("5").alias("pięć").reply("To świetnie!"))
        .default_reply("Dziękujemy za ocenę {option}")
        .unknown_answer_reply("Nie rozumiem, odpowiedz 1, 3 lub 5")
        .outside_window_reply("Głosowanie zamknięte")
        .reply_sender("ANKIETA")
        .local_window("2026-03-28T20:00:00".parse().unwrap(), "2026-03-29T20:00:00".parse().unwrap())
        .build()
        .unwrap()
}

async fn texts(store: &MemoryStore) -> Vec<(String, Option<String>, String)> {
    store
        .outbox(None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.draft.to, e.draft.sender, e.draft.text))
        .collect()
}

fn vote_of(o: &Outcome) -> &VoteOutcome {
    match o {
        Outcome::Poll { vote, .. } => vote,
        other => panic!("not a poll outcome: {other:?}"),
    }
}

#[tokio::test]
async fn option_default_unknown_and_window_replies() {
    let mut cfg = Config::new();
    number(&mut cfg);
    cfg.add_poll(rating_poll()).unwrap();
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(cfg, store.clone());
    let cases = [
        ("r1", "1", "2026-03-29T10:00:00Z", "accepted"),
        ("r2", "pięć", "2026-03-29T10:00:00Z", "accepted"),
        ("r3", "piec", "2026-03-29T10:00:00Z", "accepted"),
        ("r4", "3", "2026-03-29T10:00:00Z", "accepted"),
        ("r5", "7", "2026-03-29T10:00:00Z", "unknown_answer"),
        // Window: starts 2026-03-28 20:00 CET = 19:00Z (inclusive) ...
        ("r6", "5", "2026-03-28T18:59:59Z", "outside_window"),
        ("r7", "5", "2026-03-28T19:00:00Z", "accepted"),
        // ... and ends 2026-03-29 20:00 CEST = 18:00Z (exclusive): the day has 23 hours.
        ("r8", "5", "2026-03-29T17:59:59Z", "accepted"),
        ("r9", "5", "2026-03-29T18:00:00Z", "outside_window"),
        ("r10", "5", "2026-03-29T18:30:00Z", "outside_window"),
    ];
    for (id, text, t, status) in cases {
        let r = engine.ingest(&inbound(id, "+48600100200", NUM, text, t)).await.unwrap();
        assert_eq!(vote_of(&r.outcome).as_str(), status, "{id} {text} at {t}");
    }
    let replies: Vec<String> = texts(&store)
        .await
        .into_iter()
        .map(|(_, s, t)| {
            assert_eq!(s.as_deref(), Some("ANKIETA"), "the poll's sender name wins over the number's");
            t
        })
        .collect();
    assert_eq!(
        replies,
        vec![
            "Przykro nam",
            "To świetnie!",
            "To świetnie!",
            "Dziękujemy za ocenę 3",
            "Nie rozumiem, odpowiedz 1, 3 lub 5",
            "Głosowanie zamknięte",
            "To świetnie!",
            "To świetnie!",
            "Głosowanie zamknięte",
            "Głosowanie zamknięte",
        ]
    );
    let stats = engine.statistics("rating").await.unwrap();
    assert_eq!(stats.total, 6);
    assert_eq!(
        engine.status_counts("rating").await.unwrap(),
        std::collections::BTreeMap::from([("accepted", 6), ("outside_window", 3), ("unknown_answer", 1)])
    );
    let lines: Vec<(String, u64, String)> =
        stats.options.iter().map(|o| (o.code.clone(), o.count, o.percent_text())).collect();
    assert_eq!(
        lines,
        vec![
            ("1".into(), 1, "16.67".into()),
            ("3".into(), 1, "16.67".into()),
            ("5".into(), 4, "66.66".into())
        ]
    );
    let mut csv = Vec::new();
    write_statistics_csv(&stats, &ExportOptions::default(), &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "option,count,percent\n1,1,16.67\n3,1,16.67\n5,4,66.66\ntotal,6,100.00\n"
    );
}

#[tokio::test]
async fn autumn_window_end_in_the_repeated_hour_takes_the_earlier_instant() {
    let mut cfg = Config::new();
    number(&mut cfg);
    // 02:30 on 2026-10-25 happens twice in Warsaw (CEST 00:30Z, then CET 01:30Z).
    let poll = Poll::builder("p", "p", NUM)
        .option(PollOption::new("A"))
        .local_window("2026-10-24T12:00:00".parse().unwrap(), "2026-10-25T02:30:00".parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(poll.window().1, common::at("2026-10-25T00:30:00Z"));
    cfg.add_poll(poll).unwrap();
    let engine = Inbound::new(cfg, Arc::new(MemoryStore::new()));
    let a = engine.ingest(&inbound("a", "+48600100200", NUM, "a", "2026-10-25T00:29:59Z")).await.unwrap();
    let b = engine.ingest(&inbound("b", "+48600100200", NUM, "a", "2026-10-25T00:45:00Z")).await.unwrap();
    assert!(vote_of(&a.outcome).is_accepted());
    assert_eq!(vote_of(&b.outcome), &VoteOutcome::OutsideWindow);
}

#[tokio::test]
async fn daily_limit_counts_local_days_across_both_dst_changes() {
    let mut cfg = Config::new();
    number(&mut cfg);
    cfg.add_poll(
        Poll::builder("p", "p", NUM)
            .option(PollOption::new("A"))
            .limit(Limit::per_day(1))
            .over_limit_reply("Jeden głos dziennie")
            .build()
            .unwrap(),
    )
    .unwrap();
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(cfg, store.clone());
    let cases = [
        // 23:30 CET on the 28th, then 00:30 on the 29th: the same UTC day, two Warsaw days.
        ("s1", "2026-03-28T22:30:00Z", true),
        ("s2", "2026-03-28T23:30:00Z", true),
        // 23:30 CEST on the 29th: still the 29th (a 23-hour day).
        ("s3", "2026-03-29T21:30:00Z", false),
        // 00:30 CEST on the 30th.
        ("s4", "2026-03-29T22:30:00Z", true),
        // Autumn: 2026-10-25 has 25 hours; 00:10 CEST (22:10Z on the 24th) and 23:50 CET (22:50Z).
        ("s5", "2026-10-24T22:10:00Z", true),
        ("s6", "2026-10-25T22:50:00Z", false),
        ("s7", "2026-10-25T23:10:00Z", true),
    ];
    for (id, t, accepted) in cases {
        let r = engine.ingest(&inbound(id, "+48600100200", NUM, "a", t)).await.unwrap();
        assert_eq!(vote_of(&r.outcome).is_accepted(), accepted, "{id} at {t}");
    }
    // Another sender is not affected by the first one's limit.
    let r = engine.ingest(&inbound("o1", "+48600100999", NUM, "a", "2026-03-29T21:30:00Z")).await.unwrap();
    assert!(vote_of(&r.outcome).is_accepted());
    let over = texts(&store).await.into_iter().filter(|t| t.2 == "Jeden głos dziennie").count();
    assert_eq!(over, 2);
}

#[tokio::test]
async fn zero_means_unlimited_and_fixed_periods() {
    let mut cfg = Config::new();
    number(&mut cfg);
    cfg.add_poll(
        Poll::builder("free", "free", NUM).prefix("FREE").option(PollOption::new("A")).build().unwrap(),
    )
    .unwrap();
    cfg.add_poll(
        Poll::builder("hourly", "hourly", NUM)
            .prefix("HOUR")
            .option(PollOption::new("A"))
            .window(common::at("2026-05-01T10:00:00Z"), common::at("2026-05-02T10:00:00Z"))
            .limit(Limit { max: 2, period: LimitPeriod::Every(chrono::Duration::hours(1)) })
            .build()
            .unwrap(),
    )
    .unwrap();
    let engine = Inbound::new(cfg, Arc::new(MemoryStore::new()));
    for i in 0..5 {
        let r = engine
            .ingest(&inbound(&format!("f{i}"), "+48600100200", NUM, "free a", "2026-05-01T10:00:00Z"))
            .await;
        assert!(vote_of(&r.unwrap().outcome).is_accepted());
    }
    let mut got = Vec::new();
    for (i, t) in ["10:00:00", "10:30:00", "10:59:59", "11:00:00", "11:10:00", "11:20:00"].iter().enumerate()
    {
        let r = engine
            .ingest(&inbound(&format!("h{i}"), "+48600100200", NUM, "hour a", &format!("2026-05-01T{t}Z")))
            .await
            .unwrap();
        got.push(vote_of(&r.outcome).is_accepted());
    }
    assert_eq!(got, vec![true, true, false, true, true, false]);
    assert_eq!(engine.statistics("free").await.unwrap().total, 5);
    assert_eq!(engine.statistics("hourly").await.unwrap().total, 4);
}

#[tokio::test]
async fn groups_restrict_voting() {
    let mut cfg = Config::new();
    number(&mut cfg);
    cfg.add_group("vip", ["+48 600 100 201", "48600100202"]).unwrap();
    cfg.add_group("staff", ["+48600100300"]).unwrap();
    cfg.add_poll(
        Poll::builder("p", "p", NUM)
            .option(PollOption::new("A"))
            .group("vip")
            .group("staff")
            .not_allowed_reply("Tylko dla klubowiczów")
            .build()
            .unwrap(),
    )
    .unwrap();
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(cfg, store.clone());
    let mut got = Vec::new();
    for (i, from) in ["+48600100201", "+48600100202", "+48600100300", "+48600100999"].iter().enumerate() {
        let r =
            engine.ingest(&inbound(&format!("g{i}"), from, NUM, "A", "2026-05-01T10:00:00Z")).await.unwrap();
        got.push(vote_of(&r.outcome).as_str());
    }
    assert_eq!(got, vec!["accepted", "accepted", "accepted", "not_allowed"]);
    let replies = texts(&store).await;
    assert_eq!(
        replies,
        vec![("+48600100999".to_owned(), Some("NUMBER".to_owned()), "Tylko dla klubowiczów".to_owned())]
    );
}

#[tokio::test]
async fn discount_code_in_reply_and_exhausted_reply() {
    let mut cfg = Config::new();
    number(&mut cfg);
    cfg.add_poll(
        Poll::builder("p", "p", NUM)
            .option(PollOption::new("A").reply("Dzięki! Twój kod: {code}."))
            .discount_codes(true)
            .pool_exhausted_reply("Dzięki! Kody się skończyły.")
            .build()
            .unwrap(),
    )
    .unwrap();
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(cfg, store.clone());
    store.add_codes("p", vec!["XYZ-1".into()]).await.unwrap();
    for i in 0..2 {
        engine
            .ingest(&inbound(&format!("d{i}"), &format!("+4860010020{i}"), NUM, "a", "2026-05-01T10:00:00Z"))
            .await
            .unwrap();
    }
    let replies: Vec<String> = texts(&store).await.into_iter().map(|t| t.2).collect();
    assert_eq!(replies, vec!["Dzięki! Twój kod: XYZ-1.", "Dzięki! Kody się skończyły."]);
    assert_eq!(store.issued_codes("p").await.unwrap(), vec![("XYZ-1".into(), "+48600100200".into())]);
}

#[test]
fn a_code_group_named_like_a_poll_is_refused() {
    use bramka_inbound::{Config, ConfigError, Poll, PollOption, ReceivingNumber};
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared("+48790100200")).unwrap();
    let poll = |id: &str, prefix: &str, group: &str| {
        Poll::builder(id, id, "+48790100200")
            .prefix(prefix)
            .option(PollOption::new("A"))
            .code_group(group)
            .build()
            .unwrap()
    };
    cfg.add_poll(poll("spring", "WIOSNA", "RABATY")).unwrap();
    let err = cfg.add_poll(poll("summer", "LATO", "spring")).unwrap_err();
    assert!(matches!(err, ConfigError::CodeGroupClash { ref name } if name == "spring"), "{err}");
    let err = cfg.add_poll(poll("RABATY", "JESIEN", "OTHER")).unwrap_err();
    assert!(matches!(err, ConfigError::CodeGroupClash { ref name } if name == "RABATY"), "{err}");
    assert!(err.to_string().contains("another name"), "{err}");
}
