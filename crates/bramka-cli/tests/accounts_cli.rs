//! The accounts file from the command line: default account, inactive accounts, allowed
//! destinations, `accounts list|activate|deactivate|test-sms`, and `config path`, against a
//! wiremock SMSAPI on 127.0.0.1.

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "smsapi-Secret-Tok3n";

/// `POST /sms.do` answering one queued message `ID1`, expected `times` times.
async fn smsapi(times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1,
            "list": [{"id": "ID1", "points": 0.16, "number": "48600100200", "status": "QUEUE"}]
        })))
        .expect(times)
        .mount(&server)
        .await;
    server
}

fn file(server: &MockServer, extra_top: &str, extra_shop: &str) -> String {
    format!(
        "# kept as written\n{extra_top}\n[accounts.shop]\ndsn = \"smsapi://{TOKEN}@127.0.0.1:{}?from=Shop\"\n\
         default_prefix = \"48\"\n{extra_shop}\n\n[accounts.other]\ndsn = \"console://\"\n",
        server.address().port()
    )
}

fn sent_texts(server: &MockServer) -> Vec<String> {
    futures_lite_block(server.received_requests())
        .unwrap_or_default()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

fn futures_lite_block<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_account_is_used_without_account() {
    let server = smsapi(1).await;
    let dir = temp_dir("default");
    std::fs::write(dir.join("bramka.toml"), file(&server, "default_account = \"shop\"", "")).unwrap();
    let run = bramka_in(&dir, &["send", "--to", "600100200", "hi"], "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("+48600100200  queued  ID1"), "{}", run.all());
    assert!(!run.all().contains(TOKEN));
    let bodies = sent_texts(&server);
    assert!(bodies[0].contains("to=48600100200") && bodies[0].contains("message=hi"), "{bodies:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inactive_account_says_so_and_how_to_activate_and_activate_lets_it_send() {
    let server = smsapi(1).await;
    let dir = temp_dir("inactive");
    std::fs::write(dir.join("bramka.toml"), file(&server, "", "active = false")).unwrap();
    let run = bramka_in(&dir, &["send", "--account", "shop", "--to", "600100200", "hi"], "", &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("account \"shop\" is inactive"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: activate it with `bramka accounts activate shop`"), "{}", run.stderr);
    assert!(!run.stderr.contains("DSN looks like"), "no DSN-syntax hint: {}", run.stderr);
    assert!(sent_texts(&server).is_empty());

    let list = bramka_in(&dir, &["accounts", "list", "--json"], "", &[]).json();
    assert_eq!(list["accounts"][1]["name"], "shop");
    assert_eq!(list["accounts"][1]["active"], false);
    assert!(!list.to_string().contains(TOKEN), "{list}");

    let run = bramka_in(&dir, &["accounts", "activate", "shop"], "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let edited = std::fs::read_to_string(dir.join("bramka.toml")).unwrap();
    assert!(edited.starts_with("# kept as written\n"), "comments kept: {edited}");
    assert!(edited.contains("active = true") && edited.contains(TOKEN), "{edited}");
    let run = bramka_in(&dir, &["send", "--account", "shop", "--to", "600100200", "hi"], "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());

    let run = bramka_in(&dir, &["accounts", "deactivate", "nope"], "", &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no account named \"nope\"") && run.stderr.contains("other, shop"),
        "{}",
        run.stderr
    );
    let run = bramka_in(&dir, &["accounts", "deactivate", "shop"], "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let list = bramka_in(&dir, &["accounts", "list"], "", &[]);
    assert!(list.stdout.contains("shop  INACTIVE  smsapi://***@127.0.0.1"), "{}", list.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn destinations_outside_the_allowed_prefixes_are_refused_before_any_request() {
    let server = smsapi(0).await;
    let dir = temp_dir("restrict");
    std::fs::write(dir.join("bramka.toml"), file(&server, "", "allowed_prefixes = [\"48\"]")).unwrap();
    let run = bramka_in(
        &dir,
        &["send", "--account", "shop", "--to", "600100200, +44 7700 900123, +1 202 555 0100", "hi"],
        "",
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("only to numbers starting with +48; refused: +447700900123, +12025550100"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn test_sms_is_at_most_150_characters() {
    let server = smsapi(1).await;
    let dir = temp_dir("testsms");
    std::fs::write(dir.join("bramka.toml"), file(&server, "", "")).unwrap();
    let long = "x".repeat(151);
    let run =
        bramka_in(&dir, &["accounts", "test-sms", "--account", "shop", "--to", "600100200", &long], "", &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("at most 150 characters; this one has 151"), "{}", run.stderr);
    let run = bramka_in(&dir, &["accounts", "test-sms", "--account", "shop", "--to", "600100200"], "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("+48600100200  queued  ID1"), "{}", run.all());
    assert!(
        sent_texts(&server)[0].contains("message=bramka+test+SMS+from+account+shop"),
        "{:?}",
        sent_texts(&server)
    );
}

#[test]
fn config_path_says_which_file_and_why() {
    let dir = temp_dir("cfgpath");
    let home = dir.join("home");
    let work = dir.join("work");
    std::fs::create_dir_all(home.join(".config/bramka")).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let env = [("HOME", home.to_str().unwrap()), ("XDG_CONFIG_HOME", "")];

    let run = bramka_in(&work, &["config", "path"], "", &env);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("no accounts file found; looked at --config PATH, BRAMKA_CONFIG"),
        "{}",
        run.stderr
    );

    let user = home.join(".config/bramka/accounts.toml");
    std::fs::write(&user, "default_account = \"u\"\n[accounts.u]\ndsn = \"console://\"\n").unwrap();
    let run = bramka_in(&work, &["config", "path"], "", &env);
    assert_eq!(run.stdout.trim(), user.display().to_string(), "{}", run.all());
    assert!(run.stderr.contains("user configuration directory"), "{}", run.stderr);
    // The user file's default account is used by send.
    let run = bramka_in(&work, &["send", "--to", "+48600100200", "hi"], "", &env);
    assert!(run.stdout.contains("through console"), "{}", run.all());
    assert!(!run.stderr.contains("no gateway configured"), "{}", run.all());

    std::fs::write(work.join("bramka.toml"), "").unwrap();
    let run = bramka_in(&work, &["config", "path"], "", &env);
    assert_eq!(run.stdout.trim(), "bramka.toml");
    assert!(run.stderr.contains("./bramka.toml exists"), "{}", run.stderr);

    let mut env_var = env.to_vec();
    env_var.push(("BRAMKA_CONFIG", "/nowhere/b.toml"));
    let run = bramka_in(&work, &["config", "path"], "", &env_var);
    assert_eq!(run.stdout.trim(), "/nowhere/b.toml (missing)");
    assert!(run.stderr.contains("named by BRAMKA_CONFIG"), "{}", run.stderr);

    let run = bramka_in(&work, &["config", "path", "--config", "x.toml"], "", &env_var);
    assert!(run.stdout.starts_with("x.toml") && run.stderr.contains("--config"), "{}", run.all());
}
