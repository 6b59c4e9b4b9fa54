//! Inbound matching: any text from any sender to a shared number with polls and keyword routes
//! and to a dedicated number. Oracles: no panic; ingesting the same message twice is a
//! duplicate with the same outcome; replies go only to senders that are phone numbers; folding
//! and tokens are stable (folding a fold changes nothing).
#![no_main]

use std::sync::{Arc, OnceLock};

use bramka_core::InboundMessage;
use bramka_inbound::fold::{fold, tokens};
use bramka_inbound::{
    Channel, Config, Inbound, MemoryStore, Poll, PollOption, Purpose, ReceivingNumber, Store, Target,
};
use chrono::{TimeZone, Utc};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

const SHARED: &str = "+48790100200";
const DEDICATED: &str = "+48790100300";

fn config() -> Config {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(SHARED).reply_sender("SKLEP")).unwrap();
    cfg.add_number(ReceivingNumber::dedicated(DEDICATED).auto_reply("Dziękujemy")).unwrap();
    cfg.set_default_route(DEDICATED, Target::Inbox("office".into())).unwrap();
    let poll = Poll::builder("rating", "Rating", SHARED)
        .prefix("GŁOSUJĘ")
        .option(PollOption::new("1").alias("jeden").reply("Przykro nam."))
        .option(PollOption::new("5").alias("pięć").reply("Dziękujemy!"))
        .unknown_answer_reply("Odpisz GŁOSUJĘ 1 albo 5.")
        .build()
        .unwrap();
    cfg.add_poll(poll).unwrap();
    cfg
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().unwrap())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let from: String = u.arbitrary().unwrap_or_default();
    let to = if u.arbitrary().unwrap_or(false) { SHARED } else { DEDICATED };
    let text: String = u.arbitrary().unwrap_or_default();
    let folded = fold(&text);
    assert_eq!(fold(&folded), folded, "folding is not idempotent for {text:?}");
    let _ = tokens(&text);
    let when = Utc.timestamp_opt(1_780_000_000, 0).unwrap();
    let m = InboundMessage::new("fuzz", "m1", &from, to, text.clone(), when);
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(config(), store.clone());
    runtime().block_on(async {
        let first = engine.ingest(&m).await.unwrap();
        for e in store.outbox(None).await.unwrap() {
            if e.draft.channel == Channel::Sms && e.draft.purpose != Purpose::Forward {
                assert!(e.draft.to.starts_with('+'), "a reply to a sender that is not a number: {:?}", e.draft.to);
            }
        }
        let again = engine.ingest(&m).await.unwrap();
        assert!(again.duplicate && again.outbox.is_empty(), "{again:?}");
        assert_eq!(format!("{:?}", again.outcome), format!("{:?}", first.outcome));
    });
});
