//! [`DynmarkGateway`]: the [`Gateway`] implementation over Dynmark's REST API.

use async_trait::async_trait;
use bramka_core::chunked::{ChunkReport, pair_by_number, send_message};
use bramka_core::error::ErrorRow;
use bramka_core::http::{Answer, Call, Scrubber};
use bramka_core::{
    Capabilities, Capability, Certainty, Error, ErrorKind, Gateway, Message, PhoneNumber, RecipientReport,
    SendReport, SendState,
};

use crate::config::DynmarkConfig;
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
#[derive(Debug)]
pub struct DynmarkGateway {
    config: DynmarkConfig,
    client: reqwest::Client,
    caps: Capabilities,
    scrub: Scrubber,
}

impl DynmarkGateway {
    /// A gateway with the configuration's HTTP client (its own, or the one given to
    /// [`HttpSettings::reqwest_client`](bramka_core::http::HttpSettings::reqwest_client)).
    pub fn new(config: DynmarkConfig) -> Result<Self, Error> {
        let client = config.http.client()?;
        // Parts: Dynmark documents no limit [unknown]; the core's default cap (7) applies.
        let caps = Capabilities::new().with_batch_size(wire::MAX_BATCH).with(Capability::Schedule);
        let scrub = config.auth.scrubber();
        Ok(DynmarkGateway { config, client, caps, scrub })
    }

    /// The configuration.
    pub fn config(&self) -> &DynmarkConfig {
        &self.config
    }

    /// One request: the messages of `chunk`.
    async fn send_chunk(
        &self,
        message: &Message,
        sender: &str,
        chunk: &[PhoneNumber],
    ) -> Result<ChunkReport, Error> {
        let deliver_after = message.send_at().map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        let body: Vec<OutMessage<'_>> = chunk
            .iter()
            .map(|to| OutMessage {
                from: sender,
                to: to.digits(),
                body: message.text(),
                client_ref: message.client_ref().for_recipient(to),
                deliver_after: deliver_after.clone(),
                delivery_status_url: message.callback_url().map(url::Url::as_str),
            })
            .collect();
        tracing::debug!(gateway = ID, recipients = chunk.len(), "sending");
        let post = self.client.post(self.config.base_url.join(wire::SEND_PATH));
        let request =
            self.config.auth.apply(post).header(reqwest::header::ACCEPT, "application/json").json(&body);
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
            let detail = self.describe_failures(&answer.body);
            return Err(answer.status_error(ID, "Dynmark", errors::TABLE, detail));
        }
        // Results pair with recipients by the echoed `to`, else by position.
        let results: Vec<MessageResult> = answer.json(ID, Call::Send)?;
        let pairs = pair_by_number(chunk, results, |r| r.to.as_deref());
        Ok(pairs.into_iter().map(|(to, r)| self.recipient_report(to, &r, answer.status)).collect())
    }

    fn recipient_report(&self, to: &PhoneNumber, r: &MessageResult, status: u16) -> RecipientReport {
        let reject =
            |e: Error| RecipientReport::new(to.clone(), SendState::Rejected(e.with_http_status(status)));
        if let Some(desc) = r.failure_description.as_deref() {
            let kind = if wire::is_logon_failure(desc) { ErrorKind::Auth } else { ErrorKind::Other };
            return reject(Error::new(kind, Certainty::NotSent, self.scrub.scrub(desc)).with_gateway(ID));
        }
        if r.successful == Some(true) && r.validation_failures.is_empty() {
            let mut rep = RecipientReport::new(to.clone(), SendState::Accepted);
            rep.message_id = r.message_id.as_ref().and_then(bramka_core::http::json_id);
            return rep;
        }
        let Some(code) = r.validation_failures.first().and_then(|f| f.failure_code.clone()) else {
            let why = "Dynmark did not accept the message (successful: false, no reason given)";
            return reject(Error::new(ErrorKind::Other, Certainty::NotSent, why).with_gateway(ID));
        };
        let text = r.validation_failures.iter().map(wire::ValidationFailure::describe).collect::<Vec<_>>();
        let text = self.scrub.scrub(&text.join("; "));
        reject(ErrorRow::error_for(errors::TABLE, ID, &code, Certainty::NotSent, text))
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
        // A leading `+` of a numeric sender is dropped: Dynmark takes digits. [example]
        let sender = self.config.senders.resolve(message.sender())?;
        let sender = sender.trim_start_matches('+');
        send_message(ID, &self.caps, message, |chunk| self.send_chunk(message, sender, chunk)).await
    }
}
