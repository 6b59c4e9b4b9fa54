//! SMSAPI callbacks: delivery reports (GET, 1 to 5 per call) and inbound SMS (GET or POST form).

use bramka_core::{
    DeliveryReport, DeliveryState, InboundMessage, WebhookError, WebhookEvent, WebhookParser, WebhookRequest,
};
use bramka_smsapi::SmsapiWebhooks;

fn get(query: &str) -> WebhookRequest {
    WebhookRequest::new("GET", format!("https://shop.example/smsapi/cb?{query}").parse().unwrap())
}

fn post_form(body: &str) -> WebhookRequest {
    WebhookRequest::new("POST", "https://shop.example/smsapi/mo".parse().unwrap())
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(body)
}

fn deliveries(events: Vec<WebhookEvent>) -> Vec<DeliveryReport> {
    events
        .into_iter()
        .map(|e| match e {
            WebhookEvent::Delivery(d) => d,
            other => panic!("expected a delivery report, got {other:?}"),
        })
        .collect()
}

fn inbound(events: Vec<WebhookEvent>) -> InboundMessage {
    assert_eq!(events.len(), 1);
    match events.into_iter().next().unwrap() {
        WebhookEvent::Inbound(m) => m,
        other => panic!("expected an inbound message, got {other:?}"),
    }
}

#[test]
fn two_reports_zipped_by_position() {
    let req =
        get("MsgId=AAA111,BBB222&status=404,405&idx=k1,k2&donedate=1717500900,1717500905&username=acme\
         &to=48500100200,48500100201&points=0.16,0.16&mcc=260,260&mnc=3,2");
    let d = deliveries(SmsapiWebhooks::new().parse(&req).unwrap());
    assert_eq!(d.len(), 2);
    assert_eq!(
        (d[0].message_id.as_str(), d[0].state, d[0].raw_status.as_str()),
        ("AAA111", DeliveryState::Delivered, "404")
    );
    assert_eq!(
        (d[1].message_id.as_str(), d[1].state, d[1].raw_status.as_str()),
        ("BBB222", DeliveryState::Undelivered, "405")
    );
    assert_eq!(d[0].gateway, "smsapi");
    assert_eq!(d[0].client_ref.as_deref(), Some("k1"));
    assert_eq!(d[1].client_ref.as_deref(), Some("k2"));
    assert_eq!(d[0].at.unwrap().timestamp(), 1717500900);
    assert_eq!(d[1].at.unwrap().timestamp(), 1717500905);
    assert_eq!(d[0].to.as_ref().unwrap().digits(), "48500100200");
    assert_eq!(d[1].to.as_ref().unwrap().digits(), "48500100201");
    assert_eq!(d[0].price.as_ref().map(|p| (p.amount, p.unit.as_str())), Some((0.16, "points")));
    // The login is one value for the call: every report keeps it.
    assert_eq!(d[0].raw.get("username").map(String::as_str), Some("acme"));
    assert_eq!(d[1].raw.get("username").map(String::as_str), Some("acme"));
    assert_eq!(d[1].raw.get("mnc").map(String::as_str), Some("2"));
    assert!(d[0].state.is_final() && d[0].state.is_delivered());
}

#[test]
fn five_reports_each_status_mapped_and_repeats_dropped() {
    let req = get("MsgId=A,B,C,D,A&status=409,403,402,407,409&idx=a,b,c,d,a&donedate=1,2,3,4,1");
    let d = deliveries(SmsapiWebhooks::new().parse(&req).unwrap());
    let got: Vec<_> = d.iter().map(|r| (r.message_id.as_str(), r.state)).collect();
    assert_eq!(
        got,
        [
            ("A", DeliveryState::Pending),
            ("B", DeliveryState::Sent),
            ("C", DeliveryState::Expired),
            ("D", DeliveryState::Rejected),
        ]
    );
}

#[test]
fn every_callback_status_code() {
    let codes = [
        (401, DeliveryState::Unknown),
        (402, DeliveryState::Expired),
        (403, DeliveryState::Sent),
        (404, DeliveryState::Delivered),
        (405, DeliveryState::Undelivered),
        (406, DeliveryState::Failed),
        (407, DeliveryState::Rejected),
        (408, DeliveryState::Unknown),
        (409, DeliveryState::Pending),
        (410, DeliveryState::Sent),
        (411, DeliveryState::Pending),
        (499, DeliveryState::Unknown),
    ];
    for (code, state) in codes {
        let d = deliveries(SmsapiWebhooks::new().parse(&get(&format!("MsgId=X&status={code}"))).unwrap());
        assert_eq!((d[0].state, d[0].raw_status.as_str()), (state, code.to_string().as_str()), "{code}");
    }
}

#[test]
fn missing_trailing_values_are_absent() {
    let d = deliveries(
        SmsapiWebhooks::new().parse(&get("MsgId=A,B&status=404,404&idx=k1&to=48500100200")).unwrap(),
    );
    assert_eq!(d[0].client_ref.as_deref(), Some("k1"));
    assert_eq!(d[1].client_ref, None);
    assert!(d[1].to.is_none() && d[1].at.is_none());
}

#[test]
fn reports_by_post_form_are_accepted_too() {
    let d = deliveries(SmsapiWebhooks::new().parse(&post_form("MsgId=A&status=406&idx=k")).unwrap());
    assert_eq!((d[0].state, d[0].client_ref.as_deref()), (DeliveryState::Failed, Some("k")));
}

#[test]
fn malformed_reports() {
    let p = SmsapiWebhooks::new();
    let e = p.parse(&get("MsgId=A,B&status=404")).unwrap_err();
    assert!(matches!(e, WebhookError::Malformed { .. }), "{e}");
    assert!(e.to_string().contains("#2 (B) has no status"), "{e}");
    assert_eq!(e.http_status(), 400);
    let e = p.parse(&get("MsgId=,B&status=404,404")).unwrap_err();
    assert!(e.to_string().contains("MsgId #1 is empty"), "{e}");
    let e = p.parse(&get("hello=world")).unwrap_err();
    assert!(e.to_string().contains("neither a delivery report"), "{e}");
    let e = p
        .parse(&WebhookRequest::new("PUT", "https://x.example/cb?MsgId=A&status=404".parse().unwrap()))
        .unwrap_err();
    assert_eq!(e.http_status(), 405);
}

#[test]
fn inbound_sms_by_post_form() {
    let m = inbound(
        SmsapiWebhooks::new()
            .parse(&post_form(
                "sms_to=48799000111&sms_from=48500100200&sms_text=Tak%2C+potwierdzam+%C5%BC&sms_date=1717500000\
                 &username=acme&MsgId=MO123",
            ))
            .unwrap(),
    );
    assert_eq!(m.gateway, "smsapi");
    assert_eq!(m.message_id, "MO123");
    assert_eq!(m.from, "+48500100200");
    assert_eq!(m.to, "+48799000111");
    assert_eq!(m.text, "Tak, potwierdzam ż");
    assert_eq!(m.received_at.timestamp(), 1717500000);
    assert_eq!(m.raw.get("username").map(String::as_str), Some("acme"));
    assert_eq!(m.raw.get("sms_date").map(String::as_str), Some("1717500000"));
}

#[test]
fn inbound_sms_by_get_and_without_an_id() {
    let m = inbound(
        SmsapiWebhooks::new()
            .parse(&get("sms_to=7255&sms_from=48500100200&sms_text=VOTE+5&sms_date=1717500001"))
            .unwrap(),
    );
    assert_eq!((m.to.as_str(), m.text.as_str()), ("7255", "VOTE 5"));
    // A stable key derived from sender and time, so a repeated call de-duplicates.
    assert_eq!(m.message_id, "mo-48500100200-1717500001");
    let e = SmsapiWebhooks::new().parse(&get("sms_text=hi")).unwrap_err();
    assert!(e.to_string().contains("without sms_from"), "{e}");
}

#[test]
fn acknowledgement_is_ok() {
    let p = SmsapiWebhooks::new();
    let events = p.parse(&get("MsgId=A&status=404")).unwrap();
    let ack = p.acknowledge(&events);
    assert_eq!((ack.status, ack.body.as_str()), (200, "OK"));
    assert!(ack.content_type.starts_with("text/plain"));
    assert_eq!(p.provider(), "smsapi");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// `MsgId`, status code, `idx`, `donedate`.
    type Report = (String, u16, String, i64);

    fn report() -> impl Strategy<Value = Report> {
        ("[A-F0-9]{1,24}", 401u16..=411, "[a-z0-9]{1,40}", 1_000_000_000i64..2_000_000_000)
    }

    proptest! {
        /// 1 to 5 reports written as SMSAPI writes them (comma lists zipped by position) come back
        /// one for one, in order, with every field.
        #[test]
        fn dlr_lists_round_trip(reports in proptest::collection::vec(report(), 1..=5)) {
            let mut seen = std::collections::HashSet::new();
            let unique: Vec<_> = reports.iter().filter(|r| seen.insert((r.0.clone(), r.1))).cloned().collect();
            let join = |f: &dyn Fn(&Report) -> String| {
                reports.iter().map(f).collect::<Vec<_>>().join(",")
            };
            let query = format!(
                "MsgId={}&status={}&idx={}&donedate={}",
                join(&|r| r.0.clone()),
                join(&|r| r.1.to_string()),
                join(&|r| r.2.clone()),
                join(&|r| r.3.to_string())
            );
            let d = deliveries(SmsapiWebhooks::new().parse(&get(&query)).unwrap());
            prop_assert_eq!(d.len(), unique.len());
            for (got, want) in d.iter().zip(&unique) {
                prop_assert_eq!(&got.message_id, &want.0);
                prop_assert_eq!(&got.raw_status, &want.1.to_string());
                prop_assert_eq!(got.client_ref.as_deref(), Some(want.2.as_str()));
                prop_assert_eq!(got.at.map(|t| t.timestamp()), Some(want.3));
            }
        }

        /// Arbitrary parameters never panic: events or a typed error.
        #[test]
        fn arbitrary_params_never_panic(
            pairs in proptest::collection::vec(
                (prop_oneof![Just("MsgId".to_owned()), Just("status".to_owned()), Just("idx".to_owned()),
                             Just("donedate".to_owned()), Just("to".to_owned()), Just("sms_from".to_owned()),
                             Just("sms_text".to_owned()), Just("sms_date".to_owned()), "[a-z]{1,6}"],
                 "\\PC{0,30}"),
                0..8),
            post in any::<bool>(),
        ) {
            let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
            let req = if post { post_form(&body) } else { get(&body) };
            match SmsapiWebhooks::new().parse(&req) {
                Ok(events) => prop_assert!(!events.is_empty()),
                Err(e) => prop_assert!(matches!(e.http_status(), 400 | 405)),
            }
        }
    }
}

#[test]
fn oversized_callbacks_are_refused_with_413_before_parsing() {
    use bramka_smsapi::{MAX_REPORTS_PER_CALL, MAX_WEBHOOK_BYTES, MAX_WEBHOOK_PARAMS};
    // Many distinct names: once quadratic to de-duplicate, now refused by count.
    let many: String = (0..=MAX_WEBHOOK_PARAMS).map(|i| format!("p{i}=1&")).collect();
    let e = SmsapiWebhooks::new().parse(&post_form(&format!("{many}sms_from=48500&sms_text=x"))).unwrap_err();
    assert!(matches!(e, WebhookError::TooLarge { limit, .. } if limit == MAX_WEBHOOK_PARAMS), "{e}");
    assert_eq!(e.http_status(), 413);
    assert!(e.to_string().contains("103 parameters"), "{e}");
    // Exactly at the count limit: parsed.
    let at_limit: String = (0..MAX_WEBHOOK_PARAMS - 2).map(|i| format!("p{i}=1&")).collect();
    let m = inbound(
        SmsapiWebhooks::new().parse(&post_form(&format!("{at_limit}sms_from=48500&sms_text=x"))).unwrap(),
    );
    assert_eq!(m.raw.len(), MAX_WEBHOOK_PARAMS - 2);

    // Bytes: a text just under the limit is read whole, one byte more is refused.
    let head = "sms_from=48500100200&sms_text=";
    let fits = format!("{head}{}", "a".repeat(MAX_WEBHOOK_BYTES - head.len()));
    assert_eq!(
        inbound(SmsapiWebhooks::new().parse(&post_form(&fits)).unwrap()).text.len(),
        MAX_WEBHOOK_BYTES - head.len()
    );
    let e = SmsapiWebhooks::new().parse(&post_form(&format!("{fits}a"))).unwrap_err();
    assert!(matches!(e, WebhookError::TooLarge { limit, .. } if limit == MAX_WEBHOOK_BYTES), "{e}");
    // Query and body count together.
    let half = "a".repeat(MAX_WEBHOOK_BYTES / 2 + 1);
    let req = WebhookRequest::new("POST", format!("https://shop.example/mo?x={half}").parse().unwrap())
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(format!("sms_from=48500&sms_text={half}"));
    assert!(matches!(SmsapiWebhooks::new().parse(&req), Err(WebhookError::TooLarge { .. })));

    // Reports per call.
    let ids: Vec<String> = (0..=MAX_REPORTS_PER_CALL).map(|i| format!("ID{i}")).collect();
    let statuses = vec!["404"; ids.len()].join(",");
    let e =
        SmsapiWebhooks::new().parse(&get(&format!("MsgId={}&status={statuses}", ids.join(",")))).unwrap_err();
    assert!(matches!(e, WebhookError::TooLarge { limit, .. } if limit == MAX_REPORTS_PER_CALL), "{e}");
    let ids = &ids[..MAX_REPORTS_PER_CALL];
    let statuses = vec!["404"; ids.len()].join(",");
    assert_eq!(
        SmsapiWebhooks::new()
            .parse(&get(&format!("MsgId={}&status={statuses}", ids.join(","))))
            .unwrap()
            .len(),
        MAX_REPORTS_PER_CALL
    );
}

#[test]
fn the_first_value_of_a_repeated_name_wins() {
    let m = inbound(
        SmsapiWebhooks::new()
            .parse(&post_form("sms_from=48500100200&sms_text=first&sms_from=48999&sms_text=second&x=1&x=2"))
            .unwrap(),
    );
    assert_eq!((m.from.as_str(), m.text.as_str()), ("+48500100200", "first"));
    assert_eq!(m.raw.get("x").map(String::as_str), Some("1"));
}
