//! The core conformance kit over the SMSAPI gateway.

mod common;

use std::sync::Arc;

use bramka_core::testing::conformance::Conformance;
use bramka_core::{Dsn, Gateway, Message};
use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
use common::*;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A message id as SMSAPI hands them out.
const ID: &str = "5E1A4C3B3638300A2E1E1C4B";

#[tokio::test]
async fn smsapi_gateway_conforms() {
    let server = MockServer::start().await;
    // The auth error provoked below and the advertised operations are the only requests: the
    // unsupported ones (reschedule, pause, resume) are answered locally.
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[("from", "Sklep")]))
        .respond_with(json(format!(r#"{{"error":101,"message":"Authorization failed ({TOKEN})"}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    // The advertised operations (status, cancel, balance, sender names) answer Ok for ID, called directly and
    // through each of the kit's four wrappers (retry, recording, failover, round robin): 5 calls.
    sms_do()
        .and(form(&[("status", ID), ("format", "json")]))
        .respond_with(json(format!(
            r#"{{"count":1,"list":[{{"id":"{ID}","points":"0.1600","number":"48100200300","status":"DELIVERED"}}]}}"#
        )))
        .expect(5)
        .mount(&server)
        .await;
    sms_do()
        .and(form(&[("sch_del", ID), ("format", "json")]))
        .respond_with(json(format!(r#"{{"count":1,"list":[{{"id":"{ID}"}}]}}"#)))
        .expect(5)
        .mount(&server)
        .await;
    get("/profile").respond_with(json(r#"{"points":"321.50"}"#)).expect(5).mount(&server).await;
    get("/sms/sendernames")
        .respond_with(json(
            r#"{"size":1,"collection":[{"sender":"Sklep","is_default":true,"status":"ACTIVE"}]}"#,
        ))
        .expect(5)
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
        .advertised_id(ID)
        .scan("config Debug", config_debug)
        .scan("auth error Display", auth.to_string())
        .scan("auth error Debug", format!("{auth:?}"))
        .scan("DSN Display", dsn.to_string())
        .scan("DSN error", format!("{dsn_error} {dsn_error:?}"))
        .run()
        .await;
}
