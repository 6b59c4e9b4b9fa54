//! # bramka-smsapi
//!
//! The [SMSAPI](https://www.smsapi.pl) gateway for bramka (smsapi.pl and smsapi.com): sends over
//! `POST /sms.do` with an OAuth bearer token, one or many recipients per request, scheduling,
//! expiration, test mode, and **duplicate protection**: every request carries an `idx` per
//! recipient (from the message's client reference) and `check_idx=1`, so a retry after a timeout
//! cannot send twice; SMSAPI's answer to such a retry (error 53) is reported as
//! [`SendState::AlreadyAccepted`](bramka_core::SendState::AlreadyAccepted), not as a failure.
//! Also: delivery status, canceling a scheduled message, the balance in points, the sender names
//! with their status, and the delivery-report and inbound callbacks ([`SmsapiWebhooks`]).
//!
//! ## DSN
//!
//! `smsapi://TOKEN@HOST?options` (see [`SmsapiFactory`]):
//!
//! | DSN | Meaning |
//! |---|---|
//! | `smsapi://TOKEN@default` | SMSAPI.pl (`https://api.smsapi.pl/`) |
//! | `smsapi://TOKEN@pl` | the same |
//! | `smsapi://TOKEN@com` | SMSAPI.com (`https://api.smsapi.com/`) |
//! | `smsapi://TOKEN@api2.smsapi.pl` | any host (here the backup server); `smsio.example/api` keeps the path |
//! | `?from=Shop` | default sender name (registered and active) |
//! | `?type=eco` | message type: `pro` (default), `eco`, `2way`; `priority` = `pro` with `fast=1` |
//! | `?test=1` | test mode: validated, answered, nothing sent or charged |
//! | `?normalize=1` | SMSAPI replaces diacritics |
//! | `?fast=1` | priority queue (charged extra) |
//! | `?flash=1` | flash SMS |
//! | `?max_parts=7` | refuse longer messages (1 to 10) |
//! | `?shorten_links=1` | links sent as SMSAPI's own `idz.do` short links (`[%idzdo:URL%]`), counted as such |
//! | `?batch_size=100` | recipients per request (default 100) |
//! | `?timeout=90s&connect_timeout=10s` | request and connect timeouts |
//!
//! Unknown options are refused with the list of accepted ones.
//!
//! ## Capabilities
//!
//! | Capability | SMSAPI |
//! |---|---|
//! | several recipients per request | yes, `batch_size` (default 100) |
//! | schedule (`send_at`) | yes: `date` + `date_validate=1` |
//! | cancel a scheduled message | yes: `sch_del` |
//! | reschedule, pause | no |
//! | status by message id | yes: `status` |
//! | balance | yes: points from `/profile` |
//! | delivery webhook | yes: GET callback, 1 to 5 reports per call |
//! | inbound webhook | yes: MO callback |
//! | signed webhooks | no (SMSAPI does not sign) |
//! | test mode | yes: `test=1` |
//! | max parts | 10 (or `max_parts`) |
//! | link shortening | with `shorten_links`: each link as `[%idzdo:URL%]`, parts counted with an `idz.do` link of 21 characters in its place |
//! | idempotency | `ServerDedupe`: `idx` + `check_idx=1` |
//!
//! ## Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), bramka_core::Error> {
//! use bramka_core::{Gateway, Message};
//! use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
//! use std::time::Duration;
//!
//! let config = SmsapiConfig::builder(std::env::var("SMSAPI_TOKEN").unwrap_or_default())
//!     .sender("Shop")
//!     .test_mode(true)
//!     .timeout(Duration::from_secs(60))
//!     .build()?;
//! let gateway = SmsapiGateway::new(config)?;
//! let message = Message::builder().to("48500100200").text("Zamówienie gotowe").build()?;
//! let report = gateway.send(&message).await?;
//! for r in &report.recipients {
//!     println!("{} {} {:?}", r.to.masked(), r.state, r.message_id);
//! }
//! println!("balance: {}", gateway.balance().await?);
//! # Ok(()) }
//! ```
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod account;
mod answer;
mod assumptions;
mod config;
mod credentials;
mod dsn;
mod errors;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod hand_tuned;
mod send;
mod senders;
mod short_links;
mod status;
mod webhook;
mod wire;

pub use account::{SenderName, SenderNameStatus};
pub use config::{ConfigError, MessageType, Platform, SMSAPI_MAX_PARTS, SmsapiConfig, SmsapiConfigBuilder};
pub use credentials::SmsapiCredentialsError;
pub use dsn::{OPTIONS as DSN_OPTIONS, SmsapiFactory};
pub use gateway::SmsapiGateway;
pub use webhook::{MAX_REPORTS_PER_CALL, MAX_WEBHOOK_BYTES, MAX_WEBHOOK_PARAMS, SmsapiWebhooks};
