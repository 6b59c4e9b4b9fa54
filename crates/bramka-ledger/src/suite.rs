//! The behaviour suite every [`Store`] must pass (feature `test-suite`).
//!
//! A backend runs it against itself with [`store_suite!`](crate::store_suite), giving an
//! async expression that makes a fresh, empty store:
//!
//! ```ignore
//! bramka_ledger::store_suite!(async { std::sync::Arc::new(MyStore::connect(..).await.unwrap()) as Arc<dyn Store> });
//! ```
//!
//! Each test becomes one `#[tokio::test]` (the calling crate needs tokio with `macros` and
//! `rt-multi-thread` as a dev-dependency).

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::{
    Applied, Consent, Delivery, Entry, Intent, MessageRecord, Outcome, Query, RefClaim, Scope, State,
    Suppression,
};
use crate::options::SendOptions;
use crate::store::Store;

/// The names of the suite's tests, each a function of this module taking the store.
pub const TESTS: &[&str] = &[
    "intent_then_outcome_once",
    "outcomes_are_batched_and_keep_order",
    "recover_turns_pending_uncertain",
    "delivery_never_moves_back",
    "orphan_report_is_joined_later",
    "orphan_of_another_gateway_stays",
    "claim_is_exclusive",
    "suppression_scopes",
    "consents_replace_and_withdraw",
    "campaign_is_created_once",
    "queries_filter_and_page",
    "send_options_are_kept",
    "uncertain_entry_reconciled_by_client_key",
    "orphan_by_client_key_joins_uncertain_outcome",
    "intent_with_suppression_check",
    "client_ref_claimed_once",
    "client_ref_claim_races",
];

/// Runs the whole suite, each test on a fresh store from `make`.
#[macro_export]
macro_rules! store_suite {
    ($make:expr) => {
        $crate::store_suite!(@each $make;
            intent_then_outcome_once, outcomes_are_batched_and_keep_order, recover_turns_pending_uncertain,
            delivery_never_moves_back, orphan_report_is_joined_later, orphan_of_another_gateway_stays,
            claim_is_exclusive, suppression_scopes, consents_replace_and_withdraw, campaign_is_created_once,
            queries_filter_and_page, send_options_are_kept, uncertain_entry_reconciled_by_client_key,
            orphan_by_client_key_joins_uncertain_outcome, intent_with_suppression_check,
            client_ref_claimed_once, client_ref_claim_races);
    };
    (@each $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store: std::sync::Arc<dyn $crate::Store> = $make.await;
                $crate::suite::$name(store).await;
            }
        )*
    };
}

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + Duration::seconds(secs)
}

fn intent(account: &str, sender: Option<&str>, to: &[&str], initial: State, at: DateTime<Utc>) -> Intent {
    let message = MessageRecord {
        id: 0,
        client_ref: "ref1".into(),
        account: account.into(),
        gateway: "smsapi".into(),
        sender: sender.map(str::to_owned),
        text: "Zażółć".into(),
        encoding: "ucs2".into(),
        parts: 1,
        send_at: None,
        campaign: None,
        options: SendOptions::default(),
        created_at: at,
    };
    Intent::new(message, to.iter().map(|n| (n.to_string(), format!("ref1{}", &n[1..]))).collect(), initial)
}

fn accepted(entry: i64, id: &str, at: DateTime<Utc>) -> Outcome {
    let mut o = Outcome::new(entry, State::Accepted, at);
    o.gateway = Some("smsapi".into());
    o.operator_id = Some(id.into());
    o.price = Some(0.16);
    o.currency = Some("PLN".into());
    o
}

async fn entry_of(store: &Arc<dyn Store>, id: i64) -> Entry {
    let rows = store.entries_page(&Query::all(), id - 1, 1).await.unwrap();
    assert_eq!(rows[0].id, id);
    rows[0].clone()
}

async fn state_of(store: &Arc<dyn Store>, id: i64) -> State {
    entry_of(store, id).await.state
}

/// An intent writes pending rows; an outcome applies once; a second outcome changes nothing.
pub async fn intent_then_outcome_once(store: Arc<dyn Store>) {
    let e = store
        .record_intent(intent("shop", Some("Shop"), &["+48600100200"], State::Pending, t(0)))
        .await
        .unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].state, State::Pending);
    assert_eq!(e[0].client_ref, "ref148600100200");
    let m = store.message(e[0].message).await.unwrap().expect("message stored");
    assert_eq!(m.text, "Zażółć");
    assert_eq!(m.sender.as_deref(), Some("Shop"));
    assert_eq!(store.record_outcomes(vec![accepted(e[0].id, "A1", t(1))]).await.unwrap(), 1);
    let after = entry_of(&store, e[0].id).await;
    assert_eq!(after.state, State::Accepted);
    assert_eq!(after.operator_id.as_deref(), Some("A1"));
    assert_eq!(after.price, Some(0.16));
    let mut rejected = Outcome::new(e[0].id, State::Rejected, t(2));
    rejected.error_kind = Some("timeout".into());
    let again = store.record_outcomes(vec![rejected]).await.unwrap();
    assert_eq!(again, 0, "an outcome applies only to a pending entry");
    assert_eq!(state_of(&store, e[0].id).await, State::Accepted);
}

/// One call records the outcomes of a whole request.
pub async fn outcomes_are_batched_and_keep_order(store: Arc<dyn Store>) {
    let numbers: Vec<String> = (0..50).map(|i| format!("+486001002{i:02}")).collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let e = store.record_intent(intent("shop", None, &refs, State::Pending, t(0))).await.unwrap();
    assert_eq!(e.iter().map(|x| x.to.as_str()).collect::<Vec<_>>(), refs);
    let outcomes = e
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if i % 2 == 0 {
                accepted(x.id, &format!("M{i}"), t(1))
            } else {
                let mut o = Outcome::new(x.id, State::Rejected, t(1));
                o.error_kind = Some("invalid_recipient".into());
                o.certainty = Some("not_sent".into());
                o
            }
        })
        .collect();
    let after = store.record_outcomes(outcomes).await.unwrap();
    assert_eq!(after, 50);
    let acc = store.entries_page(&Query::all().state(State::Accepted), 0, 100).await.unwrap();
    let rej = store.entries_page(&Query::all().state(State::Rejected), 0, 100).await.unwrap();
    assert_eq!((acc.len(), rej.len()), (25, 25));
    assert_eq!(rej[0].error_kind.as_deref(), Some("invalid_recipient"));
    assert_eq!(rej[0].certainty.as_deref(), Some("not_sent"));
}

/// `recover` turns pending entries uncertain (once), and a late outcome no longer applies.
pub async fn recover_turns_pending_uncertain(store: Arc<dyn Store>) {
    let e = store
        .record_intent(intent("shop", None, &["+48600100200", "+48600100201"], State::Pending, t(0)))
        .await
        .unwrap();
    store.record_outcomes(vec![accepted(e[0].id, "A1", t(1))]).await.unwrap();
    let rec = store.recover(None, t(5)).await.unwrap();
    assert_eq!(rec.iter().map(|x| x.id).collect::<Vec<_>>(), vec![e[1].id]);
    assert_eq!(rec[0].state, State::Uncertain);
    assert_eq!(rec[0].certainty.as_deref(), Some("maybe_sent"));
    assert!(store.recover(None, t(6)).await.unwrap().is_empty(), "recover is idempotent");
    assert_eq!(store.record_outcomes(vec![accepted(e[1].id, "A2", t(7))]).await.unwrap(), 0);
    assert_eq!(state_of(&store, e[1].id).await, State::Uncertain);
    assert_eq!(state_of(&store, e[0].id).await, State::Accepted);
    // Only the named campaign's entries are recovered.
    let other =
        store.record_intent(intent("shop", None, &["+48600100202"], State::Pending, t(8))).await.unwrap();
    assert!(store.recover(Some("nope"), t(9)).await.unwrap().is_empty());
    assert_eq!(state_of(&store, other[0].id).await, State::Pending);
}

/// Delivered stays delivered when a late "enroute" or another final status arrives.
pub async fn delivery_never_moves_back(store: Arc<dyn Store>) {
    let e = store.record_intent(intent("shop", None, &["+48600100200"], State::Pending, t(0))).await.unwrap();
    store.record_outcomes(vec![accepted(e[0].id, "A1", t(1))]).await.unwrap();
    let d = |s: State, raw: &str, sec| Delivery::new("smsapi", "A1", s, raw, t(sec));
    match store.apply_delivery(d(State::Delivered, "DELIVERED", 3)).await.unwrap() {
        Applied::Updated { entry, from } => {
            assert_eq!((from, entry.state), (State::Accepted, State::Delivered));
            assert_eq!(entry.delivery_status.as_deref(), Some("DELIVERED"));
        }
        other => panic!("expected an update, got {other:?}"),
    }
    for (s, raw) in [
        (State::Accepted, "ENROUTE"),
        (State::Delivered, "DELIVERED"),
        (State::Undelivered, "UNDELIV"),
        (State::Unknown, "??"),
    ] {
        match store.apply_delivery(d(s, raw, 4)).await.unwrap() {
            Applied::Unchanged { entry } => {
                assert_eq!(entry.state, State::Delivered);
                assert_eq!(entry.delivery_status.as_deref(), Some("DELIVERED"), "{raw} must not overwrite");
            }
            other => panic!("{raw}: expected unchanged, got {other:?}"),
        }
    }
    assert!(store.orphans().await.unwrap().is_empty());
}

/// A report that beats the send's answer is kept and joined when the answer is recorded.
pub async fn orphan_report_is_joined_later(store: Arc<dyn Store>) {
    let e = store.record_intent(intent("shop", None, &["+48600100200"], State::Pending, t(0))).await.unwrap();
    let early = Delivery::new("smsapi", "A1", State::Delivered, "DELIVERED", t(1));
    assert_eq!(store.apply_delivery(early.clone()).await.unwrap(), Applied::Orphaned);
    let enroute = Delivery::new("smsapi", "A1", State::Accepted, "ENROUTE", t(2));
    assert_eq!(store.apply_delivery(enroute).await.unwrap(), Applied::Orphaned);
    assert_eq!(store.orphans().await.unwrap().len(), 2);
    assert_eq!(state_of(&store, e[0].id).await, State::Pending);
    assert_eq!(store.record_outcomes(vec![accepted(e[0].id, "A1", t(3))]).await.unwrap(), 1);
    let after = entry_of(&store, e[0].id).await;
    assert_eq!(after.state, State::Delivered);
    assert_eq!(after.delivery_status.as_deref(), Some("DELIVERED"));
    assert!(store.orphans().await.unwrap().is_empty(), "joined orphans are removed");
}

/// Reports match by gateway and operator id together.
pub async fn orphan_of_another_gateway_stays(store: Arc<dyn Store>) {
    let e = store.record_intent(intent("shop", None, &["+48600100200"], State::Pending, t(0))).await.unwrap();
    store
        .apply_delivery(Delivery::new("infobip", "A1", State::Delivered, "DELIVERED_TO_HANDSET", t(1)))
        .await
        .unwrap();
    store.record_outcomes(vec![accepted(e[0].id, "A1", t(2))]).await.unwrap();
    assert_eq!(state_of(&store, e[0].id).await, State::Accepted);
    let orphans = store.orphans().await.unwrap();
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].gateway, "infobip");
}

/// An entry is claimed once: two runners never both send it.
pub async fn claim_is_exclusive(store: Arc<dyn Store>) {
    let e = store
        .record_intent(intent("shop", None, &["+48600100200", "+48600100201"], State::NotAttempted, t(0)))
        .await
        .unwrap();
    let ids: Vec<i64> = e.iter().map(|x| x.id).collect();
    let first = store.claim(&ids, &[State::NotAttempted], t(1)).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|x| x.state == State::Pending));
    assert!(store.claim(&ids, &[State::NotAttempted], t(2)).await.unwrap().is_empty());
    store.recover(None, t(3)).await.unwrap();
    assert_eq!(store.claim(&ids[..1], &[State::Uncertain], t(4)).await.unwrap().len(), 1);
}

/// Global suppressions apply to every account; an account's only to it; the first reason stays.
pub async fn suppression_scopes(store: Arc<dyn Store>) {
    let shop = Scope::account("shop");
    assert!(store.suppress(Suppression::new("+48600100200", Scope::Global, "manual", t(0))).await.unwrap());
    assert!(
        store.suppress(Suppression::new("+48600100201", shop.clone(), "inbound STOP", t(1))).await.unwrap()
    );
    assert!(!store.suppress(Suppression::new("+48600100201", shop.clone(), "again", t(2))).await.unwrap());
    let nums: Vec<String> = ["+48600100200", "+48600100201", "+48600100202"].map(String::from).to_vec();
    let mut s = store.suppressed_among(&shop, &nums).await.unwrap();
    s.sort_by(|a, b| a.number.cmp(&b.number));
    assert_eq!(s.iter().map(|x| x.number.as_str()).collect::<Vec<_>>(), ["+48600100200", "+48600100201"]);
    assert_eq!(s[1].reason, "inbound STOP");
    let other = store.suppressed_among(&Scope::account("erp"), &nums).await.unwrap();
    assert_eq!(other.iter().map(|x| x.number.as_str()).collect::<Vec<_>>(), ["+48600100200"]);
    assert!(store.lift(&shop, "+48600100201").await.unwrap());
    assert!(!store.lift(&shop, "+48600100201").await.unwrap());
    assert_eq!(store.suppressed_among(&shop, &nums).await.unwrap().len(), 1);
    assert_eq!(store.suppressions().await.unwrap().len(), 1);
}

/// Consents are replaced by (number, scope); withdrawn ones are kept with their time.
pub async fn consents_replace_and_withdraw(store: Arc<dyn Store>) {
    let shop = Scope::account("shop");
    let c = Consent::new("+48600100200", shop.clone(), "web form", t(0));
    let g = Consent::new("+48600100201", Scope::Global, "import", t(0));
    assert_eq!(store.put_consents(vec![c.clone(), g.clone()]).await.unwrap(), 2);
    let nums: Vec<String> = ["+48600100200", "+48600100201", "+48600100202"].map(String::from).to_vec();
    let mut found = store.consents_among(&shop, &nums).await.unwrap();
    found.sort_by(|a, b| a.number.cmp(&b.number));
    assert_eq!(found, vec![c.clone(), g]);
    assert_eq!(store.consents_among(&Scope::account("erp"), &nums).await.unwrap().len(), 1);
    let mut w = c.clone();
    w.withdrawn_at = Some(t(10));
    store.put_consents(vec![w.clone()]).await.unwrap();
    let found = store.consents_among(&shop, &nums[..1]).await.unwrap();
    assert_eq!(found, vec![w]);
    assert!(!found[0].is_active());
}

/// A campaign's rows are written with it, in one step; creating it again writes nothing.
pub async fn campaign_is_created_once(store: Arc<dyn Store>) {
    let mut i =
        intent("shop", None, &["+48600100200", "+48600100201", "+48600100202"], State::NotAttempted, t(0));
    i.message.campaign = Some("spring".into());
    let c = store.create_campaign("spring", 2, i.clone()).await.unwrap().expect("created");
    assert_eq!((c.name.as_str(), c.chunk_size, c.recipients), ("spring", 2, 3));
    assert_eq!(store.campaign("spring").await.unwrap(), Some(c.clone()));
    assert!(store.create_campaign("spring", 2, i).await.unwrap().is_none());
    let rows = store.entries_page(&Query::all().campaign("spring"), 0, 10).await.unwrap();
    assert_eq!(rows.len(), 3, "the second create wrote nothing");
    assert!(rows.iter().all(|r| r.state == State::NotAttempted && r.message == c.message));
    assert_eq!(store.campaign("autumn").await.unwrap(), None);
}

/// Every query field filters; pages follow ids.
pub async fn queries_filter_and_page(store: Arc<dyn Store>) {
    let a = store
        .record_intent(intent("shop", Some("Shop"), &["+48600100200", "+48600100201"], State::Pending, t(0)))
        .await
        .unwrap();
    let b = store
        .record_intent(intent("erp", Some("Erp"), &["+48600100200"], State::Pending, t(3600)))
        .await
        .unwrap();
    store
        .record_outcomes(vec![accepted(a[0].id, "X1", t(1)), accepted(b[0].id, "X2", t(3601))])
        .await
        .unwrap();
    let ids = |v: Vec<crate::Entry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let q = |q: Query| {
        let store = store.clone();
        async move { ids(store.entries_page(&q, 0, 100).await.unwrap()) }
    };
    assert_eq!(q(Query::all()).await, vec![a[0].id, a[1].id, b[0].id]);
    assert_eq!(q(Query::all().account("erp")).await, vec![b[0].id]);
    assert_eq!(q(Query::all().sender("Shop")).await, vec![a[0].id, a[1].id]);
    assert_eq!(q(Query::all().recipient("+48600100200")).await, vec![a[0].id, b[0].id]);
    assert_eq!(q(Query::all().state(State::Pending)).await, vec![a[1].id]);
    assert_eq!(q(Query::all().state(State::Pending).state(State::Accepted)).await.len(), 3);
    assert_eq!(q(Query::all().between(t(0), t(3600))).await, vec![a[0].id, a[1].id]);
    assert_eq!(q(Query::all().operator_id("X2")).await, vec![b[0].id]);
    assert_eq!(q(Query::all().client_ref("ref148600100201")).await, vec![a[1].id]);
    assert_eq!(q(Query::all().client_ref("ref148600100200")).await, vec![a[0].id, b[0].id]);
    assert!(q(Query::all().campaign("none")).await.is_empty());
    let page1 = ids(store.entries_page(&Query::all(), 0, 2).await.unwrap());
    let page2 = ids(store.entries_page(&Query::all(), page1[1], 2).await.unwrap());
    assert_eq!(page1, vec![a[0].id, a[1].id]);
    assert_eq!(page2, vec![b[0].id]);
}

/// A message's send options (validity, flash, callback, policy) come back as written.
pub async fn send_options_are_kept(store: Arc<dyn Store>) {
    let mut i = intent("shop", None, &["+48600100200"], State::NotAttempted, t(0));
    let o = SendOptions {
        validity_ms: Some(7_200_000),
        flash: true,
        callback_url: Some("https://example.com/dlr?x=1".into()),
        shorten_links: true,
        concat_ref: Some("sixteen_bit".into()),
        split_mode: Some("code_points".into()),
        language: Some("turkish".into()),
    };
    i.message.options = o.clone();
    let e = store.record_intent(i).await.unwrap();
    let m = store.message(e[0].message).await.unwrap().expect("stored");
    assert_eq!(m.options, o);
    let plain =
        store.record_intent(intent("shop", None, &["+48600100201"], State::Pending, t(1))).await.unwrap();
    let m = store.message(plain[0].message).await.unwrap().expect("stored");
    assert_eq!(m.options, SendOptions::default());
}

fn uncertain(entry: i64, at: DateTime<Utc>) -> Outcome {
    let mut o = Outcome::new(entry, State::Uncertain, at);
    o.gateway = Some("smsapi".into());
    o.error_kind = Some("timeout".into());
    o.certainty = Some("maybe_sent".into());
    o
}

fn keyed(id: &str, key: &str, state: State, raw: &str, at: DateTime<Utc>) -> Delivery {
    let mut d = Delivery::new("smsapi", id, state, raw, at);
    d.client_ref = Some(key.into());
    d
}

/// A report with the client key of an `uncertain` entry (no operator id) reconciles it: the entry
/// takes the operator id and moves on; later reports match it by id. A key never matches an entry
/// that was not attempted, nor one that has another operator id.
pub async fn uncertain_entry_reconciled_by_client_key(store: Arc<dyn Store>) {
    let e = store
        .record_intent(intent("shop", None, &["+48600100200", "+48600100201"], State::Pending, t(0)))
        .await
        .unwrap();
    let (k0, k1) = (e[0].recipient_key(), e[1].recipient_key());
    assert_eq!(k0, format!("{}48600100200", e[0].client_ref));
    store.record_outcomes(vec![uncertain(e[0].id, t(1)), uncertain(e[1].id, t(1))]).await.unwrap();
    // Key only (no recipient in the report).
    match store.apply_delivery(keyed("X9", &k0, State::Accepted, "SENT", t(2))).await.unwrap() {
        Applied::Updated { entry, from } => {
            assert_eq!((from, entry.state), (State::Uncertain, State::Accepted));
            assert_eq!(entry.id, e[0].id);
            assert_eq!(entry.operator_id.as_deref(), Some("X9"));
            assert_eq!(entry.gateway, "smsapi");
        }
        other => panic!("expected an update by key, got {other:?}"),
    }
    // Later, by id alone.
    let dlr = Delivery::new("smsapi", "X9", State::Delivered, "DELIVERED", t(3));
    assert!(matches!(store.apply_delivery(dlr).await.unwrap(), Applied::Updated { .. }));
    assert_eq!(state_of(&store, e[0].id).await, State::Delivered);
    assert_eq!(state_of(&store, e[1].id).await, State::Uncertain, "the other recipient is untouched");
    // Key and recipient, for the second entry.
    let mut d = keyed("X10", &k1, State::Undelivered, "UNDELIV", t(4));
    d.to = Some("+48600100201".into());
    assert!(matches!(store.apply_delivery(d).await.unwrap(), Applied::Updated { .. }));
    let second = entry_of(&store, e[1].id).await;
    assert_eq!((second.state, second.operator_id.as_deref()), (State::Undelivered, Some("X10")));
    // The first entry has an id now: another id with its key is not about it.
    let other = keyed("Y1", &k0, State::Delivered, "DELIVERED", t(5));
    assert_eq!(store.apply_delivery(other).await.unwrap(), Applied::Orphaned);
    // A key naming a recipient with another number matches nothing.
    let mut wrong = keyed("Y2", &k0, State::Delivered, "DELIVERED", t(5));
    wrong.to = Some("+48600100299".into());
    assert_eq!(store.apply_delivery(wrong).await.unwrap(), Applied::Orphaned);
    // Not attempted: certainly not sent, so a report by key is not taken for it.
    let na = store
        .record_intent(intent("shop", None, &["+48600100202"], State::NotAttempted, t(6)))
        .await
        .unwrap();
    let d = keyed("Z1", &na[0].recipient_key(), State::Delivered, "DELIVERED", t(7));
    assert_eq!(store.apply_delivery(d).await.unwrap(), Applied::Orphaned);
    assert_eq!(state_of(&store, na[0].id).await, State::NotAttempted);
}

/// A report by client key that beats an uncertain answer (a timeout) waits as an orphan and is
/// joined when that outcome is recorded; an outcome with an operator id does not take it.
pub async fn orphan_by_client_key_joins_uncertain_outcome(store: Arc<dyn Store>) {
    let e = store
        .record_intent(intent("shop", None, &["+48600100200", "+48600100201"], State::Pending, t(0)))
        .await
        .unwrap();
    let early = keyed("K1", &e[0].recipient_key(), State::Delivered, "DELIVERED", t(1));
    assert_eq!(store.apply_delivery(early).await.unwrap(), Applied::Orphaned, "the entry is still pending");
    let other = keyed("K2", &e[1].recipient_key(), State::Delivered, "DELIVERED", t(1));
    assert_eq!(store.apply_delivery(other).await.unwrap(), Applied::Orphaned);
    let orphans = store.orphans().await.unwrap();
    assert_eq!(orphans.len(), 2);
    assert_eq!(orphans[0].client_ref, Some(e[0].recipient_key()));
    let n =
        store.record_outcomes(vec![uncertain(e[0].id, t(2)), accepted(e[1].id, "A2", t(2))]).await.unwrap();
    assert_eq!(n, 2);
    let first = entry_of(&store, e[0].id).await;
    assert_eq!((first.state, first.operator_id.as_deref()), (State::Delivered, Some("K1")));
    let second = entry_of(&store, e[1].id).await;
    assert_eq!((second.state, second.operator_id.as_deref()), (State::Accepted, Some("A2")));
    let left = store.orphans().await.unwrap();
    assert_eq!(left.iter().map(|d| d.operator_id.as_str()).collect::<Vec<_>>(), ["K2"]);
}

/// The check before a send: the suppressions of the scope and global ones among the intent's
/// recipients, and every recipient's entry written (suppressed ones too, to be refused).
pub async fn intent_with_suppression_check(store: Arc<dyn Store>) {
    let shop = Scope::account("shop");
    let to = ["+48600100200", "+48600100201", "+48600100202", "+48600100203"];
    let (none, first) =
        store.check_and_record_intent(&shop, intent("shop", None, &to, State::Pending, t(0))).await.unwrap();
    assert!(none.is_empty(), "nothing suppressed yet: {none:?}");
    assert_eq!(first.len(), 4);
    store.suppress(Suppression::new("+48600100200", Scope::Global, "manual", t(1))).await.unwrap();
    store.suppress(Suppression::new("+48600100201", shop.clone(), "inbound STOP", t(1))).await.unwrap();
    store.suppress(Suppression::new("+48600100202", Scope::account("erp"), "other", t(1))).await.unwrap();
    let (mut supp, entries) =
        store.check_and_record_intent(&shop, intent("shop", None, &to, State::Pending, t(2))).await.unwrap();
    supp.sort_by(|a, b| a.number.cmp(&b.number));
    assert_eq!(supp.iter().map(|s| s.number.as_str()).collect::<Vec<_>>(), ["+48600100200", "+48600100201"]);
    assert_eq!(supp[1].reason, "inbound STOP");
    assert_eq!(entries.iter().map(|e| e.to.as_str()).collect::<Vec<_>>(), to);
    assert!(entries.iter().all(|e| e.state == State::Pending && e.id > first[3].id));
    assert_eq!(entries[0].message, entries[3].message);
    let stored = store.entries_page(&Query::all(), first[3].id, 10).await.unwrap();
    assert_eq!(stored, entries, "the entries returned are the entries stored");
}

/// An idempotency key is claimed once per account; a repeated claim names the first claim's time
/// and, once recorded, its message; a claim with no message can be released, one with a message
/// cannot.
pub async fn client_ref_claimed_once(store: Arc<dyn Store>) {
    assert_eq!(store.claim_client_ref("shop", "ref1", t(0)).await.unwrap(), RefClaim::Claimed);
    assert_eq!(
        store.claim_client_ref("shop", "ref1", t(5)).await.unwrap(),
        RefClaim::Taken { at: t(0), message: None },
        "claimed, nothing recorded yet"
    );
    // Another account's key of the same name is its own.
    assert_eq!(store.claim_client_ref("other", "ref1", t(1)).await.unwrap(), RefClaim::Claimed);
    let e = store.record_intent(intent("shop", None, &["+48600100200"], State::Pending, t(2))).await.unwrap();
    assert_eq!(
        store.claim_client_ref("shop", "ref1", t(6)).await.unwrap(),
        RefClaim::Taken { at: t(0), message: Some(e[0].message) }
    );
    assert!(!store.release_client_ref("shop", "ref1").await.unwrap(), "a recorded send keeps its key");
    assert!(matches!(store.claim_client_ref("shop", "ref1", t(7)).await.unwrap(), RefClaim::Taken { .. }));
    // "other" recorded nothing under its claim: released, then free again.
    assert!(store.release_client_ref("other", "ref1").await.unwrap());
    assert!(!store.release_client_ref("other", "ref1").await.unwrap(), "nothing left to release");
    assert_eq!(store.claim_client_ref("other", "ref1", t(8)).await.unwrap(), RefClaim::Claimed);
}

/// Sixteen concurrent claims of one key: exactly one wins, the rest see its time.
pub async fn client_ref_claim_races(store: Arc<dyn Store>) {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..16 {
        let store = store.clone();
        set.spawn(async move { store.claim_client_ref("shop", "race", t(i)).await.unwrap() });
    }
    let mut won = Vec::new();
    let mut taken = Vec::new();
    while let Some(r) = set.join_next().await {
        match r.unwrap() {
            RefClaim::Claimed => won.push(()),
            RefClaim::Taken { at, message } => {
                assert_eq!(message, None);
                taken.push(at);
            }
        }
    }
    assert_eq!(won.len(), 1, "exactly one claim wins");
    assert_eq!(taken.len(), 15);
    assert!(taken.windows(2).all(|w| w[0] == w[1]), "every loser sees the one winning claim: {taken:?}");
}

/// Jobs move by compare-and-set, one winner among concurrent movers; claims hold until they
/// expire or are released. (Run against [`JobStore`](crate::JobStore) backends, not by
/// [`store_suite!`](crate::store_suite).)
pub async fn jobs_and_claims(jobs: Arc<dyn crate::JobStore>) {
    use crate::Job;
    assert!(jobs.put_job(Job::new("campaign", "b", "running", t(0))).await.unwrap());
    assert!(!jobs.put_job(Job::new("campaign", "b", "paused", t(1))).await.unwrap(), "the key exists");
    assert!(jobs.put_job(Job::new("flow", "b", "waiting", t(0)).due(t(60)).data("{\"x\":1}")).await.unwrap());
    assert!(jobs.put_job(Job::new("flow", "a", "waiting", t(0)).due(t(30))).await.unwrap());
    // Concurrent movers: exactly one wins.
    let movers: Vec<_> = (0..8)
        .map(|_| {
            let jobs = jobs.clone();
            tokio::spawn(async move {
                jobs.move_job("flow", "b", &["waiting"], "sending", None, t(61)).await.unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for m in movers {
        won += usize::from(m.await.unwrap());
    }
    assert_eq!(won, 1);
    let b = jobs.job("flow", "b").await.unwrap().unwrap();
    assert_eq!(
        (b.state.as_str(), b.data.as_str(), b.due_at, b.updated_at),
        ("sending", "{\"x\":1}", Some(t(60)), t(61))
    );
    assert!(jobs.move_job("flow", "b", &[], "done", Some("sent"), t(62)).await.unwrap());
    assert_eq!(jobs.job("flow", "b").await.unwrap().unwrap().data, "sent");
    assert!(!jobs.move_job("flow", "zz", &[], "done", None, t(62)).await.unwrap(), "no such job");
    let waiting: Vec<String> =
        jobs.jobs("flow", &["waiting"]).await.unwrap().into_iter().map(|j| j.key).collect();
    assert_eq!(waiting, ["a"]);
    let all: Vec<String> = jobs.jobs("flow", &[]).await.unwrap().into_iter().map(|j| j.key).collect();
    assert_eq!(all, ["a", "b"], "by due time");
    assert_eq!(jobs.job("campaign", "b").await.unwrap().unwrap().state, "running");
    assert_eq!(jobs.job("nope", "b").await.unwrap(), None);

    // Claims: one winner, held until expiry or release.
    let claimers: Vec<_> = (0..8)
        .map(|_| {
            let jobs = jobs.clone();
            tokio::spawn(async move { jobs.claim_key("call-1", t(0), t(100)).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for c in claimers {
        won += usize::from(c.await.unwrap());
    }
    assert_eq!(won, 1);
    assert!(!jobs.claim_key("call-1", t(99), t(200)).await.unwrap());
    assert!(jobs.claim_key("call-1", t(100), t(200)).await.unwrap(), "expired at its time");
    jobs.release_key("call-1").await.unwrap();
    assert!(jobs.claim_key("call-1", t(101), t(300)).await.unwrap(), "released");
}
