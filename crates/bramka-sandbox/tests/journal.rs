//! The journal: every message, its later state and callbacks, and every simulated inbound SMS
//! reach a `SandboxJournal` before the sandbox answers, and a new sandbox on the same journal
//! knows them again (over real HTTP on loopback).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bramka_sandbox::{
    CallbackUrls, Direction, JournalError, Operator, Received, Sandbox, SandboxConfig, SandboxJournal,
    SimState,
};
use serde_json::Value;

/// A journal in memory that counts its writes.
#[derive(Default)]
struct Journal {
    rows: Mutex<Vec<Received>>,
    writes: Mutex<usize>,
}

#[async_trait::async_trait]
impl SandboxJournal for Journal {
    async fn save(&self, r: &Received) -> Result<(), JournalError> {
        // Slower than memory, so an answer sent before the write would be seen here.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let mut rows = self.rows.lock().unwrap();
        rows.retain(|m| (m.operator, &m.message_id) != (r.operator, &r.message_id));
        rows.push(r.clone());
        *self.writes.lock().unwrap() += 1;
        Ok(())
    }
    async fn load(&self) -> Result<Vec<Received>, JournalError> {
        let mut rows = self.rows.lock().unwrap().clone();
        rows.sort_by_key(|m| m.seq);
        Ok(rows)
    }
}

async fn serve(sb: &Sandbox) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let router = sb.router();
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    url
}

fn config() -> SandboxConfig {
    // A callback URL nobody listens on: the attempt is still recorded (status unreachable).
    let mut urls = CallbackUrls::default();
    urls.smsapi_dlr = Some("http://127.0.0.1:9/dlr".into());
    SandboxConfig::default().delivery_delay(None).callbacks(urls)
}

async fn send(c: &reqwest::Client, url: &str, to: &str, idx: &str) -> Value {
    c.post(format!("{url}/sandbox/smsapi/sms.do"))
        .form(&[
            ("to", to),
            ("message", "Zażółć"),
            ("from", "Shop"),
            ("idx", idx),
            ("check_idx", "1"),
            ("format", "json"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_received_is_journaled_before_the_answer_and_restored() {
    let journal = Arc::new(Journal::default());
    let sb = Sandbox::with_journal(config(), journal.clone());
    assert_eq!(sb.restore().await.unwrap(), 0);
    let url = serve(&sb).await;
    let c = reqwest::Client::new();
    let v = send(&c, &url, "48500100200", "k1").await;
    let id = v["list"][0]["id"].as_str().unwrap().to_owned();
    // Answered only once written: the journal already holds it.
    let saved = journal.load().await.unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!((saved[0].message_id.as_str(), saved[0].state), (id.as_str(), SimState::Queued));
    assert_eq!((saved[0].encoding.as_str(), saved[0].parts), ("UCS-2", 1));

    sb.deliver(Operator::Smsapi, &id, Some("undelivered")).await.unwrap();
    let inbound = sb.receive(Operator::Smsapi, "48500100200", "Shop", "STOP").await;
    let saved = journal.load().await.unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[0].state, SimState::Undelivered);
    assert_eq!(saved[0].callbacks.len(), 1, "the report attempt is kept: {:?}", saved[0].callbacks);
    assert_eq!(saved[0].callbacks[0].status, None, "nobody listens on port 9");
    assert_eq!(saved[1].direction, Direction::Inbound);
    assert_eq!((saved[1].message_id.as_str(), saved[1].state), (inbound.as_str(), SimState::Received));
    assert_eq!(sb.recorded().await.unwrap(), sb.messages(), "the journal and memory agree, newest first");

    // A new sandbox on the same journal (a restart).
    let again = Sandbox::with_journal(config(), journal.clone());
    assert_eq!(again.restore().await.unwrap(), 2);
    assert_eq!(again.messages(), sb.messages());
    let url = serve(&again).await;
    let v = send(&c, &url, "48500100201", "k1").await;
    assert_eq!(v["error"], 53, "the idx of the earlier run is known: {v}");
    let v = send(&c, &url, "48500100201", "k2").await;
    let new_id = v["list"][0]["id"].as_str().unwrap().to_owned();
    assert!(new_id != id && new_id != inbound, "ids after a restart do not collide with earlier ones");
    let all = again.messages();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].seq, 3, "seq continues");
    assert_eq!(journal.load().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_sandbox_without_journal_restores_nothing_and_reads_memory() {
    let sb = Sandbox::new(SandboxConfig::default().delivery_delay(None));
    assert_eq!(sb.restore().await.unwrap(), 0);
    sb.receive(Operator::Twilio, "+48500100200", "+15005550006", "hi").await;
    let list = sb.recorded().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].direction, list[0].state), (Direction::Inbound, SimState::Received));
}
