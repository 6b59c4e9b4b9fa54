//! `pause`, `resume`, `reschedule` against a wiremock Infobip, and `send --flash --validity`
//! against a wiremock SMSAPI, on 127.0.0.1: the exact requests and their count.

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "infobip-Secret-K3y";

fn dsn(s: &MockServer) -> String {
    format!("infobip://{KEY}@127.0.0.1:{}", s.address().port())
}

async fn status_is(server: &MockServer, status: &str) {
    Mock::given(method("GET"))
        .and(path("/sms/1/bulks/status"))
        .and(query_param("bulkId", "B1"))
        .and(header("authorization", format!("App {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": "B1", "status": status})))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_and_resume_set_the_bulk_status() {
    for (cmd, from, to, word) in
        [("pause", "PENDING", "PAUSED", "paused"), ("resume", "PAUSED", "PENDING", "resumed")]
    {
        let server = MockServer::start().await;
        status_is(&server, from).await;
        Mock::given(method("PUT"))
            .and(path("/sms/1/bulks/status"))
            .and(query_param("bulkId", "B1"))
            .and(body_json(json!({"status": to})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": "B1", "status": to})))
            .expect(1)
            .mount(&server)
            .await;
        let run = bramka(&[cmd, "--gateway", &dsn(&server), "B1"]);
        assert_eq!(run.code, 0, "{}", run.all());
        assert_eq!(run.stdout.trim(), format!("infobip: {word} B1"));
        assert!(!run.all().contains(KEY));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reschedule_moves_the_bulk_and_a_bad_time_is_refused_before_any_request() {
    let server = MockServer::start().await;
    status_is(&server, "PENDING").await;
    Mock::given(method("PUT"))
        .and(path("/sms/1/bulks"))
        .and(query_param("bulkId", "B1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"bulkId": "B1", "sendAt": "2099-01-02T10:00:00.000+0000"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let at = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M:00Z").to_string();
    let run = bramka(&["reschedule", "--gateway", &dsn(&server), "B1", "--at", &at, "--json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json()["id"], "B1");
    let put =
        server.received_requests().await.unwrap().into_iter().find(|r| r.method.as_str() == "PUT").unwrap();
    let body: serde_json::Value = serde_json::from_slice(&put.body).unwrap();
    assert!(body["sendAt"].as_str().unwrap().starts_with(&at[..16]), "{body}");

    let run = bramka(&["reschedule", "--gateway", &dsn(&server), "B1", "--at", "tomorrow"]);
    assert_eq!(run.code, 2, "{}", run.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn flash_and_validity_reach_the_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "list": [{"id": "ID1", "points": 0.16, "number": "48600100200", "status": "QUEUE"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let dsn = format!("smsapi://T@127.0.0.1:{}?from=Shop", server.address().port());
    let run =
        bramka(&["send", "--gateway", &dsn, "--to", "+48600100200", "--flash", "--validity", "6h", "hi"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let req = &server.received_requests().await.unwrap()[0];
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&req.body).into_owned().collect();
    assert_eq!(form.get("flash").map(String::as_str), Some("1"), "{form:?}");
    assert!(form.contains_key("expiration_date"), "{form:?}");

    let run = bramka(&["send", "--gateway", &dsn, "--to", "+48600100200", "--validity", "6 weeks", "hi"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("write minutes, hours or days: 30m, 6h, 2d"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_lists_smsapi_sends_from_the_ledger() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(wiremock::matchers::body_string_contains("date="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "list": [{"id": "ID5", "points": 0.16, "number": "48600100200", "status": "QUEUE"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = temp_dir("sched-ledger");
    let ledger = dir.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    let dsn = format!("smsapi://T@127.0.0.1:{}?from=Shop", server.address().port());
    let at = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M:00Z").to_string();
    let run = bramka_in(
        &dir,
        &["send", "--gateway", &dsn, "--to", "+48600100200", "--at", &at, "--ledger", ledger, "Jutro"],
        "",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());

    // SMSAPI cannot list them: the error says where the list is.
    let run = bramka_in(&dir, &["scheduled", "--gateway", &dsn], "", &[]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("--ledger PATH"), "{}", run.stderr);

    let run = bramka_in(&dir, &["scheduled", "--gateway", &dsn, "--ledger", ledger, "--json"], "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["id"], "ID5", "the id bramka cancel takes: {v}");
    assert_eq!(v[0]["to"], json!(["+48600100200"]));
    assert_eq!(v[0]["text"], "Jutro");
    assert_eq!(v[0]["status"], "accepted");
    assert!(v[0]["send_at"].as_str().unwrap().starts_with(&at[..16]), "{v}");
    let run = bramka_in(&dir, &["scheduled", "--gateway", &dsn, "--ledger", ledger], "", &[]);
    assert!(
        run.stdout.lines().nth(1).is_some_and(|l| l.starts_with("ID5\t+48600100200\t")),
        "{}",
        run.stdout
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "listing asks the operator nothing");
}
