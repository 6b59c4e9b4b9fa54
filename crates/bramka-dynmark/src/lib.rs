//! # bramka-dynmark
//!
//! A [`bramka_core::Gateway`] for Dynmark (UK) over its REST API (`POST /webapi/message/send`,
//! a JSON array of messages, HTTP Basic auth).
//!
//! ## DSN
//!
//! `dynmark://USER:PASSWORD@default?from=Shop,Alerts`: production host, senders `Shop` (the
//! default) and `Alerts`. Every option (`base_url`, `insecure_http`, `tls`, timeouts) is in the
//! table of [`DynmarkFactory`].
//!
//! ## Capabilities
//!
//! | capability | Dynmark |
//! |---|---|
//! | multi-recipient | yes, 100 messages per request (no documented limit) |
//! | schedule | yes (`deliverAfter`) |
//! | cancel, reschedule, pause, status, balance | no |
//! | delivery-report / inbound webhooks | no: the format is not documented (see below) |
//! | duplicate protection | **none**: a timeout or 5xx after the request was written is `MaybeSent` and never retried |
//! | sender names | 2 to 11 characters, checked before any request |
//!
//! ## Known versus assumed
//!
//! Public material on Dynmark is thin. Known from its documentation and sample code: the host and
//! path, Basic auth, the JSON array body (`to` as digits without `+`) and the per-message results.
//! Assumed: the batch size, the failure codes other than `ToInvalid`, the sender rule, that no
//! message id comes back, and that a 5xx may have been processed. The delivery-report and inbound
//! formats are unknown, so unsupported. Each detail and its evidence lives in one private module.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), bramka_core::Error> {
//! use bramka_core::{Gateway, GatewayFactory, Dsn, Message};
//! use bramka_dynmark::DynmarkFactory;
//!
//! let gw = DynmarkFactory.create(&Dsn::parse("dynmark://acme:s3cret@default?from=Acme")?)?;
//! let report = gw.send(&Message::builder().to("07700 900123").default_prefix("44").text("Hi").build()?).await?;
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod dsn;
mod errors;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod wire;

pub use config::{DynmarkConfig, DynmarkConfigBuilder, check_sender};
pub use dsn::{DynmarkFactory, OPTIONS};
pub use gateway::DynmarkGateway;

/// Every failure code and HTTP status bramka maps, with its kind, certainty and evidence.
pub fn error_table() -> &'static [bramka_core::error::ErrorRow] {
    errors::TABLE
}
