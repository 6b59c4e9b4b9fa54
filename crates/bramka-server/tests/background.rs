//! Work that outlives a request, through real HTTP on 127.0.0.1: a campaign running in the
//! background against a slow loopback operator (progress, pause, a server restart mid-way,
//! every recipient sent exactly once), and `[[flows]]` whose delays and once-per-call checks
//! survive a restart and are shared by two instances on one database.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use wiremock::MockServer;

/// A fresh SQLite path in a folder of its own.
fn db_path(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bramka-server-bg-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("b.db")
}

/// How many requests the operator got per recipient (`To`) with this text.
async fn sent_per_recipient(mock: &MockServer, text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in mock.received_requests().await.unwrap_or_default() {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&r.body).into_owned().collect();
        if form.iter().any(|(k, v)| k == "Body" && v == text)
            && let Some((_, to)) = form.iter().find(|(k, _)| k == "To")
        {
            *out.entry(to.clone()).or_insert(0) += 1;
        }
    }
    out
}

async fn progress(s: &Running, name: &str) -> Value {
    let r = s.get_api(&format!("/api/v1/campaigns/{name}/progress")).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["progress"].clone()
}

/// Polls the progress until `done(progress)` (at most 20 s).
async fn wait_progress(s: &Running, name: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..400 {
        let p = progress(s, name).await;
        if done(&p) {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("campaign {name} never got there: {}", progress(s, name).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_runs_in_the_background_and_survives_a_restart() {
    let mock = slow_twilio_mock(Duration::from_millis(150)).await;
    let db = db_path("campaign");
    let cfg =
        acceptance(&mock.address().to_string(), "").replace("memory:", &format!("sqlite:{}", db.display()));
    let to: Vec<String> = (0..12).map(|i| format!("+486001003{i:02}")).collect();
    let text = "Promocja w tle";
    let body = json!({"name": "autumn", "account": "tw", "text": text, "to": to, "chunk_size": 2});

    let s = Running::start(&cfg).await;
    // The request answers at once (12 recipients at 150 ms each take about 2 s).
    let started = std::time::Instant::now();
    let r =
        s.client.post(s.url("/api/v1/campaigns")).bearer_auth(API_TOKEN).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["location"], "/api/v1/campaigns/autumn");
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["campaign"], "autumn");
    assert_eq!(r["progress"]["state"], "running");
    assert_eq!(r["progress"]["total"], 12);
    assert!(started.elapsed() < Duration::from_millis(1500), "answered after {:?}", started.elapsed());

    // Progress moves while it runs.
    let p = wait_progress(&s, "autumn", |p| p["sent"].as_u64().unwrap() >= 2).await;
    assert_eq!(p["state"], "running");
    assert_eq!(
        p["sent"].as_u64().unwrap() + p["pending"].as_u64().unwrap() + p["failed"].as_u64().unwrap(),
        12
    );
    let list: Value = s.get_api("/api/v1/campaigns").await.json().await.unwrap();
    assert_eq!(list["campaigns"][0]["campaign"], "autumn");

    // Pause: it stops before its next request and stays paused.
    let paused =
        s.client.post(s.url("/api/v1/campaigns/autumn/pause")).bearer_auth(API_TOKEN).send().await.unwrap();
    assert_eq!(paused.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let at_pause = progress(&s, "autumn").await;
    assert_eq!(at_pause["state"], "paused");
    assert!(at_pause["pending"].as_u64().unwrap() > 0, "{at_pause}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(progress(&s, "autumn").await["sent"], at_pause["sent"], "nothing sent while paused");
    let again =
        s.client.post(s.url("/api/v1/campaigns/autumn/pause")).bearer_auth(API_TOKEN).send().await.unwrap();
    assert_eq!(again.status(), 409);
    let resumed =
        s.client.post(s.url("/api/v1/campaigns/autumn/resume")).bearer_auth(API_TOKEN).send().await.unwrap();
    assert_eq!(resumed.status(), 202);

    // Stop the server mid-way (after one more chunk), then start another on the same files.
    let before = at_pause["sent"].as_u64().unwrap();
    wait_progress(&s, "autumn", |p| p["sent"].as_u64().unwrap() >= before + 2).await;
    s.stop().await;
    let mid = sent_per_recipient(&mock, text).await.values().sum::<usize>();
    assert!(mid < 12, "the restart came too late to matter ({mid} sent)");

    let s = Running::start(&cfg).await;
    // A pause followed at once by a resume (before the run noticed the pause): it goes on.
    let pause =
        s.client.post(s.url("/api/v1/campaigns/autumn/pause")).bearer_auth(API_TOKEN).send().await.unwrap();
    assert_eq!(pause.status(), 200, "resumed after the restart");
    let resume =
        s.client.post(s.url("/api/v1/campaigns/autumn/resume")).bearer_auth(API_TOKEN).send().await.unwrap();
    assert_eq!(resume.status(), 202);
    let done = wait_progress(&s, "autumn", |p| p["state"] == "done").await;
    assert_eq!(done["sent"], 12, "{done}");
    assert_eq!(done["pending"], 0);
    assert_eq!(done["uncertain"], 0);
    let per = sent_per_recipient(&mock, text).await;
    assert_eq!(per.len(), 12, "{per:?}");
    assert!(per.values().all(|n| *n == 1), "every recipient exactly once: {per:?}");
    // Done is done: repeating the request sends nothing.
    let rerun =
        s.client.post(s.url("/api/v1/campaigns")).bearer_auth(API_TOKEN).json(&body).send().await.unwrap();
    assert_eq!(rerun.status(), 200);
    assert_eq!(rerun.json::<Value>().await.unwrap()["progress"]["state"], "done");
    s.stop().await;
}

const FLOWS: &str = r#"
[[flows]]
label = "missed"
account = "tw"
template = "We missed your call {call_id}"
to_caller = true
once_per_call = true

[[flows]]
label = "later"
account = "tw"
template = "Later for {call_id}"
recipients = "+48600100299"
delay_seconds = 2
once_per_call = true
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_delays_and_once_per_call_survive_a_restart_and_a_second_instance() {
    let mock = twilio_mock().await;
    let db = db_path("flows");
    let cfg = acceptance(&mock.address().to_string(), FLOWS)
        .replace("memory:", &format!("sqlite:{}", db.display()));
    let call = |id: &str| json!({"call_id": id, "caller": "+48600100200", "called": "+15005550006"});
    let post =
        |s: &Running, p: &str, v: Value| s.client.post(s.url(p)).bearer_auth(API_TOKEN).json(&v).send();

    let a = Running::start(&cfg).await;
    // A delayed call is accepted, then the server stops before the delay is over.
    let r = post(&a, "/api/v1/flows/later/calls", call("d1")).await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["duplicate"], false);
    // An immediate once-per-call SMS.
    let r = post(&a, "/api/v1/flows/missed/calls", call("c1")).await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["sent"], true);
    a.stop().await;
    assert_eq!(sent_per_recipient(&mock, "Later for d1").await.len(), 0, "stopped before the delay");

    // Two instances on the same database.
    let b = Running::start(&cfg).await;
    let c = Running::start(&cfg).await;
    // The same calls again, to either: nothing more is sent.
    let again: Value =
        post(&b, "/api/v1/flows/missed/calls", call("c1")).await.unwrap().json().await.unwrap();
    assert_eq!(again["duplicate"], true, "{again}");
    let again: Value = post(&c, "/api/v1/flows/later/calls", call("d1")).await.unwrap().json().await.unwrap();
    assert_eq!(again["duplicate"], true, "{again}");
    // One new call reaching both instances at once: one SMS.
    let (x, y) = tokio::join!(
        post(&b, "/api/v1/flows/missed/calls", call("c2")),
        post(&c, "/api/v1/flows/missed/calls", call("c2"))
    );
    let (x, y): (Value, Value) = (x.unwrap().json().await.unwrap(), y.unwrap().json().await.unwrap());
    assert_eq!([x["duplicate"] == true, y["duplicate"] == true].iter().filter(|d| **d).count(), 1, "{x} {y}");

    // The waiting call, taken up by both restarted instances, is sent once when due.
    for _ in 0..100 {
        if !sent_per_recipient(&mock, "Later for d1").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sent_per_recipient(&mock, "Later for d1").await,
        BTreeMap::from([("+48600100299".to_owned(), 1)])
    );
    assert_eq!(sent_per_recipient(&mock, "We missed your call c1").await.values().sum::<usize>(), 1);
    assert_eq!(sent_per_recipient(&mock, "We missed your call c2").await.values().sum::<usize>(), 1);
    b.stop().await;
    c.stop().await;
}
