//! End to end through real HTTP on 127.0.0.1: operator webhooks into polls, replies to a wiremock
//! Twilio, the API's answers, and the security rules.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bramka::twilio::signature::sign_for_test;
use bramka_server::config::Env;
use bramka_server::{Server, Settings};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_TOKEN: &str = "api-token-0123456789abcdef";
const TW_TOKEN: &str = "twilio-auth-token-xyz";
const SID: &str = "AC00000000000000000000000000000000";

fn env() -> Env {
    Arc::new(|k: &str| match k {
        "BRAMKA_API_TOKEN" => Some(API_TOKEN.into()),
        "TWILIO_AUTH_TOKEN" => Some(TW_TOKEN.into()),
        _ => None,
    })
}

/// The issue's acceptance file, with the Twilio host pointed at a wiremock and memory storage.
fn acceptance(twilio_host: &str, extra: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:8025"
public_url = "http://127.0.0.1:8025"
storage = "memory:"
api_tokens = ["${{BRAMKA_API_TOKEN}}"]
dispatch_interval_ms = 50
{extra}
[accounts.tw]
dsn = "twilio://{SID}:${{TWILIO_AUTH_TOKEN}}@{twilio_host}?from=%2B15005550006"

[[numbers]]
number = "+15005550006"
kind = "shared"
account = "tw"

[[polls]]
id = "rating"
name = "Shop rating"
number = "+15005550006"
prefix = "VOTE"
start = "2026-01-01T00:00:00Z"
end = "2030-01-01T00:00:00Z"
default_reply = "Thanks!"
limit = {{ count = 1, period = "poll" }}
options = [
  {{ code = "1", aliases = ["one"], reply = "Sorry" }},
  {{ code = "5", aliases = ["five"], reply = "Great!" }},
]
"#
    )
}

struct Running {
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    hooks: Vec<bramka_server::HookUrls>,
}

impl Running {
    async fn start(toml: &str) -> Running {
        let settings = Settings::from_toml("bramka.toml", toml, env()).expect("valid config");
        let server = Server::new(settings).expect("server");
        let hooks = server.hook_urls();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(listener, async {
            let _ = stopped.await;
        }));
        let client = bramka::http::client(bramka::http::Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(10),
        })
        .unwrap();
        Running { base, client, stop: Some(stop), task, hooks }
    }
    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }
    /// A hook URL from `--print-hooks`, re-pointed at the test listener.
    fn hook(&self, account: &str, kind: &str) -> String {
        let h = self.hooks.iter().find(|h| h.account == account).unwrap();
        let full = if kind == "inbound" { &h.inbound } else { &h.status };
        let path = full.split_once("://").unwrap().1.split_once('/').unwrap().1;
        self.url(&format!("/{path}"))
    }
    async fn get_api(&self, p: &str) -> reqwest::Response {
        self.client.get(self.url(p)).bearer_auth(API_TOKEN).send().await.unwrap()
    }
    async fn twilio_inbound(&self, sid: &str, from: &str, body: &str, token: &str) -> reqwest::Response {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("MessageSid", sid),
                ("AccountSid", SID),
                ("From", from),
                ("To", "+15005550006"),
                ("Body", body),
            ])
            .finish();
        // Signed over public_url + path, as Twilio does behind a proxy.
        let sig = sign_for_test(token, "http://127.0.0.1:8025/hooks/tw/inbound", &form);
        self.client
            .post(self.url("/hooks/tw/inbound"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(form)
            .send()
            .await
            .unwrap()
    }
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }
}

async fn twilio_mock() -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "sid": "SM00000000000000000000000000000001", "status": "queued", "to": "+48600100200",
            "from": "+15005550006", "num_segments": "1", "error_code": null, "error_message": null
        })))
        .mount(&mock)
        .await;
    mock
}

async fn wait_for_requests(mock: &MockServer, n: usize) -> Vec<wiremock::Request> {
    for _ in 0..200 {
        let got = mock.received_requests().await.unwrap_or_default();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    mock.received_requests().await.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_twilio_vote_counted_once_replied_once() {
    let mock = twilio_mock().await;
    let host = mock.address().to_string();
    let s = Running::start(&acceptance(&host, "")).await;

    let health = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(s.client.get(s.url("/readyz")).send().await.unwrap().status(), 200);

    let first = s.twilio_inbound("SM1", "+48600100200", "vote five", TW_TOKEN).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers()["content-type"].to_str().unwrap().contains("xml"));
    assert!(first.text().await.unwrap().contains("<Response"));
    // The same webhook delivered twice: counted once.
    assert_eq!(s.twilio_inbound("SM1", "+48600100200", "vote five", TW_TOKEN).await.status(), 200);
    // Signed with the wrong token: refused, not counted.
    assert_eq!(s.twilio_inbound("SM2", "+48600100201", "vote one", "wrong-token").await.status(), 403);
    // No signature at all: refused.
    let unsigned = s
        .client
        .post(s.url("/hooks/tw/inbound"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("MessageSid=SM3&From=%2B48600100202&To=%2B15005550006&Body=vote+one")
        .send()
        .await
        .unwrap();
    assert!(unsigned.status() == 401 || unsigned.status() == 403, "{}", unsigned.status());

    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 1);
    assert_eq!(
        stats["options"],
        json!([{"code": "1", "count": 0, "percent": "0.00"}, {"code": "5", "count": 1, "percent": "100.00"}])
    );
    assert_eq!(stats["poll"], "rating");
    assert_eq!(stats["name"], "Shop rating");

    let unauth = s.client.get(s.url("/api/v1/polls/rating/stats")).send().await.unwrap();
    assert_eq!(unauth.status(), 401);
    let body: Value = unauth.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    // The reply goes out once, through the account, to the voter, with the option's text.
    let sent = wait_for_requests(&mock, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent_after = mock.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent_after.len(), 1, "the duplicate webhook must not cause a second reply");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&sent[0].body).into_owned().collect();
    assert!(form.contains(&("To".into(), "+48600100200".into())), "{form:?}");
    assert!(form.contains(&("Body".into(), "Great!".into())), "{form:?}");
    s.stop().await;
}

fn unsigned_config(mock_host: &str) -> String {
    acceptance(
        mock_host,
        r#"
[server.hooks.ib]
allow_ips = ["127.0.0.0/8"]
[server.hooks.far]
allow_ips = ["10.0.0.0/8"]
[accounts.sa]
dsn = "smsapi://token@default"
[accounts.ib]
dsn = "infobip://key@xxxxx.api.infobip.com"
[accounts.far]
dsn = "smsapi://token2@default"
"#,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsapi_and_infobip_through_secret_paths() {
    let mock = twilio_mock().await;
    let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
    let sa = s.hook("sa", "inbound");
    let secret = sa.split('/').nth_back(1).unwrap().to_owned();
    assert_eq!(secret.len(), 32, "{sa}");

    let smsapi = |id: &str, from: &str, text: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("sms_from", from),
                ("sms_to", "15005550006"),
                ("sms_text", text),
                ("sms_date", "1780300800"),
                ("MsgId", id),
            ])
            .finish()
    };
    let post = |url: String, ct: &'static str, body: String| {
        let c = s.client.clone();
        async move { c.post(url).header("content-type", ct).body(body).send().await.unwrap() }
    };
    let form = "application/x-www-form-urlencoded";
    let ok = post(sa.clone(), form, smsapi("sa-1", "48600100300", "VOTE 1")).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "OK");
    assert_eq!(post(sa.clone(), form, smsapi("sa-1", "48600100300", "VOTE 1")).await.status(), 200);
    // Wrong or missing secret: 404, like an unknown route.
    let wrong = sa.replace(&secret, "x".repeat(32).as_str());
    assert_eq!(post(wrong, form, smsapi("sa-2", "48600100301", "VOTE 1")).await.status(), 404);
    assert_eq!(
        post(s.url("/hooks/sa/inbound"), form, smsapi("sa-3", "48600100302", "VOTE 1")).await.status(),
        404
    );

    let infobip = json!({"results": [{"messageId": "ib-1", "from": "48600100400", "to": "15005550006",
        "text": "VOTE five", "cleanText": "five", "keyword": "VOTE", "receivedAt": "2026-05-01T10:00:00.000+0000", "smsCount": 1}],
        "messageCount": 1, "pendingMessageCount": 0});
    let ib = post(s.hook("ib", "inbound"), "application/json", infobip.to_string()).await;
    assert_eq!(ib.status(), 200, "{:?}", ib.text().await);
    // Outside the allow-list (10.0.0.0/8; the test calls from 127.0.0.1): refused.
    assert_eq!(
        post(s.hook("far", "inbound"), form, smsapi("far-1", "48600100500", "VOTE 1")).await.status(),
        403
    );

    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 2);
    assert_eq!(stats["options"][0]["count"], 1);
    assert_eq!(stats["options"][1]["count"], 1);
    assert_eq!(stats["options"][0]["percent"], "50.00");

    // Inbox search and reports.
    let page: Value = s.get_api("/api/v1/inbox?poll=rating&from=%2B48600100300").await.json().await.unwrap();
    let msgs = page["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["text"], "VOTE 1");
    let daily: Value = s.get_api("/api/v1/reports/daily?tz=UTC").await.json().await.unwrap();
    // SMSAPI's sms_date 1780300800 is 2026-06-01T08:00Z; Infobip's receivedAt 2026-05-01.
    assert_eq!(daily["days"], json!([{"day": "2026-05-01", "count": 1}, {"day": "2026-06-01", "count": 1}]));
    let csv = s.get_api("/api/v1/polls/rating/stats.csv").await;
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.contains("50.00"), "{text}");
    let bad = s.get_api("/api/v1/inbox?poll=rating&inbox=x").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"]["code"], "invalid");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_crud_through_the_api() {
    let mock = twilio_mock().await;
    let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
    let new_poll = json!({"id": "colour", "name": "Colour", "number": "+15005550006", "prefix": "COLOUR",
        "options": [{"code": "R", "aliases": ["red"]}, {"code": "G", "aliases": ["green"]}]});
    let created =
        s.client.post(s.url("/api/v1/polls")).bearer_auth(API_TOKEN).json(&new_poll).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let again =
        s.client.post(s.url("/api/v1/polls")).bearer_auth(API_TOKEN).json(&new_poll).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["code"], "conflict");
    let mut bad = new_poll.clone();
    bad["id"] = json!("other");
    bad["options"][0]["reply"] = json!("");
    let refused =
        s.client.post(s.url("/api/v1/polls")).bearer_auth(API_TOKEN).json(&bad).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let msg = refused.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_owned();
    assert!(msg.starts_with("poll.options[0].reply: is empty"), "{msg}");

    let list: Value = s.get_api("/api/v1/polls").await.json().await.unwrap();
    let ids: Vec<&str> =
        list["polls"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["rating", "colour"]);

    // The new poll routes votes at once.
    let sa = s.hook("sa", "inbound");
    let vote = |id: &str, text: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("sms_from", "48600100600"),
                ("sms_to", "15005550006"),
                ("sms_text", text),
                ("sms_date", "1780300800"),
                ("MsgId", id),
            ])
            .finish()
    };
    let r = s
        .client
        .post(&sa)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vote("c-1", "colour green"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats: Value = s.get_api("/api/v1/polls/colour/stats").await.json().await.unwrap();
    assert_eq!(stats["options"][1], json!({"code": "G", "count": 1, "percent": "100.00"}));

    // Edit, then close: a later vote is outside the window and not counted.
    let mut edited = new_poll.clone();
    edited["name"] = json!("Favourite colour");
    let put = s
        .client
        .put(s.url("/api/v1/polls/colour"))
        .bearer_auth(API_TOKEN)
        .json(&edited)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(
        s.get_api("/api/v1/polls/colour").await.json::<Value>().await.unwrap()["name"],
        "Favourite colour"
    );
    let closed =
        s.client.post(s.url("/api/v1/polls/colour/close")).bearer_auth(API_TOKEN).send().await.unwrap();
    assert_eq!(closed.status(), 200);
    // Its receive time (sms_date) is before the close: use a later one.
    let late = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("sms_from", "48600100601"),
            ("sms_to", "15005550006"),
            ("sms_text", "colour red"),
            ("MsgId", "c-2"),
        ])
        .finish();
    let r = s
        .client
        .post(&sa)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(late)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats: Value = s.get_api("/api/v1/polls/colour/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 1);
    assert_eq!(stats["open"], false);
    assert_eq!(stats["answers"]["outside_window"], 1);
    assert_eq!(s.get_api("/api/v1/polls/nope").await.status(), 404);
    s.stop().await;
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "rating").replace("{account}", "tw")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_every_route_and_every_route_needs_a_token() {
    let mock = twilio_mock().await;
    let s = Running::start(&acceptance(&mock.address().to_string(), "")).await;
    let doc: Value = s.get_api("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{}", paths.len());
    for want in [
        "/api/v1/polls",
        "/api/v1/polls/{id}/stats",
        "/api/v1/inbox",
        "/api/v1/reports/daily",
        "/api/v1/accounts/{account}/balance",
    ] {
        assert!(paths.contains_key(want), "{want} missing");
    }
    let wrong = "wrong-token-0123456789abcdef";
    for (p, ops) in paths {
        for (m, op) in ops.as_object().unwrap() {
            assert_eq!(op["security"], json!([{"bearer": []}]), "{m} {p}");
            let url = s.url(&concrete(p));
            let req = |tok: Option<&str>| {
                let b = match m.as_str() {
                    "get" => s.client.get(&url),
                    "post" => s.client.post(&url),
                    "put" => s.client.put(&url),
                    other => panic!("method {other}"),
                };
                match tok {
                    Some(t) => b.bearer_auth(t),
                    None => b,
                }
            };
            assert_eq!(req(None).send().await.unwrap().status(), 401, "{m} {p} without a token");
            assert_eq!(req(Some(wrong)).send().await.unwrap().status(), 401, "{m} {p} with a wrong token");
            // With the token the route exists (whatever the answer, not the fallback 404).
            if m == "get" && !p.contains("balance") {
                assert_eq!(
                    req(Some(API_TOKEN)).send().await.unwrap().status(),
                    200,
                    "{m} {p} with the token"
                );
            }
        }
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_is_refused_with_413() {
    let mock = twilio_mock().await;
    let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
    let big = "a".repeat(70 * 1024);
    let r = s
        .client
        .post(s.hook("sa", "inbound"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("sms_text={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    s.stop().await;
}

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_token_or_secret_in_logs() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let mock = twilio_mock().await;
            let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
            let sa = s.hook("sa", "inbound");
            let secret = sa.split('/').nth_back(1).unwrap().to_owned();
            s.get_api("/api/v1/polls/rating/stats").await;
            s.client
                .get(s.url("/api/v1/polls"))
                .bearer_auth("wrong-token-0123456789abcdef")
                .send()
                .await
                .unwrap();
            s.twilio_inbound("SM9", "+48600100200", "vote one", TW_TOKEN).await;
            s.twilio_inbound("SM10", "+48600100201", "vote one", "forged").await;
            s.client
                .post(&sa)
                .body("sms_from=48600100300&sms_to=15005550006&sms_text=VOTE+1&MsgId=z")
                .send()
                .await
                .unwrap();
            wait_for_requests(&mock, 1).await;
            s.stop().await;
            let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
            assert!(logs.contains("request"), "nothing was logged: {logs}");
            assert!(logs.contains("/hooks/{account}/{secret}/{kind}"), "{logs}");
            for secret_text in
                [API_TOKEN, TW_TOKEN, secret.as_str(), "wrong-token-0123456789abcdef", "token2"]
            {
                assert!(!logs.contains(secret_text), "{secret_text:?} leaked into the logs:\n{logs}");
            }
        })
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_seeds_once_then_the_store_wins() {
    let dir = std::env::temp_dir().join(format!("bramka-server-test-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("b.db");
    let _ = std::fs::remove_file(&db);
    let mock = twilio_mock().await;
    let cfg =
        acceptance(&mock.address().to_string(), "").replace("memory:", &format!("sqlite:{}", db.display()));

    let s = Running::start(&cfg).await;
    let secret_before = s.hooks.clone();
    assert_eq!(s.twilio_inbound("SMa", "+48600100200", "vote one", TW_TOKEN).await.status(), 200);
    let mut p: Value = s.get_api("/api/v1/polls/rating").await.json().await.unwrap();
    p["name"] = json!("Edited in the API");
    assert_eq!(
        s.client
            .put(s.url("/api/v1/polls/rating"))
            .bearer_auth(API_TOKEN)
            .json(&p)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.stop().await;

    // Restart with the file's poll renamed: the store's version wins, votes are still there.
    let s = Running::start(&cfg.replace("Shop rating", "Renamed in the file")).await;
    assert_eq!(s.hooks, secret_before);
    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["name"], "Edited in the API");
    assert_eq!(stats["total"], 1);
    assert_eq!(s.twilio_inbound("SMa", "+48600100200", "vote one", TW_TOKEN).await.status(), 200);
    let stats: Value = s.get_api("/api/v1/polls/rating/stats").await.json().await.unwrap();
    assert_eq!(stats["total"], 1, "a retry after a restart is still counted once");
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
