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
