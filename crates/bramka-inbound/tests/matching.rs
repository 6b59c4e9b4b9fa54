//! Matching and routing tables: every form from the issue, registration errors, replies.

mod common;

use std::sync::Arc;

use bramka_inbound::{
    Config, ConfigError, Inbound, MemoryStore, Outcome, Poll, PollOption, ReceivingNumber, Store, Target,
    VoteOutcome,
};
use common::inbound;

const SHARED: &str = "+48790100200";
const DEDICATED: &str = "+48790100300";

fn config() -> Config {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(SHARED).reply_sender("SKLEP").unmatched_reply("Nieznany prefiks"))
        .unwrap();
    cfg.add_number(ReceivingNumber::dedicated(DEDICATED).auto_reply("Dziękujemy za wiadomość")).unwrap();
    for (id, prefix) in [("vote", "VOTE"), ("glos", "GŁOSUJĘ")] {
        cfg.add_poll(
            Poll::builder(id, id, SHARED)
                .prefix(prefix)
                .option(PollOption::new("A").alias("tak"))
                .option(PollOption::new("B").alias("nie").alias("raczej nie"))
                .build()
                .unwrap(),
        )
        .unwrap();
    }
    cfg.add_route(SHARED, "SKLEP", Target::Inbox("shop".into())).unwrap();
    cfg.add_poll(
        Poll::builder("ded", "dedicated poll", DEDICATED)
            .option(PollOption::new("A"))
            .option(PollOption::new("B"))
            .build()
            .unwrap(),
    )
    .unwrap();
    cfg.add_route(DEDICATED, "INFO", Target::Inbox("info".into())).unwrap();
    cfg
}

fn vote(poll: &str, option: &str) -> Outcome {
    Outcome::Poll { poll: poll.into(), vote: VoteOutcome::Accepted { option: option.into(), code: None } }
}

fn unknown(poll: &str) -> Outcome {
    Outcome::Poll { poll: poll.into(), vote: VoteOutcome::UnknownAnswer }
}

#[tokio::test]
async fn matching_table() {
    let engine = Inbound::new(config(), Arc::new(MemoryStore::new()));
    let cases: Vec<(&str, &str, Outcome)> = vec![
        (SHARED, "VOTE A", vote("vote", "A")),
        (SHARED, "vote   a", vote("vote", "A")),
        (SHARED, "Vote: a", vote("vote", "A")),
        (SHARED, "vote:a", vote("vote", "A")),
        (SHARED, "vote-a", vote("vote", "A")),
        (SHARED, "vote.a", vote("vote", "A")),
        (SHARED, "vote,a", vote("vote", "A")),
        (SHARED, "  vote a  ", vote("vote", "A")),
        (SHARED, "vote\ta", vote("vote", "A")),
        (SHARED, "vote :- , b", vote("vote", "B")),
        (SHARED, "vote a please", vote("vote", "A")),
        (SHARED, "ＶＯＴＥ Ａ", vote("vote", "A")),
        (SHARED, "VOTE tak", vote("vote", "A")),
        (SHARED, "vote raczej nie", vote("vote", "B")),
        (SHARED, "vote NIE", vote("vote", "B")),
        (SHARED, "GŁOSUJĘ A", vote("glos", "A")),
        (SHARED, "glosuje a", vote("glos", "A")),
        (SHARED, "Głosuję: B", vote("glos", "B")),
        (SHARED, "GLOSUJE\u{a0}b", vote("glos", "B")),
        // Decomposed: E + combining ogonek, L with stroke has no decomposition.
        (SHARED, "G\u{141}OSUJE\u{328} A", vote("glos", "A")),
        (SHARED, "GŁOSUJĘ", unknown("glos")),
        (SHARED, "glosuje z", unknown("glos")),
        // A prefix matches only as a whole word.
        (SHARED, "VOTEA", Outcome::Unmatched),
        (SHARED, "VOTER A", Outcome::Unmatched),
        (SHARED, "VOT A", Outcome::Unmatched),
        (SHARED, "A VOTE", Outcome::Unmatched),
        (SHARED, "sklep ile kosztuje?", Outcome::Inbox { inbox: "shop".into() }),
        (SHARED, "Sklep: pytanie", Outcome::Inbox { inbox: "shop".into() }),
        (SHARED, "hello", Outcome::Unmatched),
        (SHARED, "", Outcome::Unmatched),
        (SHARED, " .:- ", Outcome::Unmatched),
        // Dedicated: prefix routes win, everything else goes to the default route.
        (DEDICATED, "a", vote("ded", "A")),
        (DEDICATED, "B!", unknown("ded")),
        (DEDICATED, "b", vote("ded", "B")),
        (DEDICATED, "info czy jesteście otwarci", Outcome::Inbox { inbox: "info".into() }),
        (DEDICATED, "xyz", unknown("ded")),
        // Unknown receiving number.
        ("+48790999999", "VOTE A", Outcome::Unmatched),
    ];
    for (i, (to, text, expected)) in cases.into_iter().enumerate() {
        let m = inbound(&format!("m{i}"), "+48600100200", to, text, "2026-05-01T10:00:00Z");
        let got = engine.ingest(&m).await.unwrap();
        assert_eq!(got.outcome, expected, "text {text:?} to {to}");
        assert!(!got.duplicate);
    }
}

#[tokio::test]
async fn replies_per_number_with_sender_name_and_loop_guard() {
    let store = Arc::new(MemoryStore::new());
    let inbound = Inbound::new(config(), store.clone());
    // Unmatched on the shared number: the unmatched reply, from the configured sender name.
    let r = inbound.ingest(&inbound_msg("u1", "+48600100200", SHARED, "hello")).await.unwrap();
    assert_eq!(r.outbox.len(), 1);
    // Inbox on the dedicated number: its auto-reply, no sender configured.
    let r = inbound.ingest(&inbound_msg("u2", "+48600100201", DEDICATED, "INFO hi")).await.unwrap();
    assert_eq!(r.outbox.len(), 1);
    // An alphanumeric sender never gets a reply (no ping-pong with other auto-responders).
    let r = inbound.ingest(&inbound_msg("u3", "ALLEGRO", DEDICATED, "INFO hi")).await.unwrap();
    assert_eq!(r.outcome, Outcome::Inbox { inbox: "info".into() });
    assert!(r.outbox.is_empty());
    // An unknown receiving number: stored as unmatched, no reply.
    let r = inbound.ingest(&inbound_msg("u4", "+48600100200", "+48111222333", "x")).await.unwrap();
    assert!(r.outbox.is_empty());

    let out = store.outbox(None).await.unwrap();
    let drafts: Vec<_> =
        out.iter().map(|e| (e.draft.to.as_str(), e.draft.sender.as_deref(), e.draft.text.as_str())).collect();
    assert_eq!(
        drafts,
        vec![
            ("+48600100200", Some("SKLEP"), "Nieznany prefiks"),
            ("+48600100201", None, "Dziękujemy za wiadomość"),
        ]
    );
}

fn inbound_msg(id: &str, from: &str, to: &str, text: &str) -> bramka_core::InboundMessage {
    inbound(id, from, to, text, "2026-05-01T10:00:00Z")
}

#[test]
fn prefix_registration_errors() {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(SHARED)).unwrap();
    let inbox = || Target::Inbox("x".into());
    assert_eq!(
        cfg.add_route(SHARED, "A", inbox()),
        Err(ConfigError::PrefixLength { prefix: "A".into(), len: 1 })
    );
    let seventeen = "ABCDEFGHIJKLMNOPQ";
    assert_eq!(
        cfg.add_route(SHARED, seventeen, inbox()),
        Err(ConfigError::PrefixLength { prefix: seventeen.into(), len: 17 })
    );
    // 16 characters (Polish letters count as one character each) and 2 are accepted.
    cfg.add_route(SHARED, "ŻÓŁĆŻÓŁĆŻÓŁĆŻÓŁĆ", inbox()).unwrap();
    cfg.add_route(SHARED, "AB", inbox()).unwrap();
    assert!(matches!(
        cfg.add_route(SHARED, "VO TE", inbox()),
        Err(ConfigError::PrefixSeparator { found: ' ', .. })
    ));
    assert!(matches!(
        cfg.add_route(SHARED, "VO:TE", inbox()),
        Err(ConfigError::PrefixSeparator { found: ':', .. })
    ));
    cfg.add_route(SHARED, "GŁOSUJĘ", inbox()).unwrap();
    let err = cfg.add_route(SHARED, "glosuje", inbox()).unwrap_err();
    assert_eq!(
        err,
        ConfigError::DuplicatePrefix {
            number: SHARED.into(),
            prefix: "glosuje".into(),
            existing: "GŁOSUJĘ".into()
        }
    );
    assert!(err.to_string().contains("collides"));
    assert_eq!(
        cfg.set_default_route(SHARED, inbox()),
        Err(ConfigError::SharedNeedsPrefix { number: SHARED.into() })
    );
    assert_eq!(
        cfg.add_number(ReceivingNumber::shared("48 790 100 200")),
        Err(ConfigError::DuplicateNumber { address: SHARED.into() })
    );
    assert_eq!(
        cfg.add_route("+48790000000", "AB", inbox()),
        Err(ConfigError::UnknownNumber { address: "+48790000000".into() })
    );
    assert_eq!(
        cfg.add_route(SHARED, "CD", Target::Poll("nope".into())),
        Err(ConfigError::UnknownPoll { id: "nope".into() })
    );
    // A dedicated number takes one default route only.
    cfg.add_number(ReceivingNumber::dedicated(DEDICATED)).unwrap();
    cfg.set_default_route(DEDICATED, inbox()).unwrap();
    assert_eq!(
        cfg.set_default_route(DEDICATED, inbox()),
        Err(ConfigError::DuplicateDefaultRoute { number: DEDICATED.into() })
    );
}

#[test]
fn poll_registration_errors() {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(SHARED)).unwrap();
    let base = || Poll::builder("p", "p", SHARED).prefix("VOTE").option(PollOption::new("A"));
    // Answers collide after folding.
    assert_eq!(
        base().option(PollOption::new("B").alias("Ą")).build().unwrap_err(),
        ConfigError::DuplicateAnswer { poll: "p".into(), answer: "Ą".into() }
    );
    assert_eq!(
        Poll::builder("p", "p", SHARED).build().unwrap_err(),
        ConfigError::NoOptions { poll: "p".into() }
    );
    assert!(matches!(base().prefix("V").build(), Err(ConfigError::PrefixLength { .. })));
    assert!(matches!(
        base().window(common::at("2026-05-02T00:00:00Z"), common::at("2026-05-01T00:00:00Z")).build(),
        Err(ConfigError::InvalidWindow { .. })
    ));
    // 02:30 on 2026-03-29 does not exist in Warsaw (clocks jump from 02:00 to 03:00).
    let err = base()
        .local_window("2026-03-29T02:30:00".parse().unwrap(), "2026-03-30T00:00:00".parse().unwrap())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(
        cfg.add_poll(base().group("vip").build().unwrap()).unwrap_err(),
        ConfigError::UnknownGroup { group: "vip".into() }
    );
    // On a shared number a poll needs a prefix.
    assert_eq!(
        cfg.add_poll(Poll::builder("q", "q", SHARED).option(PollOption::new("A")).build().unwrap()),
        Err(ConfigError::SharedNeedsPrefix { number: SHARED.into() })
    );
    assert!(cfg.poll("q").is_none(), "a refused poll is not kept");
    cfg.add_poll(base().build().unwrap()).unwrap();
    assert_eq!(cfg.add_poll(base().build().unwrap()), Err(ConfigError::DuplicatePoll { id: "p".into() }));
    let mut p2 =
        Poll::builder("p2", "p2", SHARED).prefix("vote").option(PollOption::new("A")).build().unwrap();
    assert!(matches!(cfg.add_poll(p2.clone()), Err(ConfigError::DuplicatePrefix { .. })));
    p2 = Poll::builder("p2", "p2", SHARED).prefix("VOTE2").option(PollOption::new("A")).build().unwrap();
    cfg.add_poll(p2).unwrap();
    assert!(matches!(
        cfg.add_group("g", ["+48600100200", "nonsense"]),
        Err(ConfigError::InvalidGroupMember { .. })
    ));
}

#[tokio::test]
async fn webhook_events_ingest_inbound_only_and_replays_are_duplicates() {
    use bramka_core::{DeliveryReport, DeliveryState, WebhookEvent};
    let engine = Inbound::new(config(), Arc::new(MemoryStore::new()));
    let events = vec![
        WebhookEvent::Delivery(DeliveryReport::new("smsapi", "d1", DeliveryState::Delivered, "DELIVERED")),
        WebhookEvent::Inbound(inbound_msg("e1", "+48600100200", SHARED, "vote b")),
        WebhookEvent::Inbound(inbound_msg("e2", "+48600100201", SHARED, "glosuje a")),
    ];
    let first = engine.ingest_events(&events).await.unwrap();
    assert_eq!(
        first.iter().map(|r| r.outcome.clone()).collect::<Vec<_>>(),
        vec![vote("vote", "B"), vote("glos", "A")]
    );
    let replay = engine.ingest_events(&events).await.unwrap();
    assert!(replay.iter().all(|r| r.duplicate));
    assert_eq!(engine.statistics("vote").await.unwrap().total, 1);
}

/// A dedicated number with an auto-reply and no default route answers every message, also ones
/// that match no prefix (they used to be stored without any reply).
#[tokio::test]
async fn auto_reply_on_a_dedicated_number_without_a_default_route() {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::dedicated(DEDICATED).reply_sender("SKLEP").auto_reply("Dziękujemy"))
        .unwrap();
    let store = Arc::new(MemoryStore::new());
    let inbound = Inbound::new(cfg, store.clone());
    let r = inbound.ingest(&inbound_msg("d1", "+48600100200", DEDICATED, "Dzień dobry")).await.unwrap();
    assert_eq!(r.outcome, Outcome::Unmatched);
    assert_eq!(r.outbox.len(), 1);
    // A shared number's auto-reply is for its inboxes only: an unmatched message gets nothing.
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(SHARED).auto_reply("Dziękujemy")).unwrap();
    let shared = Inbound::new(cfg, Arc::new(MemoryStore::new()));
    let r = shared.ingest(&inbound_msg("s1", "+48600100200", SHARED, "Dzień dobry")).await.unwrap();
    assert!(r.outbox.is_empty());

    let out = store.outbox(None).await.unwrap();
    let drafts: Vec<_> =
        out.iter().map(|e| (e.draft.to.as_str(), e.draft.sender.as_deref(), e.draft.text.as_str())).collect();
    assert_eq!(drafts, vec![("+48600100200", Some("SKLEP"), "Dziękujemy")]);
}
