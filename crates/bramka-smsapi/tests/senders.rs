//! Sender names through the `Gateway` trait, the opt-in check before sending, the hosts
//! `smsapi.pl` / `smsapi.com` and login + password credentials.

mod common;

use bramka_core::{Capability, Dsn, ErrorKind, Gateway, GatewayFactory, Message, SenderStatus};
use bramka_smsapi::{SmsapiConfig, SmsapiFactory, SmsapiGateway};
use common::*;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn auth() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {TOKEN}").as_str())
}

#[test]
fn website_hosts_mean_the_api_hosts() {
    for (host, api) in [
        ("smsapi.pl", "https://api.smsapi.pl/"),
        ("SMSAPI.PL", "https://api.smsapi.pl/"),
        ("api.smsapi.pl", "https://api.smsapi.pl/"),
        ("smsapi.com", "https://api.smsapi.com/"),
        ("api.smsapi.com", "https://api.smsapi.com/"),
        ("default", "https://api.smsapi.pl/"),
        ("com", "https://api.smsapi.com/"),
    ] {
        let dsn = Dsn::parse(&format!("smsapi://tok@{host}")).unwrap();
        let config = SmsapiConfig::from_dsn(&dsn).unwrap();
        assert_eq!(config.base_url().as_str(), api, "{host}");
    }
    // Any other host is still a custom base URL.
    let dsn = Dsn::parse("smsapi://tok@proxy.example/smsapi").unwrap();
    assert_eq!(SmsapiConfig::from_dsn(&dsn).unwrap().base_url().as_str(), "https://proxy.example/smsapi/");
}

#[test]
fn login_and_password_are_refused_with_the_token_advice_and_the_password_masked() {
    let err =
        SmsapiFactory.create(&Dsn::parse("smsapi://jan.kowalski:Haslo-9xQ@smsapi.pl").unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let shown = format!("{err} | {err:?} | {:?}", std::error::Error::source(&err));
    assert!(shown.contains("OAuth token"), "{shown}");
    assert!(shown.contains("smsapi://TOKEN@smsapi.pl"), "{shown}");
    assert!(!shown.contains("Haslo-9xQ"), "password leaked: {shown}");
}

#[tokio::test]
async fn senders_are_listed_with_their_status_and_the_capability_says_so() {
    let server = MockServer::start().await;
    get("/sms/sendernames")
        .respond_with(json(
            r#"{"size":2,"collection":[
                {"sender":"Sklep","is_default":true,"status":"ACTIVE","created_at":"2024-01-02T10:00:00+01:00"},
                {"sender":"Promo","is_default":false,"status":"PENDING","created_at":"2024-01-03T10:00:00+01:00"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let gw: &dyn Gateway = &gateway(&server);
    assert!(gw.capabilities().supports(Capability::SenderNames));
    let names = gw.senders().await.unwrap();
    assert_eq!(names.len(), 2);
    assert_eq!(
        (names[0].name.as_str(), &names[0].status, names[0].is_default),
        ("Sklep", &SenderStatus::Active, true)
    );
    assert_eq!(
        (names[1].name.as_str(), &names[1].status, names[1].is_default),
        ("Promo", &SenderStatus::Pending, false)
    );
}

#[tokio::test]
async fn a_sender_is_requested_with_a_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/sendernames"))
        .and(auth())
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({"sender": "Promo"})))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"sender":"Promo","is_default":false,"status":"PENDING","created_at":"2024-01-03T10:00:00+01:00"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let added = gateway(&server).add_sender("Promo").await.unwrap();
    assert_eq!(added.name, "Promo");
    assert_eq!(added.status, SenderStatus::Pending);
}

#[tokio::test]
async fn an_invalid_name_is_refused_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201)).expect(0).mount(&server).await;
    let err = gateway(&server).add_sender("Sklep Żabka!").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSender);
    assert!(err.to_string().contains("\"Sklep Żabka!\""), "{err}");
    assert!(err.to_string().contains("1 to 11 characters"), "{err}");
}

#[tokio::test]
async fn default_and_delete_use_the_names_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/sendernames/My%20Shop/commands/make_default"))
        .and(auth())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/sms/sendernames/Promo"))
        .and(auth())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/sms/sendernames/Nobody"))
        .respond_with(
            ResponseTemplate::new(404).set_body_string(r#"{"message":"Not found","error":"not_found"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    gw.set_default_sender("My Shop").await.unwrap();
    gw.delete_sender("Promo").await.unwrap();
    let err = gw.delete_sender("Nobody").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("\"Nobody\""), "{err}");
}

fn verifying(server: &MockServer, sender: &str) -> SmsapiGateway {
    SmsapiGateway::new(config(server).sender(sender).verify_sender(true).build().unwrap()).unwrap()
}

const LIST: &str = r#"{"size":2,"collection":[
    {"sender":"Sklep","is_default":true,"status":"ACTIVE"},
    {"sender":"Promo","is_default":false,"status":"PENDING"}]}"#;

#[tokio::test]
async fn a_pending_sender_is_refused_with_its_status_before_sending() {
    let server = MockServer::start().await;
    get("/sms/sendernames").respond_with(json(LIST)).expect(1).mount(&server).await;
    sms_do().respond_with(json(fixture("sms-send-response-single.json"))).expect(0).mount(&server).await;
    let gw = verifying(&server, "Promo");
    let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
    let err = gw.send(&msg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSender);
    assert!(err.to_string().contains("\"Promo\" is pending"), "{err}");
    // An unknown name lists what is registered; the list is read once (cached).
    let msg = Message::builder().to("+48600100200").sender("Other").text("Hi").build().unwrap();
    let err = gw.send(&msg).await.unwrap_err();
    assert!(err.to_string().contains("not registered"), "{err}");
    assert!(err.to_string().contains("Sklep (active)"), "{err}");
}

#[tokio::test]
async fn an_active_sender_is_sent_and_the_check_is_off_by_default() {
    let server = MockServer::start().await;
    get("/sms/sendernames").respond_with(json(LIST)).expect(1).mount(&server).await;
    sms_do().respond_with(json(fixture("sms-send-response-single.json"))).expect(2).mount(&server).await;
    let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
    verifying(&server, "Sklep").send(&msg).await.unwrap();
    // Without verify_sender no list is read, even for a pending name.
    let plain = SmsapiGateway::new(config(&server).sender("Promo").build().unwrap()).unwrap();
    plain.send(&msg).await.unwrap();
}

#[test]
fn verify_sender_is_a_dsn_option() {
    let on = SmsapiConfig::from_dsn(&Dsn::parse("smsapi://tok@smsapi.pl?verify_sender=1").unwrap()).unwrap();
    assert!(on.verify_sender());
    let off = SmsapiConfig::from_dsn(&Dsn::parse("smsapi://tok@smsapi.pl").unwrap()).unwrap();
    assert!(!off.verify_sender());
}
