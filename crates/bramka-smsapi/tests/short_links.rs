//! SMSAPI's own short links (`shorten_links`): links go out as `[%idzdo:URL%]`, and parts are
//! counted on the text as the recipient gets it.

mod common;

use bramka_core::{Capability, Dsn, ErrorKind, Gateway, GatewayFactory, Message};
use bramka_smsapi::{SmsapiFactory, SmsapiGateway};
use common::*;
use wiremock::MockServer;

/// 27 characters before the link and a link of 150: 177 GSM-7 characters in full (2 parts), 48 with
/// the link shortened (1 part).
const LONG_LINK: &str = "https://shop.example/orders/42/confirm?token=";

fn long_text() -> String {
    format!("Potwierdz zamowienie 42: {LONG_LINK}{}", "a".repeat(150 - LONG_LINK.len()))
}

fn msg(text: &str) -> Message {
    Message::builder().to("48100200300").text(text).client_ref("ref1").build().unwrap()
}

fn shortening_gateway(server: &MockServer) -> SmsapiGateway {
    SmsapiGateway::new(config(server).sender("Sklep").shorten_links(true).build().unwrap()).unwrap()
}

fn answer(parts: u32) -> String {
    format!(
        r#"{{"count":1,"list":[{{"id":"1","points":0.16,"number":"48100200300","date_sent":1460969712,
        "submitted_number":"48100200300","status":"QUEUE","parts":{parts}}}]}}"#
    )
}

#[tokio::test]
async fn each_link_is_sent_as_the_idzdo_macro() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form(
            "48100200300",
            "Sklep: [%idzdo:https://shop.example/a?b=1%]. Regulamin: ([%idzdo:http://shop.example/r%])",
            "ref148100200300",
            &[("from", "Sklep")],
        ))
        .respond_with(json(answer(1)))
        .expect(1)
        .mount(&server)
        .await;
    let m = msg("Sklep: https://shop.example/a?b=1. Regulamin: (http://shop.example/r)");
    let report = shortening_gateway(&server).send(&m).await.unwrap();
    assert!(report.all_accepted(), "{report:?}");
}

#[tokio::test]
async fn parts_are_those_of_the_shortened_text() {
    let server = MockServer::start().await;
    let m = msg(&long_text());
    assert_eq!(m.analysis().segments(), 2, "the full text needs two parts");
    let sent = format!("Potwierdz zamowienie 42: [%idzdo:{LONG_LINK}{}%]", "a".repeat(150 - LONG_LINK.len()));
    sms_do()
        .and(send_form("48100200300", &sent, "ref148100200300", &[("from", "Sklep")]))
        .respond_with(json(answer(1)))
        .expect(1)
        .mount(&server)
        .await;
    let gw = shortening_gateway(&server);
    let received = gw.received_analysis(&m).unwrap();
    assert_eq!(received.text(), "Potwierdz zamowienie 42: https://idz.do/XXXXXX");
    assert_eq!(received.segments(), 1);

    let report = gw.send(&m).await.unwrap();
    assert_eq!(report.segments, 1, "counted as the recipient gets it");
    assert_eq!(report.recipients[0].parts, Some(1));
    assert!(report.notes.is_empty(), "SMSAPI's count agrees, no note: {:?}", report.notes);
}

#[tokio::test]
async fn without_shortening_the_full_text_is_sent_and_counted() {
    let server = MockServer::start().await;
    let m = msg(&long_text());
    sms_do()
        .and(send_form("48100200300", &long_text(), "ref148100200300", &[("from", "Sklep")]))
        .respond_with(json(answer(2)))
        .expect(1)
        .mount(&server)
        .await;
    let gw = gateway(&server);
    assert!(!gw.capabilities().supports(Capability::LinkShortening));
    assert_eq!(gw.received_analysis(&m).unwrap().segments(), 2);
    let report = gw.send(&m).await.unwrap();
    assert_eq!(report.segments, 2);
}

/// `max_parts=1` refuses the full text (two parts) but not the text as the recipient gets it.
#[tokio::test]
async fn the_part_limit_applies_to_the_shortened_text() {
    let server = MockServer::start().await;
    sms_do().respond_with(json(answer(1))).expect(1).mount(&server).await;
    let m = msg(&long_text());
    let short =
        SmsapiGateway::new(config(&server).sender("Sklep").shorten_links(true).max_parts(1).build().unwrap())
            .unwrap();
    short.send(&m).await.unwrap();
    let full = SmsapiGateway::new(config(&server).sender("Sklep").max_parts(1).build().unwrap()).unwrap();
    let e = full.send(&m).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Message, "{e}");
    assert!(e.to_string().contains("needs 2 parts"), "{e}");
}

#[tokio::test]
async fn a_message_asking_for_short_links_is_refused_unless_the_option_is_on() {
    let server = MockServer::start().await;
    sms_do().respond_with(json(answer(1))).expect(0).mount(&server).await;
    let m = Message::builder()
        .to("48100200300")
        .text("Zobacz https://shop.example/a")
        .shorten_links(true)
        .build()
        .unwrap();
    let e = gateway(&server).send(&m).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Message, "{e}");
    assert!(e.to_string().contains("does not shorten links"), "{e}");
}

#[tokio::test]
async fn text_without_links_is_sent_unchanged() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form(
            "48100200300",
            "Kod 50% [rabat] http:// nie jest linkiem",
            "ref148100200300",
            &[("from", "Sklep")],
        ))
        .respond_with(json(answer(1)))
        .expect(1)
        .mount(&server)
        .await;
    let report =
        shortening_gateway(&server).send(&msg("Kod 50% [rabat] http:// nie jest linkiem")).await.unwrap();
    assert!(report.all_accepted());
}

#[tokio::test]
async fn dsn_option_turns_it_on_end_to_end() {
    let server = MockServer::start().await;
    sms_do()
        .and(send_form(
            "48100200300",
            "Zobacz [%idzdo:https://shop.example/a%]",
            "ref148100200300",
            &[("from", "Sklep")],
        ))
        .respond_with(json(answer(1)))
        .expect(1)
        .mount(&server)
        .await;
    let port = server.address().port();
    let dsn = Dsn::parse(&format!("smsapi://{TOKEN}@127.0.0.1:{port}?from=Sklep&shorten_links=1")).unwrap();
    let gw = SmsapiFactory.create(&dsn).unwrap();
    assert!(gw.capabilities().supports(Capability::LinkShortening));
    let m = Message::builder()
        .to("48100200300")
        .text("Zobacz https://shop.example/a")
        .client_ref("ref1")
        .shorten_links(true)
        .build()
        .unwrap();
    gw.send(&m).await.unwrap();

    for (q, on) in [
        ("shorten_links=1", true),
        ("shorten_links=true", true),
        ("shorten_links=0", false),
        ("from=S", false),
    ] {
        let d = Dsn::parse(&format!("smsapi://t@default?{q}")).unwrap();
        assert_eq!(bramka_smsapi::SmsapiConfig::from_dsn(&d).unwrap().shorten_links(), on, "{q}");
    }
    let bad = Dsn::parse("smsapi://t@default?shorten_links=maybe").unwrap();
    let e = bramka_smsapi::SmsapiConfig::from_dsn(&bad).unwrap_err();
    assert!(e.to_string().contains("shorten_links"), "{e}");
}
