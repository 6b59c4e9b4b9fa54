//! The ledger through the server, end to end over real HTTP on 127.0.0.1: sends and campaigns
//! through the API (idempotent by client_ref) to a wiremock Twilio, delivery reports from the
//! signed status webhook applied once, search and the streamed CSV, the suppression list (by
//! API and by inbound STOP/START), and replies leaving through the receiving number's account.

mod common;

use bramka::twilio::signature::sign_for_test;
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID2: &str = "AC11111111111111111111111111111111";

async fn post_api(s: &Running, p: &str, body: Value) -> reqwest::Response {
    s.client.post(s.url(p)).bearer_auth(API_TOKEN).json(&body).send().await.unwrap()
}

/// A signed Twilio webhook to `/hooks/{account}/{kind}`.
async fn twilio_hook(s: &Running, account: &str, kind: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    let form = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let p = format!("/hooks/{account}/{kind}");
    let sig = sign_for_test(TW_TOKEN, &format!("http://127.0.0.1:8025{p}"), &form);
    s.client
        .post(s.url(&p))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", sig)
        .body(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_is_idempotent_and_delivery_reports_land_once() {
    let mock = twilio_mock().await;
    let s = Running::start(&acceptance(&mock.address().to_string(), "")).await;

    let req = json!({"account": "tw", "to": ["+48600100200"], "text": "Zamówienie wysłane", "client_ref": "order77"});
    let first = post_api(&s, "/api/v1/messages", req.clone()).await;
    assert_eq!(first.status(), 201, "{:?}", first.text().await);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["duplicate"], false);
    assert_eq!(first["encoding"], "UCS-2");
    assert_eq!(first["parts"], 1);
    assert_eq!(first["recipients"][0]["to"], "+48600100200");
    assert_eq!(first["recipients"][0]["state"], "accepted");
    assert_eq!(first["recipients"][0]["operator_id"], "SM00000000000000000000000000000001");
    // The same key again: nothing sent, the first answer's recipients.
    let again = post_api(&s, "/api/v1/messages", req).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["recipients"][0]["id"], first["recipients"][0]["id"]);
    let sent = mock.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1, "one request to the operator for two API calls");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&sent[0].body).into_owned().collect();
    assert!(form.contains(&("Body".into(), "Zamówienie wysłane".into())), "{form:?}");
    assert!(form.contains(&("To".into(), "+48600100200".into())), "{form:?}");

    // Delivery report, signed, delivered twice and followed by a stale one: applied once.
    let dlr = [
        ("MessageSid", "SM00000000000000000000000000000001"),
        ("MessageStatus", "delivered"),
        ("AccountSid", SID),
        ("To", "+48600100200"),
    ];
    assert_eq!(twilio_hook(&s, "tw", "status", &dlr).await.status(), 200);
    assert_eq!(twilio_hook(&s, "tw", "status", &dlr).await.status(), 200);
    let stale = [
        ("MessageSid", "SM00000000000000000000000000000001"),
        ("MessageStatus", "sent"),
        ("AccountSid", SID),
        ("To", "+48600100200"),
    ];
    assert_eq!(twilio_hook(&s, "tw", "status", &stale).await.status(), 200);
    let state: Value = s.get_api("/api/v1/messages/order77").await.json().await.unwrap();
    assert_eq!(state["recipients"][0]["state"], "delivered");
    assert_eq!(state["recipients"][0]["final"], true);
    assert_eq!(state["recipients"][0]["delivery_status"], "delivered");
    // A forged report (wrong signature) is refused and changes nothing.
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("MessageSid", "SM00000000000000000000000000000001"), ("MessageStatus", "failed")])
        .finish();
    let forged = s
        .client
        .post(s.url("/hooks/tw/status"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", sign_for_test("wrong", "http://127.0.0.1:8025/hooks/tw/status", &form))
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    assert_eq!(s.get_api("/api/v1/messages/nope").await.status(), 404);
    let found: Value =
        s.get_api("/api/v1/messages?state=delivered&to=%2B48600100200").await.json().await.unwrap();
    assert_eq!(found["messages"].as_array().unwrap().len(), 1);
    let none: Value = s.get_api("/api/v1/messages?state=rejected").await.json().await.unwrap();
    assert!(none["messages"].as_array().unwrap().is_empty());
    let bad = s.get_api("/api/v1/messages?state=lost").await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("not one of"));

    let csv = s.get_api("/api/v1/messages.csv?tz=UTC").await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("id,created_at,updated_at,account,gateway"));
    let row = lines.next().unwrap();
    assert!(row.contains(",tw,twilio,") && row.contains(",+48600100200,delivered,"), "{row}");
    assert_eq!(lines.next(), None);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_and_suppressions_by_api_and_by_stop() {
    let mock = twilio_mock().await;
    let s = Running::start(&acceptance(&mock.address().to_string(), "")).await;

    // Suppression CRUD.
    let add =
        post_api(&s, "/api/v1/suppressions", json!({"number": "+48600100201", "reason": "asked by phone"}))
            .await;
    assert_eq!(add.status(), 201);
    let add2 = post_api(&s, "/api/v1/suppressions", json!({"number": "+48600100201"})).await;
    assert_eq!(add2.status(), 200);
    assert_eq!(add2.json::<Value>().await.unwrap()["added"], false);
    let bad = post_api(&s, "/api/v1/suppressions", json!({"number": "not a number"})).await;
    assert_eq!(bad.status(), 400);
    let list: Value = s.get_api("/api/v1/suppressions").await.json().await.unwrap();
    assert_eq!(list["suppressions"][0]["number"], "+48600100201");
    assert_eq!(list["suppressions"][0]["reason"], "asked by phone");

    // Inbound STOP suppresses its sender (for every account); START lifts it again.
    assert_eq!(s.twilio_inbound("SMstop", "+48600100202", "STOP", TW_TOKEN).await.status(), 200);
    assert_eq!(s.twilio_inbound("SMstop", "+48600100202", "STOP", TW_TOKEN).await.status(), 200);
    let list: Value = s.get_api("/api/v1/suppressions").await.json().await.unwrap();
    let numbers: Vec<&str> =
        list["suppressions"].as_array().unwrap().iter().map(|x| x["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["+48600100201", "+48600100202"]);

    // A campaign to three: the two suppressed are refused before any request, one is sent.
    let c = json!({"name": "spring", "account": "tw", "text": "Wiosenna promocja",
        "to": ["+48600100200", "+48600100201", "+48600100202"], "chunk_size": 10});
    let r = post_api(&s, "/api/v1/campaigns", c.clone()).await;
    assert_eq!(r.status(), 202, "runs in the background");
    // Until it is done (the progress endpoint), then every recipient's state.
    for _ in 0..200 {
        let p: Value = s.get_api("/api/v1/campaigns/spring/progress").await.json().await.unwrap();
        if p["progress"]["state"] == "done" {
            assert_eq!(
                (p["progress"]["sent"].as_u64(), p["progress"]["failed"].as_u64()),
                (Some(1), Some(2))
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let r: Value = s.get_api("/api/v1/campaigns/spring").await.json().await.unwrap();
    assert_eq!(r["progress"]["state"], "done");
    assert_eq!(r["states"], json!({"accepted": 1, "rejected": 2}));
    let states: Vec<(&str, &str)> = r["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["to"].as_str().unwrap(), x["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [("+48600100200", "accepted"), ("+48600100201", "rejected"), ("+48600100202", "rejected")]
    );
    assert_eq!(r["recipients"][1]["error"]["kind"], "suppressed");
    // Running it again finds it done: nobody is sent twice.
    let again = post_api(&s, "/api/v1/campaigns", c).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["progress"]["states"], json!({"accepted": 1, "rejected": 2}));
    let texts: Vec<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| {
            url::form_urlencoded::parse(&r.body).find(|(k, _)| k == "Body").map(|(_, v)| v.into_owned())
        })
        .filter(|b| b == "Wiosenna promocja")
        .collect();
    assert_eq!(texts.len(), 1);
    let other = post_api(
        &s,
        "/api/v1/campaigns",
        json!({"name": "spring", "account": "tw", "text": "Inny tekst", "to": ["+48600100200"]}),
    )
    .await;
    assert_eq!(other.status(), 409);
    let got: Value = s.get_api("/api/v1/campaigns/spring").await.json().await.unwrap();
    assert_eq!(got["recipients"].as_array().unwrap().len(), 3);

    // START lifts; DELETE lifts the hand-made one; a second DELETE finds nothing.
    assert_eq!(s.twilio_inbound("SMstart", "+48600100202", "start", TW_TOKEN).await.status(), 200);
    let del = s
        .client
        .delete(s.url("/api/v1/suppressions/%2B48600100201"))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    let del2 = s
        .client
        .delete(s.url("/api/v1/suppressions/%2B48600100201"))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(del2.status(), 404);
    let list: Value = s.get_api("/api/v1/suppressions").await.json().await.unwrap();
    assert_eq!(list["suppressions"], json!([]));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_leave_through_the_receiving_numbers_account() {
    let mock = twilio_mock().await;
    let mock2 = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID2}/Messages.json")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "sid": "SM00000000000000000000000000000002", "status": "queued", "to": "+48600100300",
            "from": "+15005550007", "num_segments": "1", "error_code": null, "error_message": null
        })))
        .mount(&mock2)
        .await;
    let extra = format!(
        r#"
[accounts.tw2]
dsn = "twilio://{SID2}:${{TWILIO_AUTH_TOKEN}}@{}?from=%2B15005550007"

[[numbers]]
number = "+15005550007"
kind = "dedicated"
account = "tw2"
inbox = "support"
auto_reply = "Odpiszemy wkrótce"
"#,
        mock2.address()
    );
    let s = Running::start(&acceptance(&mock.address().to_string(), &extra)).await;
    let r = twilio_hook(
        &s,
        "tw2",
        "inbound",
        &[
            ("MessageSid", "SMx1"),
            ("AccountSid", SID2),
            ("From", "+48600100300"),
            ("To", "+15005550007"),
            ("Body", "Pomocy"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(s.twilio_inbound("SMv1", "+48600100200", "vote five", TW_TOKEN).await.status(), 200);
    let two = wait_for_requests(&mock2, 1).await;
    let one = wait_for_requests(&mock, 1).await;
    assert_eq!(two.len(), 1);
    assert_eq!(one.len(), 1);
    let body = |r: &wiremock::Request| -> Vec<(String, String)> {
        url::form_urlencoded::parse(&r.body).into_owned().collect()
    };
    assert!(body(&two[0]).contains(&("Body".into(), "Odpiszemy wkrótce".into())), "{:?}", body(&two[0]));
    assert!(body(&two[0]).contains(&("To".into(), "+48600100300".into())));
    assert!(body(&one[0]).contains(&("Body".into(), "Great!".into())), "{:?}", body(&one[0]));
    // Both replies are in the ledger, each under its account.
    let sent: Value = s.get_api("/api/v1/messages?account=tw2").await.json().await.unwrap();
    assert_eq!(sent["messages"].as_array().unwrap().len(), 1);
    assert_eq!(sent["messages"][0]["to"], "+48600100300");
    s.stop().await;
}

/// Two server instances on one SQLite file, each given the same client_ref at the same moment
/// (the operator answers in 300 ms, so both requests are in flight together): the key is
/// claimed in the shared ledger, so exactly one request reaches the operator; the other is
/// refused as in progress, and a repeat on either instance answers the one send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_client_ref_on_two_instances_sends_once() {
    let dir = std::env::temp_dir().join(format!("bramka-serve-claim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["bramka.db", "bramka.ledger.db"] {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{f}{ext}")));
        }
    }
    let mock = slow_twilio_mock(std::time::Duration::from_millis(300)).await;
    let toml = acceptance(&mock.address().to_string(), "")
        .replace("storage = \"memory:\"", &format!("storage = \"sqlite:{}/bramka.db\"", dir.display()));
    let a = Running::start(&toml).await;
    let b = Running::start(&toml).await;
    let req = json!({"account": "tw", "to": "+48600100200", "text": "Faktura 17", "client_ref": "inv17"});
    let (ra, rb) = tokio::join!(
        post_api(&a, "/api/v1/messages", req.clone()),
        post_api(&b, "/api/v1/messages", req.clone())
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort_unstable();
    let bodies = [ra.text().await.unwrap(), rb.text().await.unwrap()];
    assert_eq!(statuses, [201, 409], "one sends, the other is told it is in progress: {bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("in progress")), "{bodies:?}");
    assert_eq!(mock.received_requests().await.unwrap().len(), 1, "exactly one send to the operator");
    // Afterwards either instance answers the recorded send, and still sends nothing.
    for s in [&a, &b] {
        let again = post_api(s, "/api/v1/messages", req.clone()).await;
        assert_eq!(again.status(), 200);
        assert_eq!(again.json::<Value>().await.unwrap()["duplicate"], true);
    }
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
    // A request refused before any I/O (no such number) leaves its key free for a corrected one.
    let bad = json!({"account": "tw", "to": "not a number", "text": "x", "client_ref": "inv18"});
    assert_eq!(post_api(&a, "/api/v1/messages", bad).await.status(), 400);
    let good = json!({"account": "tw", "to": "+48600100200", "text": "x", "client_ref": "inv18"});
    assert_eq!(post_api(&b, "/api/v1/messages", good).await.status(), 201);
    a.stop().await;
    b.stop().await;
}
