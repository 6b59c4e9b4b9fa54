//! Campaigns through real HTTP to wiremock: a chunk rebuilt from the ledger on resume sends the
//! same send options as the first run; `uncertain` recipients are reconciled by `status()`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bramka_core::clock::ManualClock;
use bramka_core::{Message, WebhookEvent, WebhookParser, WebhookRequest};
use bramka_infobip::{InfobipConfig, InfobipGateway};
use bramka_ledger::{Applied, Ledger, Query, State, StoreError};
use bramka_smsapi::{SmsapiConfig, SmsapiGateway, SmsapiWebhooks};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

type Form = std::collections::BTreeMap<String, String>;

fn form(req: &Request) -> Form {
    url::form_urlencoded::parse(&req.body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn json(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string(body)
}

/// An SMSAPI-like `/sms.do` recording every request; request number `fail_at` (0-based) answers
/// HTTP 500, after which the chunk may or may not have gone out (`uncertain`) and the run stops.
#[derive(Clone)]
struct Smsapi {
    forms: Arc<Mutex<Vec<Form>>>,
    n: Arc<AtomicUsize>,
    fail_at: Option<usize>,
}

impl Respond for Smsapi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let f = form(req);
        self.forms.lock().unwrap().push(f.clone());
        if Some(self.n.fetch_add(1, Ordering::SeqCst)) == self.fail_at {
            return ResponseTemplate::new(500).set_body_string("upstream failed");
        }
        let list: Vec<String> = f["to"]
            .split(',')
            .zip(f["idx"].split('|'))
            .map(|(n, i)| {
                format!(r#"{{"id":"ID{i}","points":0.16,"number":"{n}","status":"QUEUE","idx":"{i}"}}"#)
            })
            .collect();
        json(format!(r#"{{"count":{},"list":[{}]}}"#, list.len(), list.join(",")))
    }
}

fn now() -> DateTime<Utc> {
    "2026-05-04T08:00:00Z".parse().unwrap()
}

fn smsapi(url: &str) -> SmsapiGateway {
    let cfg = SmsapiConfig::builder("t0ken")
        .base_url(url)
        .sender("Sklep")
        .clock(Arc::new(ManualClock::new(now())))
        .build()
        .unwrap();
    SmsapiGateway::new(cfg).unwrap()
}

fn campaign_message() -> Message {
    Message::builder()
        .to("+48600100200, +48600100201, +48600100202, +48600100203")
        .text("Wiosenna wyprzedaż do niedzieli")
        .sender("Sklep")
        .client_ref("spring1")
        .send_at("2026-05-04T09:00:00Z".parse().unwrap())
        .validity(Duration::from_secs(2 * 3600))
        .flash(true)
        .callback_url("https://example.com/dlr".parse().unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_chunk_rebuilt_on_resume_sends_what_the_first_run_did() {
    let server = MockServer::start().await;
    let first = Smsapi { forms: Arc::default(), n: Arc::default(), fail_at: Some(1) };
    Mock::given(method("POST")).and(path("/sms.do")).respond_with(first.clone()).mount(&server).await;
    let ledger = Ledger::in_memory();
    let msg = campaign_message();
    ledger.create_campaign("spring", "shop", "smsapi", &msg, 2).await.unwrap();
    let gw = smsapi(&server.uri());
    let r1 = ledger.run_campaign("spring", &gw).await.unwrap();
    assert!(r1.stopped.as_ref().is_some_and(|e| e.may_have_been_sent()), "{:?}", r1.stopped);
    assert_eq!((r1.count(State::Accepted), r1.count(State::Uncertain)), (2, 2));

    // Resume: SMSAPI refuses a repeated idx, so the uncertain chunk is rebuilt from the ledger
    // and sent again with its keys.
    server.reset().await;
    let second = Smsapi { forms: Arc::default(), n: Arc::default(), fail_at: None };
    Mock::given(method("POST")).and(path("/sms.do")).respond_with(second.clone()).mount(&server).await;
    let r2 = ledger.run_campaign("spring", &gw).await.unwrap();
    assert!(r2.is_complete() && r2.stopped.is_none(), "{:?}", r2.states);
    assert_eq!(r2.count(State::Accepted), 4);

    let before = first.forms.lock().unwrap().clone();
    let after = second.forms.lock().unwrap().clone();
    assert_eq!((before.len(), after.len()), (2, 1));
    assert_eq!(after[0], before[1], "the resumed chunk is the request the first run made, field for field");
    for f in before.iter().chain(&after) {
        assert_eq!(f["flash"], "1", "{f:?}");
        assert_eq!(
            f["expiration_date"], "2026-05-04T11:00:00+00:00",
            "validity counts from the schedule: {f:?}"
        );
        assert_eq!(f["date"], "2026-05-04T09:00:00+00:00", "{f:?}");
        assert_eq!(f["notify_url"], "https://example.com/dlr", "{f:?}");
        assert_eq!(f["message"], "Wiosenna wyprzedaż do niedzieli");
        assert_eq!(f["from"], "Sklep");
    }
    assert_eq!(after[0]["to"], "48600100202,48600100203");
}

#[tokio::test]
async fn a_rerun_with_other_send_options_is_refused() {
    let ledger = Ledger::in_memory();
    ledger.create_campaign("spring", "shop", "smsapi", &campaign_message(), 2).await.unwrap();
    let other = campaign_message().to_builder().flash(false).build().unwrap();
    let err = ledger.create_campaign("spring", "shop", "smsapi", &other, 2).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::CampaignMismatch { what, .. } if what.contains("send options")),
        "{err}"
    );
}

const KEY: &str = "test-KEY-9f8e7d6c5b4a";

fn infobip(url: &str, dedupe: bool) -> InfobipGateway {
    let cfg = InfobipConfig::builder(url, KEY)
        .clock(Arc::new(ManualClock::new(now())))
        .trust_duplicate_rejection(dedupe)
        .build()
        .unwrap();
    InfobipGateway::new(cfg).unwrap()
}

/// `POST /sms/3/messages`: accepts every destination with the `messageId` it was given, except
/// request number `fail_at`, which gets HTTP 500 (the send may or may not have happened).
#[derive(Clone)]
struct Infobip {
    bodies: Arc<Mutex<Vec<Value>>>,
    fail_at: Option<usize>,
}

impl Respond for Infobip {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        assert_eq!(req.headers.get("authorization").unwrap(), &format!("App {KEY}"));
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let mut bodies = self.bodies.lock().unwrap();
        bodies.push(body.clone());
        if Some(bodies.len() - 1) == self.fail_at {
            return ResponseTemplate::new(500).set_body_json(json!({"requestError": {"serviceException": {"messageId": "GENERAL_ERROR", "text": "Something went wrong"}}}));
        }
        let messages: Vec<Value> = destinations(&body)
            .into_iter()
            .map(|(to, id)| {
                json!({
                    "messageId": id, "destination": to, "details": {"messageCount": 1},
                    "status": {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED"}
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"bulkId": "B1", "messages": messages}))
    }
}

/// The (to, messageId) of every destination of a send request.
fn destinations(body: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in body["messages"].as_array().unwrap() {
        for d in m["destinations"].as_array().unwrap() {
            out.push((d["to"].as_str().unwrap().to_owned(), d["messageId"].as_str().unwrap().to_owned()));
        }
    }
    out
}

/// A `GET /sms/3/logs` answer: one delivered entry for `id`, or none.
fn logs(entry: Option<(&str, &str)>) -> ResponseTemplate {
    let results: Vec<Value> = entry
        .into_iter()
        .map(|(id, to)| {
            json!({
                "bulkId": "B1", "messageId": id, "destination": to, "sender": "Sklep",
                "sentAt": "2026-05-04T08:00:01.000+0000", "doneAt": "2026-05-04T08:00:05.000+0000",
                "messageCount": 1, "price": {"pricePerMessage": 0.04, "currency": "EUR"},
                "status": {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET"},
                "error": {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "permanent": false}
            })
        })
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({"results": results}))
}

#[tokio::test]
async fn resume_asks_status_of_uncertain_recipients_and_resends_only_the_unknown_ones() {
    resume_with_status(true).await;
}

#[tokio::test]
async fn resume_asks_status_and_lists_the_unknown_ones_where_duplicates_are_not_refused() {
    resume_with_status(false).await;
}

/// A campaign through Infobip whose second chunk got HTTP 500, resumed: the run asks the logs
/// about both uncertain recipients; the one found is settled, the other is resent with its key
/// when the gateway trusts Infobip to refuse a repeated `messageId` (`dedupe`), else listed as
/// uncertain and not sent.
async fn resume_with_status(dedupe: bool) {
    let server = MockServer::start().await;
    let first = Infobip { bodies: Arc::default(), fail_at: Some(1) };
    Mock::given(method("POST")).and(path("/sms/3/messages")).respond_with(first.clone()).mount(&server).await;
    let ledger = Ledger::in_memory();
    let msg = Message::builder()
        .to("+48600100200, +48600100201, +48600100202, +48600100203")
        .text("Wiosenna wyprzedaż")
        .sender("Sklep")
        .client_ref("spring1")
        .build()
        .unwrap();
    ledger.create_campaign("spring", "shop", "infobip", &msg, 2).await.unwrap();
    let gw = infobip(&server.uri(), dedupe);
    let r1 = ledger.run_campaign("spring", &gw).await.unwrap();
    assert_eq!((r1.count(State::Accepted), r1.count(State::Uncertain)), (2, 2), "{:?}", r1.stopped);
    assert!(r1.reconciled.is_empty(), "nothing was uncertain when the run began");
    let keys: Vec<String> =
        destinations(&first.bodies.lock().unwrap()[1]).into_iter().map(|(_, id)| id).collect();
    assert_eq!(keys, ["spring1c248600100202", "spring1c248600100203"]);

    // Resume. Infobip's logs know the first uncertain recipient (delivered) but not the second.
    server.reset().await;
    let auth = format!("App {KEY}");
    Mock::given(method("GET"))
        .and(path("/sms/3/logs"))
        .and(query_param("messageId", keys[0].as_str()))
        .and(header("authorization", auth.as_str()))
        .respond_with(logs(Some((&keys[0], "48600100202"))))
        .named("logs of the first uncertain key")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/sms/3/logs"))
        .and(query_param("messageId", keys[1].as_str()))
        .and(header("authorization", auth.as_str()))
        .respond_with(logs(None))
        .named("logs of the second uncertain key")
        .expect(1)
        .mount(&server)
        .await;
    let second = Infobip { bodies: Arc::default(), fail_at: None };
    Mock::given(method("POST"))
        .and(path("/sms/3/messages"))
        .respond_with(second.clone())
        .named("resend")
        .expect(u64::from(dedupe))
        .mount(&server)
        .await;
    let r2 = ledger.run_campaign("spring", &gw).await.unwrap();
    server.verify().await;

    assert_eq!(r2.reconciled.len(), 1);
    let settled = &r2.reconciled[0];
    assert_eq!((settled.to.as_str(), settled.state), ("+48600100202", State::Delivered));
    assert_eq!(settled.operator_id.as_deref(), Some(keys[0].as_str()));
    assert_eq!(settled.price, Some(0.04));
    let rows = ledger.entries(&Query::all().campaign("spring")).await.unwrap();
    if dedupe {
        // Only the recipient the operator did not know is resent, with the same key (Infobip
        // refuses a repeated messageId, so it cannot go out twice).
        let resent = second.bodies.lock().unwrap().clone();
        assert_eq!(destinations(&resent[0]), [("48600100203".to_owned(), keys[1].clone())]);
        assert!(r2.is_complete() && r2.uncertain.is_empty(), "{:?}", r2.states);
        assert_eq!((r2.count(State::Accepted), r2.count(State::Delivered)), (3, 1));
        assert_eq!(rows[3].operator_id.as_deref(), Some(keys[1].as_str()));
    } else {
        assert!(second.bodies.lock().unwrap().is_empty(), "nothing resent");
        assert_eq!(r2.uncertain.iter().map(|e| e.to.as_str()).collect::<Vec<_>>(), ["+48600100203"]);
        assert_eq!(
            (r2.count(State::Accepted), r2.count(State::Delivered), r2.count(State::Uncertain)),
            (2, 1, 1)
        );
        assert_eq!(rows[3].operator_id, None);
    }
}

#[tokio::test]
async fn without_a_status_id_nothing_is_asked_and_a_webhook_by_key_reconciles() {
    // SMSAPI ids are its own; an uncertain recipient without one cannot be asked about.
    let server = MockServer::start().await;
    let first = Smsapi { forms: Arc::default(), n: Arc::default(), fail_at: Some(0) };
    Mock::given(method("POST")).and(path("/sms.do")).respond_with(first.clone()).mount(&server).await;
    let ledger = Ledger::in_memory();
    ledger.create_campaign("spring", "shop", "smsapi", &campaign_message(), 4).await.unwrap();
    let gw = smsapi(&server.uri());
    let r1 = ledger.run_campaign("spring", &gw).await.unwrap();
    assert_eq!(r1.count(State::Uncertain), 4);
    let r = ledger.reconcile(&Query::all(), &gw).await.unwrap();
    assert!(r.is_empty());
    assert_eq!(first.forms.lock().unwrap().len(), 1, "no status request was made");

    // The operator's delivery-report webhook carries the key (`idx`): that reconciles it.
    let idx = first.forms.lock().unwrap()[0]["idx"].split('|').next().unwrap().to_owned();
    assert_eq!(idx, "spring148600100200");
    let url =
        format!("https://example.com/dlr?MsgId=ZX81&status=404&idx={idx}&donedate=1777881600&to=48600100200");
    let req = WebhookRequest::new("GET", url.parse().unwrap());
    let events = SmsapiWebhooks::new().parse(&req).unwrap();
    let WebhookEvent::Delivery(report) = &events[0] else { panic!("not a report: {events:?}") };
    match ledger.apply_report(report).await.unwrap() {
        Applied::Updated { entry, from } => {
            assert_eq!(
                (from, entry.state, entry.to.as_str()),
                (State::Uncertain, State::Delivered, "+48600100200")
            );
            assert_eq!(entry.operator_id.as_deref(), Some("ZX81"));
        }
        other => panic!("expected the uncertain entry to be reconciled, got {other:?}"),
    }
    let still = ledger.entries(&Query::all().state(State::Uncertain)).await.unwrap();
    assert_eq!(still.len(), 3);
}
