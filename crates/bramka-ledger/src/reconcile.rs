//! Reconciling `uncertain` entries (a send that may or may not have gone out) by asking the
//! operator: `status()` of the entry's operator id, or, at operators whose message ids are the
//! client's own per-recipient keys, of its [`Entry::recipient_key`].
//!
//! Delivery-report webhooks reconcile them too, without asking: a report carrying the client
//! key is matched to the entry ([`crate::Store::apply_delivery`]).

use bramka_core::{Capability, Gateway};

use crate::error::StoreError;
use crate::ledger::Ledger;
use crate::model::{Applied, Entry, Query, State};

/// Gateways whose message id is the per-recipient client key bramka sends (Infobip's
/// `messageId`), so `status()` can be asked about a send whose answer never came.
pub const KEY_IS_MESSAGE_ID: &[&str] = &["infobip"];

/// The id to ask `status()` about for `e` sent through `gateway_id`: its operator id, else its
/// client key where that is the operator's message id ([`KEY_IS_MESSAGE_ID`]); `None` when the
/// operator cannot be asked.
pub fn status_id(e: &Entry, gateway_id: &str) -> Option<String> {
    if let Some(id) = &e.operator_id {
        return Some(id.clone());
    }
    let by_key = KEY_IS_MESSAGE_ID.iter().any(|g| *g == gateway_id || *g == e.gateway);
    by_key.then(|| e.recipient_key())
}

impl Ledger {
    /// Asks `gateway` the status of every `uncertain` entry matching `query` that it can be
    /// asked about ([`status_id`]; nothing when it lacks [`Capability::Status`]) and applies each
    /// answer. Returns the entries that are no longer `uncertain`: the operator has the message,
    /// so it went out. An entry the operator does not know (or an error) stays `uncertain`; it is
    /// never taken for "not sent", since logs may lag behind a send.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back. An operator's error for one entry is not returned: that
    /// entry stays `uncertain`.
    pub async fn reconcile(&self, query: &Query, gateway: &dyn Gateway) -> Result<Vec<Entry>, StoreError> {
        if !gateway.capabilities().supports(Capability::Status) {
            return Ok(Vec::new());
        }
        let mut q = query.clone();
        q.states = vec![State::Uncertain];
        let mut settled = Vec::new();
        for e in self.entries(&q).await? {
            let Some(id) = status_id(&e, gateway.id()) else { continue };
            let mut report = match gateway.status(&id).await {
                Ok(r) => r,
                Err(err) => {
                    tracing::info!(entry = e.id, error = %err, "ledger: status of an uncertain send not known; it stays uncertain");
                    continue;
                }
            };
            // Asked by the entry's key: the answer is about it even when the operator does not
            // echo the key.
            if e.operator_id.is_none() && report.client_ref.is_none() {
                report.client_ref = Some(e.recipient_key());
            }
            if let Applied::Updated { entry, .. } = self.apply_report(&report).await?
                && entry.id == e.id
            {
                settled.push(entry);
            }
        }
        Ok(settled)
    }
}
