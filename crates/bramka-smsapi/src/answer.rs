//! Reading SMSAPI's answers: transport, bounded bodies, and the errors an answer means (the
//! table itself is in [`errors`](crate::errors)).

use std::time::Duration;

use bramka_core::http::{certainty_for_status, kind_for_status, read_limited, retry_after, transport_error};
use bramka_core::{Certainty, Error, ErrorKind};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use crate::errors::{DUPLICATE_IDX, api_error};
use crate::gateway::{BODY_LIMIT, GATEWAY_ID, SmsapiGateway};
use crate::hand_tuned::{decode_sms, form_body};
use crate::send::describe_invalid;
use crate::wire::{self, ErrorValue, SmsResponse, Str};

/// An HTTP answer, read in full.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What `sms.do` answered (borrowing from the answer's bytes).
pub(crate) enum SmsOutcome<'a> {
    /// A `count` + `list` answer.
    Answer(SmsResponse<'a>),
    /// Error 53: an `idx` of the request was already accepted.
    Duplicate,
}

impl SmsapiGateway {
    async fn read(&self, resp: reqwest::Response) -> Result<Answer, Error> {
        let status = resp.status().as_u16();
        let retry_after = retry_after(resp.headers());
        let body = read_limited(resp, BODY_LIMIT)
            .await
            .map_err(|e| e.into_error(GATEWAY_ID, Certainty::MaybeSent).with_http_status(status))?;
        Ok(Answer { status, retry_after, body })
    }

    pub(crate) async fn post_form(
        &self,
        path: &str,
        form: &[(&'static str, String)],
    ) -> Result<Answer, Error> {
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

    pub(crate) async fn get(
        &self,
        path: &str,
        query: &[(&'static str, &'static str)],
    ) -> Result<Answer, Error> {
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
    pub(crate) fn excerpt(&self, body: &[u8]) -> String {
        self.scrubber.excerpt(body, 200)
    }

    pub(crate) fn status_error(&self, a: &Answer, detail: Option<&str>) -> Error {
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

    pub(crate) fn code_error(&self, a: &Answer, code: u32, message: Option<&str>) -> Error {
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
    pub(crate) fn interpret_sms<'a>(&self, a: &'a Answer, list_hint: usize) -> Result<SmsOutcome<'a>, Error> {
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

    pub(crate) fn decode_error(&self, a: &Answer, what: &str) -> Error {
        Error::new(
            ErrorKind::Decode,
            Certainty::MaybeSent,
            format!("cannot read SMSAPI's answer: {what}: {}", self.excerpt(&a.body)),
        )
        .with_gateway(GATEWAY_ID)
        .with_http_status(a.status)
    }

    /// Interprets a JSON answer of a read-only endpoint (`/profile`, `/sms/sendernames`, `user.do`).
    pub(crate) fn rest_json<T: DeserializeOwned>(&self, a: &Answer) -> Result<T, Error> {
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
}
