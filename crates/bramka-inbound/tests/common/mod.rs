//! Test helpers: a tiny recording gateway with scripted failures, and message builders.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use bramka_core::{
    Capabilities, Certainty, Error, ErrorKind, Gateway, InboundMessage, Message, RecipientReport, SendReport,
    SendState,
};
use chrono::{DateTime, Utc};

/// One message the gateway was asked to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sent {
    pub to: String,
    pub text: String,
    pub sender: Option<String>,
    pub client_ref: String,
}

/// What the next send does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Script {
    Ok,
    NotSent,
    MaybeSent,
}

#[derive(Debug, Default)]
pub(crate) struct RecGateway {
    caps: Capabilities,
    pub sent: Mutex<Vec<Sent>>,
    script: Mutex<VecDeque<Script>>,
}

impl RecGateway {
    pub(crate) fn new() -> Self {
        RecGateway::default()
    }
    pub(crate) fn script(&self, s: impl IntoIterator<Item = Script>) {
        self.script.lock().unwrap().extend(s);
    }
    pub(crate) fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait]
impl Gateway for RecGateway {
    fn id(&self) -> &str {
        "rec"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let step = self.script.lock().unwrap().pop_front().unwrap_or(Script::Ok);
        self.sent.lock().unwrap().push(Sent {
            to: message.recipients()[0].e164(),
            text: message.original_text().to_owned(),
            sender: message.sender().map(|s| s.as_string()),
            client_ref: message.client_ref().as_str().to_owned(),
        });
        match step {
            Script::Ok => {
                let mut r = SendReport::new("rec", message);
                let n = self.sent.lock().unwrap().len();
                r.push(
                    RecipientReport::new(message.recipients()[0].clone(), SendState::Accepted)
                        .with_message_id(format!("rec-{n}")),
                );
                Ok(r)
            }
            Script::NotSent => Err(Error::new(ErrorKind::Network, Certainty::NotSent, "connect refused")),
            Script::MaybeSent => Err(Error::new(ErrorKind::Timeout, Certainty::MaybeSent, "read timed out")),
        }
    }
}

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub(crate) fn inbound(id: &str, from: &str, to: &str, text: &str, when: &str) -> InboundMessage {
    InboundMessage::new("smsapi", id, from, to, text, at(when))
}
