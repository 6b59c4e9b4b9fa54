//! # bramka-core
//!
//! The core of bramka: the SMS [`Message`] model, exact GSM-7 / UCS-2 analysis and segmentation
//! ([`encoding`]), phone numbers ([`PhoneNumber`]), the [`Gateway`] trait every operator
//! implements, one [`Error`] type that says whether a message may have gone out
//! ([`Certainty`]), delivery and inbound webhook types ([`webhook`]), configuration by [`Dsn`],
//! and test doubles ([`testing`]).
//!
//! ```
//! use bramka_core::{encoding, Encoding};
//!
//! let a = encoding::analyze("Zażółć gęślą jaźń", &encoding::Policy::default());
//! assert_eq!(a.encoding(), Encoding::Ucs2);
//! assert_eq!(a.segments(), 1);
//! ```
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod account;
pub mod capabilities;
pub mod chunked;
pub mod clock;
pub mod compose;
pub mod dsn;
pub mod encoding;
pub mod error;
pub mod gateway;
#[cfg(feature = "http")]
pub mod http;
pub mod message;
pub mod phone;
pub mod placeholders;
pub mod preflight;
#[cfg(feature = "rate-limit")]
pub mod ratelimit;
pub mod registry;
pub mod report;
pub mod retry;
pub mod secret;
pub mod senders;
pub mod testing;
pub mod webhook;

pub use account::{ReceivingNumber, ScheduledMessage, SenderName, SenderStatus};
pub use capabilities::{Capabilities, Capability, CapabilitySet, Idempotency};
pub use compose::{Failover, RoundRobin};
pub use dsn::{Dsn, DsnError, GatewayFactory};
pub use encoding::{Analysis, Encoding, Policy};
pub use error::{Certainty, Error, ErrorKind};
pub use gateway::Gateway;
pub use message::{ClientRef, Message, MessageBuilder, MessageError, Sender, SenderError};
pub use phone::{PhoneError, PhoneNumber, PhonePolicy};
pub use registry::Registry;
pub use report::{Balance, DeliveryReport, DeliveryState, Price, RecipientReport, SendReport, SendState};
pub use retry::{RetryGateway, RetryPolicy};
pub use secret::Secret;
pub use webhook::{
    InboundMessage, WebhookError, WebhookEvent, WebhookParser, WebhookRequest, WebhookResponse,
};

/// Re-exported so operator crates and applications use the same version.
pub use async_trait::async_trait;
