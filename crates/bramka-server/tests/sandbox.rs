//! `bramka serve --sandbox`: the operator sandbox mounted under /sandbox/, its record at
//! /api/v1/sandbox/messages behind the API's token; nothing of it without the flag.

mod common;

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
    let r = c.get(format!("{base}/web/sandbox")).send().await.unwrap();
    assert_eq!(r.status(), 404, "no Sandbox tab either");
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

const CONFIGURED: &str = r#"
[server]
storage = "memory:"
api_tokens = ["${BRAMKA_API_TOKEN}"]

[sandbox]
delivery_delay_ms = 0
[sandbox.credentials]
smsapi_token = "sms-token-right"
infobip_api_key = "ib-key-right"
twilio_account_sid = "AC0123456789abcdef0123456789abcdef"
twilio_auth_token = "tw-token-right"
[sandbox.callbacks]
smsapi_dlr = "CALLBACK/smsapi/dlr"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_credentials_callbacks_and_delay_reach_the_sandbox() {
    let hook = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/smsapi/dlr"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("OK"))
        .expect(1)
        .mount(&hook)
        .await;
    let base = start(true, &CONFIGURED.replace("CALLBACK", &hook.uri())).await;
    let c = reqwest::Client::new();
    let twilio =
        format!("{base}/sandbox/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
    let form = [("To", "+48500100200"), ("From", "+15005550006"), ("Body", "hi")];

    // Wrong credentials: each operator's own 401.
    let r = c
        .post(format!("{base}/sandbox/smsapi/sms.do"))
        .bearer_auth("sms-token-wrong")
        .form(&[("to", "48500100200"), ("message", "x"), ("format", "json")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], 101);
    let r = c
        .post(format!("{base}/sandbox/infobip/sms/3/messages"))
        .header("Authorization", "App ib-key-wrong")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "E401");
    let r = c
        .post(&twilio)
        .basic_auth("AC0123456789abcdef0123456789abcdef", Some("tw-token-wrong"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body = r.text().await.unwrap();
    assert!(body.contains("20003") && !body.contains("tw-token"), "{body}");

    // Right ones: accepted.
    let r = c
        .post(&twilio)
        .basic_auth("AC0123456789abcdef0123456789abcdef", Some("tw-token-right"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = c
        .post(format!("{base}/sandbox/smsapi/sms.do"))
        .bearer_auth("sms-token-right")
        .form(&[("to", "48500100200"), ("message", "x"), ("format", "json")])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["count"], 1, "{v}");
    let id = v["list"][0]["id"].as_str().unwrap().to_owned();

    // delivery_delay_ms = 0 and the configured DLR URL: the report arrives without a trigger.
    for _ in 0..100 {
        if !hook.received_requests().await.unwrap_or_default().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let got = hook.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 1, "one SMSAPI report to the configured URL");
    let q = got[0].url.query().unwrap_or("").to_owned();
    assert!(q.contains(&format!("MsgId={id}")), "{q}");
    hook.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_fault_plans_apply_per_account_before_per_route() {
    let text = r#"
[server]
storage = "memory:"
[sandbox]
delivery_delay_ms = "manual"
[[sandbox.faults]]
route = "twilio_send"
script = ["too_many_requests", "too_many_requests"]
[[sandbox.faults]]
route = "twilio_send"
account = "AC00000000000000000000000000000002"
script = ["server_error_before"]
"#;
    let base = start(true, text).await;
    let c = reqwest::Client::new();
    let send = |account: &'static str| {
        c.post(format!("{base}/sandbox/twilio/2010-04-01/Accounts/{account}/Messages.json"))
            .basic_auth(account, Some("t"))
            .form(&[("To", "+48500100200"), ("From", "+15005550006"), ("Body", "hi")])
            .send()
    };
    assert_eq!(
        send("AC00000000000000000000000000000002").await.unwrap().status(),
        500,
        "the account's own plan"
    );
    assert_eq!(
        send("AC00000000000000000000000000000002").await.unwrap().status(),
        201,
        "its script is used up"
    );
    assert_eq!(
        send("AC00000000000000000000000000000001").await.unwrap().status(),
        429,
        "others: the route's plan"
    );
    assert_eq!(send("AC00000000000000000000000000000001").await.unwrap().status(), 429);
    assert_eq!(send("AC00000000000000000000000000000001").await.unwrap().status(), 201);
    // "manual": nothing delivered on its own (past the default one-second delay).
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let v: Value =
        reqwest::get(format!("{base}/api/v1/sandbox/messages")).await.unwrap().json().await.unwrap();
    let states: Vec<&str> =
        v["messages"].as_array().unwrap().iter().map(|m| m["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["queued", "queued"]);
}

#[test]
fn a_bad_sandbox_table_is_refused_with_the_field_and_what_is_accepted() {
    let env: bramka_server::config::Env = Arc::new(|_: &str| None);
    for (table, path, hint) in [
        ("[[sandbox.faults]]\nroute = \"smsapi\"\n", "sandbox.faults[0].route", "smsapi_send"),
        (
            "[[sandbox.faults]]\nroute = \"smsapi_send\"\nscript = [\"explode\"]\n",
            "sandbox.faults[0].script[0]",
            "garbled_200",
        ),
        ("[sandbox]\ndelivery_delay_ms = \"soon\"\n", "sandbox.delivery_delay_ms", "manual"),
        ("[sandbox.credentials]\ntwilio_auth_token = \"secret-tw\"\n", "sandbox.credentials", "together"),
        ("[sandbox.callbacks]\ntwilio_status = \"ftp://x\"\n", "sandbox.callbacks.twilio_status", "http"),
    ] {
        let e =
            Settings::from_toml("t.toml", &format!("[server]\nstorage = \"memory:\"\n{table}"), env.clone())
                .expect_err(table);
        assert_eq!(e.path, path, "{e}");
        assert!(e.reason.contains(hint), "{e}");
        assert!(!e.to_string().contains("secret-tw"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_the_sandbox_routes_only_with_the_flag() {
    let c = reqwest::Client::new();
    let doc = |base: String| {
        let c = c.clone();
        async move {
            c.get(format!("{base}/api/v1/openapi.json"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let without = doc(start(false, WITH_TOKEN).await).await;
    assert!(!without["paths"].as_object().unwrap().keys().any(|p| p.starts_with("/api/v1/sandbox")));
    let base = start(true, WITH_TOKEN).await;
    let with = doc(base.clone()).await;
    let paths = with["paths"].as_object().unwrap();
    let sandbox: Vec<(&String, &String)> = paths
        .iter()
        .filter(|(p, _)| p.starts_with("/api/v1/sandbox"))
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(move |m| (p, m)))
        .collect();
    for want in [
        ("/api/v1/sandbox/messages", "get"),
        ("/api/v1/sandbox/faults", "get"),
        ("/api/v1/sandbox/messages/{operator}/{id}/report", "post"),
        ("/api/v1/sandbox/inbound", "post"),
        ("/api/v1/sandbox/faults/{route}", "put"),
    ] {
        assert!(
            sandbox.iter().any(|(p, m)| (p.as_str(), m.as_str()) == want),
            "{want:?} missing: {sandbox:?}"
        );
    }
    assert_eq!(sandbox.len(), 5, "every sandbox route, no more: {sandbox:?}");
    assert_eq!(
        paths["/api/v1/sandbox/messages/{operator}/{id}/report"]["post"]["parameters"][0]["name"],
        "operator"
    );
    // Each documented route exists behind the token: 401 without it, not the fallback 404 with it.
    for (p, m) in sandbox {
        let url = format!(
            "{base}{}",
            p.replace("{operator}", "smsapi").replace("{id}", "X").replace("{route}", "smsapi_send")
        );
        let req = |tok: Option<&str>| {
            let b = match m.as_str() {
                "get" => c.get(&url),
                "post" => c.post(&url).json(&serde_json::json!({})),
                _ => c.put(&url).json(&serde_json::json!({"rate": 0.0})),
            };
            match tok {
                Some(t) => b.bearer_auth(t),
                None => b,
            }
        };
        assert_eq!(req(None).send().await.unwrap().status(), 401, "{m} {p}");
        let r = req(Some(TOKEN)).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(status != 404 || body.contains("no smsapi message"), "{m} {p}: {status} {body}");
    }
}

/// On SQLite storage the sandbox's record is in the ledger file and survives a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_record_is_in_the_sqlite_ledger_and_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("bramka-sandbox-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("bramka.db");
    let toml = format!(
        "[server]\nstorage = \"sqlite:{}\"\napi_tokens = [\"${{BRAMKA_API_TOKEN}}\"]\n[sandbox]\ndelivery_delay_ms = \"manual\"\nsmsapi_senders = [\"Shop\"]\n",
        db.display()
    );
    let id = common::sandbox_record_survives_a_restart(&toml).await;
    // The rows are the ledger's.
    let ledger = bramka_ledger::SqliteStore::open(bramka_server::config::ledger_path(&db)).unwrap();
    let rows = bramka_ledger::Store::sandbox_messages(&ledger).await.unwrap();
    assert_eq!(rows.len(), 3);
    let row = rows.iter().find(|m| m.message_id == id).unwrap();
    assert_eq!(
        (row.operator.as_str(), row.state.as_str(), row.sender.as_deref()),
        ("smsapi", "undelivered", Some("Shop"))
    );
    assert_eq!((row.encoding.as_str(), row.parts), ("UCS-2", 1));
    assert_eq!(rows[2].direction, "inbound");
    let _ = std::fs::remove_dir_all(&dir);
}
