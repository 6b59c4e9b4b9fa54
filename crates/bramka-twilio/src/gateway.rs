//! [`TwilioGateway`]: send (one request per recipient, bounded concurrency), schedule, cancel,
//! fetch and list messages over Twilio's REST API v2010.

use std::time::Duration;

use async_trait::async_trait;
use bramka_core::chunked::{ChunkReport, send_in_chunks};
use bramka_core::http::{Answer, BaseUrl, Call, Scrubber};
use bramka_core::{Balance, ReceivingNumber, ScheduledMessage};
use bramka_core::{
    Capabilities, Capability, Certainty, DeliveryReport, Error, ErrorKind, Gateway, Idempotency, Message,
    PhoneNumber, RecipientReport, SendReport, SendState,
};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use url::Url;

use crate::config::{TwilioConfig, is_sid};
use crate::errors::{BODY_LIMIT, GATEWAY, api_error, decode_error};
use crate::limits::{
    MAX_BODY_UTF16_UNITS, MAX_PARTS, MAX_RATE_LIMIT_WAIT, VALIDITY_RANGE_SECS, rate_limit_backoff,
};
use crate::model::{ListFilter, MessagePage, MessageStatus, TwilioMessage};
use crate::wire::{MessageDto, MessagePageDto};

/// Why a message cannot be sent through Twilio, found before any request.
///
/// Carried as the [`std::error::Error::source`] of the returned [`Error`] (kind
/// [`ErrorKind::Message`] or [`ErrorKind::Config`], [`Certainty::NotSent`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::{Gateway, Message};
/// use bramka_twilio::{SendError, TwilioConfig, TwilioGateway};
///
/// // No From and no Messaging Service: refused before any request.
/// let config = TwilioConfig::builder("AC0123456789abcdef0123456789abcdef", "auth-token").build().unwrap();
/// let gateway = TwilioGateway::new(config).unwrap();
/// let message = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// let e = gateway.send(&message).await.unwrap_err();
/// let why = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<SendError>());
/// assert_eq!(why, Some(&SendError::NoSender));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Neither the message nor the configuration gives a sender.
    #[error(
        "no sender: set a From (TwilioConfig::builder(..).from(..) or the message's sender) or a Messaging Service SID"
    )]
    NoSender,
    /// The body is longer than Twilio accepts.
    #[error("the body has {units} UTF-16 units; Twilio accepts at most 1600 characters (error 21617)")]
    BodyTooLong {
        /// UTF-16 code units counted.
        units: usize,
    },
    /// The validity period is outside 1..=36000 seconds.
    #[error("validity period of {seconds} s is out of range: Twilio accepts 1 to 36000 seconds (10 hours)")]
    ValidityOutOfRange {
        /// Seconds asked for (rounded up).
        seconds: u64,
    },
    /// Scheduling needs a Messaging Service.
    #[error(
        "scheduling (send_at) needs a Messaging Service SID in the configuration (Twilio error 35118); without one Twilio would send at once"
    )]
    ScheduleNeedsMessagingService,
    /// `send_at` is too soon.
    #[error(
        "send_at {send_at} is too soon: the earliest accepted time is {earliest} ({min_lead_secs} s from now)"
    )]
    ScheduleTooSoon {
        /// The requested time.
        send_at: DateTime<Utc>,
        /// The earliest accepted.
        earliest: DateTime<Utc>,
        /// The configured minimum lead.
        min_lead_secs: u64,
    },
    /// `send_at` is too far ahead.
    #[error(
        "send_at {send_at} is too far ahead: the latest accepted time is {latest} (35 days from now at most)"
    )]
    ScheduleTooLate {
        /// The requested time.
        send_at: DateTime<Utc>,
        /// The latest accepted.
        latest: DateTime<Utc>,
    },
    /// Twilio has no flash SMS.
    #[error("Twilio does not send flash SMS: build the message without flash(true)")]
    FlashUnsupported,
    /// The message asks for link shortening, which Twilio does only through a Messaging Service.
    #[error(
        "link shortening needs a Messaging Service SID (messaging_service=MG…); this gateway sends from a number"
    )]
    ShorteningNeedsService,
    /// The status callback URL would be refused.
    #[error("status callback URL {url} is not accepted: {reason}")]
    CallbackUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        let kind = match e {
            SendError::NoSender | SendError::ScheduleNeedsMessagingService => ErrorKind::Config,
            _ => ErrorKind::Message,
        };
        Error::new(kind, Certainty::NotSent, e.to_string()).with_gateway(GATEWAY).with_source(e)
    }
}

/// Twilio Programmable Messaging as a [`Gateway`].
///
/// ```no_run
/// # async fn run() -> Result<(), bramka_core::Error> {
/// use bramka_core::{Gateway, Message};
/// use bramka_twilio::{TwilioConfig, TwilioGateway};
///
/// let config = TwilioConfig::builder("AC0123456789abcdef0123456789abcdef", "auth-token")
///     .from("+15005550006")
///     .build()?;
/// let gw = TwilioGateway::new(config)?;
/// let msg = Message::builder().to("+14155552671").text("Your code is 123456").build()?;
/// let report = gw.send(&msg).await?;
/// for r in report.accepted() {
///     println!("{} -> {:?}", r.to.masked(), r.message_id);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TwilioGateway {
    pub(crate) config: TwilioConfig,
    http: reqwest::Client,
    caps: Capabilities,
    pub(crate) base: BaseUrl,
    /// Removes the token (as written and inside the Basic credentials) from quoted answers.
    pub(crate) scrub: Scrubber,
}

/// Most pages [`TwilioGateway::list_messages`] follows (1,000 messages per page at most).
pub const MAX_LIST_PAGES: usize = 1_000;

impl TwilioGateway {
    /// A gateway for this configuration.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`] when the HTTP client cannot be built
    /// (see [`HttpSettings::client`](bramka_core::http::HttpSettings::client)).
    pub fn new(config: TwilioConfig) -> Result<Self, Error> {
        let http = config.http.client()?;
        let base = config.base_url.clone();
        let scrub = config.basic_auth().scrubber();
        let mut caps = Capabilities::new()
            .with(Capability::Schedule)
            .with(Capability::Cancel)
            .with(Capability::Status)
            .with(Capability::DeliveryWebhook)
            .with(Capability::InboundWebhook)
            .with_signed_webhooks()
            .with(Capability::Validity)
            .with(Capability::Balance)
            .with(Capability::ReceivingNumbers)
            .with(Capability::ListScheduled)
            .with_max_parts(MAX_PARTS)
            .with_idempotency(Idempotency::None);
        // Twilio shortens links only through a Messaging Service.
        caps.set(Capability::LinkShortening, config.messaging_service_sid.is_some());
        Ok(TwilioGateway { config, http, caps, base, scrub })
    }

    /// The configuration.
    pub fn config(&self) -> &TwilioConfig {
        &self.config
    }

    fn messages_url(&self) -> String {
        self.base.join(&format!("2010-04-01/Accounts/{}/Messages.json", self.config.account_sid)).to_string()
    }

    fn message_url(&self, sid: &str) -> String {
        self.base
            .join(&format!("2010-04-01/Accounts/{}/Messages/{sid}.json", self.config.account_sid))
            .to_string()
    }

    pub(crate) fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.config
            .basic_auth()
            .apply(self.http.request(method, url))
            .header(reqwest::header::ACCEPT, "application/json")
    }

    /// Sends the request `make` builds and returns the 2xx body, or the mapped error. A 429
    /// (Twilio: "never processed, always safe to retry") is retried up to `rate_limit_retries`
    /// times after its `Retry-After`; nothing else is ever retried here, above all not a 5xx or a
    /// timeout of a create.
    pub(crate) async fn execute(
        &self,
        what: &str,
        call: Call,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), Error> {
        let mut attempt: u32 = 0;
        loop {
            match self.execute_once(make(), call).await {
                Err(e)
                    if e.http_status() == Some(429)
                        && attempt < self.config.rate_limit_retries
                        && e.retry_after().is_none_or(|w| w <= MAX_RATE_LIMIT_WAIT) =>
                {
                    let wait = e.retry_after().unwrap_or_else(|| rate_limit_backoff(attempt));
                    tracing::debug!(what, attempt, ?wait, "twilio: 429, waiting before retrying");
                    self.config.clock.sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn execute_once(&self, req: reqwest::RequestBuilder, call: Call) -> Result<(u16, Vec<u8>), Error> {
        let a = Answer::fetch(req, GATEWAY, call, BODY_LIMIT).await?;
        self.answer_body(a)
    }

    /// The status and body of a 2xx answer; any other answer is the error it means.
    pub(crate) fn answer_body(&self, a: Answer) -> Result<(u16, Vec<u8>), Error> {
        if a.is_success() {
            Ok((a.status, a.body))
        } else {
            Err(api_error(a.status, a.retry_after, &a.body, &self.scrub))
        }
    }

    async fn message_call(
        &self,
        what: &str,
        call: Call,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<TwilioMessage, Error> {
        let (status, body) = self.execute(what, call, make).await?;
        decode_message(what, status, &body, &self.scrub)
    }
}

/// The Message of a 2xx answer to `what`.
pub(crate) fn decode_message(
    what: &str,
    status: u16,
    body: &[u8],
    scrub: &Scrubber,
) -> Result<TwilioMessage, Error> {
    let dto: MessageDto = serde_json::from_slice(body).map_err(|e| decode_error(status, what, &e, scrub))?;
    TwilioMessage::from_dto(dto).ok_or_else(|| {
        Error::new(
            ErrorKind::Decode,
            Certainty::MaybeSent,
            format!("Twilio's {what} answer (HTTP {status}) has no message sid"),
        )
        .with_gateway(GATEWAY)
        .with_http_status(status)
    })
}

impl TwilioGateway {
    /// Checks the message against Twilio's rules and builds the form shared by all recipients
    /// (everything but `To`). No request is made.
    fn common_form(&self, message: &Message) -> Result<Vec<(&'static str, String)>, SendError> {
        if message.is_flash() {
            return Err(SendError::FlashUnsupported);
        }
        let from = message.sender().map(|s| s.as_string()).or_else(|| self.config.from.clone());
        let mg = self.config.messaging_service_sid.clone();
        if from.is_none() && mg.is_none() {
            return Err(SendError::NoSender);
        }
        let body = message.text();
        let units = body.encode_utf16().count();
        if units > MAX_BODY_UTF16_UNITS {
            return Err(SendError::BodyTooLong { units });
        }
        let mut form: Vec<(&'static str, String)> = Vec::new();
        if let Some(f) = from {
            form.push(("From", f));
        }
        if let Some(m) = &mg {
            form.push(("MessagingServiceSid", m.clone()));
        }
        form.push(("Body", body.to_owned()));
        if let Some(cb) = message.callback_url() {
            check_callback(cb)?;
            form.push(("StatusCallback", cb.as_str().to_owned()));
        }
        if let Some(v) = message.validity() {
            let secs = v.as_secs() + u64::from(v.subsec_nanos() > 0);
            if !VALIDITY_RANGE_SECS.contains(&secs) {
                return Err(SendError::ValidityOutOfRange { seconds: secs });
            }
            form.push(("ValidityPeriod", secs.to_string()));
        }
        if let Some(at) = message.send_at() {
            if mg.is_none() {
                return Err(SendError::ScheduleNeedsMessagingService);
            }
            let now = self.config.clock.now();
            let to_chrono = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
            let earliest = now + to_chrono(self.config.schedule_min_lead);
            let latest = now + to_chrono(self.config.schedule_max_lead);
            if at < earliest {
                return Err(SendError::ScheduleTooSoon {
                    send_at: at,
                    earliest,
                    min_lead_secs: self.config.schedule_min_lead.as_secs(),
                });
            }
            if at > latest {
                return Err(SendError::ScheduleTooLate { send_at: at, latest });
            }
            form.push(("ScheduleType", "fixed".to_owned()));
            form.push(("SendAt", at.to_rfc3339_opts(SecondsFormat::Secs, true)));
        }
        if let Some(se) = self.config.smart_encoded {
            form.push(("SmartEncoded", se.to_string()));
        }
        if message.shorten_links() && self.config.messaging_service_sid.is_none() {
            return Err(SendError::ShorteningNeedsService);
        }
        if self.config.shorten_urls || message.shorten_links() {
            form.push(("ShortenUrls", "true".to_owned()));
        }
        Ok(form)
    }

    /// One create request (429 retried by [`execute`](Self::execute), nothing else).
    async fn create(
        &self,
        to: &PhoneNumber,
        common: &[(&'static str, String)],
    ) -> Result<TwilioMessage, Error> {
        let to_e164 = to.e164();
        let mut form: Vec<(&str, &str)> = Vec::with_capacity(common.len() + 1);
        form.push(("To", &to_e164));
        form.extend(common.iter().map(|(k, v)| (*k, v.as_str())));
        let url = self.messages_url();
        self.message_call("create-message", Call::Send, || {
            self.request(reqwest::Method::POST, &url).form(&form)
        })
        .await
    }

    /// One group of concurrent creates (see [`Gateway::send`]).
    async fn send_group(
        &self,
        group: &[PhoneNumber],
        common: &[(&'static str, String)],
    ) -> Result<ChunkReport, Error> {
        let results = bounded(group.to_vec(), self.config.concurrency, |to: PhoneNumber| async move {
            let result = self.create(&to, common).await.and_then(created);
            (to, result)
        })
        .await;
        let errors: Vec<&Error> = results.iter().filter_map(|(_, r)| r.as_ref().err()).collect();
        if errors.len() == results.len()
            && let Some(first) = errors.first()
            && errors.iter().all(|e| e.kind() == first.kind())
            && first.kind() != ErrorKind::InvalidRecipient
        {
            let maybe = errors.iter().any(|e| e.may_have_been_sent());
            let e = (*first).clone();
            return Err(if maybe { e.with_certainty(Certainty::MaybeSent) } else { e });
        }
        let reports = results.into_iter().map(|(to, result)| recipient_report(to, result));
        Ok(reports.collect::<Vec<_>>().into())
    }

    /// Fetches a message by SID (`SM…` / `MM…`).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::NotFound`] ([`Certainty::NotSent`], no request made)
    /// when `sid` is not `SM` or `MM` followed by 32 hexadecimal characters.
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for
    /// a transport failure; [`ErrorKind::Unavailable`] for a 5xx answer; for another non-2xx answer
    /// the kind Twilio's error code maps to ([`ErrorKind::Auth`] for 20003, [`ErrorKind::NotFound`]
    /// for 20404, [`ErrorKind::RateLimited`] for 20429, ...), else the HTTP status's;
    /// [`ErrorKind::Decode`] for an answer that cannot be read.
    pub async fn fetch_message(&self, sid: &str) -> Result<TwilioMessage, Error> {
        check_message_sid(sid)?;
        let url = self.message_url(sid);
        self.message_call("fetch-message", Call::Read, || self.request(reqwest::Method::GET, &url)).await
    }

    /// Cancels a scheduled message (`Status=canceled`). Twilio refuses with 30409
    /// ([`ErrorKind::InvalidState`]) once the message is no longer scheduled; an answer with
    /// another status than `canceled` is an [`ErrorKind::InvalidState`] error naming it, with
    /// [`Certainty::MaybeSent`]: the cancel did not take, so the message may still go out.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::NotFound`] (no request made) when `sid` is not a
    /// message SID, [`ErrorKind::InvalidState`] as described above, and otherwise:
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for
    /// a transport failure; [`ErrorKind::Unavailable`] for a 5xx answer; for another non-2xx answer
    /// the kind Twilio's error code maps to ([`ErrorKind::Auth`] for 20003, [`ErrorKind::NotFound`]
    /// for 20404, [`ErrorKind::RateLimited`] for 20429, ...), else the HTTP status's;
    /// [`ErrorKind::Decode`] for an answer that cannot be read.
    pub async fn cancel_message(&self, sid: &str) -> Result<TwilioMessage, Error> {
        check_message_sid(sid)?;
        let url = self.message_url(sid);
        let m = self
            .message_call("cancel-message", Call::Read, || {
                self.request(reqwest::Method::POST, &url).form(&[("Status", "canceled")])
            })
            .await?;
        if m.status != MessageStatus::Canceled {
            let why = format!("Twilio answered the cancel of {sid} with status {:?}, not canceled", m.status);
            return Err(Error::new(ErrorKind::InvalidState, Certainty::MaybeSent, why).with_gateway(GATEWAY));
        }
        Ok(m)
    }

    /// The first page of messages matching `filter`.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`] when `filter` is refused by
    /// [`ListFilter::query`] (a page size outside 1 to 1,000).
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for
    /// a transport failure; [`ErrorKind::Unavailable`] for a 5xx answer; for another non-2xx answer
    /// the kind Twilio's error code maps to ([`ErrorKind::Auth`] for 20003, [`ErrorKind::NotFound`]
    /// for 20404, [`ErrorKind::RateLimited`] for 20429, ...), else the HTTP status's;
    /// [`ErrorKind::Decode`] for an answer that cannot be read.
    pub async fn list_messages_page(&self, filter: &ListFilter) -> Result<MessagePage, Error> {
        let query = filter.query().map_err(|e| {
            Error::new(ErrorKind::Config, Certainty::NotSent, e.to_string())
                .with_gateway(GATEWAY)
                .with_source(e)
        })?;
        let mut url = Url::parse(&self.messages_url()).map_err(|e| Error::config(e.to_string()))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.page(url.as_str()).await
    }

    /// The page after `page`, or `None` on the last page. Twilio's `next_page_uri` is relative:
    /// it is resolved against the configured base URL, and only paths of this account's message
    /// list are followed (credentials never go to another URL).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Decode`] ([`Certainty::NotSent`], no request made)
    /// when `next_page_uri` is not a path of this account's message list.
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for
    /// a transport failure; [`ErrorKind::Unavailable`] for a 5xx answer; for another non-2xx answer
    /// the kind Twilio's error code maps to ([`ErrorKind::Auth`] for 20003, [`ErrorKind::NotFound`]
    /// for 20404, [`ErrorKind::RateLimited`] for 20429, ...), else the HTTP status's;
    /// [`ErrorKind::Decode`] for an answer that cannot be read.
    pub async fn next_page(&self, page: &MessagePage) -> Result<Option<MessagePage>, Error> {
        let Some(uri) = page.next_page_uri.as_deref() else {
            return Ok(None);
        };
        let expected = format!("/2010-04-01/Accounts/{}/Messages.json?", self.config.account_sid);
        if !uri.starts_with(&expected) {
            return Err(Error::new(
                ErrorKind::Decode,
                Certainty::NotSent,
                format!("refusing to follow next_page_uri {uri:?}: expected a relative URI starting with {expected:?}"),
            )
            .with_gateway(GATEWAY));
        }
        let url = self.base.join(uri.split('?').next().unwrap_or(uri));
        let query = uri.split_once('?').map(|(_, q)| q);
        let mut url = url;
        url.set_query(query);
        Ok(Some(self.page(url.as_str()).await?))
    }

    async fn page(&self, url: &str) -> Result<MessagePage, Error> {
        let (status, body) =
            self.execute("list-messages", Call::Read, || self.request(reqwest::Method::GET, url)).await?;
        let dto: MessagePageDto = serde_json::from_slice(&body)
            .map_err(|e| decode_error(status, "list-messages", &e, &self.scrub))?;
        Ok(MessagePage {
            messages: dto.messages.into_iter().filter_map(TwilioMessage::from_dto).collect(),
            next_page_uri: dto.next_page_uri.filter(|u| !u.is_empty()),
            page: dto.page,
        })
    }

    /// Every message matching `filter`, following `next_page_uri` until the last page, an
    /// empty page, or the filter's limit. More than [`MAX_LIST_PAGES`] pages is an error (a
    /// server that never ends its listing), not a silent cut.
    ///
    /// # Errors
    ///
    /// Returns what [`list_messages_page`](Self::list_messages_page) and
    /// [`next_page`](Self::next_page) return, and an [`Error`] of kind [`ErrorKind::Other`] after
    /// [`MAX_LIST_PAGES`] pages.
    pub async fn list_messages(&self, filter: &ListFilter) -> Result<Vec<TwilioMessage>, Error> {
        let limit = filter.max_messages().unwrap_or(usize::MAX);
        let mut page = self.list_messages_page(filter).await?;
        let mut out = Vec::new();
        for _ in 1..MAX_LIST_PAGES {
            let empty = page.messages.is_empty();
            out.append(&mut page.messages);
            if out.len() >= limit {
                out.truncate(limit);
                return Ok(out);
            }
            if empty {
                return Ok(out);
            }
            match self.next_page(&page).await? {
                Some(next) => page = next,
                None => return Ok(out),
            }
        }
        let why = format!(
            "the message list has more than {MAX_LIST_PAGES} pages; narrow the filter or set a limit"
        );
        Err(Error::new(ErrorKind::Other, Certainty::NotSent, why).with_gateway(GATEWAY))
    }
}

/// The report of recipient `to` from its create call's outcome.
pub(crate) fn recipient_report(to: PhoneNumber, result: Result<TwilioMessage, Error>) -> RecipientReport {
    match result {
        Ok(m) => {
            let state = match m.status {
                MessageStatus::Queued => SendState::Queued,
                MessageStatus::Scheduled => SendState::Scheduled,
                _ => SendState::Accepted,
            };
            let mut r = RecipientReport::new(to, state).with_message_id(m.sid);
            if let Some(p) = m.num_segments {
                r = r.with_parts(p);
            }
            if let Some(p) = m.price {
                r = r.with_price(p);
            }
            r
        }
        Err(e) => {
            tracing::debug!(to = %to.masked(), error = %e, "twilio: recipient not accepted");
            RecipientReport::new(to, SendState::Rejected(e))
        }
    }
}

/// A created Message, or the rejection its state says: Twilio answers 201 with `failed`,
/// `undelivered` or `canceled` when it will not send (the message was created, not sent).
pub(crate) fn created(m: TwilioMessage) -> Result<TwilioMessage, Error> {
    if !matches!(m.status, MessageStatus::Failed | MessageStatus::Undelivered | MessageStatus::Canceled) {
        return Ok(m);
    }
    let code = m.error_code.clone();
    let mut kind = ErrorKind::Other;
    if let Some(row) =
        code.as_deref().and_then(|c| bramka_core::error::ErrorRow::find(crate::errors::CODE_TABLE, c))
    {
        kind = row.kind;
    }
    let why = format!(
        "Twilio created message {} in state {:?}{}",
        m.sid,
        m.status,
        code.as_deref().map(|c| format!(" (error {c})")).unwrap_or_default()
    );
    let e = Error::new(kind, Certainty::NotSent, why).with_gateway(GATEWAY);
    Err(match code {
        Some(c) => e.with_code(c),
        None => e,
    })
}

fn check_callback(url: &Url) -> Result<(), SendError> {
    let err = |reason: &str| SendError::CallbackUrl { url: url.to_string(), reason: reason.to_owned() };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err("Twilio calls http or https URLs only"));
    }
    match url.host_str() {
        None | Some("") => Err(err("a host is required")),
        Some(h) if h.contains('_') => Err(err("Twilio refuses host names with underscores")),
        Some(_) => Ok(()),
    }
}

pub(crate) fn check_message_sid(sid: &str) -> Result<(), Error> {
    if is_sid(sid, "SM") || is_sid(sid, "MM") {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::NotFound,
            Certainty::NotSent,
            format!("{sid:?} is not a Twilio message SID: expected \"SM\" or \"MM\" followed by 32 hexadecimal characters"),
        )
        .with_gateway(GATEWAY))
    }
}

/// Runs `f` over `items` with at most `limit` futures in flight, results in input order.
pub(crate) async fn bounded<I, T, F, Fut>(items: I, limit: usize, f: F) -> Vec<T>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    futures::stream::iter(items.into_iter().map(f)).buffered(limit.max(1)).collect().await
}

#[async_trait]
impl Gateway for TwilioGateway {
    fn id(&self) -> &str {
        GATEWAY
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// One `POST Messages.json` per recipient, at most `concurrency` at once. Twilio has no
    /// idempotency key: a timeout or 5xx is [`Certainty::MaybeSent`] and is never retried here;
    /// a 429 is retried after its `Retry-After`.
    ///
    /// Recipients go in groups of `concurrency` through the core's chunked send: the requests of
    /// a group run concurrently; a group whose every request failed the same way (other than an
    /// invalid recipient) stops the send, and the later groups are `NotAttempted`. A Message
    /// created in state `failed`, `undelivered` or `canceled` is a rejected recipient.
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        // Twilio's own checks first: their errors are more specific (a `SendError` source).
        let common = self.common_form(message)?;
        let notes = bramka_core::preflight::preflight(GATEWAY, &self.caps, message)?;
        let mut report = SendReport::new(GATEWAY, message);
        notes.into_iter().filter(|n| !n.contains("validity")).for_each(|n| report.note(n));
        let common = &common;
        send_in_chunks(report, message, self.config.concurrency, |group| self.send_group(group, common)).await
    }

    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        Ok(self.fetch_message(message_id).await?.to_delivery_report())
    }

    async fn cancel(&self, id: &str) -> Result<(), Error> {
        self.cancel_message(id).await.map(|_| ())
    }

    async fn balance(&self) -> Result<Balance, Error> {
        self.account_balance().await
    }

    async fn numbers(&self) -> Result<Vec<ReceivingNumber>, Error> {
        self.incoming_numbers().await
    }

    async fn scheduled(&self) -> Result<Vec<ScheduledMessage>, Error> {
        self.scheduled_messages().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn bounded_never_exceeds_its_limit_and_keeps_order() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let out = bounded(0..20, 3, |i| {
            let (in_flight, peak) = (in_flight.clone(), peak.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn message_sids_checked_before_any_request() {
        assert!(check_message_sid("SM3f1b2c4d5e6f708192a3b4c5d6e7f809").is_ok());
        assert!(check_message_sid("MM3f1b2c4d5e6f708192a3b4c5d6e7f809").is_ok());
        let e = check_message_sid("../../Calls").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("\"SM\" or \"MM\""), "{e}");
    }
}
