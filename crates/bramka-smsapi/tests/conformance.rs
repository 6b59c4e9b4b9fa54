//! The core conformance kit over the SMSAPI gateway.

mod common;

use std::sync::Arc;

use bramka_core::testing::conformance::Conformance;
use bramka_core::{Dsn, Gateway, Message};
use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
use common::*;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn smsapi_gateway_conforms() {
    let server = MockServer::start().await;
    // The auth error provoked below is the only request; the kit itself must not reach the server
    // (reschedule, pause and resume are unsupported and answered locally).
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[("from", "Sklep")]))
        .respond_with(json(format!(r#"{{"error":101,"message":"Authorization failed ({TOKEN})"}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;

    let config = config(&server).sender("Sklep").build().unwrap();
    let config_debug = format!("{config:?}");
    let gw = Arc::new(SmsapiGateway::new(config).unwrap());
    let m = Message::builder().to("48100200300").text("Hi").client_ref("ref1").build().unwrap();
    let auth = gw.send(&m).await.unwrap_err();
    let dsn = Dsn::parse(&format!("smsapi://{TOKEN}@default?from=Sklep")).unwrap();
    let dsn_error =
        SmsapiConfig::from_dsn(&Dsn::parse(&format!("smsapi://{TOKEN}@default?frm=x")).unwrap()).unwrap_err();

    Conformance::new(gw.clone() as Arc<dyn Gateway>)
        .secret(TOKEN)
        .scan("config Debug", config_debug)
        .scan("auth error Display", auth.to_string())
        .scan("auth error Debug", format!("{auth:?}"))
        .scan("DSN Display", dsn.to_string())
        .scan("DSN error", format!("{dsn_error} {dsn_error:?}"))
        .run()
        .await;
}
