//! Content from the customer's API, served by wiremock on 127.0.0.1: the exact request (method,
//! path, parameters, body), the answer structures, and every failure with and without fallback.

use std::sync::Arc;
use std::time::Duration;

use bramka_core::Secret;
use bramka_core::testing::MockGateway;
use bramka_flow::{
    CallEvent, CallOutcome, ContentError, ContentSource, InMemoryHistory, RemoteApi, RemoteError, SendResult,
    SmsAction, SmsActionConfig,
};
use serde_json::json;
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn call() -> CallEvent {
    CallEvent::new("call-77", "+48500600700", "+48221131415")
}

fn action(api: RemoteApi, gw: &MockGateway) -> (SmsAction, InMemoryHistory) {
    let config = SmsActionConfig::builder()
        .label("status")
        .sender("Shop")
        .recipients("+48600100200")
        .once_per_call(true)
        .field("tenant", "acme")
        .field("lang", "pl")
        .remote(api)
        .build()
        .unwrap();
    let history = InMemoryHistory::new();
    let action =
        SmsAction::new(config, Arc::new(gw.clone())).unwrap().with_history(Arc::new(history.clone()));
    (action, history)
}

fn record(outcome: &CallOutcome) -> &bramka_flow::SendRecord {
    outcome.record().unwrap_or_else(|| panic!("no record: {outcome:?}"))
}

fn no_content(outcome: &CallOutcome) -> RemoteError {
    match &record(outcome).result {
        SendResult::NoContent(ContentError::Remote(e)) => e.clone(),
        other => panic!("expected no content from the API, got {other}"),
    }
}

#[tokio::test]
async fn get_sends_every_parameter_in_the_query_and_uses_the_plain_text_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sms-text"))
        .and(query_param("from_number", "+48500600700"))
        .and(query_param("to_number", "+48221131415"))
        .and(query_param("call_id", "call-77"))
        .and(query_param("tenant", "acme"))
        .and(query_param("lang", "pl"))
        .respond_with(ResponseTemplate::new(200).set_body_string("  Your order 123 ships today.\n"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let (action, history) = action(RemoteApi::get(format!("{}/sms-text", server.uri())), &gw);

    let outcome = action.run(call()).await;
    assert!(outcome.is_sent(), "{outcome:?}");
    assert_eq!(gw.sent()[0].text(), "Your order 123 ships today.");
    let r = &history.records()[0];
    assert_eq!(r.content.as_ref().unwrap().source, ContentSource::Remote);
    assert_eq!(r.text(), Some("Your order 123 ships today."));
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        req.url.query(),
        Some("from_number=%2B48500600700&to_number=%2B48221131415&call_id=call-77&tenant=acme&lang=pl"),
        "exactly these parameters, in this order"
    );
    assert!(req.body.is_empty());
}

#[tokio::test]
async fn post_json_sends_the_fields_in_a_json_body_and_reads_the_pointer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sms"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "from_number": "+48500600700",
            "to_number": "+48221131415",
            "call_id": "call-77",
            "tenant": "acme",
            "lang": "pl",
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"sms": {"text": "Zamówienie wysłane"}}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let api = RemoteApi::post_json(format!("{}/api/sms", server.uri())).json_pointer("/data/sms/text");
    let (action, history) = action(api, &gw);

    assert!(action.run(call()).await.is_sent());
    assert_eq!(gw.sent()[0].text(), "Zamówienie wysłane");
    assert_eq!(history.records()[0].encoding(), Some(bramka_core::Encoding::Ucs2));
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.url.query().is_none(), "no query on POST: {}", req.url);
}

#[tokio::test]
async fn post_form_sends_the_fields_urlencoded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/form"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "from_number=%2B48500600700&to_number=%2B48221131415&call_id=call-77&tenant=acme&lang=pl",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string("Thanks"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let (action, _) = action(RemoteApi::post_form(format!("{}/form", server.uri())), &gw);
    assert!(action.run(call()).await.is_sent());
    assert_eq!(gw.sent()[0].text(), "Thanks");
}

#[tokio::test]
async fn secret_fields_go_to_the_api_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/s"))
        .and(query_param("api_key", "s3cr3t"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok text"))
        .expect(1)
        .mount(&server)
        .await;
    let config = SmsActionConfig::builder()
        .label("l")
        .recipients("+48600100200")
        .remote(RemoteApi::get(format!("{}/s", server.uri())))
        .secret_field("api_key", Secret::new("s3cr3t"))
        .build()
        .unwrap();
    let gw = MockGateway::new();
    let action = SmsAction::new(config, Arc::new(gw.clone())).unwrap();
    let outcome = action.run(call()).await;
    assert!(outcome.is_sent());
    assert!(!format!("{outcome:?} {action:?}").contains("s3cr3t"));
}

#[tokio::test]
async fn timeout_is_a_typed_outcome_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/slow"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("too late").set_delay(Duration::from_secs(5)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let api = RemoteApi::get(format!("{}/slow", server.uri())).timeout(Duration::from_millis(100));
    let (action, history) = action(api, &gw);

    let outcome = action.run(call()).await;
    assert_eq!(no_content(&outcome), RemoteError::Timeout { timeout: Duration::from_millis(100) });
    assert!(gw.calls().is_empty());
    assert_eq!(history.len(), 1, "the failure is in the history");
}

#[tokio::test]
async fn timeout_with_fallback_sends_the_fallback() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_body_string("late").set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let api = RemoteApi::post_json(format!("{}/slow", server.uri()))
        .timeout(Duration::from_millis(100))
        .fallback("Thank you for calling.");
    let (action, history) = action(api, &gw);

    assert!(action.run(call()).await.is_sent());
    assert_eq!(gw.sent()[0].text(), "Thank you for calling.");
    let content = history.records()[0].content.clone().unwrap();
    assert_eq!(
        content.source,
        ContentSource::Fallback(RemoteError::Timeout { timeout: Duration::from_millis(100) })
    );
}

#[tokio::test]
async fn http_500_is_a_typed_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/err"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let (action, _) = action(RemoteApi::get(format!("{}/err", server.uri())), &gw);
    let outcome = action.run(call()).await;
    assert_eq!(no_content(&outcome), RemoteError::Status { status: 500 });
    assert!(gw.calls().is_empty());
}

#[tokio::test]
async fn http_error_with_fallback_sends_the_fallback() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/err"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let (action, _) = action(RemoteApi::get(format!("{}/err", server.uri())).fallback("Fallback text"), &gw);
    let outcome = action.run(call()).await;
    assert_eq!(gw.sent()[0].text(), "Fallback text");
    assert_eq!(
        record(&outcome).content.as_ref().unwrap().source,
        ContentSource::Fallback(RemoteError::Status { status: 404 })
    );
}

async fn malformed_case(body: ResponseTemplate, pointer: Option<&str>, reason_has: &str) {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/m")).respond_with(body).expect(1).mount(&server).await;
    let gw = MockGateway::new();
    let mut api = RemoteApi::get(format!("{}/m", server.uri()));
    if let Some(p) = pointer {
        api = api.json_pointer(p);
    }
    let (action, _) = action(api, &gw);
    let outcome = action.run(call()).await;
    match no_content(&outcome) {
        RemoteError::Malformed { expected, reason } => {
            assert!(reason.contains(reason_has), "{reason}");
            match pointer {
                Some(p) => assert!(expected.contains(p), "{expected}"),
                None => assert_eq!(expected, "plain text"),
            }
        }
        other => panic!("expected malformed, got {other}"),
    }
    assert!(gw.calls().is_empty());
}

#[tokio::test]
async fn answers_not_matching_the_structure_are_malformed() {
    malformed_case(ResponseTemplate::new(200).set_body_string("<html>oops</html>"), Some("/sms"), "not JSON")
        .await;
    malformed_case(
        ResponseTemplate::new(200).set_body_json(json!({"text": "x"})),
        Some("/sms"),
        "no value at",
    )
    .await;
    malformed_case(ResponseTemplate::new(200).set_body_json(json!({"sms": 12})), Some("/sms"), "a number")
        .await;
    malformed_case(ResponseTemplate::new(200).set_body_json(json!({"sms": null})), Some("/sms"), "null")
        .await;
    malformed_case(ResponseTemplate::new(200).set_body_bytes(vec![0xff, 0xfe, 0x41]), None, "not UTF-8")
        .await;
    malformed_case(
        ResponseTemplate::new(200).set_body_string("a".repeat(bramka_flow::MAX_RESPONSE_BYTES + 1)),
        None,
        "more than",
    )
    .await;
}

#[tokio::test]
async fn malformed_answer_with_fallback_sends_the_fallback() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/m"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let api = RemoteApi::get(format!("{}/m", server.uri())).json_pointer("/sms").fallback("Default text");
    let (action, _) = action(api, &gw);
    let outcome = action.run(call()).await;
    assert_eq!(gw.sent()[0].text(), "Default text");
    assert!(matches!(
        record(&outcome).content.as_ref().unwrap().source,
        ContentSource::Fallback(RemoteError::Malformed { .. })
    ));
}

#[tokio::test]
async fn empty_answers_are_never_sent() {
    for body in [ResponseTemplate::new(200).set_body_string(" \n "), ResponseTemplate::new(200)] {
        let server = MockServer::start().await;
        Mock::given(method("GET")).and(path("/e")).respond_with(body).expect(1).mount(&server).await;
        let gw = MockGateway::new();
        let (action, _) = action(RemoteApi::get(format!("{}/e", server.uri())), &gw);
        assert_eq!(no_content(&action.run(call()).await), RemoteError::EmptyText);
        assert!(gw.calls().is_empty());
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/e"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sms": ""})))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let (action, _) = action(RemoteApi::get(format!("{}/e", server.uri())).json_pointer("/sms"), &gw);
    assert_eq!(no_content(&action.run(call()).await), RemoteError::EmptyText);
    assert!(gw.calls().is_empty());
}

#[tokio::test]
async fn unreachable_api_is_a_network_outcome() {
    // Port 9 on loopback: nothing listens there in tests.
    let gw = MockGateway::new();
    let (action, _) =
        action(RemoteApi::get("http://127.0.0.1:9/x?token=abc").timeout(Duration::from_secs(2)), &gw);
    let outcome = action.run(call()).await;
    match no_content(&outcome) {
        RemoteError::Network { reason } => assert!(!reason.contains("token=abc"), "{reason}"),
        other => panic!("expected a network error, got {other}"),
    }
}

#[tokio::test]
async fn a_failed_fetch_releases_the_call_so_a_later_pass_asks_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Second time lucky"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let (action, _) = action(RemoteApi::get(format!("{}/flaky", server.uri())), &gw);
    assert_eq!(no_content(&action.run(call()).await), RemoteError::Status { status: 503 });
    assert!(action.run(call()).await.is_sent());
    assert!(action.run(call()).await.is_duplicate());
    assert_eq!(gw.sent().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_duplicate_events_ask_the_api_once_and_send_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/once"))
        .and(query_param("call_id", "call-77"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Once").set_delay(Duration::from_millis(20)))
        .expect(1)
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let (action, history) = action(RemoteApi::get(format!("{}/once", server.uri())), &gw);
    let handles: Vec<_> = (0..50).map(|_| action.on_call(call())).collect();
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(h.outcome().await);
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_sent()).count(), 1);
    assert_eq!(outcomes.iter().filter(|o| o.is_duplicate()).count(), 49);
    assert_eq!(gw.sent().len(), 1);
    assert_eq!(history.len(), 1);
}
