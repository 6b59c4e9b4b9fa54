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
