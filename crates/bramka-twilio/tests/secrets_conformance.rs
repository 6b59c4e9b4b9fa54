//! The auth token and API key secret never appear in Debug, Display, errors or logs; the core
//! conformance kit passes.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bramka_core::http::Timeouts;
use bramka_core::testing::LogCapture;
use bramka_core::testing::conformance::Conformance;
use bramka_core::{Capability, Dsn, Gateway, GatewayFactory, Message, WebhookParser};
use bramka_twilio::{TwilioConfig, TwilioFactory, TwilioGateway, TwilioWebhooks, signature};
use common::*;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn secrets_never_in_debug_errors_dsn_or_logs() {
    let capture = LogCapture::new();
    let _guard = capture.set_default();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(429, "error_20429_429.json").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[("To", "+14155552671"), ("From", "+15005550006"), ("Body", "x")]))
        .respond_with(json_response(401, "error_20003_401.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[("To", "+14155552672"), ("From", "+15005550006"), ("Body", "x")]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;

    let clock = clock();
    let config =
        builder(&server).from("+15005550006").clock(Arc::new(clock.clone())).concurrency(2).build().unwrap();
    let gw = TwilioGateway::new(config.clone()).unwrap();
    let mut texts = vec![format!("{config:?}"), format!("{gw:?}"), format!("{:?}", builder(&server))];

    // A send with a 429 retry, a 401 for one recipient (logged) and one success.
    let msg = Message::builder().to("+14155552671, +14155552672").text("x").build().unwrap();
    let report = gw.send(&msg).await.unwrap();
    assert_eq!(report.accepted().count(), 1);
    let e = report.rejected().next().unwrap().state.error().unwrap().clone();
    texts.push(format!("{e} {e:?} {report:?}"));

    // Transport errors.
    let refused = TwilioGateway::new(
        TwilioConfig::builder(AC, TOKEN)
            .base_url("http://127.0.0.1:9")
            .from("+15005550006")
            .timeouts(Timeouts { connect: Duration::from_secs(2), request: Duration::from_secs(2) })
            .build()
            .unwrap(),
    )
    .unwrap();
    let e = refused.send(&msg).await.unwrap_err();
    texts.push(format!("{e} {e:?}"));
    let e = refused.status("SM3f1b2c4d5e6f708192a3b4c5d6e7f809").await.unwrap_err();
    texts.push(format!("{e} {e:?}"));

    // API key secret.
    let key_config = TwilioConfig::builder_with_api_key(AC, SK, SK_SECRET).build().unwrap();
    texts.push(format!("{key_config:?} {:?}", TwilioGateway::new(key_config.clone()).unwrap()));

    // DSNs and their errors.
    let dsn = Dsn::parse(&format!("twilio://{AC}:{TOKEN}@default?from=%2B15005550006")).unwrap();
    texts.push(format!("{dsn} {dsn:?} {:?}", TwilioFactory.create(&dsn).unwrap()));
    let bad = Dsn::parse(&format!("twilio://{AC}:{TOKEN}@default?nope=1")).unwrap();
    let e = TwilioFactory::config(&bad).unwrap_err();
    texts.push(format!("{e} {e:?}"));
    let e =
        TwilioFactory::config(&Dsn::parse(&format!("twilio://AC1:{TOKEN}@default")).unwrap()).unwrap_err();
    texts.push(format!("{e} {e:?}"));

    // Webhooks: debug, a refused signature, the insecure warning.
    let hooks = TwilioWebhooks::new(TOKEN);
    let req = signature::signed_request_for_test(
        "wrong",
        "https://h.example/cb",
        "MessageSid=SM1&MessageStatus=sent",
    )
    .unwrap();
    let e = hooks.parse(&req).unwrap_err();
    texts.push(format!("{hooks:?} {e} {e:?} {req:?}"));
    let _ = TwilioWebhooks::insecure_without_signature_check();

    let logs = capture.contents();
    assert!(logs.contains("429"), "the retry was logged: {logs}");
    assert!(logs.contains("not accepted"), "the rejection was logged: {logs}");
    assert!(logs.contains("WITHOUT signature verification"), "{logs}");
    assert!(!logs.contains("+14155552671"), "full numbers are masked in logs: {logs}");
    texts.push(logs);

    for t in &texts {
        assert!(!t.contains(TOKEN), "auth token leaked: {t}");
        assert!(!t.contains(SK_SECRET), "API key secret leaked: {t}");
    }

    let mut kit = Conformance::new(Arc::new(gw)).secret(TOKEN).secret(SK_SECRET);
    for (i, t) in texts.into_iter().enumerate() {
        kit = kit.scan(&format!("text #{i}"), t);
    }
    kit.run().await;
}

#[tokio::test]
async fn conformance_kit_passes_without_any_request() {
    let server = MockServer::start().await;
    // Unadvertised operations (reschedule, pause, resume) must not reach Twilio.
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let gw = gateway(builder(&server).messaging_service_sid(MG));
    let caps = gw.capabilities().clone();
    assert_eq!(caps.batch_size, 1);
    assert!(
        [Capability::Schedule, Capability::Cancel, Capability::Status, Capability::SignedWebhooks]
            .iter()
            .all(|c| caps.supports(*c))
    );
    assert!(caps.supports(Capability::DeliveryWebhook) && caps.supports(Capability::InboundWebhook));
    assert!(
        [Capability::Balance, Capability::ReceivingNumbers, Capability::ListScheduled]
            .iter()
            .all(|c| caps.supports(*c))
    );
    assert!(
        [Capability::Reschedule, Capability::Pause, Capability::TestMode, Capability::SenderNames]
            .iter()
            .all(|c| !caps.supports(*c))
    );
    let config_debug = format!("{:?}", gw.config());
    Conformance::new(Arc::new(gw)).secret(TOKEN).scan("config Debug", config_debug).run().await;
    assert_eq!(TwilioWebhooks::new(TOKEN).provider(), "twilio");
}

/// A server that echoes the token inside a 201 Twilio cannot decode: the decoder's message
/// quotes the value, and the error shows it scrubbed (found by the `answer_twilio` fuzz target).
#[tokio::test]
async fn an_undecodable_answer_echoing_the_token_is_scrubbed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[("To", "+14155552671"), ("From", "+15005550006"), ("Body", "x")]))
        .respond_with(ResponseTemplate::new(201).set_body_string(format!("\"echo {TOKEN} echo\"")))
        .expect(1)
        .mount(&server)
        .await;
    let gw = TwilioGateway::new(builder(&server).from("+15005550006").build().unwrap()).unwrap();
    let msg = Message::builder().to("+14155552671").text("x").build().unwrap();
    let e = gw.send(&msg).await.unwrap_err();
    let shown = format!("{e} {e:?}");
    assert_eq!(e.kind(), bramka_core::ErrorKind::Decode, "{shown}");
    assert!(shown.contains("invalid type: string"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

/// An error body echoing the token in its `more_info` link and its `code`: neither is shown
/// (found by the `answer_twilio` fuzz target).
#[tokio::test]
async fn an_error_body_echoing_the_token_in_its_link_or_code_is_scrubbed() {
    let server = MockServer::start().await;
    let body = serde_json::json!({
        "code": format!("2{TOKEN}"),
        "message": "Authenticate",
        "more_info": format!("https://www.twilio.com/docs/errors/{TOKEN}"),
        "status": 401
    });
    Mock::given(method("GET"))
        .and(path(format!("/2010-04-01/Accounts/{AC}/Messages/SM3f1b2c4d5e6f708192a3b4c5d6e7f809.json")))
        .respond_with(ResponseTemplate::new(401).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let gw = TwilioGateway::new(builder(&server).from("+15005550006").build().unwrap()).unwrap();
    let e = gw.status("SM3f1b2c4d5e6f708192a3b4c5d6e7f809").await.unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("Authenticate (see https://www.twilio.com/docs/errors/"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
}
