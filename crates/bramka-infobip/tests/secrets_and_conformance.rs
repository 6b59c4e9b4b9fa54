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
    // A Deprecation header is logged at WARN (reference §1).
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
