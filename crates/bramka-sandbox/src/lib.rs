//! A local SMS operator for tests: the wire protocols of SMSAPI, Infobip and Twilio on one
//! [`axum::Router`], so any application (through bramka, or through an operator's own SDK) can
//! point its base URL at it and see what it would have sent.
//!
//! | Operator | Prefix | Endpoints |
//! |---|---|---|
//! | SMSAPI | `/sandbox/smsapi/` | `sms.do` (send with `idx`/`check_idx`, `test`, `date`, `status=`, `sch_del=`), `user.do?credits=1`, `profile` |
//! | Infobip | `/sandbox/infobip/` | `sms/3/messages`, `sms/2/text/advanced`, `sms/3/reports`, `sms/3/logs`, `sms/1/inbox/reports`, `sms/1/bulks`, `sms/1/bulks/status`, `account/1/balance` |
//! | Twilio | `/sandbox/twilio/` | `2010-04-01/Accounts/{AccountSid}/Messages.json` (create, list with paging), `Messages/{Sid}.json` (fetch, cancel) |
//! | Dynmark | `/sandbox/dynmark/` | `message/send` (no de-duplication, no callbacks: none is documented) |
//!
//! Every accepted recipient is recorded ([`Received`]: sender, recipient, text, encoding, parts
//! as the operator would bill them, the id returned, the simulated delivery state) in a
//! [`SandboxStore`], and so is every injected fault ([`FaultEvent`]) and every simulated
//! inbound SMS ([`Direction::Inbound`]). [`Sandbox::with_journal`] writes the messages through
//! to a durable [`SandboxJournal`] (bramka-server: its ledger) before answering, and
//! [`Sandbox::restore`] reads them back after a restart.
//!
//! - **Credentials**: any are accepted unless [`SandboxConfig`] declares some; then a wrong one
//!   gets the operator's own 401.
//! - **Delivery**: after [`SandboxConfig::delivery_delay`] (or by hand, [`Sandbox::deliver`]),
//!   by recipient: ending in `0001` undelivered, `0002` expired, `0003` delivered and then
//!   answered `STOP` (an inbound message), anything else delivered. Reports are posted to the
//!   URL given with the message or configured, in the operator's format (Twilio's signed with
//!   the Auth Token, as Twilio signs them); Infobip's also wait in `sms/3/reports`, handed out once.
//! - **Inbound**: [`Sandbox::receive`] posts an inbound SMS to the configured URL.
//! - **Validation**: Infobip's and Twilio's send requests are checked against the request schemas
//!   of their published OpenAPI documents (trimmed copies in `schemas/`), SMSAPI's against its
//!   documented `sms.do` rules; a refused request gets the operator's own error.
//! - **Faults**: per [`Route`] or per account on a route, scripted or at a seeded rate
//!   ([`FaultPlan`]): accept then drop
//!   the connection, stall, 5xx before or after accepting, 429 with `Retry-After`, close before
//!   reading the request, garbled 200, slow body.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use bramka_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::new(SandboxConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8025").await?;
//! axum::serve(listener, sandbox.router()).await
//! // bramka: smsapi://TOKEN@default?base_url=http%3A%2F%2F127.0.0.1%3A8025%2Fsandbox%2Fsmsapi%2F
//! # }
//! ```

// Handlers return the operator's ready error answer as `Err(Response)`; boxing it buys nothing.
#![warn(clippy::missing_errors_doc)]
#![allow(clippy::result_large_err)]

mod api;
mod auth;
mod callback;
mod config;
mod dynmark;
mod fault;
mod infobip;
mod journal;
mod record;
mod sandbox;
mod schema;
mod smsapi;
mod twilio;
mod unverified;

pub use api::ApiRoute;
pub use config::{CallbackUrls, SandboxConfig};
pub use fault::{FaultPlan, FaultTiming, Route, RouteFaults};
pub use journal::{JournalError, JournaledStore, SandboxJournal};
pub use record::{
    CallbackSent, Direction, FaultEvent, FaultKind, MemoryStore, Operator, Received, SandboxStore, SimState,
};
pub use sandbox::{Sandbox, SandboxError};
pub use twilio::signature as twilio_signature;

/// Where the sandbox's operator endpoints live under the server root.
pub const PREFIX: &str = "/sandbox";
