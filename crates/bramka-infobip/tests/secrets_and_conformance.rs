//! The API key never appears in Debug, Display, errors, the DSN or logs; the core conformance
//! kit passes.

mod support;

use bramka_core::testing::LogCapture;
use bramka_core::testing::conformance::Conformance;
use bramka_core::{Dsn, Gateway, GatewayFactory, Message};
use bramka_infobip::{InfobipFactory, InfobipGateway};
use serde_json::json;
use wiremock::ResponseTemplate;

use support::{KEY, api, fixture, harness};

#[tokio::test(flavor = "current_thread")]
async fn key_never_printed_and_conformance_passes() {
    let capture = LogCapture::new();
    let _guard = capture.set_default();

    let h = harness().await;
    api("POST", "/sms/3/messages")
        .respond_with(ResponseTemplate::new(401).set_body_string(fixture("error-v3-401.json")))
        .expect(1)
        .mount(&h.server)
        .await;
    api("GET", "/sms/1/bulks/status")
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Deprecation", "true")
                .set_body_json(json!({"bulkId": "b", "status": "CANCELED"})),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    let msg = Message::builder().to("+48600100200").text("x").build().unwrap();
    let auth = h.gw.send(&msg).await.unwrap_err();
    let state = h.gw.resume("b").await.unwrap_err();
    let refused = InfobipGateway::new(
        bramka_infobip::InfobipConfig::builder("http://127.0.0.1:9", KEY).build().unwrap(),
    )
    .unwrap()
    .send(&msg)
    .await
    .unwrap_err();
    let dsn = Dsn::parse(&format!("infobip://{KEY}@abc.api.infobip.com?from=Shop")).unwrap();
    let from_dsn = InfobipFactory.create(&dsn).unwrap();
    let bad_dsn =
        InfobipFactory.create(&Dsn::parse(&format!("infobip://{KEY}@default")).unwrap()).unwrap_err();
    let logs = capture.contents();
    assert!(logs.contains("/sms/3/messages"), "the capture saw nothing:\n{logs}");
    // A Deprecation header (Infobip marks retired endpoints with it) is logged at WARN.
    assert!(logs.lines().any(|l| l.starts_with("WARN") && l.contains("deprecated")), "{logs}");

    let mut kit = Conformance::new(h.gw.clone()).secret(KEY);
    for (label, text) in [
        ("auth error Display", auth.to_string()),
        ("auth error Debug", format!("{auth:?}")),
        ("state error Debug", format!("{state:?}")),
        ("network error Debug", format!("{refused:?}")),
        ("DSN Display", dsn.to_string()),
        ("DSN Debug", format!("{dsn:?}")),
        ("gateway from DSN Debug", format!("{from_dsn:?}")),
        ("DSN error Debug", format!("{bad_dsn:?}")),
        ("logs", logs),
    ] {
        kit = kit.scan(label, text);
    }
    kit.run().await;
    // The DSN factory's gateway conforms too.
    Conformance::new(from_dsn).secret(KEY).run().await;
}

/// Echoes the request's Authorization header (and its percent-encoded key) into the error body,
/// as a misbehaving proxy or server might.
struct EchoAuth(u16);
impl wiremock::Respond for EchoAuth {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let auth = req.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = json!({"errorCode": "E400", "description": format!("bad request with Authorization: {auth}"),
                          "action": format!("key={}", auth.trim_start_matches("App "))});
        ResponseTemplate::new(self.0).set_body_json(body)
    }
}

/// A server echoing the API key in its error body (send, and a read) never gets it into the
/// error's Display/Debug or the logs.
#[tokio::test(flavor = "current_thread")]
async fn key_echoed_by_the_server_is_scrubbed() {
    let capture = LogCapture::new();
    let _guard = capture.set_default();
    let h = harness().await;
    api("POST", "/sms/3/messages").respond_with(EchoAuth(400)).expect(1).mount(&h.server).await;
    api("GET", "/account/1/balance").respond_with(EchoAuth(401)).expect(1).mount(&h.server).await;
    let msg = Message::builder().to("+48600100200").text("x").build().unwrap();
    let send = h.gw.send(&msg).await.unwrap_err();
    let read = h.gw.balance().await.unwrap_err();
    for e in [&send, &read] {
        let shown = format!("{e} {e:?}");
        assert!(shown.contains("bad request with Authorization"), "the echo is quoted: {shown}");
        assert!(!shown.contains(KEY), "{shown}");
    }
    let logs = capture.contents();
    assert!(logs.contains("error response"), "{logs}");
    assert!(!logs.contains(KEY), "{logs}");
    h.finish().await;
}

/// `base_url=` with a path prefix: requests go under the prefix, with the key from the DSN.
#[tokio::test]
async fn dsn_base_url_with_a_path_prefix() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/proxy/infobip/account/1/balance"))
        .and(wiremock::matchers::header("Authorization", support::AUTH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"balance": 12.5, "currency": "EUR"})))
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/proxy/infobip", server.uri());
    let dsn = Dsn::parse(&format!(
        "infobip://{KEY}@default?base_url={}",
        url::form_urlencoded::byte_serialize(base.as_bytes()).collect::<String>()
    ))
    .unwrap();
    let gw = InfobipFactory.create(&dsn).unwrap();
    let b = gw.balance().await.unwrap();
    assert_eq!(b.unit, "EUR");
    // Plain http to a non-loopback host needs insecure_http=1.
    let plain = |extra: &str| {
        Dsn::parse(&format!("infobip://{KEY}@default?base_url=http%3A%2F%2F10.0.0.1%2Fib{extra}")).unwrap()
    };
    let e = InfobipFactory.create(&plain("")).unwrap_err();
    assert!(e.to_string().contains("insecure_http"), "{e}");
    assert!(!e.to_string().contains(KEY));
    assert!(InfobipFactory.create(&plain("&insecure_http=1")).is_ok());
    server.verify().await;
}
