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

pub(crate) const API_TOKEN: &str = "api-token-0123456789abcdef";
pub(crate) const TW_TOKEN: &str = "twilio-auth-token-xyz";
pub(crate) const SID: &str = "AC00000000000000000000000000000000";

pub(crate) fn env() -> Env {
    Arc::new(|k: &str| match k {
        "BRAMKA_API_TOKEN" => Some(API_TOKEN.into()),
        "TWILIO_AUTH_TOKEN" => Some(TW_TOKEN.into()),
        _ => None,
    })
}

/// The acceptance file (shared with the CLI's tests), with the Twilio host pointed at a
/// wiremock, memory storage, a fast dispatcher and `extra` appended to `[server]` (further tables
/// may follow it).
pub(crate) fn acceptance(twilio_host: &str, extra: &str) -> String {
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

pub(crate) struct Running {
    pub base: String,
    pub client: reqwest::Client,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub hooks: Vec<bramka_server::HookUrls>,
}

impl Running {
    pub(crate) async fn start(toml: &str) -> Running {
        let settings = Settings::from_toml("bramka.toml", toml, env()).expect("valid config");
        Running::serve(Server::new(settings).expect("server")).await
    }
    pub(crate) async fn serve(server: Server) -> Running {
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
    pub(crate) fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }
    /// A hook URL from `--print-hooks`, re-pointed at the test listener.
    pub(crate) fn hook(&self, account: &str, kind: &str) -> String {
        let h = self.hooks.iter().find(|h| h.account == account).unwrap();
        let full = if kind == "inbound" { &h.inbound } else { &h.status };
        let path = full.split_once("://").unwrap().1.split_once('/').unwrap().1;
        self.url(&format!("/{path}"))
    }
    pub(crate) async fn get_api(&self, p: &str) -> reqwest::Response {
        self.client.get(self.url(p)).bearer_auth(API_TOKEN).send().await.unwrap()
    }
    pub(crate) async fn twilio_inbound(
        &self,
        sid: &str,
        from: &str,
        body: &str,
        token: &str,
    ) -> reqwest::Response {
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
    pub(crate) async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }
}

pub(crate) async fn twilio_mock() -> MockServer {
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

pub(crate) async fn wait_for_requests(mock: &MockServer, n: usize) -> Vec<wiremock::Request> {
    for _ in 0..200 {
        let got = mock.received_requests().await.unwrap_or_default();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    mock.received_requests().await.unwrap_or_default()
}

pub(crate) fn unsigned_config(mock_host: &str) -> String {
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
pub(crate) async fn slow_twilio_mock(delay: std::time::Duration) -> MockServer {
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

/// A server with `--sandbox` on `toml` (any storage: opened with `Server::open`).
pub(crate) async fn start_sandbox(toml: &str) -> Running {
    let mut settings = Settings::from_toml("bramka.toml", toml, env()).expect("valid config");
    settings.sandbox = true;
    Running::serve(Server::open(settings).await.expect("server")).await
}

/// The Sandbox tab's HTML, through a session logged in with the API token.
pub(crate) async fn sandbox_tab(r: &Running) -> String {
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = c.post(r.url("/login")).form(&[("token", API_TOKEN)]).send().await.unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = c.get(r.url("/web/sandbox")).header("Cookie", cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// What `bramka serve --sandbox` received is in the ledger of `toml`'s storage and survives a
/// restart: sends (with the registered-sender rule from the file), a delivery report by hand and
/// an inbound SMS are listed alike by the API and the tab after the restart, and an `idx` of
/// the first run is still known to `check_idx`. Returns the id of the message reported
/// undelivered.
pub(crate) async fn sandbox_record_survives_a_restart(toml: &str) -> String {
    let a = start_sandbox(toml).await;
    let sms = |r: &Running, from: &str, idx: &str| {
        let url = r.url("/sandbox/smsapi/sms.do");
        let form = vec![
            ("to", "48500100200,48500100201".to_owned()),
            ("message", "Zażółć gęślą jaźń".to_owned()),
            ("from", from.to_owned()),
            ("idx", idx.to_owned()),
            ("check_idx", "1".to_owned()),
            ("format", "json".to_owned()),
        ];
        let c = r.client.clone();
        async move { c.post(url).form(&form).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let v = sms(&a, "Other", "a1|a2").await;
    assert_eq!(v["error"], 14, "a sender not registered in [sandbox] smsapi_senders: {v}");
    let v = sms(&a, "Shop", "a1|a2").await;
    assert_eq!(v["count"], 2, "{v}");
    let id = v["list"][0]["id"].as_str().unwrap().to_owned();
    let r = a
        .client
        .post(a.url(&format!("/api/v1/sandbox/messages/smsapi/{id}/report")))
        .bearer_auth(API_TOKEN)
        .json(&json!({"outcome": "undelivered"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = a
        .client
        .post(a.url("/api/v1/sandbox/inbound"))
        .bearer_auth(API_TOKEN)
        .json(&json!({"operator": "twilio", "from": "+48500100300", "to": "+15005550006", "text": "Hello back"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let before: serde_json::Value = a.get_api("/api/v1/sandbox/messages").await.json().await.unwrap();
    assert_eq!(before["messages"].as_array().unwrap().len(), 3);
    a.stop().await;

    let b = start_sandbox(toml).await;
    let after: serde_json::Value = b.get_api("/api/v1/sandbox/messages").await.json().await.unwrap();
    assert_eq!(after, before, "the same list after the restart");
    let list = after["messages"].as_array().unwrap();
    assert_eq!(
        (list[0]["direction"].as_str(), list[0]["state"].as_str()),
        (Some("inbound"), Some("received"))
    );
    let undelivered = list.iter().find(|m| m["message_id"] == id.as_str()).unwrap();
    assert_eq!(undelivered["state"], "undelivered");
    assert_eq!(undelivered["callbacks"].as_array().unwrap().len(), 0, "no report URL configured");
    let tab = sandbox_tab(&b).await;
    assert_eq!(tab.matches("<tr class=\"sandbox-message").count(), 3, "{tab}");
    assert!(tab.contains(&id) && tab.contains("Hello back") && tab.contains("Zażółć gęślą jaźń"), "{tab}");
    let v = sms(&b, "Shop", "a2|a3").await;
    assert_eq!(v["error"], 53, "the first run's idx is known after the restart: {v}");
    b.stop().await;
    id
}
