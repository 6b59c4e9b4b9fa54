//! Typed errors: storage, campaigns and imports.

/// A storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("ledger storage error: {0}")]
    Backend(String),
    /// Stored data could not be decoded.
    #[error("ledger data is corrupt: {0}")]
    Corrupt(String),
    /// The database was written by a newer bramka-ledger than this one.
    #[error(
        "the ledger database has schema version {found}, newer than the {known} this bramka-ledger knows; \
         upgrade bramka-ledger (the database was not changed)"
    )]
    SchemaTooNew {
        /// The version found in the database.
        found: u32,
        /// The newest version this code knows.
        known: u32,
    },
    /// A campaign of this name already exists with another message or recipients.
    #[error("campaign {name:?} already exists with {what}; pick another name to send a different campaign")]
    CampaignMismatch {
        /// The campaign name.
        name: String,
        /// What differs.
        what: String,
    },
    /// The campaign does not exist.
    #[error("no campaign named {name:?} in the ledger")]
    UnknownCampaign {
        /// The name.
        name: String,
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
            bramka_postgres::Error::SchemaTooNew { found, supported, .. } => StoreError::SchemaTooNew {
                found: found.max(0).unsigned_abs(),
                known: supported.max(0).unsigned_abs(),
            },
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl From<StoreError> for bramka_core::Error {
    fn from(e: StoreError) -> Self {
        bramka_core::Error::new(bramka_core::ErrorKind::Other, bramka_core::Certainty::NotSent, e.to_string())
            .with_gateway("ledger")
    }
}

/// A CSV import or export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// Rows could not be read; all bad rows are listed and nothing was imported.
    #[error("{} bad row(s), nothing imported: {}", .rows.len(), .rows.iter().map(|(l, r)| format!("line {l}: {r}")).collect::<Vec<_>>().join("; "))]
    BadRows {
        /// `(line, reason)` of every bad row.
        rows: Vec<(u64, String)>,
    },
    /// The header has no number column.
    #[error("the CSV header {header:?} has no column named number or phone")]
    NoNumberColumn {
        /// The header as read.
        header: Vec<String>,
    },
    /// Reading or writing CSV failed.
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Writing failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
