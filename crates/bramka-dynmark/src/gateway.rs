//! [`DynmarkGateway`]: the [`Gateway`] implementation over Dynmark's REST API.

use std::fmt;

use async_trait::async_trait;
use bramka_core::{
    Capabilities, Capability, Certainty, Error, ErrorKind, Gateway, Message, PhoneNumber, RecipientReport,
    SendReport, SendState,
};

use crate::config::{DynmarkConfig, check_sender};
use crate::errors;
use crate::wire::{self, MessageResult, OutMessage};

const ID: &str = "dynmark";

/// Sends SMS through Dynmark.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), bramka_core::Error> {
/// use bramka_core::{Gateway, Message};
/// use bramka_dynmark::{DynmarkConfig, DynmarkGateway};
///
/// let gw = DynmarkGateway::new(DynmarkConfig::builder("acme", "s3cret").sender("Acme").build()?)?;
/// let msg = Message::builder().to("+447700900123").text("Your code is 123456").build()?;
/// let report = gw.send(&msg).await?;
/// println!("{} accepted", report.accepted().count());
/// # Ok(()) }
/// ```
pub struct DynmarkGateway {
    config: DynmarkConfig,
    client: reqwest::Client,
    caps: Capabilities,
}

impl fmt::Debug for DynmarkGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynmarkGateway").field("config", &self.config).finish_non_exhaustive()
    }
}

impl DynmarkGateway {
    /// A gateway with its own HTTP client (rustls, the configured timeouts).
    pub fn new(config: DynmarkConfig) -> Result<Self, Error> {
        let client = bramka_core::http::client(config.timeouts())?;
        Ok(Self::with_client(config, client))
    }

    /// A gateway sharing the application's HTTP client (its timeouts apply).
    pub fn with_client(config: DynmarkConfig, client: reqwest::Client) -> Self {
        let caps = Capabilities::new()
            .with_batch_size(wire::MAX_BATCH)
            .with(Capability::Schedule)
            .with_max_parts(wire::MAX_PARTS);
        DynmarkGateway { config, client, caps }
    }

    /// The configuration.
    pub fn config(&self) -> &DynmarkConfig {
        &self.config
    }

    fn sender_for(&self, message: &Message) -> Result<String, Error> {
        let sender = match message.sender() {
            Some(s) => s.as_string(),
            None => self.config.default_sender().map(str::to_owned).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidSender,
                    Certainty::NotSent,
                    "no sender: set one on the message or configure a default sender",
                )
                .with_gateway(ID)
            })?,
        };
        check_sender(&sender)?;
        let senders = self.config.senders();
        if !senders.is_empty() && !senders.iter().any(|s| s == &sender) {
            return Err(Error::new(
                ErrorKind::InvalidSender,
                Certainty::NotSent,
                format!(
                    "sender {sender:?} is not configured for this account; configured: {}",
                    senders.join(", ")
                ),
            )
            .with_gateway(ID));
        }
        Ok(sender.trim_start_matches('+').to_owned())
    }

    async fn send_chunk(
        &self,
        message: &Message,
        sender: &str,
        chunk: &[PhoneNumber],
    ) -> Result<Vec<RecipientReport>, Error> {
        let deliver_after = message.send_at().map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        let refs: Vec<String> = chunk.iter().map(|n| message.client_ref().for_recipient(n)).collect();
        let body: Vec<OutMessage<'_>> = chunk
            .iter()
            .zip(&refs)
            .map(|(to, client_ref)| OutMessage {
                from: sender,
                to: to.digits(),
                body: message.text(),
                client_ref,
                deliver_after: deliver_after.clone(),
                delivery_status_url: message.callback_url().map(url::Url::as_str),
            })
            .collect();
        let url = self.config.base_url.join(wire::SEND_PATH).map_err(|e| Error::config(e.to_string()))?;
        tracing::debug!(gateway = ID, recipients = chunk.len(), "sending");
        let response = self
            .client
            .post(url)
            .basic_auth(&self.config.username, Some(self.config.password.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&body)
            .send()
            .await
            .map_err(|e| bramka_core::http::transport_error(ID, &e))?;
        let status = response.status().as_u16();
        let retry_after = bramka_core::http::retry_after(response.headers());
        let text = response.text().await.map_err(|e| bramka_core::http::transport_error(ID, &e))?;
        if !(200..300).contains(&status) {
            let mut e = errors::status_error(status, &describe_failures(&text));
            if let Some(d) = retry_after {
                e = e.with_retry_after(d);
            }
            return Err(e);
        }
        let results: Vec<MessageResult> = serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                Certainty::MaybeSent,
                format!("cannot decode Dynmark's answer: {e}"),
            )
            .with_gateway(ID)
            .with_http_status(status)
        })?;
        Ok(match_results(chunk, results, status))
    }
}

/// Pairs results with recipients: by the echoed `to` when present, else by position.
fn match_results(chunk: &[PhoneNumber], results: Vec<MessageResult>, status: u16) -> Vec<RecipientReport> {
    let mut slots: Vec<Option<MessageResult>> = chunk.iter().map(|_| None).collect();
    let mut unplaced = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        let by_to = r.to.as_deref().and_then(|t| {
            let t = t.trim_start_matches('+');
            chunk.iter().position(|n| n.digits() == t)
        });
        match by_to.or(if r.to.is_none() { Some(i) } else { None }) {
            Some(j) if j < slots.len() && slots[j].is_none() => slots[j] = Some(r),
            _ => unplaced.push(r),
        }
    }
    chunk
        .iter()
        .zip(slots)
        .map(|(to, slot)| match slot {
            Some(r) => recipient_report(to, &r, status),
            None => RecipientReport::new(
                to.clone(),
                SendState::Rejected(
                    Error::new(
                        ErrorKind::Decode,
                        Certainty::MaybeSent,
                        "Dynmark's answer has no result for this recipient",
                    )
                    .with_gateway(ID)
                    .with_http_status(status),
                ),
            ),
        })
        .collect()
}

fn recipient_report(to: &PhoneNumber, r: &MessageResult, status: u16) -> RecipientReport {
    if let Some(desc) = r.failure_description.as_deref() {
        let kind = if wire::is_logon_failure(desc) { ErrorKind::Auth } else { ErrorKind::Other };
        let e =
            Error::new(kind, Certainty::NotSent, desc.to_owned()).with_gateway(ID).with_http_status(status);
        return RecipientReport::new(to.clone(), SendState::Rejected(e));
    }
    if r.successful == Some(true) && r.validation_failures.is_empty() {
        let mut rep = RecipientReport::new(to.clone(), SendState::Accepted);
        if let Some(id) = wire::message_id(r) {
            rep = rep.with_message_id(id);
        }
        return rep;
    }
    let first = r.validation_failures.first();
    let code = first.and_then(|f| f.failure_code.clone());
    let kind = code.as_deref().map(errors::failure_code_kind).unwrap_or(ErrorKind::Other);
    let text = if r.validation_failures.is_empty() {
        "Dynmark did not accept the message (successful: false, no reason given)".to_owned()
    } else {
        r.validation_failures
            .iter()
            .map(|f| {
                format!(
                    "{}: {}{}",
                    f.property.as_deref().unwrap_or("?"),
                    f.failure_code.as_deref().unwrap_or("?"),
                    f.details.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut e = Error::new(kind, Certainty::NotSent, text).with_gateway(ID).with_http_status(status);
    if let Some(c) = code {
        e = e.with_code(c);
    }
    RecipientReport::new(to.clone(), SendState::Rejected(e))
}

/// A short description of a 4xx/5xx body: validation failures when it is an array of them.
fn describe_failures(body: &str) -> String {
    if let Ok(list) = serde_json::from_str::<Vec<wire::ValidationFailure>>(body) {
        let parts: Vec<String> = list
            .iter()
            .filter_map(|f| {
                let code = f.failure_code.as_deref()?;
                Some(format!("{}: {code}", f.property.as_deref().unwrap_or("?")))
            })
            .collect();
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    body.chars().take(200).collect()
}

#[async_trait]
impl Gateway for DynmarkGateway {
    fn id(&self) -> &str {
        ID
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        if message.is_flash() {
            return Err(Error::new(
                ErrorKind::Message,
                Certainty::NotSent,
                "Dynmark has no flash SMS; send without flash",
            )
            .with_gateway(ID));
        }
        if message.analysis().segments() > usize::from(self.caps.max_parts) {
            return Err(Error::new(
                ErrorKind::Message,
                Certainty::NotSent,
                format!(
                    "the text needs {} parts; this gateway sends at most {}",
                    message.analysis().segments(),
                    self.caps.max_parts
                ),
            )
            .with_gateway(ID));
        }
        let sender = self.sender_for(message)?;
        let mut report = SendReport::new(ID, message);
        if message.validity().is_some() {
            report.note("validity period ignored: Dynmark's REST API has no documented validity field");
        }
        let mut chunk_errors = Vec::new();
        let mut stop: Option<Error> = None;
        for chunk in message.recipients().chunks(wire::MAX_BATCH) {
            if let Some(e) = &stop {
                for to in chunk {
                    report.push(RecipientReport::new(to.clone(), SendState::Rejected(e.clone())));
                }
                continue;
            }
            match self.send_chunk(message, &sender, chunk).await {
                Ok(reports) => reports.into_iter().for_each(|r| report.push(r)),
                Err(e) => {
                    if !e.may_have_been_sent() && matches!(e.kind(), ErrorKind::Auth | ErrorKind::Config) {
                        stop = Some(e.clone());
                    }
                    for to in chunk {
                        report.push(RecipientReport::new(to.clone(), SendState::Rejected(e.clone())));
                    }
                    chunk_errors.push(e);
                }
            }
        }
        // When every request failed as a whole, the send failed: return that error.
        let chunks = message.recipients().len().div_ceil(wire::MAX_BATCH);
        if chunk_errors.len() == chunks
            && let Some(e) = chunk_errors.into_iter().next()
        {
            return Err(e);
        }
        Ok(report)
    }
}
