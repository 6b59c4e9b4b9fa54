//! `smsapi://TOKEN@host?options`: DSN in, configuration or error out; a DSN-built gateway over HTTP.

mod common;

use std::time::Duration;

use bramka_core::{Dsn, ErrorKind, Gateway, GatewayFactory, Message, SendState};
use bramka_smsapi::{MessageType, SmsapiConfig, SmsapiFactory};
use common::*;
use wiremock::MockServer;

fn cfg(dsn: &str) -> SmsapiConfig {
    SmsapiConfig::from_dsn(&Dsn::parse(dsn).unwrap()).unwrap_or_else(|e| panic!("{dsn}: {e}"))
}

fn err(dsn: &str) -> String {
    let e = SmsapiConfig::from_dsn(&Dsn::parse(dsn).unwrap()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    e.to_string()
}

#[test]
fn hosts() {
    let table = [
        ("smsapi://t@default", "https://api.smsapi.pl/"),
        ("smsapi://t@pl", "https://api.smsapi.pl/"),
        ("smsapi://t@com", "https://api.smsapi.com/"),
        ("smsapi://t@COM", "https://api.smsapi.com/"),
        ("smsapi://t@api2.smsapi.pl", "https://api2.smsapi.pl/"),
        ("smsapi://t@smsapi.io/api", "https://smsapi.io/api/"),
        ("smsapi://t@proxy.example:8443/sms", "https://proxy.example:8443/sms/"),
        ("smsapi://t@127.0.0.1:8080", "http://127.0.0.1:8080/"),
        ("smsapi://t@localhost:8080", "http://localhost:8080/"),
    ];
    for (dsn, url) in table {
        assert_eq!(cfg(dsn).base_url().as_str(), url, "{dsn}");
    }
}

/// The host form follows the rule every operator's DSN follows: `tls=0` asks for plain http,
/// which a non-loopback host gets only with `insecure_http=1`; `base_url=` wins over the host.
#[test]
fn host_form_is_the_shared_rule() {
    assert_eq!(cfg("smsapi://t@[::1]:8080").base_url().as_str(), "http://[::1]:8080/");
    assert_eq!(cfg("smsapi://t@localhost:8080?tls=1").base_url().as_str(), "https://localhost:8080/");
    let e = err("smsapi://t@proxy.lan/sms?tls=0");
    assert!(e.contains("insecure_http"), "{e}");
    assert_eq!(
        cfg("smsapi://t@proxy.lan/sms?tls=0&insecure_http=1").base_url().as_str(),
        "http://proxy.lan/sms/"
    );
    let c = cfg("smsapi://t@com?base_url=https%3A%2F%2Fproxy.example%2Fsmsapi");
    assert_eq!(c.base_url().as_str(), "https://proxy.example/smsapi/");
}

#[test]
fn options() {
    let c = cfg("smsapi://t@default?from=Sklep&type=eco&test=1&normalize=true&fast=yes&flash=on&max_parts=7\
         &batch_size=50&timeout=90s&connect_timeout=500ms");
    assert_eq!(c.token().expose(), "t");
    assert_eq!(c.sender().map(|s| s.as_string()).as_deref(), Some("Sklep"));
    assert_eq!(c.message_type(), MessageType::Eco);
    assert!(c.test_mode() && c.normalize() && c.fast() && c.flash());
    assert_eq!(c.max_parts(), Some(7));
    assert_eq!(c.batch_size(), 50);
    assert_eq!(c.timeouts().request, Duration::from_secs(90));
    assert_eq!(c.timeouts().connect, Duration::from_millis(500));

    let c = cfg("smsapi://t@default");
    assert_eq!(c.sender(), None);
    assert_eq!(c.message_type(), MessageType::Pro);
    assert!(!c.test_mode() && !c.normalize() && !c.fast() && !c.flash());
    assert_eq!((c.max_parts(), c.batch_size()), (None, 100));
    assert_eq!(c.timeouts().request, Duration::from_secs(30));
    assert_eq!(cfg("smsapi://t@default?type=2way&test=0").message_type(), MessageType::TwoWay);
    let c = cfg("smsapi://t@default?type=priority");
    assert_eq!((c.message_type(), c.fast()), (MessageType::Pro, true));
    assert!(cfg("smsapi://t@default?type=Priority&fast=1").fast());
    assert!(!cfg("smsapi://t@default?test=0").test_mode());
    // Percent-encoded tokens are decoded.
    assert_eq!(cfg("smsapi://a%40b%3Ac@default").token().expose(), "a@b:c");
}

#[test]
fn bad_dsns_say_what_would_be_accepted() {
    let e = err("smsapi://t@default?form=Sklep");
    assert!(e.contains("unknown option \"form\""), "{e}");
    assert!(
        e.contains("accepted: from, type, test, normalize, fast, flash, max_parts, batch_size, timeout, connect_timeout"),
        "{e}"
    );
    assert!(err("smsapi://default").contains("a token as the user"));
    assert!(err("smsapi://user:pass@default").contains("does not accept a login and password"));
    let e = err("smsapi://t@default?test=maybe");
    assert!(e.contains("\"maybe\"") && e.contains("test") && e.contains("false"), "{e}");
    assert!(err("smsapi://t@default?type=premium").contains("pro, eco, 2way or priority"));
    assert!(err("smsapi://t@default?type=priority&fast=0").contains("cannot be combined with fast=0"));
    assert!(err("smsapi://t@default?max_parts=11").contains("1 to 10"));
    assert!(err("smsapi://t@default?max_parts=x").contains("a number from 1 to 10"));
    let e = err("smsapi://t@default?timeout=soon");
    assert!(e.contains("\"soon\"") && e.contains("timeout"), "{e}");
    assert!(err("smsapi://t@default?timeout=0").contains("longer than zero"));
    assert!(err("smsapi://t@default?from=FarTooLongSender").contains("FarTooLongSender"));
    assert!(err("smsapi://t@default?batch_size=0").contains("batch_size 0"));
    assert!(err("twilio://t@default").contains("smsapi://"));
}

#[test]
fn factory_scheme_and_redaction() {
    assert_eq!(SmsapiFactory.schemes(), ["smsapi"]);
    let dsn = Dsn::parse(&format!("smsapi://{TOKEN}@com?from=Sklep")).unwrap();
    let gw = SmsapiFactory.create(&dsn).unwrap();
    assert_eq!(gw.id(), "smsapi");
    assert_eq!(dsn.to_string(), "smsapi://***@com?from=Sklep");
    let debug = format!("{gw:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains("https://api.smsapi.com/"), "{debug}");
}

#[tokio::test]
async fn a_dsn_built_gateway_sends_with_its_token_and_options() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[("from", "Sklep"), ("test", "1")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let port = server.address().port();
    let dsn = Dsn::parse(&format!("smsapi://{TOKEN}@127.0.0.1:{port}?from=Sklep&test=1")).unwrap();
    let gw = SmsapiFactory.create(&dsn).unwrap();
    let m = Message::builder().to("48100200300").text("Hi").client_ref("ref1").build().unwrap();
    let report = gw.send(&m).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::Queued));
}
