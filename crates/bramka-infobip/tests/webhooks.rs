//! Infobip's pushes: DLR v3 and v2 bodies, inbound MO_JSON_2, refusals, acknowledgement.

mod support;

use bramka_core::{DeliveryState, WebhookError, WebhookEvent, WebhookParser, WebhookRequest};
use bramka_infobip::InfobipWebhooks;

use support::fixture;

fn post(body: &str) -> WebhookRequest {
    WebhookRequest::new("POST", "https://example.com/infobip/hook?token=t".parse().unwrap())
        .with_header("Content-Type", "application/json")
        .with_body(body.to_owned())
}

fn deliveries(events: &[WebhookEvent]) -> Vec<&bramka_core::DeliveryReport> {
    events
        .iter()
        .map(|e| match e {
            WebhookEvent::Delivery(r) => r,
            other => panic!("not a delivery: {other:?}"),
        })
        .collect()
}

#[test]
fn dlr_v3_body() {
    let events = InfobipWebhooks::new().parse(&post(&fixture("dlr-v3-webhook.json"))).unwrap();
    let r = deliveries(&events);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].gateway, "infobip");
    assert_eq!(r[0].message_id, "MESSAGE-ID-123-xyz");
    assert_eq!(r[0].state, DeliveryState::Delivered);
    assert_eq!(r[0].raw_status, "DELIVERED_TO_HANDSET");
    assert_eq!(r[0].to.as_ref().unwrap().e164(), "+41793026727");
    assert_eq!(r[0].client_ref.as_deref(), Some("callbackData"));
    assert_eq!(r[0].batch_id.as_deref(), Some("BULK-ID-123-xyz"));
    assert_eq!(r[0].at, Some("2019-11-09T15:00:00Z".parse().unwrap()));
    assert_eq!(r[0].parts, Some(1));
    assert_eq!(r[0].raw.get("sender").map(String::as_str), Some("InfoSMS"));
    assert_eq!(r[0].raw.get("entity_id").map(String::as_str), Some("promotional-traffic-entity"));
    assert_eq!(r[1].message_id, "12db39c3-7822-4e72-a3ec-c87442c0ffc5");
    assert_eq!(r[1].client_ref, None);
}

#[test]
fn dlr_v2_body_with_its_own_spellings() {
    let events = InfobipWebhooks::new().parse(&post(&fixture("dlr-v2-webhook.json"))).unwrap();
    let r = deliveries(&events);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].state, DeliveryState::Delivered);
    assert_eq!(r[0].parts, Some(1), "smsCount");
    assert_eq!(r[0].at, Some("2019-11-09T16:00:00Z".parse().unwrap()));
    // Flat entityId / applicationId, and the spec's "Ok" group name is accepted.
    assert_eq!(r[0].raw.get("application_id").map(String::as_str), Some("marketing-automation-application"));
    assert_eq!(r[0].raw.get("error_group").map(String::as_str), Some("Ok"));
    assert_eq!(r[1].raw.get("application_id").map(String::as_str), Some("default"));
    assert_eq!(r[0].price.as_ref().map(|p| p.amount), Some(0.01));
}

#[test]
fn undeliverable_report_carries_the_error() {
    let events =
        InfobipWebhooks::new().parse(&post(&fixture("synthetic-dlr-v3-webhook-undeliverable.json"))).unwrap();
    let r = deliveries(&events)[0];
    assert_eq!(r.state, DeliveryState::Undelivered);
    assert_eq!(r.error_code.as_deref(), Some("27"));
    assert_eq!(r.error_message.as_deref(), Some("Absent Subscriber"));
    assert_eq!(r.raw.get("error_permanent").map(String::as_str), Some("false"));
    assert_eq!(r.raw.get("mcc_mnc").map(String::as_str), Some("22801"));
    assert_eq!(r.client_ref.as_deref(), Some("order=42"));
    assert_eq!(r.at, Some("2019-11-09T16:05:12Z".parse().unwrap()), "doneAt");
}

#[test]
fn inbound_mo_body() {
    let events = InfobipWebhooks::new().parse(&post(&fixture("mo-inbound-webhook.json"))).unwrap();
    assert_eq!(events.len(), 1);
    let WebhookEvent::Inbound(m) = &events[0] else { panic!("{events:?}") };
    assert_eq!(m.gateway, "infobip");
    assert_eq!(m.message_id, "817790313235066447");
    assert_eq!((m.from.as_str(), m.to.as_str()), ("+385916242493", "+385921004026"));
    assert_eq!(m.text, "QUIZ Correct answer is Paris");
    assert_eq!(m.parts, Some(1));
    assert_eq!(m.raw.get("keyword").map(String::as_str), Some("QUIZ"));
    assert_eq!(m.raw.get("callback_data").map(String::as_str), Some("callbackData"));
}

#[test]
fn acknowledged_with_200() {
    let p = InfobipWebhooks::new();
    let events = p.parse(&post(&fixture("dlr-v3-webhook.json"))).unwrap();
    let ack = p.acknowledge(&events);
    assert_eq!(ack.status, 200);
    assert_eq!(p.provider(), "infobip");
}

#[test]
fn refusals() {
    let p = InfobipWebhooks::new();
    let get = WebhookRequest::new("GET", "https://example.com/h".parse().unwrap());
    assert_eq!(p.parse(&get).unwrap_err().http_status(), 405);
    let cases = [
        ("not json", "not JSON"),
        (r#"{"items":[]}"#, "results"),
        (r#"{"results":[{"messageId":"x"}]}"#, "neither"),
        (r#"{"results":[{"status":{"id":5,"groupId":3}}]}"#, "messageId"),
        (r#"{"results":[{"messageId":"x","status":{"id":5},"doneAt":"yesterday"}]}"#, "date-time"),
        (r#"{"results":[{"messageId":"m","text":"hi","to":"1234"}]}"#, "no from"),
    ];
    for (body, needle) in cases {
        let e = p.parse(&post(body)).unwrap_err();
        assert!(matches!(e, WebhookError::Malformed { .. }), "{body}: {e}");
        assert!(e.to_string().contains(needle), "{body}: {e}");
        assert_eq!(e.http_status(), 400);
    }
    let xml = WebhookRequest::new("POST", "https://example.com/h".parse().unwrap())
        .with_header("Content-Type", "application/xml")
        .with_body("<reports/>");
    assert!(p.parse(&xml).unwrap_err().to_string().contains("application/json"));
}

/// A minimal report (only ids) gets the documented error name, group and permanence.
#[test]
fn sparse_error_objects_are_completed_from_the_table() {
    let body = r#"{"results":[{"messageId":"m","status":{"groupId":2,"id":9},"error":{"id":1}},
                              {"messageId":"c","status":{"groupId":5,"id":52},"error":{"id":4100}}]}"#;
    let events = InfobipWebhooks::new().parse(&post(body)).unwrap();
    let r = deliveries(&events);
    assert_eq!(r[0].state, DeliveryState::Undelivered);
    assert_eq!(r[0].error_code.as_deref(), Some("1"));
    assert_eq!(r[0].error_message.as_deref(), Some("EC_UNKNOWN_SUBSCRIBER"));
    assert_eq!(r[0].raw.get("error_group").map(String::as_str), Some("HANDSET_ERRORS"));
    assert_eq!(r[0].raw.get("error_permanent").map(String::as_str), Some("true"));
    assert_eq!(r[1].state, DeliveryState::Canceled);
    assert_eq!(r[1].raw_status, "52", "no status name: the id is kept");
}
