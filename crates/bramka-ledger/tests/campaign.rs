//! Campaigns through real HTTP to wiremock: a chunk rebuilt from the ledger on resume sends the
//! same send options as the first run; `uncertain` recipients are reconciled by `status()`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bramka_core::Message;
use bramka_core::clock::ManualClock;
use bramka_ledger::{Ledger, Query, State, StoreError};
use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
use chrono::{DateTime, Utc};
use wiremock::matchers::{method, path};
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
