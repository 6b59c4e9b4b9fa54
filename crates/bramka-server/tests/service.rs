//! End to end through real HTTP on 127.0.0.1: operator webhooks into polls, replies to a wiremock
//! Twilio, the API's answers, and the security rules.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_twilio_vote_counted_once_replied_once() {
    let mock = twilio_mock().await;
    let host = mock.address().to_string();
    let s = Running::start(&acceptance(&host, "")).await;

    let health = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(s.client.get(s.url("/readyz")).send().await.unwrap().status(), 200);

    let first = s.twilio_inbound("SM1", "+48600100200", "vote five", TW_TOKEN).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers()["content-type"].to_str().unwrap().contains("xml"));
    assert!(first.text().await.unwrap().contains("<Response"));
    // The same webhook delivered twice: counted once.
    assert_eq!(s.twilio_inbound("SM1", "+48600100200", "vote five", TW_TOKEN).await.status(), 200);
    // Signed with the wrong token: refused, not counted.
    assert_eq!(s.twilio_inbound("SM2", "+48600100201", "vote one", "wrong-token").await.status(), 403);
    // No signature at all: refused.
    let unsigned = s
        .client
        .post(s.url("/hooks/tw/inbound"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("MessageSid=SM3&From=%2B48600100202&To=%2B15005550006&Body=vote+one")
        .send()
        .await
        .unwrap();
    assert!(unsigned.status() == 401 || unsigned.status() == 403, "{}", unsigned.status());

    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 1);
    assert_eq!(
        stats["options"],
        json!([{"code": "1", "count": 0, "percent": "0.00"}, {"code": "5", "count": 1, "percent": "100.00"}])
    );
    assert_eq!(stats["poll"], "rating");
    assert_eq!(stats["name"], "Shop rating");

    let unauth = s.client.get(s.url("/api/v1/polls/rating/stats")).send().await.unwrap();
    assert_eq!(unauth.status(), 401);
    let body: Value = unauth.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    // The reply goes out once, through the account, to the voter, with the option's text.
    let sent = wait_for_requests(&mock, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent_after = mock.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent_after.len(), 1, "the duplicate webhook must not cause a second reply");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&sent[0].body).into_owned().collect();
    assert!(form.contains(&("To".into(), "+48600100200".into())), "{form:?}");
    assert!(form.contains(&("Body".into(), "Great!".into())), "{form:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsapi_and_infobip_through_secret_paths() {
    let mock = twilio_mock().await;
    let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
    let sa = s.hook("sa", "inbound");
    let secret = sa.split('/').nth_back(1).unwrap().to_owned();
    assert_eq!(secret.len(), 32, "{sa}");

    let smsapi = |id: &str, from: &str, text: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("sms_from", from),
                ("sms_to", "15005550006"),
                ("sms_text", text),
                ("sms_date", "1780300800"),
                ("MsgId", id),
            ])
            .finish()
    };
    let post = |url: String, ct: &'static str, body: String| {
        let c = s.client.clone();
        async move { c.post(url).header("content-type", ct).body(body).send().await.unwrap() }
    };
    let form = "application/x-www-form-urlencoded";
    let ok = post(sa.clone(), form, smsapi("sa-1", "48600100300", "VOTE 1")).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "OK");
    assert_eq!(post(sa.clone(), form, smsapi("sa-1", "48600100300", "VOTE 1")).await.status(), 200);
    // Wrong or missing secret: 404, like an unknown route.
    let wrong = sa.replace(&secret, "x".repeat(32).as_str());
    assert_eq!(post(wrong, form, smsapi("sa-2", "48600100301", "VOTE 1")).await.status(), 404);
    assert_eq!(
        post(s.url("/hooks/sa/inbound"), form, smsapi("sa-3", "48600100302", "VOTE 1")).await.status(),
        404
    );

    let infobip = json!({"results": [{"messageId": "ib-1", "from": "48600100400", "to": "15005550006",
        "text": "VOTE five", "cleanText": "five", "keyword": "VOTE", "receivedAt": "2026-05-01T10:00:00.000+0000", "smsCount": 1}],
        "messageCount": 1, "pendingMessageCount": 0});
    let ib = post(s.hook("ib", "inbound"), "application/json", infobip.to_string()).await;
    assert_eq!(ib.status(), 200, "{:?}", ib.text().await);
    // Outside the allow-list (10.0.0.0/8; the test calls from 127.0.0.1): refused.
    assert_eq!(
        post(s.hook("far", "inbound"), form, smsapi("far-1", "48600100500", "VOTE 1")).await.status(),
        403
    );

    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 2);
    assert_eq!(stats["options"][0]["count"], 1);
    assert_eq!(stats["options"][1]["count"], 1);
    assert_eq!(stats["options"][0]["percent"], "50.00");

    // Inbox search and reports.
    let page: Value = s.get_api("/api/v1/inbox?poll=rating&from=%2B48600100300").await.json().await.unwrap();
    let msgs = page["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["text"], "VOTE 1");
    let daily: Value = s.get_api("/api/v1/reports/daily?tz=UTC").await.json().await.unwrap();
    // SMSAPI's sms_date 1780300800 is 2026-06-01T08:00Z; Infobip's receivedAt 2026-05-01.
    assert_eq!(daily["days"], json!([{"day": "2026-05-01", "count": 1}, {"day": "2026-06-01", "count": 1}]));
    let csv = s.get_api("/api/v1/polls/rating/stats.csv").await;
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.contains("50.00"), "{text}");
    let bad = s.get_api("/api/v1/inbox?poll=rating&inbox=x").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"]["code"], "invalid");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_crud_through_the_api() {
    let mock = twilio_mock().await;
    let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
    let new_poll = json!({"id": "colour", "name": "Colour", "number": "+15005550006", "prefix": "COLOUR",
        "options": [{"code": "R", "aliases": ["red"]}, {"code": "G", "aliases": ["green"]}]});
    let created =
        s.client.post(s.url("/api/v1/polls")).bearer_auth(API_TOKEN).json(&new_poll).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let again =
        s.client.post(s.url("/api/v1/polls")).bearer_auth(API_TOKEN).json(&new_poll).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["code"], "conflict");
    let mut bad = new_poll.clone();
    bad["id"] = json!("other");
    bad["options"][0]["reply"] = json!("");
    let refused =
        s.client.post(s.url("/api/v1/polls")).bearer_auth(API_TOKEN).json(&bad).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let msg = refused.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_owned();
    assert!(msg.starts_with("poll.options[0].reply: is empty"), "{msg}");

    let list: Value = s.get_api("/api/v1/polls").await.json().await.unwrap();
    let ids: Vec<&str> =
        list["polls"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["rating", "colour"]);

    // The new poll routes votes at once.
    let sa = s.hook("sa", "inbound");
    let vote = |id: &str, text: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("sms_from", "48600100600"),
                ("sms_to", "15005550006"),
                ("sms_text", text),
                ("sms_date", "1780300800"),
                ("MsgId", id),
            ])
            .finish()
    };
    let r = s
        .client
        .post(&sa)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vote("c-1", "colour green"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats: Value = s.get_api("/api/v1/polls/colour/stats").await.json().await.unwrap();
    assert_eq!(stats["options"][1], json!({"code": "G", "count": 1, "percent": "100.00"}));

    // Edit, then close: a later vote is outside the window and not counted.
    let mut edited = new_poll.clone();
    edited["name"] = json!("Favourite colour");
    let put = s
        .client
        .put(s.url("/api/v1/polls/colour"))
        .bearer_auth(API_TOKEN)
        .json(&edited)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(
        s.get_api("/api/v1/polls/colour").await.json::<Value>().await.unwrap()["name"],
        "Favourite colour"
    );
    let closed =
        s.client.post(s.url("/api/v1/polls/colour/close")).bearer_auth(API_TOKEN).send().await.unwrap();
    assert_eq!(closed.status(), 200);
    // Its receive time (sms_date) is before the close: use a later one.
    let late = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("sms_from", "48600100601"),
            ("sms_to", "15005550006"),
            ("sms_text", "colour red"),
            ("MsgId", "c-2"),
        ])
        .finish();
    let r = s
        .client
        .post(&sa)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(late)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats: Value = s.get_api("/api/v1/polls/colour/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 1);
    assert_eq!(stats["open"], false);
    assert_eq!(stats["answers"]["outside_window"], 1);
    assert_eq!(s.get_api("/api/v1/polls/nope").await.status(), 404);
    s.stop().await;
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "rating")
        .replace("{account}", "tw")
        .replace("{client_ref}", "none")
        .replace("{name}", "none")
        .replace("{label}", "none")
        .replace("{call_id}", "none")
        .replace("{number}", "%2B48600100200")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_every_route_and_every_route_needs_a_token() {
    let mock = twilio_mock().await;
    let s = Running::start(&acceptance(&mock.address().to_string(), "")).await;
    let doc: Value = s.get_api("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{}", paths.len());
    for want in [
        "/api/v1/polls",
        "/api/v1/polls/{id}/stats",
        "/api/v1/inbox",
        "/api/v1/reports/daily",
        "/api/v1/accounts/{account}/balance",
        "/api/v1/messages",
        "/api/v1/messages.csv",
        "/api/v1/messages/{client_ref}",
        "/api/v1/campaigns",
        "/api/v1/suppressions",
        "/api/v1/suppressions/{number}",
        "/api/v1/numbers",
        "/api/v1/numbers/{number}",
        "/api/v1/flows",
        "/api/v1/flows/{label}/calls",
    ] {
        assert!(paths.contains_key(want), "{want} missing");
    }
    let wrong = "wrong-token-0123456789abcdef";
    for (p, ops) in paths {
        for (m, op) in ops.as_object().unwrap() {
            assert_eq!(op["security"], json!([{"bearer": []}]), "{m} {p}");
            let url = s.url(&concrete(p));
            let req = |tok: Option<&str>| {
                let b = match m.as_str() {
                    "get" => s.client.get(&url),
                    "post" => s.client.post(&url),
                    "put" => s.client.put(&url),
                    "delete" => s.client.delete(&url),
                    other => panic!("method {other}"),
                };
                match tok {
                    Some(t) => b.bearer_auth(t),
                    None => b,
                }
            };
            assert_eq!(req(None).send().await.unwrap().status(), 401, "{m} {p} without a token");
            assert_eq!(req(Some(wrong)).send().await.unwrap().status(), 401, "{m} {p} with a wrong token");
            // With the token the route exists: 200, or the handler's own 404 (nothing by that
            // name), never the fallback's.
            if m == "get" && !p.contains("balance") {
                let r = req(Some(API_TOKEN)).send().await.unwrap();
                let status = r.status();
                let body = r.text().await.unwrap();
                assert!(
                    status == 200 || (status == 404 && !body.contains("no such API route")),
                    "{m} {p} with the token: {status} {body}"
                );
            }
        }
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_is_refused_with_413() {
    let mock = twilio_mock().await;
    let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
    let big = "a".repeat(70 * 1024);
    let r = s
        .client
        .post(s.hook("sa", "inbound"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("sms_text={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_seeds_once_then_the_store_wins() {
    let dir = std::env::temp_dir().join(format!("bramka-server-test-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("b.db");
    let _ = std::fs::remove_file(&db);
    let mock = twilio_mock().await;
    let cfg =
        acceptance(&mock.address().to_string(), "").replace("memory:", &format!("sqlite:{}", db.display()));

    let s = Running::start(&cfg).await;
    let secret_before = s.hooks.clone();
    assert_eq!(s.twilio_inbound("SMa", "+48600100200", "vote one", TW_TOKEN).await.status(), 200);
    let mut p: Value = s.get_api("/api/v1/polls/rating").await.json().await.unwrap();
    p["name"] = json!("Edited in the API");
    assert_eq!(
        s.client
            .put(s.url("/api/v1/polls/rating"))
            .bearer_auth(API_TOKEN)
            .json(&p)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.stop().await;

    // Restart with the file's poll renamed: the store's version wins, votes are still there.
    let s = Running::start(&cfg.replace("Shop rating", "Renamed in the file")).await;
    assert_eq!(s.hooks, secret_before);
    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["name"], "Edited in the API");
    assert_eq!(stats["total"], 1);
    assert_eq!(s.twilio_inbound("SMa", "+48600100200", "vote one", TW_TOKEN).await.status(), 200);
    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 1, "a retry after a restart is still counted once");
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_through_the_api_route_messages_at_once() {
    let mock = twilio_mock().await;
    let s = Running::start(&acceptance(&mock.address().to_string(), "")).await;
    let send = |method: reqwest::Method, p: &str, body: Option<Value>| {
        let mut b = s.client.request(method, s.url(p)).bearer_auth(API_TOKEN);
        if let Some(v) = body {
            b = b.json(&v);
        }
        b.send()
    };
    let list: Value = s.get_api("/api/v1/numbers").await.json().await.unwrap();
    assert_eq!(list["numbers"][0]["number"], "+15005550006", "seeded from the file");

    // A dedicated number with a prefix route and an auto-reply, sending through "tw".
    let def = json!({"number": "+15005550009", "kind": "dedicated", "account": "tw", "inbox": "office",
        "auto_reply": "Dziękujemy", "routes": [{"prefix": "SERWIS", "inbox": "service"}]});
    let r = send(reqwest::Method::POST, "/api/v1/numbers", Some(def.clone())).await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(send(reqwest::Method::POST, "/api/v1/numbers", Some(def)).await.unwrap().status(), 409);
    let bad = json!({"number": "+15005550010", "account": "nope"});
    let r = send(reqwest::Method::POST, "/api/v1/numbers", Some(bad)).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("no account named \\\"nope\\\""));

    // A message to the new number is routed by its prefix, at once.
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("MessageSid", "SMn1"),
            ("AccountSid", SID),
            ("From", "+48600100200"),
            ("To", "+15005550009"),
            ("Body", "serwis pralka"),
        ])
        .finish();
    let sig =
        bramka::twilio::signature::sign_for_test(TW_TOKEN, "http://127.0.0.1:8025/hooks/tw/inbound", &form);
    let r = s
        .client
        .post(s.url("/hooks/tw/inbound"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", sig)
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = s.get_api("/api/v1/inbox?inbox=service").await.json().await.unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
    let sent = wait_for_requests(&mock, 1).await;
    let body: Vec<(String, String)> = url::form_urlencoded::parse(&sent[0].body).into_owned().collect();
    assert!(body.contains(&("Body".into(), "Dziękujemy".into())), "{body:?}");

    // Replace: the route changes; the path and the body must agree.
    let new = json!({"number": "+15005550009", "kind": "dedicated", "account": "tw", "inbox": "office"});
    let r = send(reqwest::Method::PUT, "/api/v1/numbers/%2B15005550009", Some(new)).await.unwrap();
    assert_eq!(r.status(), 200);
    let other = json!({"number": "+15005550001"});
    let r = send(reqwest::Method::PUT, "/api/v1/numbers/%2B15005550009", Some(other)).await.unwrap();
    assert_eq!(r.status(), 400);
    let list: Value = s.get_api("/api/v1/numbers").await.json().await.unwrap();
    assert_eq!(list["numbers"][1].get("routes"), None);

    // The poll's number cannot go; the new one can, once.
    let r = send(reqwest::Method::DELETE, "/api/v1/numbers/%2B15005550006", None).await.unwrap();
    assert_eq!(r.status(), 409);
    let r = send(reqwest::Method::DELETE, "/api/v1/numbers/%2B15005550009", None).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = send(reqwest::Method::DELETE, "/api/v1/numbers/%2B15005550009", None).await.unwrap();
    assert_eq!(r.status(), 404);
    let list: Value = s.get_api("/api/v1/numbers").await.json().await.unwrap();
    assert_eq!(list["numbers"].as_array().unwrap().len(), 1);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_send_once_per_call_through_their_account() {
    let mock = twilio_mock().await;
    let extra = r#"
[[flows]]
label = "missed"
account = "tw"
template = "We missed your call {call_id}; we will call back."
to_caller = true
once_per_call = true

[[flows]]
label = "later"
template = "Later"
recipients = "+48600100299"
delay_seconds = 3600
"#;
    let s = Running::start(&acceptance(&mock.address().to_string(), extra)).await;
    let call = json!({"call_id": "c42", "caller": "+48600100200", "called": "+15005550006"});
    let post = |p: &str, v: Value| s.client.post(s.url(p)).bearer_auth(API_TOKEN).json(&v).send();
    let r = post("/api/v1/flows/missed/calls", call.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let rec: Value = r.json().await.unwrap();
    assert_eq!(rec["sent"], true, "{rec}");
    assert_eq!(rec["text"], "We missed your call c42; we will call back.");
    assert_eq!(rec["recipients"], json!(["+48600100200"]));
    // The call passes the element again: nothing more is sent.
    let again: Value = post("/api/v1/flows/missed/calls", call).await.unwrap().json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    let sent = mock.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    let body: Vec<(String, String)> = url::form_urlencoded::parse(&sent[0].body).into_owned().collect();
    assert!(
        body.contains(&("Body".into(), "We missed your call c42; we will call back.".into())),
        "{body:?}"
    );
    // Recorded in the ledger and in the flow's history.
    let ledger: Value = s.get_api("/api/v1/messages?to=%2B48600100200").await.json().await.unwrap();
    assert_eq!(ledger["messages"][0]["state"], "accepted");
    let hist: Value = s.get_api("/api/v1/flows/missed/calls/c42").await.json().await.unwrap();
    assert_eq!(hist["records"].as_array().unwrap().len(), 1);
    // A delayed element accepts the call and answers at once; unknown flows are 404.
    let r = post("/api/v1/flows/later/calls", json!({"call_id": "c43"})).await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["delay_seconds"], 3600);
    assert_eq!(post("/api/v1/flows/nope/calls", json!({"call_id": "c1"})).await.unwrap().status(), 404);
    let list: Value = s.get_api("/api/v1/flows").await.json().await.unwrap();
    assert_eq!(list["flows"].as_array().unwrap().len(), 2);
    s.stop().await;
}
