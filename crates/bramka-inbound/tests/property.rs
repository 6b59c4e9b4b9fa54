//! Property: any delivery of a set of distinct operator messages, with duplicates and in any
//! order, gives the same outcomes, counts, codes and replies as the model that sees each
//! distinct message once, in the order of its first delivery. Run on both stores.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[cfg(feature = "sqlite")]
use bramka_inbound::SqliteStore;
use bramka_inbound::{
    Config, Inbound, Limit, MemoryStore, MessageQuery, Outcome, Poll, PollOption, ReceivingNumber, Store,
    VoteOutcome,
};
use proptest::prelude::*;

const NUM: &str = "+48790100200";
const ANSWERS: [&str; 4] = ["A", "b", "c", "x"];
const MAX_PER_SENDER: u32 = 2;
const CODES: usize = 4;

fn config() -> Config {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUM)).unwrap();
    cfg.add_poll(
        Poll::builder("p", "p", NUM)
            .prefix("VOTE")
            .option(PollOption::new("A"))
            .option(PollOption::new("B"))
            .option(PollOption::new("C"))
            .default_reply("ok {option}")
            .over_limit_reply("limit")
            .unknown_answer_reply("unknown")
            .pool_exhausted_reply("none left")
            .limit(Limit::per_poll(MAX_PER_SENDER))
            .discount_codes(true)
            .build()
            .unwrap(),
    )
    .unwrap();
    cfg
}

fn sender(i: u8) -> String {
    format!("+4860010020{i}")
}

#[derive(Debug, Default)]
struct Model {
    per_sender: HashMap<String, u32>,
    counts: BTreeMap<String, u64>,
    issued: Vec<(String, String)>,
    replies: Vec<(String, String)>,
}

impl Model {
    fn step(&mut self, from: &str, answer: &str) -> Outcome {
        let vote = if answer == "x" {
            self.replies.push((from.into(), "unknown".into()));
            VoteOutcome::UnknownAnswer
        } else {
            let option = answer.to_uppercase();
            let n = self.per_sender.entry(from.into()).or_default();
            if *n >= MAX_PER_SENDER {
                self.replies.push((from.into(), "limit".into()));
                VoteOutcome::OverLimit { option }
            } else {
                *n += 1;
                *self.counts.entry(option.clone()).or_default() += 1;
                if self.issued.len() < CODES {
                    let code = format!("CODE{}", self.issued.len());
                    self.issued.push((code.clone(), from.into()));
                    self.replies.push((from.into(), format!("ok {option} {code}")));
                    VoteOutcome::Accepted { option, code: Some(code) }
                } else {
                    self.replies.push((from.into(), "none left".into()));
                    VoteOutcome::AcceptedPoolExhausted { option }
                }
            }
        };
        Outcome::Poll { poll: "p".into(), vote }
    }
}

/// Distinct messages (sender, answer) and a delivery order with duplicates.
fn deliveries() -> impl Strategy<Value = (Vec<(u8, u8)>, Vec<usize>)> {
    proptest::collection::vec((0u8..4, 0u8..4, 1usize..4), 1..16).prop_flat_map(|msgs| {
        let mut order = Vec::new();
        for (i, (_, _, copies)) in msgs.iter().enumerate() {
            order.extend(std::iter::repeat_n(i, *copies));
        }
        let distinct: Vec<(u8, u8)> = msgs.iter().map(|(s, a, _)| (*s, *a)).collect();
        (Just(distinct), Just(order).prop_shuffle())
    })
}

async fn check(store: Arc<dyn Store>, msgs: &[(u8, u8)], order: &[usize]) -> Result<(), TestCaseError> {
    store.add_codes("p", (0..CODES).map(|i| format!("CODE{i}")).collect()).await.unwrap();
    let engine = Inbound::new(config(), store.clone());
    let mut model = Model::default();
    let mut first: HashMap<usize, Outcome> = HashMap::new();
    for &i in order {
        let (s, a) = msgs[i];
        let m = common::inbound(
            &format!("op-{i}"),
            &sender(s),
            NUM,
            &format!("vote {}", ANSWERS[a as usize]),
            "2026-05-01T10:00:00Z",
        );
        let got = engine.ingest(&m).await.unwrap();
        match first.get(&i) {
            None => {
                prop_assert!(!got.duplicate);
                let expected = model.step(&sender(s), ANSWERS[a as usize]);
                prop_assert_eq!(&got.outcome, &expected);
                first.insert(i, got.outcome);
            }
            Some(prev) => {
                prop_assert!(got.duplicate);
                prop_assert!(got.outbox.is_empty());
                prop_assert_eq!(&got.outcome, prev);
            }
        }
    }
    prop_assert_eq!(store.vote_counts("p").await.unwrap(), model.counts);
    prop_assert_eq!(store.issued_codes("p").await.unwrap(), model.issued);
    let replies: Vec<(String, String)> =
        store.outbox(None).await.unwrap().into_iter().map(|e| (e.draft.to, e.draft.text)).collect();
    prop_assert_eq!(replies, model.replies);
    prop_assert_eq!(store.messages_page(&MessageQuery::all(), 0, 1000).await.unwrap().len(), msgs.len());
    Ok(())
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn memory_store_matches_model((msgs, order) in deliveries()) {
        rt().block_on(check(Arc::new(MemoryStore::new()), &msgs, &order))?;
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_store_matches_model((msgs, order) in deliveries()) {
        rt().block_on(check(Arc::new(SqliteStore::open_in_memory().unwrap()), &msgs, &order))?;
    }
}
