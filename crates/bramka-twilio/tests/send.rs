//! Sending through wiremock: exact requests (method, path, Basic auth, form fields), call counts,
//! certainty of every failure, checks made before any request.

mod common;

use std::error::Error as _;
use std::time::Duration;

use bramka_core::http::Timeouts;
use bramka_core::{Certainty, ErrorKind, Gateway, Idempotency, Message, SendState};
use bramka_twilio::{SendError, TwilioConfig};
use common::*;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn send_error(e: &bramka_core::Error) -> &SendError {
    e.source().and_then(|s| s.downcast_ref::<SendError>()).unwrap_or_else(|| panic!("no SendError in {e:?}"))
}

/// A mock that fails the test if any request arrives.
async fn no_requests(server: &MockServer) {
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(server).await;
}

#[tokio::test]
async fn single_recipient_exact_form_and_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("accept", "application/json"))
        .and(FormExact::new(&[
            ("To", "+14155552671"),
            ("From", "+15005550006"),
            ("Body", "Your code is 123456 & więcej"),
            ("StatusCallback", "https://example.com/twilio/status?tenant=acme"),
            ("ValidityPeriod", "600"),
        ]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let msg = Message::builder()
        .to("+14155552671")
        .text("Your code is 123456 & więcej")
        .callback_url("https://example.com/twilio/status?tenant=acme".parse().unwrap())
        .validity(Duration::from_secs(600))
        .build()
        .unwrap();
    let report = gw.send(&msg).await.unwrap();
    assert_eq!(report.gateway, "twilio");
    assert_eq!(report.recipients.len(), 1);
    let r = &report.recipients[0];
    assert!(matches!(r.state, SendState::Queued), "{:?}", r.state);
    assert_eq!(r.message_id.as_deref(), Some("SM3f1b2c4d5e6f708192a3b4c5d6e7f809"));
    assert_eq!(r.parts, Some(1));
    assert_eq!(r.to.e164(), "+14155552671");
    assert_requests_declared(&server).await;
}

#[tokio::test]
async fn message_sender_overrides_default_from() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[("To", "+14155552671"), ("From", "Shop"), ("Body", "Hi")]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let msg = Message::builder().to("+14155552671").text("Hi").sender("Shop").build().unwrap();
    assert!(gw.send(&msg).await.unwrap().all_accepted());
}

#[tokio::test]
async fn messaging_service_with_smart_encoding_and_link_shortening() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .and(FormExact::new(&[
            ("To", "+14155552671"),
            ("MessagingServiceSid", MG),
            ("Body", "See https://example.com/offer"),
            ("SmartEncoded", "true"),
            ("ShortenUrls", "true"),
        ]))
        .respond_with(json_response(201, "message_create_msvc_accepted_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).messaging_service_sid(MG).smart_encoded(true).shorten_urls(true));
    let msg = Message::builder().to("+14155552671").text("See https://example.com/offer").build().unwrap();
    let report = gw.send(&msg).await.unwrap();
    let r = &report.recipients[0];
    assert!(matches!(r.state, SendState::Accepted), "{:?}", r.state);
    // num_segments "0" until the service picks a sender: not a part count.
    assert_eq!(r.parts, None);
    assert_requests_declared(&server).await;
}

#[tokio::test]
async fn api_key_authenticates_with_key_and_keeps_account_in_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(SK, SK_SECRET).as_str()))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let config = TwilioConfig::builder_with_api_key(AC, SK, SK_SECRET)
        .base_url(server.uri())
        .from("+15005550006")
        .build()
        .unwrap();
    let gw = bramka_twilio::TwilioGateway::new(config).unwrap();
    let msg = Message::builder().to("+14155552671").text("Hi").build().unwrap();
    assert!(gw.send(&msg).await.unwrap().all_accepted());
}

#[tokio::test]
async fn scheduled_send_has_fixed_schedule_type_and_utc_send_at() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[
            ("To", "+14155552671"),
            ("MessagingServiceSid", MG),
            ("Body", "Reminder"),
            ("ScheduleType", "fixed"),
            ("SendAt", "2026-08-12T09:30:00Z"),
        ]))
        .respond_with(json_response(201, "message_create_scheduled_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server).messaging_service_sid(MG), &clock);
    let msg = Message::builder()
        .to("+14155552671")
        .text("Reminder")
        .send_at("2026-08-12T09:30:00Z".parse().unwrap())
        .build()
        .unwrap();
    let report = gw.send(&msg).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::Scheduled), "{:?}", report.recipients[0].state);
    assert_requests_declared(&server).await;
}

#[tokio::test]
async fn scheduling_without_service_or_outside_window_fails_before_any_request() {
    let server = MockServer::start().await;
    no_requests(&server).await;
    let clock = clock(); // 2026-08-11T15:00:00Z
    let msg = |at: &str| {
        Message::builder().to("+14155552671").text("x").send_at(at.parse().unwrap()).build().unwrap()
    };

    let gw = gateway_with_clock(builder(&server).from("+15005550006"), &clock);
    let e = gw.send(&msg("2026-08-12T09:30:00Z")).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Config, Certainty::NotSent));
    assert_eq!(send_error(&e), &SendError::ScheduleNeedsMessagingService);

    let gw = gateway_with_clock(builder(&server).messaging_service_sid(MG), &clock);
    // 14 minutes ahead: under the default 15-minute lead.
    let e = gw.send(&msg("2026-08-11T15:14:00Z")).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Message, Certainty::NotSent));
    match send_error(&e) {
        SendError::ScheduleTooSoon { earliest, min_lead_secs, .. } => {
            assert_eq!(earliest.to_rfc3339(), "2026-08-11T15:15:00+00:00");
            assert_eq!(*min_lead_secs, 900);
        }
        other => panic!("{other:?}"),
    }
    // In the past.
    assert!(matches!(
        send_error(&gw.send(&msg("2026-08-10T00:00:00Z")).await.unwrap_err()),
        SendError::ScheduleTooSoon { .. }
    ));
    // 35 days and one second ahead.
    let e = gw.send(&msg("2026-09-15T15:00:01Z")).await.unwrap_err();
    match send_error(&e) {
        SendError::ScheduleTooLate { latest, .. } => {
            assert_eq!(latest.to_rfc3339(), "2026-09-15T15:00:00+00:00")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn schedule_window_edges_are_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(201, "message_create_scheduled_201.json"))
        .expect(2)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server).messaging_service_sid(MG), &clock);
    for at in ["2026-08-11T15:15:00Z", "2026-09-15T15:00:00Z"] {
        let m = Message::builder().to("+14155552671").text("x").send_at(at.parse().unwrap()).build().unwrap();
        gw.send(&m).await.unwrap_or_else(|e| panic!("{at}: {e}"));
    }
}

#[tokio::test]
async fn validity_period_checked_before_sending_and_rounded_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[
            ("To", "+14155552671"),
            ("From", "+15005550006"),
            ("Body", "x"),
            ("ValidityPeriod", "36000"),
        ]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[
            ("To", "+14155552671"),
            ("From", "+15005550006"),
            ("Body", "x"),
            ("ValidityPeriod", "2"),
        ]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let msg = |d: Duration| Message::builder().to("+14155552671").text("x").validity(d).build().unwrap();
    gw.send(&msg(Duration::from_secs(36_000))).await.unwrap();
    gw.send(&msg(Duration::from_millis(1500))).await.unwrap();
    let e = gw.send(&msg(Duration::from_secs(36_001))).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Message, Certainty::NotSent));
    assert_eq!(send_error(&e), &SendError::ValidityOutOfRange { seconds: 36_001 });
    assert!(e.to_string().contains("1 to 36000"), "{e}");
}

#[tokio::test]
async fn body_limit_is_1600_utf16_units_checked_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(2)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let msg = |t: String| Message::builder().to("+14155552671").text(t).max_parts(255).build().unwrap();
    gw.send(&msg("a".repeat(1600))).await.unwrap();
    gw.send(&msg("😀".repeat(800))).await.unwrap();
    let e = gw.send(&msg("a".repeat(1601))).await.unwrap_err();
    assert_eq!(send_error(&e), &SendError::BodyTooLong { units: 1601 });
    let e = gw.send(&msg("😀".repeat(801))).await.unwrap_err();
    assert_eq!(send_error(&e), &SendError::BodyTooLong { units: 1602 });
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Message, Certainty::NotSent));
}

#[tokio::test]
async fn no_sender_flash_and_bad_callback_fail_before_any_request() {
    let server = MockServer::start().await;
    no_requests(&server).await;
    let gw = gateway(builder(&server));
    let e = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap_err();
    assert_eq!(send_error(&e), &SendError::NoSender);
    assert_eq!(e.kind(), ErrorKind::Config);

    let gw = gateway(builder(&server).from("+15005550006"));
    let flash = Message::builder().to("+14155552671").text("x").flash(true).build().unwrap();
    assert_eq!(send_error(&gw.send(&flash).await.unwrap_err()), &SendError::FlashUnsupported);
    let cb = Message::builder()
        .to("+14155552671")
        .text("x")
        .callback_url("https://my_host.example.com/cb".parse().unwrap())
        .build()
        .unwrap();
    assert!(matches!(send_error(&gw.send(&cb).await.unwrap_err()), SendError::CallbackUrl { .. }));
}

#[tokio::test]
async fn rate_limited_429_is_retried_after_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(429, "error_20429_429.json").insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server).from("+15005550006"), &clock);
    let report = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap();
    assert!(report.all_accepted());
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
}

#[tokio::test]
async fn rate_limit_exhausted_is_not_sent_with_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(429, "error_20429_429.json").insert_header("retry-after", "7"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server).from("+15005550006").rate_limit_retries(2), &clock);
    let e = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::RateLimited, Certainty::NotSent));
    assert_eq!(e.operator_code(), Some("20429"));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7); 2]);
}

#[tokio::test]
async fn long_retry_after_is_returned_not_waited() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(429, "error_20429_429.json").insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server).from("+15005550006"), &clock);
    let e = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn server_error_is_maybe_sent_and_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_string(r#"{"code":20500,"message":"Internal Server Error","status":503}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(builder(&server).from("+15005550006"), &clock);
    let e = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Unavailable, Certainty::MaybeSent));
    assert_eq!(e.http_status(), Some(503));
    assert!(clock.sleeps().is_empty());
    assert_eq!(gw.capabilities().idempotency, Idempotency::None);
}

#[tokio::test]
async fn timeout_after_writing_is_maybe_sent_and_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(201, "message_create_queued_201.json").set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(
        builder(&server)
            .from("+15005550006")
            .timeouts(Timeouts { connect: Duration::from_secs(2), request: Duration::from_millis(200) }),
    );
    let e = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Timeout, Certainty::MaybeSent), "{e}");
}

#[tokio::test]
async fn undecodable_201_is_maybe_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_string("<html>proxy</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let e = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent));
}

#[tokio::test]
async fn connection_refused_is_not_sent() {
    let gw = gateway(
        TwilioConfig::builder(AC, TOKEN)
            .base_url("http://127.0.0.1:9")
            .from("+15005550006")
            .timeouts(Timeouts { connect: Duration::from_secs(2), request: Duration::from_secs(2) }),
    );
    let e = gw.send(&Message::builder().to("+14155552671").text("x").build().unwrap()).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Network, Certainty::NotSent), "{e}");
}

#[tokio::test]
async fn multi_recipient_one_request_each_and_report_says_who_was_accepted() {
    let server = MockServer::start().await;
    for (to, status, fixture_name) in [
        ("+14155552671", 201, "message_create_queued_201.json"),
        ("+14155550001", 400, "error_21211_400.json"),
        ("+14155550002", 400, "error_21610_400.json"),
        ("+14155552672", 201, "message_create_queued_201.json"),
    ] {
        Mock::given(method("POST"))
            .and(path(MESSAGES_PATH))
            .and(header("authorization", basic(AC, TOKEN).as_str()))
            .and(FormExact::new(&[("To", to), ("From", "+15005550006"), ("Body", "Hello all")]))
            .respond_with(json_response(status, fixture_name))
            .expect(1)
            .mount(&server)
            .await;
    }
    let gw = gateway(builder(&server).from("+15005550006").concurrency(2));
    let msg = Message::builder()
        .to("+14155552671, +14155550001; +14155550002")
        .to("+14155552672")
        .text("Hello all")
        .build()
        .unwrap();
    let report = gw.send(&msg).await.unwrap();
    let accepted: Vec<String> = report.accepted().map(|r| r.to.e164()).collect();
    assert_eq!(accepted, ["+14155552671", "+14155552672"]);
    let rejected: Vec<(String, Option<String>)> = report
        .rejected()
        .map(|r| (r.to.e164(), r.state.error().and_then(|e| e.operator_code().map(str::to_owned))))
        .collect();
    assert_eq!(
        rejected,
        [
            ("+14155550001".to_owned(), Some("21211".to_owned())),
            ("+14155550002".to_owned(), Some("21610".to_owned()))
        ]
    );
    for r in report.rejected() {
        let e = r.state.error().unwrap();
        assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidRecipient, Certainty::NotSent));
    }
    assert_requests_declared(&server).await;
}

#[tokio::test]
async fn multi_recipient_partial_server_error_keeps_maybe_sent_per_recipient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(FormExact::new(&[("To", "+14155552671"), ("From", "+15005550006"), ("Body", "x")]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(FormExact::new(&[("To", "+14155552672"), ("From", "+15005550006"), ("Body", "x")]))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let msg = Message::builder().to("+14155552671, +14155552672").text("x").build().unwrap();
    let report = gw.send(&msg).await.unwrap();
    let r = report.rejected().next().unwrap();
    assert_eq!(r.to.e164(), "+14155552672");
    assert_eq!(r.state.error().unwrap().certainty(), Certainty::MaybeSent);
    assert_eq!(report.accepted().count(), 1);
}

#[tokio::test]
async fn all_recipients_failing_alike_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(401, "error_20003_401.json"))
        .expect(2)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let msg = Message::builder().to("+14155552671, +14155552672").text("x").build().unwrap();
    let e = gw.send(&msg).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Auth, Certainty::NotSent));
    assert_eq!(e.operator_code(), Some("20003"));
}

#[tokio::test]
async fn single_invalid_recipient_is_a_rejected_entry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(json_response(400, "error_21211_400.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).from("+15005550006"));
    let report = gw.send(&Message::builder().to("+14155550001").text("x").build().unwrap()).await.unwrap();
    assert!(!report.all_accepted());
    assert_eq!(report.rejected().next().unwrap().state.error().unwrap().kind(), ErrorKind::InvalidRecipient);
}

#[tokio::test]
async fn every_option_at_once_uses_only_declared_names() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[
            ("To", "+14155552671"),
            ("From", "+15005550006"),
            ("MessagingServiceSid", MG),
            ("Body", "All options"),
            ("StatusCallback", "https://example.com/cb"),
            ("ValidityPeriod", "3600"),
            ("ScheduleType", "fixed"),
            ("SendAt", "2026-08-20T08:00:00Z"),
            ("SmartEncoded", "false"),
            ("ShortenUrls", "true"),
        ]))
        .respond_with(json_response(201, "message_create_scheduled_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let gw = gateway_with_clock(
        builder(&server)
            .from("+15005550006")
            .messaging_service_sid(MG)
            .smart_encoded(false)
            .shorten_urls(true),
        &clock,
    );
    let msg = Message::builder()
        .to("+14155552671")
        .text("All options")
        .callback_url("https://example.com/cb".parse().unwrap())
        .validity(Duration::from_secs(3600))
        .send_at("2026-08-20T08:00:00Z".parse().unwrap())
        .build()
        .unwrap();
    gw.send(&msg).await.unwrap();
    assert_requests_declared(&server).await;
    let names: std::collections::BTreeSet<String> =
        form_pairs(&server.received_requests().await.unwrap()[0].body).into_iter().map(|(k, _)| k).collect();
    assert_eq!(names.len(), 10);
    assert!(names.is_subset(&declared("CreateMessage", "form_parameters")));
}

#[tokio::test]
async fn message_asking_for_link_shortening() {
    // Without a Messaging Service: refused before any request, and not advertised.
    let server = MockServer::start().await;
    no_requests(&server).await;
    let gw = gateway(builder(&server).from("+15005550006"));
    assert!(!gw.capabilities().supports(bramka_core::Capability::LinkShortening));
    let msg = Message::builder()
        .to("+14155552671")
        .text("See https://example.com/a")
        .shorten_links(true)
        .build()
        .unwrap();
    let e = gw.send(&msg).await.unwrap_err();
    assert!(matches!(send_error(&e), SendError::ShorteningNeedsService), "{e}");
    assert_eq!(e.certainty(), Certainty::NotSent);

    // With one: advertised, and the request carries ShortenUrls=true.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(FormExact::new(&[
            ("To", "+14155552671"),
            ("MessagingServiceSid", MG),
            ("Body", "See https://example.com/a"),
            ("ShortenUrls", "true"),
        ]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(builder(&server).messaging_service_sid(MG));
    assert!(gw.capabilities().supports(bramka_core::Capability::LinkShortening));
    gw.send(&msg).await.unwrap();
}
