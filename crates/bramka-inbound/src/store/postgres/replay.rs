//! Runs the synchronous [`apply`] (the ingestion rules, written once for every store) against an
//! asynchronous PostgreSQL transaction.
//!
//! `apply` is deterministic given the answers of the transaction primitives it calls. So it is run
//! repeatedly: each run answers the calls already answered from a log and stops at the first new
//! call; that call is executed on the database, its answer appended, and `apply` runs again. An
//! ingestion makes at most about six calls, so the extra runs (pure computation) cost far less than
//! one round trip.

use crate::error::StoreError;
use crate::ingest::{IngestPlan, Transaction, VoteCandidate, apply};
use crate::model::{Ingested, OutboxDraft, Outcome, StoredMessage};

/// A call `apply` made that the log could not answer yet.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Find(String),
    CountVotes { poll: String, sender: String, bucket: String },
    ClaimCode { poll: String, key: String },
    InsertMessage { key: String, message: StoredMessage },
    InsertVote { row: i64, candidate: VoteCandidate, sender: String, code: Option<String> },
    PushOutbox { row: i64, draft: OutboxDraft },
}

/// The database's answer to an [`Op`].
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Found(Option<(i64, Outcome)>),
    Count(u32),
    Code(Option<String>),
    Id(i64),
    Done,
}

struct Replay<'a> {
    log: &'a [Answer],
    next: usize,
    pending: Option<Op>,
}

impl Replay<'_> {
    fn answer(&mut self, op: impl FnOnce() -> Op) -> Result<Answer, StoreError> {
        if let Some(a) = self.log.get(self.next) {
            self.next += 1;
            return Ok(a.clone());
        }
        self.pending = Some(op());
        Err(StoreError::Backend("ingestion interrupted to query the database".into()))
    }
}

fn mismatch(a: Answer) -> StoreError {
    StoreError::Backend(format!("internal: ingestion replay out of step (got {a:?})"))
}

impl Transaction for Replay<'_> {
    fn find(&mut self, key: &str) -> Result<Option<(i64, Outcome)>, StoreError> {
        match self.answer(|| Op::Find(key.to_owned()))? {
            Answer::Found(f) => Ok(f),
            a => Err(mismatch(a)),
        }
    }
    fn count_votes(&mut self, poll: &str, sender: &str, bucket: &str) -> Result<u32, StoreError> {
        let op = || Op::CountVotes { poll: poll.into(), sender: sender.into(), bucket: bucket.into() };
        match self.answer(op)? {
            Answer::Count(n) => Ok(n),
            a => Err(mismatch(a)),
        }
    }
    fn claim_code(&mut self, poll: &str, key: &str) -> Result<Option<String>, StoreError> {
        match self.answer(|| Op::ClaimCode { poll: poll.into(), key: key.into() })? {
            Answer::Code(c) => Ok(c),
            a => Err(mismatch(a)),
        }
    }
    fn insert_message(&mut self, key: &str, message: &StoredMessage) -> Result<i64, StoreError> {
        match self.answer(|| Op::InsertMessage { key: key.into(), message: message.clone() })? {
            Answer::Id(id) => Ok(id),
            a => Err(mismatch(a)),
        }
    }
    fn insert_vote(
        &mut self,
        row: i64,
        candidate: &VoteCandidate,
        sender: &str,
        code: Option<&str>,
    ) -> Result<(), StoreError> {
        let op = || Op::InsertVote {
            row,
            candidate: candidate.clone(),
            sender: sender.into(),
            code: code.map(str::to_owned),
        };
        match self.answer(op)? {
            Answer::Done => Ok(()),
            a => Err(mismatch(a)),
        }
    }
    fn push_outbox(&mut self, row: i64, draft: &OutboxDraft) -> Result<i64, StoreError> {
        match self.answer(|| Op::PushOutbox { row, draft: draft.clone() })? {
            Answer::Id(id) => Ok(id),
            a => Err(mismatch(a)),
        }
    }
}

/// Runs `apply` to completion, executing each new call with `exec`.
pub(crate) async fn drive<E, F, Fut>(plan: &IngestPlan, mut exec: F) -> Result<Ingested, E>
where
    E: From<StoreError>,
    F: FnMut(Op) -> Fut,
    Fut: Future<Output = Result<Answer, E>>,
{
    let mut log = Vec::new();
    loop {
        let mut r = Replay { log: &log, next: 0, pending: None };
        let result = apply(&mut r, plan);
        match r.pending {
            None => return result.map_err(E::from),
            Some(op) => {
                let answer = exec(op).await?;
                log.push(answer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::ingest::Routing;
    use crate::model::{Channel, Purpose, VoteOutcome};

    fn plan(max: u32) -> IngestPlan {
        let at = "2026-05-01T10:00:00Z".parse().unwrap();
        let m =
            bramka_core::InboundMessage::new("smsapi", "m1", "+48600100200", "+48790100200", "vote a", at);
        let mut plan = crate::ingest::plan(&crate::Config::new(), &m, at);
        plan.routing = Routing::PollCandidate(VoteCandidate {
            poll: "p".into(),
            option: "A".into(),
            bucket: "all".into(),
            max,
            claim_code: true,
            code_pool: None,
            accepted_reply: Some("Thanks {code}".into()),
            exhausted_reply: None,
            over_limit_reply: Some("limit".into()),
            reply_to: Some("+48600100200".into()),
            reply_sender: None,
        });
        plan.forwards.push(OutboxDraft {
            purpose: Purpose::Forward,
            channel: Channel::Email,
            to: "desk@example.com".into(),
            subject: None,
            sender: None,
            text: "copy".into(),
            via: None,
        });
        plan
    }

    /// The replayed result equals a direct run of `apply` on an in-memory transaction.
    #[tokio::test]
    async fn replay_gives_what_a_direct_run_gives() {
        for (max, votes_before) in [(0, 0), (1, 0), (1, 1)] {
            let p = plan(max);
            let mut ops = Vec::new();
            let mut next_id = 100;
            let replayed = drive::<StoreError, _, _>(&p, |op| {
                ops.push(format!("{op:?}").split(['(', ' ', '{']).next().unwrap().to_owned());
                let a = match op {
                    Op::Find(_) => Answer::Found(None),
                    Op::CountVotes { .. } => Answer::Count(votes_before),
                    Op::ClaimCode { .. } => Answer::Code(Some("X7".into())),
                    Op::InsertMessage { .. } | Op::PushOutbox { .. } => {
                        next_id += 1;
                        Answer::Id(next_id)
                    }
                    Op::InsertVote { row, .. } => {
                        assert_eq!(row, 101, "the vote refers to the inserted message");
                        Answer::Done
                    }
                };
                async move { Ok(a) }
            })
            .await
            .unwrap();
            let mut direct = Direct { votes: votes_before, ids: 100, calls: HashMap::new() };
            let expected = apply(&mut direct, &p).unwrap();
            assert_eq!(replayed, expected);
            let over = max > 0 && votes_before >= max;
            if over {
                assert!(matches!(
                    &replayed.outcome,
                    crate::Outcome::Poll { vote: VoteOutcome::OverLimit { .. }, .. }
                ));
                assert_eq!(ops, ["Find", "CountVotes", "InsertMessage", "PushOutbox", "PushOutbox"]);
            } else {
                assert_eq!(replayed.outbox.len(), 2);
                assert!(ops.contains(&"ClaimCode".to_owned()) && ops.contains(&"InsertVote".to_owned()));
            }
            // Each database call ran once, however often apply was replayed.
            assert_eq!(ops.len(), direct.calls.values().sum::<usize>());
        }
    }

    struct Direct {
        votes: u32,
        ids: i64,
        calls: HashMap<&'static str, usize>,
    }
    impl Transaction for Direct {
        fn find(&mut self, _: &str) -> Result<Option<(i64, Outcome)>, StoreError> {
            *self.calls.entry("find").or_default() += 1;
            Ok(None)
        }
        fn count_votes(&mut self, _: &str, _: &str, _: &str) -> Result<u32, StoreError> {
            *self.calls.entry("count").or_default() += 1;
            Ok(self.votes)
        }
        fn claim_code(&mut self, _: &str, _: &str) -> Result<Option<String>, StoreError> {
            *self.calls.entry("claim").or_default() += 1;
            Ok(Some("X7".into()))
        }
        fn insert_message(&mut self, _: &str, _: &StoredMessage) -> Result<i64, StoreError> {
            *self.calls.entry("msg").or_default() += 1;
            self.ids += 1;
            Ok(self.ids)
        }
        fn insert_vote(
            &mut self,
            _: i64,
            _: &VoteCandidate,
            _: &str,
            _: Option<&str>,
        ) -> Result<(), StoreError> {
            *self.calls.entry("vote").or_default() += 1;
            Ok(())
        }
        fn push_outbox(&mut self, _: i64, _: &OutboxDraft) -> Result<i64, StoreError> {
            *self.calls.entry("outbox").or_default() += 1;
            self.ids += 1;
            Ok(self.ids)
        }
    }
}
