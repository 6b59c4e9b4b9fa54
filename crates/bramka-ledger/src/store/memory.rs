//! [`MemoryStore`]: everything in one mutex; for tests and short-lived tools.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Store;
use crate::error::StoreError;
use crate::model::{
    Applied, Campaign, Consent, Delivery, Entry, Intent, MessageRecord, Outcome, Query, RefClaim, Scope,
    State, Suppression,
};
use crate::rules::{after_delivery, after_outcome};
use crate::sandbox::SandboxMessage;

/// An in-memory store.
///
/// ```
/// use std::sync::Arc;
/// use bramka_ledger::{Ledger, MemoryStore};
///
/// let ledger = Ledger::new(Arc::new(MemoryStore::new())); // what Ledger::in_memory() does
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    /// Short links by code ([`crate::links::LinkStore`]).
    links: Mutex<BTreeMap<String, crate::links::ShortLink>>,
}

#[derive(Debug, Default)]
struct Inner {
    messages: Vec<MessageRecord>,
    entries: BTreeMap<i64, Entry>,
    next_entry: i64,
    orphans: Vec<Delivery>,
    suppressions: BTreeMap<(String, String), Suppression>,
    consents: BTreeMap<(String, String), Consent>,
    campaigns: BTreeMap<String, Campaign>,
    /// Idempotency keys (account, client reference) and when each was claimed.
    claims: BTreeMap<(String, String), DateTime<Utc>>,
    sandbox: BTreeMap<(String, String), SandboxMessage>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn lock_links(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, crate::links::ShortLink>> {
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl crate::links::LinkStore for MemoryStore {
    async fn insert_link(&self, code: &str, url: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut links = self.lock_links();
        if links.contains_key(code) {
            return Ok(false);
        }
        links.insert(code.to_owned(), crate::links::ShortLink::new(code, url, at));
        Ok(true)
    }

    async fn attach_links(
        &self,
        codes: &[String],
        client_ref: &str,
        account: &str,
        recipient: Option<&str>,
    ) -> Result<usize, StoreError> {
        let mut links = self.lock_links();
        let mut n = 0;
        for c in codes {
            if let Some(l) = links.get_mut(c) {
                l.client_ref = Some(client_ref.to_owned());
                l.account = Some(account.to_owned());
                l.recipient = recipient.map(str::to_owned);
                n += 1;
            }
        }
        Ok(n)
    }

    async fn click(
        &self,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<crate::links::ShortLink>, StoreError> {
        Ok(self.lock_links().get_mut(code).map(|l| {
            l.record_click(at);
            l.clone()
        }))
    }

    async fn link(&self, code: &str) -> Result<Option<crate::links::ShortLink>, StoreError> {
        Ok(self.lock_links().get(code).cloned())
    }

    async fn links(
        &self,
        query: &crate::links::LinkQuery,
    ) -> Result<Vec<crate::links::ShortLink>, StoreError> {
        let mut out: Vec<_> = self.lock_links().values().filter(|l| query.matches(l)).cloned().collect();
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.code.cmp(&b.code)));
        out.truncate(query.max());
        Ok(out)
    }
}

fn apply_delivery_to(e: &mut Entry, d: &Delivery) -> Option<State> {
    let next = after_delivery(e.state, d.state)?;
    let from = e.state;
    e.state = next;
    e.delivery_status = Some(d.raw_status.clone());
    if d.error_code.is_some() {
        e.error_code = d.error_code.clone();
    }
    if d.price.is_some() {
        e.price = d.price;
        e.currency = d.currency.clone();
    }
    e.updated_at = d.at.max(e.updated_at);
    Some(from)
}

impl Inner {
    /// The first message recorded with `client_ref` in `account`.
    fn message_of(&self, account: &str, client_ref: &str) -> Option<i64> {
        self.messages.iter().find(|m| m.account == account && m.client_ref == client_ref).map(|m| m.id)
    }

    fn insert_intent(&mut self, intent: Intent) -> Vec<Entry> {
        let mut m = intent.message;
        m.id = self.messages.len() as i64 + 1;
        let mut out = Vec::with_capacity(intent.recipients.len());
        for (to, client_ref) in intent.recipients {
            self.next_entry += 1;
            let e = Entry::new(self.next_entry, m.id, &m, to, client_ref, intent.initial);
            self.entries.insert(e.id, e.clone());
            out.push(e);
        }
        self.messages.push(m);
        out
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn record_intent(&self, intent: Intent) -> Result<Vec<Entry>, StoreError> {
        Ok(self.lock().insert_intent(intent))
    }

    async fn claim(
        &self,
        entries: &[i64],
        from: &[State],
        at: DateTime<Utc>,
    ) -> Result<Vec<Entry>, StoreError> {
        let mut g = self.lock();
        let mut out = Vec::new();
        for id in entries {
            if let Some(e) = g.entries.get_mut(id)
                && from.contains(&e.state)
            {
                e.state = State::Pending;
                e.updated_at = at;
                out.push(e.clone());
            }
        }
        Ok(out)
    }

    async fn record_outcomes(&self, outcomes: Vec<Outcome>) -> Result<usize, StoreError> {
        let mut g = self.lock();
        let g = &mut *g;
        let mut n = 0;
        for o in outcomes {
            let Some(e) = g.entries.get_mut(&o.entry) else {
                return Err(StoreError::Corrupt(format!("outcome for unknown entry {}", o.entry)));
            };
            let Some(next) = after_outcome(e.state, o.state) else { continue };
            n += 1;
            e.state = next;
            if let Some(gw) = o.gateway {
                e.gateway = gw;
            }
            e.operator_id = o.operator_id;
            e.error_kind = o.error_kind;
            e.error_code = o.error_code;
            e.error_message = o.error_message;
            e.certainty = o.certainty;
            e.parts = o.parts;
            e.price = o.price;
            e.currency = o.currency;
            e.updated_at = o.at;
            if g.orphans.is_empty() {
                continue;
            }
            let key = e.recipient_key();
            let mut keep = Vec::with_capacity(g.orphans.len());
            for d in g.orphans.drain(..) {
                let joins = match &e.operator_id {
                    Some(id) => d.gateway == e.gateway && &d.operator_id == id,
                    None => d.client_ref.as_deref() == Some(key.as_str()),
                };
                if !joins {
                    keep.push(d);
                    continue;
                }
                if e.operator_id.is_none() {
                    e.gateway = d.gateway.clone();
                    e.operator_id = Some(d.operator_id.clone());
                }
                apply_delivery_to(e, &d);
            }
            g.orphans = keep;
        }
        Ok(n)
    }

    async fn apply_delivery(&self, d: Delivery) -> Result<Applied, StoreError> {
        let mut g = self.lock();
        let by_id = g
            .entries
            .values()
            .find(|e| e.gateway == d.gateway && e.operator_id.as_deref() == Some(d.operator_id.as_str()))
            .map(|e| e.id);
        let by_key = || {
            let key = d.client_ref.as_deref()?;
            g.entries
                .values()
                .find(|e| {
                    e.operator_id.is_none()
                        && !matches!(e.state, State::NotAttempted | State::Pending)
                        && e.recipient_key() == key
                })
                .map(|e| e.id)
        };
        let (id, adopt) = match by_id {
            Some(id) => (Some(id), false),
            None => (by_key(), true),
        };
        let Some(e) = id.and_then(|id| g.entries.get_mut(&id)) else {
            g.orphans.push(d);
            return Ok(Applied::Orphaned);
        };
        let before = e.clone();
        if adopt {
            e.gateway = d.gateway.clone();
            e.operator_id = Some(d.operator_id.clone());
        }
        Ok(match apply_delivery_to(e, &d) {
            Some(from) => Applied::Updated { entry: e.clone(), from },
            None => {
                // Matched by key but the report moves nothing: the entry keeps what it was.
                *e = before;
                Applied::Unchanged { entry: e.clone() }
            }
        })
    }

    async fn recover(&self, campaign: Option<&str>, at: DateTime<Utc>) -> Result<Vec<Entry>, StoreError> {
        let mut g = self.lock();
        let mut out = Vec::new();
        for e in g.entries.values_mut() {
            if e.state == State::Pending && campaign.is_none_or(|c| e.campaign.as_deref() == Some(c)) {
                e.state = State::Uncertain;
                e.certainty = Some("maybe_sent".into());
                e.error_message = Some("interrupted between the request and its answer".into());
                e.updated_at = at;
                out.push(e.clone());
            }
        }
        Ok(out)
    }

    async fn entries_page(&self, query: &Query, after: i64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let g = self.lock();
        Ok(g.entries
            .range(after + 1..)
            .map(|(_, e)| e)
            .filter(|e| query.matches(e))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn message(&self, id: i64) -> Result<Option<MessageRecord>, StoreError> {
        Ok(self.lock().messages.iter().find(|m| m.id == id).cloned())
    }

    async fn orphans(&self) -> Result<Vec<Delivery>, StoreError> {
        Ok(self.lock().orphans.clone())
    }

    async fn suppress(&self, s: Suppression) -> Result<bool, StoreError> {
        let mut g = self.lock();
        let key = (s.scope.key().to_owned(), s.number.clone());
        if g.suppressions.contains_key(&key) {
            return Ok(false);
        }
        g.suppressions.insert(key, s);
        Ok(true)
    }

    async fn lift(&self, scope: &Scope, number: &str) -> Result<bool, StoreError> {
        Ok(self.lock().suppressions.remove(&(scope.key().to_owned(), number.to_owned())).is_some())
    }

    async fn suppressed_among(
        &self,
        scope: &Scope,
        numbers: &[String],
    ) -> Result<Vec<Suppression>, StoreError> {
        let g = self.lock();
        Ok(g.suppressions
            .values()
            .filter(|s| (s.scope == Scope::Global || &s.scope == scope) && numbers.contains(&s.number))
            .cloned()
            .collect())
    }

    async fn suppressions(&self) -> Result<Vec<Suppression>, StoreError> {
        let mut v: Vec<Suppression> = self.lock().suppressions.values().cloned().collect();
        v.sort_by(|a, b| (&a.number, &a.scope).cmp(&(&b.number, &b.scope)));
        Ok(v)
    }

    async fn put_consents(&self, consents: Vec<Consent>) -> Result<usize, StoreError> {
        let mut g = self.lock();
        let n = consents.len();
        for c in consents {
            g.consents.insert((c.scope.key().to_owned(), c.number.clone()), c);
        }
        Ok(n)
    }

    async fn consents_among(&self, scope: &Scope, numbers: &[String]) -> Result<Vec<Consent>, StoreError> {
        let g = self.lock();
        Ok(g.consents
            .values()
            .filter(|c| (c.scope == Scope::Global || &c.scope == scope) && numbers.contains(&c.number))
            .cloned()
            .collect())
    }

    async fn create_campaign(
        &self,
        name: &str,
        chunk_size: u32,
        intent: Intent,
    ) -> Result<Option<Campaign>, StoreError> {
        let mut g = self.lock();
        if g.campaigns.contains_key(name) {
            return Ok(None);
        }
        let at = intent.message.created_at;
        let n = intent.recipients.len() as u64;
        let entries = g.insert_intent(intent);
        let message = entries.first().map(|e| e.message).unwrap_or(g.messages.len() as i64);
        let c = Campaign { name: name.to_owned(), message, chunk_size, recipients: n, created_at: at };
        g.campaigns.insert(name.to_owned(), c.clone());
        Ok(Some(c))
    }

    async fn campaign(&self, name: &str) -> Result<Option<Campaign>, StoreError> {
        Ok(self.lock().campaigns.get(name).cloned())
    }

    async fn claim_client_ref(
        &self,
        account: &str,
        client_ref: &str,
        at: DateTime<Utc>,
    ) -> Result<RefClaim, StoreError> {
        let mut g = self.lock();
        let key = (account.to_owned(), client_ref.to_owned());
        if let Some(&first) = g.claims.get(&key) {
            return Ok(RefClaim::Taken { at: first, message: g.message_of(account, client_ref) });
        }
        g.claims.insert(key, at);
        Ok(RefClaim::Claimed)
    }

    async fn release_client_ref(&self, account: &str, client_ref: &str) -> Result<bool, StoreError> {
        let mut g = self.lock();
        if g.message_of(account, client_ref).is_some() {
            return Ok(false);
        }
        Ok(g.claims.remove(&(account.to_owned(), client_ref.to_owned())).is_some())
    }

    async fn put_sandbox_message(&self, m: SandboxMessage) -> Result<(), StoreError> {
        self.lock().sandbox.insert((m.operator.clone(), m.message_id.clone()), m);
        Ok(())
    }

    async fn sandbox_messages(&self) -> Result<Vec<SandboxMessage>, StoreError> {
        let mut all: Vec<SandboxMessage> = self.lock().sandbox.values().cloned().collect();
        all.sort_by_key(|m| m.seq);
        Ok(all)
    }
}
