//! Sending through `POST /sms/3/messages` against wiremock: exact bodies, call counts, response
//! mapping, idempotent retries, HTTP error classification.

mod support;

use std::time::Duration;

use bramka_core::http::Timeouts;
use bramka_core::{Certainty, ErrorKind, Gateway, Message, SendState};
use bramka_infobip::{InfobipOptions, LanguageCode, SpeedLimit, SpeedUnit, Transliteration};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, header};

use support::{api, fixture, fixture_json, harness, harness_with, now};

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn pending(message_id: &str, to: &str, parts: u32) -> Value {
    json!({"messageId": message_id, "destination": to, "details": {"messageCount": parts},
           "status": {"groupId":1,"groupName":"PENDING","id":26,"name":"PENDING_ACCEPTED","description":"Message sent to next instance"}})
}

#[tokio::test]
async fn basic_send_exact_body_and_mapping() {
    let h = harness_with(|b| b.sender("InfoSMS")).await;
    let msg = Message::builder()
        .to("+41793026727")
        .text("This is a sample message")
        .client_ref("ref1")
        .build()
        .unwrap();
    let expected = json!({
        "messages": [{
            "sender": "InfoSMS",
            "destinations": [{"to": "41793026727", "messageId": "ref141793026727"}],
            "content": {"text": "This is a sample message"},
            "webhooks": {"callbackData": "ref1"}
        }],
        "options": {"schedule": {"bulkId": "ref1"}, "includeSmsCountInResponse": true}
    });
    api("POST", "/sms/3/messages")
        .and(header("Content-Type", "application/json"))
        .and(body_json(&expected))
        .respond_with(ok(json!({"bulkId":"ref1","messages":[pending("ref141793026727","41793026727",1)]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let report = h.gw.send(&msg).await.unwrap();
    assert_eq!(report.gateway, "infobip");
    assert_eq!(report.batch_id.as_deref(), Some("ref1"));
    assert_eq!(report.recipients.len(), 1);
    let r = &report.recipients[0];
    assert!(matches!(r.state, SendState::Accepted), "{:?}", r.state);
    assert_eq!(r.message_id.as_deref(), Some("ref141793026727"));
    assert_eq!(r.parts, Some(1));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    h.finish().await;
}

/// The spec's multi-destination response, echoed ids: each recipient gets its own id and parts.
#[tokio::test]
async fn several_destinations_in_one_request_matched_by_message_id() {
    let h = harness().await;
    let msg = Message::builder()
        .to("+41793026727, +41435675123, +48600100200")
        .text("Hello")
        .sender("+41793026700")
        .client_ref("multi")
        .build()
        .unwrap();
    let expected = json!({
        "messages": [{
            "sender": "41793026700",
            "destinations": [
                {"to": "41793026727", "messageId": "multi41793026727"},
                {"to": "41435675123", "messageId": "multi41435675123"},
                {"to": "48600100200", "messageId": "multi48600100200"}
            ],
            "content": {"text": "Hello"},
            "webhooks": {"callbackData": "multi"}
        }],
        "options": {"schedule": {"bulkId": "multi"}, "includeSmsCountInResponse": true}
    });
    // Answer out of order, one destination rejected (status 52).
    let answer = json!({"bulkId": "multi", "messages": [
        pending("multi48600100200", "48600100200", 1),
        {"messageId": "multi41435675123", "destination": "41435675123",
         "status": {"groupId":5,"groupName":"REJECTED","id":52,"name":"REJECTED_DESTINATION","description":"Invalid destination address"}},
        pending("multi41793026727", "41793026727", 1)
    ]});
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ok(answer))
        .expect(1)
        .mount(&h.server)
        .await;
    let report = h.gw.send(&msg).await.unwrap();
    let states: Vec<_> =
        report.recipients.iter().map(|r| (r.to.digits().to_owned(), r.state.as_str())).collect();
    assert_eq!(
        states,
        [
            ("41793026727".into(), "accepted"),
            ("41435675123".into(), "rejected"),
            ("48600100200".into(), "accepted")
        ]
    );
    let e = report.recipients[1].state.error().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidRecipient);
    assert_eq!(e.certainty(), Certainty::NotSent);
    assert_eq!(e.operator_code(), Some("52"));
    assert!(e.to_string().contains("REJECTED_DESTINATION"), "{e}");
    assert_eq!(report.accepted().count(), 2);
    h.finish().await;
}

/// A rejected response with Infobip-generated ids (no echo): matched
/// by destination.
#[tokio::test]
async fn generated_ids_are_matched_by_destination() {
    let h = harness().await;
    let msg = Message::builder().to("+41793026727").text("x").client_ref("gen").build().unwrap();
    let mut answer = fixture_json("synthetic-send-v3-response-200-rejected.json");
    answer["messages"][0]["destination"] = json!("41793026727");
    answer["messages"][0].as_object_mut().unwrap().remove("messageId");
    api("POST", "/sms/3/messages").respond_with(ok(answer)).expect(1).mount(&h.server).await;
    let report = h.gw.send(&msg).await.unwrap();
    assert_eq!(report.batch_id.as_deref(), Some("BULK-ID-125-xyz"));
    let r = &report.recipients[0];
    assert_eq!(r.state.error().unwrap().kind(), ErrorKind::InvalidRecipient);
    assert_eq!(r.message_id.as_deref(), Some("gen41793026727"));
    h.finish().await;
}

#[tokio::test]
async fn scheduled_send_with_every_option() {
    let h = harness_with(|b| {
        b.options(
            InfobipOptions::new()
                .transliteration(Transliteration::CentralEuropean)
                .language(LanguageCode::Turkish)
                .speed_limit(SpeedLimit::new(100, SpeedUnit::Hour))
                .callback_data("order=42")
                .intermediate_reports(true)
                .campaign_reference("spring"),
        )
    })
    .await;
    let at = now() + chrono::Duration::hours(1);
    let msg = Message::builder()
        .to("+48600100200")
        .text("Promo")
        .sender("Shop")
        .send_at(at)
        .validity(Duration::from_secs(72 * 3600))
        .flash(true)
        .callback_url("https://example.com/dlr?k=1".parse().unwrap())
        .client_ref("sched")
        .build()
        .unwrap();
    let expected = json!({
        "messages": [{
            "sender": "Shop",
            "destinations": [{"to": "48600100200", "messageId": "sched48600100200"}],
            "content": {"text": "Promo", "transliteration": "CENTRAL_EUROPEAN", "language": {"languageCode": "TR"}},
            "options": {"validityPeriod": {"amount": 2880, "timeUnit": "MINUTES"}, "campaignReferenceId": "spring", "flash": true},
            "webhooks": {
                "delivery": {"url": "https://example.com/dlr?k=1", "intermediateReport": true},
                "contentType": "application/json",
                "callbackData": "order=42"
            }
        }],
        "options": {
            "schedule": {"bulkId": "sched", "sendAt": "2026-03-01T11:00:00.000+0000",
                         "sendingSpeedLimit": {"amount": 100, "timeUnit": "HOUR"}},
            "includeSmsCountInResponse": true
        }
    });
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ok(json!({"bulkId":"sched","messages":[pending("sched48600100200","48600100200",2)]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let report = h.gw.send(&msg).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::Scheduled), "{:?}", report.recipients[0].state);
    assert_eq!(report.batch_id.as_deref(), Some("sched"));
    assert_eq!(
        report.notes,
        [
            "validity period of 4320 minutes clamped to 2880 minutes (48 h), Infobip's maximum".to_owned(),
            "Infobip counted 2 part(s) for +48600***200, bramka's analysis 1".to_owned()
        ]
    );
    h.finish().await;
}

#[tokio::test]
async fn per_send_options_override_and_can_suppress_reports() {
    let h = harness_with(|b| b.options(InfobipOptions::new().callback_data("default"))).await;
    let msg = Message::builder().to("+48600100200").text("x").client_ref("o").build().unwrap();
    let expected = json!({
        "messages": [{
            "destinations": [{"to": "48600100200", "messageId": "o48600100200"}],
            "content": {"text": "x"},
            "webhooks": {"delivery": {"notify": false}, "callbackData": "o"}
        }],
        "options": {"schedule": {"bulkId": "o"}, "includeSmsCountInResponse": true}
    });
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ok(json!({"messages":[pending("o48600100200","48600100200",1)]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let report = h.gw.send_with(&msg, &InfobipOptions::new().delivery_reports(false)).await.unwrap();
    // No bulkId in the answer: ours is reported.
    assert_eq!(report.batch_id.as_deref(), Some("o"));
    h.finish().await;
}

/// A retry reuses the same messageId and bulkId; Infobip's duplicate rejection (status 23) is
/// "already accepted", not a failure.
#[tokio::test]
async fn retry_reuses_ids_and_duplicate_rejection_is_already_accepted() {
    let h = harness().await;
    let msg =
        Message::builder().to("+48600100200, +48600100201").text("Once").client_ref("idem").build().unwrap();
    let expected = json!({
        "messages": [{
            "destinations": [
                {"to": "48600100200", "messageId": "idem48600100200"},
                {"to": "48600100201", "messageId": "idem48600100201"}
            ],
            "content": {"text": "Once"},
            "webhooks": {"callbackData": "idem"}
        }],
        "options": {"schedule": {"bulkId": "idem"}, "includeSmsCountInResponse": true}
    });
    // First attempt: the server fails after accepting (500). Second: both ids are duplicates.
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(500).set_body_string(fixture("error-v3-500.json")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    let dup = |id: &str, to: &str| {
        json!({"messageId": id, "destination": to,
               "status": {"groupId":5,"groupName":"REJECTED","id":23,"name":"REJECTED_DUPLICATE_MESSAGE_ID","description":"Duplicate message id"}})
    };
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ok(json!({"bulkId":"idem","messages":[dup("idem48600100200","48600100200"), dup("idem48600100201","48600100201")]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let err = h.gw.send(&msg).await.unwrap_err();
    assert_eq!(err.certainty(), Certainty::MaybeSent);
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let report = h.gw.send(&msg).await.unwrap();
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::AlreadyAccepted)), "{report:?}");
    assert!(report.all_accepted());
    h.finish().await;
}

#[tokio::test]
async fn http_errors_are_classified_by_status() {
    let cases: &[(u16, &str, ErrorKind, Certainty, &str)] = &[
        (400, "error-v3-400.json", ErrorKind::Other, Certainty::NotSent, "E400"),
        (401, "error-v3-401.json", ErrorKind::Auth, Certainty::NotSent, "E401"),
        (403, "error-v3-403.json", ErrorKind::Auth, Certainty::NotSent, "E403"),
        (404, "error-legacy-404.json", ErrorKind::NotFound, Certainty::NotSent, "NOT_FOUND"),
        (429, "error-v3-429.json", ErrorKind::RateLimited, Certainty::NotSent, "E429"),
        (500, "error-v3-500.json", ErrorKind::Unavailable, Certainty::MaybeSent, "E500"),
        (503, "error-legacy-500.json", ErrorKind::Unavailable, Certainty::MaybeSent, "GENERAL_ERROR"),
    ];
    for &(status, file, kind, certainty, code) in cases {
        let h = harness().await;
        let mut resp = ResponseTemplate::new(status).set_body_string(fixture(file));
        if status == 429 {
            resp = resp.insert_header("Retry-After", "3");
        }
        api("POST", "/sms/3/messages").respond_with(resp).expect(1).mount(&h.server).await;
        let msg = Message::builder().to("+48600100200").text("x").build().unwrap();
        let e = h.gw.send(&msg).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.certainty(), e.http_status()),
            (kind, certainty, Some(status)),
            "{file}: {e}"
        );
        assert_eq!(e.operator_code(), Some(code));
        assert_eq!(e.is_transient(), status == 429 || status >= 500);
        assert_eq!(e.retry_after(), (status == 429).then(|| Duration::from_secs(3)));
        h.finish().await;
    }
}

#[tokio::test]
async fn undecodable_success_may_have_been_sent() {
    let h = harness().await;
    api("POST", "/sms/3/messages")
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
        .expect(1)
        .mount(&h.server)
        .await;
    let msg = Message::builder().to("+48600100200").text("x").build().unwrap();
    let e = h.gw.send(&msg).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent), "{e}");
    h.finish().await;
}

#[tokio::test]
async fn missing_entry_for_a_recipient_may_have_been_sent() {
    let h = harness().await;
    api("POST", "/sms/3/messages")
        .respond_with(ok(json!({"messages":[pending("m48600100200","48600100200",1)]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let msg = Message::builder().to("+48600100200, +48600100201").text("x").client_ref("m").build().unwrap();
    let report = h.gw.send(&msg).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::Accepted));
    let e = report.recipients[1].state.error().unwrap();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent));
    h.finish().await;
}

#[tokio::test]
async fn timeout_after_sending_may_have_been_sent() {
    let h = harness_with(|b| {
        b.timeouts(Timeouts { connect: Duration::from_secs(2), request: Duration::from_millis(200) })
    })
    .await;
    api("POST", "/sms/3/messages")
        .respond_with(ok(json!({"messages":[]})).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&h.server)
        .await;
    let msg = Message::builder().to("+48600100200").text("x").build().unwrap();
    let e = h.gw.send(&msg).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Timeout, Certainty::MaybeSent), "{e}");
    h.finish().await;
}

#[tokio::test]
async fn connection_refused_is_not_sent() {
    let cfg = bramka_infobip::InfobipConfig::builder("http://127.0.0.1:9", support::KEY).build().unwrap();
    let gw = bramka_infobip::InfobipGateway::new(cfg).unwrap();
    let msg = Message::builder().to("+48600100200").text("x").build().unwrap();
    let e = gw.send(&msg).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Network, Certainty::NotSent), "{e}");
}

#[tokio::test]
async fn refused_before_any_request() {
    let h = harness().await;
    api("POST", "/sms/3/messages").respond_with(ok(json!({"messages":[]}))).expect(0).mount(&h.server).await;
    // More than 180 days ahead.
    let far = Message::builder()
        .to("+48600100200")
        .text("x")
        .send_at(now() + chrono::Duration::days(181))
        .build()
        .unwrap();
    let e = h.gw.send(&far).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Message, Certainty::NotSent));
    assert!(e.to_string().contains("180 days"), "{e}");
    // Callback data over 4000 characters.
    let msg = Message::builder().to("+48600100200").text("x").build().unwrap();
    let e = h.gw.send_with(&msg, &InfobipOptions::new().callback_data("x".repeat(4001))).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Message);
    assert!(e.to_string().contains("4000"), "{e}");
    assert_eq!(h.request_count().await, 0);
    h.finish().await;
}

#[tokio::test]
async fn capabilities_are_honest() {
    let h = harness().await;
    let c = h.gw.capabilities();
    assert_eq!(h.gw.id(), "infobip");
    assert_eq!(c.batch_size, 1000);
    use bramka_core::Capability as C;
    for on in [
        C::Schedule,
        C::Cancel,
        C::Reschedule,
        C::Pause,
        C::Status,
        C::Balance,
        C::DeliveryWebhook,
        C::InboundWebhook,
    ] {
        assert!(c.supports(on), "{on}");
    }
    assert!(!c.supports(C::SignedWebhooks) && !c.supports(C::TestMode));
    assert_eq!(c.max_parts, 25);
    assert_eq!(c.idempotency, bramka_core::Idempotency::ClientReference);
}

/// Several messages in one request: one bulk, one report per message.
#[tokio::test]
async fn several_messages_in_one_request() {
    let h = harness_with(|b| b.sender("Shop")).await;
    let a = Message::builder()
        .to("+48600100200, +48600100201")
        .text("Hello A")
        .client_ref("aaa")
        .build()
        .unwrap();
    let b = Message::builder()
        .to("+48600100200")
        .text("Hello B")
        .sender("Other")
        .validity(Duration::from_secs(3600))
        .client_ref("bbb")
        .build()
        .unwrap();
    let expected = json!({
        "messages": [
            {"sender": "Shop",
             "destinations": [{"to": "48600100200", "messageId": "aaa48600100200"}, {"to": "48600100201", "messageId": "aaa48600100201"}],
             "content": {"text": "Hello A"}, "webhooks": {"callbackData": "aaa"}},
            {"sender": "Other",
             "destinations": [{"to": "48600100200", "messageId": "bbb48600100200"}],
             "content": {"text": "Hello B"},
             "options": {"validityPeriod": {"amount": 60, "timeUnit": "MINUTES"}},
             "webhooks": {"callbackData": "bbb"}}
        ],
        "options": {"schedule": {"bulkId": "aaa"}, "includeSmsCountInResponse": true}
    });
    let answer = json!({"bulkId": "aaa", "messages": [
        pending("bbb48600100200", "48600100200", 1),
        pending("aaa48600100201", "48600100201", 1),
        pending("aaa48600100200", "48600100200", 1)
    ]});
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ok(answer))
        .expect(1)
        .mount(&h.server)
        .await;
    let reports = h.gw.send_batch(&[a, b], &InfobipOptions::new()).await.unwrap();
    assert_eq!(reports.len(), 2);
    let ids: Vec<Vec<_>> = reports
        .iter()
        .map(|r| r.recipients.iter().map(|x| x.message_id.clone().unwrap()).collect())
        .collect();
    assert_eq!(ids, [vec!["aaa48600100200", "aaa48600100201"], vec!["bbb48600100200"]]);
    assert!(reports.iter().all(|r| r.batch_id.as_deref() == Some("aaa") && r.all_accepted()));
    h.finish().await;
}

/// Infobip ignoring our ids and generating its own: matched by destination, never stealing the
/// entry of another message to the same number.
#[tokio::test]
async fn generated_ids_in_a_batch_are_matched_by_destination_in_order() {
    let h = harness().await;
    let a = Message::builder().to("+48600100200").text("A").client_ref("a1").build().unwrap();
    let b = Message::builder().to("+48600100200").text("B").client_ref("b1").build().unwrap();
    let answer = json!({"messages": [pending("G-1", "48600100200", 1), pending("G-2", "48600100200", 1)]});
    api("POST", "/sms/3/messages").respond_with(ok(answer)).expect(1).mount(&h.server).await;
    let reports = h.gw.send_batch(&[a, b], &InfobipOptions::new()).await.unwrap();
    assert_eq!(reports[0].recipients[0].message_id.as_deref(), Some("G-1"));
    assert_eq!(reports[1].recipients[0].message_id.as_deref(), Some("G-2"));
    h.finish().await;
}

#[tokio::test]
async fn batch_refusals_before_any_request() {
    let h = harness().await;
    let at = now() + chrono::Duration::hours(1);
    let a = Message::builder().to("+48600100200").text("A").client_ref("same").build().unwrap();
    let later = Message::builder().to("+48600100201").text("B").send_at(at).build().unwrap();
    let twin = Message::builder().to("+48600100200").text("C").client_ref("same").build().unwrap();
    for (msgs, needle) in
        [(vec![], "no messages"), (vec![a.clone(), later], "send_at"), (vec![a, twin], "used twice")]
    {
        let e = h.gw.send_batch(&msgs, &InfobipOptions::new()).await.unwrap_err();
        assert_eq!((e.kind(), e.certainty()), (ErrorKind::Message, Certainty::NotSent));
        assert!(e.to_string().contains(needle), "{e}");
    }
    // One request carries at most 1000 destinations: send_batch (one request by design) refuses.
    let many: Vec<_> = (0..1001).map(|i| format!("+4860010{i:04}")).collect();
    let big = Message::builder().to(many.join(",")).text("x").build().unwrap();
    let e = h.gw.send_batch(&[big], &InfobipOptions::new()).await.unwrap_err();
    assert!(e.to_string().contains("at most 1000"), "{e}");
    assert_eq!(h.request_count().await, 0);
}

/// Accepts every destination of the request, echoing its messageId; the bulk id echoed too.
struct AcceptAll;
impl wiremock::Respond for AcceptAll {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let msgs: Vec<Value> = body["messages"][0]["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| pending(d["messageId"].as_str().unwrap(), d["to"].as_str().unwrap(), 1))
            .collect();
        ok(json!({"bulkId": body["options"]["schedule"]["bulkId"], "messages": msgs}))
    }
}

/// More than 1000 recipients: one request per 1000, each its own bulk (`ref`, `ref-2`), every
/// recipient reported once, in order.
#[tokio::test]
async fn more_than_1000_recipients_are_sent_in_requests_of_1000() {
    let h = harness().await;
    api("POST", "/sms/3/messages").respond_with(AcceptAll).expect(2).mount(&h.server).await;
    let many: Vec<_> = (0..1001).map(|i| format!("+4860010{i:04}")).collect();
    let big = Message::builder().to(many.join(",")).text("x").client_ref("big").build().unwrap();
    let report = h.gw.send(&big).await.unwrap();
    assert_eq!(report.recipients.len(), 1001);
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::Accepted)));
    assert_eq!(report.recipients[1000].to.digits(), "48600101000");
    assert_eq!(report.recipients[1000].message_id.as_deref(), Some("big48600101000"));
    assert_eq!(report.batch_id.as_deref(), Some("big"));
    assert_eq!(bramka_infobip::InfobipGateway::bulk_ids_for(&big), ["big", "big-2"]);
    let reqs = h.server.received_requests().await.unwrap();
    let bodies: Vec<Value> = reqs.iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    let sizes: Vec<usize> =
        bodies.iter().map(|b| b["messages"][0]["destinations"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [1000, 1]);
    let bulks: Vec<&str> =
        bodies.iter().map(|b| b["options"]["schedule"]["bulkId"].as_str().unwrap()).collect();
    assert_eq!(bulks, ["big", "big-2"]);
    assert_eq!(bodies[1]["messages"][0]["destinations"][0]["to"], "48600101000");
    h.finish().await;
}

/// A message that asks for short links gets Infobip's own shortening, without click tracking.
#[tokio::test]
async fn link_shortening_uses_infobips_url_options() {
    let h = harness_with(|b| b.sender("InfoSMS")).await;
    assert!(h.gw.capabilities().supports(bramka_core::Capability::LinkShortening));
    let msg = Message::builder()
        .to("+41793026727")
        .text("Order: https://shop.example.com/orders/123")
        .client_ref("ref2")
        .shorten_links(true)
        .build()
        .unwrap();
    let expected = json!({
        "messages": [{
            "sender": "InfoSMS",
            "destinations": [{"to": "41793026727", "messageId": "ref241793026727"}],
            "content": {"text": "Order: https://shop.example.com/orders/123"},
            "webhooks": {"callbackData": "ref2"}
        }],
        "options": {
            "schedule": {"bulkId": "ref2"},
            "tracking": {"shortenUrl": true, "trackClicks": false},
            "includeSmsCountInResponse": true
        }
    });
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ok(json!({"bulkId":"ref2","messages":[pending("ref241793026727","41793026727",1)]})))
        .expect(1)
        .mount(&h.server)
        .await;
    assert!(h.gw.send(&msg).await.unwrap().all_accepted());
    h.finish().await;
}

/// The spec makes `groupId` optional: a status naming the REJECTED group without its id, with a
/// status id bramka does not know, is still a rejection, not an acceptance.
#[tokio::test]
async fn rejected_group_name_without_group_id_is_a_rejection() {
    let h = harness().await;
    let msg = Message::builder().to("+48600100200").text("hi").client_ref("rj").build().unwrap();
    let status = json!({"groupName":"REJECTED","id":9999,"name":"REJECTED_SOMETHING_NEW"});
    api("POST", "/sms/3/messages")
        .respond_with(ok(
            json!({"messages":[{"messageId":"rj48600100200","destination":"48600100200","status":status}]}),
        ))
        .expect(1)
        .mount(&h.server)
        .await;
    let report = h.gw.send(&msg).await.unwrap();
    let SendState::Rejected(e) = &report.recipients[0].state else {
        panic!("{:?}", report.recipients[0].state)
    };
    assert_eq!(e.certainty(), Certainty::NotSent);
    assert!(e.to_string().contains("REJECTED_SOMETHING_NEW"), "{e}");
    h.finish().await;
}
