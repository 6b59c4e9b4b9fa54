//! Consent to receive SMS (seed 003): only contacts who agreed are sent to.

use std::collections::HashSet;
use std::sync::RwLock;

use bramka_core::PhoneNumber;

/// Tells whether a recipient consented to receive SMS.
pub trait ConsentCheck: Send + Sync + std::fmt::Debug {
    /// Whether `number` has a recorded consent.
    fn has_consent(&self, number: &PhoneNumber) -> bool;
}

/// Consents held in memory.
///
/// ```
/// use bramka::consent::{ConsentCheck, ConsentList};
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
}

impl ConsentCheck for ConsentList {
    fn has_consent(&self, number: &PhoneNumber) -> bool {
        self.numbers.read().unwrap_or_else(|p| p.into_inner()).contains(number)
    }
}
