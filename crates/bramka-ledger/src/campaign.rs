//! Campaigns: a named bulk send whose every recipient is recorded before the first request,
//! sent in chunks, and resumable after a crash or a kill without sending anyone twice.
//!
//! Each recipient keeps the client reference of its chunk from the start (`{ref}c{n}`), so a
//! resend of an `uncertain` recipient to an operator that de-duplicates by client key (SMSAPI
//! `idx`, Infobip `messageId`) is refused as a duplicate rather than sent again. To other
//! operators `uncertain` recipients are never resent: [`CampaignReport::uncertain`] lists them
//! for reconciliation; where the operator answers `status()`, a run first asks it about them
//! ([`crate::reconcile`]).

use std::collections::BTreeMap;

use bramka_core::{Certainty, Error, ErrorKind, Gateway, Idempotency, Message, PhoneNumber};

use crate::error::StoreError;
use crate::gateway::{message_record, send_and_record, suppressed_error};
use crate::ledger::Ledger;
use crate::model::{Campaign, Entry, Intent, MessageRecord, Outcome, Query, Scope, State};
use crate::rules::outcome_of_error;

/// What a campaign run did and where the campaign stands.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CampaignReport {
    /// The campaign.
    pub campaign: Campaign,
    /// Entries an earlier run left `pending` (killed mid-request), now `uncertain`.
    pub recovered: Vec<Entry>,
    /// `uncertain` entries this run settled by asking the operator (`status()`, see
    /// [`Ledger::reconcile`]), in their state after the answer.
    pub reconciled: Vec<Entry>,
    /// Entries sent (or resent with their original client key) by this run.
    pub sent: u64,
    /// Entries refused by this run because they are suppressed.
    pub suppressed: u64,
    /// Entries per state, after the run.
    pub states: BTreeMap<State, u64>,
    /// Entries that may or may not have gone out, for reconciliation (by `status()` or delivery
    /// reports where the operator has them).
    pub uncertain: Vec<Entry>,
    /// The error that stopped the run; the entries not reached stay `not_attempted` for the
    /// next run.
    pub stopped: Option<Error>,
    /// Whether the run stopped between two requests because its caller asked it to
    /// ([`Ledger::run_campaign_while`]); the entries not reached stay `not_attempted`.
    pub interrupted: bool,
}

impl CampaignReport {
    /// Entries in `state`.
    pub fn count(&self, state: State) -> u64 {
        self.states.get(&state).copied().unwrap_or(0)
    }
    /// Whether every entry was tried (none left `not_attempted` or `pending`).
    pub fn is_complete(&self) -> bool {
        self.count(State::NotAttempted) == 0 && self.count(State::Pending) == 0
    }
}

/// The client reference of chunk `index` (1-based) of a bulk: `{ref}c{index}`, cut to 64
/// characters; a bulk of one chunk keeps `base`.
pub fn chunk_ref(base: &str, index: usize, chunks: usize) -> String {
    if chunks <= 1 {
        return base.to_owned();
    }
    let suffix = format!("c{index}");
    let keep = base.len().min(64 - suffix.len());
    format!("{}{suffix}", &base[..keep])
}

/// Errors after which later chunks would fail the same way (or might duplicate).
fn stops_the_run(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Auth
            | ErrorKind::Config
            | ErrorKind::InsufficientFunds
            | ErrorKind::Unsupported
            | ErrorKind::InvalidSender
            | ErrorKind::ContentRejected
            | ErrorKind::Message
    ) || e.may_have_been_sent()
}

impl Ledger {
    /// Records a campaign: the message and every recipient (`not_attempted`, with its chunk's
    /// client reference), in one transaction, before anything is sent. Creating it again with
    /// the same text and recipients returns the existing one (so a rerun resumes); with another
    /// text or recipient count it is refused.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::CampaignMismatch`] when a campaign named `name` already exists with
    /// another text, recipient count or send options, [`StoreError::Corrupt`] when the existing
    /// campaign's message is missing, and [`StoreError::Backend`] when the store's database fails
    /// (nothing is recorded then).
    pub async fn create_campaign(
        &self,
        name: &str,
        account: &str,
        gateway_id: &str,
        message: &Message,
        chunk_size: usize,
    ) -> Result<Campaign, StoreError> {
        let chunk_size = chunk_size.max(1);
        let n = message.recipients().len();
        let chunks = n.div_ceil(chunk_size);
        let base = message.client_ref().as_str();
        let recipients = message
            .recipients()
            .iter()
            .enumerate()
            .map(|(i, p)| (p.e164(), chunk_ref(base, i / chunk_size + 1, chunks)))
            .collect();
        let at = self.now();
        let intent = Intent::new(
            message_record(message, account, gateway_id, Some(name), at),
            recipients,
            State::NotAttempted,
        );
        if let Some(c) = self.store().create_campaign(name, chunk_size as u32, intent).await? {
            return Ok(c);
        }
        let c = self
            .store()
            .campaign(name)
            .await?
            .ok_or_else(|| StoreError::UnknownCampaign { name: name.into() })?;
        let m = self
            .store()
            .message(c.message)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("campaign {name} without its message")))?;
        let mismatch = |what: String| StoreError::CampaignMismatch { name: name.to_owned(), what };
        if m.text != message.text() {
            return Err(mismatch(format!("another text ({:?})", m.text)));
        }
        if c.recipients != n as u64 {
            return Err(mismatch(format!("{} recipients, not {n}", c.recipients)));
        }
        let options = crate::SendOptions::of(message);
        if m.options != options {
            return Err(mismatch(format!("other send options ({:?}, not {options:?})", m.options)));
        }
        Ok(c)
    }

    /// Sends a campaign's recipients that were never attempted, chunk by chunk, recording each
    /// chunk's outcome. Call it again after a crash or a kill (it is also `resume`): entries
    /// left `pending` become `uncertain`; where the gateway answers `status()` they are first
    /// reconciled by asking it ([`Ledger::reconcile`], listed in
    /// [`CampaignReport::reconciled`]); those still uncertain are resent with their original
    /// client key only to gateways that de-duplicate ([`Idempotency::ServerDedupe`]), else listed
    /// in [`CampaignReport::uncertain`]. No recipient is sent twice.
    ///
    /// # Errors
    ///
    /// The errors of [`Ledger::run_campaign_while`].
    pub async fn run_campaign(
        &self,
        name: &str,
        gateway: &dyn Gateway,
    ) -> Result<CampaignReport, StoreError> {
        self.run_campaign_while(name, gateway, &|| true).await
    }

    /// [`Ledger::run_campaign`], asking `go_on` before each request: when it answers `false`
    /// the run stops there (nothing claimed, nothing in flight), the rest stays `not_attempted`
    /// and [`CampaignReport::interrupted`] is set. A server pauses or stops a background
    /// campaign this way; running it again resumes it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use bramka_core::{Message, testing::NullGateway};
    /// use bramka_ledger::{Ledger, State};
    ///
    /// let ledger = Ledger::in_memory();
    /// let gw = NullGateway::new();
    /// let msg = Message::builder().to("+48600100200").to("+48600100201").text("Hi").build().unwrap();
    /// ledger.create_campaign("c", "main", "null", &msg, 1).await.unwrap();
    /// let paused = ledger.run_campaign_while("c", &gw, &|| false).await.unwrap();
    /// assert!(paused.interrupted);
    /// assert_eq!(paused.count(State::NotAttempted), 2);
    /// let done = ledger.run_campaign_while("c", &gw, &|| true).await.unwrap();
    /// assert!(done.is_complete() && !done.interrupted);
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::UnknownCampaign`] when no campaign is named `name`,
    /// [`StoreError::Corrupt`] when its message is missing or a stored row cannot be read, and
    /// [`StoreError::Backend`] when the store's database fails. A gateway's refusal of a chunk is not
    /// an error: it is recorded on the chunk's entries and counted in the report.
    pub async fn run_campaign_while(
        &self,
        name: &str,
        gateway: &dyn Gateway,
        go_on: &(dyn Fn() -> bool + Send + Sync),
    ) -> Result<CampaignReport, StoreError> {
        let campaign = self
            .store()
            .campaign(name)
            .await?
            .ok_or_else(|| StoreError::UnknownCampaign { name: name.into() })?;
        let record = self
            .store()
            .message(campaign.message)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("campaign {name} without its message")))?;
        let scope = Scope::Account(record.account.clone());
        let recovered = self.store().recover(Some(name), self.now()).await?;
        let reconciled = self.reconcile(&Query::all().campaign(name), gateway).await?;
        let dedupe = gateway.capabilities().idempotency == Idempotency::ServerDedupe;
        let mut from = vec![State::NotAttempted];
        if dedupe {
            from.push(State::Uncertain);
        }
        let mut query = Query::all().campaign(name);
        query.states = from.clone();
        let (mut sent, mut suppressed, mut stopped, mut interrupted) = (0u64, 0u64, None, false);
        let mut after = 0;
        'pages: loop {
            let page = self.store().entries_page(&query, after, campaign.chunk_size as usize).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            // One request per client reference (a page may straddle two chunks).
            let mut groups: Vec<Vec<Entry>> = Vec::new();
            for e in page {
                match groups.last_mut() {
                    Some(g) if g[0].client_ref == e.client_ref => g.push(e),
                    _ => groups.push(vec![e]),
                }
            }
            for group in groups {
                if !go_on() {
                    interrupted = true;
                    break 'pages;
                }
                let ids: Vec<i64> = group.iter().map(|e| e.id).collect();
                let claimed = self.store().claim(&ids, &from, self.now()).await?;
                if claimed.is_empty() {
                    continue;
                }
                let numbers: Vec<String> = claimed.iter().map(|e| e.to.clone()).collect();
                let supp = self.store().suppressed_among(&scope, &numbers).await?;
                let (refused, allowed): (Vec<Entry>, Vec<Entry>) =
                    claimed.into_iter().partition(|e| supp.iter().any(|s| s.number == e.to));
                if !refused.is_empty() {
                    let at = self.now();
                    let outcomes: Vec<Outcome> = refused
                        .iter()
                        .map(|e| {
                            let why = supp
                                .iter()
                                .find(|s| s.number == e.to)
                                .map(|s| s.reason.as_str())
                                .unwrap_or("");
                            outcome_of_error(e.id, &suppressed_error(&e.to, why), at)
                        })
                        .collect();
                    self.store().record_outcomes(outcomes).await?;
                    suppressed += refused.len() as u64;
                }
                if allowed.is_empty() {
                    continue;
                }
                let msg = match chunk_message(&record, &allowed) {
                    Ok(m) => m,
                    Err(e) => {
                        let at = self.now();
                        let outcomes = allowed.iter().map(|x| outcome_of_error(x.id, &e, at)).collect();
                        self.store().record_outcomes(outcomes).await?;
                        stopped = Some(e);
                        break 'pages;
                    }
                };
                sent += allowed.len() as u64;
                if let Err(e) = send_and_record(self, gateway, &scope, &msg, &allowed).await
                    && stops_the_run(&e)
                {
                    stopped = Some(e);
                    break 'pages;
                }
            }
        }
        let mut states = BTreeMap::new();
        let mut uncertain = Vec::new();
        let all = self.entries(&Query::all().campaign(name)).await?;
        for e in all {
            *states.entry(e.state).or_insert(0) += 1;
            if e.state == State::Uncertain {
                uncertain.push(e);
            }
        }
        Ok(CampaignReport {
            campaign,
            recovered,
            reconciled,
            sent,
            suppressed,
            states,
            uncertain,
            stopped,
            interrupted,
        })
    }

    /// The same as [`Ledger::run_campaign`]: a campaign resumes by running it again.
    ///
    /// # Errors
    ///
    /// The errors of [`Ledger::run_campaign`].
    pub async fn resume_campaign(
        &self,
        name: &str,
        gateway: &dyn Gateway,
    ) -> Result<CampaignReport, StoreError> {
        self.run_campaign(name, gateway).await
    }
}

/// The message of one chunk, rebuilt from the record: the recorded text (already transliterated
/// and normalised, so kept as it is), sender, schedule and send options, with the chunk's client
/// reference. The first run and a resume build the same message.
pub(crate) fn chunk_message(record: &MessageRecord, entries: &[Entry]) -> Result<Message, Error> {
    let mut recipients = Vec::with_capacity(entries.len());
    for e in entries {
        recipients.push(PhoneNumber::parse(&e.to)?);
    }
    let mut b =
        Message::builder().recipients(recipients).text(&record.text).client_ref(&entries[0].client_ref);
    if let Some(s) = &record.sender {
        b = b.sender(s);
    }
    if let Some(at) = record.send_at {
        b = b.send_at(at);
    }
    b = record.options.apply(b).map_err(|e| {
        Error::new(ErrorKind::Message, Certainty::NotSent, format!("campaign message: {e}"))
            .with_gateway("ledger")
    })?;
    Ok(b.build()?)
}
