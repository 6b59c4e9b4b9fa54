//! Twilio webhooks: [`TwilioWebhooks`] verifies `X-Twilio-Signature` (failing closed) and turns
//! status callbacks into [`DeliveryReport`]s and inbound messages into [`InboundMessage`]s;
//! [`MessagingResponse`] builds the TwiML reply.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::{
    DeliveryReport, InboundMessage, PhoneNumber, Secret, WebhookError, WebhookEvent, WebhookParser,
    WebhookRequest, WebhookResponse,
};

use crate::errors::GATEWAY;
use crate::limits::MAX_BODY_CHARS;
use crate::model::MessageStatus;
use crate::signature::{self, SIGNATURE_HEADER, SignatureError};

/// The header Twilio sets on webhook requests, the same on retried deliveries; copied into the
/// event's `raw` map under this name so handlers can de-duplicate.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

#[derive(Clone)]
enum Mode {
    Verify(Vec<Secret>),
    InsecureNoSignatureCheck,
}

/// Parses Twilio's webhooks after verifying their signature.
///
/// Verification fails closed: a request without `X-Twilio-Signature`, or with one that matches
/// neither the URL as received nor its port variants, is refused. The request's `url` must be the
/// exact public URL configured at Twilio (scheme, host, port, path and query).
///
/// ```
/// use bramka_core::{WebhookEvent, WebhookParser};
/// use bramka_twilio::{TwilioWebhooks, signature};
///
/// let hooks = TwilioWebhooks::new("12345");
/// let body = "MessageSid=SM3f1b2c4d5e6f708192a3b4c5d6e7f809&MessageStatus=delivered&To=%2B14155552671&From=%2B15005550006";
/// let req = signature::signed_request_for_test("12345", "https://example.com/twilio/status", body).unwrap();
/// let events = hooks.parse(&req).unwrap();
/// assert!(matches!(&events[0], WebhookEvent::Delivery(d) if d.state.is_delivered()));
///
/// // A wrong signature is refused.
/// let forged = signature::signed_request_for_test("not-the-token", "https://example.com/twilio/status", body).unwrap();
/// assert_eq!(hooks.parse(&forged).unwrap_err().http_status(), 403);
/// ```
#[derive(Clone)]
pub struct TwilioWebhooks {
    mode: Mode,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TwilioWebhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match &self.mode {
            Mode::Verify(t) => format!("verify({} token(s): ***)", t.len()),
            Mode::InsecureNoSignatureCheck => "INSECURE: signatures not checked".to_owned(),
        };
        f.debug_struct("TwilioWebhooks").field("mode", &mode).finish()
    }
}

impl TwilioWebhooks {
    /// Verifies with the account's Auth Token (API key secrets cannot verify webhooks).
    pub fn new(auth_token: impl Into<Secret>) -> Self {
        TwilioWebhooks { mode: Mode::Verify(vec![auth_token.into()]), clock: Arc::new(SystemClock) }
    }

    /// Also accepts signatures made with another token (e.g. the secondary token while rotating
    /// the Auth Token).
    #[must_use]
    pub fn also_accept_token(mut self, auth_token: impl Into<Secret>) -> Self {
        if let Mode::Verify(tokens) = &mut self.mode {
            tokens.push(auth_token.into());
        }
        self
    }

    /// **Insecure**: parses webhooks without checking any signature, so anyone who can reach
    /// your endpoint can forge delivery reports and inbound messages. Only for local development
    /// behind something else that authenticates Twilio.
    pub fn insecure_without_signature_check() -> Self {
        tracing::warn!("TwilioWebhooks created WITHOUT signature verification: webhooks can be forged");
        TwilioWebhooks { mode: Mode::InsecureNoSignatureCheck, clock: Arc::new(SystemClock) }
    }

    /// The clock giving `received_at` of inbound messages (Twilio does not send a time).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether signatures are checked.
    pub fn verifies_signatures(&self) -> bool {
        matches!(self.mode, Mode::Verify(_))
    }

    /// Verifies the request's signature: the JSON variant when the URL carries `bodySHA256`,
    /// the URL alone for `GET`, else the URL and the form parameters.
    ///
    /// # Errors
    ///
    /// Returns [`WebhookError::MissingSignature`] when the `X-Twilio-Signature` header is absent or
    /// blank, and [`WebhookError::InvalidSignature`] when the signature matches no configured token
    /// (or, for the JSON variant, `bodySHA256` is missing or differs from the body's hash). Never
    /// fails when signature checks are off.
    pub fn verify(&self, request: &WebhookRequest) -> Result<(), WebhookError> {
        let tokens = match &self.mode {
            Mode::InsecureNoSignatureCheck => return Ok(()),
            Mode::Verify(t) => t,
        };
        let Some(sig) = request.header(SIGNATURE_HEADER).filter(|s| !s.trim().is_empty()) else {
            return Err(WebhookError::MissingSignature { header: SIGNATURE_HEADER.to_owned() });
        };
        // `WebhookRequest::url` is a parsed `Url`, which percent-encodes non-ASCII characters and
        // `'` in the query; Twilio signs the URL as configured, possibly with them raw. Both forms
        // are tried (each with its port variants).
        let parsed = request.url.as_str();
        let mut urls = vec![parsed.to_owned()];
        if let Some(raw) = undo_url_normalisation(parsed) {
            urls.push(raw);
        }
        let form = if request.method == "GET" { Vec::new() } else { request.form_pairs() };
        let mut last = SignatureError::Mismatch;
        for token in tokens {
            for url in &urls {
                let result = if signature::body_sha256_param(url).is_some() {
                    signature::verify_json_body(token, url, &request.body, sig)
                } else {
                    signature::verify_form(token, url, &form, sig)
                };
                match result {
                    Ok(()) => return Ok(()),
                    Err(e) => last = e,
                }
            }
        }
        Err(match last {
            SignatureError::Missing => WebhookError::MissingSignature { header: SIGNATURE_HEADER.to_owned() },
            other => WebhookError::InvalidSignature { reason: other.to_string() },
        })
    }

    fn params(request: &WebhookRequest) -> Vec<(String, String)> {
        if request.method == "GET" { request.query_pairs() } else { request.form_pairs() }
    }

    fn event(&self, params: Vec<(String, String)>) -> Result<WebhookEvent, WebhookError> {
        // Twilio never repeats a parameter name in a messaging webhook. The signature covers the
        // sorted concatenation of names and values, so a captured request whose value is split
        // into a repeated name (`Body=hiFrom+1…` → `Body=hi&From=+1…&From=…`) still verifies:
        // with "the last value wins", that would forge the sender. Repeats are refused instead.
        let mut raw: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in params {
            if raw.contains_key(&k) {
                return Err(WebhookError::malformed(format!(
                    "parameter {k:?} appears more than once; Twilio sends each parameter once"
                )));
            }
            raw.insert(k, v);
        }
        let get = |k: &str| raw.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let sid = get("MessageSid")
            .or_else(|| get("SmsSid"))
            .ok_or_else(|| WebhookError::malformed("no MessageSid: not a Twilio messaging webhook"))?
            .to_owned();
        let status = get("MessageStatus").or_else(|| get("SmsStatus"));
        let inbound = matches!(status, Some("received" | "receiving"))
            || (status.is_none() && raw.contains_key("Body"));
        if inbound {
            let from = get("From").ok_or_else(|| WebhookError::malformed("inbound message without From"))?;
            let to = get("To").ok_or_else(|| WebhookError::malformed("inbound message without To"))?;
            let text = raw.get("Body").cloned().unwrap_or_default();
            let mut m = InboundMessage::new(GATEWAY, sid, from, to, text, self.clock.now());
            m.parts = get("NumSegments").and_then(|n| n.parse().ok());
            m.raw = raw;
            return Ok(WebhookEvent::Inbound(m));
        }
        let Some(status) = status else {
            return Err(WebhookError::malformed(
                "neither MessageStatus nor an inbound Body: unknown Twilio webhook",
            ));
        };
        let parsed = MessageStatus::parse(status);
        let error_code = get("ErrorCode").map(str::to_owned);
        let mut r = DeliveryReport::new(GATEWAY, sid, parsed.delivery_state(error_code.as_deref()), status);
        r.to = get("To").and_then(|t| PhoneNumber::parse(t).ok());
        r.error_code = error_code;
        r.error_message = get("ErrorMessage").map(str::to_owned);
        // RawDlrDoneDate (YYMMDDhhmm) has no time zone: kept raw, never guessed into `at`.
        r.raw = raw;
        Ok(WebhookEvent::Delivery(r))
    }
}

impl WebhookParser for TwilioWebhooks {
    fn provider(&self) -> &str {
        GATEWAY
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
        if request.method != "POST" && request.method != "GET" {
            return Err(WebhookError::Method {
                method: request.method.clone(),
                expected: "POST or GET".into(),
            });
        }
        self.verify(request)?;
        if signature::body_sha256_param(request.url.as_str()).is_some() {
            return Err(WebhookError::malformed(
                "a JSON-body (bodySHA256) webhook is not an SMS status or inbound webhook; use verify() for other products",
            ));
        }
        let mut event = self.event(Self::params(request))?;
        // Twilio's de-duplication key for retried webhook deliveries [obs], kept for the caller.
        if let Some(token) = request.header(IDEMPOTENCY_HEADER) {
            let raw = match &mut event {
                WebhookEvent::Delivery(d) => &mut d.raw,
                WebhookEvent::Inbound(m) => &mut m.raw,
                _ => return Ok(vec![event]),
            };
            raw.insert(IDEMPOTENCY_HEADER.to_owned(), token.to_owned());
        }
        Ok(vec![event])
    }

    /// An empty TwiML `<Response/>` for inbound messages (no reply), an empty `200` for status
    /// callbacks. To reply to an inbound message, answer with [`MessagingResponse`] instead.
    fn acknowledge(&self, events: &[WebhookEvent]) -> WebhookResponse {
        if events.iter().any(|e| matches!(e, WebhookEvent::Inbound(_))) {
            MessagingResponse::new().to_webhook_response().unwrap_or_else(|_| WebhookResponse::text(""))
        } else {
            WebhookResponse { status: 200, content_type: "text/plain".into(), body: String::new() }
        }
    }
}

/// The URL with the escapes `url::Url` adds undone: percent-encoded non-ASCII UTF-8 decoded, and
/// `%27` decoded in the query. `None` when nothing changes.
fn undo_url_normalisation(url: &str) -> Option<String> {
    let query_start = url.find('?').unwrap_or(url.len());
    let bytes = url.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex =
                std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex
                && (b >= 0x80 || (b == b'\'' && i > query_start))
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8(out).ok()?;
    (decoded != url).then_some(decoded)
}

/// Why a TwiML reply cannot be rendered.
///
/// ```
/// use bramka_twilio::{MessagingResponse, TwimlError};
///
/// let e = MessagingResponse::new().message("bell \u{7}").to_xml().unwrap_err();
/// assert!(matches!(e, TwimlError::InvalidCharacter { codepoint: 7, .. }), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TwimlError {
    /// XML 1.0 cannot carry this character (control characters other than tab, CR, LF).
    #[error(
        "character U+{codepoint:04X} at position {position} of message {message} cannot be sent in TwiML (XML 1.0 allows tab, CR, LF and no other control characters)"
    )]
    InvalidCharacter {
        /// 1-based message index.
        message: usize,
        /// 0-based character position.
        position: usize,
        /// The code point.
        codepoint: u32,
    },
    /// A reply text longer than Twilio's 1600 characters.
    #[error("reply {message} has {chars} characters; Twilio accepts at most 1600")]
    TooLong {
        /// 1-based message index.
        message: usize,
        /// Characters counted.
        chars: usize,
    },
    /// An empty reply text.
    #[error("reply {message} is empty; leave it out for no reply")]
    Empty {
        /// 1-based message index.
        message: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Reply {
    body: String,
    to: Option<String>,
    from: Option<String>,
}

/// A TwiML messaging response: `<Response/>` (no reply) or one `<Message>` per reply.
///
/// ```
/// use bramka_twilio::MessagingResponse;
/// assert_eq!(MessagingResponse::new().to_xml().unwrap(),
///     r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#);
/// assert_eq!(MessagingResponse::new().message("Tom & Jerry <3").to_xml().unwrap(),
///     r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tom &amp; Jerry &lt;3</Message></Response>"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagingResponse {
    replies: Vec<Reply>,
}

impl MessagingResponse {
    /// An empty response: no reply.
    pub fn new() -> Self {
        MessagingResponse::default()
    }

    /// Adds a reply to the sender.
    #[must_use]
    pub fn message(mut self, body: impl Into<String>) -> Self {
        self.replies.push(Reply { body: body.into(), to: None, from: None });
        self
    }

    /// Adds a message with explicit `to` and `from` attributes.
    #[must_use]
    pub fn message_to(mut self, body: impl Into<String>, to: &str, from: Option<&str>) -> Self {
        self.replies.push(Reply {
            body: body.into(),
            to: Some(to.to_owned()),
            from: from.map(str::to_owned),
        });
        self
    }

    /// The TwiML document.
    ///
    /// # Errors
    ///
    /// Returns [`TwimlError::Empty`] for a reply without text, [`TwimlError::TooLong`] for one over
    /// Twilio's body limit, and [`TwimlError::InvalidCharacter`] for a control character XML 1.0
    /// cannot carry (in the text, `to` or `from`).
    pub fn to_xml(&self) -> Result<String, TwimlError> {
        let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        if self.replies.is_empty() {
            out.push_str("<Response/>");
            return Ok(out);
        }
        out.push_str("<Response>");
        for (i, r) in self.replies.iter().enumerate() {
            let n = i + 1;
            if r.body.is_empty() {
                return Err(TwimlError::Empty { message: n });
            }
            let chars = r.body.chars().count();
            if chars > MAX_BODY_CHARS {
                return Err(TwimlError::TooLong { message: n, chars });
            }
            out.push_str("<Message");
            if let Some(to) = &r.to {
                out.push_str(" to=\"");
                escape_into(&mut out, to, n)?;
                out.push('"');
            }
            if let Some(from) = &r.from {
                out.push_str(" from=\"");
                escape_into(&mut out, from, n)?;
                out.push('"');
            }
            out.push('>');
            escape_into(&mut out, &r.body, n)?;
            out.push_str("</Message>");
        }
        out.push_str("</Response>");
        Ok(out)
    }

    /// The response to give Twilio: `200`, `text/xml`.
    ///
    /// # Errors
    ///
    /// Returns what [`to_xml`](Self::to_xml) returns.
    pub fn to_webhook_response(&self) -> Result<WebhookResponse, TwimlError> {
        Ok(WebhookResponse { status: 200, content_type: "text/xml".into(), body: self.to_xml()? })
    }
}

fn escape_into(out: &mut String, text: &str, message: usize) -> Result<(), TwimlError> {
    for (position, c) in text.chars().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                return Err(TwimlError::InvalidCharacter { message, position, codepoint: c as u32 });
            }
            c => out.push(c),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twiml_escapes_and_refuses_bad_input() {
        let x = MessagingResponse::new().message_to("a\"b'c>", "+1415", Some("A&B")).to_xml().unwrap();
        assert_eq!(
            x,
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message to="+1415" from="A&amp;B">a&quot;b&apos;c&gt;</Message></Response>"#
        );
        assert_eq!(
            MessagingResponse::new().message("ok").message("bad\u{7}").to_xml(),
            Err(TwimlError::InvalidCharacter { message: 2, position: 3, codepoint: 7 })
        );
        assert_eq!(
            MessagingResponse::new().message("x".repeat(1601)).to_xml(),
            Err(TwimlError::TooLong { message: 1, chars: 1601 })
        );
        assert_eq!(MessagingResponse::new().message("").to_xml(), Err(TwimlError::Empty { message: 1 }));
        let r = MessagingResponse::new().message("line1\nline2").to_webhook_response().unwrap();
        assert_eq!(r.content_type, "text/xml");
        assert!(r.body.contains("line1\nline2"));
    }

    #[test]
    fn url_normalisation_undone_only_where_url_adds_escapes() {
        assert_eq!(
            undo_url_normalisation("https://a.com/webhook/Espa%C3%B1a?a%C3%B1o=2023&q=it%27s"),
            Some("https://a.com/webhook/España?año=2023&q=it's".to_owned())
        );
        // %27 in the path, %2B and %20 anywhere stay as they are.
        assert_eq!(undo_url_normalisation("https://a.com/it%27s?x=%2B1%20"), None);
        // Invalid UTF-8 after decoding: no variant.
        assert_eq!(undo_url_normalisation("https://a.com/?x=%C3"), None);
        assert_eq!(undo_url_normalisation("https://a.com/?x=%"), None);
    }

    #[test]
    fn debug_never_shows_tokens() {
        let h = TwilioWebhooks::new("tok-secret-1").also_accept_token("tok-secret-2");
        let d = format!("{h:?}");
        assert!(!d.contains("tok-secret"), "{d}");
        assert!(format!("{:?}", TwilioWebhooks::insecure_without_signature_check()).contains("INSECURE"));
    }
}
