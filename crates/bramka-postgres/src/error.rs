//! The error type.

use crate::url::PostgresUrl;

/// A PostgreSQL operation failed. URLs in it are masked (`***` for the password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A database URL could not be used.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl {
        /// The URL, password replaced by `***`.
        url: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },
    /// The database holds a schema of `component` newer than the code knows; nothing was changed.
    #[error(
        "the database has schema version {found} of {component}, newer than the {supported} this code knows; \
         upgrade it (the database was not changed)"
    )]
    SchemaTooNew {
        /// The component (`bramka_schema.component`).
        component: String,
        /// The version found in the database.
        found: i32,
        /// The newest version this code knows.
        supported: i32,
    },
    /// A migration failed; the transaction was rolled back, so the schema is unchanged.
    #[error("migration {version} of {component} failed: {detail}")]
    Migration {
        /// The component.
        component: String,
        /// The version whose SQL failed.
        version: i32,
        /// The database's message ([`describe`](crate::describe)).
        detail: String,
    },
    /// No connection could be had (refused, timed out, authentication failed, pool closed).
    #[error("connecting to {url}: {detail}")]
    Connect {
        /// The URL, password replaced by `***`.
        url: String,
        /// What failed.
        detail: String,
    },
    /// The pool could not be built.
    #[error("connection pool for {url}: {reason}")]
    Pool {
        /// The URL, password replaced by `***`.
        url: String,
        /// Why.
        reason: String,
    },
    /// The TLS client could not be set up.
    #[error("TLS setup: {0}")]
    Tls(String),
    /// A statement failed ([`describe`](crate::describe)'s text).
    #[error("database error: {0}")]
    Database(String),
}

impl Error {
    /// A pool's failure to hand out a connection, naming the (masked) URL.
    pub fn from_pool(url: &PostgresUrl, e: deadpool_postgres::PoolError) -> Error {
        let detail = match &e {
            deadpool_postgres::PoolError::Backend(b) => crate::describe(b),
            other => other.to_string(),
        };
        Error::Connect { url: url.to_string(), detail }
    }

    /// A failed direct connection ([`tokio_postgres::Config::connect`]), naming the (masked) URL.
    pub fn from_connect(url: &PostgresUrl, e: &tokio_postgres::Error) -> Error {
        Error::Connect { url: url.to_string(), detail: crate::describe(e) }
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        Error::Database(crate::describe(&e))
    }
}
