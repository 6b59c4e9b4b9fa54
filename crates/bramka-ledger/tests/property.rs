//! Any interleaving of send outcomes and delivery reports — duplicated, reordered, reports
//! before the send's answer — ends in the same final states, on every store.

use std::sync::Arc;

use bramka_ledger::{Delivery, Intent, MemoryStore, MessageRecord, Outcome, Query, State, Store};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

/// What the operator really did with one recipient.
#[derive(Debug, Clone)]
struct Truth {
    outcome: State,
    /// Non-final statuses the operator reports (accepted = "enroute", unknown).
    progress: Vec<State>,
    /// The final status, if any.
    last: Option<State>,
}

fn truth() -> impl Strategy<Value = Truth> {
    (
        prop::sample::select(vec![State::Accepted, State::Accepted, State::Rejected, State::Uncertain]),
        prop::collection::vec(prop::sample::select(vec![State::Accepted, State::Unknown]), 0..3),
        prop::option::of(prop::sample::select(vec![State::Delivered, State::Undelivered, State::Expired])),
    )
        .prop_map(|(outcome, progress, last)| Truth { outcome, progress, last })
}

fn expected(t: &Truth) -> State {
    if t.outcome != State::Accepted {
        return t.outcome;
    }
    t.last.unwrap_or(if t.progress.contains(&State::Unknown) { State::Unknown } else { State::Accepted })
}

#[derive(Debug, Clone)]
enum Event {
    Outcome(usize),
    Report(usize, State),
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap()
}

async fn run(store: Arc<dyn Store>, truths: &[Truth], events: &[Event]) -> Vec<State> {
    let msg = MessageRecord {
        options: Default::default(),
        id: 0,
        client_ref: "r".into(),
        account: "a".into(),
        gateway: "smsapi".into(),
        sender: None,
        text: "x".into(),
        encoding: "gsm7".into(),
        parts: 1,
        send_at: None,
        campaign: None,
        created_at: at(),
    };
    let recipients = (0..truths.len()).map(|i| (format!("+4860010{i:04}"), "r".to_owned())).collect();
    let entries = store.record_intent(Intent::new(msg, recipients, State::Pending)).await.unwrap();
    for ev in events {
        match *ev {
            Event::Outcome(i) => {
                let mut o = Outcome::new(entries[i].id, truths[i].outcome, at());
                if truths[i].outcome == State::Accepted {
                    o.operator_id = Some(format!("M{i}"));
                }
                store.record_outcomes(vec![o]).await.unwrap();
            }
            Event::Report(i, s) => {
                store
                    .apply_delivery(Delivery::new("smsapi", format!("M{i}"), s, s.as_str(), at()))
                    .await
                    .unwrap();
            }
        }
    }
    store.entries_page(&Query::all(), 0, 1000).await.unwrap().into_iter().map(|e| e.state).collect()
}

fn scenario() -> impl Strategy<Value = (Vec<Truth>, Vec<Event>)> {
    prop::collection::vec(truth(), 1..6).prop_flat_map(|truths| {
        let mut events = Vec::new();
        for (i, t) in truths.iter().enumerate() {
            events.push(Event::Outcome(i));
            // Only accepted messages get reports (they alone have an operator id), but reports
            // for the others are sent too, as if from a confused operator: they never match.
            for s in t.progress.iter().chain(t.last.iter()) {
                events.push(Event::Report(i, *s));
                events.push(Event::Report(i, *s)); // a webhook retry
            }
        }
        (Just(truths), Just(events).prop_shuffle())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_ends_in_the_same_states((truths, events) in scenario()) {
        let want: Vec<State> = truths.iter().map(expected).collect();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mem = rt.block_on(run(Arc::new(MemoryStore::new()), &truths, &events));
        prop_assert_eq!(&mem, &want, "memory, events {:?}", events);
        #[cfg(feature = "sqlite")]
        {
            let sql = rt.block_on(run(Arc::new(bramka_ledger::SqliteStore::open_in_memory().unwrap()), &truths, &events));
            prop_assert_eq!(&sql, &want, "sqlite, events {:?}", events);
        }
    }
}
