//! `storage = "postgres://…"` on a real PostgreSQL the test starts itself (bramka-pgtest; the
//! test fails with install instructions when the server binaries are missing): votes, sends,
//! delivery reports and suppressions land in PostgreSQL and are there for a second instance.

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
    let toml = acceptance(&mock.address().to_string(), "").replace(
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

    // A second instance on the same database sees everything and de-duplicates across both.
    let b = start(&toml).await;
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
