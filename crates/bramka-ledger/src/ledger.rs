//! [`Ledger`]: the record behind a [`Store`] — recovery, delivery reports, suppression and
//! consent. Campaigns are in [`crate::campaign`], queries and exports in [`crate::query`].

use std::sync::Arc;

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::{DeliveryReport, Gateway, InboundMessage, PhoneNumber, PhonePolicy};
use chrono::{DateTime, Utc};

use crate::error::{CsvError, StoreError};
use crate::gateway::LedgerGateway;
use crate::keywords::{KeywordAction, Keywords};
use crate::model::{Applied, Consent, Entry, Query, Scope, Suppression};
use crate::store::{MemoryStore, Store};

/// A durable record of sends, deliveries, suppressions, consents and campaigns.
///
/// Cheap to clone (a handle on the store).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::PhoneNumber;
/// use bramka_ledger::{Ledger, Scope};
///
/// let ledger = Ledger::in_memory(); // or Ledger::open("ledger.db") (feature `sqlite`)
/// let n = PhoneNumber::parse("+48600100200").unwrap();
/// assert!(ledger.suppress(&n, Scope::Global, "asked by phone").await.unwrap());
/// assert_eq!(ledger.suppressions().await.unwrap()[0].number, "+48600100200");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Ledger {
    store: Arc<dyn Store>,
    keywords: Arc<Keywords>,
    clock: Arc<dyn Clock>,
}

impl Ledger {
    /// A ledger on `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Ledger { store, keywords: Arc::new(Keywords::default()), clock: Arc::new(SystemClock) }
    }

    /// A ledger in memory (tests, short-lived tools).
    pub fn in_memory() -> Self {
        Ledger::new(Arc::new(MemoryStore::new()))
    }

    /// A ledger in a SQLite file (created, switched to WAL and migrated on open).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the file cannot be opened or created, cannot be switched
    /// to WAL, or a migration fails, and [`StoreError::SchemaTooNew`] when the file was written by a
    /// newer version.
    #[cfg(feature = "sqlite")]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        Ok(Ledger::new(Arc::new(crate::store::SqliteStore::open(path)?)))
    }

    /// Uses other opt-out and opt-in keywords.
    #[must_use]
    pub fn with_keywords(mut self, k: Keywords) -> Self {
        self.keywords = Arc::new(k);
        self
    }

    /// Uses another clock (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Wraps a gateway so every send through it is recorded here.
    pub fn gateway<G: Gateway>(&self, inner: G) -> LedgerGateway<G> {
        LedgerGateway::new(inner, self.clone())
    }

    /// Claims the idempotency key (`account`, `client_ref`) now, once across every instance on
    /// the store's database ([`Store::claim_client_ref`]): send with the key only on
    /// [`RefClaim::Claimed`](crate::RefClaim::Claimed).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use bramka_ledger::{Ledger, RefClaim};
    ///
    /// let ledger = Ledger::in_memory();
    /// assert_eq!(ledger.claim_client_ref("shop", "order-17").await.unwrap(), RefClaim::Claimed);
    /// assert!(matches!(ledger.claim_client_ref("shop", "order-17").await.unwrap(), RefClaim::Taken { .. }));
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn claim_client_ref(
        &self,
        account: &str,
        client_ref: &str,
    ) -> Result<crate::RefClaim, StoreError> {
        self.store.claim_client_ref(account, client_ref, self.now()).await
    }

    /// After a crash: every `pending` entry (intent written, answer not) becomes `uncertain` and
    /// is returned for reconciliation. Nothing is resent. Call it at start-up, before sending.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn recover(&self) -> Result<Vec<Entry>, StoreError> {
        self.store.recover(None, self.now()).await
    }

    /// Applies a delivery report (a webhook or a `status()` answer) exactly once: matched by
    /// (gateway, operator message id); a final state never moves back; a report for an id not
    /// recorded yet is kept and joined when the send's answer is. An operator opt-out status
    /// (SMSAPI `STOP`, Infobip blocklisted, Twilio 21610) also suppresses the number for the
    /// entry's account (globally when the entry is unknown).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back. A report that matches no entry is kept, not an error.
    pub async fn apply_report(&self, report: &DeliveryReport) -> Result<Applied, StoreError> {
        let d = crate::rules::delivery(report, self.now());
        let signal = crate::signals::of_delivery(&d);
        let to = d.to.clone();
        let applied = self.store.apply_delivery(d).await?;
        if let Some(why) = signal {
            let (number, scope) = match &applied {
                Applied::Updated { entry, .. } | Applied::Unchanged { entry } => {
                    (Some(entry.to.clone()), Scope::Account(entry.account.clone()))
                }
                _ => (to, Scope::Global),
            };
            if let Some(n) = number {
                self.suppress_number(&n, scope, &why).await?;
            }
        }
        Ok(applied)
    }

    /// Handles a received message: an opt-out keyword alone (`STOP`) suppresses the sender in
    /// `scope`, an opt-in keyword (`START`) lifts it; anything else changes nothing.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn ingest_inbound(
        &self,
        m: &InboundMessage,
        scope: &Scope,
    ) -> Result<KeywordAction, StoreError> {
        let action = self.keywords.classify(&m.text);
        match action {
            KeywordAction::Stop => {
                let reason = format!("inbound {:?} via {}", m.text.trim(), m.gateway);
                self.suppress_number(&m.from, scope.clone(), &reason).await?;
            }
            KeywordAction::Start => {
                self.store.lift(scope, &m.from).await?;
            }
            _ => {}
        }
        Ok(action)
    }

    pub(crate) async fn suppress_number(
        &self,
        number: &str,
        scope: Scope,
        reason: &str,
    ) -> Result<bool, StoreError> {
        self.store.suppress(Suppression::new(number, scope, reason, self.now())).await
    }

    /// Suppresses a number by hand. `false` when it already was.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn suppress(
        &self,
        number: &PhoneNumber,
        scope: Scope,
        reason: &str,
    ) -> Result<bool, StoreError> {
        self.suppress_number(&number.e164(), scope, reason).await
    }

    /// Lifts a suppression. `false` when there was none in that scope.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn lift(&self, number: &PhoneNumber, scope: &Scope) -> Result<bool, StoreError> {
        self.store.lift(scope, &number.e164()).await
    }

    /// Every suppression.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn suppressions(&self) -> Result<Vec<Suppression>, StoreError> {
        self.store.suppressions().await
    }

    /// Records a consent.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn grant_consent(
        &self,
        number: &PhoneNumber,
        scope: Scope,
        source: &str,
    ) -> Result<(), StoreError> {
        self.store.put_consents(vec![Consent::new(number.e164(), scope, source, self.now())]).await.map(drop)
    }

    /// Withdraws a consent (kept, with the time of withdrawal).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn withdraw_consent(
        &self,
        number: &PhoneNumber,
        scope: Scope,
        source: &str,
    ) -> Result<(), StoreError> {
        let mut c = Consent::new(number.e164(), scope, source, self.now());
        c.withdrawn_at = Some(self.now());
        self.store.put_consents(vec![c]).await.map(drop)
    }

    /// The numbers of `numbers` without a consent in force for `account` (or global), in order.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn missing_consent(
        &self,
        account: &str,
        numbers: &[PhoneNumber],
    ) -> Result<Vec<PhoneNumber>, StoreError> {
        let e164: Vec<String> = numbers.iter().map(PhoneNumber::e164).collect();
        let found = self.store.consents_among(&Scope::account(account), &e164).await?;
        Ok(numbers
            .iter()
            .zip(&e164)
            .filter(|(_, n)| !found.iter().any(|c| &c.number == *n && c.is_active()))
            .map(|(p, _)| p.clone())
            .collect())
    }

    /// Imports consents from CSV with a header: `number` (or `phone`), and optionally `scope`
    /// (an account; empty for global), `source`, `at` (RFC 3339; default now) and `withdrawn_at`.
    /// Every bad row is listed and then nothing is imported; otherwise all rows are written in one
    /// transaction. Returns how many.
    ///
    /// # Errors
    ///
    /// Returns [`CsvError::NoNumberColumn`] when the header has no `number` or `phone` column,
    /// [`CsvError::Csv`] when the header cannot be read, [`CsvError::BadRows`] (nothing imported)
    /// listing every row whose number, `at` or `withdrawn_at` does not parse or that is malformed,
    /// and [`CsvError::Store`] when writing to the store fails.
    pub async fn import_consents_csv(
        &self,
        reader: impl std::io::Read,
        default_scope: Scope,
        default_source: &str,
        policy: &PhonePolicy,
    ) -> Result<usize, CsvError> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
        let header: Vec<String> = rdr.headers()?.iter().map(|h| h.to_ascii_lowercase()).collect();
        let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
        let Some(number_col) = col(&["number", "phone"]) else {
            return Err(CsvError::NoNumberColumn { header });
        };
        let (scope_col, source_col, at_col, wd_col) =
            (col(&["scope"]), col(&["source"]), col(&["at"]), col(&["withdrawn_at"]));
        let now = self.now();
        let mut bad = Vec::new();
        let mut out = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    bad.push((line, e.to_string()));
                    continue;
                }
            };
            let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).filter(|v| !v.is_empty());
            let time = |c: Option<usize>, what: &str| -> Result<Option<DateTime<Utc>>, String> {
                get(c)
                    .map(|v| {
                        DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).map_err(|_| {
                            format!("{what} {v:?} is not an RFC 3339 time (2026-05-04T09:30:00+02:00)")
                        })
                    })
                    .transpose()
            };
            let number = match PhoneNumber::parse_with(get(Some(number_col)).unwrap_or(""), policy) {
                Ok(n) => n,
                Err(e) => {
                    bad.push((line, e.to_string()));
                    continue;
                }
            };
            let (at, wd) = match (time(at_col, "at"), time(wd_col, "withdrawn_at")) {
                (Ok(a), Ok(w)) => (a, w),
                (Err(e), _) | (_, Err(e)) => {
                    bad.push((line, e));
                    continue;
                }
            };
            let scope = match get(scope_col) {
                Some(s) => Scope::account(s),
                None => default_scope.clone(),
            };
            let mut c = Consent::new(
                number.e164(),
                scope,
                get(source_col).unwrap_or(default_source),
                at.unwrap_or(now),
            );
            c.withdrawn_at = wd;
            out.push(c);
        }
        if !bad.is_empty() {
            return Err(CsvError::BadRows { rows: bad });
        }
        Ok(self.store.put_consents(out).await?)
    }

    /// Every entry matching `query`, in id order (for large sets page with
    /// [`Store::entries_page`] or export with [`Ledger::export_csv`]).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn entries(&self, query: &Query) -> Result<Vec<Entry>, StoreError> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.entries_page(query, after, crate::query::PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let full = page.len() == crate::query::PAGE;
            out.extend(page);
            if !full {
                break;
            }
        }
        Ok(out)
    }
}
