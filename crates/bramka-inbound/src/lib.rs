//! # bramka-inbound
//!
//! Receiving SMS for applications that build their own web service: receiving numbers
//! (dedicated, or shared by prefixes of 2 to 16 characters), keyword routing that forgives case,
//! missing Polish letters and any separator (`glosuje a`, `GŁOSUJĘ: A`, `vote-a`), an unmatched
//! bucket, auto-replies with a configurable sender, forwarding copies by SMS, and SMS polls with
//! windows, per-number limits, groups, discount-code pools, statistics and CSV exports.
//!
//! Ingestion is exactly once: the message, the vote, the counters, the code and the replies to
//! send are written in one store transaction keyed by `(gateway, operator message id)`, so an
//! operator's webhook retry changes nothing. Replies and forwards go out afterwards from the
//! outbox ([`Inbound::dispatch_pending`]), at most once per entry. No HTTP server is included:
//! parse webhooks with an operator crate and hand the [`InboundMessage`]s to [`Inbound::ingest`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use std::sync::Arc;
//! use bramka_core::{InboundMessage, testing::NullGateway};
//! use bramka_inbound::{Config, Inbound, Limit, MemoryStore, Poll, PollOption, ReceivingNumber};
//!
//! let mut cfg = Config::new();
//! cfg.add_number(ReceivingNumber::shared("+48790100200").reply_sender("SKLEP")).unwrap();
//! let poll = Poll::builder("rating", "Shop rating", "+48790100200")
//!     .prefix("GŁOSUJĘ")
//!     .option(PollOption::new("1").alias("jeden").reply("Przykro nam"))
//!     .option(PollOption::new("5").alias("pięć").reply("To świetnie!"))
//!     .over_limit_reply("Już głosowałeś")
//!     .limit(Limit::per_poll(1))
//!     .build()
//!     .unwrap();
//! cfg.add_poll(poll).unwrap();
//! let inbound = Inbound::new(cfg, Arc::new(MemoryStore::new()));
//!
//! let at = "2026-05-01T10:00:00Z".parse().unwrap();
//! let msg = InboundMessage::new("smsapi", "m1", "48600100200", "48790100200", "glosuje: piec", at);
//! let first = inbound.ingest(&msg).await.unwrap();
//! let retry = inbound.ingest(&msg).await.unwrap(); // the operator retried the webhook
//! assert!(!first.duplicate && retry.duplicate);
//!
//! let stats = inbound.statistics("rating").await.unwrap();
//! assert_eq!(stats.total, 1);
//! assert_eq!(stats.options[1].percent_text(), "100.00");
//!
//! let sent = inbound.dispatch_pending(&NullGateway::new()).await.unwrap();
//! assert_eq!(sent.sent.len(), 1); // one reply ("To świetnie!"), not two
//! # }
//! ```
//!
//! ## Decisions worth knowing
//!
//! * **Matching** ([`fold`]): NFKC, full case folding and diacritic folding (`ł` → `l` by an
//!   explicit table) on a matching copy; the stored text stays as received. Separators between
//!   keyword and answer: any run of white space, `:`, `.`, `,`, `-`, `;`. A prefix matches only
//!   as the whole first word (`VOTEA` is unmatched). The answer is looked up as a whole phrase
//!   first (`raczej nie`), then by its first word (`vote a please` → `A`).
//! * **Which clock counts**: the operator's receive time (`InboundMessage::received_at`)
//!   decides windows, limits and daily reports, so a webhook retried late does not turn an
//!   on-time vote into an out-of-window one. Windows are half-open `[start, end)`.
//! * **Limits** count accepted answers per sender in a period: the whole poll, a local calendar
//!   day in the poll's zone, or fixed periods from the poll's start ([`LimitPeriod`]).
//! * **Statistics** use accepted answers as the denominator; percentages are rounded to
//!   hundredths by largest remainder, so they add up to exactly 100.00.
//! * **Replies** go only to senders that are phone numbers (never to alphanumeric senders),
//!   from the poll's sender name, else the number's.
//! * **At most once**: an outbox entry is marked in flight before it is sent; a `MaybeSent`
//!   failure or a crash mid-send leaves it reported (`Store::outbox(Some("uncertain"))`,
//!   `Some("in_flight")`), never resent automatically. `NotSent` failures are retried up to
//!   [`engine::DEFAULT_MAX_ATTEMPTS`] times. Each SMS carries the stable client reference
//!   `bramkaob<id>`, so gateways that de-duplicate by client key refuse a second copy.
//!
//! ## Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `sqlite` | yes | [`SqliteStore`]: one SQLite file in WAL mode (rusqlite, bundled SQLite) |
//! | `email` | no | `SmtpEmailSender`: forwarded copies by SMTP through lettre, to a local or trusted relay |
//! | `email-tls` | no | `SmtpEmailSender::starttls` / `tls` for public SMTP servers (rustls, ring, webpki roots) |
//! | `postgres` | no | `PostgresStore`: several instances on one PostgreSQL database (tokio-postgres, deadpool, rustls) |
//!
//! [`InboundMessage`]: bramka_core::InboundMessage
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod config;
pub mod definition;
pub mod email;
pub mod engine;
pub mod error;
pub mod fold;
pub mod ingest;
pub mod model;
pub mod poll;
pub mod report;
pub mod stats;
pub mod store;

pub use config::{Config, Forward, NumberKind, ReceivingNumber, Target};
#[cfg(feature = "email")]
pub use email::SmtpEmailSender;
pub use email::{EmailError, EmailSender};
pub use engine::{DispatchReport, Inbound, Route};
pub use error::{ConfigError, ExportError, StoreError};
pub use model::{
    Bucket, Channel, Ingested, MessageQuery, OutboxDraft, OutboxEntry, OutboxState, Outcome, Purpose,
    StoredMessage, VoteOutcome,
};
pub use poll::{Limit, LimitPeriod, Poll, PollBuilder, PollOption, PollReplies};
pub use stats::{OptionStat, Statistics};
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{MemoryStore, SendResult, Store};
#[cfg(feature = "postgres")]
pub use store::{PostgresStore, PostgresUrl};
