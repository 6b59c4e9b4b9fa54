//! Sending through `POST /sms.do`: the exact request and how the answer becomes a `SendReport`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bramka_core::clock::ManualClock;
use bramka_core::{Certainty, ErrorKind, Gateway, Message, SendState};
use bramka_smsapi::{MessageType, SmsapiGateway};
use common::*;
use wiremock::MockServer;

fn msg(to: &[&str], text: &str) -> Message {
    let mut b = Message::builder().text(text).client_ref("ref1");
    for t in to {
        b = b.to(*t);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn single_recipient_exact_request_and_report() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "Order ready", "ref148100200300", &[("from", "Sklep")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    let report = gw.send(&msg(&["+48 100 200 300"], "Order ready")).await.unwrap();

    assert_eq!(report.gateway, "smsapi");
    assert_eq!(report.client_ref.as_str(), "ref1");
    assert_eq!(report.recipients.len(), 1);
    let r = &report.recipients[0];
    assert_eq!(r.to.digits(), "48100200300");
    assert!(matches!(r.state, SendState::Queued), "{:?}", r.state);
    assert_eq!(r.message_id.as_deref(), Some("1"));
    let price = r.price.as_ref().unwrap();
    assert_eq!((price.amount, price.unit.as_str()), (0.1, "points"));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[tokio::test]
async fn polish_text_is_sent_as_analysed_utf8() {
    let server = MockServer::start().await;
    let m = msg(&["48100200300"], "Zamówienie gotowe, łódź");
    sms_do()
        .and(send_form("48100200300", m.text(), "ref148100200300", &[("from", "Sklep")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let report = gateway(&server).send(&m).await.unwrap();
    assert!(report.all_accepted());
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(form_of(req)["message"], m.text());
}

#[tokio::test]
async fn several_recipients_one_request_idx_in_order() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form(
            "48100200300,48100200301",
            "Sale today",
            "ref148100200300|ref148100200301",
            &[("from", "Sklep")],
        ))
        .respond_with(json(fixture("sms-send-multi-response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let report = gateway(&server).send(&msg(&["48100200300", "48100200301"], "Sale today")).await.unwrap();
    assert_eq!(report.recipients.len(), 2);
    assert_eq!(report.recipients[0].to.digits(), "48100200300");
    assert_eq!(report.recipients[1].to.digits(), "48100200301");
    assert!(report.recipients.iter().all(|r| matches!(r.state, SendState::Queued)));
}

#[tokio::test]
async fn recipients_are_chunked_to_batch_size() {
    let server = MockServer::start().await;
    let answer = |items: &[(&str, &str, &str)]| {
        let list: Vec<String> = items
            .iter()
            .map(|(id, n, idx)| {
                format!(r#"{{"id":"{id}","points":0.16,"number":"{n}","status":"QUEUE","idx":"{idx}"}}"#)
            })
            .collect();
        json(format!(r#"{{"count":{},"list":[{}]}}"#, items.len(), list.join(",")))
    };
    sms_do()
        .and(send_form(
            "48600000001,48600000002",
            "Hi",
            "ref148600000001|ref148600000002",
            &[("from", "Sklep")],
        ))
        // Answer in reverse order: matching goes by the echoed idx, not by position.
        .respond_with(answer(&[
            ("B", "48600000002", "ref148600000002"),
            ("A", "48600000001", "ref148600000001"),
        ]))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48600000003", "Hi", "ref148600000003", &[("from", "Sklep")]))
        .respond_with(answer(&[("C", "48600000003", "ref148600000003")]))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).sender("Sklep").batch_size(2).build().unwrap()).unwrap();
    assert_eq!(gw.capabilities().batch_size, 2);
    let report = gw.send(&msg(&["48600000001", "48600000002", "48600000003"], "Hi")).await.unwrap();
    let ids: Vec<_> = report.recipients.iter().map(|r| r.message_id.clone().unwrap()).collect();
    assert_eq!(ids, ["A", "B", "C"]);
}

#[tokio::test]
async fn scheduled_send_with_expiration() {
    let server = MockServer::start().await;
    let clock = ManualClock::new("2029-12-31T08:00:00Z".parse().unwrap());
    sms_do()
        .and(send_form(
            "48100200300",
            "Tomorrow",
            "ref148100200300",
            &[
                ("from", "Sklep"),
                ("date", "2030-01-01T10:00:00+00:00"),
                ("date_validate", "1"),
                ("expiration_date", "2030-01-01T12:00:00+00:00"),
            ],
        ))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gw =
        SmsapiGateway::new(config(&server).sender("Sklep").clock(Arc::new(clock)).build().unwrap()).unwrap();
    let m = Message::builder()
        .to("48100200300")
        .text("Tomorrow")
        .client_ref("ref1")
        .send_at("2030-01-01T10:00:00Z".parse().unwrap())
        .validity(Duration::from_secs(2 * 3600))
        .build()
        .unwrap();
    let report = gw.send(&m).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::Scheduled), "{:?}", report.recipients[0].state);
}

#[tokio::test]
async fn validity_without_schedule_counts_from_now() {
    let server = MockServer::start().await;
    let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
    sms_do()
        .and(send_form(
            "48100200300",
            "Code 1234",
            "ref148100200300",
            &[("expiration_date", "2026-01-01T01:00:00+00:00")],
        ))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).clock(Arc::new(clock)).build().unwrap()).unwrap();
    let m = Message::builder()
        .to("48100200300")
        .text("Code 1234")
        .client_ref("ref1")
        .validity(Duration::from_secs(3600))
        .build()
        .unwrap();
    gw.send(&m).await.unwrap();
}

#[tokio::test]
async fn flags_test_mode_and_callback_url() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form(
            "48100200300",
            "Hi",
            "ref148100200300",
            &[
                ("from", "Sklep"),
                ("test", "1"),
                ("normalize", "1"),
                ("fast", "1"),
                ("flash", "1"),
                ("max_parts", "3"),
                ("notify_url", "https://shop.example/dlr?a=1"),
            ],
        ))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(
        config(&server)
            .sender("Sklep")
            .test_mode(true)
            .normalize(true)
            .fast(true)
            .max_parts(3)
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(gw.capabilities().max_parts, 3);
    let m = Message::builder()
        .to("48100200300")
        .text("Hi")
        .client_ref("ref1")
        .flash(true)
        .callback_url("https://shop.example/dlr?a=1".parse().unwrap())
        .build()
        .unwrap();
    let report = gw.send(&m).await.unwrap();
    assert!(report.notes.iter().any(|n| n.contains("test mode")), "{:?}", report.notes);
}

#[tokio::test]
async fn message_sender_overrides_default_and_numbers_are_digits() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[("from", "Promo")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref248100200300", &[("from", "48500600700")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    let m =
        Message::builder().to("48100200300").text("Hi").client_ref("ref1").sender("Promo").build().unwrap();
    gw.send(&m).await.unwrap();
    let m = Message::builder()
        .to("48100200300")
        .text("Hi")
        .client_ref("ref2")
        .sender("+48500600700")
        .build()
        .unwrap();
    gw.send(&m).await.unwrap();
}

#[tokio::test]
async fn eco_and_two_way_types_choose_the_sender() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref148100200300", &[("from", "Eco")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48100200300", "Hi", "ref248100200300", &[("from", "2Way")]))
        .respond_with(json(fixture("sms-send-response-single.json")))
        .expect(1)
        .mount(&server)
        .await;
    let eco =
        SmsapiGateway::new(config(&server).sender("Sklep").message_type(MessageType::Eco).build().unwrap())
            .unwrap();
    let report = eco.send(&msg(&["48100200300"], "Hi")).await.unwrap();
    assert!(report.notes.iter().any(|n| n.contains("sender Sklep was not used")), "{:?}", report.notes);
    let two_way =
        SmsapiGateway::new(config(&server).message_type(MessageType::TwoWay).build().unwrap()).unwrap();
    let m = Message::builder().to("48100200300").text("Hi").client_ref("ref2").build().unwrap();
    let report = two_way.send(&m).await.unwrap();
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[tokio::test]
async fn points_as_string_and_parts_from_either_place() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48100200300", "One", "ref148100200300", &[]))
        .respond_with(json(
            r#"{"count":1,"list":[{"id":"X1","points":"0.3000","number":"48100200300","status":"QUEUE","parts":2}],"parts":2}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48100200300", "Two", "ref248100200300", &[]))
        .respond_with(json(fixture("sms-send-response-go-collection.json")))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48100200300", "Three", "ref348100200300", &[]))
        .respond_with(json(fixture("sms-send-details-response-python.json")))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).build().unwrap()).unwrap();

    let m = Message::builder().to("48100200300").text("One").client_ref("ref1").build().unwrap();
    let report = gw.send(&m).await.unwrap();
    let r = &report.recipients[0];
    assert_eq!(r.price.as_ref().unwrap().amount, 0.3);
    assert_eq!(r.parts, Some(2));
    // bramka counted 1 part for "One": the mismatch is noted.
    assert!(
        report.notes.iter().any(|n| n.contains("SMSAPI counted 2 part(s); bramka counted 1")),
        "{:?}",
        report.notes
    );

    let m = Message::builder().to("48100200300").text("Two").client_ref("ref2").build().unwrap();
    let r = gw.send(&m).await.unwrap().recipients.remove(0);
    assert_eq!((r.parts, r.message_id.as_deref()), (Some(1), Some("1")));
    assert!(matches!(r.state, SendState::Queued));

    // Python details fixture: only `id` in the item, `parts` at the top level, no number: matched by
    // position (one item for one recipient), accepted.
    let m = Message::builder().to("48100200300").text("Three").client_ref("ref3").build().unwrap();
    let r = gw.send(&m).await.unwrap().recipients.remove(0);
    assert_eq!((r.parts, r.message_id.as_deref()), (Some(1), Some("1")));
    assert!(matches!(r.state, SendState::Accepted), "{:?}", r.state);
}

#[tokio::test]
async fn per_recipient_errors_and_missing_recipients() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form(
            "48600000001,48600000002,48600000003,48600000004",
            "Hi",
            "ref148600000001|ref148600000002|ref148600000003|ref148600000004",
            &[],
        ))
        .respond_with(json(
            r#"{"count":2,"list":[
                {"id":"A","points":0.16,"number":"48600000001","status":"QUEUE","error":null},
                {"id":"","number":"48600000002","status":"","error":14}],
              "invalid_numbers":[{"number":"48600000003","submitted_number":"48600000003","message":"Invalid phone number"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).build().unwrap()).unwrap();
    let report =
        gw.send(&msg(&["48600000001", "48600000002", "48600000003", "48600000004"], "Hi")).await.unwrap();
    let r = &report.recipients;
    assert!(matches!(r[0].state, SendState::Queued));
    let e1 = r[1].state.error().unwrap();
    assert_eq!((e1.kind(), e1.operator_code()), (ErrorKind::InvalidSender, Some("14")));
    let e2 = r[2].state.error().unwrap();
    assert_eq!((e2.kind(), e2.certainty()), (ErrorKind::InvalidRecipient, Certainty::NotSent));
    assert!(e2.to_string().contains("Invalid phone number"), "{e2}");
    let e3 = r[3].state.error().unwrap();
    assert_eq!((e3.kind(), e3.certainty()), (ErrorKind::Other, Certainty::MaybeSent));
    assert_eq!(report.accepted().count(), 1);
}

#[tokio::test]
async fn too_many_parts_is_refused_before_any_request() {
    let server = MockServer::start().await;
    sms_do().respond_with(json("{}")).expect(0).mount(&server).await;
    let gw = SmsapiGateway::new(config(&server).max_parts(2).build().unwrap()).unwrap();
    let m = msg(&["48100200300"], &"a".repeat(400)); // 3 GSM-7 parts
    let e = gw.send(&m).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Message, Certainty::NotSent));
    assert!(e.to_string().contains("needs 3 parts") && e.to_string().contains("at most 2"), "{e}");
}

#[tokio::test]
async fn a_failed_later_chunk_rejects_its_recipients_and_skips_the_rest() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48600000001", "Hi", "ref148600000001", &[]))
        .respond_with(json(r#"{"count":1,"list":[{"id":"A","number":"48600000001","status":"QUEUE"}]}"#))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48600000002", "Hi", "ref148600000002", &[]))
        .respond_with(json(r#"{"error":103,"message":"Not enough points"}"#))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48600000003", "Hi", "ref148600000003", &[]))
        .respond_with(json("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).batch_size(1).build().unwrap()).unwrap();
    let report = gw.send(&msg(&["48600000001", "48600000002", "48600000003"], "Hi")).await.unwrap();
    let r = &report.recipients;
    assert!(matches!(r[0].state, SendState::Queued));
    let e = r[1].state.error().unwrap();
    assert_eq!((e.kind(), e.operator_code()), (ErrorKind::InsufficientFunds, Some("103")));
    // The third request was never made: not attempted, carrying no other request's error.
    assert!(r[2].state.is_not_attempted(), "{}", r[2].state);
    assert!(r[2].state.error().is_none());
}

#[tokio::test]
async fn a_failed_first_request_is_an_error() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48600000001", "Hi", "ref148600000001", &[]))
        .respond_with(json(r#"{"error":101,"message":"Authorization failed"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).batch_size(1).build().unwrap()).unwrap();
    let e = gw.send(&msg(&["48600000001", "48600000002"], "Hi")).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty(), e.http_status()), (ErrorKind::Auth, Certainty::NotSent, Some(200)));
}

#[tokio::test]
async fn error_53_on_a_batch_is_resolved_recipient_by_recipient() {
    let server = MockServer::start().await;
    // The batch is refused as a whole: SMSAPI does not say which idx it had seen.
    sms_do()
        .and(send_form("48600000001,48600000002", "Hi", "ref148600000001|ref148600000002", &[]))
        .respond_with(json(r#"{"error":53,"message":"Non-unique idx"}"#))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48600000001", "Hi", "ref148600000001", &[]))
        .respond_with(json(r#"{"error":53,"message":"Non-unique idx"}"#))
        .expect(1)
        .mount(&server)
        .await;
    sms_do()
        .and(send_form("48600000002", "Hi", "ref148600000002", &[]))
        .respond_with(json(r#"{"count":1,"list":[{"id":"B","number":"48600000002","status":"QUEUE"}]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).build().unwrap()).unwrap();
    let report = gw.send(&msg(&["48600000001", "48600000002"], "Hi")).await.unwrap();
    assert!(
        matches!(report.recipients[0].state, SendState::AlreadyAccepted),
        "{:?}",
        report.recipients[0].state
    );
    assert_eq!(report.recipients[0].message_id, None);
    assert!(matches!(report.recipients[1].state, SendState::Queued));
    assert_eq!(report.recipients[1].message_id.as_deref(), Some("B"));
    assert!(report.all_accepted());
    assert!(report.notes.iter().any(|n| n.contains("error 53")), "{:?}", report.notes);
}

#[tokio::test]
async fn error_53_for_one_recipient_is_already_accepted() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form("48600000001", "Hi", "ref148600000001", &[]))
        .respond_with(json(r#"{"error":53,"message":"Non-unique idx"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let gw = SmsapiGateway::new(config(&server).build().unwrap()).unwrap();
    let report = gw.send(&msg(&["48600000001"], "Hi")).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::AlreadyAccepted));
    assert!(report.all_accepted());
    assert_eq!(report.rejected().count(), 0);
}
