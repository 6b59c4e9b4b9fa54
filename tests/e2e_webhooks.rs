//! End-to-end inbound path: SMSAPI, Infobip and Twilio webhooks (Twilio's signed as Twilio signs
//! them) parsed by the operator crates, routed into a `bramka_inbound` poll, and the replies sent
//! through a `MockGateway`. A webhook delivered twice is counted once and answered once; a forged
//! Twilio webhook is refused before anything is stored.

use std::sync::Arc;

use bramka::infobip::InfobipWebhooks;
use bramka::smsapi::SmsapiWebhooks;
use bramka::twilio::TwilioWebhooks;
use bramka::twilio::signature::signed_request_for_test;
use bramka::{InboundMessage, WebhookEvent, WebhookParser, WebhookRequest};
use bramka_core::testing::MockGateway;
use bramka_inbound::{Config, Inbound, Limit, MemoryStore, Poll, PollOption, ReceivingNumber};
use serde_json::json;

const TWILIO_TOKEN: &str = "tw-webhook-Secret-77";
const TWILIO_URL: &str = "https://votes.example/twilio/inbound";
/// The poll's receiving number.
const NUMBER: &str = "+48790100200";

fn inbound() -> Inbound {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUMBER).reply_sender("SKLEP")).unwrap();
    let poll = Poll::builder("rating", "Shop rating", NUMBER)
        .prefix("GŁOSUJĘ")
        .option(PollOption::new("1").alias("jeden").reply("Przykro nam"))
        .option(PollOption::new("5").alias("pięć").reply("To świetnie!"))
        .over_limit_reply("Już głosowałeś")
        .limit(Limit::per_poll(1))
        .build()
        .unwrap();
    cfg.add_poll(poll).unwrap();
    Inbound::new(cfg, Arc::new(MemoryStore::new()))
}

fn inbound_messages(events: Vec<WebhookEvent>) -> Vec<InboundMessage> {
    events
        .into_iter()
        .map(|e| match e {
            WebhookEvent::Inbound(m) => m,
            other => panic!("expected an inbound message, got {other:?}"),
        })
        .collect()
}

/// SMSAPI's MO callback: a POST form.
fn smsapi_mo(msg_id: &str, from: &str, text: &str) -> WebhookRequest {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("sms_from", from)
        .append_pair("sms_to", "48790100200")
        .append_pair("sms_text", text)
        .append_pair("sms_date", "1780300800")
        .append_pair("MsgId", msg_id)
        .append_pair("username", "shop")
        .finish();
    WebhookRequest::new("POST", "https://votes.example/smsapi/mo".parse().unwrap())
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(body)
}

/// Infobip's inbound push: JSON with a `results` array.
fn infobip_mo(message_id: &str, from: &str, text: &str) -> WebhookRequest {
    let body = json!({
        "results": [{
            "messageId": message_id, "from": from, "to": "48790100200", "text": text,
            "cleanText": text, "keyword": "", "receivedAt": "2026-06-01T08:00:00.000+0000", "smsCount": 1,
            "price": {"pricePerMessage": 0, "currency": "EUR"}
        }],
        "messageCount": 1, "pendingMessageCount": 0
    });
    WebhookRequest::new("POST", "https://votes.example/infobip/mo".parse().unwrap())
        .with_header("Content-Type", "application/json")
        .with_body(body.to_string())
}

/// Twilio's inbound SMS webhook, signed with `token` as Twilio signs it.
fn twilio_mo(token: &str, sid: &str, from: &str, text: &str) -> WebhookRequest {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("MessageSid", sid)
        .append_pair("SmsSid", sid)
        .append_pair("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .append_pair("From", from)
        .append_pair("To", NUMBER)
        .append_pair("Body", text)
        .append_pair("NumMedia", "0")
        .append_pair("NumSegments", "1")
        .append_pair("SmsStatus", "received")
        .append_pair("ApiVersion", "2010-04-01")
        .finish();
    signed_request_for_test(token, TWILIO_URL, &body).unwrap()
}

#[tokio::test]
async fn three_operators_into_one_poll_with_a_duplicate_and_replies() {
    let inbound = inbound();
    let smsapi = SmsapiWebhooks::new();
    let infobip = InfobipWebhooks::new();
    let twilio = TwilioWebhooks::new(TWILIO_TOKEN);

    // (operator, request): the SMSAPI callback arrives twice (SMSAPI retries until it sees "OK").
    let deliveries: Vec<(&dyn WebhookParser, WebhookRequest)> = vec![
        (&smsapi, smsapi_mo("MO-1", "48600100200", "glosuje 5")),
        (&smsapi, smsapi_mo("MO-1", "48600100200", "glosuje 5")),
        (&infobip, infobip_mo("IB-1", "48600100201", "GŁOSUJĘ: jeden")),
        (
            &twilio,
            twilio_mo(TWILIO_TOKEN, "SM00000000000000000000000000000001", "+48600100202", "Głosuję pięć"),
        ),
        // Same voter as the first, a new message: over the per-poll limit of 1.
        (&twilio, twilio_mo(TWILIO_TOKEN, "SM00000000000000000000000000000002", "+48600100200", "glosuje 1")),
    ];

    let mut outcomes = Vec::new();
    for (parser, req) in &deliveries {
        let events = parser.parse(req).unwrap_or_else(|e| panic!("{}: {e}", parser.provider()));
        let ack = parser.acknowledge(&events);
        assert_eq!(ack.status, 200, "{}", parser.provider());
        let messages = inbound_messages(events);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].to.trim_start_matches('+'), "48790100200");
        for m in &messages {
            let ingested = inbound.ingest(m).await.unwrap();
            outcomes.push((parser.provider().to_owned(), ingested.duplicate, ingested.outcome.clone()));
        }
    }
    let duplicates: Vec<bool> = outcomes.iter().map(|(_, d, _)| *d).collect();
    assert_eq!(duplicates, [false, true, false, false, false]);
    let votes: Vec<String> = outcomes
        .iter()
        .map(|(_, _, o)| match o {
            bramka_inbound::Outcome::Poll { poll, vote } => format!("{poll}:{}", vote.as_str()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        votes,
        ["rating:accepted", "rating:accepted", "rating:accepted", "rating:accepted", "rating:over_limit"]
    );

    let stats = inbound.statistics("rating").await.unwrap();
    assert_eq!(stats.total, 3, "the duplicate and the over-limit vote do not count");
    let counts: Vec<(&str, u64, String)> =
        stats.options.iter().map(|o| (o.code.as_str(), o.count, o.percent_text())).collect();
    assert_eq!(counts, [("1", 1, "33.33".to_owned()), ("5", 2, "66.67".to_owned())]);

    // Replies: one per distinct accepted or over-limit message, none for the duplicate.
    let gateway = MockGateway::new();
    let report = inbound.dispatch_pending(&gateway).await.unwrap();
    assert_eq!(report.sent.len(), 4, "{report:?}");
    assert!(report.failed.is_empty() && report.uncertain.is_empty(), "{report:?}");
    let mut replies: Vec<(String, String, String)> = gateway
        .sent()
        .iter()
        .map(|m| {
            assert_eq!(m.recipients().len(), 1);
            (
                m.recipients()[0].e164(),
                m.text().to_owned(),
                m.sender().map(|s| s.as_string()).unwrap_or_default(),
            )
        })
        .collect();
    replies.sort();
    let expected = |to: &str, text: &str| (to.to_owned(), text.to_owned(), "SKLEP".to_owned());
    assert_eq!(
        replies,
        [
            expected("+48600100200", "Już głosowałeś"),
            expected("+48600100200", "To świetnie!"),
            expected("+48600100201", "Przykro nam"),
            expected("+48600100202", "To świetnie!"),
        ]
    );

    // Dispatching again sends nothing: every reply went out once.
    let again = inbound.dispatch_pending(&gateway).await.unwrap();
    assert!(again.sent.is_empty(), "{again:?}");
    assert_eq!(gateway.sent().len(), 4);
}

#[tokio::test]
async fn acknowledgements_are_what_each_operator_expects() {
    let smsapi = SmsapiWebhooks::new();
    let events = smsapi.parse(&smsapi_mo("MO-9", "48600100200", "glosuje 5")).unwrap();
    assert_eq!(smsapi.acknowledge(&events).body, "OK", "SMSAPI calls again without OK");

    let infobip = InfobipWebhooks::new();
    let events = infobip.parse(&infobip_mo("IB-9", "48600100201", "glosuje 1")).unwrap();
    let ack = infobip.acknowledge(&events);
    assert_eq!((ack.status, ack.body.as_str()), (200, ""));

    let twilio = TwilioWebhooks::new(TWILIO_TOKEN);
    let events = twilio.parse(&twilio_mo(TWILIO_TOKEN, "SM9", "+48600100202", "glosuje 5")).unwrap();
    let ack = twilio.acknowledge(&events);
    assert!(ack.content_type.contains("xml"), "{}", ack.content_type);
    assert!(ack.body.contains("<Response"), "{}", ack.body);
}

#[tokio::test]
async fn forged_twilio_webhook_is_refused_and_nothing_is_counted() {
    let inbound = inbound();
    let twilio = TwilioWebhooks::new(TWILIO_TOKEN);

    // Signed with another token.
    let forged =
        twilio_mo("not-the-token", "SM00000000000000000000000000000003", "+48600100203", "glosuje 5");
    let err = twilio.parse(&forged).unwrap_err();
    assert_eq!(err.http_status(), 403, "{err}");
    assert!(!err.to_string().contains(TWILIO_TOKEN), "{err}");

    // Correctly signed, then the body altered in transit.
    let signed = twilio_mo(TWILIO_TOKEN, "SM00000000000000000000000000000004", "+48600100203", "glosuje 1");
    let tampered =
        signed.clone().with_body(String::from_utf8(signed.body.clone()).unwrap().replace("1", "5"));
    assert!(twilio.parse(&tampered).is_err());

    // Only the genuine one reaches the poll.
    for m in inbound_messages(twilio.parse(&signed).unwrap()) {
        inbound.ingest(&m).await.unwrap();
    }
    let stats = inbound.statistics("rating").await.unwrap();
    assert_eq!(stats.total, 1);
    assert_eq!(stats.options[0].count, 1);
    assert_eq!(stats.options[1].count, 0);
}
