//! Scheduled sends, listed from the ledger: for operators whose API cannot list the messages
//! waiting for their send time (SMSAPI has no such endpoint; Infobip's `GET /sms/1/bulks` needs
//! the bulk id), the ledger holds every scheduled send with the ids its cancel, pause and
//! reschedule take.
//!
//! [`Ledger::scheduled`] walks the account's `accepted` and `uncertain` entries (keyset pages)
//! and keeps those whose message has a send time still ahead; [`Ledger::refresh_scheduled`] asks
//! the operator for each recipient's state by its id (`status()`, where the operator answers it)
//! and applies the answers, so a send cancelled elsewhere or already gone drops out.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka_core::{Gateway, Message, testing::NullGateway};
//! use bramka_ledger::Ledger;
//!
//! let ledger = Ledger::in_memory();
//! let gw = ledger.gateway(NullGateway::new()).account("shop");
//! let at = chrono::Utc::now() + chrono::Duration::hours(2);
//! let msg = Message::builder().to("+48600100200").text("Tomorrow 10:00").send_at(at).build().unwrap();
//! gw.send(&msg).await.unwrap();
//! let waiting = ledger.scheduled(Some("shop")).await.unwrap();
//! assert_eq!(waiting.len(), 1);
//! assert_eq!(waiting[0].send_at.timestamp(), at.timestamp());
//! # }
//! ```

use std::collections::BTreeMap;

use bramka_core::{Error, Gateway};
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ledger::Ledger;
use crate::model::{Entry, Query, State};

/// Recipients per Infobip request (and so per bulk id).
const INFOBIP_BULK: usize = 1000;

/// One scheduled send: the recipients of one request-level client reference.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScheduledSend {
    /// The client reference of the send (Infobip's bulk id).
    pub client_ref: String,
    /// The account.
    pub account: String,
    /// The gateway id (`smsapi`, `infobip`, …).
    pub gateway: String,
    /// When it is due.
    pub send_at: DateTime<Utc>,
    /// The text as sent.
    pub text: String,
    /// The campaign, if any.
    pub campaign: Option<String>,
    /// Its recipients' entries, in id order.
    pub entries: Vec<Entry>,
}

impl ScheduledSend {
    /// The ids the operator's cancel, pause, resume and reschedule take: on Infobip the bulk id
    /// (the client reference, then `<ref>-2`, `<ref>-3`, … per further 1,000 recipients); on
    /// other operators each recipient's message id.
    pub fn operation_ids(&self) -> Vec<String> {
        if self.gateway == "infobip" {
            let n = self.entries.len().div_ceil(INFOBIP_BULK).max(1);
            (0..n)
                .map(
                    |i| {
                        if i == 0 {
                            self.client_ref.clone()
                        } else {
                            format!("{}-{}", self.client_ref, i + 1)
                        }
                    },
                )
                .collect()
        } else {
            self.entries.iter().filter_map(|e| e.operator_id.clone()).collect()
        }
    }
}

impl Ledger {
    /// The sends still waiting for their send time (of `account`, or of every account), the
    /// soonest first.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn scheduled(&self, account: Option<&str>) -> Result<Vec<ScheduledSend>, StoreError> {
        let now = self.now();
        let mut q = Query::all().state(State::Accepted).state(State::Uncertain);
        q.account = account.map(str::to_owned);
        let mut messages: BTreeMap<i64, Option<crate::model::MessageRecord>> = BTreeMap::new();
        let mut sends: BTreeMap<String, ScheduledSend> = BTreeMap::new();
        let mut after = 0;
        loop {
            let page = self.store().entries_page(&q, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let full = page.len() == 500;
            for e in page {
                if let std::collections::btree_map::Entry::Vacant(slot) = messages.entry(e.message) {
                    slot.insert(self.store().message(e.message).await?);
                }
                let Some(Some(m)) = messages.get(&e.message) else { continue };
                let Some(at) = m.send_at.filter(|t| *t > now) else { continue };
                sends
                    .entry(e.client_ref.clone())
                    .or_insert_with(|| ScheduledSend {
                        client_ref: e.client_ref.clone(),
                        account: e.account.clone(),
                        gateway: e.gateway.clone(),
                        send_at: at,
                        text: m.text.clone(),
                        campaign: e.campaign.clone(),
                        entries: Vec::new(),
                    })
                    .entries
                    .push(e);
            }
            if !full {
                break;
            }
        }
        let mut out: Vec<ScheduledSend> = sends.into_values().collect();
        out.sort_by(|a, b| a.send_at.cmp(&b.send_at).then_with(|| a.client_ref.cmp(&b.client_ref)));
        Ok(out)
    }

    /// Asks `gateway` for the state of each recipient of `send` by its message id and applies
    /// the answers; returns how many entries changed. An operator that cannot answer `status()`
    /// gives its error (the ledger is left as it was).
    ///
    /// # Errors
    ///
    /// Returns the gateway's [`Error`] when `status()` fails (an operator that cannot answer it,
    /// an unknown id, a network error), and a store failure as an [`Error`] of kind `Other`.
    /// Entries updated before the failure stay updated.
    pub async fn refresh_scheduled(
        &self,
        gateway: &dyn Gateway,
        send: &ScheduledSend,
    ) -> Result<usize, Error> {
        let mut changed = 0;
        for e in &send.entries {
            let Some(id) = &e.operator_id else { continue };
            let report = gateway.status(id).await?;
            if matches!(self.apply_report(&report).await?, crate::model::Applied::Updated { .. }) {
                changed += 1;
            }
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageRecord;
    use crate::options::SendOptions;

    fn send(gateway: &str, n: usize) -> ScheduledSend {
        let at = Utc::now();
        let m = MessageRecord {
            id: 1,
            client_ref: "ref".into(),
            account: "shop".into(),
            gateway: gateway.into(),
            sender: None,
            text: "x".into(),
            encoding: "gsm7".into(),
            parts: 1,
            send_at: Some(at),
            campaign: None,
            options: SendOptions::default(),
            created_at: at,
        };
        let entries = (0..n)
            .map(|i| {
                let mut e =
                    Entry::new(i as i64 + 1, 1, &m, format!("+48600{i:06}"), "ref".into(), State::Accepted);
                e.operator_id = Some(format!("ID{i}"));
                e
            })
            .collect();
        ScheduledSend {
            client_ref: "ref".into(),
            account: "shop".into(),
            gateway: gateway.into(),
            send_at: at,
            text: "x".into(),
            campaign: None,
            entries,
        }
    }

    #[test]
    fn infobip_acts_on_bulk_ids_other_operators_on_message_ids() {
        assert_eq!(send("infobip", 1).operation_ids(), ["ref"]);
        assert_eq!(send("infobip", 2500).operation_ids(), ["ref", "ref-2", "ref-3"]);
        assert_eq!(send("smsapi", 2).operation_ids(), ["ID0", "ID1"]);
    }

    #[tokio::test]
    async fn only_future_accepted_sends_are_listed_soonest_first() {
        use bramka_core::{Message, testing::NullGateway};
        let ledger = Ledger::in_memory();
        let gw = ledger.gateway(NullGateway::new()).account("shop");
        let now = Utc::now();
        for (text, at) in [
            ("later", Some(now + chrono::Duration::days(2))),
            ("soon", Some(now + chrono::Duration::hours(1))),
            ("now", None),
        ] {
            let mut b = Message::builder().to("+48600100200").text(text);
            if let Some(at) = at {
                b = b.send_at(at);
            }
            gw.send(&b.build().unwrap()).await.unwrap();
        }
        let other = ledger.gateway(NullGateway::new()).account("other");
        other
            .send(
                &Message::builder()
                    .to("+48600100201")
                    .text("x")
                    .send_at(now + chrono::Duration::hours(3))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let list = ledger.scheduled(Some("shop")).await.unwrap();
        assert_eq!(list.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), ["soon", "later"]);
        assert_eq!(ledger.scheduled(None).await.unwrap().len(), 3);
    }
}
