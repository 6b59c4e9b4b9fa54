//! Twilio signatures: a request signed with the token verifies and parses to exactly the signed
//! pairs (or is refused); changing the body, or signing with another token, never verifies.
#![no_main]

use bramka::twilio::{TwilioWebhooks, signature};
use bramka_core::{WebhookEvent, WebhookParser};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let path: String = u.arbitrary().unwrap_or_default();
    let body: String = u.arbitrary().unwrap_or_default();
    let extra: String = u.arbitrary().unwrap_or_default();
    let url = format!("https://example.com/t/{}", path.replace(['#', '?'], ""));
    let Ok(req) = signature::signed_request_for_test("tok-1", &url, &body) else { return };
    let hooks = TwilioWebhooks::new("tok-1");
    hooks.verify(&req).unwrap_or_else(|e| panic!("{url:?} {body:?}: {e}"));
    if let Ok(events) = hooks.parse(&req) {
        // Each signed parameter appears once and the event holds its value.
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(body.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let raw = match &events[0] {
            WebhookEvent::Inbound(m) => &m.raw,
            WebhookEvent::Delivery(d) => &d.raw,
            _ => return,
        };
        for (k, v) in &pairs {
            if let Some(got) = raw.get(k) {
                assert_eq!(got, v, "{k}");
            }
        }
    }
    assert!(TwilioWebhooks::new("tok-2").parse(&req).is_err(), "another token verified");
    if !extra.is_empty() {
        let changed = req.clone().with_body(format!("{body}&{extra}"));
        // An empty name with an empty value adds nothing to the signed string.
        fn set(b: &[u8]) -> std::collections::BTreeSet<(String, String)> {
            url::form_urlencoded::parse(b)
                .filter(|(k, v)| !(k.is_empty() && v.is_empty()))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        }
        let same = set(changed.body.as_slice()) == set(body.as_bytes());
        if !same {
            assert!(hooks.verify(&changed).is_err(), "a changed body verified: {body:?} + {extra:?}");
        }
    }
});
