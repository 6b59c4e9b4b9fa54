//! # bramka-infobip
//!
//! The Infobip SMS gateway for bramka: sends through `POST /sms/3/messages` (API v3), manages
//! scheduled bulks, reads logs, delivery reports, inbound messages and the balance, and parses
//! Infobip's delivery-report and inbound pushes.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), bramka_core::Error> {
//! use bramka_core::{Gateway, Message};
//! use bramka_infobip::{InfobipConfig, InfobipGateway};
//!
//! let config = InfobipConfig::builder("xxxxx.api.infobip.com", "API-KEY").sender("Shop").build()?;
//! let gw = InfobipGateway::new(config)?;
//! let msg = Message::builder()
//!     .to("+48600100200")
//!     .text("Your order has shipped")
//!     .send_at(chrono::Utc::now() + chrono::Duration::hours(1))
//!     .build()?;
//! let report = gw.send(&msg).await?;
//! let bulk = report.batch_id.clone().unwrap(); // the message's client reference
//! gw.pause(&bulk).await?;
//! gw.resume(&bulk).await?;
//! gw.cancel(&bulk).await?;
//! # Ok(()) }
//! ```
//!
//! ## DSN
//!
//! `infobip://KEY@xxxxx.api.infobip.com?from=Shop` ([`InfobipFactory`])
//!
//! | Part | Meaning |
//! |---|---|
//! | user (`KEY`) | API key, sent as `Authorization: App KEY`; never printed (`Display` shows `***`) |
//! | host | your account's base URL host, required unless `base_url` is given (`default` alone is refused: Infobip has no shared default); `https`, except loopback hosts or `tls=0` (plain `http`) |
//! | `base_url` | the whole base URL instead of the host, percent-encoded, a path prefix kept (`base_url=https%3A%2F%2Fproxy.example%2Finfobip`): requests go to `<base_url>/sms/3/messages` |
//! | `insecure_http` | `1` allows a plain-`http` base URL to a non-loopback host (the API key travels unencrypted); refused otherwise |
//! | `tls` | `0` for plain `http` to the DSN's host (needs `insecure_http=1` unless loopback) |
//! | `from` | default sender (alphanumeric name, number or short code) |
//! | `timeout`, `connect_timeout` | `500ms`, `5s`, `2m` or seconds (longer than zero) |
//! | `transliteration` | Infobip-side transliteration: `NONE`, `TURKISH`, `GREEK`, `CYRILLIC`, `SERBIAN_CYRILLIC`, `CENTRAL_EUROPEAN`, `BALTIC`, `NON_UNICODE`, `PORTUGUESE`, `COLOMBIAN`, `BULGARIAN_CYRILLIC`, `ALL` |
//! | `language` | national language tables: `NONE`, `TR`, `ES`, `PT`, `AUTODETECT` |
//! | `speed_limit` | sending speed, `100/minute`, `5000/hour`, `20000/day` |
//! | `trust_dedupe` | `1` advertises [`Idempotency::ServerDedupe`](bramka_core::Idempotency) (see below) |
//!
//! Unknown options are refused, naming the accepted ones.
//!
//! ## Capabilities
//!
//! | Capability | Infobip | How |
//! |---|---|---|
//! | several recipients per request | yes, up to 1000 (bramka's cap; Infobip documents none) | one `destinations[]` entry each |
//! | schedule | yes, up to 180 days ahead | `options.schedule.sendAt`, `+0000` offsets |
//! | cancel / pause / resume | yes, on the bulk | `PUT /sms/1/bulks/status` (see the diagram) |
//! | reschedule | yes, a PENDING or PAUSED bulk | `PUT /sms/1/bulks` |
//! | status | yes | `GET /sms/3/logs?messageId=` |
//! | balance | yes | `GET /account/1/balance` |
//! | delivery webhook | yes, v2 and v3 bodies | [`InfobipWebhooks`]; pull: [`InfobipGateway::delivery_reports`] |
//! | inbound webhook | yes | [`InfobipWebhooks`]; pull: [`InfobipGateway::inbound_messages`] |
//! | signed webhooks | no (Infobip does not sign) | protect the URL yourself |
//! | test mode | no | |
//! | link shortening | yes, when a message asks (`Message::shorten_links`) | `options.tracking.shortenUrl`, clicks not tracked |
//! | preview | yes | [`InfobipGateway::preview`] (`POST /sms/1/preview`): Infobip's own part count |
//! | max parts | 25 | status 25 `REJECTED_MESSAGE_TOO_LONG` beyond |
//! | idempotency | `ClientReference` (default) | see below |
//!
//! **Idempotency.** Every destination carries `messageId` = the message's client reference
//! followed by the recipient's digits, and the request carries `bulkId` = the client reference;
//! both are the same on every retry. Infobip rejects a reused `messageId` with status 23
//! `REJECTED_DUPLICATE_MESSAGE_ID`, which bramka reports as
//! [`SendState::AlreadyAccepted`](bramka_core::SendState) (in a delivery report or a log entry,
//! status 23 is about the duplicate submission, not the original, so it maps to the non-final
//! `DeliveryState::Unknown` and never overrides the original's state). But Infobip documents neither the scope
//! nor the time window of that check, nor whether it is reported in the send response or only
//! in a delivery report, and the reference advises not to rely on it alone. So the gateway
//! advertises [`Idempotency::ClientReference`](bramka_core::Idempotency), not `ServerDedupe`:
//! after a [`MaybeSent`](bramka_core::Certainty) failure, call [`InfobipGateway::reconcile`]
//! (logs by message id) before retrying. Accounts that confirmed the behaviour can opt in with
//! [`InfobipConfigBuilder::trust_duplicate_rejection`].
//!
//! **Validity.** Sent in whole minutes (rounded up), at most 48 hours: longer values are clamped
//! and [`SendReport::notes`](bramka_core::SendReport) says so.
//!
//! ## Scheduled bulks
//!
//! A scheduled send is one bulk whose id is [`SendReport::batch_id`](bramka_core::SendReport)
//! (the message's client reference). Its status moves like this:
//!
//! ```text
//!              pause (PAUSED)
//!   PENDING ─────────────────────▶ PAUSED
//!      │    ◀─────────────────────   │
//!      │       resume (PENDING)      │
//!      │ cancel                      │ cancel
//!      ▼                             ▼
//!   CANCELED ◀───────────────────────┘      CANCELED is final
//!
//!   set by Infobip only: PENDING ─▶ PROCESSING ─▶ FINISHED | FAILED  (none can be changed)
//! ```
//!
//! Any other change is refused with [`ErrorKind::InvalidState`](bramka_core::ErrorKind) before a
//! change request is sent ([`bulk`] has the details).
//!
//! ## Assumptions (not confirmed by Infobip), each kept in one place
//!
//! | Assumption | Where |
//! |---|---|
//! | Bulk transitions PENDING ⇄ PAUSED, both → CANCELED (bramka's model; Infobip documents no table) | `BulkStatus::can_become` |
//! | 1000 recipients per request (no documented maximum) | [`MAX_RECIPIENTS`] |
//! | Status → core state mapping; status 23 in reports is `Unknown`; error 4100 means canceled | `errors.rs` tables |
//! | A group-5 status can come back per destination inside an HTTP 200 | `send_state` in `gateway.rs` |
//! | A 400 on a bulk status change means "no longer changeable" | `errors::http_error` |
//! | Date-time variants (`+0000`, `+01:00`, `Z`, none, date only; 0–9 fraction digits) | `datetime.rs` |
//!
//! ## Errors
//!
//! HTTP errors are classified by status, for both of Infobip's error bodies (`ApiError` and the
//! legacy `requestError.serviceException`): 400, 401, 403, 404 are not retryable and not sent;
//! 429 is transient and not sent (with `Retry-After` when given); 5xx is transient and may have
//! been sent. Per-recipient statuses in a send response (group 5 `REJECTED`) become
//! per-recipient rejections with a kind from one table (`errors.rs`).
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod bulk;
mod config;
mod credentials;
mod datetime;
mod dsn;
mod errors;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod options;
mod preview;
mod reports;
mod webhook;
mod wire;

pub use bulk::{BulkError, BulkSchedule, BulkStatus};
pub use config::{ConfigError, InfobipConfig, InfobipConfigBuilder};
pub use dsn::{DSN_OPTIONS, InfobipFactory};
pub use errors::IncompleteAnswer;
pub use gateway::{InfobipGateway, MAX_PARTS, MAX_RECIPIENTS, MAX_SCHEDULE_AHEAD_DAYS, MAX_VALIDITY_MINUTES};
pub use options::{
    InfobipOptions, Language, LanguageCode, OptionError, SpeedLimit, SpeedUnit, Transliteration,
};
pub use preview::Preview;
pub use reports::{LogsPage, LogsQuery, Pulled, ReportsQuery, SkippedEntry};
pub use webhook::InfobipWebhooks;
