//! The token never appears in `Debug` of the config, builder or gateway, in errors (auth, transport,
//! configuration), in the DSN's `Display`, nor in the crate's log output.

mod common;

use std::time::Duration;

use bramka_core::testing::LogCapture;
use bramka_core::{Dsn, Gateway, GatewayFactory, Message};
use bramka_smsapi::{SmsapiConfig, SmsapiFactory, SmsapiGateway};
use common::*;
use wiremock::{MockServer, ResponseTemplate};

fn assert_clean(label: &str, text: &str) {
    assert!(!text.contains(TOKEN), "token leaked in {label}: {text}");
}

fn msg() -> Message {
    Message::builder().to("48100200300").text("Hi").client_ref("ref1").build().unwrap()
}

#[test]
fn debug_of_config_builder_gateway_and_dsn() {
    let b = SmsapiConfig::builder(TOKEN).sender("Sklep");
    assert_clean("builder Debug", &format!("{b:?}"));
    let c = b.build().unwrap();
    assert_clean("config Debug", &format!("{c:?}"));
    assert_clean("token Display", &format!("{} {:?}", c.token(), c.token()));
    let gw = SmsapiGateway::new(c).unwrap();
    assert_clean("gateway Debug", &format!("{gw:?}"));
    assert!(format!("{gw:?}").contains("***"));

    let dsn = Dsn::parse(&format!("smsapi://{TOKEN}@default?from=Sklep&test=1")).unwrap();
    assert_clean("DSN Display", &dsn.to_string());
    assert_clean("DSN Debug", &format!("{dsn:?}"));
    let gw = SmsapiFactory.create(&dsn).unwrap();
    assert_clean("DSN gateway Debug", &format!("{gw:?}"));
    for bad in ["smsapi://{T}@default?nope=1", "smsapi://{T}@default?test=maybe", "smsapi://{T}:x@default"] {
        let dsn = Dsn::parse(&bad.replace("{T}", TOKEN)).unwrap();
        let e = SmsapiFactory.create(&dsn).unwrap_err();
        assert_clean("DSN error", &format!("{e} {e:?}"));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn errors_and_logs_never_show_the_token() {
    let logs = LogCapture::new();
    let _guard = logs.set_default();
    let server = MockServer::start().await;

    // An auth error whose text echoes the token back: scrubbed.
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[]))
        .respond_with(json(format!(r#"{{"error":101,"message":"Authorization failed for {TOKEN}"}}"#)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).build().unwrap()).unwrap();
    let e = gw.send(&msg()).await.unwrap_err();
    assert!(e.to_string().contains("Authorization failed for ***"), "{e}");
    assert_clean("auth error", &format!("{e} {e:?}"));

    // A REST error echoing it, on balance.
    wiremock::Mock::given(wiremock::matchers::path("/profile"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(format!(r#"{{"message":"bad token {TOKEN}"}}"#)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = gw.balance().await.unwrap_err();
    assert_clean("balance error", &format!("{e} {e:?}"));

    // An undecodable answer echoing it.
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[]))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("garbage {TOKEN}")))
        .expect(1)
        .mount(&server)
        .await;
    let e = gw.send(&msg()).await.unwrap_err();
    assert_clean("decode error", &format!("{e} {e:?}"));

    // A timeout.
    let slow = MockServer::start().await;
    sms_do()
        .respond_with(json(fixture("sms-send-response-single.json")).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&slow)
        .await;
    let gw_slow =
        SmsapiGateway::new(config(&slow).timeout(Duration::from_millis(100)).build().unwrap()).unwrap();
    let e = gw_slow.send(&msg()).await.unwrap_err();
    assert_clean("timeout error", &format!("{e} {e:?}"));

    // A refused connection.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gw_down = SmsapiGateway::new(
        SmsapiConfig::builder(TOKEN).base_url(format!("http://127.0.0.1:{port}/")).build().unwrap(),
    )
    .unwrap();
    let e = gw_down.send(&msg()).await.unwrap_err();
    assert_clean("connect error", &format!("{e} {e:?}"));
    let e = gw_down.status("ABC").await.unwrap_err();
    assert_clean("status connect error", &format!("{e} {e:?}"));

    let text = logs.contents();
    // The capture works: the crate's own events are in it ...
    assert!(text.contains("sending SMS request"), "nothing captured: {text}");
    // ... and the token is not.
    assert_clean("logs", &text);
}
