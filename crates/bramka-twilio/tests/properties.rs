//! Property tests: signatures verify whatever the parameters, order does not matter, any change
//! is refused; TwiML escaping round-trips.

use bramka_core::{Secret, WebhookParser};
use bramka_twilio::signature::{self, SignatureError};
use bramka_twilio::{MessagingResponse, TwilioWebhooks};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Body".to_owned()),
        Just("body".to_owned()),
        Just("BODY".to_owned()),
        Just("From".to_owned()),
        Just("To".to_owned()),
        "[A-Za-z][A-Za-z0-9.]{0,12}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "\\PC{0,20}", "[+0-9 ]{0,16}"]
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

proptest! {
    #[test]
    fn signed_params_verify_in_any_order(
        params in proptest::collection::vec((name(), value()), 0..8),
        port in proptest::option::of(1u16..65535),
        token in "[a-z0-9]{8,32}",
    ) {
        let host = match port { Some(p) => format!("hooks.example.com:{p}"), None => "hooks.example.com".to_owned() };
        let url = format!("https://{host}/twilio?x=1");
        let sig = signature::compute(&token, &url, &params);
        prop_assert_eq!(signature::verify_form(&Secret::new(token.clone()), &url, &params, &sig), Ok(()));
        let mut reversed = params.clone();
        reversed.reverse();
        prop_assert_eq!(signature::compute(&token, &url, &reversed), sig.clone());
        // Signed without the port (what Twilio may do), received with it: still accepted.
        let bare = "https://hooks.example.com/twilio?x=1";
        let bare_sig = signature::compute(&token, bare, &params);
        prop_assert_eq!(signature::verify_form(&Secret::new(token), &url, &params, &bare_sig), Ok(()));
    }

    #[test]
    fn any_changed_value_or_url_is_refused(
        params in proptest::collection::btree_map(name(), value(), 1..8),
        pick in any::<proptest::sample::Index>(),
        extra in "[a-z]{1,3}",
    ) {
        let params: Vec<(String, String)> = params.into_iter().collect();
        let url = "https://hooks.example.com/twilio";
        let token = Secret::new("12345");
        let sig = signature::compute("12345", url, &params);
        let mut changed = params.clone();
        changed[pick.index(params.len())].1.push_str(&extra);
        prop_assert_eq!(signature::verify_form(&token, url, &changed, &sig), Err(SignatureError::Mismatch));
        let other_url = format!("{url}/{extra}");
        prop_assert_eq!(signature::verify_form(&token, &other_url, &params, &sig), Err(SignatureError::Mismatch));
    }

    #[test]
    fn signed_test_requests_parse(body_text in "\\PC{0,40}", from in "[1-9][0-9]{9,13}") {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("MessageSid", "SM1234567890abcdef1234567890abcdef")
            .append_pair("SmsStatus", "received")
            .append_pair("From", &format!("+{from}"))
            .append_pair("To", "+15005550006")
            .append_pair("Body", &body_text);
        let req = signature::signed_request_for_test("tok", "https://h.example/in?tenant=a%20b", &form.finish()).unwrap();
        let events = TwilioWebhooks::new("tok").parse(&req).unwrap();
        match &events[0] {
            bramka_core::WebhookEvent::Inbound(m) => prop_assert_eq!(&m.text, &body_text),
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn twiml_escaping_round_trips(text in "[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\u{FFFE}\u{FFFF}]{1,200}") {
        let xml = MessagingResponse::new().message(text.clone()).to_xml().unwrap();
        let inner = xml
            .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>"#)
            .and_then(|s| s.strip_suffix("</Message></Response>"))
            .unwrap();
        prop_assert!(!inner.contains('<') && !inner.contains('>'));
        prop_assert_eq!(unescape(inner), text);
    }
}
