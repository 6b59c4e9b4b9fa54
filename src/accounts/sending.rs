//! Sending through an account: its policy applied before any request.

use bramka_core::encoding::{Policy, Transliteration};
use bramka_core::{Capability, Error, Message, PhoneNumber, SendReport};

use super::TEST_SMS_MAX_CHARS;
use super::error::AccountError;
use super::outgoing::Outgoing;
use super::registry::Accounts;
use crate::shorten::shorten_text;

impl Accounts {
    /// Applies the account's policy and builds the message, without sending. Everything refused
    /// here is refused before any request.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] converted from an [`AccountError`] or from the message:
    ///
    /// - kind [`ErrorKind::Config`](crate::ErrorKind::Config): an unknown account, an inactive one
    ///   ([`AccountError::Inactive`]), link shortening with neither operator support nor a shortener
    ///   ([`AccountError::NoShortener`]), or the account's gateway failing to connect (see
    ///   [`gateway`](Self::gateway));
    /// - kind [`ErrorKind::InvalidSender`](crate::ErrorKind::InvalidSender): a sender not among the account's
    ///   ([`AccountError::UnknownSender`]);
    /// - kind [`ErrorKind::InvalidRecipient`](crate::ErrorKind::InvalidRecipient): recipients outside the
    ///   allowed prefixes ([`AccountError::DestinationNotAllowed`]) or without consent
    ///   ([`AccountError::NoConsent`]);
    /// - kind [`ErrorKind::Message`](crate::ErrorKind::Message): the message does not build (see
    ///   [`MessageBuilder::build`](crate::MessageBuilder::build));
    /// - the shortener's or the consent check's own error when it fails.
    pub async fn prepare(&self, name: &str, out: Outgoing) -> Result<Message, Error> {
        let entry = self.known(name)?;
        let policy = &entry.account.policy;
        if !policy.active {
            return Err(AccountError::Inactive { name: name.to_owned() }.into());
        }
        let sender = match out.sender {
            Some(s) if !policy.senders.is_empty() && !policy.senders.contains(&s) => {
                return Err(AccountError::UnknownSender {
                    account: name.to_owned(),
                    sender: s,
                    accepted: policy.senders.clone(),
                }
                .into());
            }
            Some(s) => Some(s),
            None => policy.senders.first().cloned(),
        };
        let mut text = out.text;
        let mut operator_shortens = false;
        if policy.shorten_links {
            if self.gateway(name)?.capabilities().supports(Capability::LinkShortening) {
                operator_shortens = true;
            } else if let Some(s) = &self.shortener {
                text = shorten_text(&text, s.as_ref()).await?;
            } else {
                return Err(AccountError::NoShortener { account: name.to_owned() }.into());
            }
        }
        let translit =
            if policy.allow_diacritics { Transliteration::Keep } else { Transliteration::NoDiacritics };
        let mut b = Message::builder()
            .to(out.to)
            .text(text)
            .policy(
                Policy::default()
                    .with_max_parts(policy.max_parts)
                    .with_transliteration(translit)
                    .with_emoji(policy.emoji),
            )
            .shorten_links(operator_shortens);
        if let Some(p) = &policy.default_prefix {
            b = b.default_prefix(p);
        }
        if let Some(s) = &sender {
            b = b.sender(s);
        }
        if let Some(at) = out.send_at {
            b = b.send_at(at);
        }
        let msg = b.build()?;
        if !policy.allowed_prefixes.is_empty() {
            let allowed: Vec<String> =
                policy.allowed_prefixes.iter().map(|p| p.strip_prefix('+').unwrap_or(p).to_owned()).collect();
            let refused: Vec<String> = msg
                .recipients()
                .iter()
                .filter(|n| !allowed.iter().any(|p| n.digits().starts_with(p.as_str())))
                .map(PhoneNumber::e164)
                .collect();
            if !refused.is_empty() {
                return Err(AccountError::DestinationNotAllowed {
                    account: name.to_owned(),
                    numbers: refused,
                    allowed,
                }
                .into());
            }
        }
        if let Some(c) = &self.consent {
            let missing: Vec<String> =
                c.missing(name, msg.recipients()).await?.iter().map(PhoneNumber::e164).collect();
            if !missing.is_empty() {
                return Err(AccountError::NoConsent { numbers: missing }.into());
            }
        }
        Ok(msg)
    }

    /// Sends through a named account, applying its policy first.
    ///
    /// # Errors
    ///
    /// Returns what [`prepare`](Self::prepare) and [`gateway`](Self::gateway) return, and the gateway's
    /// [`Error`] when the send fails (see [`Gateway::send`](crate::Gateway::send)).
    pub async fn send(&self, name: &str, out: Outgoing) -> Result<SendReport, Error> {
        let msg = self.prepare(name, out).await?;
        self.gateway(name)?.send(&msg).await
    }

    /// Sends a test SMS (at most 150 characters) through an account.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Message`](crate::ErrorKind::Message)
    /// ([`AccountError::TestTooLong`]) when `text` has more than 150 characters, and otherwise what
    /// [`send`](Self::send) returns.
    pub async fn send_test(&self, name: &str, to: &str, text: &str) -> Result<SendReport, Error> {
        let len = text.chars().count();
        if len > TEST_SMS_MAX_CHARS {
            return Err(AccountError::TestTooLong { len, max: TEST_SMS_MAX_CHARS }.into());
        }
        self.send(name, Outgoing::new(to, text)).await
    }
}
