//! Status, cancel and list through wiremock: exact requests, call counts, paging.

mod common;

use bramka_core::{Certainty, DeliveryState, ErrorKind, Gateway, Price};
use bramka_twilio::{ListFilter, MessageStatus};
use common::*;
use wiremock::matchers::{any, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SM: &str = "SM3f1b2c4d5e6f708192a3b4c5d6e7f809";
const SM_PATH: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SM3f1b2c4d5e6f708192a3b4c5d6e7f809.json";

#[tokio::test]
async fn status_of_delivered_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SM_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .respond_with(json_response(200, "message_fetch_delivered_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    let r = gw.status(SM).await.unwrap();
    assert_eq!(r.gateway, "twilio");
    assert_eq!(r.message_id, SM);
    assert_eq!(r.state, DeliveryState::Delivered);
    assert_eq!(r.raw_status, "delivered");
    assert_eq!(r.to.as_ref().map(|t| t.e164()), Some("+14155552671".to_owned()));
    assert_eq!(r.parts, Some(1));
    assert_eq!(r.price, Some(Price::new(0.0083, "USD")));
    assert_eq!(r.at.unwrap().to_rfc3339(), "2026-08-11T15:30:09+00:00");
}

#[tokio::test]
async fn status_of_undelivered_message_carries_error_code() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SM_PATH))
        .respond_with(json_response(200, "message_fetch_undelivered_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    let m = gw.fetch_message(SM).await.unwrap();
    assert_eq!(m.status, MessageStatus::Undelivered);
    assert_eq!(m.error_code.as_deref(), Some("30003"));
    let r = m.to_delivery_report();
    assert_eq!(r.state, DeliveryState::Undelivered);
    assert_eq!(r.error_code.as_deref(), Some("30003"));
    assert_eq!(r.error_message.as_deref(), Some("Unreachable destination handset"));
}

#[tokio::test]
async fn status_of_unknown_sid_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SM00000000000000000000000000000009.json",
        ))
        .respond_with(json_response(404, "error_20404_404.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    let e = gw.status("SM00000000000000000000000000000009").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.operator_code(), Some("20404"));
}

#[tokio::test]
async fn malformed_sid_makes_no_request() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let gw = gateway(builder(&server));
    for bad in ["", "SM123", "../Calls", "SM3f1b2c4d5e6f708192a3b4c5d6e7f80/"] {
        assert_eq!(gw.status(bad).await.unwrap_err().kind(), ErrorKind::NotFound, "{bad}");
        assert_eq!(gw.cancel(bad).await.unwrap_err().kind(), ErrorKind::NotFound, "{bad}");
    }
}

#[tokio::test]
async fn cancel_posts_status_canceled() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SM_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(FormExact::new(&[("Status", "canceled")]))
        .respond_with(json_response(200, "message_cancel_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    gw.cancel(SM).await.unwrap();
    assert_requests_declared(&server).await;
}

#[tokio::test]
async fn cancel_too_late_is_invalid_state() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SM_PATH))
        .and(FormExact::new(&[("Status", "canceled")]))
        .respond_with(json_response(400, "error_30409_400.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    let e = gw.cancel(SM).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidState, Certainty::NotSent));
    assert_eq!(e.operator_code(), Some("30409"));
}

async fn mount_pages(server: &MockServer, page1_calls: u64) {
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .and(query_param("To", "+14155552671"))
        .and(query_param("DateSent>", "2026-08-01"))
        .and(query_param("PageSize", "2"))
        .and(query_param_is_missing("PageToken"))
        .respond_with(json_response(200, "message_list_page0_200.json"))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .and(query_param("To", "+14155552671"))
        .and(query_param("Page", "1"))
        .and(query_param("PageToken", "PASM00000000000000000000000000000002"))
        .respond_with(json_response(200, "message_list_page1_200.json"))
        .expect(page1_calls)
        .mount(server)
        .await;
}

fn filter() -> ListFilter {
    ListFilter::new().to("+14155552671").sent_on_or_after("2026-08-01".parse().unwrap()).page_size(2)
}

#[tokio::test]
async fn list_follows_relative_next_page_uri_against_base_url() {
    let server = MockServer::start().await;
    mount_pages(&server, 1).await;
    let gw = gateway(builder(&server));
    let all = gw.list_messages(&filter()).await.unwrap();
    let sids: Vec<&str> = all.iter().map(|m| m.sid.as_str()).collect();
    assert_eq!(
        sids,
        [
            "SM00000000000000000000000000000001",
            "SM00000000000000000000000000000002",
            "SM00000000000000000000000000000003"
        ]
    );
    assert_eq!(all[1].status, MessageStatus::Failed);
    assert_eq!(all[1].error_code.as_deref(), Some("21610"));
    assert_eq!(all[0].price, Some(Price::new(0.0083, "USD")));
    assert_eq!(all[2].status, MessageStatus::Received);
    assert_requests_declared(&server).await;
    // The raw wire query encodes '+' and '>' (never a literal '+', which would decode to a space).
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].url.query(), Some("To=%2B14155552671&DateSent%3E=2026-08-01&PageSize=2"));
}

#[tokio::test]
async fn list_stops_at_the_limit_without_fetching_more() {
    let server = MockServer::start().await;
    mount_pages(&server, 0).await;
    let gw = gateway(builder(&server));
    let some = gw.list_messages(&filter().limit(1)).await.unwrap();
    assert_eq!(some.len(), 1);
}

#[tokio::test]
async fn page_by_page() {
    let server = MockServer::start().await;
    mount_pages(&server, 1).await;
    let gw = gateway(builder(&server));
    let first = gw.list_messages_page(&filter()).await.unwrap();
    assert_eq!(first.messages.len(), 2);
    assert_eq!(first.page, Some(0));
    let second = gw.next_page(&first).await.unwrap().unwrap();
    assert_eq!(second.messages.len(), 1);
    assert_eq!(second.next_page_uri, None);
    assert!(gw.next_page(&second).await.unwrap().is_none());
}

#[tokio::test]
async fn empty_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(200, "message_list_empty_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server));
    assert!(gw.list_messages(&ListFilter::new()).await.unwrap().is_empty());
}

#[tokio::test]
async fn foreign_next_page_uri_is_not_followed() {
    for uri in [
        "https://evil.example/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json?Page=1",
        "//evil.example/x",
        "/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Messages.json?Page=1",
    ] {
        let server = MockServer::start().await;
        // Exactly one request: the first page. Nothing follows the foreign URI.
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"messages": [], "next_page_uri": uri, "page": 0})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let gw = gateway(builder(&server));
        let page = gw.list_messages_page(&ListFilter::new()).await.unwrap();
        let e = gw.next_page(&page).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{uri}");
        assert!(e.to_string().contains("refusing to follow"), "{e}");
    }
}

#[tokio::test]
async fn list_filter_page_size_checked_before_request() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let gw = gateway(builder(&server));
    let e = gw.list_messages(&ListFilter::new().page_size(5000)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("1 to 1000"), "{e}");
}

#[tokio::test]
async fn status_retries_a_429_after_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SM_PATH))
        .respond_with(json_response(429, "error_20429_429.json").insert_header("retry-after", "3"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SM_PATH))
        .respond_with(json_response(200, "message_fetch_delivered_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server), &clock);
    assert_eq!(gw.status(SM).await.unwrap().state, DeliveryState::Delivered);
    assert_eq!(clock.sleeps(), vec![std::time::Duration::from_secs(3)]);
}

#[tokio::test]
async fn missing_retry_after_backs_off_exponentially() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SM_PATH))
        .respond_with(json_response(429, "error_20429_429.json"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server).rate_limit_retries(2), &clock);
    let e = gw.status(SM).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), None);
    assert_eq!(clock.sleeps(), vec![std::time::Duration::from_secs(1), std::time::Duration::from_secs(2)]);
}
