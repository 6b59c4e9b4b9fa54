//! Sender-name management (`/sms/sendernames`): request, make default, delete, and the opt-in
//! check before a send that the sender name is active.

use std::time::{Duration, Instant};

use bramka_core::http::{Answer, Call};
use bramka_core::{Certainty, Error, ErrorKind, Message, Sender};
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use crate::account::{SenderName, SenderNameStatus};
use crate::gateway::{BODY_LIMIT, GATEWAY_ID, SmsapiGateway};
use crate::wire;

/// How long the list of sender names read for the pre-send check is reused.
pub(crate) const SENDER_CACHE_TTL: Duration = Duration::from_secs(300);

/// The longest sender name SMSAPI accepts.
const MAX_SENDER_LEN: usize = 11;

/// The cached list of sender names, with when it was read.
pub(crate) type SenderCache = std::sync::Mutex<Option<(Instant, Vec<SenderName>)>>;

/// Checks a sender name against SMSAPI's rules (error 2112): 1 to 11 characters, ASCII letters,
/// digits, `-`, `.` and space, not only digits.
fn check_name(name: &str) -> Result<&str, Error> {
    let n = name.trim();
    let ok_chars = n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ' '));
    let all_digits = n.chars().all(|c| c.is_ascii_digit());
    if !n.is_empty() && n.chars().count() <= MAX_SENDER_LEN && ok_chars && !all_digits {
        return Ok(n);
    }
    Err(Error::new(
        ErrorKind::InvalidSender,
        Certainty::NotSent,
        format!(
            "invalid SMSAPI sender name {name:?}: expected 1 to {MAX_SENDER_LEN} characters of ASCII \
             letters, digits, '-', '.' and space, not a phone number"
        ),
    )
    .with_gateway(GATEWAY_ID))
}

fn from_dto(s: wire::SenderNameDto) -> SenderName {
    SenderName {
        name: s.sender,
        status: SenderNameStatus::parse(s.status.as_deref().unwrap_or("")),
        is_default: s.is_default.unwrap_or(false),
        created_at: s.created_at.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
    }
}

impl SmsapiGateway {
    /// A REST request under `sms/sendernames`, `segments` appended as percent-encoded path
    /// segments, with an optional JSON body.
    async fn sendernames_request(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<serde_json::Value>,
    ) -> Result<Answer, Error> {
        let mut url = self.url("sms/sendernames");
        if let Ok(mut p) = url.path_segments_mut() {
            p.pop_if_empty();
            p.extend(segments);
        }
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(self.config.token.expose())
            .header(ACCEPT, "application/json");
        if let Some(b) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(b.to_string());
        }
        // A management request: `Call::Read` (nothing is sent to a phone either way).
        Answer::fetch(req, GATEWAY_ID, Call::Read, BODY_LIMIT).await
    }

    /// An answer without a body we need (204): success, or the error it carries.
    fn expect_done(&self, a: &Answer, name: &str) -> Result<(), Error> {
        if a.status == 404 {
            return Err(Error::new(
                ErrorKind::NotFound,
                Certainty::NotSent,
                format!("SMSAPI knows no sender name {name:?}"),
            )
            .with_gateway(GATEWAY_ID)
            .with_http_status(404));
        }
        if a.is_success() {
            return Ok(());
        }
        self.rest_json::<serde_json::Value>(a).map(|_| ())
    }

    /// Requests a new sender name (`POST /sms/sendernames`, body `{"sender": name}`); SMSAPI
    /// answers it, normally [`Pending`](SenderNameStatus::Pending) until approved.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSender`](bramka_core::ErrorKind::InvalidSender) for a name SMSAPI's rules
    /// refuse (before any request), else the request's [`Error`].
    pub async fn request_sender_name(&self, name: &str) -> Result<SenderName, Error> {
        let n = check_name(name)?;
        let a = self.sendernames_request(Method::POST, &[], Some(serde_json::json!({ "sender": n }))).await?;
        let dto: wire::SenderNameDto = self.rest_json(&a)?;
        self.forget_senders();
        Ok(from_dto(dto))
    }

    /// Makes `name` the account's default sender
    /// (`POST /sms/sendernames/{name}/commands/make_default`).
    ///
    /// # Errors
    ///
    /// The request's [`Error`] (a name the account does not have is refused by SMSAPI).
    pub async fn make_default_sender_name(&self, name: &str) -> Result<(), Error> {
        let n = check_name(name)?;
        let a = self.sendernames_request(Method::POST, &[n, "commands", "make_default"], None).await?;
        self.forget_senders();
        self.expect_done(&a, n)
    }

    /// Deletes a sender name (`DELETE /sms/sendernames/{name}`).
    ///
    /// # Errors
    ///
    /// The request's [`Error`] (a name the account does not have is refused by SMSAPI).
    pub async fn delete_sender_name(&self, name: &str) -> Result<(), Error> {
        let n = check_name(name)?;
        let a = self.sendernames_request(Method::DELETE, &[n], None).await?;
        self.forget_senders();
        self.expect_done(&a, n)
    }

    fn forget_senders(&self) {
        *self.sender_cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// With [`SmsapiConfigBuilder::verify_sender`](crate::SmsapiConfigBuilder::verify_sender) on:
    /// refuses a message whose alphanumeric sender name is not active on the account, naming its
    /// status. The list is read once and reused for five minutes (and after any change made
    /// through this gateway, read again).
    pub(crate) async fn check_sender(&self, message: &Message) -> Result<(), Error> {
        if !self.config.verify_sender {
            return Ok(());
        }
        let (Some(from), _) = self.sender_field(message) else { return Ok(()) };
        // Numbers and SMSAPI's pseudo-senders (Eco, 2Way) are not registered names.
        let chosen = message.sender().or(self.config.sender.as_ref());
        if !matches!(chosen, Some(Sender::Alphanumeric(_)))
            || chosen.map(Sender::as_string) != Some(from.clone())
        {
            return Ok(());
        }
        let cached = {
            let guard = self.sender_cache.lock().unwrap_or_else(|p| p.into_inner());
            guard.as_ref().filter(|(at, _)| at.elapsed() < SENDER_CACHE_TTL).map(|(_, l)| l.clone())
        };
        let list = match cached {
            Some(l) => l,
            None => {
                let l = self.sender_names().await?;
                *self.sender_cache.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((Instant::now(), l.clone()));
                l
            }
        };
        let status = list.iter().find(|s| s.name.eq_ignore_ascii_case(&from)).map(|s| s.status.clone());
        match status {
            Some(s) if s.is_usable() => Ok(()),
            Some(s) => Err(Error::new(
                ErrorKind::InvalidSender,
                Certainty::NotSent,
                format!("SMSAPI sender name {from:?} is {s}, not active: nothing was sent"),
            )
            .with_gateway(GATEWAY_ID)),
            None => Err(Error::new(
                ErrorKind::InvalidSender,
                Certainty::NotSent,
                format!(
                    "SMSAPI sender name {from:?} is not registered on the account (registered: {}): \
                     nothing was sent",
                    if list.is_empty() {
                        "none".to_owned()
                    } else {
                        list.iter()
                            .map(|s| format!("{} ({})", s.name, s.status))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            )
            .with_gateway(GATEWAY_ID)),
        }
    }
}

/// The core view of an SMSAPI sender name.
pub(crate) fn to_core(s: &SenderName) -> bramka_core::SenderName {
    let status = match &s.status {
        SenderNameStatus::Active => bramka_core::SenderStatus::Active,
        SenderNameStatus::Inactive => bramka_core::SenderStatus::Inactive,
        SenderNameStatus::Deleted => bramka_core::SenderStatus::Deleted,
        SenderNameStatus::Pending => bramka_core::SenderStatus::Pending,
        SenderNameStatus::Rejected => bramka_core::SenderStatus::Rejected,
        SenderNameStatus::Other(w) => bramka_core::SenderStatus::Other(w.clone()),
    };
    bramka_core::SenderName::new(s.name.clone(), status, s.is_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_names_follow_smsapis_rules() {
        assert_eq!(check_name("Sklep").unwrap(), "Sklep");
        assert_eq!(check_name("My-Shop.pl").unwrap(), "My-Shop.pl");
        for bad in ["", "TwelveChars1", "Sklep/1", "Żabka", "48600100200"] {
            let e = check_name(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidSender, "{bad}");
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }
}
