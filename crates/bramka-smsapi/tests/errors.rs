//! SMSAPI error answers through real HTTP: every row of the code table, HTTP statuses, odd bodies.

mod common;

use std::time::Duration;

use bramka_core::{Certainty, ErrorKind, Gateway, Message};
use bramka_smsapi::SmsapiGateway;
use common::*;
use wiremock::{MockServer, ResponseTemplate};

fn msg() -> Message {
    Message::builder().to("48100200300").text("Hi").client_ref("ref1").build().unwrap()
}

fn plain_gateway(server: &MockServer) -> SmsapiGateway {
    SmsapiGateway::new(config(server).build().unwrap()).unwrap()
}

async fn send_with_answer(answer: ResponseTemplate) -> bramka_core::Error {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[]))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    plain_gateway(&server).send(&msg()).await.unwrap_err()
}

/// One entry per row of the crate's table (one code of each row, ranges by an inner code), written
/// independently of it: code, kind, certainty.
const EXPECTED: &[(u32, ErrorKind, Certainty)] = {
    use Certainty::*;
    use ErrorKind::*;
    &[
        (8, Unavailable, MaybeSent),
        (11, ContentRejected, NotSent),
        (12, ContentRejected, NotSent),
        (13, InvalidRecipient, NotSent),
        (14, InvalidSender, NotSent),
        (17, ContentRejected, NotSent),
        (18, Other, NotSent),
        (19, Other, NotSent),
        (20, Other, NotSent),
        (23, ContentRejected, NotSent),
        (25, Other, NotSent),
        (26, ContentRejected, NotSent),
        (30, ContentRejected, NotSent),
        (31, ContentRejected, NotSent),
        (32, InvalidRecipient, NotSent),
        (33, InvalidRecipient, NotSent),
        (36, ContentRejected, NotSent),
        (40, InvalidRecipient, NotSent),
        (41, InvalidRecipient, NotSent),
        (50, Message, NotSent),
        (51, Message, NotSent),
        (52, RateLimited, NotSent),
        (54, Message, NotSent),
        (55, InvalidRecipient, NotSent),
        (56, Message, NotSent),
        (101, Auth, NotSent),
        (102, Auth, NotSent),
        (103, InsufficientFunds, NotSent),
        (104, NotFound, NotSent),
        (105, Auth, NotSent),
        (110, Auth, NotSent),
        (200, Unavailable, MaybeSent),
        (201, Unavailable, MaybeSent),
        (202, RateLimited, NotSent),
        (203, RateLimited, NotSent),
        (300, Other, NotSent),
        (301, NotFound, NotSent),
        (400, Other, NotSent),
        (666, Unavailable, MaybeSent),
        (999, Unavailable, MaybeSent),
        (1000, Auth, NotSent),
        (1001, Other, NotSent),
        (1050, Other, NotSent),
        (2112, InvalidSender, NotSent),
        (4242, Other, MaybeSent), // unknown: fail closed, raw code kept
    ]
};

#[tokio::test]
async fn every_code_of_the_table_over_http_200() {
    let server = MockServer::start().await;
    let gw = plain_gateway(&server);
    for &(code, kind, certainty) in EXPECTED {
        server.reset().await;
        sms_do()
            .and(send_form("48100200300", "Hi", "ref148100200300", &[]))
            .respond_with(json(format!(r#"{{"error":{code},"message":"text {code}"}}"#)))
            .expect(1)
            .mount(&server)
            .await;
        let e = gw.send(&msg()).await.unwrap_err();
        assert_eq!(e.kind(), kind, "code {code}: {e}");
        assert_eq!(e.certainty(), certainty, "code {code}: {e}");
        assert_eq!(e.operator_code(), Some(code.to_string().as_str()), "code {code}");
        assert_eq!(e.http_status(), Some(200));
        assert_eq!(e.gateway(), Some("smsapi"));
        assert!(e.to_string().contains(&format!("text {code}")), "{e}");
        server.verify().await;
    }
}

#[tokio::test]
async fn code_52_asks_to_wait_a_minute() {
    let e = send_with_answer(json(r#"{"error":52,"message":"Too many"}"#)).await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
    assert!(e.is_transient());
}

#[tokio::test]
async fn error_13_fixture_lists_masked_invalid_numbers() {
    let e = send_with_answer(json(fixture("sms-send-error-13-invalid-numbers.json"))).await;
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidRecipient, Certainty::NotSent));
    let s = e.to_string();
    assert!(s.contains("No correct phone numbers"), "{s}");
    assert!(s.contains("+48100***300 (Invalid phone number)"), "{s}");
    assert!(!s.contains("48100200300"), "full number in {s}");
}

#[tokio::test]
async fn error_body_with_http_4xx_is_still_the_code() {
    let e = send_with_answer(
        ResponseTemplate::new(401).set_body_string(r#"{"error":101,"message":"Authorization failed"}"#),
    )
    .await;
    assert_eq!((e.kind(), e.operator_code(), e.http_status()), (ErrorKind::Auth, Some("101"), Some(401)));
}

#[tokio::test]
async fn numeric_string_codes_are_codes() {
    let e = send_with_answer(json(r#"{"error":"103","message":"No points"}"#)).await;
    assert_eq!(e.kind(), ErrorKind::InsufficientFunds);
}

#[tokio::test]
async fn legacy_plain_text_error() {
    let e = send_with_answer(ResponseTemplate::new(200).set_body_string("ERROR:102")).await;
    assert_eq!((e.kind(), e.operator_code()), (ErrorKind::Auth, Some("102")));
}

#[tokio::test]
async fn http_status_without_error_json() {
    let e = send_with_answer(ResponseTemplate::new(503).set_body_string("<html>maintenance</html>")).await;
    assert_eq!(
        (e.kind(), e.certainty(), e.http_status()),
        (ErrorKind::Unavailable, Certainty::MaybeSent, Some(503))
    );
    assert!(e.to_string().contains("maintenance"), "{e}");

    let e = send_with_answer(ResponseTemplate::new(429).insert_header("Retry-After", "7")).await;
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::RateLimited, Certainty::NotSent));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));

    let e = send_with_answer(ResponseTemplate::new(403).set_body_string(r#"{"message":"Forbidden"}"#)).await;
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Auth, Certainty::NotSent));
    assert!(e.to_string().contains("Forbidden"), "{e}");
}

#[tokio::test]
async fn undecodable_success_is_maybe_sent() {
    let e = send_with_answer(ResponseTemplate::new(200).set_body_string("OK:123:0.16")).await;
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent));
    assert!(e.to_string().contains("OK:123:0.16"), "{e}");

    let e = send_with_answer(json("{}")).await;
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent));
}

#[tokio::test]
async fn connection_refused_is_not_sent() {
    // Bind a port, then free it: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gw = SmsapiGateway::new(
        bramka_smsapi::SmsapiConfig::builder(TOKEN)
            .base_url(format!("http://127.0.0.1:{port}"))
            .build()
            .unwrap(),
    )
    .unwrap();
    let e = gw.send(&msg()).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Network, Certainty::NotSent), "{e}");
}

#[tokio::test]
async fn timeout_after_the_request_was_written_is_maybe_sent() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[]))
        .respond_with(json(fixture("sms-send-response-single.json")).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    let gw =
        SmsapiGateway::new(config(&server).timeout(Duration::from_millis(200)).build().unwrap()).unwrap();
    let e = gw.send(&msg()).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Timeout, Certainty::MaybeSent), "{e}");
}
