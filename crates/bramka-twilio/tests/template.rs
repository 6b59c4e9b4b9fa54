//! The operator template: shared behaviour suites, conformance kit, scrubbing of echoed
//! credentials, and issue 14's strictness items (cancel status, failed-at-create, list paging).
mod common;

use std::sync::Arc;
use std::time::Duration;

use bramka_core::testing::LogCapture;
use bramka_core::testing::conformance::Conformance;
use bramka_core::{Certainty, ErrorKind, Gateway, Message, SendState};
use bramka_test_support::form_of;
use bramka_test_support::suites::{Operator, dsn_round_trip};
use bramka_twilio::{ListFilter, MAX_LIST_PAGES, TwilioConfig, TwilioFactory, TwilioGateway};
use common::{AC, FormExact, MESSAGES_PATH, TOKEN, basic, builder, gateway};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SID: &str = "SM3f1b2c4d5e6f708192a3b4c5d6e7f809";

fn message_json(to: &str, status: &str, error_code: Option<u32>) -> serde_json::Value {
    let n: u64 = to.trim_start_matches('+').parse().unwrap_or(0);
    json!({"sid": format!("SM{n:032x}"), "status": status, "to": to, "error_code": error_code,
           "num_segments": "1", "account_sid": AC})
}

fn accept(req: &Request) -> ResponseTemplate {
    let to = form_of(req).get("To").cloned().unwrap_or_default();
    ResponseTemplate::new(201).set_body_json(message_json(&to, "queued", None))
}

fn suite_gateway(base: &str, timeout: Duration) -> Arc<dyn Gateway> {
    let c = TwilioConfig::builder(AC, TOKEN)
        .base_url(base)
        .from("+15005550006")
        .timeouts(bramka_core::http::Timeouts { connect: timeout, request: timeout })
        .concurrency(1) // one request at a time, so "request 3 never made" is observable
        .rate_limit_retries(0)
        .build()
        .unwrap();
    Arc::new(TwilioGateway::new(c).unwrap())
}

fn operator() -> Operator {
    Operator::new(
        suite_gateway,
        || {
            Mock::given(method("POST"))
                .and(path(MESSAGES_PATH))
                .and(header("authorization", basic(AC, TOKEN)))
        },
        accept,
    )
    .failure(|status| {
        ResponseTemplate::new(status)
            .set_body_json(json!({"code": 20500, "message": "failure", "status": status}))
    })
}

#[test]
fn behaviour_suites() {
    operator().run_all();
}

#[test]
fn dsn_round_trip_reaches_the_server() {
    dsn_round_trip(
        &TwilioFactory,
        &format!(
            "twilio://{AC}:{TOKEN}@default?from=%2B15005550006&rate_limit_retries=0&base_url={{base_url}}"
        ),
        &[TOKEN],
        &operator(),
    );
}

#[tokio::test]
async fn conformance_kit_passes() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(MESSAGES_PATH)).respond_with(accept).mount(&server).await;
    let cancel = format!("/2010-04-01/Accounts/{AC}/Messages/{SID}.json");
    Mock::given(method("POST"))
        .and(path(cancel.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_json(
            "+14155552671",
            "canceled",
            None,
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(cancel.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_json(
            "+14155552671",
            "delivered",
            None,
        )))
        .mount(&server)
        .await;
    // The account listings the gateway advertises (balance, scheduled messages, numbers).
    for (resource, body) in [
        ("Balance.json", r#"{"balance":"1.50","currency":"USD"}"#),
        ("Messages.json", r#"{"messages":[],"next_page_uri":null}"#),
        ("IncomingPhoneNumbers.json", r#"{"incoming_phone_numbers":[],"next_page_uri":null}"#),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/2010-04-01/Accounts/{AC}/{resource}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    let gw = Arc::new(gateway(builder(&server).from("+15005550006")));
    Conformance::new(gw.clone())
        .secret(TOKEN)
        .secret(basic(AC, TOKEN))
        .advertised_id(SID)
        .scan("config", format!("{:?}", gw.config()))
        .run()
        .await;
}

/// Twilio (or a proxy) echoing the Authorization header and the body into its error answer:
/// the token never reaches errors or logs.
#[tokio::test(flavor = "current_thread")]
async fn echoed_credentials_are_scrubbed() {
    let server = MockServer::start().await;
    let echo = |req: &Request| {
        let auth = req.headers.get("authorization").unwrap().to_str().unwrap().to_owned();
        let msg = format!("bad auth {auth} {TOKEN} {}", String::from_utf8_lossy(&req.body));
        ResponseTemplate::new(401).set_body_json(json!({"code": 20003, "message": msg, "status": 401}))
    };
    Mock::given(method("POST")).and(path(MESSAGES_PATH)).respond_with(echo).expect(1).mount(&server).await;
    let capture = LogCapture::new();
    let _guard = capture.set_default();
    let gw = gateway(builder(&server).from("+15005550006"));
    let err = gw.send(&Message::builder().to("+14155552671").text("hi").build().unwrap()).await.unwrap_err();
    let b64 = basic(AC, TOKEN).trim_start_matches("Basic ").to_owned();
    for t in [format!("{err}"), format!("{err:?}"), capture.contents()] {
        assert!(!t.contains(TOKEN) && !t.contains(&b64), "leak in {t}");
    }
    assert!(err.to_string().contains("bad auth Basic *** ***"), "{err}");
    assert_eq!((err.kind(), err.certainty()), (ErrorKind::Auth, Certainty::NotSent));
}

#[tokio::test]
async fn cancel_reports_a_status_mismatch() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{AC}/Messages/{SID}.json")))
        .and(header("authorization", basic(AC, TOKEN)))
        .and(FormExact::new(&[("Status", "canceled")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_json("+14155552671", "sent", None)))
        .expect(1)
        .mount(&server)
        .await;
    let e = gateway(builder(&server)).cancel(SID).await.unwrap_err();
    // The cancel did not take: the message may still go out (same answer as Infobip's).
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidState, Certainty::MaybeSent));
    assert!(e.to_string().contains("Sent") && e.to_string().contains("not canceled"), "{e}");
}

#[tokio::test]
async fn created_in_failed_state_is_a_rejected_recipient() {
    let server = MockServer::start().await;
    for (to, status, code) in [
        ("+14155552671", "failed", Some(21610)),
        ("+14155552672", "undelivered", None),
        ("+14155552673", "canceled", None),
    ] {
        Mock::given(method("POST"))
            .and(path(MESSAGES_PATH))
            .and(FormExact::new(&[("To", to), ("From", "+15005550006"), ("Body", "hi")]))
            .respond_with(ResponseTemplate::new(201).set_body_json(message_json(to, status, code)))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[("To", "+14155552674"), ("From", "+15005550006"), ("Body", "hi")]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json("+14155552674", "queued", None)))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let msg = Message::builder()
        .to("+14155552671,+14155552672,+14155552673,+14155552674")
        .text("hi")
        .build()
        .unwrap();
    let r = gw.send(&msg).await.unwrap();
    let e0 = r.recipients[0].state.error().unwrap();
    assert_eq!((e0.kind(), e0.operator_code()), (ErrorKind::InvalidRecipient, Some("21610")));
    for i in 0..3 {
        let e = r.recipients[i].state.error().unwrap_or_else(|| panic!("recipient {i} not rejected"));
        assert_eq!(e.certainty(), Certainty::NotSent);
    }
    assert!(matches!(r.recipients[3].state, SendState::Queued));
}

fn page(n_messages: usize, next: Option<&str>) -> ResponseTemplate {
    let msgs: Vec<_> =
        (0..n_messages).map(|i| message_json(&format!("+1415555{i:04}"), "delivered", None)).collect();
    ResponseTemplate::new(200).set_body_json(json!({"messages": msgs, "next_page_uri": next, "page": 0}))
}

#[tokio::test]
async fn list_stops_on_an_empty_page() {
    let server = MockServer::start().await;
    let next = format!("{MESSAGES_PATH}?Page=1&PageToken=PA1");
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .and(query_param("Page", "1"))
        .and(header("authorization", basic(AC, TOKEN)))
        .respond_with(page(0, Some(&format!("{MESSAGES_PATH}?Page=2&PageToken=PA2"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .and(|r: &Request| r.url.query().is_none())
        .respond_with(page(2, Some(&next)))
        .expect(1)
        .mount(&server)
        .await;
    let all = gateway(builder(&server)).list_messages(&ListFilter::new()).await.unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn list_paging_is_bounded() {
    let server = MockServer::start().await;
    // A server whose every page has one message and a next page: endless without a bound.
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .respond_with(page(1, Some(&format!("{MESSAGES_PATH}?Page=1&PageToken=PA1"))))
        .expect(MAX_LIST_PAGES as u64)
        .mount(&server)
        .await;
    let e = gateway(builder(&server)).list_messages(&ListFilter::new()).await.unwrap_err();
    assert!(e.to_string().contains(&format!("more than {MAX_LIST_PAGES} pages")), "{e}");
}

/// Twilio's OpenAPI document declares `page` a plain (signed) `integer` and nearly every Message
/// field nullable: a negative page and a message with only its sid decode.
#[tokio::test]
async fn list_page_reads_signed_integers_and_optional_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(AC, TOKEN)))
        .and(|r: &Request| r.url.query().is_none())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [{"sid": SID, "status": null, "to": null, "error_code": null, "num_segments": null,
                          "price": null, "date_sent": null}],
            "next_page_uri": null, "page": -1, "page_size": 50, "start": 0, "end": 0
        })))
        .expect(1)
        .mount(&server)
        .await;
    let p = gateway(builder(&server)).list_messages_page(&ListFilter::new()).await.unwrap();
    assert_eq!(p.page, Some(-1));
    assert_eq!(p.messages.len(), 1);
    assert_eq!(p.messages[0].sid, SID);
    assert_eq!(p.messages[0].num_segments, None);
}
