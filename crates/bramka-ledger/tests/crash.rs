//! Crash test: a child process sends a campaign through a loopback SMSAPI-like mock (which
//! refuses a repeated `idx` with error 53, as SMSAPI does with `check_idx=1`) and is killed with
//! SIGKILL at random moments; after `run_campaign` (resume) the mock has accepted every
//! recipient exactly once, and the ledger's states agree with the mock's records.
//!
//! The child is this test binary itself, running the ignored test `crash_child`.

#![cfg(all(unix, feature = "sqlite"))]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bramka_core::Message;
use bramka_ledger::{Ledger, Query, State};
use bramka_smsapi::{SmsapiConfig, SmsapiGateway};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const RECIPIENTS: usize = 120;
const CHUNK: usize = 10;
const RUNS: usize = 20;
const CLIENT_REF: &str = "crashtest";

/// What the mock accepted: `idx` → (operator id, times accepted).
#[derive(Clone, Default)]
struct DedupingSmsapi {
    accepted: Arc<Mutex<BTreeMap<String, (String, u32)>>>,
}

fn form(req: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&req.body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn json(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string(body)
}

impl Respond for DedupingSmsapi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let f = form(req);
        assert_eq!(f.get("check_idx").map(String::as_str), Some("1"));
        let idx: Vec<&str> = f["idx"].split('|').collect();
        let to: Vec<&str> = f["to"].split(',').collect();
        let mut acc = self.accepted.lock().unwrap();
        // Accepted (or refused) now; the answer arrives later, so a kill in between leaves the
        // child not knowing.
        let delay = Duration::from_millis(fastrand::u64(2..25));
        if idx.iter().any(|i| acc.contains_key(*i)) {
            return json(r#"{"error":53,"message":"Non-unique idx"}"#.into()).set_delay(delay);
        }
        let mut list = Vec::new();
        for (n, i) in to.iter().zip(&idx) {
            let id = format!("ID{}", acc.len() + 1);
            acc.insert((*i).to_owned(), (id.clone(), 1));
            list.push(format!(
                r#"{{"id":"{id}","points":0.16,"number":"{n}","status":"QUEUE","idx":"{i}"}}"#
            ));
        }
        json(format!(r#"{{"count":{},"list":[{}]}}"#, to.len(), list.join(","))).set_delay(delay)
    }
}

fn numbers() -> Vec<String> {
    (0..RECIPIENTS).map(|i| format!("+48600{i:06}")).collect()
}

fn gateway(url: &str) -> SmsapiGateway {
    SmsapiGateway::new(
        SmsapiConfig::builder("t0ken").base_url(url).sender("Sklep").batch_size(CHUNK).build().unwrap(),
    )
    .unwrap()
}

async fn run_campaign(db: &Path, url: &str) -> bramka_ledger::CampaignReport {
    let ledger = Ledger::open(db).unwrap();
    let mut b = Message::builder().text("Wiosenna wyprzedaż").sender("Sklep").client_ref(CLIENT_REF);
    for n in numbers() {
        b = b.to(n);
    }
    let msg = b.build().unwrap();
    ledger.create_campaign("spring", "shop", "smsapi", &msg, CHUNK).await.unwrap();
    ledger.run_campaign("spring", &gateway(url)).await.unwrap()
}

/// The child: runs (or resumes) the campaign until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by crash_kill_and_resume as a child process"]
async fn crash_child() {
    let db = PathBuf::from(std::env::var("BRAMKA_LEDGER_CRASH_DB").expect("set by the parent"));
    let url = std::env::var("BRAMKA_LEDGER_CRASH_URL").expect("set by the parent");
    run_campaign(&db, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_kill_and_resume() {
    let dir = std::env::temp_dir().join(format!("bramka-ledger-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut killed_mid_way = 0;
    let mut pending_seen = 0;
    for run in 0..RUNS {
        let server = MockServer::start().await;
        let mock = DedupingSmsapi::default();
        Mock::given(method("POST")).and(path("/sms.do")).respond_with(mock.clone()).mount(&server).await;
        let db = dir.join(format!("run{run}.db"));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        // One to three kills per run, at random moments.
        for _ in 0..fastrand::usize(1..=3) {
            let mut child = Command::new(&exe)
                .args(["--ignored", "--exact", "crash_child", "--test-threads", "1"])
                .env("BRAMKA_LEDGER_CRASH_DB", &db)
                .env("BRAMKA_LEDGER_CRASH_URL", server.uri())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            tokio::time::sleep(Duration::from_millis(fastrand::u64(20..400))).await;
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            let n = mock.accepted.lock().unwrap().len();
            if n > 0 && n < RECIPIENTS {
                killed_mid_way += 1;
            }
        }
        if let Ok(ledger) = Ledger::open(&db) {
            let left = ledger.entries(&Query::all().state(State::Pending)).await.unwrap();
            pending_seen += usize::from(!left.is_empty());
        }
        let report = run_campaign(&db, &server.uri()).await;
        assert!(report.is_complete(), "run {run}: {:?}", report.states);
        assert!(report.stopped.is_none(), "run {run}: {:?}", report.stopped);
        assert!(report.uncertain.is_empty(), "run {run}: a de-duplicating operator leaves nothing uncertain");
        assert_eq!(report.count(State::Accepted), RECIPIENTS as u64, "run {run}: {:?}", report.states);

        // The mock accepted exactly one key per recipient: as many keys as recipients, and every
        // entry's key among them, so no number was accepted under two keys (sent twice).
        let accepted = mock.accepted.lock().unwrap().clone();
        assert_eq!(accepted.len(), RECIPIENTS, "run {run}");
        let ledger = Ledger::open(&db).unwrap();
        let rows = ledger.entries(&Query::all().campaign("spring")).await.unwrap();
        assert_eq!(rows.len(), RECIPIENTS);
        for e in &rows {
            let key = format!("{}{}", e.client_ref, &e.to[1..]);
            let (id, times) = accepted.get(&key).unwrap_or_else(|| panic!("run {run}: {key} never accepted"));
            assert_eq!(*times, 1);
            assert_eq!(e.state, State::Accepted, "run {run}: {}", e.to);
            // Accepted in this run's answer: the ids agree; accepted before a kill and refused as
            // a duplicate now: the ledger has no id (SMSAPI does not repeat it).
            if let Some(op) = &e.operator_id {
                assert_eq!(op, id, "run {run}: {}", e.to);
            }
        }
        server.reset().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The kills must have landed mid-campaign often enough for the test to mean something.
    assert!(killed_mid_way >= RUNS / 4, "only {killed_mid_way} kills landed mid-campaign");
    eprintln!("{killed_mid_way} kills mid-campaign; {pending_seen} runs left entries pending at a kill");
}
