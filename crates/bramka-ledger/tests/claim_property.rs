//! Idempotency-key claims (`Store::claim_client_ref`) under any interleaving of claims,
//! releases and recorded sends, on every embedded store: each answer is what a model of "the
//! first claim wins until released, a recorded send keeps it for good" says, so a key is never
//! held by two claimants at once and a repeated claim always names the same first claim.

use std::collections::BTreeMap;
use std::sync::Arc;

use bramka_ledger::{Intent, MemoryStore, MessageRecord, RefClaim, State, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

const ACCOUNTS: [&str; 2] = ["shop", "erp"];
const KEYS: [&str; 3] = ["order-1", "order-2", "order-3"];

#[derive(Debug, Clone, Copy)]
enum Op {
    Claim(usize, usize),
    Release(usize, usize),
    /// The send under the key records its intent (whoever holds the key).
    Record(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    (0..3u8, 0..ACCOUNTS.len(), 0..KEYS.len()).prop_map(|(kind, a, k)| match kind {
        0 => Op::Claim(a, k),
        1 => Op::Release(a, k),
        _ => Op::Record(a, k),
    })
}

fn t(i: usize) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + Duration::seconds(i as i64)
}

fn intent(account: &str, key: &str, at: DateTime<Utc>) -> Intent {
    let m = MessageRecord {
        options: Default::default(),
        id: 0,
        client_ref: key.into(),
        account: account.into(),
        gateway: "smsapi".into(),
        sender: None,
        text: "x".into(),
        encoding: "gsm7".into(),
        parts: 1,
        send_at: None,
        campaign: None,
        created_at: at,
    };
    Intent::new(m, vec![("+48600100200".into(), key.into())], State::Pending)
}

/// What the store answered, per operation.
#[derive(Debug, PartialEq)]
enum Answer {
    Claim(RefClaim),
    Release(bool),
    Recorded,
}

/// The model's answers.
fn model(ops: &[Op]) -> Vec<Answer> {
    let mut claims: BTreeMap<(usize, usize), DateTime<Utc>> = BTreeMap::new();
    let mut messages: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    let mut next_message = 0;
    ops.iter()
        .enumerate()
        .map(|(i, op)| match *op {
            Op::Claim(a, k) => match claims.get(&(a, k)) {
                Some(&at) => Answer::Claim(RefClaim::Taken { at, message: messages.get(&(a, k)).copied() }),
                None => {
                    claims.insert((a, k), t(i));
                    Answer::Claim(RefClaim::Claimed)
                }
            },
            Op::Release(a, k) => {
                Answer::Release(!messages.contains_key(&(a, k)) && claims.remove(&(a, k)).is_some())
            }
            Op::Record(a, k) => {
                next_message += 1;
                messages.entry((a, k)).or_insert(next_message);
                Answer::Recorded
            }
        })
        .collect()
}

async fn run(store: Arc<dyn Store>, ops: &[Op]) -> Vec<Answer> {
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        out.push(match *op {
            Op::Claim(a, k) => {
                Answer::Claim(store.claim_client_ref(ACCOUNTS[a], KEYS[k], t(i)).await.unwrap())
            }
            Op::Release(a, k) => {
                Answer::Release(store.release_client_ref(ACCOUNTS[a], KEYS[k]).await.unwrap())
            }
            Op::Record(a, k) => {
                store.record_intent(intent(ACCOUNTS[a], KEYS[k], t(i))).await.unwrap();
                Answer::Recorded
            }
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn claims_follow_the_model_under_any_interleaving(ops in prop::collection::vec(op(), 1..40)) {
        let want = model(&ops);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mem = rt.block_on(run(Arc::new(MemoryStore::new()), &ops));
        prop_assert_eq!(&mem, &want, "memory, ops {:?}", ops);
        #[cfg(feature = "sqlite")]
        {
            let sql = rt.block_on(run(Arc::new(bramka_ledger::SqliteStore::open_in_memory().unwrap()), &ops));
            prop_assert_eq!(&sql, &want, "sqlite, ops {:?}", ops);
        }
        // Never two holders: between a `Claimed` and the release of that key, every claim of
        // it is `Taken` (the model says so; checked here on the answers themselves too).
        let mut held = BTreeMap::new();
        for (op, answer) in ops.iter().zip(&mem) {
            match (op, answer) {
                (Op::Claim(a, k), Answer::Claim(RefClaim::Claimed)) => {
                    prop_assert!(held.insert((*a, *k), ()).is_none(), "claimed twice: {:?}", ops);
                }
                (Op::Release(a, k), Answer::Release(true)) => {
                    held.remove(&(*a, *k));
                }
                _ => {}
            }
        }
    }
}
