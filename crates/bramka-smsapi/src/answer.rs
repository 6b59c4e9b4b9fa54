//! Reading SMSAPI's answers: transport, bounded bodies, and the errors an answer means (the
//! table itself is in [`errors`](crate::errors)).

use bramka_core::http::{Answer, Call, certainty_for_status, kind_for_status};
use bramka_core::{Certainty, Error, ErrorKind};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use crate::errors::{DUPLICATE_IDX, api_error};
use crate::gateway::{BODY_LIMIT, GATEWAY_ID, SmsapiGateway};
use crate::hand_tuned::{decode_sms, form_body};
use crate::send::describe_invalid;
use crate::wire::{self, ErrorValue, SmsResponse, Str};

/// What `sms.do` answered (borrowing from the answer's bytes).
pub(crate) enum SmsOutcome<'a> {
    /// A `count` + `list` answer.
    Answer(SmsResponse<'a>),
    /// Error 53: an `idx` of the request was already accepted.
    Duplicate,
}

impl SmsapiGateway {
    /// Posts a form to `path` and reads the answer with the core's [`Answer::fetch`] (bounded
    /// body, `Retry-After`, transport failures with the certainty `call` implies).
    pub(crate) async fn post_form(
        &self,
        path: &str,
        form: &[(&'static str, String)],
        call: Call,
    ) -> Result<Answer, Error> {
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(self.config.token.expose())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(form));
        Answer::fetch(request, GATEWAY_ID, call, BODY_LIMIT).await
    }

    /// A read-only `GET` ([`Call::Read`]: a failure changes nothing at SMSAPI).
    pub(crate) async fn get(
        &self,
        path: &str,
        query: &[(&'static str, &'static str)],
    ) -> Result<Answer, Error> {
        let request = self
            .http
            .get(self.url(path))
            .bearer_auth(self.config.token.expose())
            .header(ACCEPT, "application/json")
            .query(query);
        Answer::fetch(request, GATEWAY_ID, Call::Read, BODY_LIMIT).await
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
        a.error(GATEWAY_ID, kind_for_status(a.status), certainty_for_status(a.status), text)
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

#[cfg(test)]
mod tests {
    use bramka_core::error::ErrorRow;
    use bramka_core::testing::conformance::check_error_rows;

    use super::*;
    use crate::SmsapiConfig;
    use crate::errors::{RANGES, TABLE};

    /// Every row of the table (and the first, a middle and the last code of every range),
    /// through the code that reads a real `sms.do` answer carrying the code.
    #[test]
    fn every_error_row_maps_as_documented() {
        let gw = SmsapiGateway::new(SmsapiConfig::builder("t").build().unwrap()).unwrap();
        let map = |code: &str| {
            let body = format!(r#"{{"error":{code},"message":"from SMSAPI"}}"#).into_bytes();
            let a = Answer { status: 200, retry_after: None, body };
            match gw.interpret_sms(&a, 1) {
                Err(e) => e,
                // How status and cancel report a duplicate (a send reports it AlreadyAccepted).
                Ok(SmsOutcome::Duplicate) => api_error(DUPLICATE_IDX, None, Some(a.status)),
                Ok(SmsOutcome::Answer(_)) => panic!("code {code} was read as an answer"),
            }
        };
        check_error_rows(TABLE, map);
        let in_ranges: Vec<ErrorRow> = RANGES
            .iter()
            .flat_map(|(from, to, row)| {
                [*from, (from + to) / 2, *to].map(|c| {
                    let code: &'static str = Box::leak(c.to_string().into_boxed_str());
                    ErrorRow::new(code, row.kind, row.certainty, row.evidence)
                })
            })
            .collect();
        check_error_rows(&in_ranges, map);
    }
}
