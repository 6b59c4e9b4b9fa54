//! The state rules every store applies, written once: which outcome or delivery report may move
//! an entry, and to what.
//!
//! * An outcome (the send's answer) applies only to a `pending` entry, once.
//! * A delivery report applies when it ranks above the entry's state:
//!   `accepted` < `unknown` < final (`delivered`, `undelivered`, `expired`, `canceled`). A final
//!   state never changes, so a repeated or late report ("enroute" after "delivered") is ignored.
//!   A report for an `uncertain` entry proves it went out and moves it on.
//! * Applying the same reports in any order therefore ends in the same state.

use bramka_core::{DeliveryReport, DeliveryState, Error, RecipientReport, SendState};

use crate::model::{Delivery, Outcome, State};

fn rank(s: State) -> u8 {
    match s {
        State::NotAttempted | State::Pending => 0,
        State::Rejected | State::Uncertain => 1,
        State::Accepted => 2,
        State::Unknown => 3,
        State::Delivered | State::Undelivered | State::Expired | State::Canceled => 4,
    }
}

/// The state after a send's outcome, or `None` when the entry is no longer pending (the
/// outcome was already recorded, or recovery marked it uncertain).
pub fn after_outcome(current: State, outcome: State) -> Option<State> {
    (current == State::Pending && current != outcome).then_some(outcome)
}

/// The state after a delivery report of state `report`, or `None` when it changes nothing.
pub fn after_delivery(current: State, report: State) -> Option<State> {
    match current {
        // Never sent, or not answered yet (no operator id, so no report can match it).
        State::NotAttempted | State::Pending => None,
        _ if current.is_final() => None,
        _ => (rank(report) > rank(current)).then_some(report),
    }
}

/// The (client reference, recipient) pairs whose [`Entry::recipient_key`](crate::Entry::recipient_key)
/// is `key`: the key split before each of its last 7 to 15 digits (E.164 numbers have at most 15
/// digits), or only before the digits of `to` when the report names the recipient. Lets a store
/// find the entry of a client key through its (client reference, recipient) columns, without a
/// column for the key.
pub fn key_candidates(key: &str, to: Option<&str>) -> Vec<(String, String)> {
    let split = |digits: usize| {
        let cut = key.len().checked_sub(digits).filter(|c| *c > 0)?;
        let (prefix, tail) = (key.get(..cut)?, key.get(cut..)?);
        tail.bytes().all(|b| b.is_ascii_digit()).then(|| (prefix.to_owned(), format!("+{tail}")))
    };
    match to.and_then(|t| t.strip_prefix('+')) {
        Some(d) if key.ends_with(d) => split(d.len()).into_iter().collect(),
        Some(_) => Vec::new(),
        None => (7..=15).filter_map(split).collect(),
    }
}

/// The ledger state a delivery state reports: pending, scheduled and sent are still `accepted`.
pub fn delivery_state(s: DeliveryState) -> State {
    match s {
        DeliveryState::Delivered => State::Delivered,
        DeliveryState::Undelivered | DeliveryState::Rejected | DeliveryState::Failed => State::Undelivered,
        DeliveryState::Expired => State::Expired,
        DeliveryState::Canceled => State::Canceled,
        DeliveryState::Unknown => State::Unknown,
        _ => State::Accepted,
    }
}

/// A core delivery report as the store applies it.
pub fn delivery(r: &DeliveryReport, at: chrono::DateTime<chrono::Utc>) -> Delivery {
    let mut d =
        Delivery::new(&r.gateway, &r.message_id, delivery_state(r.state), &r.raw_status, r.at.unwrap_or(at));
    d.error_code = r.error_code.clone();
    d.to = r.to.as_ref().map(|n| n.e164());
    d.client_ref = r.client_ref.clone().filter(|k| !k.is_empty());
    d.price = r.price.as_ref().map(|p| p.amount);
    d.currency = r.price.as_ref().map(|p| p.unit.clone());
    d
}

fn error_fields(o: &mut Outcome, e: &Error) {
    o.error_kind = Some(e.kind().as_str().to_owned());
    o.error_code = e.operator_code().map(str::to_owned);
    o.error_message = Some(e.operator_message().to_owned());
    o.certainty = Some(if e.may_have_been_sent() { "maybe_sent" } else { "not_sent" }.to_owned());
    if o.gateway.is_none() {
        o.gateway = e.gateway().map(str::to_owned);
    }
}

/// The outcome of a whole-message error: `uncertain` when it may have gone out, else `rejected`.
pub fn outcome_of_error(entry: i64, e: &Error, at: chrono::DateTime<chrono::Utc>) -> Outcome {
    let state = if e.may_have_been_sent() { State::Uncertain } else { State::Rejected };
    let mut o = Outcome::new(entry, state, at);
    error_fields(&mut o, e);
    o
}

/// The outcome of one recipient's report.
pub fn outcome_of_recipient(
    entry: i64,
    gateway: &str,
    r: &RecipientReport,
    at: chrono::DateTime<chrono::Utc>,
) -> Outcome {
    let mut o = match &r.state {
        SendState::Rejected(e) => outcome_of_error(entry, e, at),
        SendState::NotAttempted => Outcome::new(entry, State::NotAttempted, at),
        _ => Outcome::new(entry, State::Accepted, at),
    };
    o.gateway = Some(gateway.to_owned());
    o.operator_id = r.message_id.clone();
    o.parts = r.parts;
    o.price = r.price.as_ref().map(|p| p.amount);
    o.currency = r.price.as_ref().map(|p| p.unit.clone());
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states_never_move() {
        for f in [State::Delivered, State::Undelivered, State::Expired, State::Canceled] {
            for r in State::ALL {
                assert_eq!(after_delivery(f, r), None, "{f} <- {r}");
            }
        }
        assert_eq!(after_delivery(State::Accepted, State::Delivered), Some(State::Delivered));
        assert_eq!(after_delivery(State::Delivered, State::Accepted), None);
        assert_eq!(after_delivery(State::Uncertain, State::Accepted), Some(State::Accepted));
        assert_eq!(after_delivery(State::Unknown, State::Accepted), None);
        assert_eq!(after_delivery(State::Pending, State::Delivered), None);
    }

    #[test]
    fn key_candidates_split_before_the_digits() {
        assert_eq!(
            key_candidates("ref148600100200", Some("+48600100200")),
            [("ref1".into(), "+48600100200".into())]
        );
        assert!(key_candidates("ref148600100200", Some("+48600100201")).is_empty());
        let all = key_candidates("ref148600100200", None);
        assert!(all.contains(&("ref1".to_owned(), "+48600100200".to_owned())));
        assert_eq!(all.len(), 6, "7 to 12 trailing digits: {all:?}");
        assert!(all.iter().all(|(p, t)| format!("{p}{}", &t[1..]) == "ref148600100200"));
        assert!(
            key_candidates("48600100200", Some("+48600100200")).is_empty(),
            "an empty reference is no key"
        );
    }

    #[test]
    fn outcome_only_once() {
        assert_eq!(after_outcome(State::Pending, State::Accepted), Some(State::Accepted));
        assert_eq!(after_outcome(State::Uncertain, State::Accepted), None);
        assert_eq!(after_outcome(State::Accepted, State::Rejected), None);
    }
}
