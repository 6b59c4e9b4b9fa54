//! [`MemoryStore`]: everything in memory behind one mutex (tests, small deployments).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{SendResult, Store, next_state};
use crate::error::StoreError;
use crate::ingest::{IngestPlan, Transaction, VoteCandidate, apply};
use crate::model::{
    Channel, Ingested, MessageQuery, OutboxDraft, OutboxEntry, OutboxState, Outcome, StoredMessage,
};

#[derive(Debug, Default, Clone)]
struct Pool {
    /// Codes in insertion order; `None` = free, `Some(dedupe key)` = issued.
    codes: Vec<(String, Option<String>)>,
    known: BTreeSet<String>,
    next_free: usize,
}

#[derive(Debug, Default, Clone)]
struct State {
    messages: Vec<StoredMessage>,
    by_key: HashMap<String, usize>,
    /// (poll, sender, bucket) -> accepted votes.
    votes: HashMap<(String, String, String), u32>,
    counts: BTreeMap<String, BTreeMap<String, u64>>,
    issued: BTreeMap<String, Vec<(String, String)>>,
    pools: HashMap<String, Pool>,
    outbox: Vec<OutboxEntry>,
}

/// An in-memory store. Ingestion holds one mutex for the whole transaction; a failed
/// ingestion leaves no trace (the work is done on a copy of the touched state).
///
/// ```
/// use std::sync::Arc;
/// use bramka_inbound::{Config, Inbound, MemoryStore};
///
/// // Everything in memory: for tests and trials.
/// let inbound = Inbound::new(Config::new(), Arc::new(MemoryStore::new()));
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A transaction over the state: writes are buffered and applied on commit.
struct Tx<'a> {
    state: &'a mut State,
    messages: Vec<(String, StoredMessage)>,
    votes: Vec<(String, String, String, String, Option<String>)>,
    claimed: Vec<(String, usize, String)>,
    outbox: Vec<OutboxEntry>,
}

impl Transaction for Tx<'_> {
    fn find(&mut self, key: &str) -> Result<Option<(i64, Outcome)>, StoreError> {
        Ok(self.state.by_key.get(key).map(|i| {
            let m = &self.state.messages[*i];
            (m.row, m.outcome.clone())
        }))
    }
    fn count_votes(&mut self, poll: &str, sender: &str, bucket: &str) -> Result<u32, StoreError> {
        let k = (poll.to_owned(), sender.to_owned(), bucket.to_owned());
        Ok(self.state.votes.get(&k).copied().unwrap_or(0))
    }
    fn claim_code(&mut self, poll: &str, key: &str) -> Result<Option<String>, StoreError> {
        let Some(pool) = self.state.pools.get(poll) else { return Ok(None) };
        match pool.codes.get(pool.next_free) {
            Some((code, None)) => {
                self.claimed.push((poll.to_owned(), pool.next_free, key.to_owned()));
                Ok(Some(code.clone()))
            }
            _ => Ok(None),
        }
    }
    fn insert_message(&mut self, key: &str, message: &StoredMessage) -> Result<i64, StoreError> {
        let row = self.state.messages.len() as i64 + 1;
        let mut m = message.clone();
        m.row = row;
        self.messages.push((key.to_owned(), m));
        Ok(row)
    }
    fn insert_vote(
        &mut self,
        _row: i64,
        c: &VoteCandidate,
        sender: &str,
        code: Option<&str>,
    ) -> Result<(), StoreError> {
        self.votes.push((
            c.poll.clone(),
            sender.to_owned(),
            c.bucket.clone(),
            c.option.clone(),
            code.map(str::to_owned),
        ));
        Ok(())
    }
    fn push_outbox(&mut self, message_row: i64, draft: &OutboxDraft) -> Result<i64, StoreError> {
        let id = (self.state.outbox.len() + self.outbox.len()) as i64 + 1;
        self.outbox.push(OutboxEntry {
            id,
            message_row,
            draft: draft.clone(),
            state: OutboxState::Pending,
            attempts: 0,
        });
        Ok(id)
    }
}

impl Tx<'_> {
    fn commit(self) {
        let s = self.state;
        for (key, m) in self.messages {
            s.by_key.insert(key, s.messages.len());
            s.messages.push(m);
        }
        for (poll, sender, bucket, option, code) in self.votes {
            *s.votes.entry((poll.clone(), sender.clone(), bucket)).or_default() += 1;
            *s.counts.entry(poll.clone()).or_default().entry(option).or_default() += 1;
            if let Some(code) = code {
                s.issued.entry(poll).or_default().push((code, sender));
            }
        }
        for (poll, idx, key) in self.claimed {
            if let Some(pool) = s.pools.get_mut(&poll) {
                pool.codes[idx].1 = Some(key);
                pool.next_free = idx + 1;
            }
        }
        s.outbox.extend(self.outbox);
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn ingest(&self, plan: IngestPlan) -> Result<Ingested, StoreError> {
        let mut guard = self.lock();
        let mut tx = Tx {
            state: &mut guard,
            messages: Vec::new(),
            votes: Vec::new(),
            claimed: Vec::new(),
            outbox: Vec::new(),
        };
        let res = apply(&mut tx, &plan)?;
        tx.commit();
        Ok(res)
    }

    async fn add_codes(&self, poll: &str, codes: Vec<String>) -> Result<usize, StoreError> {
        let mut s = self.lock();
        let pool = s.pools.entry(poll.to_owned()).or_default();
        let mut added = 0;
        for c in codes {
            if pool.known.insert(c.clone()) {
                pool.codes.push((c, None));
                added += 1;
            }
        }
        Ok(added)
    }

    async fn codes_left(&self, poll: &str) -> Result<u64, StoreError> {
        Ok(self.lock().pools.get(poll).map_or(0, |p| p.codes.iter().filter(|c| c.1.is_none()).count() as u64))
    }

    async fn claim_outbox(&self, channel: Channel, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut s = self.lock();
        let mut out = Vec::new();
        let claimable = |e: &&mut OutboxEntry| e.state == OutboxState::Pending && e.draft.channel == channel;
        for e in s.outbox.iter_mut().filter(claimable).take(limit) {
            e.state = OutboxState::InFlight;
            out.push(e.clone());
        }
        Ok(out)
    }

    async fn finish_outbox(&self, id: i64, result: SendResult) -> Result<OutboxState, StoreError> {
        let mut s = self.lock();
        let e = s
            .outbox
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or(StoreError::NotFound { what: "outbox entry", id: id.to_string() })?;
        if e.state != OutboxState::InFlight {
            return Err(StoreError::OutboxState {
                id,
                state: e.state.as_str().to_owned(),
                expected: "in_flight".into(),
            });
        }
        let (state, attempts) = next_state(e.attempts, &result);
        e.state = state.clone();
        e.attempts = attempts;
        Ok(state)
    }

    async fn outbox(&self, state: Option<&str>) -> Result<Vec<OutboxEntry>, StoreError> {
        Ok(self
            .lock()
            .outbox
            .iter()
            .filter(|e| state.is_none_or(|s| e.state.as_str() == s))
            .cloned()
            .collect())
    }

    async fn messages_page(
        &self,
        query: &MessageQuery,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let s = self.lock();
        let start = usize::try_from(after.max(0)).unwrap_or(usize::MAX).min(s.messages.len());
        Ok(s.messages[start..].iter().filter(|m| query.matches(m)).take(limit).cloned().collect())
    }

    async fn vote_counts(&self, poll: &str) -> Result<BTreeMap<String, u64>, StoreError> {
        Ok(self.lock().counts.get(poll).cloned().unwrap_or_default())
    }

    async fn issued_codes(&self, poll: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self.lock().issued.get(poll).cloned().unwrap_or_default())
    }
}
