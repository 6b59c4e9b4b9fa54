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
    // The username is half of the credentials: Debug masks it too.
    let named = DynmarkConfig::builder("acme-user-77", SECRET).build().unwrap();
    let debug = [format!("{named:?}"), format!("{:?}", DynmarkGateway::new(named.clone()).unwrap())];
    for t in &debug {
        assert!(!t.contains("acme-user-77") && t.contains("username: \"a***\""), "{t}");
    }
    assert_eq!(named.username(), "acme-user-77", "the accessor still gives it whole");
    // The check is real: the password is used on the wire.
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.headers.get("authorization").is_some());
}

/// An answer that echoes the Authorization header and the request body back: the password (as
/// written, percent-encoded, or inside the Basic credentials) never reaches errors or logs.
#[tokio::test(flavor = "current_thread")]
async fn echoed_credentials_are_scrubbed() {
    use bramka_core::testing::LogCapture;
    let server = MockServer::start().await;
    let echo = |req: &wiremock::Request| {
        let auth = req.headers.get("authorization").unwrap().to_str().unwrap().to_owned();
        let body = String::from_utf8_lossy(&req.body).into_owned();
        ResponseTemplate::new(400)
            .set_body_string(format!("bad login {auth} {SECRET} pa55%2Dw0rd%2DXYZ for {body}"))
    };
    Mock::given(method("POST")).respond_with(echo).expect(1).mount(&server).await;
    let failing = |req: &wiremock::Request| {
        let auth = req.headers.get("authorization").unwrap().to_str().unwrap().to_owned();
        ResponseTemplate::new(202).set_body_json(serde_json::json!([
            {"successful": false, "failureDescription": format!("logon failed for {auth} / {SECRET}")}
        ]))
    };
    let second = MockServer::start().await;
    Mock::given(method("POST")).respond_with(failing).expect(1).mount(&second).await;

    let capture = LogCapture::new();
    let _guard = capture.set_default();
    let gw = |s: &MockServer| {
        let c =
            DynmarkConfig::builder("acme", SECRET).base_url(format!("{}/webapi/", s.uri())).build().unwrap();
        DynmarkGateway::new(c).unwrap()
    };
    let msg = Message::builder().to("+447700900123").text("hi").sender("Acme").build().unwrap();
    let err = gw(&server).send(&msg).await.unwrap_err();
    let report = gw(&second).send(&msg).await.unwrap();
    let rejected = report.recipients[0].state.error().unwrap();

    let basic = "YWNtZTpwYTU1LXcwcmQtWFla"; // base64("acme:pa55-w0rd-XYZ")
    let texts = [format!("{err} {err:?}"), format!("{rejected} {rejected:?}"), capture.contents()];
    for t in &texts {
        assert!(!t.contains(SECRET) && !t.contains(basic) && !t.contains("pa55%2Dw0rd%2DXYZ"), "leak in {t}");
    }
    // The answers were quoted (so the check is real), with the secrets replaced.
    assert!(texts[0].contains("bad login Basic ***"), "{}", texts[0]);
    assert!(texts[1].contains("logon failed for Basic *** / ***"), "{}", texts[1]);
    assert_eq!(rejected.kind(), bramka_core::ErrorKind::Auth);
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.headers.get("authorization").unwrap(), &format!("Basic {basic}"));
}
