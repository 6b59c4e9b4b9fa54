//! What the action logs: the call and masked numbers, never a secret field, the API URL's
//! credentials, or full phone numbers.

use std::sync::Arc;

use bramka_core::Secret;
use bramka_core::testing::LogCapture;
use bramka_core::testing::MockGateway;
use bramka_flow::{CallEvent, RemoteApi, SmsAction, SmsActionConfig};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "current_thread")]
async fn logs_carry_no_secret_and_mask_numbers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Fine"))
        .expect(1)
        .mount(&server)
        .await;

    let capture = LogCapture::new();
    let _guard = capture.set_default();

    let gw = MockGateway::new();
    for (p, call_id) in [("sms", "call-1"), ("ok", "call-2")] {
        let url = format!("{}/{p}?token=url-s3cr3t", server.uri()).replace("http://", "http://user:pa55@");
        let config = SmsActionConfig::builder()
            .label("logs")
            .recipients("+48600123456")
            .also_to_caller(true)
            .remote(RemoteApi::post_json(url).fallback("Fallback"))
            .secret_field("api_key", Secret::new("field-s3cr3t"))
            .build()
            .unwrap();
        let action = SmsAction::new(config, Arc::new(gw.clone())).unwrap();
        assert!(action.run(CallEvent::new(call_id, "+48500987654", "+48221131415")).await.is_sent());
    }

    let logs = capture.contents();
    assert!(logs.contains("call-1") && logs.contains("call-2"), "{logs}");
    assert!(logs.contains("HTTP 500"), "the fallback reason is logged: {logs}");
    assert!(logs.contains("***"), "numbers are masked: {logs}");
    for secret in ["field-s3cr3t", "url-s3cr3t", "pa55", "+48600123456", "+48500987654"] {
        assert!(!logs.contains(secret), "{secret} in logs:\n{logs}");
    }
}
