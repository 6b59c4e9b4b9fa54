//! [`InfobipGateway`]: the [`Gateway`] over Infobip's HTTP API.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use bramka_core::chunked::ChunkReport;
use bramka_core::{
    Balance, Capabilities, Capability, Certainty, DeliveryReport, Error, ErrorKind, Gateway, InboundMessage,
    Message, PhoneNumber, RecipientReport, SendReport, SendState, Sender,
};

use bramka_core::http::{Answer, Call};

use crate::bulk::BulkStatus;
use crate::config::InfobipConfig;
use crate::errors::{self, DUPLICATE_MESSAGE_ID, GATEWAY, Op};
use crate::options::InfobipOptions;
use crate::reports::{self, LogsPage, LogsQuery, Pulled, ReportsQuery};
use crate::wire;

/// Recipients per request advertised in the capabilities. **Inferred**: Infobip documents no
/// maximum; 1000 matches the largest page size of its read APIs.
pub const MAX_RECIPIENTS: usize = 1000;
/// Infobip's longest validity period: 48 hours, in minutes (Infobip's documented maximum).
pub const MAX_VALIDITY_MINUTES: u64 = 2880;
/// How far ahead `sendAt` may be (Infobip's `sendAt`: at most 180 days).
pub const MAX_SCHEDULE_AHEAD_DAYS: i64 = 180;
/// The largest answer body read (bytes): a full page of 1,000 log entries is about 1 MB.
pub(crate) const BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Infobip's hard cap on parts (status 25 `REJECTED_MESSAGE_TOO_LONG`: more than 25 parts).
pub const MAX_PARTS: u8 = 25;

/// The Infobip gateway: sends through `POST /sms/3/messages`, manages scheduled bulks
/// (`/sms/1/bulks`), reads logs, reports, inbound messages and the balance.
///
/// See the [crate documentation](crate) for the DSN, the capabilities and the bulk states.
///
/// ```
/// use bramka_infobip::{InfobipConfig, InfobipGateway};
/// use bramka_core::{Capability, Gateway};
///
/// let config = InfobipConfig::builder("xxxxx.api.infobip.com", "api-key").sender("Shop").build().unwrap();
/// let gateway = InfobipGateway::new(config).unwrap();
/// assert!(gateway.capabilities().supports(Capability::Schedule));
/// ```
pub struct InfobipGateway {
    pub(crate) config: InfobipConfig,
    http: reqwest::Client,
    /// Removes the API key from every text quoted from Infobip's answers.
    pub(crate) scrub: bramka_core::http::Scrubber,
    /// `App <key>`, marked sensitive so HTTP-level debug output never shows it.
    auth: crate::credentials::Authorization,
    caps: Capabilities,
    /// Bulks seen in a status from which no change is possible (it never changes back), so a
    /// later illegal change is refused without any request.
    pub(crate) settled_bulks: Mutex<HashMap<String, BulkStatus>>,
}

impl fmt::Debug for InfobipGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfobipGateway").field("config", &self.config).finish_non_exhaustive()
    }
}

impl InfobipGateway {
    /// A gateway for one account.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`] when the HTTP client cannot be built or the
    /// credentials are not a valid header value.
    pub fn new(config: InfobipConfig) -> Result<Self, Error> {
        let http = config.http.client()?;
        let (auth, scrub) = crate::credentials::authorization(&config)?;
        let caps = Capabilities::new()
            .with_batch_size(MAX_RECIPIENTS)
            .with(Capability::Schedule)
            .with(Capability::Cancel)
            .with(Capability::Reschedule)
            .with(Capability::Pause)
            .with(Capability::Status)
            .with(Capability::Balance)
            .with(Capability::DeliveryWebhook)
            .with(Capability::InboundWebhook)
            .with(Capability::LinkShortening)
            .with(Capability::Flash)
            .with(Capability::Validity)
            .with_max_parts(MAX_PARTS)
            .with_idempotency(config.idempotency);
        Ok(InfobipGateway { config, http, scrub, auth, caps, settled_bulks: Mutex::new(HashMap::new()) })
    }

    /// The configuration.
    pub fn config(&self) -> &InfobipConfig {
        &self.config
    }

    /// The per-recipient `messageId` this gateway sends for `to`: the message's client
    /// reference followed by the recipient's digits, the same on every retry.
    pub fn message_id_for(message: &Message, to: &PhoneNumber) -> String {
        message.client_ref().for_recipient(to)
    }

    /// The `bulkId` this gateway sends for `message`: its client reference, the same on every
    /// retry. It is the id [`Gateway::cancel`], [`Gateway::pause`], [`Gateway::resume`] and
    /// [`Gateway::reschedule`] take for a scheduled message of up to [`MAX_RECIPIENTS`]
    /// recipients (one request); see [`bulk_ids_for`](Self::bulk_ids_for) for larger ones.
    pub fn bulk_id_for(message: &Message) -> String {
        message.client_ref().as_str().to_owned()
    }

    /// The `bulkId`s of every request a send of `message` makes: [`bulk_id_for`](Self::bulk_id_for)
    /// for the first [`MAX_RECIPIENTS`] recipients, then `<reference>-2`, `<reference>-3`, … for
    /// each further request (one bulk per request). A scheduled message of more than
    /// [`MAX_RECIPIENTS`] recipients is cancelled, paused or rescheduled bulk by bulk.
    pub fn bulk_ids_for(message: &Message) -> Vec<String> {
        let n = message.recipients().len().div_ceil(MAX_RECIPIENTS).max(1);
        (0..n).map(|i| chunk_bulk_id(message, i)).collect()
    }

    /// Sends with Infobip options other than the gateway's defaults: the checks every bramka
    /// operator makes ([`bramka_core::preflight`]), then one request per [`MAX_RECIPIENTS`]
    /// recipients ([`bramka_core::chunked::send_in_chunks`]: the first failed request stops
    /// the send, later recipients are `NotAttempted`).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Message`] before any request when `options` are invalid,
    /// [`preflight`](bramka_core::preflight::preflight) refuses the message, or its send time is more than
    /// [`MAX_SCHEDULE_AHEAD_DAYS`] days ahead. A failed request's error is returned as
    /// [`send_in_chunks`](bramka_core::chunked::send_in_chunks) says (the first request failing before
    /// anything was sent, or the only request):
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn send_with(&self, message: &Message, options: &InfobipOptions) -> Result<SendReport, Error> {
        options.validate()?;
        let notes = bramka_core::preflight::preflight(GATEWAY, &self.caps, message)?;
        self.check_send_at(message.send_at())?;
        let mut report = SendReport::new(GATEWAY, message);
        for n in notes {
            report.note(n);
        }
        let mut index = 0;
        bramka_core::chunked::send_in_chunks(report, message, self.caps.batch_size, |chunk| {
            let bulk_id = chunk_bulk_id(message, index);
            index += 1;
            async move {
                let (mut out, batch_id) =
                    self.request_messages(&[(message, chunk)], bulk_id, options).await?;
                let (recipients, notes) = out.pop().unwrap_or_default();
                let mut c = ChunkReport::from(recipients).with_batch_id(batch_id);
                c.notes = notes;
                Ok(c)
            }
        })
        .await
    }

    /// Sends several messages (each with its own text, sender and recipients) in **one**
    /// request, hence one bulk: they share the first message's `send_at` (all must have the
    /// same) and the bulk id of the first message ([`bulk_id_for`](Self::bulk_id_for)), so pass
    /// the same list, in the same order, on a retry. One [`SendReport`] per message, in order.
    ///
    /// Refused before any request: no messages, different `send_at`s, more than
    /// [`MAX_RECIPIENTS`] recipients in all (use [`send_with`](Self::send_with), which
    /// splits), two messages with the same client reference and a common recipient (their
    /// `messageId`s would collide), invalid options, anything [`bramka_core::preflight`] refuses.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Message`] for each refusal listed above (a send time more
    /// than [`MAX_SCHEDULE_AHEAD_DAYS`] days ahead included), before any request.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn send_batch(
        &self,
        messages: &[Message],
        options: &InfobipOptions,
    ) -> Result<Vec<SendReport>, Error> {
        options.validate()?;
        let refuse = |m: String| Err(Error::message(m).with_gateway(GATEWAY));
        let Some(first) = messages.first() else {
            return refuse("no messages to send".to_owned());
        };
        let n: usize = messages.iter().map(|m| m.recipients().len()).sum();
        if n > MAX_RECIPIENTS {
            return refuse(format!(
                "{n} recipients in one request; Infobip takes at most {MAX_RECIPIENTS} per request: split it"
            ));
        }
        let send_at = first.send_at();
        if let Some(i) = messages.iter().position(|m| m.send_at() != send_at) {
            return refuse(format!(
                "message #{} has another send_at than message #1; one Infobip request has one sendAt: send them separately",
                i + 1
            ));
        }
        self.check_send_at(send_at)?;
        let mut pre = Vec::with_capacity(messages.len());
        for m in messages {
            pre.push(bramka_core::preflight::preflight(GATEWAY, &self.caps, m)?);
        }
        let mut seen = std::collections::HashSet::new();
        for m in messages {
            for to in m.recipients() {
                let id = Self::message_id_for(m, to);
                if !seen.insert(id.clone()) {
                    return refuse(format!(
                        "messageId {id} would be used twice in one request (same client reference and recipient)"
                    ));
                }
            }
        }
        let parts: Vec<(&Message, &[PhoneNumber])> = messages.iter().map(|m| (m, m.recipients())).collect();
        let (out, batch_id) = self.request_messages(&parts, Self::bulk_id_for(first), options).await?;
        Ok(messages
            .iter()
            .zip(out)
            .zip(pre)
            .map(|((message, (recipients, notes)), pre)| {
                let mut report = SendReport::new(GATEWAY, message).with_batch_id(batch_id.clone());
                report.notes = pre;
                report.notes.extend(notes);
                for r in recipients {
                    report.push(r);
                }
                report
            })
            .collect())
    }

    /// Refuses a `send_at` more than [`MAX_SCHEDULE_AHEAD_DAYS`] ahead.
    fn check_send_at(&self, send_at: Option<DateTime<Utc>>) -> Result<(), Error> {
        if let Some(at) = send_at {
            let latest = self.config.clock.now() + chrono::Duration::days(MAX_SCHEDULE_AHEAD_DAYS);
            if at > latest {
                return Err(Error::message(format!(
                    "send_at {} is more than {MAX_SCHEDULE_AHEAD_DAYS} days ahead; Infobip accepts up to {}",
                    crate::datetime::format(at),
                    crate::datetime::format(latest)
                ))
                .with_gateway(GATEWAY));
            }
        }
        Ok(())
    }

    /// ONE `POST /sms/3/messages` for `parts` (a message and the recipients of it this request
    /// carries; all with the same `send_at`). Per part: a report per recipient, in order, and
    /// notes. Also the bulk id Infobip answered (else `bulk_id`).
    async fn request_messages(
        &self,
        parts: &[(&Message, &[PhoneNumber])],
        bulk_id: String,
        options: &InfobipOptions,
    ) -> Result<(Vec<(Vec<RecipientReport>, Vec<String>)>, String), Error> {
        let send_at = parts.first().and_then(|(m, _)| m.send_at());
        let mut notes: Vec<Vec<String>> = vec![Vec::new(); parts.len()];
        let body = wire::SendRequest {
            messages: parts
                .iter()
                .zip(notes.iter_mut())
                .map(|((m, to), n)| self.sms_message(m, to, options, n))
                .collect(),
            options: Some(wire::RequestOptions {
                schedule: wire::Schedule {
                    bulk_id: bulk_id.clone(),
                    send_at,
                    sending_speed_limit: options
                        .speed_limit
                        .map(|s| wire::SpeedLimitWire { amount: s.amount, time_unit: s.per.as_str() }),
                },
                // A message that asks for short links gets Infobip's own shortening.
                tracking: parts
                    .iter()
                    .any(|(m, _)| m.shorten_links())
                    .then_some(wire::UrlOptions { shorten_url: true, track_clicks: false }),
                include_sms_count_in_response: true,
            }),
        };
        let resp: wire::SendResponse =
            self.request(Op::Send, Method::POST, "/sms/3/messages", &[], Some(&body)).await?;
        drop(body);
        Ok(send_reports(parts, bulk_id, resp, notes))
    }

    /// One `messages[]` entry of the request.
    fn sms_message(
        &self,
        message: &Message,
        recipients: &[PhoneNumber],
        options: &InfobipOptions,
        notes: &mut Vec<String>,
    ) -> wire::SmsMessage {
        let destinations = recipients
            .iter()
            .map(|to| wire::Destination {
                to: to.digits().to_owned(),
                message_id: Self::message_id_for(message, to),
            })
            .collect();
        let sender = message.sender().or(self.config.sender.as_ref()).map(|s| match s {
            Sender::Number(n) => n.digits().to_owned(),
            other => other.as_string(),
        });
        let content = wire::TextContent {
            text: message.text().to_owned(),
            transliteration: options.transliteration.map(|t| t.as_str()),
            language: options.language.map(|l| wire::Language {
                language_code: l.code.as_str(),
                single_shift: l.single_shift,
                locking_shift: l.locking_shift,
            }),
        };
        let msg_options = wire::MessageOptions {
            validity_period: message
                .validity()
                .map(|d| wire::ValidityPeriod { amount: validity_minutes(d, notes), time_unit: "MINUTES" }),
            campaign_reference_id: options.campaign_reference.clone(),
            flash: message.is_flash().then_some(true),
        };
        let url = message.callback_url().map(|u| u.to_string());
        let delivery = (url.is_some() || options.intermediate_reports || options.delivery_reports.is_some())
            .then(|| wire::DeliveryWebhook {
                url: url.clone(),
                intermediate_report: options.intermediate_reports.then_some(true),
                notify: options.delivery_reports,
            });
        let webhooks = wire::Webhooks {
            delivery,
            content_type: url.is_some().then_some("application/json"),
            callback_data: Some(
                options.callback_data.clone().unwrap_or_else(|| message.client_ref().as_str().to_owned()),
            ),
        };
        wire::SmsMessage {
            sender,
            destinations,
            content,
            options: (!msg_options.is_empty()).then_some(msg_options),
            webhooks: Some(webhooks),
        }
    }

    /// One page of outbound logs (`GET /sms/3/logs`).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Other`] before any request when a `messageId` or `bulkId`
    /// list is longer than 2048 characters or the limit is not 1 to 1000.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn logs(&self, query: &LogsQuery) -> Result<LogsPage, Error> {
        let mut q: Vec<(&str, String)> = Vec::new();
        for (key, ids) in [("messageId", &query.message_ids), ("bulkId", &query.bulk_ids)] {
            if ids.is_empty() {
                continue;
            }
            let joined = ids.join(",");
            if joined.len() > 2048 {
                return Err(Error::new(
                    ErrorKind::Other,
                    Certainty::NotSent,
                    format!(
                        "{key} list is {} characters long; Infobip accepts at most 2048: query in parts",
                        joined.len()
                    ),
                )
                .with_gateway(GATEWAY));
            }
            q.push((key, joined));
        }
        if let Some(s) = query.sent_since {
            q.push(("sentSince", crate::datetime::format(s)));
        }
        if let Some(u) = query.sent_until {
            q.push(("sentUntil", crate::datetime::format(u)));
        }
        if let Some(l) = query.limit {
            q.push(("limit", check_limit(l)?.to_string()));
        }
        if let Some(c) = &query.cursor {
            q.push(("useCursor", "true".to_owned()));
            if !c.is_empty() {
                q.push(("cursor", c.clone()));
            }
        }
        let env: wire::ReportsEnvelope =
            self.request(Op::Read, Method::GET, "/sms/3/logs", &q, None::<&()>).await?;
        logs_page(env, &self.scrub)
    }

    /// Delivery reports not yet handed out (`GET /sms/3/reports`). Each report is returned only
    /// once, and not pushed to a webhook afterwards: use either pull or push. An entry that
    /// cannot be read is in [`Pulled::skipped`], the others are kept.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Other`] before any request when the limit is not 1 to 1000.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn delivery_reports(&self, query: &ReportsQuery) -> Result<Pulled<DeliveryReport>, Error> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(b) = &query.bulk_id {
            q.push(("bulkId", b.clone()));
        }
        if let Some(m) = &query.message_id {
            q.push(("messageId", m.clone()));
        }
        if let Some(l) = query.limit {
            q.push(("limit", check_limit(l)?.to_string()));
        }
        let env: wire::ReportsEnvelope =
            self.request(Op::Read, Method::GET, "/sms/3/reports", &q, None::<&()>).await?;
        let (items, skipped) =
            reports::decode_each("/sms/3/reports", env.results, &self.scrub, reports::delivery_report);
        Ok(Pulled { items, skipped })
    }

    /// Inbound messages not yet handed out (`GET /sms/1/inbox/reports`); each is returned once.
    /// An entry that cannot be read is in [`Pulled::skipped`], the others are kept.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Other`] before any request when `limit` is not 1 to 1000.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn inbound_messages(&self, limit: Option<u32>) -> Result<Pulled<InboundMessage>, Error> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(l) = limit {
            q.push(("limit", check_limit(l)?.to_string()));
        }
        let env: wire::InboundEnvelope =
            self.request(Op::Read, Method::GET, "/sms/1/inbox/reports", &q, None::<&()>).await?;
        let now = self.config.clock.now();
        let (items, skipped) = reports::decode_each("/sms/1/inbox/reports", env.results, &self.scrub, |i| {
            reports::inbound_message(i, now)
        });
        Ok(Pulled { items, skipped })
    }

    /// What Infobip's logs say about each recipient of `message`: the way to settle a send that
    /// failed with [`Certainty::MaybeSent`] before retrying it. `None` for a recipient means no
    /// log entry (yet: logs may lag a little behind a send, and cover 48 hours).
    ///
    /// # Errors
    ///
    /// Returns what [`logs`](Self::logs) returns for the first query that fails.
    pub async fn reconcile(
        &self,
        message: &Message,
    ) -> Result<Vec<(PhoneNumber, Option<DeliveryReport>)>, Error> {
        let ids: Vec<String> =
            message.recipients().iter().map(|to| Self::message_id_for(message, to)).collect();
        let mut found: Vec<DeliveryReport> = Vec::new();
        // Keep each query under the 2048-character limit of the id list.
        let mut chunk: Vec<String> = Vec::new();
        let mut len = 0;
        for id in ids.iter().chain(std::iter::once(&String::new())) {
            let flush = id.is_empty() || len + id.len() + 1 > 2048;
            if flush && !chunk.is_empty() {
                let mut q = LogsQuery::new().limit(1000);
                q.message_ids = std::mem::take(&mut chunk);
                found.extend(self.logs(&q).await?.reports);
                len = 0;
            }
            if !id.is_empty() {
                len += id.len() + 1;
                chunk.push(id.clone());
            }
        }
        Ok(message
            .recipients()
            .iter()
            .zip(ids)
            .map(|(to, id)| (to.clone(), best_entry(&found, &id).cloned()))
            .collect())
    }

    /// Sends one request and decodes a 200 answer; any other status is an error classified by
    /// [`errors::http_error`].
    pub(crate) async fn request<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        op: Op,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T, Error> {
        let mut url = self.config.base_url.join(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut req = self
            .auth
            .apply(self.http.request(method.clone(), url))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(b) = body {
            req = req.json(b);
        }
        tracing::debug!(gateway = GATEWAY, %method, path, "request");
        let call = if op == Op::Read { Call::Read } else { Call::Send };
        let resp = req.send().await.map_err(|e| {
            let err = bramka_core::http::transport_error(GATEWAY, &e);
            if call == Call::Read { err.with_certainty(Certainty::NotSent) } else { err }
        })?;
        for h in ["deprecation", "sunset"] {
            if let Some(v) = resp.headers().get(h).and_then(|v| v.to_str().ok()) {
                tracing::warn!(
                    gateway = GATEWAY,
                    path,
                    header = h,
                    value = v,
                    "Infobip marks this endpoint as deprecated"
                );
            }
        }
        let answer = Answer::read(resp, GATEWAY, call, BODY_LIMIT).await?;
        self.decode_answer(op, path, answer)
    }

    /// What an answer from `path` means: a 200 decoded as `T`, any other status an error
    /// classified by [`errors::http_error`].
    pub(crate) fn decode_answer<T: DeserializeOwned>(
        &self,
        op: Op,
        path: &str,
        answer: Answer,
    ) -> Result<T, Error> {
        let call = if op == Op::Read { Call::Read } else { Call::Send };
        let status = answer.status;
        if !answer.is_success() {
            let text = self.scrub.scrub(&String::from_utf8_lossy(&answer.body));
            let e = errors::http_error(op, status, answer.retry_after, &text);
            tracing::debug!(gateway = GATEWAY, path, status, error = %e, "error response");
            return Err(e);
        }
        serde_json::from_slice(&answer.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                call.ambiguous(),
                self.scrub.scrub(&format!("undecodable answer from {path} (HTTP {status}): {e}")),
            )
            .with_gateway(GATEWAY)
            .with_http_status(status)
        })
    }
}

impl InfobipGateway {
    /// [`set_bulk_status`](Self::set_bulk_status), then checks the status Infobip answers: a
    /// cancel must answer CANCELED, a pause PAUSED, a resume PENDING or PROCESSING (a resumed
    /// bulk whose send time has passed goes on sending). Anything else is an
    /// [`ErrorKind::InvalidState`] error naming both statuses; the change may have happened, so it
    /// is [`Certainty::MaybeSent`].
    async fn set_bulk_status_checked(&self, id: &str, to: BulkStatus) -> Result<(), Error> {
        let now = self.set_bulk_status(id, to.clone()).await?;
        let ok = match to {
            BulkStatus::Pending => matches!(now, BulkStatus::Pending | BulkStatus::Processing),
            _ => now == to,
        };
        if ok {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InvalidState,
            Certainty::MaybeSent,
            format!(
                "Infobip answered status {} for bulk {id:?} after being asked for {}",
                self.scrub.scrub(now.as_str()),
                to.as_str()
            ),
        )
        .with_gateway(GATEWAY))
    }
}

/// One part of a send request: a report per recipient, in order, and notes.
pub(crate) type PartReports = (Vec<RecipientReport>, Vec<String>);

/// The reports of a send request's `parts` from Infobip's answer (see `request_messages`).
pub(crate) fn send_reports(
    parts: &[(&Message, &[PhoneNumber])],
    bulk_id: String,
    resp: wire::SendResponse,
    notes: Vec<Vec<String>>,
) -> (Vec<PartReports>, String) {
    let batch_id = resp.bulk_id.clone().unwrap_or(bulk_id);
    let all_ids: std::collections::HashSet<String> =
        parts.iter().flat_map(|(m, to)| to.iter().map(|t| InfobipGateway::message_id_for(m, t))).collect();
    let mut items: Vec<Option<wire::SendResponseItem>> = resp.messages.into_iter().map(Some).collect();
    let mut index = 0;
    let mut out = Vec::with_capacity(parts.len());
    for ((message, recipients), mut notes) in parts.iter().zip(notes) {
        let mut reports = Vec::with_capacity(recipients.len());
        for to in recipients.iter() {
            let wanted = InfobipGateway::message_id_for(message, to);
            let item = take_item(&mut items, &wanted, to, index, &all_ids);
            index += 1;
            reports.push(recipient_report(message, to, wanted, item, &mut notes));
        }
        out.push((reports, notes));
    }
    (out, batch_id)
}

/// One page of logs from its wire form.
pub(crate) fn logs_page(
    env: wire::ReportsEnvelope,
    scrub: &bramka_core::http::Scrubber,
) -> Result<LogsPage, Error> {
    let next_cursor = env.cursor.and_then(|c| c.next_cursor).filter(|c| !c.is_empty());
    let (reports, skipped) =
        reports::decode_each("/sms/3/logs", env.results, scrub, reports::delivery_report);
    Ok(LogsPage { reports, next_cursor, skipped })
}

/// The status of `message_id` from a page of its logs (see `Gateway::status`).
pub(crate) fn status_in(page: &LogsPage, message_id: &str) -> Result<DeliveryReport, Error> {
    best_entry(&page.reports, message_id).cloned().ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            Certainty::NotSent,
            format!("no log entry for message id {message_id:?} (logs cover 48 h and may lag behind a send)"),
        )
        .with_gateway(GATEWAY)
    })
}

/// The bulk id of the `index`th request (from 0) of a send of `message`.
fn chunk_bulk_id(message: &Message, index: usize) -> String {
    let base = InfobipGateway::bulk_id_for(message);
    if index == 0 { base } else { format!("{base}-{}", index + 1) }
}

/// The response entry of one destination: by our `messageId`, else (Infobip-generated ids) by
/// destination, else by position. Infobip does not document the response order.
fn take_item(
    items: &mut [Option<wire::SendResponseItem>],
    wanted: &str,
    to: &PhoneNumber,
    index: usize,
    all_ids: &std::collections::HashSet<String>,
) -> Option<wire::SendResponseItem> {
    let by_id =
        items.iter().position(|it| it.as_ref().is_some_and(|it| it.message_id.as_deref() == Some(wanted)));
    // An entry echoing another of our ids belongs to that recipient.
    let ours = |it: &wire::SendResponseItem| it.message_id.as_ref().is_none_or(|m| !all_ids.contains(m));
    let by_destination = || {
        items.iter().position(|it| {
            it.as_ref().is_some_and(|it| ours(it) && it.destination.as_deref() == Some(to.digits()))
        })
    };
    let by_index = || {
        items
            .get(index)
            .and_then(|it| it.as_ref())
            .filter(|it| it.destination.is_none() && ours(it))
            .map(|_| index)
    };
    let pos = by_id.or_else(by_destination).or_else(by_index)?;
    items[pos].take()
}

/// The report of one recipient; a missing entry may have been sent.
fn recipient_report(
    message: &Message,
    to: &PhoneNumber,
    wanted: String,
    item: Option<wire::SendResponseItem>,
    notes: &mut Vec<String>,
) -> RecipientReport {
    let Some(item) = item else {
        return RecipientReport::new(
            to.clone(),
            SendState::Rejected(
                Error::new(
                    ErrorKind::Decode,
                    Certainty::MaybeSent,
                    format!("Infobip's answer has no entry for messageId {wanted}"),
                )
                .with_gateway(GATEWAY),
            ),
        );
    };
    let state = send_state(&item, message.send_at().is_some());
    let mut r =
        RecipientReport::new(to.clone(), state).with_message_id(item.message_id.clone().unwrap_or(wanted));
    if let Some(parts) = wire::count(item.details.as_ref().and_then(|d| d.message_count).or(item.sms_count)) {
        r = r.with_parts(parts);
        if parts as usize != message.analysis().segments() {
            notes.push(format!(
                "Infobip counted {parts} part(s) for {}, bramka's analysis {}",
                to.masked(),
                message.analysis().segments()
            ));
        }
    }
    r
}

/// The log entry of `message_id` that describes the message itself: an entry for a rejected
/// duplicate submission (status 23) only when there is no other.
fn best_entry<'a>(reports: &'a [DeliveryReport], message_id: &str) -> Option<&'a DeliveryReport> {
    let mine = || reports.iter().filter(move |r| r.message_id == message_id);
    let duplicate = |r: &DeliveryReport| r.raw.get("status_id").map(String::as_str) == Some("23");
    mine().find(|r| !duplicate(r)).or_else(|| mine().next())
}

/// The state of one destination in a send response.
fn send_state(item: &wire::SendResponseItem, scheduled: bool) -> SendState {
    let Some(status) = &item.status else {
        return if scheduled { SendState::Scheduled } else { SendState::Accepted };
    };
    let id = status.id.unwrap_or(-1);
    let group = status.group();
    if id == DUPLICATE_MESSAGE_ID {
        // The messageId was used before: an earlier attempt of this very send was accepted.
        return SendState::AlreadyAccepted;
    }
    let state = errors::delivery_state(id, group, None);
    use bramka_core::DeliveryState as D;
    match state {
        D::Rejected | D::Undelivered | D::Expired | D::Failed | D::Canceled => {
            let name = status
                .name
                .as_deref()
                .or_else(|| errors::status_row(id).map(|r| r.name))
                .unwrap_or("REJECTED");
            let text = match &status.description {
                Some(d) => format!("{name}: {d}"),
                None => name.to_owned(),
            };
            SendState::Rejected(
                Error::new(errors::rejection_kind(id), Certainty::NotSent, text)
                    .with_gateway(GATEWAY)
                    .with_code(id.to_string()),
            )
        }
        _ if scheduled => SendState::Scheduled,
        _ => SendState::Accepted,
    }
}

/// Whole minutes (rounded up), clamped to 48 h; every adjustment is noted.
fn validity_minutes(d: Duration, notes: &mut Vec<String>) -> u32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let mut minutes = secs.div_ceil(60).max(1);
    if Duration::from_secs(minutes * 60) != d {
        notes.push(format!(
            "validity period of {}s rounded up to {minutes} minute(s): Infobip takes whole minutes",
            d.as_secs_f64()
        ));
    }
    if minutes > MAX_VALIDITY_MINUTES {
        notes.push(format!(
            "validity period of {minutes} minutes clamped to {MAX_VALIDITY_MINUTES} minutes (48 h), Infobip's maximum"
        ));
        minutes = MAX_VALIDITY_MINUTES;
    }
    minutes as u32
}

fn check_limit(l: u32) -> Result<u32, Error> {
    if (1..=1000).contains(&l) {
        Ok(l)
    } else {
        Err(Error::new(
            ErrorKind::Other,
            Certainty::NotSent,
            format!("limit {l} is out of range; Infobip accepts 1 to 1000"),
        )
        .with_gateway(GATEWAY))
    }
}

#[async_trait]
impl Gateway for InfobipGateway {
    fn id(&self) -> &str {
        GATEWAY
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        self.send_with(message, &self.config.options).await
    }

    /// The latest log entry of a message id (`GET /sms/3/logs?messageId=`).
    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        let page = self.logs(&LogsQuery::new().message_id(message_id)).await?;
        status_in(&page, message_id)
    }

    async fn cancel(&self, id: &str) -> Result<(), Error> {
        self.set_bulk_status_checked(id, BulkStatus::Canceled).await
    }

    async fn reschedule(&self, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
        self.reschedule_bulk(id, at).await.map(drop)
    }

    async fn pause(&self, id: &str) -> Result<(), Error> {
        self.set_bulk_status_checked(id, BulkStatus::Paused).await
    }

    async fn resume(&self, id: &str) -> Result<(), Error> {
        self.set_bulk_status_checked(id, BulkStatus::Pending).await
    }

    async fn balance(&self) -> Result<Balance, Error> {
        let b: wire::BalanceWire =
            self.request(Op::Read, Method::GET, "/account/1/balance", &[], None::<&()>).await?;
        let missing = |field| crate::errors::IncompleteAnswer::read("GET /account/1/balance", field);
        Ok(Balance::new(b.balance.ok_or(missing("balance"))?, b.currency.ok_or(missing("currency"))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every send-time rejection row through the code that reads a send response's status.
    #[test]
    fn every_rejection_row_maps_as_documented() {
        bramka_core::testing::conformance::check_error_rows(errors::REJECTIONS, |code| {
            let item = serde_json::json!({"messageId": "m", "status": {"groupId": 5, "id": code.parse::<i64>().unwrap()}});
            let item: wire::SendResponseItem = serde_json::from_value(item).unwrap();
            match send_state(&item, false) {
                SendState::Rejected(e) => e,
                other => panic!("status {code}: {other:?}"),
            }
        });
    }

    #[test]
    fn validity_rounded_and_clamped_with_notes() {
        let mut notes = Vec::new();
        assert_eq!(validity_minutes(Duration::from_secs(600), &mut notes), 10);
        assert!(notes.is_empty());
        assert_eq!(validity_minutes(Duration::from_secs(2880 * 60), &mut notes), 2880);
        assert!(notes.is_empty());
        assert_eq!(validity_minutes(Duration::from_secs(90), &mut notes), 2);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("rounded up to 2"), "{notes:?}");
        notes.clear();
        assert_eq!(validity_minutes(Duration::from_secs(72 * 3600), &mut notes), 2880);
        assert_eq!(
            notes,
            ["validity period of 4320 minutes clamped to 2880 minutes (48 h), Infobip's maximum"]
        );
        notes.clear();
        assert_eq!(validity_minutes(Duration::from_millis(1), &mut notes), 1);
        assert_eq!(notes.len(), 1);
        notes.clear();
        // Found by proptest: a fraction of a second short of a whole minute is still rounded.
        assert_eq!(validity_minutes(Duration::from_millis(13_499_001), &mut notes), 225);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn limits_checked() {
        assert!(check_limit(0).is_err());
        assert!(check_limit(1001).is_err());
        assert_eq!(check_limit(1000).unwrap(), 1000);
    }

    proptest::proptest! {
        /// The minutes sent are always 1..=2880, never less than asked (up to the cap), and every
        /// adjustment is noted.
        #[test]
        fn validity_always_in_range_and_noted(ms in 1u64..1_000_000_000) {
            let d = Duration::from_millis(ms);
            let mut notes = Vec::new();
            let m = u64::from(validity_minutes(d, &mut notes));
            proptest::prop_assert!((1..=MAX_VALIDITY_MINUTES).contains(&m));
            let exact = ms % 60_000 == 0 && ms / 60_000 <= MAX_VALIDITY_MINUTES;
            proptest::prop_assert_eq!(notes.is_empty(), exact);
            if ms <= MAX_VALIDITY_MINUTES * 60_000 {
                proptest::prop_assert!(m * 60_000 >= ms && (m - 1) * 60_000 < ms);
            } else {
                proptest::prop_assert_eq!(m, MAX_VALIDITY_MINUTES);
            }
        }
    }
}
