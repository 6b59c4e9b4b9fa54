//! Typed errors: configuration (found at registration) and storage.

/// A configuration was refused; the variant names the offending value and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A prefix is too short or too long.
    #[error("prefix {prefix:?} has {len} characters; 2 to 16 are accepted")]
    PrefixLength {
        /// The prefix as given.
        prefix: String,
        /// Its length in characters.
        len: usize,
    },
    /// A prefix contains a separator, so it could never match as one word.
    #[error(
        "prefix {prefix:?} contains the separator {found:?}; a prefix is one word without spaces, ':', '.', ',', '-' or ';'"
    )]
    PrefixSeparator {
        /// The prefix as given.
        prefix: String,
        /// The separator found.
        found: char,
    },
    /// Two prefixes on one number are equal after folding (case and diacritics).
    #[error(
        "prefix {prefix:?} on {number} collides with {existing:?} (equal after case and diacritic folding)"
    )]
    DuplicatePrefix {
        /// The receiving number.
        number: String,
        /// The refused prefix.
        prefix: String,
        /// The prefix already registered.
        existing: String,
    },
    /// A route on a shared number without a prefix.
    #[error("{number} is shared: every route on it needs a prefix of 2 to 16 characters")]
    SharedNeedsPrefix {
        /// The receiving number.
        number: String,
    },
    /// A second default (prefix-less) route on a dedicated number.
    #[error("{number} already has a default route; give the new route a prefix")]
    DuplicateDefaultRoute {
        /// The receiving number.
        number: String,
    },
    /// The number is not registered.
    #[error("receiving number {address:?} is not registered; call add_number first")]
    UnknownNumber {
        /// The address.
        address: String,
    },
    /// The number is registered twice.
    #[error("receiving number {address:?} is already registered")]
    DuplicateNumber {
        /// The address.
        address: String,
    },
    /// An empty address.
    #[error("receiving number {address:?} is empty; a number (+48790100200) or short code is accepted")]
    InvalidAddress {
        /// The address.
        address: String,
    },
    /// A code group named like a poll (their pools would be the same).
    #[error(
        "code group {name:?} has the name of a poll; give the group another name (a poll's own codes are stored under its id)"
    )]
    CodeGroupClash {
        /// The name.
        name: String,
    },
    /// A poll id used twice.
    #[error("poll {id:?} is already registered")]
    DuplicatePoll {
        /// The poll id.
        id: String,
    },
    /// A route to a poll that is not registered.
    #[error("poll {id:?} is not registered; add it with add_poll")]
    UnknownPoll {
        /// The poll id.
        id: String,
    },
    /// A poll restricted to a group that does not exist.
    #[error("group {group:?} is not defined; define it with add_group before the poll")]
    UnknownGroup {
        /// The group name.
        group: String,
    },
    /// A group member that is not a phone number.
    #[error("group {group:?}: {input:?} is not a phone number ({reason})")]
    InvalidGroupMember {
        /// The group.
        group: String,
        /// The member as given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A poll option code or alias used twice (after folding), or empty.
    #[error(
        "poll {poll:?}: answer {answer:?} is empty or used twice (after folding); every code and alias must be unique"
    )]
    DuplicateAnswer {
        /// The poll id.
        poll: String,
        /// The code or alias.
        answer: String,
    },
    /// A poll with no options.
    #[error("poll {poll:?} has no answer options; add at least one")]
    NoOptions {
        /// The poll id.
        poll: String,
    },
    /// The window ends before it starts, or a local time does not exist.
    #[error("poll {poll:?}: invalid window: {reason}")]
    InvalidWindow {
        /// The poll id.
        poll: String,
        /// What is wrong.
        reason: String,
    },
    /// A forwarding target that is not a phone number or e-mail address.
    #[error("forwarding target {target:?} refused: {reason}")]
    InvalidForward {
        /// The target as given.
        target: String,
        /// Why, and what is accepted.
        reason: String,
    },
    /// A limit period of zero length.
    #[error("poll {poll:?}: the limit period must be longer than zero")]
    InvalidLimit {
        /// The poll id.
        poll: String,
    },
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("storage backend error: {0}")]
    Backend(String),
    /// Stored data could not be decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// An outbox entry is not in the state the operation needs.
    #[error("outbox entry {id} is {state}, expected {expected}")]
    OutboxState {
        /// The entry id.
        id: i64,
        /// Its state.
        state: String,
        /// The state needed.
        expected: String,
    },
    /// A referenced row does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked up.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The database's schema was written by a newer version of this crate.
    #[error(
        "the database schema is version {found}, newer than this version of bramka-inbound supports \
         ({supported}); upgrade bramka-inbound (never downgrade a shared database)"
    )]
    SchemaTooNew {
        /// The version found in the database.
        found: i64,
        /// The newest version this code knows.
        supported: i64,
    },
    /// A database URL could not be used (its password is masked).
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl {
        /// The URL, password replaced by `***`.
        url: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

#[cfg(feature = "postgres")]
impl From<bramka_postgres::Error> for StoreError {
    fn from(e: bramka_postgres::Error) -> Self {
        match e {
            bramka_postgres::Error::InvalidUrl { url, reason } => StoreError::InvalidUrl { url, reason },
            bramka_postgres::Error::SchemaTooNew { found, supported, .. } => {
                StoreError::SchemaTooNew { found: found.into(), supported: supported.into() }
            }
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// A failure while writing a report or CSV export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Reading from the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing failed.
    #[error("csv write failed: {0}")]
    Csv(#[from] csv::Error),
    /// The poll is not registered.
    #[error("poll {0:?} is not registered")]
    UnknownPoll(String),
}
