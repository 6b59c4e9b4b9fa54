//! End-to-end tests of the facade: `bramka::connect(DSN)` for every operator, pointed at a wiremock
//! server on 127.0.0.1, then a real send over HTTP. Each test asserts the exact request on the wire
//! (method, path, auth header, body fields), how many requests arrived, and the per-recipient
//! report; then failover (`a || b`) and round robin (`a && b`) across operators, and that errors
//! never show a token.

use bramka::{Certainty, ErrorKind, Message, SendState};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Distinctive secrets: any appearance of one in output is a leak.
const SMSAPI_TOKEN: &str = "smsapi-Secret-Tok3n";
const INFOBIP_KEY: &str = "infobip-Secret-K3y";
const TWILIO_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TWILIO_TOKEN: &str = "tw-Secret-Tok3n";
/// `Basic base64("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:tw-Secret-Tok3n")`.
const TWILIO_AUTH: &str = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp0dy1TZWNyZXQtVG9rM24=";
const DYNMARK_PASSWORD: &str = "dyn-Secret-Pw9";
/// `Basic base64("acme:dyn-Secret-Pw9")`.
const DYNMARK_AUTH: &str = "Basic YWNtZTpkeW4tU2VjcmV0LVB3OQ==";
const TWILIO_PATH: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json";

const ALL_SECRETS: [&str; 4] = [SMSAPI_TOKEN, INFOBIP_KEY, TWILIO_TOKEN, DYNMARK_PASSWORD];

fn port(server: &MockServer) -> u16 {
    server.address().port()
}

fn smsapi_dsn(server: &MockServer) -> String {
    format!("smsapi://{SMSAPI_TOKEN}@127.0.0.1:{}?from=Shop", port(server))
}

fn infobip_dsn(server: &MockServer) -> String {
    format!("infobip://{INFOBIP_KEY}@127.0.0.1:{}?from=Shop", port(server))
}

fn twilio_dsn(server: &MockServer) -> String {
    format!(
        "twilio://{TWILIO_SID}:{TWILIO_TOKEN}@default?from=%2B15005550006&base_url=http%3A%2F%2F127.0.0.1%3A{}",
        port(server)
    )
}

fn dynmark_dsn(server: &MockServer) -> String {
    format!("dynmark://acme:{DYNMARK_PASSWORD}@127.0.0.1:{}?tls=0&from=Acme", port(server))
}

/// The same without `tls=0`: a loopback host means plain http, as for SMSAPI and Infobip.
fn dynmark_dsn_loopback(server: &MockServer) -> String {
    format!("dynmark://acme:{DYNMARK_PASSWORD}@127.0.0.1:{}?from=Acme", port(server))
}

/// A message to two Polish numbers with a fixed client reference, so idempotency keys are known.
fn two_recipients(client_ref: &str) -> Message {
    Message::builder()
        .to("+48 600 100 200")
        .to("+48 600 100 201")
        .text("Order 17 is ready")
        .client_ref(client_ref)
        .build()
        .unwrap()
}

fn assert_no_secret(text: &str) {
    for s in ALL_SECRETS {
        assert!(!text.contains(s), "secret {s:?} leaked in: {text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Exact form bodies (SMSAPI, Twilio).

use bramka_test_support::form;

// ---------------------------------------------------------------------------------------------
// Per-operator mocks of a successful two-recipient send.

async fn mount_smsapi_ok(server: &MockServer, client_ref: &str, expect: u64) {
    let idx = format!("{client_ref}48600100200|{client_ref}48600100201");
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", format!("Bearer {SMSAPI_TOKEN}").as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(form(&[
            ("to", "48600100200,48600100201"),
            ("message", "Order 17 is ready"),
            ("from", "Shop"),
            ("format", "json"),
            ("encoding", "utf-8"),
            ("details", "1"),
            ("idx", &idx),
            ("check_idx", "1"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 2,
            "list": [
                {"id": "SA1", "points": 0.16, "number": "48600100200", "status": "QUEUE",
                 "idx": format!("{client_ref}48600100200")},
                {"id": "SA2", "points": 0.16, "number": "48600100201", "status": "QUEUE",
                 "idx": format!("{client_ref}48600100201")}
            ]
        })))
        .expect(expect)
        .mount(server)
        .await;
}

fn infobip_pending(message_id: &str, to: &str) -> Value {
    json!({"messageId": message_id, "destination": to, "details": {"messageCount": 1},
           "status": {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED",
                      "description": "Message sent to next instance"}})
}

async fn mount_infobip_ok(server: &MockServer, client_ref: &str, expect: u64) {
    let (id1, id2) = (format!("{client_ref}48600100200"), format!("{client_ref}48600100201"));
    Mock::given(method("POST"))
        .and(path("/sms/3/messages"))
        .and(header("authorization", format!("App {INFOBIP_KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "messages": [{
                "sender": "Shop",
                "destinations": [
                    {"to": "48600100200", "messageId": id1},
                    {"to": "48600100201", "messageId": id2}
                ],
                "content": {"text": "Order 17 is ready"},
                "webhooks": {"callbackData": client_ref}
            }],
            "options": {"schedule": {"bulkId": client_ref}, "includeSmsCountInResponse": true}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "bulkId": client_ref,
            "messages": [infobip_pending(&id1, "48600100200"), infobip_pending(&id2, "48600100201")]
        })))
        .expect(expect)
        .mount(server)
        .await;
}

fn twilio_created(sid: &str, to: &str) -> Value {
    json!({
        "account_sid": TWILIO_SID, "api_version": "2010-04-01", "body": "Order 17 is ready",
        "direction": "outbound-api", "error_code": null, "error_message": null,
        "from": "+15005550006", "messaging_service_sid": null, "num_media": "0", "num_segments": "1",
        "price": null, "price_unit": "USD", "sid": sid, "status": "queued", "to": to,
        "uri": format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json")
    })
}

/// Twilio takes one request per recipient: one mock per number, each expected `expect` times.
async fn mount_twilio_ok(server: &MockServer, expect: u64) {
    for (to, sid) in [
        ("+48600100200", "SM00000000000000000000000000000001"),
        ("+48600100201", "SM00000000000000000000000000000002"),
    ] {
        Mock::given(method("POST"))
            .and(path(TWILIO_PATH))
            .and(header("authorization", TWILIO_AUTH))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(form(&[("To", to), ("From", "+15005550006"), ("Body", "Order 17 is ready")]))
            .respond_with(ResponseTemplate::new(201).set_body_json(twilio_created(sid, to)))
            .expect(expect)
            .mount(server)
            .await;
    }
}

async fn mount_dynmark_ok(server: &MockServer, client_ref: &str, expect: u64) {
    Mock::given(method("POST"))
        .and(path("/webapi/message/send"))
        .and(header("authorization", DYNMARK_AUTH))
        .and(header("content-type", "application/json"))
        .and(body_json(json!([
            {"from": "Acme", "to": "48600100200", "body": "Order 17 is ready",
             "clientRef": format!("{client_ref}48600100200")},
            {"from": "Acme", "to": "48600100201", "body": "Order 17 is ready",
             "clientRef": format!("{client_ref}48600100201")}
        ])))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!([
            {"to": "48600100200", "successful": true, "validationFailures": []},
            {"to": "48600100201", "successful": true, "validationFailures": []}
        ])))
        .expect(expect)
        .mount(server)
        .await;
}

/// Fails the test (on drop) if any request reaches `server`.
async fn no_requests(server: &MockServer) {
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(server).await;
}

fn recipients_of(report: &bramka::SendReport) -> Vec<String> {
    report.recipients.iter().map(|r| r.to.e164()).collect()
}

// ---------------------------------------------------------------------------------------------
// One operator at a time.

#[tokio::test]
async fn smsapi_two_recipients_through_connect() {
    let server = MockServer::start().await;
    mount_smsapi_ok(&server, "e2esa", 1).await;
    let gw = bramka::connect(&smsapi_dsn(&server)).unwrap();
    assert_eq!(gw.id(), "smsapi");
    let report = gw.send(&two_recipients("e2esa")).await.unwrap();
    assert_eq!(report.gateway, "smsapi");
    assert_eq!(recipients_of(&report), ["+48600100200", "+48600100201"]);
    let ids: Vec<_> = report.recipients.iter().map(|r| r.message_id.as_deref()).collect();
    assert_eq!(ids, [Some("SA1"), Some("SA2")]);
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::Queued)), "{report:?}");
    assert!(report.all_accepted());
    assert_no_secret(&format!("{gw:?} {report:?}"));
}

#[tokio::test]
async fn infobip_two_recipients_through_connect() {
    let server = MockServer::start().await;
    mount_infobip_ok(&server, "e2eib", 1).await;
    let gw = bramka::connect(&infobip_dsn(&server)).unwrap();
    assert_eq!(gw.id(), "infobip");
    let report = gw.send(&two_recipients("e2eib")).await.unwrap();
    assert_eq!(report.gateway, "infobip");
    assert_eq!(report.batch_id.as_deref(), Some("e2eib"));
    assert_eq!(recipients_of(&report), ["+48600100200", "+48600100201"]);
    let ids: Vec<_> = report.recipients.iter().map(|r| r.message_id.as_deref()).collect();
    assert_eq!(ids, [Some("e2eib48600100200"), Some("e2eib48600100201")]);
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::Accepted)), "{report:?}");
    assert!(report.recipients.iter().all(|r| r.parts == Some(1)));
    assert_no_secret(&format!("{gw:?} {report:?}"));
}

#[tokio::test]
async fn twilio_two_recipients_one_request_each() {
    let server = MockServer::start().await;
    mount_twilio_ok(&server, 1).await;
    let gw = bramka::connect(&twilio_dsn(&server)).unwrap();
    assert_eq!(gw.id(), "twilio");
    let report = gw.send(&two_recipients("e2etw")).await.unwrap();
    assert_eq!(report.gateway, "twilio");
    assert_eq!(recipients_of(&report), ["+48600100200", "+48600100201"]);
    let ids: Vec<_> = report.recipients.iter().map(|r| r.message_id.as_deref()).collect();
    assert_eq!(ids, [Some("SM00000000000000000000000000000001"), Some("SM00000000000000000000000000000002")]);
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::Queued)), "{report:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_no_secret(&format!("{gw:?} {report:?}"));
}

#[tokio::test]
async fn dynmark_two_recipients_through_connect() {
    let server = MockServer::start().await;
    mount_dynmark_ok(&server, "e2edm", 1).await;
    let gw = bramka::connect(&dynmark_dsn(&server)).unwrap();
    assert_eq!(gw.id(), "dynmark");
    let report = gw.send(&two_recipients("e2edm")).await.unwrap();
    assert_eq!(report.gateway, "dynmark");
    assert_eq!(recipients_of(&report), ["+48600100200", "+48600100201"]);
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::Accepted)), "{report:?}");
    assert!(report.recipients.iter().all(|r| r.message_id.is_none()), "Dynmark returns no id");
    assert_no_secret(&format!("{gw:?} {report:?}"));
}

// ---------------------------------------------------------------------------------------------
// Composition across operators.

#[tokio::test]
async fn failover_after_401_tries_the_next_operator() {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", format!("Bearer {SMSAPI_TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": 101, "message": "Authorization failed"})),
        )
        .expect(1)
        .mount(&first)
        .await;
    mount_twilio_ok(&second, 1).await;

    let gw = bramka::connect(&format!("{} || {}", smsapi_dsn(&first), twilio_dsn(&second))).unwrap();
    assert_eq!(gw.id(), "failover(smsapi, twilio)");
    let report = gw.send(&two_recipients("e2efo1")).await.unwrap();
    assert_eq!(report.gateway, "twilio");
    assert_eq!(recipients_of(&report), ["+48600100200", "+48600100201"]);
    assert!(report.all_accepted(), "{report:?}");
}

#[tokio::test]
async fn failover_after_500_does_not_try_the_next_operator() {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/3/messages"))
        .and(header("authorization", format!("App {INFOBIP_KEY}").as_str()))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "requestError": {"serviceException": {"messageId": "GENERAL_ERROR", "text": "Something went wrong"}}
        })))
        .expect(1)
        .mount(&first)
        .await;
    no_requests(&second).await;

    let gw = bramka::connect(&format!("{} || {}", infobip_dsn(&first), dynmark_dsn(&second))).unwrap();
    let err = gw.send(&two_recipients("e2efo2")).await.unwrap_err();
    assert_eq!(err.certainty(), Certainty::MaybeSent, "{err:?}");
    assert_eq!(err.http_status(), Some(500), "{err:?}");
    assert_no_secret(&format!("{err} {err:?}"));
}

#[tokio::test]
async fn round_robin_alternates_between_operators() {
    let a = MockServer::start().await;
    let b = MockServer::start().await;
    mount_dynmark_ok(&a, "e2err", 1).await;
    mount_smsapi_ok(&b, "e2err", 1).await;

    let gw = bramka::connect(&format!("{} && {}", dynmark_dsn_loopback(&a), smsapi_dsn(&b))).unwrap();
    let msg = two_recipients("e2err");
    let first = gw.send(&msg).await.unwrap();
    let second = gw.send(&msg).await.unwrap();
    // The rotation starts at a random gateway; two sends use each exactly once.
    let mut used = vec![first.gateway.clone(), second.gateway.clone()];
    used.sort();
    assert_eq!(used, ["dynmark", "smsapi"]);
    assert!(first.all_accepted() && second.all_accepted());
}

// ---------------------------------------------------------------------------------------------
// Configuration errors.

#[test]
fn unknown_scheme_is_a_config_error_naming_the_scheme() {
    let err = bramka::connect(&format!("carrier-pigeon://{SMSAPI_TOKEN}@default")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(err.certainty(), Certainty::NotSent);
    let text = err.to_string();
    assert!(text.contains("carrier-pigeon"), "{text}");
    assert_no_secret(&format!("{text} {err:?}"));
}

#[test]
fn every_enabled_operator_scheme_is_registered() {
    let schemes = bramka::registry().schemes().into_iter().map(str::to_owned).collect::<Vec<_>>();
    for s in ["console", "null", "smsapi", "infobip", "twilio", "dynmark"] {
        assert!(schemes.iter().any(|x| x == s), "{s} missing from {schemes:?}");
    }
}

#[test]
fn errors_show_the_expression_redacted() {
    // A bad option on the second DSN of an expression whose first DSN is valid: the whole
    // expression is named in the error, every credential as `***`.
    let expr = format!(
        "smsapi://{SMSAPI_TOKEN}@127.0.0.1:9 || twilio://{TWILIO_SID}:{TWILIO_TOKEN}@default?form=x \
         && infobip://{INFOBIP_KEY}@127.0.0.1:9"
    );
    let err = bramka::connect(&expr).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let text = err.to_string();
    assert!(text.contains("form"), "names the bad option: {text}");
    assert!(text.contains("smsapi://***@127.0.0.1:9"), "{text}");
    assert_no_secret(&format!("{text} {err:?}"));

    let err = bramka::connect(&format!("dynmark://acme:{DYNMARK_PASSWORD}@default?colour=red")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("colour"), "{err}");
    assert_no_secret(&format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_401_from_any_operator_is_auth_not_sent_without_the_secret() {
    let cases: Vec<(&str, &str, Value)> = vec![
        ("smsapi", "/sms.do", json!({"error": 101, "message": "Authorization failed"})),
        (
            "infobip",
            "/sms/3/messages",
            json!({"requestError": {"serviceException": {"messageId": "UNAUTHORIZED", "text": "Invalid login details"}}}),
        ),
        ("twilio", TWILIO_PATH, json!({"code": 20003, "message": "Authenticate", "status": 401})),
        ("dynmark", "/webapi/message/send", json!({})),
    ];
    for (operator, p, body) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(401).set_body_json(body))
            .expect(1)
            .named(operator)
            .mount(&server)
            .await;
        let dsn = match operator {
            "smsapi" => smsapi_dsn(&server),
            "infobip" => infobip_dsn(&server),
            "twilio" => twilio_dsn(&server),
            _ => dynmark_dsn(&server),
        };
        let gw = bramka::connect(&dsn).unwrap();
        let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
        let err = gw.send(&msg).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth, "{operator}: {err:?}");
        assert_eq!(err.certainty(), Certainty::NotSent, "{operator}: {err:?}");
        assert_no_secret(&format!("{err} {err:?}"));
        server.verify().await;
    }
}
