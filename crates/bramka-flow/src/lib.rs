//! # bramka-flow
//!
//! The SMS element of a PBX call flow: when a call reaches the element, an SMS goes out
//! with a chosen sender, after an optional delay, to a list of numbers and optionally the caller,
//! at most once per call if asked. The text comes from a template or from the customer's own API.
//! A PBX or contact-centre application embeds it and calls [`SmsAction::on_call`] for each call.
//!
//! - [`SmsActionConfig`]: label, sender, delay, recipients (comma-separated, international),
//!   also-to-caller, once-per-call, and the [`Content`]: a [`Template`] with `{from_number}`,
//!   `{to_number}`, `{call_id}` and custom fields, or a [`RemoteApi`] (GET with a query, POST with
//!   a JSON or form body; plain-text or JSON-pointer answer; timeout; fallback text). Everything is
//!   checked at [`build`](SmsActionConfigBuilder::build), and every bad field is reported at once
//!   in a [`ConfigError`]; an unknown placeholder is a configuration error, never an empty string
//!   at run time.
//! - [`SmsAction`]: renders or fetches the text, analyses it with the core (encoding, parts), waits
//!   the delay through an injectable [`Clock`](bramka_core::clock::Clock) in a task per call (or
//!   hands long delays to a gateway that can schedule), and sends through any
//!   `Arc<dyn Gateway>`. Failures of the customer's API are typed ([`RemoteError`]); an empty
//!   SMS is never sent.
//! - Once per call through a [`DedupeStore`] (atomic check-and-set with expiry;
//!   [`InMemoryDedupe`] by default), and a [`SendRecord`] per call in a [`HistorySink`]
//!   ([`InMemoryHistory`] by default), findable by label.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka_core::testing::NullGateway;
//! use bramka_flow::{CallEvent, InMemoryHistory, SmsAction, SmsActionConfig};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! let config = SmsActionConfig::builder()
//!     .label("after-hours")
//!     .sender("Shop")
//!     .recipients("+48600100200, +48600100201")
//!     .also_to_caller(true)
//!     .once_per_call(true)
//!     .delay(Duration::from_secs(5))
//!     .template("Missed call {call_id} from {from_number}. {team} will call back.")
//!     .field("team", "Sales")
//!     .build()
//!     .unwrap();
//!
//! let history = InMemoryHistory::new();
//! let action = SmsAction::new(config, Arc::new(NullGateway::new()))
//!     .unwrap()
//!     .with_history(Arc::new(history.clone()));
//!
//! let call = CallEvent::new("c-42", "+48500600700", "+48221131415");
//! let outcome = action.on_call(call.clone()).outcome().await;
//! assert!(outcome.is_sent());
//! let record = outcome.record().unwrap();
//! assert_eq!(record.text(), Some("Missed call c-42 from +48500600700. Sales will call back."));
//! assert_eq!(record.recipients.len(), 3); // two configured numbers and the caller
//! assert_eq!(record.parts(), 1);
//!
//! // The call passes the element again: once per call, nothing more is sent.
//! assert!(action.on_call(call).outcome().await.is_duplicate());
//! assert_eq!(history.by_label("after-hours").len(), 1);
//! # }
//! ```
//!
//! ## Timing
//! The text is obtained when the call arrives (the customer's API sees the call while it is
//! live), then the action waits the delay. With a delay of at least
//! [`schedule_threshold`](SmsActionConfigBuilder::schedule_threshold) (10 minutes by default) and
//! a gateway whose [`capabilities`](bramka_core::Capabilities) include `schedule`, the message is
//! sent at once with `send_at = now + delay`, so the operator holds it and a restart of the
//! application cannot lose it; [`SendRecord::scheduled_for`] says so. Otherwise the wait happens
//! in the task of the call ([`SmsAction::on_call`] spawns one per call on the Tokio runtime), so
//! a waiting call never blocks another.
//!
//! ## Once per call
//! The key is the label and the call id ([`SmsActionConfig::dedupe_key`]). It is claimed before
//! anything else, so 50 simultaneous events for one call make one API request and one SMS. When
//! nothing certainly went out (no text, a refused message, a gateway error that is
//! [`NotSent`](bramka_core::Certainty::NotSent)) the claim is released so a later pass of the call
//! can try again; after a possible send it is kept until it expires.
//!
//! ## Secrets
//! A custom field given with [`secret_field`](SmsActionConfigBuilder::secret_field) goes only to
//! the customer's API; a template cannot use it, and `Debug` prints `***`. The API URL's password
//! and query values are redacted in `Debug` and errors.
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod action;
mod config;
mod dedupe;
mod definition;
mod event;
mod history;
mod remote;
mod template;

pub use action::{CallHandle, CallOutcome, SmsAction};
pub use config::{
    ConfigError, Content, CustomField, DEFAULT_DEDUPE_TTL, DEFAULT_SCHEDULE_THRESHOLD, Field, FieldError,
    MAX_DELAY, MAX_LABEL_CHARS, SmsActionConfig, SmsActionConfigBuilder,
};
pub use dedupe::{DedupeStore, InMemoryDedupe, StoreError};
pub use definition::FlowDef;
pub use event::CallEvent;
pub use history::{
    ContentError, ContentSource, HistorySink, InMemoryHistory, SendRecord, SendResult, SmsContent,
};
pub use remote::{
    DEFAULT_TIMEOUT, MAX_REDIRECTS, MAX_RESPONSE_BYTES, MAX_TIMEOUT, RemoteApi, RemoteContent, RemoteError,
    RemoteMethod, RemotePolicy, ResponseFormat,
};
pub use template::{BUILTIN_PLACEHOLDERS, Template, TemplateError, TemplateProblem};
