//! Webhook signatures (every portable vector of the official libraries, valid accepted, invalid
//! refused), status callbacks, inbound messages and TwiML replies, from the fixtures.

mod common;

use bramka_core::{DeliveryState, Secret, WebhookError, WebhookEvent, WebhookParser, WebhookRequest};
use bramka_twilio::signature::{self, SignatureError};
use bramka_twilio::{MessagingResponse, TwilioWebhooks};
use common::*;
use serde_json::Value;

/// A vector's params as (name, value) pairs: arrays are repeated names, null is an empty value.
fn vector_params(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, val) in v["params"].as_object().unwrap() {
        match val {
            Value::Array(items) => {
                out.extend(items.iter().map(|i| (k.clone(), i.as_str().unwrap().to_owned())))
            }
            Value::Null => out.push((k.clone(), String::new())),
            other => out.push((k.clone(), other.as_str().unwrap().to_owned())),
        }
    }
    out
}

fn vectors() -> Vec<Value> {
    fixture_json("signature_vectors.json")["vectors"].as_array().unwrap().clone()
}

fn check_raw(v: &Value) -> Result<(), SignatureError> {
    let token = Secret::new(v["auth_token"].as_str().unwrap());
    let url = v["url"].as_str().unwrap();
    let sig = v["signature"].as_str().unwrap();
    if v["kind"] == "json" {
        signature::verify_json_body(&token, url, v["body"].as_str().unwrap().as_bytes(), sig)
    } else {
        signature::verify_form(&token, url, &vector_params(v), sig)
    }
}

#[test]
fn every_portable_vector_passes_on_the_raw_url() {
    let mut checked = (0, 0);
    for v in vectors().iter().filter(|v| v["portable"] == true) {
        let expect = v["expect_valid"].as_bool().unwrap();
        let got = check_raw(v);
        assert_eq!(got.is_ok(), expect, "vector {}: {got:?}", v["id"]);
        if expect { checked.0 += 1 } else { checked.1 += 1 }
    }
    // 34 valid and 2 invalid portable vectors in the fixture: none skipped.
    assert_eq!(checked, (34, 2));
}

#[test]
fn derived_sms_vectors_pass_and_their_strings_to_sign_match() {
    let derived =
        fixture_json("signature_vectors.json")["derived_vectors"]["vectors"].as_array().unwrap().clone();
    assert_eq!(derived.len(), 2);
    for v in derived {
        let token = v["auth_token"].as_str().unwrap();
        let url = v["url"].as_str().unwrap();
        let body = v["raw_body"].as_str().unwrap();
        assert_eq!(
            signature::sign_for_test(token, url, body),
            v["signature"].as_str().unwrap(),
            "{}",
            v["id"]
        );
        let params = form_pairs(body.as_bytes());
        signature::verify_form(&Secret::new(token), url, &params, v["signature"].as_str().unwrap()).unwrap();
        // With the port added by a proxy, still valid.
        let with_port = url.replacen("example.com", "example.com:443", 1);
        signature::verify_form(&Secret::new(token), &with_port, &params, v["signature"].as_str().unwrap())
            .unwrap();
        // One changed value breaks it.
        let mut tampered = params.clone();
        tampered[0].1.push('x');
        assert_eq!(
            signature::verify_form(&Secret::new(token), url, &tampered, v["signature"].as_str().unwrap()),
            Err(SignatureError::Mismatch)
        );
    }
}

/// The vector as a request a web framework would hand over.
fn vector_request(v: &Value) -> WebhookRequest {
    let url = url::Url::parse(v["url"].as_str().unwrap()).unwrap();
    let (ct, body) = if v["kind"] == "json" {
        ("application/json", v["body"].as_str().unwrap().to_owned())
    } else {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, val) in vector_params(v) {
            ser.append_pair(&k, &val);
        }
        ("application/x-www-form-urlencoded", ser.finish())
    };
    WebhookRequest::new("POST", url)
        .with_header("Content-Type", ct)
        .with_header("X-Twilio-Signature", v["signature"].as_str().unwrap())
        .with_body(body)
}

#[test]
fn every_portable_vector_passes_through_webhook_request() {
    for v in vectors().iter().filter(|v| v["portable"] == true) {
        let hooks = TwilioWebhooks::new(v["auth_token"].as_str().unwrap());
        let got = hooks.verify(&vector_request(v));
        assert_eq!(got.is_ok(), v["expect_valid"].as_bool().unwrap(), "vector {}: {got:?}", v["id"]);
        if let Err(e) = got {
            assert_eq!(e.http_status(), 403);
        }
    }
}

#[test]
fn node_only_reencoding_vectors_are_refused_like_twilio_python() {
    // Non-portable: only twilio-node accepts these (it re-serialises the query). bramka follows
    // twilio-python and the other libraries: the URL must match as signed (or with ports changed).
    let non_portable: Vec<Value> = vectors().into_iter().filter(|v| v["portable"] == false).collect();
    assert_eq!(non_portable.len(), 3);
    for v in &non_portable {
        assert_eq!(check_raw(v), Err(SignatureError::Mismatch), "vector {}", v["id"]);
    }
}

#[test]
fn json_body_without_hash_or_with_changed_body_is_refused() {
    let v = vectors().into_iter().find(|v| v["id"] == "json_body_bodySHA256").unwrap();
    let token = Secret::new("12345");
    let sig = v["signature"].as_str().unwrap();
    let url = v["url"].as_str().unwrap();
    assert_eq!(
        signature::verify_json_body(&token, url, br#"{"property": "value", "boolean": false}"#, sig),
        Err(SignatureError::BodyHashMismatch)
    );
    assert_eq!(
        signature::verify_json_body(&token, "https://mycompany.com/myapp.php?foo=1&bar=2", b"{}", sig),
        Err(SignatureError::MissingBodyHash)
    );
    // Through the parser: verified, then refused as not an SMS webhook.
    let hooks = TwilioWebhooks::new("12345");
    let req = vector_request(&v);
    hooks.verify(&req).unwrap();
    assert!(matches!(hooks.parse(&req), Err(WebhookError::Malformed { .. })));
    let tampered = req.clone().with_body(r#"{"property": "other", "boolean": true}"#);
    assert_eq!(hooks.verify(&tampered).unwrap_err().http_status(), 403);
}

/// The fixture request exactly as Twilio sent it.
fn fixture_request(name: &str) -> (Value, WebhookRequest) {
    let f = fixture_json(name);
    let mut req =
        WebhookRequest::new(f["method"].as_str().unwrap(), f["url"].as_str().unwrap().parse().unwrap());
    for (k, v) in f["headers"].as_object().unwrap() {
        req = req.with_header(k, v.as_str().unwrap());
    }
    let req = req.with_body(f["raw_body"].as_str().unwrap());
    (f, req)
}

fn delivery(name: &str) -> bramka_core::DeliveryReport {
    let (_, req) = fixture_request(name);
    let events = TwilioWebhooks::new("12345").parse(&req).unwrap();
    assert_eq!(events.len(), 1);
    match events.into_iter().next().unwrap() {
        WebhookEvent::Delivery(d) => d,
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_callback_sent() {
    let d = delivery("webhook_status_sent.json");
    assert_eq!(d.gateway, "twilio");
    assert_eq!(d.message_id, "SM3f1b2c4d5e6f708192a3b4c5d6e7f809");
    assert_eq!((d.state, d.raw_status.as_str()), (DeliveryState::Sent, "sent"));
    assert_eq!(d.to.unwrap().e164(), "+14155552671");
    assert_eq!(d.error_code, None);
}

#[test]
fn status_callback_delivered_keeps_raw_dlr_date_raw() {
    let d = delivery("webhook_status_delivered.json");
    assert_eq!(d.state, DeliveryState::Delivered);
    assert_eq!(d.raw.get("RawDlrDoneDate").map(String::as_str), Some("2608111530"));
    assert_eq!(
        d.raw.get("I-Twilio-Idempotency-Token").map(String::as_str),
        Some("9d4619a7-589f-b7ad-3b58-6c874c459cf0")
    );
    assert_eq!(d.at, None);
}

#[test]
fn status_callback_undelivered_with_query_in_url() {
    let d = delivery("webhook_status_undelivered.json");
    assert_eq!(d.state, DeliveryState::Undelivered);
    assert_eq!(d.error_code.as_deref(), Some("30003"));
    assert!(d.state.is_final());
    // The callback URL's own query (tenant=acme) is signed but is not a Twilio parameter.
    assert!(!d.raw.contains_key("tenant"));
    let (f, req) = fixture_request("webhook_status_undelivered.json");
    let hooks = TwilioWebhooks::new("12345");
    let events = hooks.parse(&req).unwrap();
    let ack = hooks.acknowledge(&events);
    assert_eq!(ack.status, f["expected_response"]["status"].as_u64().unwrap() as u16);
    assert_eq!(ack.body, f["expected_response"]["body"].as_str().unwrap());
}

#[test]
fn inbound_sms_and_twiml_reply() {
    let (f, req) = fixture_request("webhook_inbound_sms.json");
    let clock = clock();
    let hooks = TwilioWebhooks::new("12345").with_clock(std::sync::Arc::new(clock.clone()));
    let events = hooks.parse(&req).unwrap();
    let WebhookEvent::Inbound(m) = &events[0] else { panic!("{events:?}") };
    assert_eq!(m.gateway, "twilio");
    assert_eq!(m.message_id, "SM1234567890abcdef1234567890abcdef");
    assert_eq!(m.from, "+14155552671");
    assert_eq!(m.to, "+15005550006");
    assert_eq!(m.text, "VOTE B");
    assert_eq!(m.parts, Some(1));
    assert_eq!(m.received_at, "2026-08-11T15:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
    assert_eq!(m.raw.get("MessagingServiceSid").map(String::as_str), Some(MG));
    assert_eq!(m.raw.get("ToCity").map(String::as_str), Some(""));
    assert_eq!(
        m.raw.get(bramka_twilio::IDEMPOTENCY_HEADER).map(String::as_str),
        Some("d44acd53-b1a6-9801-87a3-8ee70f24392c")
    );

    let reply = MessagingResponse::new()
        .message("Thanks, your vote for B was counted.")
        .to_webhook_response()
        .unwrap();
    let expected = &f["expected_response"];
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, expected["content_type"].as_str().unwrap());
    assert_eq!(reply.body, expected["body"].as_str().unwrap());
}

#[test]
fn inbound_mms_without_body_and_empty_response() {
    let (f, req) = fixture_request("webhook_inbound_sms_media.json");
    let hooks = TwilioWebhooks::new("12345");
    let events = hooks.parse(&req).unwrap();
    let WebhookEvent::Inbound(m) = &events[0] else { panic!("{events:?}") };
    assert_eq!(m.text, "");
    assert_eq!(m.raw.get("NumMedia").map(String::as_str), Some("1"));
    assert_eq!(m.raw.get("MediaContentType0").map(String::as_str), Some("image/jpeg"));
    let ack = hooks.acknowledge(&events);
    assert_eq!(ack.content_type, "text/xml");
    assert_eq!(ack.body, f["expected_response"]["body"].as_str().unwrap());
}

#[test]
fn every_fixture_is_refused_when_unsigned_forged_or_for_another_account() {
    for name in [
        "webhook_inbound_sms.json",
        "webhook_inbound_sms_media.json",
        "webhook_status_sent.json",
        "webhook_status_delivered.json",
        "webhook_status_undelivered.json",
    ] {
        let (_, req) = fixture_request(name);
        let good = TwilioWebhooks::new("12345");
        assert!(good.parse(&req).is_ok(), "{name}");

        let mut unsigned = req.clone();
        unsigned.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-twilio-signature"));
        let e = good.parse(&unsigned).unwrap_err();
        assert!(matches!(e, WebhookError::MissingSignature { .. }), "{name}: {e}");
        assert_eq!(e.http_status(), 401);

        let empty = unsigned.clone().with_header("X-Twilio-Signature", "");
        assert!(matches!(good.parse(&empty).unwrap_err(), WebhookError::MissingSignature { .. }));

        let mut forged = req.clone();
        forged.body.extend_from_slice(b"&Extra=1");
        assert_eq!(good.parse(&forged).unwrap_err().http_status(), 403, "{name}");

        let mut other_path = req.clone();
        other_path.url.set_path("/elsewhere");
        assert_eq!(good.parse(&other_path).unwrap_err().http_status(), 403, "{name}");

        assert_eq!(TwilioWebhooks::new("54321").parse(&req).unwrap_err().http_status(), 403, "{name}");
        // Token rotation: the old token still accepted when explicitly added.
        assert!(TwilioWebhooks::new("54321").also_accept_token("12345").parse(&req).is_ok());
        // Only the loudly named constructor skips verification.
        let insecure = TwilioWebhooks::insecure_without_signature_check();
        assert!(!insecure.verifies_signatures());
        assert!(insecure.parse(&unsigned).is_ok(), "{name}");
    }
}

#[test]
fn port_added_by_a_proxy_is_accepted() {
    let (_, mut req) = fixture_request("webhook_inbound_sms.json");
    req.url.set_port(Some(8443)).unwrap();
    assert_eq!(req.url.as_str(), "https://example.com:8443/twilio/inbound");
    TwilioWebhooks::new("12345").parse(&req).unwrap();
}

#[test]
fn non_ascii_and_quote_urls_verify_after_url_normalisation() {
    // `url::Url` percent-encodes these; Twilio signed them raw.
    for id in ["java_non_ascii_url", "node_quote_raw_received_raw"] {
        let v = vectors().into_iter().find(|v| v["id"] == id).unwrap();
        let req = vector_request(&v);
        assert_ne!(req.url.as_str(), v["url"].as_str().unwrap(), "{id}: the URL was normalised");
        TwilioWebhooks::new(v["auth_token"].as_str().unwrap()).verify(&req).unwrap();
    }
}

#[test]
fn get_webhooks_sign_the_url_only() {
    let url = "https://example.com/twilio/inbound?MessageSid=SM1234567890abcdef1234567890abcdef&From=%2B14155552671&To=%2B15005550006&Body=HELLO&SmsStatus=received";
    let sig = signature::sign_for_test("12345", url, "");
    let req = WebhookRequest::new("GET", url.parse().unwrap()).with_header("X-Twilio-Signature", &sig);
    let events = TwilioWebhooks::new("12345").parse(&req).unwrap();
    let WebhookEvent::Inbound(m) = &events[0] else { panic!() };
    assert_eq!((m.from.as_str(), m.text.as_str()), ("+14155552671", "HELLO"));
}

#[test]
fn signed_request_for_test_round_trips_and_other_methods_are_refused() {
    let body = "MessageSid=SM3f1b2c4d5e6f708192a3b4c5d6e7f809&MessageStatus=failed&ErrorCode=30036&To=%2B14155552671";
    let req = signature::signed_request_for_test("tok", "https://h.example/cb?x=1", body).unwrap();
    let events = TwilioWebhooks::new("tok").parse(&req).unwrap();
    let WebhookEvent::Delivery(d) = &events[0] else { panic!() };
    assert_eq!(d.state, DeliveryState::Expired);
    let mut put = req.clone();
    put.method = "PUT".into();
    assert_eq!(TwilioWebhooks::new("tok").parse(&put).unwrap_err().http_status(), 405);
    let not_twilio = signature::signed_request_for_test("tok", "https://h.example/cb", "foo=bar").unwrap();
    assert!(matches!(TwilioWebhooks::new("tok").parse(&not_twilio), Err(WebhookError::Malformed { .. })));
}

/// A captured signed inbound message, turned into one "from" another number: the `Body` value is
/// split so its tail becomes a second `From`. The signature (sorted names and values) still
/// matches, so only the repeated name gives the forgery away.
#[test]
fn a_signed_request_forged_by_splitting_a_value_into_a_repeated_name_is_refused() {
    let url = "https://example.com/twilio/inbound";
    let token = "12345";
    let genuine = "MessageSid=SM11111111111111111111111111111111&Body=helloFrom%2B10000000000\
                   &From=%2B15551234567&To=%2B15005550006";
    let signed = signature::signed_request_for_test(token, url, genuine).unwrap();
    let sig = signed.header(signature::SIGNATURE_HEADER).unwrap().to_owned();
    let hooks = TwilioWebhooks::new(token);
    let WebhookEvent::Inbound(m) = &hooks.parse(&signed).unwrap()[0] else { panic!("not inbound") };
    assert_eq!((m.from.as_str(), m.text.as_str()), ("+15551234567", "helloFrom+10000000000"));

    // Same signature; the attacker's number last, so "the last value wins" would pick it.
    let forged_body = "MessageSid=SM11111111111111111111111111111111&Body=hello\
                       &From=%2B15551234567&From=%2B10000000000&To=%2B15005550006";
    let forged = WebhookRequest::new("POST", url.parse().unwrap())
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_header(signature::SIGNATURE_HEADER, &sig)
        .with_body(forged_body);
    hooks.verify(&forged).expect("the forged request carries a valid signature");
    let err = hooks.parse(&forged).unwrap_err();
    assert!(matches!(err, WebhookError::Malformed { .. }), "{err}");
    assert_eq!(err.http_status(), 400);
    assert!(err.to_string().contains("\"From\" appears more than once"), "{err}");

    // A repeated name is refused in status callbacks too (a forged `MessageStatus`).
    let body = "MessageSid=SM1&MessageStatus=failed&MessageStatus=delivered&To=%2B15005550006";
    let req = signature::signed_request_for_test(token, url, body).unwrap();
    assert!(matches!(hooks.parse(&req), Err(WebhookError::Malformed { .. })));
}
