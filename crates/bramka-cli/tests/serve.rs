//! `bramka serve` as a process: the acceptance file as written, `--check`,
//! `--print-hooks`, the acceptance checks over loopback HTTP, and a graceful stop on SIGTERM.
#![cfg(feature = "serve")]

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{bramka_in, temp_dir};

use bramka_test_support::serve::ACCEPTANCE_TOML as ACCEPTANCE;

const API_TOKEN: &str = "acceptance-api-token-0123456789";
const TW_TOKEN: &str = "acceptance-twilio-token";
const ENV: &[(&str, &str)] = &[("BRAMKA_API_TOKEN", API_TOKEN), ("TWILIO_AUTH_TOKEN", TW_TOKEN)];

#[test]
fn check_accepts_the_acceptance_file_and_names_bad_fields() {
    let dir = temp_dir("serve-check");
    std::fs::write(dir.join("bramka.toml"), ACCEPTANCE).unwrap();
    let ok = bramka_in(&dir, &["serve", "--check"], "", ENV);
    assert_eq!(ok.code, 0, "{}", ok.all());
    assert!(
        ok.stdout.contains("bramka.toml: valid (1 account(s), 1 number(s), 1 poll(s), 0 flow(s))"),
        "{}",
        ok.stdout
    );

    std::fs::write(dir.join("bad.toml"), ACCEPTANCE.replace("reply = \"Sorry\"", "reply = \"\"")).unwrap();
    let bad = bramka_in(&dir, &["serve", "--check", "--config", "bad.toml"], "", ENV);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.starts_with("error: bad.toml: polls[0].options[0].reply: is empty"), "{}", bad.stderr);

    let no_env = bramka_in(&dir, &["serve", "--check"], "", &[]);
    assert_eq!(no_env.code, 2);
    assert!(
        no_env.stderr.contains("server.api_tokens[0]: environment variable BRAMKA_API_TOKEN is not set"),
        "{}",
        no_env.stderr
    );
}

#[test]
fn print_hooks_shows_secret_paths_for_unsigned_operators() {
    let dir = temp_dir("serve-hooks");
    let file = format!("{ACCEPTANCE}\n[accounts.sa]\ndsn = \"smsapi://${{SMSAPI_TOKEN}}@default\"\n");
    std::fs::write(dir.join("bramka.toml"), file).unwrap();
    let first = bramka_in(&dir, &["serve", "--print-hooks"], "", ENV);
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(
        first.stdout.contains("tw (twilio)\n  inbound: http://127.0.0.1:8025/hooks/tw/inbound"),
        "{}",
        first.stdout
    );
    let line = first.stdout.lines().find(|l| l.contains("/hooks/sa/")).unwrap();
    let secret = line.split("/hooks/sa/").nth(1).unwrap().split('/').next().unwrap();
    assert_eq!(secret.len(), 32, "{line}");
    // Kept in the store: the same on the next start.
    let again = bramka_in(&dir, &["serve", "--print-hooks"], "", ENV);
    assert_eq!(again.stdout, first.stdout);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn acceptance_checks_against_the_running_service() {
    let dir = temp_dir("serve-run");
    std::fs::write(dir.join("bramka.toml"), ACCEPTANCE).unwrap();
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bramka"));
    cmd.args(["serve", "--sandbox", "--log-format", "json", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_PROXY", "127.0.0.1");
    for (k, v) in ENV {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(checks(port))));
    // SIGTERM: a graceful stop exits 0.
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if let Err(e) = result {
        eprintln!("server stderr:\n{stderr}");
        std::panic::resume_unwind(e);
    }
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.lines().all(|l| l.trim().is_empty() || l.starts_with('{')), "not JSON logs:\n{stderr}");
    assert!(stderr.contains("bramka serve stopped"), "{stderr}");
    for secret in [API_TOKEN, TW_TOKEN] {
        assert!(!stderr.contains(secret) && !stdout.contains(secret), "{secret} leaked");
    }
    // --sandbox: the reply was printed by console://, once.
    assert_eq!(stdout.matches("Great!").count(), 1, "{stdout}");
}

async fn checks(port: u16) {
    let base = format!("http://127.0.0.1:{port}");
    let client = bramka::http::client(bramka::http::Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(10),
    })
    .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            assert_eq!(r.status(), 200);
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "the service did not answer /healthz");
    let form = "MessageSid=SM0123&AccountSid=AC00000000000000000000000000000000&From=%2B48600100200&To=%2B15005550006&Body=VOTE+five";
    let post = |token: &str| {
        let sig =
            bramka::twilio::signature::sign_for_test(token, "http://127.0.0.1:8025/hooks/tw/inbound", form);
        client
            .post(format!("{base}/hooks/tw/inbound"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(form)
            .send()
    };
    assert_eq!(post(TW_TOKEN).await.unwrap().status(), 200);
    assert_eq!(post(TW_TOKEN).await.unwrap().status(), 200, "a repeated delivery is acknowledged");
    assert_eq!(post("wrong").await.unwrap().status(), 403);
    let stats: serde_json::Value = client
        .get(format!("{base}/api/v1/polls/rating/stats"))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"], 1);
    assert_eq!(
        stats["options"],
        serde_json::json!([{"code": "1", "count": 0, "percent": "0.00"}, {"code": "5", "count": 1, "percent": "100.00"}])
    );
    let anon = client.get(format!("{base}/api/v1/polls/rating/stats")).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    // Let the dispatcher print the reply before the stop.
    tokio::time::sleep(Duration::from_millis(1500)).await;
}
