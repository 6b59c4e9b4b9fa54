//! [`DynmarkGateway`]: the [`Gateway`] implementation over Dynmark's REST API.

use std::fmt;

use async_trait::async_trait;
use base64::Engine as _;
use bramka_core::chunked::{ChunkReport, send_in_chunks};
use bramka_core::http::{Answer, Call, Scrubber};
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
    scrub: Scrubber,
}

impl fmt::Debug for DynmarkGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynmarkGateway").field("config", &self.config).finish_non_exhaustive()
    }
}

impl DynmarkGateway {
    /// A gateway with the configuration's HTTP client (its own, or the one given to
    /// [`HttpSettings::reqwest_client`](bramka_core::http::HttpSettings::reqwest_client)).
    pub fn new(config: DynmarkConfig) -> Result<Self, Error> {
        let client = config.http.client()?;
        let caps = Capabilities::new()
            .with_batch_size(wire::MAX_BATCH)
            .with(Capability::Schedule)
            .with_max_parts(wire::MAX_PARTS);
        // The password as written, and inside the Basic credentials an echo would show.
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.username,
            config.password.expose()
        ));
        let scrub = Scrubber::new([config.password.expose(), basic.as_str()]);
        Ok(DynmarkGateway { config, client, caps, scrub })
    }

    /// The configuration.
    pub fn config(&self) -> &DynmarkConfig {
        &self.config
    }

    fn sender_for(&self, message: &Message) -> Result<String, Error> {
        let sender = match (message.sender(), self.config.default_sender()) {
            (Some(s), _) => s.as_string(),
            (None, Some(s)) => s.to_owned(),
            (None, None) => {
                let why = "no sender: set one on the message or configure a default sender";
                return Err(Error::new(ErrorKind::InvalidSender, Certainty::NotSent, why).with_gateway(ID));
            }
        };
        check_sender(&sender)?;
        let senders = self.config.senders();
        if !senders.is_empty() && !senders.contains(&sender) {
            let why = format!(
                "sender {sender:?} is not configured for this account; configured: {}",
                senders.join(", ")
            );
            return Err(Error::new(ErrorKind::InvalidSender, Certainty::NotSent, why).with_gateway(ID));
        }
        Ok(sender.trim_start_matches('+').to_owned())
    }

    /// One request: the messages of `chunk`.
    async fn send_chunk(
        &self,
        message: &Message,
        sender: &str,
        chunk: &[PhoneNumber],
    ) -> Result<ChunkReport, Error> {
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
        tracing::debug!(gateway = ID, recipients = chunk.len(), "sending");
        let request = self
            .client
            .post(self.config.base_url.join(wire::SEND_PATH))
            .basic_auth(&self.config.username, Some(self.config.password.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&body);
        let answer = Answer::fetch(request, ID, Call::Send, wire::BODY_LIMIT).await?;
        Ok(self.decode_send(chunk, &answer)?.into())
    }

    /// The reports of `chunk`'s recipients from the answer to their send request.
    pub(crate) fn decode_send(
        &self,
        chunk: &[PhoneNumber],
        answer: &Answer,
    ) -> Result<Vec<RecipientReport>, Error> {
        if !answer.is_success() {
            return Err(errors::status_error(answer, self.describe_failures(&answer.body)));
        }
        let results: Vec<MessageResult> = answer.json(ID, Call::Send)?;
        Ok(self.match_results(chunk, results, answer.status))
    }

    /// Pairs results with recipients: by the echoed `to` when present, else by position. A
    /// recipient left without a result gets none (the engine reports it `MaybeSent`).
    fn match_results(
        &self,
        chunk: &[PhoneNumber],
        results: Vec<MessageResult>,
        status: u16,
    ) -> Vec<RecipientReport> {
        let mut taken = vec![false; chunk.len()];
        let mut out = Vec::with_capacity(chunk.len());
        for (i, r) in results.into_iter().enumerate() {
            let slot = match r.to.as_deref() {
                Some(t) => chunk.iter().position(|n| n.digits() == t.trim_start_matches('+')),
                None => Some(i),
            };
            if let Some(j) = slot.filter(|&j| j < chunk.len() && !taken[j]) {
                taken[j] = true;
                out.push(self.recipient_report(&chunk[j], &r, status));
            }
        }
        out
    }

    fn recipient_report(&self, to: &PhoneNumber, r: &MessageResult, status: u16) -> RecipientReport {
        let reject =
            |e: Error| RecipientReport::new(to.clone(), SendState::Rejected(e.with_http_status(status)));
        if let Some(desc) = r.failure_description.as_deref() {
            let kind = if wire::is_logon_failure(desc) { ErrorKind::Auth } else { ErrorKind::Other };
            return reject(Error::new(kind, Certainty::NotSent, self.scrub.scrub(desc)).with_gateway(ID));
        }
        if r.successful == Some(true) && r.validation_failures.is_empty() {
            let rep = RecipientReport::new(to.clone(), SendState::Accepted);
            return match wire::message_id(r) {
                Some(id) => rep.with_message_id(id),
                None => rep,
            };
        }
        let Some(code) = r.validation_failures.first().and_then(|f| f.failure_code.clone()) else {
            let why = "Dynmark did not accept the message (successful: false, no reason given)";
            return reject(Error::new(ErrorKind::Other, Certainty::NotSent, why).with_gateway(ID));
        };
        let text = r.validation_failures.iter().map(wire::ValidationFailure::describe).collect::<Vec<_>>();
        reject(errors::failure_error(&code, self.scrub.scrub(&text.join("; "))))
    }

    /// A short, scrubbed description of a 4xx/5xx body: its validation failures when it is a list
    /// of them, else an excerpt.
    fn describe_failures(&self, body: &[u8]) -> String {
        let list = serde_json::from_slice::<Vec<wire::ValidationFailure>>(body).unwrap_or_default();
        let parts: Vec<String> =
            list.iter().filter(|f| f.failure_code.is_some()).map(|f| f.describe()).collect();
        if parts.is_empty() { self.scrub.excerpt(body, 200) } else { self.scrub.scrub(&parts.join("; ")) }
    }
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
        let notes = bramka_core::preflight::preflight(ID, &self.caps, message)?;
        let sender = self.sender_for(message)?;
        let mut report = SendReport::new(ID, message);
        notes.into_iter().for_each(|n| report.note(n));
        send_in_chunks(report, message, self.caps.batch_size, |chunk| {
            self.send_chunk(message, &sender, chunk)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of the error table, through the code that maps real answers.
    #[test]
    fn every_error_row_maps_as_documented() {
        let gw = DynmarkGateway::new(DynmarkConfig::builder("acme", "pw").build().unwrap()).unwrap();
        let to = PhoneNumber::parse("+447700900123").unwrap();
        bramka_core::testing::conformance::check_error_rows(errors::TABLE, |code| {
            match code.parse::<u16>() {
                Ok(status) => errors::status_error(
                    &Answer { status, retry_after: None, body: Vec::new() },
                    String::new(),
                ),
                Err(_) => {
                    let body = format!(
                        r#"{{"successful":false,"validationFailures":[{{"failureCode":"{code}"}}]}}"#
                    );
                    let r: MessageResult = serde_json::from_str(&body).unwrap();
                    gw.recipient_report(&to, &r, 200).state.error().cloned().unwrap()
                }
            }
        });
    }
}
