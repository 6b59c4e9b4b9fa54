//! Consent to receive SMS: only contacts who agreed are sent to.
//!
//! [`ConsentList`] keeps consents in memory; with the feature `ledger`, a
//! [`bramka_ledger::Ledger`] is a [`ConsentCheck`] too, with consents persisted (per account or
//! global, withdrawable, importable from CSV).

use std::collections::HashSet;
use std::sync::RwLock;

use async_trait::async_trait;
use bramka_core::{Error, PhoneNumber};

/// Tells which recipients consented to receive SMS.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka::consent::{ConsentCheck, ConsentList};
/// use bramka::PhoneNumber;
///
/// let list = ConsentList::new();
/// let (a, b) = (PhoneNumber::parse("+48600100200").unwrap(), PhoneNumber::parse("+48600100201").unwrap());
/// list.grant(a.clone());
/// assert_eq!(list.missing("shop", &[a, b.clone()]).await.unwrap(), [b]);
/// # }
/// ```
#[async_trait]
pub trait ConsentCheck: Send + Sync + std::fmt::Debug {
    /// The numbers of `numbers` without a consent in force for `account`, in order (one
    /// look-up for the whole message).
    async fn missing(&self, account: &str, numbers: &[PhoneNumber]) -> Result<Vec<PhoneNumber>, Error>;
}

/// Consents held in memory, for every account alike.
///
/// ```
/// use bramka::consent::ConsentList;
/// use bramka::PhoneNumber;
/// let list = ConsentList::new();
/// let n = PhoneNumber::parse("+48600100200").unwrap();
/// assert!(!list.has_consent(&n));
/// list.grant(n.clone());
/// assert!(list.has_consent(&n));
/// list.revoke(&n);
/// assert!(!list.has_consent(&n));
/// ```
#[derive(Debug, Default)]
pub struct ConsentList {
    numbers: RwLock<HashSet<PhoneNumber>>,
}

impl ConsentList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }
    /// Records a consent.
    pub fn grant(&self, n: PhoneNumber) {
        self.numbers.write().unwrap_or_else(|p| p.into_inner()).insert(n);
    }
    /// Removes a consent.
    pub fn revoke(&self, n: &PhoneNumber) {
        self.numbers.write().unwrap_or_else(|p| p.into_inner()).remove(n);
    }
    /// Whether `number` has a recorded consent.
    pub fn has_consent(&self, number: &PhoneNumber) -> bool {
        self.numbers.read().unwrap_or_else(|p| p.into_inner()).contains(number)
    }
}

#[async_trait]
impl ConsentCheck for ConsentList {
    async fn missing(&self, _account: &str, numbers: &[PhoneNumber]) -> Result<Vec<PhoneNumber>, Error> {
        Ok(numbers.iter().filter(|n| !self.has_consent(n)).cloned().collect())
    }
}

/// Consents persisted in the ledger: a consent for the account or a global one, not withdrawn.
#[cfg(feature = "ledger")]
#[async_trait]
impl ConsentCheck for bramka_ledger::Ledger {
    async fn missing(&self, account: &str, numbers: &[PhoneNumber]) -> Result<Vec<PhoneNumber>, Error> {
        Ok(self.missing_consent(account, numbers).await?)
    }
}
