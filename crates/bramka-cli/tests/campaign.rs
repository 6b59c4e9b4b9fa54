//! `bramka send --to-file --campaign NAME --ledger PATH` as a process against a wiremock SMSAPI
//! that de-duplicates by `idx`: interrupted by a failure that may have sent a chunk, then rerun
//! as a user would; every recipient is accepted exactly once.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "smsapi-Secret-Tok3n";

/// Accepts each `idx` once (error 53 for a repeat); the second request of the first run is
/// accepted but answered 500, so the client cannot know.
#[derive(Clone, Default)]
struct Smsapi {
    accepted: Arc<Mutex<BTreeMap<String, u32>>>,
    requests: Arc<Mutex<Vec<String>>>,
    fail_request: Arc<Mutex<Option<usize>>>,
}

impl Respond for Smsapi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let f: BTreeMap<String, String> =
            url::form_urlencoded::parse(&req.body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let idx: Vec<&str> = f["idx"].split('|').collect();
        let to: Vec<&str> = f["to"].split(',').collect();
        let mut reqs = self.requests.lock().unwrap();
        reqs.push(f["to"].clone());
        let mut acc = self.accepted.lock().unwrap();
        let json = |b: String| {
            ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string(b)
        };
        if idx.iter().any(|i| acc.contains_key(*i)) {
            return json(r#"{"error":53,"message":"Non-unique idx"}"#.into());
        }
        let list: Vec<String> = to
            .iter()
            .zip(&idx)
            .map(|(n, i)| {
                *acc.entry((*i).to_owned()).or_default() += 1;
                format!(r#"{{"id":"ID{n}","points":0.16,"number":"{n}","status":"QUEUE","idx":"{i}"}}"#)
            })
            .collect();
        if *self.fail_request.lock().unwrap() == Some(reqs.len()) {
            return ResponseTemplate::new(500);
        }
        json(format!(r#"{{"count":{},"list":[{}]}}"#, to.len(), list.join(",")))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn campaign_interrupted_then_rerun_accepts_everyone_once() {
    let server = MockServer::start().await;
    let mock = Smsapi::default();
    *mock.fail_request.lock().unwrap() = Some(2);
    Mock::given(method("POST")).and(path("/sms.do")).respond_with(mock.clone()).mount(&server).await;
    let dir = temp_dir("campaign");
    let numbers: Vec<String> = (0..5).map(|i| format!("4860010020{i}")).collect();
    std::fs::write(dir.join("n.csv"), format!("phone\n{}\n", numbers.join("\n"))).unwrap();
    let dsn = format!("smsapi://{TOKEN}@127.0.0.1:{}", server.address().port());
    let args = [
        "send",
        "--gateway",
        &dsn,
        "--from",
        "Shop",
        "--to-file",
        "n.csv",
        "--chunk-size",
        "2",
        "--campaign",
        "spring",
        "--ledger",
        "l.db",
        "Sale today",
    ];

    let first = bramka_in(&dir, &args, "", &[]);
    assert_eq!(first.code, 1, "{}", first.all());
    assert!(first.stdout.contains("campaign spring: 5 recipient(s)"), "{}", first.stdout);
    assert!(first.stdout.contains("accepted: 2, uncertain: 2, not_attempted: 1"), "{}", first.stdout);
    assert!(first.stderr.contains("run the same command again"), "{}", first.stderr);
    assert_eq!(mock.requests.lock().unwrap().len(), 2, "the run stopped after the uncertain chunk");

    let second = bramka_in(&dir, &args, "", &[]);
    assert_eq!(second.code, 0, "{}", second.all());
    assert!(second.stdout.contains("accepted: 5\n"), "{}", second.stdout);
    let accepted = mock.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 5, "{accepted:?}");
    assert!(accepted.values().all(|n| *n == 1), "{accepted:?}");
    let reqs = mock.requests.lock().unwrap().clone();
    // Rerun: chunk 2 again with its original keys (refused as duplicates, then one by one),
    // then chunk 3; chunk 1 never again.
    assert!(!reqs[2..].iter().any(|to| to.contains(&numbers[0])), "{reqs:?}");
    assert!(reqs[2..].iter().any(|to| to.contains(&numbers[4])), "{reqs:?}");

    let third = bramka_in(&dir, &[&args[..], &["--json"]].concat(), "", &[]);
    assert_eq!(third.code, 0, "{}", third.all());
    let j = third.json();
    assert_eq!(j["sent_this_run"], 0);
    assert_eq!(j["states"]["accepted"], 5);
    assert_eq!(mock.requests.lock().unwrap().len(), reqs.len(), "a finished campaign sends nothing");
    assert!(!third.all().contains(TOKEN) && !first.all().contains(TOKEN));

    let other = bramka_in(&dir, &[&args[..args.len() - 1], &["Another text"]].concat(), "", &[]);
    assert_eq!(other.code, 2, "{}", other.all());
    assert!(other.stderr.contains("campaign \"spring\" already exists"), "{}", other.stderr);
}

/// `--ledger` without `--campaign` records a plain send: intent and outcome per recipient.
#[tokio::test(flavor = "multi_thread")]
async fn ledger_alone_records_a_plain_send() {
    let server = MockServer::start().await;
    let mock = Smsapi::default();
    Mock::given(method("POST")).and(path("/sms.do")).respond_with(mock.clone()).mount(&server).await;
    let dir = temp_dir("ledger-send");
    let dsn = format!("smsapi://{TOKEN}@127.0.0.1:{}", server.address().port());
    let run = bramka_in(
        &dir,
        &[
            "send",
            "--gateway",
            &dsn,
            "--from",
            "Shop",
            "--to",
            "+48600100200, +48600100201",
            "--ledger",
            "rec.db",
            "Hi",
        ],
        "",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let ledger = bramka_ledger::Ledger::open(dir.join("rec.db")).unwrap();
    let rows = ledger.entries(&bramka_ledger::Query::all()).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| (r.to.as_str(), r.state)).collect::<Vec<_>>(),
        [("+48600100200", bramka_ledger::State::Accepted), ("+48600100201", bramka_ledger::State::Accepted)]
    );
    assert_eq!(rows[0].operator_id.as_deref(), Some("ID48600100200"));
    assert_eq!((rows[0].account.as_str(), rows[0].sender.as_deref()), ("smsapi", Some("Shop")));
}
