//! The customer's API as a hostile server: an endless answer, redirects to another origin, the
//! `Referer` header, and hosts outside the allow-list. Servers on 127.0.0.1 only.

use std::sync::Arc;

use bramka_core::testing::MockGateway;
use bramka_flow::{
    CallEvent, CallOutcome, ContentError, InMemoryHistory, RemoteApi, RemoteError, RemotePolicy, SendResult,
    SmsAction, SmsActionConfig,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn call() -> CallEvent {
    CallEvent::new("call-9", "+48500600700", "+48221131415")
}

fn config(api: RemoteApi) -> SmsActionConfig {
    SmsActionConfig::builder()
        .label("status")
        .sender("Shop")
        .recipients("+48600100200")
        .field("api_token", "TENANT-SECRET-77")
        .remote(api)
        .build()
        .unwrap()
}

fn action(api: RemoteApi, gw: &MockGateway) -> SmsAction {
    SmsAction::new(config(api), Arc::new(gw.clone())).unwrap().with_history(Arc::new(InMemoryHistory::new()))
}

fn no_content(outcome: &CallOutcome) -> RemoteError {
    match &outcome.record().expect("a record").result {
        SendResult::NoContent(ContentError::Remote(e)) => e.clone(),
        other => panic!("expected no content from the API, got {other}"),
    }
}

/// A server answering `200` without `Content-Length` and then writing up to `body_len` bytes in
/// 8 KiB writes; the task returns how many it managed to write before the client hung up.
async fn endless_server(body_len: usize) -> (String, tokio::task::JoinHandle<usize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
        s.write_all(head.as_bytes()).await.unwrap();
        let block = [b'x'; 8192];
        let mut written = 0;
        while written < body_len {
            if s.write_all(&block).await.is_err() {
                break;
            }
            written += block.len();
        }
        written
    });
    (url, task)
}

#[tokio::test]
async fn an_endless_answer_is_cut_at_64_kib_while_streaming() {
    let (url, server) = endless_server(256 << 20).await;
    let gw = MockGateway::new();
    let outcome = action(RemoteApi::get(url), &gw).run(call()).await;
    match no_content(&outcome) {
        RemoteError::Malformed { reason, .. } => assert!(reason.contains("65536 bytes"), "{reason}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(gw.sent().is_empty());
    let written = server.await.unwrap();
    // Kernel buffers hold some megabytes at most; reading the whole answer would take all 256 MiB.
    assert!(written < 64 << 20, "the client read {written} bytes of an endless answer");
}

async fn redirecting_to(target: &str, status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/sms"))
        .respond_with(ResponseTemplate::new(status).insert_header("Location", target))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn redirects_are_not_followed_by_default() {
    let other = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("stolen"))
        .expect(0)
        .mount(&other)
        .await;
    let server = redirecting_to(&format!("{}/collect", other.uri()), 307).await;
    let gw = MockGateway::new();
    let outcome = action(RemoteApi::post_json(format!("{}/sms", server.uri())), &gw).run(call()).await;
    assert_eq!(no_content(&outcome), RemoteError::Redirect { status: 307 });
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(other.received_requests().await.unwrap().is_empty(), "the body went to another origin");
}

#[tokio::test]
async fn a_cross_origin_redirect_is_refused_even_with_same_origin_redirects_on() {
    let other = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x"))
        .mount(&other)
        .await;
    // 127.0.0.1 and localhost on another port: two other origins.
    let port = other.address().port();
    for target in [format!("{}/collect", other.uri()), format!("http://localhost:{port}/collect")] {
        let server = redirecting_to(&target, 307).await;
        let gw = MockGateway::new();
        let action = action(RemoteApi::post_json(format!("{}/sms", server.uri())), &gw)
            .with_remote_policy(RemotePolicy::new().follow_same_origin_redirects(3))
            .unwrap();
        let outcome = action.run(call()).await;
        assert_eq!(no_content(&outcome), RemoteError::Redirect { status: 307 }, "{target}");
    }
    assert!(other.received_requests().await.unwrap().is_empty(), "the body went to another origin");
}

#[tokio::test]
async fn same_origin_redirects_are_followed_when_allowed_without_a_referer() {
    let server = MockServer::start().await;
    Mock::given(path("/sms"))
        .respond_with(ResponseTemplate::new(307).insert_header("Location", "/v2/sms"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/sms"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Moved text"))
        .expect(1)
        .mount(&server)
        .await;
    let url = format!("{}/sms?key=URL-TOKEN-1", server.uri());

    // Default: not followed.
    let gw = MockGateway::new();
    let outcome = action(RemoteApi::post_json(url.clone()), &gw).run(call()).await;
    assert_eq!(no_content(&outcome), RemoteError::Redirect { status: 307 });

    let gw = MockGateway::new();
    let action = action(RemoteApi::post_json(url), &gw)
        .with_remote_policy(RemotePolicy::new().follow_same_origin_redirects(1))
        .unwrap();
    let outcome = action.run(call()).await;
    assert!(outcome.is_sent(), "{outcome:?}");
    assert_eq!(gw.sent()[0].text(), "Moved text");
    let requests = server.received_requests().await.unwrap();
    let second = requests.iter().find(|r| r.url.path() == "/v2/sms").unwrap();
    assert!(second.headers.get("referer").is_none(), "Referer sent: {:?}", second.headers.get("referer"));
    assert!(String::from_utf8_lossy(&second.body).contains("TENANT-SECRET-77"), "307 keeps the body");
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/sms"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/sms"))
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let action = action(RemoteApi::get(format!("{}/sms", server.uri())), &gw)
        .with_remote_policy(RemotePolicy::new().follow_same_origin_redirects(2))
        .unwrap();
    assert_eq!(no_content(&action.run(call()).await), RemoteError::Redirect { status: 302 });
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "the first request and 2 redirects");
}

#[tokio::test]
async fn a_host_outside_the_allow_list_is_refused_when_the_action_is_built() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x"))
        .mount(&server)
        .await;
    let gw = MockGateway::new();
    let err = action(RemoteApi::get(format!("{}/sms", server.uri())), &gw)
        .with_remote_policy(RemotePolicy::new().allow_hosts(["crm.example.com"]))
        .unwrap_err();
    assert!(err.to_string().contains("\"127.0.0.1\" is not in the allow-list"), "{err}");

    // Allowed: the request is made.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Hi"))
        .mount(&server)
        .await;
    let action = action(RemoteApi::get(format!("{}/sms", server.uri())), &gw)
        .with_remote_policy(RemotePolicy::new().allow_hosts(["crm.example.com", "127.0.0.1"]))
        .unwrap();
    assert!(action.run(call()).await.is_sent());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
