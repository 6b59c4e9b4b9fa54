//! bramka's PostgreSQL plumbing, shared by its stores (bramka-inbound, bramka-ledger and
//! bramka-server's definitions) so that each connects, migrates and reports errors the same way.
//!
//! - [`PostgresUrl`]: a `postgres://` URL whose password is never printed, with the application
//!   name as a parameter, and the rustls connector ([`tls`]) its `sslmode` asks for.
//! - [`pool`]: a deadpool pool on that URL.
//! - [`migrate`]: versioned migrations of one component under an advisory lock, recorded in
//!   `bramka_schema` (one row per component, so several stores share one database).
//! - [`Error`]: what can go wrong, typed; [`describe`], [`retryable`] and [`TxError`] for the
//!   database errors a store handles itself.
//!
//! ```no_run
//! use bramka_postgres::{Migration, PostgresUrl, migrate, pool};
//!
//! const MIGRATIONS: &[Migration] = &[Migration { version: 1, sql: "CREATE TABLE notes (body TEXT)" }];
//!
//! # async fn run() -> Result<(), bramka_postgres::Error> {
//! let url = PostgresUrl::parse("postgres://app:secret@db.example/notes?sslmode=require", "my-app")?;
//! assert_eq!(url.to_string(), "postgres://app:***@db.example/notes?sslmode=require");
//! let pool = pool(&url, 8)?;
//! let mut client = pool.get().await.map_err(|e| bramka_postgres::Error::from_pool(&url, e))?;
//! assert_eq!(migrate(&mut client, "notes", MIGRATIONS).await?, 1);
//! # Ok(())
//! # }
//! ```

#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod migrate;
mod url;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;

pub use error::Error;
pub use migrate::{Migration, migrate, schema_version};
pub use url::{PostgresUrl, tls};

/// A pool of up to `max_connections` connections (at least 1) on `url`, TLS as its `sslmode`
/// asks; waiting for a free connection and opening one each time out after 30 seconds. No
/// connection is opened until the first [`Pool::get`].
///
/// ```
/// let url = bramka_postgres::PostgresUrl::parse("postgres://app:pw@127.0.0.1/votes", "doc")?;
/// let pool = bramka_postgres::pool(&url, 4)?;
/// assert_eq!(pool.status().max_size, 4);
/// # Ok::<(), bramka_postgres::Error>(())
/// ```
///
/// # Errors
///
/// Returns [`Error::Tls`] when the rustls client configuration cannot be built (see [`tls`]), and
/// [`Error::Pool`] when the pool builder rejects its settings. No connection is opened here, so an
/// unreachable server is reported only by [`Pool::get`].
pub fn pool(url: &PostgresUrl, max_connections: usize) -> Result<Pool, Error> {
    let manager = Manager::from_config(
        url.config().clone(),
        tls()?,
        ManagerConfig { recycling_method: RecyclingMethod::Fast },
    );
    Pool::builder(manager)
        .max_size(max_connections.max(1))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(30)))
        .create_timeout(Some(Duration::from_secs(30)))
        .build()
        .map_err(|e| Error::Pool { url: url.to_string(), reason: e.to_string() })
}

/// A database error as text: message, SQLSTATE and detail, or the client's error and its cause
/// (never the connection settings, so never the password).
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{} [{}]: {detail}", d.message(), d.code().code()),
            None => format!("{} [{}]", d.message(), d.code().code()),
        },
        None => match std::error::Error::source(e) {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    }
}

/// A failure inside a transaction a store may run again: a database error (worth a retry when
/// [`retryable`]) or the store's own error `E` (final). A store adds
/// `impl From<StoreError> for TxError<StoreError>` so that `?` works for both inside its
/// transaction bodies.
#[derive(Debug)]
pub enum TxError<E> {
    /// The database failed.
    Db(tokio_postgres::Error),
    /// The store refused (corrupt data, a state that does not allow the change…).
    Store(E),
}

impl<E> From<tokio_postgres::Error> for TxError<E> {
    fn from(e: tokio_postgres::Error) -> Self {
        TxError::Db(e)
    }
}

/// Whether a transaction that failed with `e` lost a race and is worth running again:
/// serialisation failures, deadlocks and unique violations (two writers inserting one key).
pub fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::UNIQUE_VIOLATION
    )
}
