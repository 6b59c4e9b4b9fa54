//! Once per call: a [`DedupeStore`] remembers which calls an element has already handled.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A store failed (a database or cache the application plugged in).
///
/// ```
/// use bramka_flow::StoreError;
///
/// let e = StoreError::new("redis", "connection refused");
/// assert!(e.to_string().contains("connection refused"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{store}: {message}")]
pub struct StoreError {
    /// Which store (`"dedupe"`, `"history"`, or the implementation's name).
    pub store: String,
    /// What failed.
    pub message: String,
}

impl StoreError {
    /// A store error.
    pub fn new(store: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError { store: store.into(), message: message.into() }
    }
}

/// Remembers keys for a while; [`claim`](DedupeStore::claim) is an atomic check-and-set.
///
/// Implement it over a shared database or cache when several application instances handle the
/// same calls; [`InMemoryDedupe`] serves one process.
///
/// ```
/// use std::time::Duration;
/// use bramka_flow::{DedupeStore, StoreError};
/// use chrono::{DateTime, Utc};
///
/// /// Never remembers anything: every call may send.
/// #[derive(Debug)]
/// struct Forgetful;
///
/// #[async_trait::async_trait]
/// impl DedupeStore for Forgetful {
///     async fn claim(&self, _key: &str, _now: DateTime<Utc>, _ttl: Duration) -> Result<bool, StoreError> {
///         Ok(true)
///     }
///     async fn release(&self, _key: &str) -> Result<(), StoreError> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait DedupeStore: Send + Sync + fmt::Debug {
    /// Atomically: when `key` is absent or its entry expired (at `now`), stores it until
    /// `now + ttl` and returns `true`; otherwise returns `false` and changes nothing.
    async fn claim(&self, key: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError>;

    /// Forgets `key`, so the next claim succeeds (used when a claimed call certainly sent nothing).
    async fn release(&self, key: &str) -> Result<(), StoreError>;
}

/// An in-memory [`DedupeStore`]: a map behind a mutex; expired entries are dropped as new keys
/// arrive. `Clone` shares the same map.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_flow::{DedupeStore, InMemoryDedupe};
/// use std::time::Duration;
///
/// let store = InMemoryDedupe::new();
/// let t0 = "2026-01-01T10:00:00Z".parse().unwrap();
/// let ttl = Duration::from_secs(60);
/// assert!(store.claim("call-1", t0, ttl).await.unwrap());
/// assert!(!store.claim("call-1", t0, ttl).await.unwrap());
/// let later = t0 + chrono::Duration::seconds(61);
/// assert!(store.claim("call-1", later, ttl).await.unwrap());
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemoryDedupe {
    entries: Arc<Mutex<HashMap<String, DateTime<Utc>>>>,
}

impl InMemoryDedupe {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryDedupe::default()
    }

    /// Keys held (expired entries not yet dropped included).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DateTime<Utc>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl DedupeStore for InMemoryDedupe {
    async fn claim(&self, key: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError> {
        let expires = crate::action::add(now, ttl);
        let mut map = self.lock();
        if let Some(until) = map.get(key)
            && *until > now
        {
            return Ok(false);
        }
        map.retain(|_, until| *until > now);
        map.insert(key.to_owned(), expires);
        Ok(true)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.lock().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn expired_entries_are_dropped_and_release_frees_a_key() {
        let s = InMemoryDedupe::new();
        let t0: DateTime<Utc> = "2026-01-01T10:00:00Z".parse().unwrap();
        let ttl = Duration::from_secs(10);
        assert!(s.claim("a", t0, ttl).await.unwrap());
        assert!(s.claim("b", t0, Duration::from_secs(100)).await.unwrap());
        assert_eq!(s.len(), 2);
        // Exactly at expiry the entry is gone.
        let t10 = t0 + chrono::Duration::seconds(10);
        assert!(s.claim("c", t10, ttl).await.unwrap());
        assert_eq!(s.len(), 2, "a expired and was dropped; b and c remain");
        assert!(!s.claim("b", t10, ttl).await.unwrap());
        s.release("b").await.unwrap();
        assert!(s.claim("b", t10, ttl).await.unwrap());
    }

    use proptest::prelude::*;

    proptest! {
        /// Against a model: a claim succeeds exactly when the key's last successful claim is at
        /// least `ttl` old (or there is none).
        #[test]
        fn claims_match_the_model(steps in proptest::collection::vec((0u8..4, 0u64..50), 1..80), ttl in 1u64..60) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let s = InMemoryDedupe::new();
            let mut t: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
            let mut last: HashMap<u8, DateTime<Utc>> = HashMap::new();
            for (key, dt) in steps {
                t += chrono::Duration::seconds(dt as i64);
                let got = rt.block_on(s.claim(&key.to_string(), t, Duration::from_secs(ttl))).unwrap();
                let want = last.get(&key).is_none_or(|at| t - *at >= chrono::Duration::seconds(ttl as i64));
                prop_assert_eq!(got, want, "key {} at {}", key, t);
                if want {
                    last.insert(key, t);
                }
            }
            prop_assert!(s.len() <= 4);
        }
    }
}
