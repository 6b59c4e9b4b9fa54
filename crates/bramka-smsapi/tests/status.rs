//! Status, cancel, balance, sender names and capabilities, through wiremock.

mod common;

use bramka_core::{Capability, Certainty, DeliveryState, ErrorKind, Gateway, Idempotency};
use bramka_smsapi::{SenderNameStatus, SmsapiGateway};
use common::*;
use wiremock::matchers::{query_param, query_param_is_missing};
use wiremock::{MockServer, ResponseTemplate};

fn gw(server: &MockServer) -> SmsapiGateway {
    SmsapiGateway::new(config(server).build().unwrap()).unwrap()
}

#[tokio::test]
async fn status_of_a_message() {
    let server = MockServer::start().await;
    sms_do()
        .and(form(&[("status", "5E1A4C3B3638300A2E1E1C4B"), ("format", "json")]))
        .respond_with(json(
            r#"{"count":1,"list":[{"id":"5E1A4C3B3638300A2E1E1C4B","points":"0.1600","number":"48100200300",
                "date_sent":1717500698,"submitted_number":"100200300","status":"DELIVERED","error":null,
                "idx":"ref148100200300"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let r = gw(&server).status("5E1A4C3B3638300A2E1E1C4B").await.unwrap();
    assert_eq!(r.gateway, "smsapi");
    assert_eq!(r.message_id, "5E1A4C3B3638300A2E1E1C4B");
    assert_eq!(r.state, DeliveryState::Delivered);
    assert_eq!(r.raw_status, "DELIVERED");
    assert_eq!(r.to.as_ref().map(|n| n.digits()), Some("48100200300"));
    assert_eq!(r.client_ref.as_deref(), Some("ref148100200300"));
    assert_eq!(r.price.as_ref().map(|p| p.amount), Some(0.16));
    assert_eq!(r.raw.get("date_sent").map(String::as_str), Some("1717500698"));
}

#[tokio::test]
async fn every_status_name_over_http() {
    let server = MockServer::start().await;
    let gw = gw(&server);
    let expected = [
        ("NOT_FOUND", DeliveryState::Unknown),
        ("EXPIRED", DeliveryState::Expired),
        ("SENT", DeliveryState::Sent),
        ("DELIVERED", DeliveryState::Delivered),
        ("UNDELIVERED", DeliveryState::Undelivered),
        ("FAILED", DeliveryState::Failed),
        ("REJECTED", DeliveryState::Rejected),
        ("UNKNOWN", DeliveryState::Unknown),
        ("QUEUE", DeliveryState::Pending),
        ("ACCEPTED", DeliveryState::Sent),
        ("RENEWAL", DeliveryState::Pending),
        ("STOP", DeliveryState::Canceled),
        ("queue", DeliveryState::Pending),
        ("SOMETHING_NEW", DeliveryState::Unknown),
    ];
    for (name, state) in expected {
        server.reset().await;
        sms_do()
            .and(form(&[("status", "ABC1"), ("format", "json")]))
            .respond_with(json(format!(r#"{{"count":1,"list":[{{"id":"ABC1","status":"{name}"}}]}}"#)))
            .expect(1)
            .mount(&server)
            .await;
        let r = gw.status("ABC1").await.unwrap();
        assert_eq!(r.state, state, "{name}");
        assert_eq!(r.raw_status, name);
        server.verify().await;
    }
}

#[tokio::test]
async fn status_of_an_unknown_id() {
    let server = MockServer::start().await;
    sms_do()
        .and(form(&[("status", "NOPE1"), ("format", "json")]))
        .respond_with(json(fixture("sms-delete-scheduled-error-301.json")))
        .expect(1)
        .mount(&server)
        .await;
    let e = gw(&server).status("NOPE1").await.unwrap_err();
    assert_eq!((e.kind(), e.operator_code()), (ErrorKind::NotFound, Some("301")));
}

#[tokio::test]
async fn ids_that_would_change_the_request_are_refused_without_io() {
    let server = MockServer::start().await;
    sms_do().respond_with(json("{}")).expect(0).mount(&server).await;
    let gw = gw(&server);
    for bad in ["a,b", "a|b", "", "a b", "id&test=1"] {
        let e = gw.status(bad).await.unwrap_err();
        assert_eq!((e.kind(), e.certainty()), (ErrorKind::NotFound, Certainty::NotSent), "{bad:?}");
        assert!(e.to_string().contains("invalid SMSAPI message id"), "{e}");
        let e = gw.cancel(bad).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{bad:?}");
    }
}

#[tokio::test]
async fn cancel_a_scheduled_message() {
    let server = MockServer::start().await;
    sms_do()
        .and(form(&[("sch_del", "1"), ("format", "json")]))
        .respond_with(json(fixture("sms-delete-scheduled-response.json")))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(form(&[("sch_del", "2"), ("format", "json")]))
        .respond_with(json(fixture("sms-delete-scheduled-error-301.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gw(&server);
    gw.cancel("1").await.unwrap();
    let e = gw.cancel("2").await.unwrap_err();
    assert_eq!((e.kind(), e.operator_code()), (ErrorKind::NotFound, Some("301")));
    assert!(e.to_string().contains("Not exists ID message"), "{e}");
}

#[tokio::test]
async fn balance_from_profile() {
    let server = MockServer::start().await;
    get("/profile")
        .respond_with(json(r#"{"name":"acme","username":"acme","payment_type":"prepaid","points":"321.50"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let b = gw(&server).balance().await.unwrap();
    assert_eq!((b.amount, b.unit.as_str()), (321.5, "points"));
}

#[tokio::test]
async fn balance_from_profile_fixture() {
    let server = MockServer::start().await;
    get("/profile").respond_with(json(fixture("profile-response.json"))).expect(1).mount(&server).await;
    get("/user.do").respond_with(json("{}")).expect(0).mount(&server).await;
    let b = gw(&server).balance().await.unwrap();
    assert_eq!((b.amount, b.unit.as_str()), (0.0, "points"));
}

#[tokio::test]
async fn balance_falls_back_to_user_do_when_the_profile_has_no_points() {
    let server = MockServer::start().await;
    get("/profile")
        .respond_with(json(r#"{"name":"acme","username":"acme","payment_type":"postpaid"}"#))
        .expect(1)
        .mount(&server)
        .await;
    get("/user.do")
        .and(query_param("credits", "1"))
        .and(query_param("format", "json"))
        .and(query_param_is_missing("details"))
        .respond_with(json(fixture("user-credits-details-response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let b = gw(&server).balance().await.unwrap();
    assert_eq!(b.amount, 100.0);
}

#[tokio::test]
async fn rest_errors_of_the_profile() {
    let server = MockServer::start().await;
    get("/profile")
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"message":"Authorization failed","error":"invalid_token"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = gw(&server).balance().await.unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Auth, Some(401)));
    assert!(e.to_string().contains("Authorization failed"), "{e}");

    server.reset().await;
    get("/profile")
        .respond_with(
            ResponseTemplate::new(400).set_body_string(fixture("rest-error-invalid-request-data.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = gw(&server).balance().await.unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Other, Some(400)));
    assert!(e.to_string().contains("This value should not be blank."), "{e}");
}

#[tokio::test]
async fn sender_names_with_status() {
    let server = MockServer::start().await;
    get("/sms/sendernames")
        .respond_with(json(fixture("sendernames-list-response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let names = gw(&server).sender_names().await.unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name, "test");
    assert_eq!(names[0].status, SenderNameStatus::Active);
    assert!(!names[0].is_default);
    assert_eq!(names[0].created_at.unwrap().to_rfc3339(), "1970-01-01T00:00:00+01:00");

    server.reset().await;
    get("/sms/sendernames")
        .respond_with(json(
            r#"{"size":2,"collection":[{"sender":"Sklep","is_default":true,"status":"active"},
                {"sender":"Promo","is_default":false,"status":"PENDING","created_at":"2024-05-01T10:00:00+02:00"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let names = gw(&server).sender_names().await.unwrap();
    assert_eq!((names[0].name.as_str(), names[0].is_default), ("Sklep", true));
    assert!(names[0].status.is_usable());
    assert_eq!(names[1].status, SenderNameStatus::Pending);
}

#[tokio::test]
async fn capabilities_are_advertised() {
    let server = MockServer::start().await;
    let gw = gw(&server);
    let caps = gw.capabilities();
    assert_eq!(gw.id(), "smsapi");
    assert_eq!(caps.idempotency, Idempotency::ServerDedupe);
    assert_eq!(caps.batch_size, 100);
    assert_eq!(caps.max_parts, 10);
    for c in [
        Capability::MultiRecipient,
        Capability::Schedule,
        Capability::Cancel,
        Capability::Status,
        Capability::Balance,
        Capability::DeliveryWebhook,
        Capability::InboundWebhook,
        Capability::TestMode,
    ] {
        assert!(caps.supports(c), "{c}");
    }
    assert!(!caps.supports(Capability::Reschedule));
    assert!(!caps.supports(Capability::Pause));
    assert!(!caps.supports(bramka_core::Capability::SignedWebhooks));
    let e = gw.reschedule("1", chrono::Utc::now()).await.unwrap_err();
    assert_eq!((e.kind(), e.capability()), (ErrorKind::Unsupported, Some(Capability::Reschedule)));
}
