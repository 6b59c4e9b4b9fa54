//! Short links and their clicks: the store behind a link shortener (such as the `/s/` links of
//! `bramka serve`).
//!
//! A link is stored under its code with the URL it leads to; once the message that carries it is
//! recorded, [`LinkStore::attach_links`] ties it to the message's client reference (and to the
//! recipient when the message has one). Each visit counts one click ([`LinkStore::click`]), so
//! clicks are known per message, and per recipient for single-recipient messages. Only stored
//! codes resolve: a shortener built on this store never redirects anywhere else.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka_ledger::MemoryStore;
//! use bramka_ledger::links::LinkStore;
//!
//! let store = MemoryStore::new();
//! let now = chrono::Utc::now();
//! assert!(store.insert_link("aB3dE5gH9", "https://example.com/order/1", now).await.unwrap());
//! store.attach_links(&["aB3dE5gH9".into()], "order-1", "shop", Some("+48600100200")).await.unwrap();
//! let link = store.click("aB3dE5gH9", now).await.unwrap().unwrap();
//! assert_eq!((link.url.as_str(), link.clicks), ("https://example.com/order/1", 1));
//! assert!(store.click("nosuchcod", now).await.unwrap().is_none());
//! # }
//! ```

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::StoreError;

/// A stored short link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ShortLink {
    /// The code (the last path segment of the short link).
    pub code: String,
    /// The URL the link leads to.
    pub url: String,
    /// The account of the message that carries it (once attached).
    pub account: Option<String>,
    /// The client reference of the message that carries it (once attached).
    pub client_ref: Option<String>,
    /// The recipient, when the message had exactly one.
    pub recipient: Option<String>,
    /// How many times it was followed.
    pub clicks: u64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The first click.
    pub first_click_at: Option<DateTime<Utc>>,
    /// The last click.
    pub last_click_at: Option<DateTime<Utc>>,
}

impl ShortLink {
    /// A link with no message and no clicks yet.
    pub fn new(code: impl Into<String>, url: impl Into<String>, created_at: DateTime<Utc>) -> Self {
        ShortLink {
            code: code.into(),
            url: url.into(),
            account: None,
            client_ref: None,
            recipient: None,
            clicks: 0,
            created_at,
            first_click_at: None,
            last_click_at: None,
        }
    }

    /// Counts one click at `at`.
    pub fn record_click(&mut self, at: DateTime<Utc>) {
        self.clicks += 1;
        self.first_click_at.get_or_insert(at);
        self.last_click_at = Some(at);
    }
}

/// Which links to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkQuery {
    /// Only the links of the message with this client reference.
    pub client_ref: Option<String>,
    /// Only the links of this account's messages.
    pub account: Option<String>,
    /// At most this many, newest first (100 when `None`).
    pub limit: Option<usize>,
}

impl LinkQuery {
    /// Every link (the newest 100).
    pub fn all() -> Self {
        Self::default()
    }
    /// The links of one message.
    #[must_use]
    pub fn client_ref(mut self, client_ref: impl Into<String>) -> Self {
        self.client_ref = Some(client_ref.into());
        self
    }
    /// The links of one account.
    #[must_use]
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }
    /// At most `n` links.
    #[must_use]
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }
    pub(crate) fn max(&self) -> usize {
        self.limit.unwrap_or(100)
    }
    pub(crate) fn matches(&self, l: &ShortLink) -> bool {
        self.client_ref.as_ref().is_none_or(|c| l.client_ref.as_ref() == Some(c))
            && self.account.as_ref().is_none_or(|a| l.account.as_ref() == Some(a))
    }
}

/// Where short links live (the ledger's stores implement it; schema version 6).
#[async_trait]
pub trait LinkStore: Send + Sync + fmt::Debug {
    /// Stores a new link; `false` (and nothing written) when the code is taken, so the caller
    /// draws another.
    async fn insert_link(&self, code: &str, url: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Ties the links with these codes to the message with `client_ref` sent through `account`
    /// (and to `recipient` when the message has one). Returns how many were tied.
    async fn attach_links(
        &self,
        codes: &[String],
        client_ref: &str,
        account: &str,
        recipient: Option<&str>,
    ) -> Result<usize, StoreError>;

    /// Counts one click on `code` and returns the link as it is now; `None` for an unknown code.
    async fn click(&self, code: &str, at: DateTime<Utc>) -> Result<Option<ShortLink>, StoreError>;

    /// A link by its code.
    async fn link(&self, code: &str) -> Result<Option<ShortLink>, StoreError>;

    /// The links matching `query`, newest first.
    async fn links(&self, query: &LinkQuery) -> Result<Vec<ShortLink>, StoreError>;
}
