//! `bramka scheduled`, `bramka numbers` and `bramka senders …` run as a process against
//! wiremock SMSAPI and Twilio on 127.0.0.1: the exact requests, their count and the output; an
//! operator without the capability is refused before any request.

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SMSAPI_TOKEN: &str = "smsapi-Secret-T0ken";
const TWILIO_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TWILIO_TOKEN: &str = "tw-Secret-Tok3n";
// base64("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:tw-Secret-Tok3n")
const TWILIO_AUTH: &str = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp0dy1TZWNyZXQtVG9rM24=";

fn smsapi(s: &MockServer) -> String {
    format!("smsapi://{SMSAPI_TOKEN}@127.0.0.1:{}", s.address().port())
}

fn twilio(s: &MockServer) -> String {
    format!(
        "twilio://{TWILIO_SID}:{TWILIO_TOKEN}@default?base_url=http%3A%2F%2F127.0.0.1%3A{}",
        s.address().port()
    )
}

fn bearer() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {SMSAPI_TOKEN}").as_str())
}

fn ok_json(v: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_json(v)
}

/// A server that fails the test if it gets any request.
async fn untouchable() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn senders_list_shows_names_states_and_the_default() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sms/sendernames"))
        .and(bearer())
        .respond_with(ok_json(json!({"size": 2, "collection": [
            {"sender": "Sklep", "is_default": true, "status": "ACTIVE"},
            {"sender": "Promo", "is_default": false, "status": "PENDING"}
        ]})))
        .expect(2)
        .mount(&server)
        .await;
    let run = bramka(&["senders", "list", "--gateway", &smsapi(&server)]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "NAME\tSTATUS\tDEFAULT\nSklep\tactive\tdefault\nPromo\tpending\t-\n");
    assert!(!run.all().contains(SMSAPI_TOKEN));

    let run = bramka(&["senders", "list", "--json", "--gateway", &smsapi(&server)]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.json(),
        json!([
            {"name": "Sklep", "status": "active", "is_default": true},
            {"name": "Promo", "status": "pending", "is_default": false}
        ])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn senders_add_default_and_delete_send_the_exact_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/sendernames"))
        .and(bearer())
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"sender": "Promo"})))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("content-type", "application/json")
                .set_body_json(json!({"sender": "Promo", "is_default": false, "status": "PENDING"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sms/sendernames/My%20Shop/commands/make_default"))
        .and(bearer())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/sms/sendernames/Promo"))
        .and(bearer())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/sms/sendernames/Nobody"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"message":"Not found","error":"not_found"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dsn = smsapi(&server);

    let run = bramka(&["senders", "add", "--gateway", &dsn, "Promo"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "smsapi: requested Promo (pending)\n");

    let run = bramka(&["senders", "default", "--gateway", &dsn, "My Shop"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "smsapi: My Shop is the default sender\n");

    let run = bramka(&["senders", "delete", "--json", "--gateway", &dsn, "Promo"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json(), json!({"gateway": "smsapi", "name": "Promo", "deleted": true}));

    let run = bramka(&["senders", "delete", "--gateway", &dsn, "Nobody"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("\"Nobody\""), "{}", run.stderr);
    assert!(!run.all().contains(SMSAPI_TOKEN));

    // An invalid name (SMSAPI allows at most 11 characters) is refused before any request: the
    // expectations above count exactly one request each.
    let run = bramka(&["senders", "add", "--gateway", &dsn, "FarTooLongName"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("FarTooLongName"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_lists_twilio_messages_still_scheduled() {
    let server = MockServer::start().await;
    let long = "Promocja! Tylko dziś rabat 20% na wszystko w sklepie, kod LATO";
    Mock::given(method("GET"))
        .and(path(format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")))
        .and(header("authorization", TWILIO_AUTH))
        .respond_with(ok_json(json!({"messages": [
            {"sid": "SM00000000000000000000000000000001", "status": "scheduled", "to": "+14155550001",
             "body": long, "direction": "outbound-api"},
            {"sid": "SM00000000000000000000000000000002", "status": "delivered", "to": "+14155550002",
             "body": "old", "direction": "outbound-api"}
        ], "next_page_uri": null, "page": 0})))
        .expect(2)
        .mount(&server)
        .await;
    let run = bramka(&["scheduled", "--gateway", &twilio(&server)]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        "ID\tTO\tSEND AT\tSTATUS\tTEXT\n\
         SM00000000000000000000000000000001\t+14155550001\t-\tscheduled\t\
         Promocja! Tylko dziś rabat 20% na wszys…\n"
    );
    assert!(!run.all().contains(TWILIO_TOKEN));

    let run = bramka(&["scheduled", "--json", "--gateway", &twilio(&server)]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.json(),
        json!([{"id": "SM00000000000000000000000000000001", "send_at": null, "to": ["+14155550001"],
                "text": long, "status": "scheduled"}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn numbers_lists_twilio_incoming_numbers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/2010-04-01/Accounts/{TWILIO_SID}/IncomingPhoneNumbers.json")))
        .and(query_param("PageSize", "1000"))
        .and(header("authorization", TWILIO_AUTH))
        .respond_with(ok_json(json!({"incoming_phone_numbers": [
            {"sid": "PN11111111111111111111111111111111", "phone_number": "+14155550100",
             "friendly_name": "Votes", "capabilities": {"sms": true, "voice": true}},
            {"sid": "PN22222222222222222222222222222222", "phone_number": "+14155550101",
             "friendly_name": "Voice", "capabilities": {"sms": false}}
        ], "next_page_uri": null})))
        .expect(2)
        .mount(&server)
        .await;
    let run = bramka(&["numbers", "--gateway", &twilio(&server)]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        "NUMBER\tID\tSMS\tLABEL\n\
         +14155550100\tPN11111111111111111111111111111111\tyes\tVotes\n\
         +14155550101\tPN22222222222222222222222222222222\tno\tVoice\n"
    );
    let run = bramka(&["numbers", "--json", "--gateway", &twilio(&server)]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.json()[0],
        json!({"number": "+14155550100", "id": "PN11111111111111111111111111111111",
                                     "label": "Votes", "sms": true})
    );
    assert!(!run.all().contains(TWILIO_TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_without_the_capability_is_refused_naming_it_with_no_request() {
    let server = untouchable().await;
    for (args, capability) in [
        (&["senders", "list"][..], "sender_names"),
        (&["senders", "add", "Sklep"][..], "sender_names"),
        (&["senders", "default", "Sklep"][..], "sender_names"),
        (&["senders", "delete", "Sklep"][..], "sender_names"),
    ] {
        let mut a = args.to_vec();
        let dsn = twilio(&server);
        a.extend(["--gateway", &dsn]);
        let run = bramka(&a);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(run.stderr.contains(&format!("twilio does not support {capability}")), "{}", run.stderr);
        assert!(run.stderr.contains("hint:"), "{}", run.stderr);
        assert!(!run.all().contains(TWILIO_TOKEN));
    }
    for (cmd, capability) in [("scheduled", "list_scheduled"), ("numbers", "receiving_numbers")] {
        let run = bramka(&[cmd, "--gateway", &smsapi(&server)]);
        assert_eq!(run.code, 1, "{cmd}: {}", run.all());
        assert!(run.stderr.contains(&format!("smsapi does not support {capability}")), "{}", run.stderr);
    }
    // The expect(0) catch-all is verified when the server drops.
}
