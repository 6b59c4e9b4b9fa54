//! [`SmsapiGateway`]: the [`Gateway`] implementation over SMSAPI's HTTP API.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bramka_core::chunked::{ChunkReport, send_in_chunks};
use bramka_core::http::{
    Scrubber, certainty_for_status, kind_for_status, read_limited, retry_after, transport_error,
};
use bramka_core::preflight::preflight;
use bramka_core::{
    Balance, Capabilities, Capability, Certainty, DeliveryReport, Error, ErrorKind, Gateway, Idempotency,
    Message, PhoneNumber, Price, RecipientReport, SendReport, SendState, Sender,
};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;
use url::Url;

use crate::account::{SenderName, SenderNameStatus};
use crate::assumptions::{ECO_SENDER, TWO_WAY_SENDER, format_time, number_sender};
use crate::config::{MessageType, SMSAPI_MAX_PARTS, SmsapiConfig};
use crate::errors::{DUPLICATE_IDX, api_error};
use crate::status::state_of;
use crate::wire::{self, ErrorValue, SmsItem, SmsResponse, Str, Text, text};

/// The gateway id, in reports and errors.
pub(crate) const GATEWAY_ID: &str = "smsapi";

/// The largest answer read (a 1,000-recipient `sms.do` answer with details is about 250 KiB).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The SMSAPI gateway (smsapi.pl, smsapi.com or any compatible base URL).
///
/// Every send request carries one `idx` per recipient (the message's
/// [`ClientRef::for_recipient`](bramka_core::ClientRef::for_recipient), pipe-separated in recipient
/// order) and `check_idx=1`: SMSAPI refuses a second request with an already accepted `idx` (error
/// 53), which this gateway reports as [`SendState::AlreadyAccepted`]. A retry after a timeout can
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
    config: SmsapiConfig,
    http: reqwest::Client,
    caps: Capabilities,
    /// `sms.do` joined to the base URL once: every send, status and cancel request goes there.
    sms_do: Url,
    /// Removes the token from answers quoted in errors.
    scrubber: Scrubber,
}

impl fmt::Debug for SmsapiGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsapiGateway").field("id", &GATEWAY_ID).field("config", &self.config).finish()
    }
}

/// An HTTP answer, read in full.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl Answer {
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What `sms.do` answered (borrowing from the answer's bytes).
enum SmsOutcome<'a> {
    /// A `count` + `list` answer.
    Answer(SmsResponse<'a>),
    /// Error 53: an `idx` of the request was already accepted.
    Duplicate,
}

/// What one send request produced.
enum ChunkOutcome {
    Reports(Vec<RecipientReport>),
    Duplicate,
}

impl SmsapiGateway {
    /// A gateway for `config`. Fails only if the HTTP client cannot be built.
    pub fn new(config: SmsapiConfig) -> Result<Self, Error> {
        let http = match &config.client {
            Some(c) => c.clone(),
            None => bramka_core::http::client(config.timeouts)?,
        };
        let caps = Capabilities::new()
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
            .with_max_parts(config.max_parts.unwrap_or(SMSAPI_MAX_PARTS))
            .with_idempotency(Idempotency::ServerDedupe);
        let sms_do = join(&config.base_url, "sms.do");
        let scrubber = Scrubber::new([config.token.expose()]);
        Ok(SmsapiGateway { config, http, caps, sms_do, scrubber })
    }

    /// The configuration.
    pub fn config(&self) -> &SmsapiConfig {
        &self.config
    }

    /// The sender names registered on the account, with their status (`GET /sms/sendernames`).
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

    fn url(&self, path: &str) -> Url {
        if path == "sms.do" { self.sms_do.clone() } else { join(&self.config.base_url, path) }
    }

    /// Removes the token from text that came from the wire, in case a server echoes it.
    fn scrub(&self, text: &str) -> String {
        self.scrubber.scrub(text)
    }

    async fn read(&self, resp: reqwest::Response) -> Result<Answer, Error> {
        let status = resp.status().as_u16();
        let retry_after = retry_after(resp.headers());
        let body = read_limited(resp, BODY_LIMIT)
            .await
            .map_err(|e| e.into_error(GATEWAY_ID, Certainty::MaybeSent).with_http_status(status))?;
        Ok(Answer { status, retry_after, body })
    }

    async fn post_form(&self, path: &str, form: &[(&'static str, String)]) -> Result<Answer, Error> {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(self.config.token.expose())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(form))
            .send()
            .await
            .map_err(|e| transport_error(GATEWAY_ID, &e))?;
        self.read(resp).await
    }

    async fn get(&self, path: &str, query: &[(&'static str, &'static str)]) -> Result<Answer, Error> {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(self.config.token.expose())
            .header(ACCEPT, "application/json")
            .query(query)
            .send()
            .await
            .map_err(|e| transport_error(GATEWAY_ID, &e))?;
        self.read(resp).await
    }

    /// A short, scrubbed excerpt of a body for error messages.
    fn excerpt(&self, body: &[u8]) -> String {
        self.scrubber.excerpt(body, 200)
    }

    fn status_error(&self, a: &Answer, detail: Option<&str>) -> Error {
        let text = match detail.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => format!("SMSAPI answered HTTP {}: {}", a.status, self.scrub(d)),
            None => format!("SMSAPI answered HTTP {}", a.status),
        };
        let mut e = Error::new(kind_for_status(a.status), certainty_for_status(a.status), text)
            .with_gateway(GATEWAY_ID)
            .with_http_status(a.status);
        if let Some(d) = a.retry_after {
            e = e.with_retry_after(d);
        }
        e
    }

    fn code_error(&self, a: &Answer, code: u32, message: Option<&str>) -> Error {
        let msg = message.map(|m| self.scrub(m));
        let mut e = api_error(code, msg.as_deref(), Some(a.status));
        if e.retry_after().is_none()
            && let Some(d) = a.retry_after
        {
            e = e.with_retry_after(d);
        }
        e
    }

    /// Interprets an `sms.do` answer. An `error` code in a JSON body is an API error whatever the
    /// HTTP status; otherwise non-2xx is classified by status; a 2xx without `list` is undecodable.
    fn interpret_sms<'a>(&self, a: &'a Answer, list_hint: usize) -> Result<SmsOutcome<'a>, Error> {
        match decode_sms(&a.body, list_hint) {
            Ok(r) => match r.error.as_ref().and_then(wire::ErrorField::value) {
                Some(ErrorValue::Code(DUPLICATE_IDX)) => Ok(SmsOutcome::Duplicate),
                Some(ErrorValue::Code(code)) => {
                    let mut msg = r.message.map(Str::into_string).unwrap_or_default();
                    if let Some(inv) = r.invalid_numbers.as_ref().filter(|v| !v.is_empty()) {
                        let list: Vec<String> = inv.iter().map(describe_invalid).collect();
                        let sep = if msg.trim().is_empty() { "" } else { "; " };
                        msg = format!("{msg}{sep}invalid numbers: {}", list.join(", "));
                    }
                    Err(self.code_error(a, code, Some(&msg)))
                }
                Some(ErrorValue::Word(w)) => {
                    let detail = format!("{w}: {}", r.message.as_ref().map_or("", Str::as_str));
                    if a.is_success() {
                        Err(Error::new(ErrorKind::Other, Certainty::MaybeSent, self.scrub(&detail))
                            .with_gateway(GATEWAY_ID)
                            .with_http_status(a.status))
                    } else {
                        Err(self.status_error(a, Some(&detail)))
                    }
                }
                None if !a.is_success() => Err(self.status_error(a, r.message.as_ref().map(Str::as_str))),
                None if r.list.is_some() => Ok(SmsOutcome::Answer(r)),
                None => Err(self.decode_error(a, "the answer has neither `list` nor `error`")),
            },
            Err(_) => {
                let text = String::from_utf8_lossy(&a.body);
                match wire::legacy_error_code(&text) {
                    Some(DUPLICATE_IDX) => Ok(SmsOutcome::Duplicate),
                    Some(code) => Err(self.code_error(a, code, None)),
                    None if !a.is_success() => Err(self.status_error(a, Some(&self.excerpt(&a.body)))),
                    None => Err(self.decode_error(a, "the answer is not JSON")),
                }
            }
        }
    }

    fn decode_error(&self, a: &Answer, what: &str) -> Error {
        Error::new(
            ErrorKind::Decode,
            Certainty::MaybeSent,
            format!("cannot read SMSAPI's answer: {what}: {}", self.excerpt(&a.body)),
        )
        .with_gateway(GATEWAY_ID)
        .with_http_status(a.status)
    }

    /// Interprets a JSON answer of a read-only endpoint (`/profile`, `/sms/sendernames`, `user.do`).
    fn rest_json<T: DeserializeOwned>(&self, a: &Answer) -> Result<T, Error> {
        let err_body = serde_json::from_slice::<wire::ErrorBody>(&a.body).ok();
        let err_value = err_body.as_ref().and_then(|b| b.error.as_ref()).and_then(wire::ErrorField::value);
        if let Some(ErrorValue::Code(code)) = err_value {
            return Err(self.code_error(a, code, err_body.as_ref().and_then(|b| b.message.as_deref())));
        }
        if !a.is_success() {
            let detail = err_body.and_then(|b| b.message).unwrap_or_else(|| self.excerpt(&a.body));
            return Err(self.status_error(a, Some(&detail)).with_certainty(Certainty::NotSent));
        }
        serde_json::from_slice::<T>(&a.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                Certainty::NotSent,
                format!("cannot read SMSAPI's answer: {e}: {}", self.excerpt(&a.body)),
            )
            .with_gateway(GATEWAY_ID)
            .with_http_status(a.status)
        })
    }

    /// The `from` field and any note about it.
    fn sender_field(&self, message: &Message) -> (Option<String>, Option<String>) {
        let chosen = message.sender().or(self.config.sender.as_ref());
        let pseudo = match self.config.message_type {
            MessageType::Eco => Some(ECO_SENDER),
            MessageType::TwoWay => Some(TWO_WAY_SENDER),
            _ => None,
        };
        match (pseudo, chosen) {
            (Some(p), Some(s)) => (
                Some(p.to_owned()),
                Some(format!(
                    "message type {}: SMSAPI chooses the sender; sender {} was not used",
                    self.config.message_type.as_str(),
                    s.as_string()
                )),
            ),
            (Some(p), None) => (Some(p.to_owned()), None),
            (None, Some(Sender::Number(n))) => (Some(number_sender(n.digits())), None),
            (None, Some(s)) => (Some(s.as_string()), None),
            (None, None) => (None, None),
        }
    }

    /// The form of one send request.
    fn send_form(
        &self,
        message: &Message,
        chunk: &[PhoneNumber],
    ) -> Result<Vec<(&'static str, String)>, Error> {
        // `to` (comma-separated digits) and `idx` (pipe-separated per-recipient keys, the client
        // reference followed by the digits: `ClientRef::for_recipient`), each built in one buffer.
        let cref = message.client_ref().as_str();
        let digits: usize = chunk.iter().map(|n| n.digits().len()).sum();
        let seps = chunk.len().saturating_sub(1);
        let mut to = String::with_capacity(digits + seps);
        let mut idx = String::with_capacity(digits + seps + cref.len() * chunk.len());
        for (i, n) in chunk.iter().enumerate() {
            if i > 0 {
                to.push(',');
                idx.push('|');
            }
            to.push_str(n.digits());
            idx.push_str(cref);
            idx.push_str(n.digits());
        }
        let mut form: Vec<(&'static str, String)> = Vec::with_capacity(16);
        form.extend([
            ("to", to),
            ("message", message.text().to_owned()),
            ("format", "json".into()),
            ("encoding", "utf-8".into()),
            ("details", "1".into()),
            ("idx", idx),
            ("check_idx", "1".into()),
        ]);
        if let (Some(from), _) = self.sender_field(message) {
            form.push(("from", from));
        }
        let now = self.config.clock.now();
        if let Some(at) = message.send_at() {
            form.push(("date", format_time(at)));
            form.push(("date_validate", "1".into()));
        }
        if let Some(v) = message.validity() {
            let start = message.send_at().map_or(now, |at| at.max(now));
            let until = chrono::Duration::from_std(v)
                .ok()
                .and_then(|d| start.checked_add_signed(d))
                .ok_or_else(|| {
                    Error::message(format!("validity {v:?} is too long to express")).with_gateway(GATEWAY_ID)
                })?;
            form.push(("expiration_date", format_time(until)));
        }
        if let Some(url) = message.callback_url() {
            form.push(("notify_url", url.as_str().to_owned()));
        }
        if let Some(n) = self.config.max_parts {
            form.push(("max_parts", n.to_string()));
        }
        for (on, key) in [
            (self.config.normalize, "normalize"),
            (self.config.fast, "fast"),
            (self.config.flash || message.is_flash(), "flash"),
            (self.config.test_mode, "test"),
        ] {
            if on {
                form.push((key, "1".into()));
            }
        }
        Ok(form)
    }

    /// One `sms.do` send request for `chunk`.
    async fn send_request(&self, message: &Message, chunk: &[PhoneNumber]) -> Result<ChunkOutcome, Error> {
        let form = self.send_form(message, chunk)?;
        tracing::debug!(
            gateway = GATEWAY_ID,
            recipients = chunk.len(),
            first = %chunk.first().map(PhoneNumber::masked).unwrap_or_default(),
            client_ref = %message.client_ref(),
            test = self.config.test_mode,
            "sending SMS request"
        );
        let answer = self.post_form("sms.do", &form).await?;
        match self.interpret_sms(&answer, chunk.len())? {
            SmsOutcome::Duplicate => Ok(ChunkOutcome::Duplicate),
            SmsOutcome::Answer(r) => {
                Ok(ChunkOutcome::Reports(self.recipient_reports(message, chunk, r, answer.status)))
            }
        }
    }

    /// Sends one chunk. On error 53 for several recipients, SMSAPI does not say which `idx` was a
    /// duplicate (53 refuses the whole request), so each recipient is sent alone, still with
    /// `check_idx=1`: each is then either accepted now or reported as already accepted.
    async fn send_chunk(&self, message: &Message, chunk: &[PhoneNumber]) -> Result<ChunkReport, Error> {
        match self.send_request(message, chunk).await? {
            ChunkOutcome::Reports(r) => Ok(r.into()),
            ChunkOutcome::Duplicate if chunk.len() == 1 => Ok(ChunkReport::from(vec![RecipientReport::new(
                chunk[0].clone(),
                SendState::AlreadyAccepted,
            )])
            .note(duplicate_note(&chunk[0]))),
            ChunkOutcome::Duplicate => {
                tracing::debug!(
                    gateway = GATEWAY_ID,
                    recipients = chunk.len(),
                    "error 53 on a batch: resending one by one"
                );
                let mut out = Vec::with_capacity(chunk.len());
                let mut notes = Vec::new();
                for n in chunk {
                    let one = std::slice::from_ref(n);
                    match self.send_request(message, one).await {
                        Ok(ChunkOutcome::Reports(r)) => out.extend(r),
                        Ok(ChunkOutcome::Duplicate) => {
                            notes.push(duplicate_note(n));
                            out.push(RecipientReport::new(n.clone(), SendState::AlreadyAccepted));
                        }
                        Err(e) => out.push(RecipientReport::new(n.clone(), SendState::Rejected(e))),
                    }
                }
                let mut r = ChunkReport::from(out);
                r.notes = notes;
                Ok(r)
            }
        }
    }

    /// Matches `list` entries to the chunk's recipients (see [`match_items`]) and builds their
    /// reports.
    fn recipient_reports(
        &self,
        message: &Message,
        chunk: &[PhoneNumber],
        resp: SmsResponse<'_>,
        http_status: u16,
    ) -> Vec<RecipientReport> {
        let items: Vec<SmsItem<'_>> = resp.list.unwrap_or_default();
        let matched = match_items(&items, chunk, message.client_ref().as_str());
        let scheduled = message.send_at().is_some_and(|at| at > self.config.clock.now());
        let parts = resp.parts;
        let mut out = Vec::with_capacity(chunk.len());
        match matched {
            Matched::InOrder => {
                for (n, item) in chunk.iter().zip(items) {
                    out.push(self.item_report(n, item, parts, scheduled, http_status));
                }
            }
            Matched::Found(matched) => {
                let invalid = resp.invalid_numbers.unwrap_or_default();
                let mut items: Vec<Option<SmsItem<'_>>> = items.into_iter().map(Some).collect();
                for (n, j) in chunk.iter().zip(matched) {
                    match j.and_then(|j| items[j].take()) {
                        Some(item) => out.push(self.item_report(n, item, parts, scheduled, http_status)),
                        None => out.push(RecipientReport::new(
                            n.clone(),
                            SendState::Rejected(missing_error(n, &invalid, http_status)),
                        )),
                    }
                }
            }
        }
        out
    }

    /// The report of recipient `n` from its `list` entry.
    fn item_report(
        &self,
        n: &PhoneNumber,
        item: SmsItem<'_>,
        resp_parts: Option<u32>,
        scheduled: bool,
        http_status: u16,
    ) -> RecipientReport {
        let item_error = item.error.as_ref().and_then(wire::ErrorField::value);
        let has_id = item.id.as_ref().is_some_and(|s| has_content(s.as_str()));
        let state = match (&item_error, has_id) {
            (Some(ErrorValue::Code(DUPLICATE_IDX)), _) => SendState::AlreadyAccepted,
            (Some(ErrorValue::Code(code)), _) => {
                SendState::Rejected(api_error(*code, None, Some(http_status)))
            }
            (Some(ErrorValue::Word(w)), _) => SendState::Rejected(
                Error::new(ErrorKind::Other, Certainty::MaybeSent, format!("SMSAPI error {}", self.scrub(w)))
                    .with_gateway(GATEWAY_ID),
            ),
            (None, false) => SendState::Rejected(
                Error::new(
                    ErrorKind::Decode,
                    Certainty::MaybeSent,
                    "SMSAPI listed the recipient without a message id",
                )
                .with_gateway(GATEWAY_ID)
                .with_http_status(http_status),
            ),
            (None, true) if scheduled => SendState::Scheduled,
            (None, true)
                if item.status.as_ref().is_some_and(|s| s.as_str().eq_ignore_ascii_case("QUEUE")) =>
            {
                SendState::Queued
            }
            (None, true) => SendState::Accepted,
        };
        // Fields set in place (the `with_*` builders move the whole report at each step).
        let mut r = RecipientReport::new(n.clone(), state);
        if has_id && let Some(id) = item.id {
            r.message_id = Some(id.into_string());
        }
        r.parts = item.parts.or(resp_parts);
        r.price = item.points.as_ref().and_then(wire::Points::value).map(|v| Price::new(v, "points"));
        r
    }
}

/// `path` under `base`. Paths are constants without a leading slash: joining keeps the base path
/// (`/api/`).
fn join(base: &Url, path: &str) -> Url {
    base.join(path).unwrap_or_else(|_| base.clone())
}

/// Whether `s` has a character other than whitespace (`!s.trim().is_empty()`), answered from the
/// first byte when it is ASCII, as ids are.
fn has_content(s: &str) -> bool {
    match s.as_bytes().first() {
        None => false,
        Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0B => true,
        Some(_) => !s.trim().is_empty(),
    }
}

/// How `list` entries map to a chunk's recipients.
#[derive(Debug, PartialEq, Eq)]
enum Matched {
    /// Entry `i` belongs to recipient `i`.
    InOrder,
    /// For each recipient, the index of its entry, if any.
    Found(Vec<Option<usize>>),
}

/// Whether `idx` is the per-recipient key of `n` (`ClientRef::for_recipient`: the client reference
/// followed by the digits), compared without building the key.
fn is_recipient_key(client_ref: &str, n: &PhoneNumber, idx: &str) -> bool {
    let (idx, digits) = (idx.as_bytes(), n.digits().as_bytes());
    idx.len() == client_ref.len() + digits.len()
        && idx[..client_ref.len()] == *client_ref.as_bytes()
        && idx[client_ref.len()..] == *digits
}

/// Matches `list` entries to the chunk's recipients: each recipient, in order, takes the first
/// entry not taken yet whose echoed `idx` is its key, else whose `number` is its number, else whose
/// `submitted_number` is; by position only when nothing matched and the counts agree.
///
/// SMSAPI answers in request order, so the common answers are recognised first, in one pass each,
/// without changing the result: when entry `i` carries recipient `i`'s key for every `i`, or no
/// entry carries an `idx` and entry `i` has recipient `i`'s number for every `i`, the rule above
/// also gives entry `i` to recipient `i` (the entries before `i` are taken by then).
fn match_items(items: &[SmsItem<'_>], chunk: &[PhoneNumber], client_ref: &str) -> Matched {
    if items.len() == chunk.len() {
        let pairs = || items.iter().zip(chunk);
        if pairs().all(|(it, n)| text(&it.idx).is_some_and(|k| is_recipient_key(client_ref, n, k))) {
            return Matched::InOrder;
        }
        // An empty `idx` is nobody's key (keys are never empty).
        if items.iter().all(|it| text(&it.idx).is_none_or(str::is_empty))
            && pairs().all(|(it, n)| text(&it.number) == Some(n.digits()))
        {
            return Matched::InOrder;
        }
    }
    let mut used = vec![false; items.len()];
    let mut matched: Vec<Option<usize>> = vec![None; chunk.len()];
    for (i, n) in chunk.iter().enumerate() {
        let find = |pred: &dyn Fn(&SmsItem<'_>) -> bool, used: &[bool]| {
            items.iter().enumerate().position(|(j, it)| !used[j] && pred(it))
        };
        let digits = Some(n.digits());
        let hit = find(&|it| text(&it.idx).is_some_and(|k| is_recipient_key(client_ref, n, k)), &used)
            .or_else(|| find(&|it| text(&it.number) == digits, &used))
            .or_else(|| find(&|it| text(&it.submitted_number) == digits, &used));
        if let Some(j) = hit {
            used[j] = true;
            matched[i] = Some(j);
        }
    }
    if matched.iter().all(Option::is_none) && items.len() == chunk.len() {
        return Matched::InOrder;
    }
    Matched::Found(matched)
}

/// The `application/x-www-form-urlencoded` body of `form`, byte for byte what `reqwest`'s
/// `.form()` (`serde_urlencoded`, `form_urlencoded::byte_serialize`) writes, in one buffer.
fn form_body(form: &[(&str, String)]) -> Vec<u8> {
    let len: usize = form.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    // Room for a few escapes; the lists of digits escape only their separators (3 bytes each).
    let mut out = Vec::with_capacity(len + len / 2);
    for (i, (k, v)) in form.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        push_form_encoded(&mut out, k);
        out.push(b'=');
        push_form_encoded(&mut out, v);
    }
    out
}

/// The bytes [`push_form_encoded`] copies as they are: ASCII letters, digits and `*-._`.
static FORM_UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    t
};

/// The length of the longest prefix of `b` that [`push_form_encoded`] copies as it is; eight
/// bytes a step with one branch, since the values are mostly such runs (digits, keys).
fn unreserved_prefix(b: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        if chunk.iter().fold(true, |all, &x| all & FORM_UNRESERVED[usize::from(x)]) {
            i += 8;
        } else {
            break;
        }
    }
    while b.get(i).is_some_and(|&x| FORM_UNRESERVED[usize::from(x)]) {
        i += 1;
    }
    i
}

/// Appends `s` form-urlencoded: ASCII letters, digits and `*-._` as they are, space as `+`,
/// every other byte as `%XX`.
fn push_form_encoded(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = s.as_bytes();
    loop {
        let run = unreserved_prefix(rest);
        out.extend_from_slice(&rest[..run]);
        let Some((&b, tail)) = rest[run..].split_first() else { break };
        if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        rest = tail;
    }
}

/// Decodes an `sms.do` answer. A UTF-8 body (every answer of a working server) is read as `str`:
/// by [`wire_fast`](crate::wire_fast) when it has the usual shape, else by serde_json (which then
/// needs no UTF-8 check per string); any other body as bytes, with the same result as always
/// reading bytes. `list_hint`: the entries expected.
fn decode_sms(body: &[u8], list_hint: usize) -> serde_json::Result<SmsResponse<'_>> {
    match std::str::from_utf8(body) {
        Ok(text) => match crate::wire_fast::sms_response(text, list_hint) {
            Some(r) => Ok(r),
            None => serde_json::from_str(text),
        },
        Err(_) => serde_json::from_slice(body),
    }
}

fn describe_invalid(n: &wire::InvalidNumber<'_>) -> String {
    let raw = n.number.as_ref().or(n.submitted_number.as_ref()).map(Text::as_str);
    let shown = raw
        .map(|r| PhoneNumber::parse(r).map(|p| p.masked()).unwrap_or_else(|_| r.to_owned()))
        .unwrap_or_else(|| "?".into());
    match n.message.as_ref().map(Str::as_str) {
        Some(m) => format!("{shown} ({m})"),
        None => shown,
    }
}

fn missing_error(n: &PhoneNumber, invalid: &[wire::InvalidNumber<'_>], http_status: u16) -> Error {
    let hit = invalid
        .iter()
        .find(|inv| [&inv.number, &inv.submitted_number].iter().any(|t| text(t) == Some(n.digits())));
    match hit {
        Some(inv) => Error::new(
            ErrorKind::InvalidRecipient,
            Certainty::NotSent,
            format!("SMSAPI refused the number: {}", describe_invalid(inv)),
        ),
        None => Error::new(
            ErrorKind::Other,
            Certainty::MaybeSent,
            format!("SMSAPI's answer does not list recipient {}", n.masked()),
        ),
    }
    .with_gateway(GATEWAY_ID)
    .with_http_status(http_status)
}

fn duplicate_note(n: &PhoneNumber) -> String {
    format!(
        "{}: SMSAPI had already accepted this message (error 53, duplicate idx): sent once, reported as \
         already accepted; its id arrives with the delivery report",
        n.masked()
    )
}

/// Refuses ids that cannot be SMSAPI message ids (and would change the request: `,` and `|` are
/// list separators).
fn check_id(id: &str) -> Result<&str, Error> {
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
        let segments = message.analysis().segments();
        let mut report = SendReport::new(GATEWAY_ID, message);
        for note in preflight(GATEWAY_ID, &self.caps, message)? {
            report.note(note);
        }
        if let (_, Some(note)) = self.sender_field(message) {
            report.note(note);
        }
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
        let answer =
            self.post_form("sms.do", &[("status", id.to_owned()), ("format", "json".into())]).await?;
        let resp = match self.interpret_sms(&answer, 1)? {
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

    async fn cancel(&self, id: &str) -> Result<(), Error> {
        let id = check_id(id)?;
        let answer =
            self.post_form("sms.do", &[("sch_del", id.to_owned()), ("format", "json".into())]).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn field(form: &[(&'static str, String)], key: &str) -> Option<String> {
        form.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }

    proptest! {
        // Each case builds an HTTP client (rustls): keep the case count modest.
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the recipient count and batch size: every recipient is in exactly one request,
        /// in order, no request is larger than the batch size, and each carries one idx per
        /// recipient (the per-recipient client key, same order) and check_idx=1.
        #[test]
        fn every_request_carries_one_idx_per_recipient(n in 1usize..40, batch in 1usize..12) {
            let gw = SmsapiGateway::new(SmsapiConfig::builder("t").batch_size(batch).build().unwrap()).unwrap();
            let numbers: Vec<String> = (0..n).map(|i| format!("48600{i:06}")).collect();
            let m = Message::builder().to(numbers.join(",")).text("x").build().unwrap();
            let mut seen = Vec::new();
            for chunk in m.recipients().chunks(gw.config.batch_size) {
                let form = gw.send_form(&m, chunk).unwrap();
                let to: Vec<String> = field(&form, "to").unwrap().split(',').map(str::to_owned).collect();
                let idx: Vec<String> = field(&form, "idx").unwrap().split('|').map(str::to_owned).collect();
                prop_assert!(!to.is_empty() && to.len() <= batch);
                prop_assert_eq!(to.len(), idx.len());
                for (t, i) in to.iter().zip(&idx) {
                    prop_assert_eq!(i, &format!("{}{t}", m.client_ref()));
                    prop_assert!(i.chars().all(|c| c.is_ascii_alphanumeric()) && i.len() <= 255);
                }
                prop_assert_eq!(field(&form, "check_idx"), Some("1".to_owned()));
                seen.extend(to);
            }
            prop_assert_eq!(seen, numbers);
        }
    }
}

/// The fast paths of the send path give what the straightforward code they replaced gave.
#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use proptest::prelude::*;

    /// The matching rule as first written: each recipient takes the first free entry by `idx`
    /// (built with `ClientRef::for_recipient`), then `number`, then `submitted_number`; by
    /// position when nothing matched and the counts agree.
    fn reference_matching(items: &[SmsItem<'_>], chunk: &[PhoneNumber], m: &Message) -> Vec<Option<usize>> {
        let keys: Vec<String> = chunk.iter().map(|n| m.client_ref().for_recipient(n)).collect();
        let mut used = vec![false; items.len()];
        let mut matched = vec![None; chunk.len()];
        for (i, n) in chunk.iter().enumerate() {
            let find = |pred: &dyn Fn(&SmsItem<'_>) -> bool, used: &[bool]| {
                items.iter().enumerate().position(|(j, it)| !used[j] && pred(it))
            };
            let hit = find(&|it| text(&it.idx) == Some(keys[i].as_str()), &used)
                .or_else(|| find(&|it| text(&it.number) == Some(n.digits()), &used))
                .or_else(|| find(&|it| text(&it.submitted_number) == Some(n.digits()), &used));
            if let Some(j) = hit {
                used[j] = true;
                matched[i] = Some(j);
            }
        }
        if matched.iter().all(Option::is_none) && items.len() == chunk.len() {
            matched = (0..chunk.len()).map(Some).collect();
        }
        matched
    }

    fn t(s: String) -> Option<Text<'static>> {
        Some(Text::owned(s))
    }

    /// An answer entry for recipient `n` of `numbers` (or an unknown number), with or without
    /// its key (or another recipient's key, or an empty one), its number and its submitted number.
    fn entry(m: &Message, numbers: &[PhoneNumber], pick: (usize, u8)) -> SmsItem<'static> {
        let (n, shape) = pick;
        let key =
            |i: usize| numbers.get(i).map_or_else(|| "other".to_owned(), |p| m.client_ref().for_recipient(p));
        let digits = numbers.get(n).map_or_else(|| "48999000111".to_owned(), |p| p.digits().to_owned());
        SmsItem {
            id: t(format!("id{n}")),
            idx: match shape % 4 {
                0 => t(key(n)),
                1 => t(String::new()),
                2 => t(key(n.wrapping_sub(1))),
                _ => None,
            },
            number: if shape & 4 == 0 { t(digits.clone()) } else { None },
            submitted_number: if shape & 8 == 0 { t(digits) } else { None },
            ..SmsItem::default()
        }
    }

    fn resolved(m: Matched, len: usize) -> Vec<Option<usize>> {
        match m {
            Matched::InOrder => (0..len).map(Some).collect(),
            Matched::Found(v) => v,
        }
    }

    proptest! {
        /// Entries in request order (all of one shape or mixed), shuffled, missing, repeated or
        /// unknown: the matching is the one first written.
        #[test]
        fn matching_is_the_reference_rule(
            n in 1usize..12,
            order in 0u8..3,
            shape in 0u8..16,
            picks in proptest::collection::vec((0usize..14, 0u8..16), 0..14),
        ) {
            let numbers: Vec<String> = (0..n).map(|i| format!("48600{i:06}")).collect();
            let m = Message::builder().to(numbers.join(",")).text("x").build().unwrap();
            let chunk = m.recipients();
            let items: Vec<SmsItem<'static>> = if order == 0 {
                (0..n).map(|i| entry(&m, chunk, (i, shape))).collect()
            } else if order == 1 {
                (0..n).map(|i| entry(&m, chunk, (i, picks.get(i).map_or(shape, |p| p.1)))).collect()
            } else {
                picks.iter().map(|&p| entry(&m, chunk, p)).collect()
            };
            let got = resolved(match_items(&items, chunk, m.client_ref().as_str()), n);
            prop_assert_eq!(got, reference_matching(&items, chunk, &m));
        }

        /// The body is byte for byte what `form_urlencoded` (reqwest's `.form()`) writes.
        #[test]
        fn form_body_is_form_urlencoded(
            pairs in proptest::collection::vec((0usize..4, "\\PC{0,40}"), 0..6),
        ) {
            const KEYS: [&str; 4] = ["to", "message", "idx", "notify_url"];
            let form: Vec<(&str, String)> = pairs.into_iter().map(|(k, v)| (KEYS[k], v)).collect();
            let mut expected = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &form {
                expected.append_pair(k, v);
            }
            prop_assert_eq!(String::from_utf8(form_body(&form)).unwrap(), expected.finish());
        }

        /// `has_content` is `!s.trim().is_empty()`.
        #[test]
        fn has_content_is_non_blank(s in "[ \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{3000}a1_]{0,6}") {
            prop_assert_eq!(has_content(&s), !s.trim().is_empty());
        }
    }

    /// Entries in order by number, but the second echoes the first recipient's key: the key wins,
    /// so the entries are not taken by position.
    #[test]
    fn an_echoed_key_beats_the_order() {
        let m = Message::builder().to("48600000001,48600000002").text("x").build().unwrap();
        let chunk = m.recipients();
        let first_key = m.client_ref().for_recipient(&chunk[0]);
        let items = vec![
            SmsItem { number: t("48600000001".into()), ..SmsItem::default() },
            SmsItem { number: t("48600000002".into()), idx: t(first_key), ..SmsItem::default() },
        ];
        let got = match_items(&items, chunk, m.client_ref().as_str());
        assert_eq!(got, Matched::Found(vec![Some(1), None]));
        assert_eq!(resolved(got, 2), reference_matching(&items, chunk, &m));
    }

    #[test]
    fn form_body_escapes_separators_and_text() {
        let form =
            vec![("to", "48600100200,48600100201".to_owned()), ("message", "Zażółć 50% & co".to_owned())];
        assert_eq!(
            String::from_utf8(form_body(&form)).unwrap(),
            "to=48600100200%2C48600100201&message=Za%C5%BC%C3%B3%C5%82%C4%87+50%25+%26+co"
        );
    }
}
