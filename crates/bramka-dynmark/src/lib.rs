//! # bramka-dynmark
//!
//! A [`bramka_core::Gateway`] for Dynmark (UK) over its REST API (`POST /webapi/message/send`,
//! a JSON array of messages, HTTP Basic auth).
//!
//! ## DSN
//!
//! | DSN | meaning |
//! |---|---|
//! | `dynmark://USER:PASSWORD@default?from=Shop` | production host, default sender `Shop` |
//! | `dynmark://USER:PASSWORD@default?from=Shop,Alerts` | two senders; a message picks one (`Message::sender`), the first is the default |
//! | `dynmark://USER:PASSWORD@127.0.0.1:8080` | a mock server on loopback (plain http) |
//! | `…?base_url=https%3A%2F%2Fproxy.example%2Fdynmark%2F` | another REST base URL, path prefix kept |
//! | `…?base_url=http%3A%2F%2Fproxy.lan%2F&insecure_http=1` | plain http to a non-loopback host: refused without `insecure_http=1` (the password would travel in clear); `tls=0` follows the same rule |
//! | `…&timeout=130s&connect_timeout=10s` | timeouts (Dynmark recommends 130 s) |
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
//! Public material on Dynmark is thin. Known from Dynmark's documentation and sample code: the
//! host, the `message/send` path, Basic auth, the JSON array body with `from`, `to` (digits without
//! `+`), `body`, `clientRef`, `deliverAfter`, `deliveryStatusUrl`, and the per-message result
//! objects (`to`, `successful`, `validationFailures[{property, failureCode, details}]`, 200 or 202).
//! Assumed: no message id in the answer (the report carries none unless one appears), the
//! batch size, the failure codes other than `ToInvalid`, the sender length rule, and that a 5xx may
//! have been processed. The delivery-report and inbound forwarding formats are unknown, so they are
//! advertised as unsupported. Every such detail lives in one private module (`wire`), each with its
//! evidence, so a correction from Dynmark is a change in one place.
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
