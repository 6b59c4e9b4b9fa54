//! Dynmark sends against a wiremock server: exact requests, per-recipient results, errors.

use std::time::Duration;

use bramka_core::{Certainty, ErrorKind, Gateway, Idempotency, Message, SendState};
use bramka_dynmark::{DynmarkConfig, DynmarkGateway};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// base64("acme:s3cret")
const AUTH: &str = "Basic YWNtZTpzM2NyZXQ=";

fn gateway(server: &MockServer) -> DynmarkGateway {
    let config = DynmarkConfig::builder("acme", "s3cret")
        .base_url(format!("{}/webapi/", server.uri()))
        .sender("Acme")
        .sender("AcmeAlerts")
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    DynmarkGateway::new(config).unwrap()
}

fn message(to: &[&str]) -> Message {
    let mut b = Message::builder().text("Your code is 123456").client_ref("7f3c2a9e");
    for t in to {
        b = b.to(*t);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn single_send_exact_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webapi/message/send"))
        .and(header("authorization", AUTH))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(json!([{
            "from": "Acme", "to": "447700900123", "body": "Your code is 123456",
            "clientRef": "7f3c2a9e447700900123"
        }])))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!([{"to": "447700900123", "successful": true, "validationFailures": []}])),
        )
        .expect(1)
        .mount(&server)
        .await;

    let report = gateway(&server).send(&message(&["+447700900123"])).await.unwrap();
    assert_eq!(report.gateway, "dynmark");
    assert_eq!(report.recipients.len(), 1);
    assert!(matches!(report.recipients[0].state, SendState::Accepted));
    assert_eq!(report.recipients[0].message_id, None, "Dynmark attests no message id");
    assert_eq!(report.client_ref.as_str(), "7f3c2a9e");
}

#[tokio::test]
async fn multi_recipient_partial_rejection_and_schedule() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webapi/message/send"))
        .and(body_json(json!([
            {"from": "AcmeAlerts", "to": "447700900123", "body": "Your code is 123456",
             "clientRef": "7f3c2a9e447700900123", "deliverAfter": "2030-01-02T03:04:05.000Z",
             "deliveryStatusUrl": "https://example.org/dynmark/dlr"},
            {"from": "AcmeAlerts", "to": "447700900124", "body": "Your code is 123456",
             "clientRef": "7f3c2a9e447700900124", "deliverAfter": "2030-01-02T03:04:05.000Z",
             "deliveryStatusUrl": "https://example.org/dynmark/dlr"}
        ])))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"To": "447700900123", "Successful": true, "ValidationFailures": []},
            {"To": "447700900124", "Successful": false,
             "ValidationFailures": [{"Property": "to", "FailureCode": "ToInvalid", "Details": "not a mobile"}]}
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let msg = Message::builder()
        .to("+447700900123, +447700900124")
        .text("Your code is 123456")
        .client_ref("7f3c2a9e")
        .sender("AcmeAlerts")
        .send_at("2030-01-02T03:04:05Z".parse().unwrap())
        .callback_url("https://example.org/dynmark/dlr".parse().unwrap())
        .build()
        .unwrap();
    let report = gateway(&server).send(&msg).await.unwrap();
    assert_eq!(report.accepted().count(), 1);
    let rejected: Vec<_> = report.rejected().collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].to.digits(), "447700900124");
    let e = rejected[0].state.error().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidRecipient);
    assert_eq!(e.certainty(), Certainty::NotSent);
    assert_eq!(e.operator_code(), Some("ToInvalid"));
    assert!(e.to_string().contains("not a mobile"), "{e}");
}

#[tokio::test]
async fn logon_failure_in_2xx_is_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(
                json!([{"failureDescription": "Unable to logon with the supplied credentials"}]),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let report = gateway(&server).send(&message(&["+447700900123"])).await.unwrap();
    let e = report.recipients[0].state.error().unwrap();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.certainty(), Certainty::NotSent);
}

#[tokio::test]
async fn http_401_is_auth_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(401)).expect(1).mount(&server).await;
    let e = gateway(&server).send(&message(&["+447700900123"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.certainty(), Certainty::NotSent);
    assert_eq!(e.http_status(), Some(401));
    assert!(!e.to_string().contains("s3cret"));
}

#[tokio::test]
async fn http_400_lists_validation_failures() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!([{"property": "body", "failureCode": "BodyInvalid", "details": "empty"}]),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = gateway(&server).send(&message(&["+447700900123"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ContentRejected);
    assert_eq!(e.certainty(), Certainty::NotSent);
    assert!(e.to_string().contains("body: BodyInvalid"), "{e}");
}

#[tokio::test]
async fn http_429_keeps_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .expect(1)
        .mount(&server)
        .await;
    let e = gateway(&server).send(&message(&["+447700900123"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.certainty(), Certainty::NotSent);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn server_error_and_timeout_are_maybe_sent_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).expect(1).mount(&server).await;
    let gw = gateway(&server);
    assert_eq!(gw.capabilities().idempotency, Idempotency::None);
    let e = gw.send(&message(&["+447700900123"])).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Unavailable, Certainty::MaybeSent));

    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!([{"successful": true}]))
                .set_delay(Duration::from_secs(3)),
        )
        .expect(1)
        .mount(&slow)
        .await;
    let e = gateway(&slow).send(&message(&["+447700900123"])).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.certainty(), Certainty::MaybeSent, "written request, no answer: may have gone out");
}

#[tokio::test]
async fn undecodable_2xx_is_maybe_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_body_string("<html>oops</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let e = gateway(&server).send(&message(&["+447700900123"])).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent));
}

#[tokio::test]
async fn sender_checked_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(202)).expect(0).mount(&server).await;
    let gw = gateway(&server);
    for (sender, needle) in [("X", "2 to 11"), ("Other", "not configured")] {
        let msg = Message::builder().to("+447700900123").text("hi").sender(sender).build().unwrap();
        let e = gw.send(&msg).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSender);
        assert_eq!(e.certainty(), Certainty::NotSent);
        assert!(e.to_string().contains(needle), "{e}");
    }
    let flash = Message::builder().to("+447700900123").text("hi").flash(true).build().unwrap();
    assert_eq!(gw.send(&flash).await.unwrap_err().kind(), ErrorKind::Message);
}

#[tokio::test]
async fn large_lists_are_chunked_by_100() {
    let server = MockServer::start().await;
    let ok: Vec<_> = (0..100).map(|_| json!({"successful": true})).collect();
    let rest: Vec<_> = (0..50).map(|_| json!({"successful": true})).collect();
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("447700900000"))
        .respond_with(ResponseTemplate::new(202).set_body_json(ok))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("447700900100"))
        .respond_with(ResponseTemplate::new(202).set_body_json(rest))
        .expect(1)
        .mount(&server)
        .await;
    let list: Vec<String> = (0..150).map(|i| format!("+447700900{i:03}")).collect();
    let msg = Message::builder().to(list.join(",")).text("hi").build().unwrap();
    let report = gateway(&server).send(&msg).await.unwrap();
    assert_eq!(report.recipients.len(), 150);
    assert!(report.all_accepted());
}

#[tokio::test]
async fn validity_is_reported_as_ignored() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!([{"successful": true}])))
        .expect(1)
        .mount(&server)
        .await;
    let msg =
        Message::builder().to("+447700900123").text("hi").validity(Duration::from_secs(600)).build().unwrap();
    let report = gateway(&server).send(&msg).await.unwrap();
    assert!(report.notes.iter().any(|n| n.contains("validity")), "{:?}", report.notes);
}

/// Every row of the error table, through real answers: an HTTP status as the status of the
/// answer, a failure code inside a 2xx result.
#[tokio::test]
async fn every_error_row_maps_as_documented_through_http() {
    let mut seen = std::collections::HashMap::new();
    for row in bramka_dynmark::error_table() {
        let server = MockServer::start().await;
        let answer = match row.code.parse::<u16>() {
            Ok(status) => ResponseTemplate::new(status),
            Err(_) => ResponseTemplate::new(202).set_body_json(
                json!([{"successful": false, "validationFailures": [{"failureCode": row.code}]}]),
            ),
        };
        Mock::given(method("POST"))
            .and(path("/webapi/message/send"))
            .and(header("authorization", AUTH))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let error = match gateway(&server).send(&message(&["+447700900123"])).await {
            Err(e) => e,
            Ok(report) => report.recipients[0].state.error().cloned().expect("a rejection"),
        };
        seen.insert(row.code, error);
    }
    bramka_core::testing::conformance::check_error_rows(bramka_dynmark::error_table(), |code| {
        seen[code].clone()
    });
}

/// A `reqwest::Client` given to the builder is the one that sends (issue 14: the shared HTTP
/// settings take a caller-supplied client): its default header reaches the server, with
/// Dynmark's own authorization still applied per request.
#[tokio::test]
async fn a_caller_supplied_client_sends() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webapi/message/send"))
        .and(header("x-app", "shop-7"))
        .and(header("authorization", AUTH))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!([{"to": "447700900123", "successful": true, "validationFailures": []}])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-app", reqwest::header::HeaderValue::from_static("shop-7"));
    // bramka builds reqwest without a default TLS provider; an application building its own client
    // installs one (as `bramka_core::http::client` does), else reqwest panics in `build`.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let config = DynmarkConfig::builder("acme", "s3cret")
        .base_url(format!("{}/webapi/", server.uri()))
        .sender("Acme")
        .reqwest_client(client)
        .build()
        .unwrap();
    assert!(config.http().own_client().is_some());
    let report = DynmarkGateway::new(config).unwrap().send(&message(&["+447700900123"])).await.unwrap();
    assert!(report.all_accepted(), "{:?}", report.recipients);
}
