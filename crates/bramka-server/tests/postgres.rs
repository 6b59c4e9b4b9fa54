//! `storage = "postgres://…"` on a real PostgreSQL the test starts itself (bramka-pgtest; the
//! test fails with install instructions when the server binaries are missing): votes, sends,
//! delivery reports, suppressions, poll definitions and hook secrets land in PostgreSQL and are
//! there for a second instance.

mod common;

use bramka_server::{Server, Settings};
use common::*;
use serde_json::{Value, json};

async fn start(toml: &str) -> Running {
    let settings = Settings::from_toml("bramka.toml", toml, env()).expect("valid config");
    let server = Server::open(settings).await.expect("server on PostgreSQL");
    Running::serve(server).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgres_database() {
    let db = bramka_pgtest::database();
    let dir = std::env::temp_dir().join(format!("bramka-serve-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mock = twilio_mock().await;
    let toml = acceptance(&mock.address().to_string(), "[accounts.sa]\ndsn = \"smsapi://token@default\"")
        .replace(
            "storage = \"memory:\"",
            &format!("storage = \"{}\"\ndefinitions = \"{}/defs.db\"", db.url(), dir.display()),
        );
    // Without Server::open a PostgreSQL storage is refused with a message, not a panic.
    let settings = Settings::from_toml("bramka.toml", &toml, env()).unwrap();
    assert!(Server::new(settings).unwrap_err().to_string().contains("Server::open"));

    let a = start(&toml).await;
    assert_eq!(a.twilio_inbound("SMpg1", "+48600100200", "vote five", TW_TOKEN).await.status(), 200);
    assert_eq!(a.twilio_inbound("SMpg1", "+48600100200", "vote five", TW_TOKEN).await.status(), 200);
    assert_eq!(a.twilio_inbound("SMpg2", "+48600100201", "STOP", TW_TOKEN).await.status(), 200);
    let sent = a
        .client
        .post(a.url("/api/v1/messages"))
        .bearer_auth(API_TOKEN)
        .json(&json!({"account": "tw", "to": "+48600100202", "text": "Hello", "client_ref": "pg1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let poll = json!({"id": "colour", "name": "Colour", "number": "+15005550006", "prefix": "COLOUR",
        "options": [{"code": "R", "aliases": ["red"]}]});
    let created =
        a.client.post(a.url("/api/v1/polls")).bearer_auth(API_TOKEN).json(&poll).send().await.unwrap();
    assert_eq!(created.status(), 201);

    // A second instance on the same database sees everything and de-duplicates across both.
    let b = start(&toml).await;
    // Definitions and generated hook secrets are shared: b lists a's new poll and answers the same
    // hook URL; nothing went to the SQLite definitions file (none existed, so none was imported).
    let list: Value = b.get_api("/api/v1/polls").await.json().await.unwrap();
    let ids: Vec<&str> =
        list["polls"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["rating", "colour"]);
    let secret_url = |r: &Running| r.hooks.iter().find(|h| h.account == "sa").unwrap().inbound.clone();
    assert_eq!(secret_url(&a), secret_url(&b));
    assert!(!dir.join("defs.db").exists());
    assert_eq!(b.twilio_inbound("SMpg1", "+48600100200", "vote five", TW_TOKEN).await.status(), 200);
    let stats: Value = b.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 1);
    let again = b
        .client
        .post(b.url("/api/v1/messages"))
        .bearer_auth(API_TOKEN)
        .json(&json!({"account": "tw", "to": "+48600100202", "text": "Hello", "client_ref": "pg1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "the client_ref is known to the shared ledger");
    let supp: Value = b.get_api("/api/v1/suppressions").await.json().await.unwrap();
    assert_eq!(supp["suppressions"][0]["number"], "+48600100201");
    let state: Value = b.get_api("/api/v1/messages/pg1").await.json().await.unwrap();
    assert_eq!(state["recipients"][0]["state"], "accepted");
    let to_operator = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| url::form_urlencoded::parse(&r.body).any(|(k, v)| k == "Body" && v == "Hello"))
        .count();
    assert_eq!(to_operator, 1);
    a.stop().await;
    b.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_links_live_in_postgres_and_clicks_on_either_instance_count() {
    let db = bramka_pgtest::database();
    let dir = std::env::temp_dir().join(format!("bramka-serve-pg-links-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mock = twilio_mock().await;
    let extra = format!(
        "\n[accounts.short]\ndsn = \"twilio://{SID}:${{TWILIO_AUTH_TOKEN}}@{}?from=%2B15005550006\"\nshorten_links = true\n",
        mock.address()
    );
    let toml = acceptance(&mock.address().to_string(), &extra).replace(
        "storage = \"memory:\"",
        &format!("storage = \"{}\"\ndefinitions = \"{}/defs.db\"", db.url(), dir.display()),
    );
    let a = start(&toml).await;
    let sent: Value = a
        .client
        .post(a.url("/api/v1/messages"))
        .bearer_auth(API_TOKEN)
        .json(&json!({"account": "short", "to": "+48600100202", "text": "See https://shop.example.com/o/1?x=1", "client_ref": "pglink"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = sent["text"].as_str().unwrap();
    let code = text.rsplit("/s/").next().unwrap().to_owned();
    assert!(text.starts_with("See http://127.0.0.1:8025/s/") && code.len() == 9, "{text}");
    let b = start(&toml).await;
    let web = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for s in [&a, &b, &b] {
        let r = web.get(s.url(&format!("/s/{code}"))).send().await.unwrap();
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()["location"], "https://shop.example.com/o/1?x=1");
    }
    let links: Value = a.get_api("/api/v1/links?client_ref=pglink").await.json().await.unwrap();
    assert_eq!(links["links"][0]["clicks"], 3, "{links}");
    assert_eq!(links["links"][0]["recipient"], "+48600100202");
    a.stop().await;
    b.stop().await;
    std::fs::remove_dir_all(&dir).ok();
}

/// Two instances on one PostgreSQL database, each given the same client_ref at the same moment
/// (the operator answers in 300 ms, so both requests are in flight together): the key is claimed
/// in the shared ledger, so exactly one request reaches the operator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_client_ref_on_two_postgres_instances_sends_once() {
    let db = bramka_pgtest::database();
    let dir = std::env::temp_dir().join(format!("bramka-serve-pg-claim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mock = slow_twilio_mock(std::time::Duration::from_millis(300)).await;
    let toml = acceptance(&mock.address().to_string(), "").replace(
        "storage = \"memory:\"",
        &format!("storage = \"{}\"\ndefinitions = \"{}/defs.db\"", db.url(), dir.display()),
    );
    let (a, b) = (start(&toml).await, start(&toml).await);
    let req = json!({"account": "tw", "to": "+48600100200", "text": "Faktura 17", "client_ref": "inv17"});
    let post =
        |s: &Running| s.client.post(s.url("/api/v1/messages")).bearer_auth(API_TOKEN).json(&req).send();
    let (ra, rb) = tokio::join!(post(&a), post(&b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "one sends, the other is told it is in progress");
    assert_eq!(mock.received_requests().await.unwrap().len(), 1, "exactly one send to the operator");
    let again = post(&b).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["duplicate"], true);
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
    a.stop().await;
    b.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Call-flow state and background campaigns in PostgreSQL: a call reaching two instances at once
/// is texted once, a delayed call accepted by a stopped instance is sent once by the other, and a
/// campaign started on one instance runs to the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_and_campaigns_across_instances_on_postgres() {
    let db = bramka_pgtest::database();
    let dir = std::env::temp_dir().join(format!("bramka-serve-pg-jobs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mock = twilio_mock().await;
    let flows = r#"
[[flows]]
label = "missed"
account = "tw"
template = "Missed {call_id}"
to_caller = true
once_per_call = true

[[flows]]
label = "later"
account = "tw"
template = "Later {call_id}"
recipients = "+48600100299"
delay_seconds = 1
once_per_call = true
"#;
    let toml = acceptance(&mock.address().to_string(), flows).replace(
        "storage = \"memory:\"",
        &format!("storage = \"{}\"\ndefinitions = \"{}/defs.db\"", db.url(), dir.display()),
    );
    let texts = |m: Vec<wiremock::Request>, want: &str| {
        m.iter()
            .filter(|r| url::form_urlencoded::parse(&r.body).any(|(k, v)| k == "Body" && v == want))
            .count()
    };
    let call = |id: &str| json!({"call_id": id, "caller": "+48600100200", "called": "+15005550006"});
    let a = start(&toml).await;
    let b = start(&toml).await;
    let post =
        |s: &Running, p: &str, v: Value| s.client.post(s.url(p)).bearer_auth(API_TOKEN).json(&v).send();
    let (x, y) = tokio::join!(
        post(&a, "/api/v1/flows/missed/calls", call("p1")),
        post(&b, "/api/v1/flows/missed/calls", call("p1"))
    );
    let (x, y): (Value, Value) = (x.unwrap().json().await.unwrap(), y.unwrap().json().await.unwrap());
    assert_eq!(u8::from(x["duplicate"] == true) + u8::from(y["duplicate"] == true), 1, "{x} {y}");
    assert_eq!(post(&a, "/api/v1/flows/later/calls", call("p2")).await.unwrap().status(), 202);
    a.stop().await;
    let c = start(&toml).await; // takes the waiting call up
    let r = post(
        &b,
        "/api/v1/campaigns",
        json!({"name": "pg", "account": "tw", "text": "Kampania pg",
        "to": ["+48600100401", "+48600100402", "+48600100403"], "chunk_size": 1}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 202);
    let mut state = Value::Null;
    for _ in 0..200 {
        let p: Value = c.get_api("/api/v1/campaigns/pg/progress").await.json().await.unwrap();
        state = p["progress"].clone();
        let later = texts(mock.received_requests().await.unwrap(), "Later p2");
        if state["state"] == "done" && later == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((state["state"].as_str(), state["sent"].as_u64()), (Some("done"), Some(3)), "{state}");
    let got = mock.received_requests().await.unwrap();
    assert_eq!(texts(got.clone(), "Missed p1"), 1);
    assert_eq!(texts(got.clone(), "Later p2"), 1);
    assert_eq!(texts(got, "Kampania pg"), 3);
    b.stop().await;
    c.stop().await;
}

/// With PostgreSQL storage the sandbox's record is in the ledger's PostgreSQL tables and
/// survives a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_record_is_in_postgres_and_survives_a_restart() {
    let db = bramka_pgtest::database();
    let dir = std::env::temp_dir().join(format!("bramka-serve-pg-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = format!(
        "[server]\nstorage = \"{}\"\ndefinitions = \"{}/defs.db\"\napi_tokens = [\"${{BRAMKA_API_TOKEN}}\"]\n[sandbox]\ndelivery_delay_ms = \"manual\"\nsmsapi_senders = [\"Shop\"]\n",
        db.url(),
        dir.display()
    );
    let id = sandbox_record_survives_a_restart(&toml).await;
    let ledger = bramka_ledger::PostgresStore::connect(db.url()).await.unwrap();
    let rows = bramka_ledger::Store::sandbox_messages(&ledger).await.unwrap();
    assert_eq!(rows.len(), 3);
    let row = rows.iter().find(|m| m.message_id == id).unwrap();
    assert_eq!((row.operator.as_str(), row.state.as_str()), ("smsapi", "undelivered"));
    let _ = std::fs::remove_dir_all(&dir);
}
