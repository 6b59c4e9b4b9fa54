//! # bramka-twilio
//!
//! [Twilio Programmable Messaging](https://www.twilio.com/docs/messaging) as a bramka
//! [`Gateway`](bramka_core::Gateway): send (one request per recipient, bounded concurrency),
//! schedule and cancel through a Messaging Service, fetch status, list messages with paging, and
//! verify and parse signed webhooks (status callbacks and inbound SMS) with TwiML replies.
//!
//! ## Configuration by DSN
//!
//! | DSN | meaning |
//! |---|---|
//! | `twilio://AC…:AUTH_TOKEN@default?from=%2B15005550006` | Account SID + Auth Token, default `From` |
//! | `twilio://AC…:AUTH_TOKEN@default?messaging_service=MG…` | Messaging Service (needed for scheduling and `shorten_urls`) |
//! | `twilio://SK…:KEY_SECRET@default?account_sid=AC…&from=…` | API key; the Account SID stays in the request path |
//! | `twilio://AC…:AUTH_TOKEN@default?edge=dublin&region=ie1&from=…` | regional host `api.dublin.ie1.twilio.com` |
//! | `…&base_url=https%3A%2F%2Fproxy.example%2Ftw` | another base URL (a path prefix kept); https unless the host is loopback |
//! | `…&base_url=http%3A%2F%2Fproxy.lan&insecure_http=1` | plain http to a non-loopback host: refused without `insecure_http=1` (the token would travel in clear; `tls=0` follows the same rule) |
//! | `twilio://SID:TOKEN@127.0.0.1:8080?from=…` | a loopback host means a mock server over plain http |
//!
//! Other options: `timeout`, `connect_timeout` (`5s`, `500ms`), `concurrency` (default 4),
//! `smart_encoded`, `shorten_urls`, `rate_limit_retries` (default 2). `Display` of a DSN never
//! shows the token. See [`TwilioFactory`].
//!
//! ## Capabilities
//!
//! | capability | Twilio |
//! |---|---|
//! | recipients per request | 1 (a multi-recipient message becomes one request per recipient, `concurrency` at once; the report lists each recipient) |
//! | schedule | yes: `SendAt` + `ScheduleType=fixed`, needs a Messaging Service; window checked before sending (default 15 min to 35 days) |
//! | cancel | yes, while scheduled (`Status=canceled`; 30409 afterwards → `InvalidState`) |
//! | reschedule, pause, balance | no |
//! | status | yes (`GET …/Messages/{Sid}.json`) |
//! | delivery / inbound webhooks | yes, signed (`X-Twilio-Signature`), verified fail-closed |
//! | idempotency | **none**: a timeout or 5xx after the request was written is `MaybeSent` and never retried by this crate; 429 / 20429 (never processed) is `NotSent` and retried after `Retry-After` |
//! | body | 1600 characters (UTF-16 units) checked before sending; `ValidityPeriod` 1..36000 s |
//! | flash SMS | no (refused before sending) |
//!
//! ## Sending
//!
//! ```no_run
//! # async fn run() -> Result<(), bramka_core::Error> {
//! use bramka_core::{Gateway, Message};
//! use bramka_twilio::{TwilioConfig, TwilioGateway};
//!
//! let gw = TwilioGateway::new(
//!     TwilioConfig::builder("AC0123456789abcdef0123456789abcdef", "auth-token").from("+15005550006").build()?,
//! )?;
//! let report = gw.send(&Message::builder().to("+14155552671").text("Hello").build()?).await?;
//! assert!(report.all_accepted());
//! # Ok(()) }
//! ```
//!
//! ## Managing messages
//!
//! [`TwilioGateway::fetch_message`] / [`Gateway::status`](bramka_core::Gateway::status),
//! [`TwilioGateway::cancel_message`] / [`Gateway::cancel`](bramka_core::Gateway::cancel) (a
//! scheduled message), and [`TwilioGateway::list_messages`] with a [`ListFilter`] (following
//! Twilio's relative `next_page_uri` against the configured base URL; page by page with
//! [`TwilioGateway::list_messages_page`] and [`TwilioGateway::next_page`]). Twilio's error codes
//! map to bramka kinds in one table ([`error_table`]); limits and the assumptions behind them are
//! in [`limits`].
//!
//! ## Webhook verification
//!
//! Give [`TwilioWebhooks`] the Auth Token and the request exactly as received, with the public
//! URL Twilio called. Unsigned or wrongly signed requests are refused; answer with
//! [`WebhookError::http_status`](bramka_core::WebhookError::http_status).
//!
//! ```
//! use bramka_core::{WebhookEvent, WebhookParser, WebhookRequest};
//! use bramka_twilio::{MessagingResponse, TwilioWebhooks};
//!
//! let hooks = TwilioWebhooks::new("12345");
//! let req = WebhookRequest::new("POST", "https://example.com/twilio/inbound".parse().unwrap())
//!     .with_header("Content-Type", "application/x-www-form-urlencoded")
//!     .with_header("X-Twilio-Signature", "9trEuBMs7oz2ZNrTktX6A2oVJYk=")
//!     .with_body("ToCountry=US&ToState=CA&SmsMessageSid=SM1234567890abcdef1234567890abcdef&NumMedia=0&ToCity=&FromZip=94105&SmsSid=SM1234567890abcdef1234567890abcdef&FromState=CA&SmsStatus=received&FromCity=SAN+FRANCISCO&Body=VOTE+B&FromCountry=US&To=%2B15005550006&MessagingServiceSid=MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&ToZip=&NumSegments=1&MessageSid=SM1234567890abcdef1234567890abcdef&AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&From=%2B14155552671&ApiVersion=2010-04-01");
//!
//! let events = hooks.parse(&req).expect("valid signature");
//! let WebhookEvent::Inbound(msg) = &events[0] else { panic!() };
//! assert_eq!((msg.from.as_str(), msg.text.as_str()), ("+14155552671", "VOTE B"));
//!
//! // Reply with TwiML (or `hooks.acknowledge(&events)` for an empty <Response/>).
//! let reply = MessagingResponse::new().message("Thanks, your vote for B was counted.").to_webhook_response().unwrap();
//! assert_eq!(reply.content_type, "text/xml");
//!
//! // Tampering with the body breaks the signature.
//! let forged = req.clone().with_body("MessageSid=SM1&Body=VOTE+A&From=%2B1&To=%2B2");
//! assert!(hooks.parse(&forged).is_err());
//! ```
//!
//! Test your own handlers with [`signature::signed_request_for_test`]. Skipping verification
//! takes [`TwilioWebhooks::insecure_without_signature_check`], named so it shows in review.
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod account;
mod config;
mod dsn;
mod errors;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
pub mod limits;
mod model;
pub mod signature;
mod webhook;
mod wire;

pub use config::{ConfigError, TwilioConfig, TwilioConfigBuilder};
pub use dsn::{SCHEME, TwilioFactory};
pub use gateway::{MAX_LIST_PAGES, SendError, TwilioGateway};
pub use model::{ListFilter, ListFilterError, MessagePage, MessageStatus, TwilioMessage};
pub use signature::SignatureError;
pub use webhook::{IDEMPOTENCY_HEADER, MessagingResponse, TwilioWebhooks, TwimlError};

/// Every error code bramka maps, with its kind and certainty (the single table in `errors.rs`).
pub fn error_table() -> &'static [bramka_core::error::ErrorRow] {
    errors::CODE_TABLE
}
