//! # bramka-ledger
//!
//! A durable record of every SMS sent, its delivery, opt-outs and consent; composed by
//! applications, never required by the operator crates.
//!
//! * **Sends** — [`LedgerGateway`] wraps any [`Gateway`](bramka_core::Gateway): before any I/O
//!   it refuses suppressed recipients and writes the intent (message, client reference,
//!   account, one `pending` entry per recipient); after the answer it writes each recipient's
//!   outcome: `accepted`, `rejected` (kind, code, certainty), `uncertain` (may have gone out) or
//!   `not_attempted`. A crash in between leaves `pending` entries that [`Ledger::recover`]
//!   turns into `uncertain`; nothing is silently resent.
//! * **Delivery** — [`Ledger::apply_report`] applies webhooks and `status()` answers by
//!   (gateway, operator message id), exactly once: a final state never moves back, and a report
//!   that beats the send's answer is kept and joined later ([`rules`]).
//! * **Suppression** — per account or global; by hand, by inbound keywords
//!   ([`Ledger::ingest_inbound`], [`Keywords`]), by operator opt-out signals ([`signals`]);
//!   lifted by `START`.
//! * **Consent** — persisted, with CSV import ([`Ledger::import_consents_csv`]).
//! * **Campaigns** — [`Ledger::create_campaign`], [`Ledger::run_campaign`] (also resume); each
//!   chunk is rebuilt with the message's recorded [`SendOptions`].
//! * **Reconciliation** — `uncertain` entries are settled by [`Ledger::reconcile`] (`status()`,
//!   which a campaign run calls first) and by reports carrying the client key ([`reconcile`]).
//! * **Jobs** — [`JobStore`]: durable job records (compare-and-set states) and once-per-key
//!   claims next to the ledger, for work an application must resume after a restart.
//! * **Short links** — [`links::LinkStore`]: codes, their URLs, the message (and recipient)
//!   that carried them, and click counts.
//! * **Scheduled sends** — [`Ledger::scheduled`] lists the sends still waiting for their time,
//!   with the ids cancel, pause and reschedule take (for operators that cannot list them).
//! * **Queries** — [`Query`], [`Ledger::daily_counts`], [`Ledger::cost_totals`],
//!   [`Ledger::export_csv`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka_core::{DeliveryReport, DeliveryState, Gateway, Message, testing::NullGateway};
//! use bramka_ledger::{Applied, Ledger, Query, State};
//!
//! let ledger = Ledger::in_memory();
//! let gw = ledger.gateway(NullGateway::new());
//! let msg = Message::builder().to("+48600100200").text("Your order shipped").build().unwrap();
//! let report = gw.send(&msg).await.unwrap();
//! let id = report.recipients[0].message_id.clone().unwrap();
//!
//! let dlr = DeliveryReport::new(report.gateway.clone(), id.clone(), DeliveryState::Delivered, "DELIVERED");
//! ledger.apply_report(&dlr).await.unwrap();
//! let late = DeliveryReport::new(report.gateway.clone(), id, DeliveryState::Sent, "ENROUTE");
//! assert!(matches!(ledger.apply_report(&late).await.unwrap(), Applied::Unchanged { .. }));
//! let rows = ledger.entries(&Query::all()).await.unwrap();
//! assert_eq!(rows[0].state, State::Delivered);
//! # }
//! ```
//!
//! ## Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `sqlite` | yes | [`SqliteStore`]: one SQLite file, WAL, versioned migrations (rusqlite, bundled) |
//! | `postgres` | no | `PostgresStore`: several instances on one PostgreSQL database (tokio-postgres, deadpool, rustls); delivery reports applied once and campaigns resumable by any instance |
//! | `test-suite` | no | `suite` and `store_suite!`: the behaviour suite, for other store backends to run against themselves |

#![warn(clippy::missing_errors_doc)]

pub mod campaign;
pub mod error;
pub mod gateway;
pub mod jobs;
pub mod keywords;
pub mod ledger;
pub mod links;
pub mod model;
pub mod options;
pub mod query;
pub mod reconcile;
pub mod rules;
pub mod sandbox;
pub mod scheduled;
pub mod signals;
pub mod store;
#[cfg(feature = "test-suite")]
pub mod suite;

pub use campaign::{CampaignReport, chunk_ref};
pub use error::{CsvError, StoreError};
pub use gateway::LedgerGateway;
pub use jobs::{Job, JobStore, MemoryJobs};
pub use keywords::{KeywordAction, Keywords};
pub use ledger::Ledger;
pub use model::{
    Applied, Campaign, Consent, Delivery, Entry, Intent, MessageRecord, Outcome, Query, RefClaim, Scope,
    State, Suppression,
};
pub use options::SendOptions;
pub use query::{CostTotal, DEFAULT_TZ, DayCount};
pub use sandbox::{SandboxCallback, SandboxMessage};
pub use scheduled::ScheduledSend;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{MemoryStore, Store};
#[cfg(feature = "postgres")]
pub use store::{PostgresStore, PostgresUrl};
