//! Username + password (HTTP Basic) as the seeds configure Infobip accounts, through real HTTP.

mod support;

use bramka_core::{Dsn, ErrorKind, Gateway, GatewayFactory};
use bramka_infobip::{InfobipConfig, InfobipFactory, InfobipGateway};
use support::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "jan.kowalski";
const PASSWORD: &str = "Pa55-w0rd-Zq81x";
/// base64("jan.kowalski:Pa55-w0rd-Zq81x")
const BASIC: &str = "Basic amFuLmtvd2Fsc2tpOlBhNTUtdzByZC1acTgxeA==";

#[tokio::test]
async fn basic_credentials_sign_every_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/account/1/balance"))
        .and(header("Authorization", BASIC))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("synthetic-balance-response-200.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dsn = Dsn::parse(&format!("infobip://{USER}:{PASSWORD}@{}", server.address())).unwrap();
    let gw = InfobipFactory.create(&dsn).unwrap();
    gw.balance().await.unwrap();
    let shown = format!("{gw:?} {dsn} {dsn:?}");
    assert!(!shown.contains(PASSWORD), "password leaked: {shown}");
    assert!(!shown.contains("amFuLmtvd2Fsc2tp"), "encoded credentials leaked: {shown}");
}

#[tokio::test]
async fn a_refusal_quoting_the_credentials_is_scrubbed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/account/1/balance"))
        .respond_with(ResponseTemplate::new(401).set_body_string(format!(
            r#"{{"requestError":{{"serviceException":{{"messageId":"UNAUTHORIZED","text":"Invalid login details {PASSWORD} {BASIC}"}}}}}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;
    let config = InfobipConfig::builder_basic(&server.uri(), USER, PASSWORD).build().unwrap();
    let err = InfobipGateway::new(config).unwrap().balance().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(PASSWORD) && !shown.contains("amFuLmtvd2Fsc2tp"), "{shown}");
}

#[test]
fn unusable_credentials_are_refused_without_the_password() {
    for (user, pw, needle) in [
        ("", PASSWORD, "username is empty"),
        ("a:b", PASSWORD, "without ':'"),
        (USER, "", "password is empty"),
    ] {
        let err = InfobipConfig::builder_basic("xxxxx.api.infobip.com", user, pw).build().unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
        assert!(!format!("{err} {err:?}").contains(PASSWORD));
    }
    let ok = InfobipConfig::builder_basic("xxxxx.api.infobip.com", USER, PASSWORD).build().unwrap();
    assert_eq!(ok.username(), Some(USER));
    // The username is half of the credentials (a DSN with a token in the user slot puts it
    // there): Debug shows its first character only, like Dynmark's.
    let debug = format!("{ok:?}");
    assert!(!debug.contains(PASSWORD) && !debug.contains(USER), "{debug}");
    assert!(debug.contains(r#"username: Some("j***")"#), "{debug}");
    let gw = InfobipGateway::new(ok).unwrap();
    assert!(!format!("{gw:?}").contains(USER));
}

#[tokio::test]
async fn the_api_key_stays_the_default() {
    let h = harness().await;
    api("GET", "/account/1/balance")
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("synthetic-balance-response-200.json")),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    h.gw.balance().await.unwrap();
    assert_eq!(h.gw.config().username(), None);
}
