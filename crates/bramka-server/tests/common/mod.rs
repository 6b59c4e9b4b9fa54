//! Shared helpers of the server's integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use bramka::twilio::signature::sign_for_test;
use bramka_server::config::Env;
use bramka_server::{Server, Settings};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const API_TOKEN: &str = "api-token-0123456789abcdef";
pub const TW_TOKEN: &str = "twilio-auth-token-xyz";
pub const SID: &str = "AC00000000000000000000000000000000";

pub fn env() -> Env {
    Arc::new(|k: &str| match k {
        "BRAMKA_API_TOKEN" => Some(API_TOKEN.into()),
        "TWILIO_AUTH_TOKEN" => Some(TW_TOKEN.into()),
        _ => None,
    })
}

/// The acceptance file (shared with the CLI's tests), with the Twilio host pointed at a
/// wiremock, memory storage, a fast dispatcher and `extra` appended to `[server]` (further tables
/// may follow it).
pub fn acceptance(twilio_host: &str, extra: &str) -> String {
    let file = bramka_test_support::serve::ACCEPTANCE_TOML;
    let out = file
        .replace("storage = \"sqlite:bramka.db\"", "storage = \"memory:\"")
        .replace("@default?from=", &format!("@{twilio_host}?from="))
        .replace(
            "api_tokens = [\"${BRAMKA_API_TOKEN}\"]\n",
            &format!("api_tokens = [\"${{BRAMKA_API_TOKEN}}\"]\ndispatch_interval_ms = 50\n{extra}\n"),
        );
    assert!(out.contains("memory:") && out.contains(twilio_host), "the acceptance file changed shape");
    out
}

pub struct Running {
    pub base: String,
    pub client: reqwest::Client,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub hooks: Vec<bramka_server::HookUrls>,
}

impl Running {
    pub async fn start(toml: &str) -> Running {
        let settings = Settings::from_toml("bramka.toml", toml, env()).expect("valid config");
        Running::serve(Server::new(settings).expect("server")).await
    }
    pub async fn serve(server: Server) -> Running {
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
    pub fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }
    /// A hook URL from `--print-hooks`, re-pointed at the test listener.
    pub fn hook(&self, account: &str, kind: &str) -> String {
        let h = self.hooks.iter().find(|h| h.account == account).unwrap();
        let full = if kind == "inbound" { &h.inbound } else { &h.status };
        let path = full.split_once("://").unwrap().1.split_once('/').unwrap().1;
        self.url(&format!("/{path}"))
    }
    pub async fn get_api(&self, p: &str) -> reqwest::Response {
        self.client.get(self.url(p)).bearer_auth(API_TOKEN).send().await.unwrap()
    }
    pub async fn twilio_inbound(&self, sid: &str, from: &str, body: &str, token: &str) -> reqwest::Response {
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
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }
}

pub async fn twilio_mock() -> MockServer {
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

pub async fn wait_for_requests(mock: &MockServer, n: usize) -> Vec<wiremock::Request> {
    for _ in 0..200 {
        let got = mock.received_requests().await.unwrap_or_default();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    mock.received_requests().await.unwrap_or_default()
}

pub fn unsigned_config(mock_host: &str) -> String {
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

/// A Twilio mock that answers after `delay`, so that requests overlap.
pub async fn slow_twilio_mock(delay: std::time::Duration) -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({
                    "sid": "SM00000000000000000000000000000001", "status": "queued", "to": "+48600100200",
                    "from": "+15005550006", "num_segments": "1", "error_code": null, "error_message": null
                }))
                .set_delay(delay),
        )
        .mount(&mock)
        .await;
    mock
}
