//! Every operator's webhook parser on any request (method, query, content type, body), through
//! the public `WebhookParser` API. Oracles: no panic; a signed operator (Twilio) fails closed on
//! any request not signed with its token (the fuzzer cannot compute an HMAC); every refusal has
//! a 4xx status; SMSAPI's limits hold.
#![no_main]

use bramka::infobip::InfobipWebhooks;
use bramka::smsapi::{MAX_WEBHOOK_BYTES, SmsapiWebhooks};
use bramka::twilio::TwilioWebhooks;
use bramka_core::{WebhookError, WebhookParser, WebhookRequest};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

const METHODS: &[&str] = &["GET", "POST", "PUT"];
const TYPES: &[&str] = &["application/x-www-form-urlencoded", "application/json", "text/plain", ""];

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let method = METHODS[u.choose_index(METHODS.len()).unwrap_or(0)];
    let content_type = TYPES[u.choose_index(TYPES.len()).unwrap_or(0)];
    let query: String = u.arbitrary().unwrap_or_default();
    let signature: String = u.arbitrary().unwrap_or_default();
    let body = u.take_rest().to_vec();
    let Ok(url) = url::Url::parse(&format!("https://hooks.example.com/sms?{query}")) else { return };
    let mut request = WebhookRequest::new(method, url).with_body(body);
    if !content_type.is_empty() {
        request = request.with_header("Content-Type", content_type);
    }
    if !signature.is_empty() {
        request = request.with_header("X-Twilio-Signature", &signature);
    }
    let smsapi = SmsapiWebhooks::new();
    let infobip = InfobipWebhooks::new();
    let twilio = TwilioWebhooks::new("fuzz-auth-token");
    for parser in [&smsapi as &dyn WebhookParser, &infobip, &twilio] {
        match parser.parse(&request) {
            Ok(events) => {
                let _ = parser.acknowledge(&events);
                let _ = format!("{events:?}");
            }
            Err(e) => assert!((400..500).contains(&e.http_status()), "{e}"),
        }
    }
    // Fail closed: without the token, no request is accepted.
    assert!(matches!(
        twilio.parse(&request),
        Err(WebhookError::MissingSignature { .. } | WebhookError::InvalidSignature { .. } | WebhookError::Method { .. })
    ));
    let size = request.url.query().map_or(0, str::len) + request.body.len();
    if size > MAX_WEBHOOK_BYTES && matches!(method, "GET" | "POST") {
        assert!(matches!(smsapi.parse(&request), Err(WebhookError::TooLarge { .. })));
    }
});
