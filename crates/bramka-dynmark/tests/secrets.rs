//! The password never appears in Debug, Display, errors or the DSN.

use bramka_core::{Dsn, Gateway, GatewayFactory, Message};
use bramka_dynmark::{DynmarkConfig, DynmarkFactory, DynmarkGateway};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "pa55-w0rd-XYZ";

#[tokio::test]
async fn password_never_printed() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(401)).expect(1).mount(&server).await;
    let config =
        DynmarkConfig::builder("acme", SECRET).base_url(format!("{}/webapi/", server.uri())).build().unwrap();
    let gw = DynmarkGateway::new(config.clone()).unwrap();
    let msg = Message::builder().to("+447700900123").text("hi").sender("Acme").build().unwrap();
    let err = gw.send(&msg).await.unwrap_err();
    let dsn = Dsn::parse(&format!("dynmark://acme:{SECRET}@127.0.0.1:1?tls=0")).unwrap();
    let dsn_err =
        DynmarkFactory.create(&Dsn::parse(&format!("dynmark://acme:{SECRET}@default?bogus=1")).unwrap());

    let texts = [
        format!("{config:?}"),
        format!("{gw:?}"),
        format!("{err}"),
        format!("{err:?}"),
        dsn.to_string(),
        format!("{dsn:?}"),
        format!("{:?}", dsn_err.as_ref().err()),
        dsn_err.err().map(|e| e.to_string()).unwrap_or_default(),
    ];
    for t in &texts {
        assert!(!t.contains(SECRET), "secret leaked in {t}");
    }
    // The check is real: the password is used on the wire.
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.headers.get("authorization").is_some());
}
