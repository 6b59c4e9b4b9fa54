//! `bramka serve --sandbox`: the operator sandbox mounted under /sandbox/, its record at
//! /api/v1/sandbox/messages behind the API's token; nothing of it without the flag.

use std::sync::Arc;

use bramka::Gateway as _;
use bramka_server::{Server, Settings};
use serde_json::Value;

const TOKEN: &str = "api-token-0123456789abcdef";

async fn start(sandbox: bool, text: &str) -> String {
    let env: bramka_server::config::Env =
        Arc::new(|k: &str| (k == "BRAMKA_API_TOKEN").then(|| TOKEN.to_owned()));
    let mut settings = Settings::from_toml("test.toml", text, env).expect("valid config");
    settings.sandbox = sandbox;
    let server = Server::new(settings).expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = server.serve(listener, std::future::pending()).await;
    });
    format!("http://{addr}")
}

const WITH_TOKEN: &str = "[server]\nstorage = \"memory:\"\napi_tokens = [\"${BRAMKA_API_TOKEN}\"]\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bramka_sends_to_the_mounted_sandbox_and_the_api_lists_it() {
    let base = start(true, WITH_TOKEN).await;
    let dsn = format!(
        "smsapi://anything@default?from=Shop&base_url={}",
        url::form_urlencoded::byte_serialize(format!("{base}/sandbox/smsapi/").as_bytes())
            .collect::<String>()
    );
    let gw = bramka::connect(&dsn).expect("DSN");
    let msg = bramka::Message::builder().to("+48500100200,+48500100201").text("Zażółć").build().unwrap();
    let report = gw.send(&msg).await.expect("sent to the sandbox");
    assert!(report.all_accepted(), "{report:?}");

    let c = reqwest::Client::new();
    let r = c.get(format!("{base}/api/v1/sandbox/messages")).send().await.unwrap();
    assert_eq!(r.status(), 401, "the sandbox API sits behind the API token");
    let v: Value = c
        .get(format!("{base}/api/v1/sandbox/messages"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = v["messages"].as_array().expect("messages");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["recipient"], "48500100201", "newest first");
    assert_eq!(list[0]["sender"], "Shop");
    assert_eq!(list[0]["encoding"], "UCS-2");
    assert_eq!(list[0]["message_id"], report.recipients[1].message_id.clone().unwrap().as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flag_there_is_no_sandbox() {
    let base = start(false, WITH_TOKEN).await;
    let c = reqwest::Client::new();
    let r =
        c.post(format!("{base}/sandbox/smsapi/sms.do")).form(&[("to", "48500100200")]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = c.get(format!("{base}/api/v1/sandbox/messages")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_no_file_configuration_is_valid_and_needs_no_account() {
    let base = start(true, bramka_server::sandbox::NO_FILE_CONFIG).await;
    let r = reqwest::Client::new()
        .post(format!("{base}/sandbox/twilio/2010-04-01/Accounts/ACx/Messages.json"))
        .form(&[("To", "+48500100200"), ("From", "+15005550006"), ("Body", "hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // No token configured: the API answers loopback clients.
    let v: Value =
        reqwest::get(format!("{base}/api/v1/sandbox/messages")).await.unwrap().json().await.unwrap();
    assert_eq!(v["messages"][0]["operator"], "twilio");
}
