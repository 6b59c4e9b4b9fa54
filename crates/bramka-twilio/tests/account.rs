//! Balance, receiving numbers and scheduled messages through wiremock: exact requests, call
//! counts, paging.

mod common;

use bramka_core::{Balance, Capability, ErrorKind, Gateway};
use common::*;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BALANCE_PATH: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Balance.json";
const NUMBERS_PATH: &str =
    "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/IncomingPhoneNumbers.json";

fn ok(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string(body)
}

#[tokio::test]
async fn balance_reads_the_balance_resource() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BALANCE_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .respond_with(ok(
            r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","balance":"12.34","currency":"USD"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    assert!(gw.capabilities().supports(Capability::Balance));
    assert_eq!(gw.balance().await.unwrap(), Balance::new(12.34, "USD"));
}

#[tokio::test]
async fn a_sub_account_without_balance_says_so_without_leaking_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BALANCE_PATH))
        .respond_with(ok(
            r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","balance":null,"currency":null}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = gateway(builder(&server)).balance().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("sub-accounts"), "{err}");
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}

#[tokio::test]
async fn numbers_follow_every_page_of_this_account_only() {
    let server = MockServer::start().await;
    let page2 = format!("{NUMBERS_PATH}?PageSize=1&Page=1&PageToken=PT1");
    Mock::given(method("GET"))
        .and(path(NUMBERS_PATH))
        .and(query_param("PageSize", "1000"))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .respond_with(ok(&format!(
            r#"{{"incoming_phone_numbers":[{{"sid":"PN11111111111111111111111111111111","phone_number":"+14155550100","friendly_name":"Votes","capabilities":{{"sms":true,"mms":false,"voice":true}}}}],"next_page_uri":"{page2}"}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(NUMBERS_PATH))
        .and(query_param("PageToken", "PT1"))
        .respond_with(ok(
            r#"{"incoming_phone_numbers":[{"sid":"PN22222222222222222222222222222222","phone_number":"+14155550101","friendly_name":"Voice","capabilities":{"sms":false}}],"next_page_uri":null}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    assert!(gw.capabilities().supports(Capability::ReceivingNumbers));
    let numbers = gw.numbers().await.unwrap();
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[0].number, "+14155550100");
    assert_eq!(numbers[0].id.as_deref(), Some("PN11111111111111111111111111111111"));
    assert_eq!(numbers[0].label.as_deref(), Some("Votes"));
    assert_eq!(numbers[0].sms, Some(true));
    assert_eq!((numbers[1].number.as_str(), numbers[1].sms), ("+14155550101", Some(false)));
}

#[tokio::test]
async fn a_next_page_elsewhere_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NUMBERS_PATH))
        .respond_with(ok(
            r#"{"incoming_phone_numbers":[{"phone_number":"+14155550100"}],"next_page_uri":"/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/IncomingPhoneNumbers.json?Page=1"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = gateway(builder(&server)).numbers().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("refusing to follow"), "{err}");
}

#[tokio::test]
async fn scheduled_lists_only_messages_still_scheduled() {
    let server = MockServer::start().await;
    let m = |sid: &str, status: &str, to: &str| {
        format!(
            r#"{{"sid":"{sid}","status":"{status}","to":"{to}","body":"Promo {sid}","direction":"outbound-api"}}"#
        )
    };
    let body = format!(
        r#"{{"messages":[{},{},{}],"next_page_uri":null,"page":0}}"#,
        m("SM00000000000000000000000000000001", "scheduled", "+14155550001"),
        m("SM00000000000000000000000000000002", "delivered", "+14155550002"),
        m("SM00000000000000000000000000000003", "scheduled", "+14155550003"),
    );
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .respond_with(ok(&body))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    assert!(gw.capabilities().supports(Capability::ListScheduled));
    let list = gw.scheduled().await.unwrap();
    let ids: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["SM00000000000000000000000000000001", "SM00000000000000000000000000000003"]);
    assert_eq!(list[1].to, ["+14155550003"]);
    assert_eq!(list[1].text.as_deref(), Some("Promo SM00000000000000000000000000000003"));
    assert_eq!(list[0].status, "scheduled");
}
