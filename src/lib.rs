//! # bramka
//!
//! SMS gateway clients for Rust: one [`Gateway`] trait for SMSAPI, Infobip, Twilio and Dynmark,
//! exact GSM-7 / UCS-2 segmentation before anything is sent, errors that say whether a message may
//! have gone out, webhook parsing, and test doubles.
//!
//! This facade re-exports [`bramka_core`] and, behind the features `smsapi`, `infobip`, `twilio`
//! and `dynmark`, the operator crates. [`connect`] turns a DSN into a gateway:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), bramka::Error> {
//! use bramka::Message;
//!
//! let gateway = bramka::connect("null://default")?;
//! let msg = Message::builder().to("+48 600 100 200").text("Zażółć gęślą jaźń").build()?;
//! let report = gateway.send(&msg).await?;
//! assert!(report.all_accepted());
//! # Ok(()) }
//! ```
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod accounts;
pub mod consent;
#[cfg(feature = "numbers-file")]
#[cfg_attr(docsrs, doc(cfg(feature = "numbers-file")))]
pub mod numbers_file;
pub mod shorten;

use std::sync::Arc;

pub use bramka_core::*;
#[cfg(feature = "dynmark")]
pub use bramka_dynmark as dynmark;
#[cfg(feature = "infobip")]
pub use bramka_infobip as infobip;
#[cfg(feature = "ledger")]
pub use bramka_ledger as ledger;
#[cfg(feature = "smsapi")]
pub use bramka_smsapi as smsapi;
#[cfg(feature = "twilio")]
pub use bramka_twilio as twilio;

/// A [`registry::Registry`] with `console://`, `null://` and the schemes of every enabled
/// operator feature; the others name the feature to enable.
pub fn registry() -> registry::Registry {
    let mut r = registry::Registry::new();
    #[cfg(feature = "smsapi")]
    r.register(Arc::new(bramka_smsapi::SmsapiFactory));
    #[cfg(not(feature = "smsapi"))]
    r.hint("smsapi", "smsapi");
    #[cfg(feature = "infobip")]
    r.register(Arc::new(bramka_infobip::InfobipFactory));
    #[cfg(not(feature = "infobip"))]
    r.hint("infobip", "infobip");
    #[cfg(feature = "twilio")]
    r.register(Arc::new(bramka_twilio::TwilioFactory));
    #[cfg(not(feature = "twilio"))]
    r.hint("twilio", "twilio");
    #[cfg(feature = "dynmark")]
    r.register(Arc::new(bramka_dynmark::DynmarkFactory));
    #[cfg(not(feature = "dynmark"))]
    r.hint("dynmark", "dynmark");
    r
}

/// Connects to a gateway by DSN: `smsapi://TOKEN@default?from=Shop`,
/// `infobip://KEY@xxxxx.api.infobip.com`, `twilio://SID:TOKEN@default?from=%2B44...`,
/// `dynmark://USER:PASS@default`, `console://`, `null://`; `a || b` fails over, `a && b` round robins.
///
/// ```
/// let err = bramka::connect("carrier-pigeon://default").unwrap_err();
/// assert_eq!(err.kind(), bramka::ErrorKind::Config);
/// ```
///
/// # Errors
///
/// Returns an [`Error`] of kind [`ErrorKind::Config`] when the expression has an empty side, a DSN
/// does not parse, a scheme is unknown (or its operator's feature is off), or the operator refuses
/// the DSN (unknown option, missing credential, bad value).
pub fn connect(dsn: &str) -> Result<Arc<dyn Gateway>, Error> {
    registry().connect(dsn)
}

/// The README's examples, compiled and run as doc tests so they cannot rot. They are whole
/// programs with no hidden lines, so each can be pasted into a `main.rs` as shown; they need the
/// `ledger` and `test-util` features (`cargo test --all-features` runs them).
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "ledger", feature = "test-util"))]
pub struct ReadmeDoctests;
