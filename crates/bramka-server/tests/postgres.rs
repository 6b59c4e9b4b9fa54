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
}
