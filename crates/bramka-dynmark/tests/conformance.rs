//! The core conformance kit against a Dynmark gateway on a wiremock server.

use std::sync::Arc;

use bramka_core::testing::conformance::Conformance;
use bramka_core::{Dsn, Gateway, Message};
use bramka_dynmark::{DynmarkConfig, DynmarkGateway};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "conf0rmance-pa55";

#[tokio::test]
async fn conformance_kit_passes() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(401)).expect(1).mount(&server).await;
    let config = DynmarkConfig::builder("acme", PASSWORD)
        .base_url(format!("{}/webapi/", server.uri()))
        .sender("Acme")
        .build()
        .unwrap();
    let gw = Arc::new(DynmarkGateway::new(config.clone()).unwrap());
    let err = gw.send(&Message::builder().to("+447700900123").text("hi").build().unwrap()).await.unwrap_err();
    let dsn = Dsn::parse(&format!("dynmark://acme:{PASSWORD}@default")).unwrap();
    Conformance::new(gw)
        .secret(PASSWORD)
        .scan("config", format!("{config:?}"))
        .scan("error", format!("{err} {err:?}"))
        .scan("dsn", format!("{dsn} {dsn:?}"))
        .run()
        .await;
}
