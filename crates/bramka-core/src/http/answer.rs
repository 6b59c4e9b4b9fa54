//! [`Answer`]: an operator's HTTP answer read whole (status, `Retry-After`, a bounded body), and
//! the errors made from it with the right certainty.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::{read_limited, retry_after, transport_error};
use crate::error::{Certainty, Error, ErrorKind, ErrorRow};

/// What a failed or ambiguous request means for the message: a send that may have reached the
/// operator is [`Certainty::MaybeSent`]; a read-only call (status, balance) changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Call {
    /// A request that sends (changes state at the operator).
    Send,
    /// A read-only or management request.
    Read,
}

impl Call {
    /// The certainty of an ambiguous failure of this call.
    pub fn ambiguous(self) -> Certainty {
        match self {
            Call::Send => Certainty::MaybeSent,
            Call::Read => Certainty::NotSent,
        }
    }
}

/// An HTTP answer, read whole.
#[derive(Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` the operator asked for.
    pub retry_after: Option<Duration>,
    /// The body (at most the cap it was read with).
    pub body: Vec<u8>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Answer {
    /// Sends `request` and reads the answer, refusing a body over `limit` bytes. Transport
    /// failures are mapped by [`transport_error`] (connect failures `NotSent`, later ones
    /// `MaybeSent` for a [`Call::Send`]); a body that cannot be read whole is
    /// [`ErrorKind::Decode`] or [`ErrorKind::Network`] with `call`'s ambiguous certainty.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] from [`transport_error`] (kind [`ErrorKind::Network`],
    /// [`ErrorKind::Timeout`], [`ErrorKind::Config`] or [`ErrorKind::Decode`]) when the request fails,
    /// [`Certainty::NotSent`] for a [`Call::Read`]; and what [`read`](Answer::read) returns.
    pub async fn fetch(
        request: reqwest::RequestBuilder,
        gateway: &'static str,
        call: Call,
        limit: usize,
    ) -> Result<Answer, Error> {
        let resp = request.send().await.map_err(|e| {
            let err = transport_error(gateway, &e);
            if call == Call::Read { err.with_certainty(Certainty::NotSent) } else { err }
        })?;
        Answer::read(resp, gateway, call, limit).await
    }

    /// Reads `resp` whole (see [`fetch`](Answer::fetch)).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Decode`] when the body is larger than `limit`, and
    /// [`ErrorKind::Network`] when the connection fails while it is read; both carry the HTTP status
    /// and `call`'s ambiguous certainty.
    pub async fn read(
        resp: reqwest::Response,
        gateway: &'static str,
        call: Call,
        limit: usize,
    ) -> Result<Answer, Error> {
        let status = resp.status().as_u16();
        let retry_after = retry_after(resp.headers());
        let body = read_limited(resp, limit)
            .await
            .map_err(|e| e.into_error(gateway, call.ambiguous()).with_http_status(status))?;
        Ok(Answer { status, retry_after, body })
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error for a non-2xx answer: `kind` and `certainty` from the operator's table,
    /// `message` already scrubbed; the HTTP status and `Retry-After` are attached.
    pub fn error(
        &self,
        gateway: &'static str,
        kind: ErrorKind,
        certainty: Certainty,
        message: impl Into<String>,
    ) -> Error {
        let mut e = Error::new(kind, certainty, message).with_gateway(gateway).with_http_status(self.status);
        if let Some(d) = self.retry_after {
            e = e.with_retry_after(d);
        }
        e
    }

    /// The error for a non-2xx answer of a send, from the operator's table: the row whose code is
    /// the HTTP status; else a 5xx is [`ErrorKind::Unavailable`] / [`Certainty::MaybeSent`] and any
    /// other status [`ErrorKind::Other`] with [`certainty_for_status`](super::certainty_for_status).
    /// `detail` (already scrubbed) is the message; when empty, `"{operator} answered HTTP {status}"`.
    ///
    /// ```
    /// use bramka_core::http::Answer;
    /// use bramka_core::{Certainty, ErrorKind, error::ErrorRow};
    /// const TABLE: &[ErrorRow] = &[ErrorRow::new("401", ErrorKind::Auth, Certainty::NotSent, "[docs]")];
    /// let answer = |status| Answer { status, retry_after: None, body: Vec::new() };
    /// let e = answer(401).status_error("acme", "Acme", TABLE, String::new());
    /// assert_eq!((e.kind(), e.http_status()), (ErrorKind::Auth, Some(401)));
    /// assert_eq!(e.operator_message(), "Acme answered HTTP 401");
    /// let e = answer(507).status_error("acme", "Acme", TABLE, "disk full".into());
    /// assert_eq!((e.kind(), e.certainty()), (ErrorKind::Unavailable, Certainty::MaybeSent));
    /// let e = answer(418).status_error("acme", "Acme", TABLE, String::new());
    /// assert_eq!((e.kind(), e.certainty()), (ErrorKind::Other, Certainty::NotSent));
    /// ```
    pub fn status_error(
        &self,
        gateway: &'static str,
        operator: &str,
        table: &[ErrorRow],
        detail: String,
    ) -> Error {
        let (kind, certainty) = match ErrorRow::find(table, &self.status.to_string()) {
            Some(row) => (row.kind, row.certainty),
            None if self.status >= 500 => (ErrorKind::Unavailable, Certainty::MaybeSent),
            None => (ErrorKind::Other, super::certainty_for_status(self.status)),
        };
        let message =
            if detail.is_empty() { format!("{operator} answered HTTP {}", self.status) } else { detail };
        self.error(gateway, kind, certainty, message)
    }

    /// The error for an answer that could not be decoded. A 2xx answer to a send is
    /// [`Certainty::MaybeSent`] (the operator accepted something); otherwise it follows the status
    /// (4xx `NotSent`) or the call.
    pub fn decode_error(&self, gateway: &'static str, call: Call, what: impl fmt::Display) -> Error {
        let certainty = if self.is_success() || !(400..500).contains(&self.status) {
            call.ambiguous()
        } else {
            Certainty::NotSent
        };
        self.error(
            gateway,
            ErrorKind::Decode,
            certainty,
            format!("cannot decode the answer (HTTP {}): {what}", self.status),
        )
    }

    /// Decodes the body as JSON, or the [`decode_error`](Answer::decode_error). The error says
    /// what was expected and where, never a value of the body (which may echo a credential).
    ///
    /// # Errors
    ///
    /// Returns the [`decode_error`](Answer::decode_error) (kind [`ErrorKind::Decode`]) when the body
    /// is not JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self, gateway: &'static str, call: Call) -> Result<T, Error> {
        serde_json::from_slice(&self.body)
            .map_err(|e| self.decode_error(gateway, call, json_error_summary(&e)))
    }
}

/// What a JSON decoding error says, without the values it quotes from the input: serde's
/// message names an unexpected value (`invalid type: string "…"`, ``unknown field `…` ``) before
/// what was expected, and that value came from the operator.
fn json_error_summary(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    let what = match e.classify() {
        Category::Syntax => "not JSON".to_owned(),
        Category::Eof => "the JSON ends early".to_owned(),
        Category::Io => "the body could not be read".to_owned(),
        // Names from the expected type only: no value of the input.
        Category::Data if text.starts_with("missing field") => {
            text.split(" at line ").next().unwrap_or_default().to_owned()
        }
        Category::Data => match text.rsplit_once(", expected ") {
            Some((_, expected)) => {
                format!(
                    "not the expected shape: expected {}",
                    expected.split(" at line ").next().unwrap_or_default()
                )
            }
            None => "not the expected shape".to_owned(),
        },
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// An id an operator gives as a JSON string or number, as text; `None` for anything else (an
/// empty string, null, an object…).
///
/// ```
/// use bramka_core::http::json_id;
/// use serde_json::json;
/// assert_eq!(json_id(&json!("ab-1")), Some("ab-1".to_owned()));
/// assert_eq!(json_id(&json!(42)), Some("42".to_owned()));
/// assert_eq!(json_id(&json!("")), None);
/// assert_eq!(json_id(&json!({"id": 1})), None);
/// ```
pub fn json_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of the body never reach the error; what was expected and where does (found by
    /// the `answer_dynmark` fuzz target: `"[{SECRET"` as a 201 body was quoted whole).
    #[test]
    fn json_errors_say_what_was_expected_without_quoting_the_body() {
        let answer = |body: &str| Answer { status: 201, retry_after: None, body: body.as_bytes().to_vec() };
        let cases: [(&str, &str); 4] = [
            (r#""[{S3cr3t, expected x""#, "not the expected shape: expected a sequence at line 1 column"),
            (r#"[{"to": ["S3cr3t"]}]"#, "not the expected shape: expected a string at line 1 column"),
            ("[{S3cr3t", "not JSON at line 1 column 3"),
            ("[", "the JSON ends early at line 1 column 1"),
        ];
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            to: Option<String>,
        }
        for (body, expected) in cases {
            let e = answer(body).json::<Vec<Item>>("op", Call::Send).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(shown.contains(expected), "{body}: {shown}");
            assert!(!shown.contains("S3cr3t"), "{body}: {shown}");
            assert_eq!(e.kind(), ErrorKind::Decode);
        }
    }
}
