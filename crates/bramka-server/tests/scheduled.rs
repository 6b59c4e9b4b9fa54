//! Scheduled sends listed from the ledger for an operator whose API cannot list them (SMSAPI),
//! over real HTTP on 127.0.0.1: a send with `send_at` through the API reaches the operator with
//! its date, `GET /api/v1/accounts/{account}/scheduled` lists it with the id cancel takes, and
//! `refresh=true` asks the operator for its state by that id (a delivered one drops out).

mod common;

use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsapi_scheduled_sends_are_listed_from_the_ledger_and_refreshed_by_id() {
    let tw = twilio_mock().await;
    let sa = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(body_string_contains("status=ID77"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "list": [{"id": "ID77", "points": 0.16, "number": "48600100200", "status": "DELIVERED"}]
        })))
        .expect(1)
        .mount(&sa)
        .await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(body_string_contains("date="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "list": [{"id": "ID77", "points": 0.16, "number": "48600100200", "status": "QUEUE"}]
        })))
        .expect(1)
        .mount(&sa)
        .await;
    let extra =
        format!("\n[accounts.sa]\ndsn = \"smsapi://token@127.0.0.1:{}?from=Shop\"\n", sa.address().port());
    let s = Running::start(&acceptance(&tw.address().to_string(), &extra)).await;
    let at = chrono::Utc::now() + chrono::Duration::days(2);
    let at_text = at.format("%Y-%m-%dT%H:%M:00Z").to_string();
    let r = s
        .client
        .post(s.url("/api/v1/messages"))
        .bearer_auth(API_TOKEN)
        .json(&json!({"account": "sa", "to": "+48600100200", "text": "Jutro promocja", "client_ref": "later1", "send_at": at_text}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let reqs = sa.received_requests().await.unwrap();
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&reqs[0].body).into_owned().collect();
    assert!(form.contains_key("date"), "{form:?}");
    // A send without a date is not listed.
    assert_eq!(s.get_api("/api/v1/accounts/tw/scheduled").await.status(), 200);

    let list: Value = s.get_api("/api/v1/accounts/sa/scheduled").await.json().await.unwrap();
    assert_eq!(list["source"], "ledger");
    let rows = list["scheduled"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["ids"], json!(["ID77"]), "the id SMSAPI's cancel takes");
    assert_eq!(rows[0]["client_ref"], "later1");
    assert_eq!(rows[0]["text"], "Jutro promocja");
    assert_eq!(rows[0]["send_at"].as_str().unwrap()[..16], at_text[..16]);
    assert_eq!(rows[0]["recipients"][0]["to"], "+48600100200");
    assert_eq!(sa.received_requests().await.unwrap().len(), 1, "listing asks the operator nothing");

    // Refreshed by id: the operator says it went out, so it is no longer waiting.
    let list: Value = s.get_api("/api/v1/accounts/sa/scheduled?refresh=true").await.json().await.unwrap();
    assert_eq!(list["scheduled"], json!([]), "{list}");
    let state: Value = s.get_api("/api/v1/messages/later1").await.json().await.unwrap();
    assert_eq!(state["recipients"][0]["state"], "delivered");
    assert_eq!(s.get_api("/api/v1/accounts/nobody/scheduled").await.status(), 404);
    s.stop().await;
}
