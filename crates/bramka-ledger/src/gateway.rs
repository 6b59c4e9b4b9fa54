//! [`LedgerGateway`]: any [`Gateway`] with every send recorded — intent before I/O, outcome after.

use std::sync::Arc;

use async_trait::async_trait;
use bramka_core::{
    Capabilities, Certainty, DeliveryReport, Error, ErrorKind, Gateway, Message, RecipientReport, SendReport,
    SendState,
};
use chrono::{DateTime, Utc};

use crate::ledger::Ledger;
use crate::model::{Entry, Intent, MessageRecord, Outcome, Scope, State};
use crate::rules::{outcome_of_error, outcome_of_recipient};

/// A gateway that records every send in a [`Ledger`].
///
/// Before any I/O it refuses suppressed recipients (a [`ErrorKind::Suppressed`], `NotSent`
/// rejection each, all listed) and writes the intent: the message as it will be sent and one
/// `pending` entry per recipient, in one transaction. After the answer it writes every
/// recipient's outcome in one transaction. `status()` answers are applied to the ledger too.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::{Gateway, Message, testing::NullGateway};
/// use bramka_ledger::{Ledger, Query, State};
///
/// let ledger = Ledger::in_memory();
/// let gw = ledger.gateway(NullGateway::new());
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// gw.send(&msg).await.unwrap();
/// let rows = ledger.entries(&Query::all()).await.unwrap();
/// assert_eq!(rows[0].state, State::Accepted);
/// assert_eq!(rows[0].to, "+48600100200");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LedgerGateway<G> {
    inner: G,
    ledger: Ledger,
    account: Option<String>,
}

impl<G: Gateway> LedgerGateway<G> {
    /// Wraps `inner`; entries are recorded under the gateway's id as account.
    pub fn new(inner: G, ledger: Ledger) -> Self {
        LedgerGateway { inner, ledger, account: None }
    }
    /// Records entries under this account name (and checks its suppressions as well as global ones).
    #[must_use]
    pub fn account(mut self, name: impl Into<String>) -> Self {
        self.account = Some(name.into());
        self
    }
    /// The wrapped gateway.
    pub fn inner(&self) -> &G {
        &self.inner
    }
    fn account_name(&self) -> String {
        self.account.clone().unwrap_or_else(|| self.inner.id().to_owned())
    }
}

/// The message record of `msg` as sent through `gateway`.
pub(crate) fn message_record(
    msg: &Message,
    account: &str,
    gateway: &str,
    campaign: Option<&str>,
    at: DateTime<Utc>,
) -> MessageRecord {
    MessageRecord {
        id: 0,
        client_ref: msg.client_ref().as_str().to_owned(),
        account: account.to_owned(),
        gateway: gateway.to_owned(),
        sender: msg.sender().map(|s| s.as_string()),
        text: msg.text().to_owned(),
        encoding: msg.analysis().encoding().to_string(),
        parts: msg.analysis().segments() as u32,
        send_at: msg.send_at(),
        campaign: campaign.map(str::to_owned),
        options: crate::SendOptions::of(msg),
        created_at: at,
    }
}

/// The `Suppressed` error of one recipient.
pub(crate) fn suppressed_error(number: &str, reason: &str) -> Error {
    Error::new(
        ErrorKind::Suppressed,
        Certainty::NotSent,
        format!("{number} is suppressed ({reason}); not sent"),
    )
    .with_gateway("ledger")
}

/// Sends `msg` to the `pending` `entries` (one per recipient, in order) and records the
/// outcomes; suppressed entries must already be removed. Returns the gateway's answer.
pub(crate) async fn send_and_record(
    ledger: &Ledger,
    gw: &(dyn Gateway + '_),
    scope: &Scope,
    msg: &Message,
    entries: &[Entry],
) -> Result<SendReport, Error> {
    let sent = gw.send(msg).await;
    let at = ledger.now();
    let outcomes: Vec<Outcome> = match &sent {
        Ok(report) => {
            // Keyed by the digits, borrowed: no string built per recipient.
            let by_digits: std::collections::HashMap<&str, &RecipientReport> =
                report.recipients.iter().map(|r| (r.to.digits(), r)).collect();
            entries
                .iter()
                .map(|e| match by_digits.get(e.to.strip_prefix('+').unwrap_or(&e.to)).copied() {
                    Some(r) => outcome_of_recipient(e.id, &report.gateway, r, at),
                    None => {
                        let err = Error::new(
                            ErrorKind::Other,
                            Certainty::MaybeSent,
                            "the gateway's answer does not mention this recipient",
                        )
                        .with_gateway(report.gateway.clone());
                        outcome_of_error(e.id, &err, at)
                    }
                })
                .collect()
        }
        Err(err) => entries.iter().map(|e| outcome_of_error(e.id, err, at)).collect(),
    };
    if let Err(e) = ledger.store().record_outcomes(outcomes).await {
        tracing::error!(error = %e, "ledger: the outcome of a send was not recorded; its entries stay pending until recover()");
        return sent.map(|mut r| {
            r.note(format!("ledger: outcome not recorded ({e}); the entries stay pending until recover()"));
            r
        });
    }
    // Operator opt-out signals.
    let signals: Vec<(String, String)> = match &sent {
        Ok(report) => report
            .recipients
            .iter()
            .filter_map(|r| {
                let e = r.state.error()?;
                Some((r.to.e164(), crate::signals::of_error(&report.gateway, e)?))
            })
            .collect(),
        Err(err) => crate::signals::of_error(gw.id(), err)
            .map(|why| entries.iter().map(|e| (e.to.clone(), why.clone())).collect())
            .unwrap_or_default(),
    };
    for (number, why) in signals {
        if let Err(e) = ledger.suppress_number(&number, scope.clone(), &why).await {
            tracing::error!(error = %e, "ledger: an operator opt-out was not recorded");
        }
    }
    sent
}

#[async_trait]
impl<G: Gateway> Gateway for LedgerGateway<G> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let account = self.account_name();
        let scope = Scope::Account(account.clone());
        let at = self.ledger.now();
        let cref = message.client_ref().as_str();
        let intent = Intent::new(
            message_record(message, &account, self.inner.id(), None, at),
            message.recipients().iter().map(|n| (n.e164(), cref.to_owned())).collect(),
            State::Pending,
        );
        // The suppression check and the intent in one store call (one transaction on SQLite);
        // suppressed recipients get their entry too, rejected just below, before any I/O.
        let (suppressed, entries) = self.ledger.store().check_and_record_intent(&scope, intent).await?;
        let reason = |n: &str| suppressed.iter().find(|s| s.number == n).map(|s| s.reason.clone());
        let (refused, allowed): (Vec<&Entry>, Vec<&Entry>) = if suppressed.is_empty() {
            (Vec::new(), entries.iter().collect())
        } else {
            entries.iter().partition(|e| reason(&e.to).is_some())
        };
        let mut refusals = Vec::new();
        if !refused.is_empty() {
            let outcomes = refused
                .iter()
                .map(|e| {
                    let err = suppressed_error(&e.to, &reason(&e.to).unwrap_or_default());
                    outcome_of_error(e.id, &err, at)
                })
                .collect();
            self.ledger.store().record_outcomes(outcomes).await?;
            for e in &refused {
                let err = suppressed_error(&e.to, &reason(&e.to).unwrap_or_default());
                let to = message.recipients().iter().find(|n| n.e164() == e.to).cloned();
                if let Some(to) = to {
                    refusals.push(RecipientReport::new(to, SendState::Rejected(err)));
                }
            }
        }
        if allowed.is_empty() {
            let list: Vec<&str> = refused.iter().map(|e| e.to.as_str()).collect();
            return Err(Error::new(
                ErrorKind::Suppressed,
                Certainty::NotSent,
                format!("every recipient is suppressed (opted out), nothing sent: {}", list.join(", ")),
            )
            .with_gateway("ledger"));
        }
        let mut report = if refused.is_empty() {
            // The common case: nobody suppressed, the message and entries go as they are.
            send_and_record(&self.ledger, &self.inner, &scope, message, &entries).await?
        } else {
            let keep: std::collections::HashSet<&str> = allowed.iter().map(|e| e.to.as_str()).collect();
            let sub = message.with_recipients(
                message.recipients().iter().filter(|n| keep.contains(n.e164().as_str())).cloned().collect(),
            );
            let allowed: Vec<Entry> = allowed.into_iter().cloned().collect();
            send_and_record(&self.ledger, &self.inner, &scope, &sub, &allowed).await?
        };
        if !refusals.is_empty() {
            // Put the refused recipients back in the message's order.
            let mut all = Vec::with_capacity(message.recipients().len());
            for n in message.recipients() {
                if let Some(i) = refusals.iter().position(|r| &r.to == n) {
                    all.push(refusals.swap_remove(i));
                } else if let Some(i) = report.recipients.iter().position(|r| &r.to == n) {
                    all.push(report.recipients.swap_remove(i));
                }
            }
            all.append(&mut report.recipients);
            report.recipients = all;
        }
        Ok(report)
    }

    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        let r = self.inner.status(message_id).await?;
        if let Err(e) = self.ledger.apply_report(&r).await {
            tracing::error!(error = %e, "ledger: a status answer was not recorded");
        }
        Ok(r)
    }

    /// Cancel, reschedule, pause, resume and balance go to the wrapped gateway unchanged.
    fn delegate(&self) -> Option<&dyn Gateway> {
        Some(&self.inner)
    }
}

/// Shared ledger handle for [`LedgerGateway`]s over trait objects.
pub type SharedGateway = LedgerGateway<Arc<dyn Gateway>>;
