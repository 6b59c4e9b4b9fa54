//! `send --to-file` with `{column}` merge fields: every text analysed before any request, the
//! plan (parts, cost), `--dry-run`, unknown fields, one request per distinct text (wiremock SMSAPI).

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// SMSAPI's answer queuing every number of the request's `to`.
struct QueueAll;

impl Respond for QueueAll {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let to = url::form_urlencoded::parse(&r.body).find(|(k, _)| k == "to").map(|(_, v)| v.into_owned());
        let list: Vec<_> = to
            .unwrap_or_default()
            .split(',')
            .enumerate()
            .map(|(i, n)| json!({"id": format!("ID{n}{i}"), "points": 0.16, "number": n, "status": "QUEUE"}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"count": list.len(), "list": list}))
    }
}

const CONTACTS: &str = "phone,imie,kod\n600100200,Anna,A1\n600100201,Jan,B2\n600100202,Anna,A1\n";
const TEXT: &str = "Dzień dobry {imie}, kod: {kod}";

async fn smsapi(times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .respond_with(QueueAll)
        .expect(times)
        .mount(&server)
        .await;
    server
}

fn run(server: &MockServer, extra: &[&str], text: &str) -> Run {
    let dir = temp_dir("personal");
    std::fs::write(dir.join("contacts.csv"), CONTACTS).unwrap();
    let dsn = format!("smsapi://TOKEN@127.0.0.1:{}?from=Shop", server.address().port());
    let mut args = vec!["send", "--gateway", &dsn, "--to-file", "contacts.csv", "--default-prefix", "48"];
    args.extend_from_slice(extra);
    args.push(text);
    bramka_in(&dir, &args, "", &[])
}

/// The form fields `to` and `message` of each request, in order.
async fn requests(server: &MockServer) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let f: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(&r.body).into_owned().collect();
            (f["to"].clone(), f["message"].clone())
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn each_distinct_text_is_one_request_after_the_plan() {
    let server = smsapi(2).await;
    let r = run(&server, &["--price-per-part", "0.16"], TEXT);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("plan: 3 recipient(s), 2 distinct text(s), 3 SMS part(s) in total, cost 0.48"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("2 recipient(s) x 1 part(s) (UCS-2): Dzień dobry Anna, kod: A1"),
        "{}",
        r.stderr
    );
    assert_eq!(
        requests(&server).await,
        [
            ("48600100200,48600100202".to_owned(), "Dzień dobry Anna, kod: A1".to_owned()),
            ("48600100201".to_owned(), "Dzień dobry Jan, kod: B2".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_nothing_and_counts_parts_of_every_text() {
    let server = smsapi(0).await;
    let long = format!("{TEXT} {}", "ż".repeat(60));
    let r = run(&server, &["--dry-run"], &long);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("3 recipient(s), 2 distinct text(s), 6 SMS part(s) in total"), "{}", r.stderr);
    assert!(r.stderr.contains("dry run: nothing was sent"), "{}", r.stderr);
    // A plain text dry run too.
    let r = run(&server, &["--dry-run"], "Hello");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("3 recipient(s), 1 distinct text(s), 3 SMS part(s)"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_merge_field_or_a_text_over_the_cap_fails_before_any_request() {
    let server = smsapi(0).await;
    let r = run(&server, &[], "Hi {name}, kod {kod}");
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("unknown merge field(s) {name} in the text; the file's columns: phone, imie, kod"),
        "{}",
        r.stderr
    );
    // Only Anna's text (161 characters) is over a 1-part cap: nothing goes out, Jan's (160) included.
    let contacts_text = "{imie}".to_owned() + &"x".repeat(157);
    let r = run(&server, &["--max-parts", "1"], &contacts_text);
    assert_eq!(r.code, 2, "{}", r.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn double_braces_send_a_literal_word_in_braces() {
    let server = smsapi(3).await;
    // With merge fields: {{kod}} is the text {kod}, not Anna's code.
    let r = run(&server, &[], "Hi {imie}, reply {{kod}}");
    assert_eq!(r.code, 0, "{}", r.all());
    // Without merge fields the escape is written out too.
    let r = run(&server, &[], "Reply {{STOP}} to opt out");
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        requests(&server).await,
        [
            ("48600100200,48600100201,48600100202".to_owned(), "Reply {STOP} to opt out".to_owned()),
            ("48600100200,48600100202".to_owned(), "Hi Anna, reply {kod}".to_owned()),
            ("48600100201".to_owned(), "Hi Jan, reply {kod}".to_owned()),
        ]
    );
}
