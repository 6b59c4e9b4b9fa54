//! [`SmsapiGateway`]: the [`Gateway`] implementation over SMSAPI's HTTP API.

use std::fmt;

use async_trait::async_trait;
use bramka_core::chunked::send_in_chunks;
use bramka_core::http::{Call, Scrubber};
use bramka_core::preflight::preflight;
use bramka_core::{
    Balance, Capabilities, Capability, Certainty, DeliveryReport, Error, ErrorKind, Gateway, Idempotency,
    Message, PhoneNumber, Price, SendReport,
};
use url::Url;

use crate::account::{SenderName, SenderNameStatus};
use crate::answer::SmsOutcome;
use crate::config::{SMSAPI_MAX_PARTS, SmsapiConfig};
use crate::errors::{DUPLICATE_IDX, api_error};
use crate::short_links;
use crate::status::state_of;
use crate::wire::{self, ErrorValue, Str, text};
use bramka_core::http::Answer;

/// The gateway id, in reports and errors.
pub(crate) const GATEWAY_ID: &str = "smsapi";

/// The largest answer read (a 1,000-recipient `sms.do` answer with details is about 250 KiB).
pub(crate) const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The SMSAPI gateway (smsapi.pl, smsapi.com or any compatible base URL).
///
/// Every send request carries one `idx` per recipient (the message's
/// [`ClientRef::for_recipient`](bramka_core::ClientRef::for_recipient), pipe-separated in recipient
/// order) and `check_idx=1`: SMSAPI refuses a second request with an already accepted `idx` (error
/// 53), which this gateway reports as [`SendState::AlreadyAccepted`](bramka_core::SendState::AlreadyAccepted). A retry after a timeout can
/// therefore never send twice, and the capabilities advertise [`Idempotency::ServerDedupe`].
///
/// ```no_run
/// # async fn demo() -> Result<(), bramka_core::Error> {
/// use bramka_core::{Gateway, Message};
/// use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
///
/// let gw = SmsapiGateway::new(SmsapiConfig::builder("token").sender("Shop").build()?)?;
/// let msg = Message::builder().to("48500100200").text("Order ready").build()?;
/// let report = gw.send(&msg).await?;
/// println!("{:?}", report.recipients[0].state);
/// # Ok(()) }
/// ```
pub struct SmsapiGateway {
    pub(crate) config: SmsapiConfig,
    pub(crate) http: reqwest::Client,
    pub(crate) caps: Capabilities,
    /// `sms.do` joined to the base URL once: every send, status and cancel request goes there.
    pub(crate) sms_do: Url,
    /// Removes the token from answers quoted in errors.
    pub(crate) scrubber: Scrubber,
    /// The sender names read for the opt-in pre-send check ([`crate::senders`]).
    pub(crate) sender_cache: crate::senders::SenderCache,
}

impl fmt::Debug for SmsapiGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsapiGateway").field("id", &GATEWAY_ID).field("config", &self.config).finish()
    }
}

impl SmsapiGateway {
    /// A gateway for `config`. Fails only if the HTTP client cannot be built.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](bramka_core::ErrorKind::Config) when the HTTP client cannot be built.
    pub fn new(config: SmsapiConfig) -> Result<Self, Error> {
        let http = config.http.client()?;
        let mut caps = Capabilities::new()
            .with_batch_size(config.batch_size)
            .with(Capability::Schedule)
            .with(Capability::Cancel)
            .with(Capability::Status)
            .with(Capability::Balance)
            .with(Capability::DeliveryWebhook)
            .with(Capability::InboundWebhook)
            .with(Capability::TestMode)
            .with(Capability::Flash)
            .with(Capability::Validity)
            .with(Capability::SenderNames)
            .with_max_parts(config.max_parts.unwrap_or(SMSAPI_MAX_PARTS))
            .with_idempotency(Idempotency::ServerDedupe);
        // SMSAPI's own short links, when the configuration opts in.
        caps.set(Capability::LinkShortening, config.shorten_links);
        let sms_do = join(&config.base_url, "sms.do");
        let scrubber = Scrubber::new([config.token.expose()]);
        Ok(SmsapiGateway { config, http, caps, sms_do, scrubber, sender_cache: Default::default() })
    }

    /// The configuration.
    pub fn config(&self) -> &SmsapiConfig {
        &self.config
    }

    /// Whether `message`'s links go out as SMSAPI short links: when the configuration turns
    /// [`shorten_links`](crate::SmsapiConfigBuilder::shorten_links) on.
    pub(crate) fn shortens(&self, _message: &Message) -> bool {
        self.config.shorten_links
    }

    /// The message as its recipients get it, for counting: with
    /// [`shorten_links`](crate::SmsapiConfigBuilder::shorten_links) on, each `http(s)://` link
    /// replaced by an `idz.do` short link (`https://idz.do/` and 6 characters, a length SMSAPI does
    /// not document), else `message` itself. [`Gateway::send`] checks and reports parts and
    /// encoding on this message.
    ///
    /// ```
    /// use bramka_core::Message;
    /// use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
    ///
    /// let gw = SmsapiGateway::new(SmsapiConfig::builder("t").shorten_links(true).build().unwrap()).unwrap();
    /// let long = format!("Order: https://shop.example/orders/{}", "x".repeat(150));
    /// let m = Message::builder().to("48600100200").text(long).build().unwrap();
    /// assert_eq!(m.analysis().segments(), 2);
    /// let received = gw.received_analysis(&m).unwrap();
    /// assert_eq!(received.text(), "Order: https://idz.do/XXXXXX");
    /// assert_eq!(received.segments(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Message`](bramka_core::ErrorKind::Message) if the text with short links cannot be
    /// analysed under the message's policy (not expected: it is never longer than the original).
    pub fn received_analysis(&self, message: &Message) -> Result<bramka_core::Analysis, Error> {
        Ok(self.received_message(message)?.analysis().clone())
    }

    /// [`Self::received_analysis`] as a whole message (same recipients, client reference, options).
    fn received_message(&self, message: &Message) -> Result<Message, Error> {
        if !self.shortens(message) {
            return Ok(message.clone());
        }
        message
            .to_builder()
            .text(short_links::as_received(message.original_text()))
            .build()
            .map_err(|e| Error::message(format!("the text with short links: {e}")).with_gateway(GATEWAY_ID))
    }

    /// The text sent in `message`: with link shortening, each link as SMSAPI's macro.
    pub(crate) fn outgoing_text(&self, message: &Message) -> String {
        if self.shortens(message) {
            short_links::to_macros(message.text())
        } else {
            message.text().to_owned()
        }
    }

    /// The sender names registered on the account, with their status (`GET /sms/sendernames`).
    ///
    /// # Errors
    ///
    /// The request's [`Error`]: auth, network, timeout, or an answer that cannot be decoded.
    pub async fn sender_names(&self) -> Result<Vec<SenderName>, Error> {
        let answer = self.get("sms/sendernames", &[]).await?;
        let list: wire::SenderNames = self.rest_json(&answer)?;
        Ok(list
            .collection
            .into_iter()
            .map(|s| SenderName {
                name: s.sender,
                status: SenderNameStatus::parse(s.status.as_deref().unwrap_or("")),
                is_default: s.is_default.unwrap_or(false),
                created_at: s
                    .created_at
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
            })
            .collect())
    }

    pub(crate) fn url(&self, path: &str) -> Url {
        if path == "sms.do" { self.sms_do.clone() } else { join(&self.config.base_url, path) }
    }

    /// Removes the token from text that came from the wire, in case a server echoes it.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.scrubber.scrub(text)
    }
}

impl SmsapiGateway {
    /// What the `sms.do` answer to a status query for `id` means.
    pub(crate) fn decode_status(&self, id: &str, answer: &Answer) -> Result<DeliveryReport, Error> {
        let resp = match self.interpret_sms(answer, 1)? {
            SmsOutcome::Answer(r) => r,
            SmsOutcome::Duplicate => return Err(api_error(DUPLICATE_IDX, None, Some(answer.status))),
        };
        let items = resp.list.unwrap_or_default();
        let item = items.iter().find(|it| text(&it.id) == Some(id)).or(items.first()).ok_or_else(|| {
            Error::new(ErrorKind::NotFound, Certainty::NotSent, format!("SMSAPI knows no message {id:?}"))
                .with_gateway(GATEWAY_ID)
        })?;
        let raw_status = item.status.as_ref().map_or("", Str::as_str).to_owned();
        let mut r = DeliveryReport::new(GATEWAY_ID, id, state_of(&raw_status), raw_status);
        r.to = text(&item.number).and_then(|n| PhoneNumber::parse(n).ok());
        r.client_ref = text(&item.idx).filter(|s| !s.is_empty()).map(str::to_owned);
        r.price = item.points.as_ref().and_then(wire::Points::value).map(|v| Price::new(v, "points"));
        r.parts = item.parts;
        if let Some(ErrorValue::Code(c)) = item.error.as_ref().and_then(wire::ErrorField::value) {
            r.error_code = Some(c.to_string());
        }
        if let Some(d) = item.date_sent {
            r.raw.insert("date_sent".into(), d.to_string());
        }
        Ok(r)
    }
}

/// `path` under `base`. Paths are constants without a leading slash: joining keeps the base path
/// (`/api/`).
pub(crate) fn join(base: &Url, path: &str) -> Url {
    base.join(path).unwrap_or_else(|_| base.clone())
}

/// Refuses ids that cannot be SMSAPI message ids (and would change the request: `,` and `|` are
/// list separators).
pub(crate) fn check_id(id: &str) -> Result<&str, Error> {
    let t = id.trim();
    if !t.is_empty() && t.len() <= 128 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(t)
    } else {
        Err(Error::new(
            ErrorKind::NotFound,
            Certainty::NotSent,
            format!(
                "invalid SMSAPI message id {id:?}: expected the id of a send report (letters and digits)"
            ),
        )
        .with_gateway(GATEWAY_ID))
    }
}

#[async_trait]
impl Gateway for SmsapiGateway {
    fn id(&self) -> &str {
        GATEWAY_ID
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        // Parts, encoding and the part limit are those of the text as recipients get it.
        let received = self.received_message(message)?;
        let segments = received.analysis().segments();
        let mut report = SendReport::new(GATEWAY_ID, &received);
        for note in preflight(GATEWAY_ID, &self.caps, &received)? {
            report.note(note);
        }
        if let (_, Some(note)) = self.sender_field(message) {
            report.note(note);
        }
        self.check_sender(message).await?;
        let mut report =
            send_in_chunks(report, message, self.config.batch_size, |chunk| self.send_chunk(message, chunk))
                .await?;
        if let Some(p) = report.recipients.iter().find_map(|r| r.parts)
            && p as usize != segments
        {
            tracing::warn!(
                gateway = GATEWAY_ID,
                smsapi_parts = p,
                local_parts = segments,
                "part count differs"
            );
            report.note(format!("SMSAPI counted {p} part(s); bramka counted {segments}"));
        }
        if self.config.test_mode {
            report.note("test mode (test=1): SMSAPI validated the message; nothing was sent or charged");
        }
        Ok(report)
    }

    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        let id = check_id(message_id)?;
        let answer = self
            .post_form("sms.do", &[("status", id.to_owned()), ("format", "json".into())], Call::Read)
            .await?;
        self.decode_status(id, &answer)
    }

    async fn cancel(&self, id: &str) -> Result<(), Error> {
        let id = check_id(id)?;
        let answer = self
            .post_form("sms.do", &[("sch_del", id.to_owned()), ("format", "json".into())], Call::Send)
            .await?;
        match self.interpret_sms(&answer, 1)? {
            SmsOutcome::Duplicate => Err(api_error(DUPLICATE_IDX, None, Some(answer.status))),
            SmsOutcome::Answer(r)
                if r.list.as_ref().is_some_and(|l| !l.is_empty()) || r.count.unwrap_or(0) > 0 =>
            {
                Ok(())
            }
            SmsOutcome::Answer(_) => Err(Error::new(
                ErrorKind::NotFound,
                Certainty::NotSent,
                format!("SMSAPI canceled nothing for id {id:?}"),
            )
            .with_gateway(GATEWAY_ID)),
        }
    }

    async fn senders(&self) -> Result<Vec<bramka_core::SenderName>, Error> {
        Ok(self.sender_names().await?.iter().map(crate::senders::to_core).collect())
    }

    async fn add_sender(&self, name: &str) -> Result<bramka_core::SenderName, Error> {
        Ok(crate::senders::to_core(&self.request_sender_name(name).await?))
    }

    async fn set_default_sender(&self, name: &str) -> Result<(), Error> {
        self.make_default_sender_name(name).await
    }

    async fn delete_sender(&self, name: &str) -> Result<(), Error> {
        self.delete_sender_name(name).await
    }

    /// Points from `GET /profile`; when the profile has none (some payment types), the legacy
    /// `GET /user.do?credits=1&format=json`.
    async fn balance(&self) -> Result<Balance, Error> {
        let answer = self.get("profile", &[]).await?;
        let profile: wire::Profile = self.rest_json(&answer)?;
        if let Some(v) = profile.points.as_ref().and_then(wire::Points::value) {
            return Ok(Balance::new(v, "points"));
        }
        tracing::debug!(gateway = GATEWAY_ID, payment_type = ?profile.payment_type, "profile has no points; asking user.do");
        let answer = self.get("user.do", &[("credits", "1"), ("format", "json")]).await?;
        let credits: wire::Credits = self.rest_json(&answer)?;
        if let Some(ErrorValue::Code(code)) = credits.error.as_ref().and_then(wire::ErrorField::value) {
            return Err(self.code_error(&answer, code, credits.message.as_deref()));
        }
        credits.points.as_ref().and_then(wire::Points::value).map(|v| Balance::new(v, "points")).ok_or_else(
            || {
                Error::new(ErrorKind::Decode, Certainty::NotSent, "SMSAPI reported no points for the account")
                    .with_gateway(GATEWAY_ID)
            },
        )
    }
}
