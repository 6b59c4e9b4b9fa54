//! `send`, `balance`, `status` and `cancel` as processes against wiremock operators on 127.0.0.1,
//! through `--gateway` DSNs and `--account` files: the exact request, the call count, the output,
//! and that no secret is ever printed.

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SMSAPI_TOKEN: &str = "smsapi-Secret-Tok3n";
const INFOBIP_KEY: &str = "infobip-Secret-K3y";
const DYNMARK_PASSWORD: &str = "dyn-Secret-Pw9";

fn smsapi_dsn(s: &MockServer) -> String {
    format!("smsapi://{SMSAPI_TOKEN}@127.0.0.1:{}", s.address().port())
}
fn infobip_dsn(s: &MockServer) -> String {
    format!("infobip://{INFOBIP_KEY}@127.0.0.1:{}", s.address().port())
}
fn dynmark_dsn(s: &MockServer) -> String {
    format!("dynmark://acme:{DYNMARK_PASSWORD}@127.0.0.1:{}?from=Acme", s.address().port())
}

fn assert_no_secret(run: &Run) {
    for s in [SMSAPI_TOKEN, INFOBIP_KEY, DYNMARK_PASSWORD] {
        assert!(!run.all().contains(s), "secret {s:?} printed:\n{}", run.all());
    }
}

use bramka_test_support::form;

fn smsapi_auth() -> String {
    format!("Bearer {SMSAPI_TOKEN}")
}

/// `POST /sms.do` of `text` from Shop to `numbers` (digits) with client ref `r`.
async fn mount_smsapi_send(server: &MockServer, r: &str, numbers: &[&str], text: &str, ids: &[&str]) {
    let idx: Vec<String> = numbers.iter().map(|n| format!("{r}{n}")).collect();
    let list: Vec<_> = numbers
        .iter()
        .zip(ids)
        .map(|(n, id)| json!({"id": id, "points": 0.16, "number": n, "status": "QUEUE", "idx": format!("{r}{n}")}))
        .collect();
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", smsapi_auth().as_str()))
        .and(form(&[
            ("to", &numbers.join(",")),
            ("message", text),
            ("from", "Shop"),
            ("format", "json"),
            ("encoding", "utf-8"),
            ("details", "1"),
            ("idx", &idx.join("|")),
            ("check_idx", "1"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": numbers.len(), "list": list})))
        .expect(1)
        .mount(server)
        .await;
}

// ------------------------------------------------------------------------------------- SMSAPI

#[tokio::test(flavor = "multi_thread")]
async fn smsapi_send_json_through_gateway_dsn() {
    let server = MockServer::start().await;
    mount_smsapi_send(
        &server,
        "clisa",
        &["48600100200", "48600100201"],
        "Order 17 is ready",
        &["SA1", "SA2"],
    )
    .await;
    let dsn = smsapi_dsn(&server);
    let run = bramka(&[
        "send",
        "--json",
        "--gateway",
        &dsn,
        "--from",
        "Shop",
        "--client-ref",
        "clisa",
        "--default-prefix",
        "48",
        "--to",
        "600 100 200; +48 600 100 201",
        "Order 17 is ready",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["gateway"], "smsapi");
    assert_eq!(v["encoding"], "gsm7");
    assert_eq!(v["recipients"], json!(["+48600100200", "+48600100201"]));
    assert_eq!(
        v["results"][0],
        json!({"to": "+48600100200", "state": "queued", "message_id": "SA1", "parts": null, "error": null})
    );
    assert_eq!(v["results"][1]["message_id"], "SA2");
    assert_no_secret(&run);
}

#[tokio::test(flavor = "multi_thread")]
async fn smsapi_auth_failure_exit_1_with_kind_and_certainty_and_no_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", smsapi_auth().as_str()))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": 101, "message": "Authorization failed"})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let dsn = smsapi_dsn(&server);
    let run = bramka(&["send", "--gateway", &dsn, "--to", "+48600100200", "hi"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("error: smsapi: auth: "), "{}", run.stderr);
    assert!(run.stderr.contains("hint: check the credentials"), "{}", run.stderr);
    assert_no_secret(&run);
    let run = bramka(&["send", "--json", "--gateway", &dsn, "--to", "+48600100200", "hi"]);
    assert_eq!(run.code, 1);
    let v = run.json();
    assert_eq!(v["results"][0]["state"], "rejected");
    assert_eq!(v["results"][0]["error"]["kind"], "auth");
    assert_eq!(v["results"][0]["error"]["certainty"], "not_sent");
    assert_eq!(v["error"]["kind"], "auth");
    assert_no_secret(&run);
}

#[tokio::test(flavor = "multi_thread")]
async fn smsapi_balance_status_cancel() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/profile"))
        .and(header("authorization", smsapi_auth().as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"username": "acme", "points": "321.50"})),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", smsapi_auth().as_str()))
        .and(form(&[("status", "SA1"), ("format", "json")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "list": [
            {"id": "SA1", "number": "48600100200", "status": "DELIVERED", "points": "0.16", "idx": "k1"}]})))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", smsapi_auth().as_str()))
        .and(form(&[("sch_del", "SA9"), ("format", "json")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "list": [{"id": "SA9"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let dsn = smsapi_dsn(&server);

    let run = bramka(&["balance", "--gateway", &dsn]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "smsapi: 321.5 points\n"), "{}", run.all());
    let run = bramka(&["balance", "--json", "-g", &dsn]);
    assert_eq!(run.json(), json!({"gateway": "smsapi", "amount": 321.5, "unit": "points"}));

    let run = bramka(&["status", "--gateway", &dsn, "SA1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "smsapi SA1: delivered (DELIVERED), to +48600100200\n");
    let run = bramka(&["status", "--json", "--gateway", &dsn, "SA1"]);
    let v = run.json();
    assert_eq!((v["state"].as_str(), v["to"].as_str()), (Some("delivered"), Some("+48600100200")));

    let run = bramka(&["cancel", "--gateway", &dsn, "SA9"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "smsapi: canceled SA9\n"), "{}", run.all());
    assert_no_secret(&run);
}

// ------------------------------------------------------------------------------------ Infobip

fn infobip_auth() -> String {
    format!("App {INFOBIP_KEY}")
}

#[tokio::test(flavor = "multi_thread")]
async fn infobip_send_balance_status_cancel() {
    let server = MockServer::start().await;
    let r = "cliib";
    let (id1, id2) = (format!("{r}48600100200"), format!("{r}48600100201"));
    Mock::given(method("POST"))
        .and(path("/sms/3/messages"))
        .and(header("authorization", infobip_auth().as_str()))
        .and(body_json(json!({
            "messages": [{
                "sender": "Shop",
                "destinations": [{"to": "48600100200", "messageId": id1}, {"to": "48600100201", "messageId": id2}],
                "content": {"text": "Order 17 is ready"},
                "webhooks": {"callbackData": r}
            }],
            "options": {"schedule": {"bulkId": r}, "includeSmsCountInResponse": true}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": r, "messages": [
            {"messageId": id1, "destination": "48600100200", "details": {"messageCount": 1},
             "status": {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED"}},
            {"messageId": id2, "destination": "48600100201", "details": {"messageCount": 1},
             "status": {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED"}}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/account/1/balance"))
        .and(header("authorization", infobip_auth().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"balance": 47.79, "currency": "EUR"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/sms/3/logs"))
        .and(query_param("messageId", "M1"))
        .and(header("authorization", infobip_auth().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [{
            "bulkId": "B1", "messageId": "M1", "destination": "41793026727",
            "sentAt": "2019-11-09T16:00:00.000+0000", "doneAt": "2019-11-09T16:00:00.000+0000",
            "messageCount": 1,
            "status": {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET"},
            "error": {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "permanent": false}
        }]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/sms/1/bulks/status"))
        .and(query_param("bulkId", "B7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": "B7", "status": "PENDING"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/sms/1/bulks/status"))
        .and(query_param("bulkId", "B7"))
        .and(header("authorization", infobip_auth().as_str()))
        .and(body_json(json!({"status": "CANCELED"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": "B7", "status": "CANCELED"})))
        .expect(1)
        .mount(&server)
        .await;
    let dsn = infobip_dsn(&server);

    let run = bramka(&[
        "send",
        "--json",
        "--gateway",
        &dsn,
        "--from",
        "Shop",
        "--client-ref",
        r,
        "--to",
        "+48600100200, +48600100201",
        "Order 17 is ready",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["gateway"], "infobip");
    assert_eq!(v["batch_ids"], json!([r]));
    assert_eq!(v["results"][1]["message_id"], id2.as_str());
    assert_eq!(v["results"][1]["state"], "accepted");
    assert_no_secret(&run);

    let run = bramka(&["balance", "--gateway", &dsn]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "infobip: 47.79 EUR\n"), "{}", run.all());
    let run = bramka(&["status", "--gateway", &dsn, "M1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.starts_with("infobip M1: delivered (DELIVERED_TO_HANDSET), to +41793026727"),
        "{}",
        run.stdout
    );
    let run = bramka(&["cancel", "--gateway", &dsn, "B7"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "infobip: canceled B7\n"), "{}", run.all());
    assert_no_secret(&run);
}

// ------------------------------------------------------------------------------------ Dynmark

#[tokio::test(flavor = "multi_thread")]
async fn dynmark_unsupported_operations_say_so_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let dsn = dynmark_dsn(&server);
    for args in [&["balance"][..], &["status", "X1"][..], &["cancel", "X1"][..]] {
        let mut all = args.to_vec();
        all.extend(["--gateway", &dsn]);
        let run = bramka(&all);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(
            run.stderr.starts_with("error: dynmark: unsupported: dynmark does not support"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("hint: the operator behind dynmark does not support"), "{}", run.stderr);
        assert_no_secret(&run);
    }
}

// ------------------------------------------------------------------------------------ accounts

fn write_accounts(dir: &std::path::Path, file: &str, dsn: &str) -> std::path::PathBuf {
    let p = dir.join(file);
    std::fs::write(
        &p,
        format!(
            "[accounts.shop]\ndsn = \"{dsn}\"\nsenders = [\"Shop\", \"ShopPromo\"]\ndefault_prefix = \"48\"\n\
             allow_diacritics = false\n\n[accounts.old]\ndsn = \"console://\"\nactive = false\n"
        ),
    )
    .unwrap();
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn account_from_config_applies_its_policy() {
    let server = MockServer::start().await;
    mount_smsapi_send(&server, "cliacc", &["48600100200"], "Zazolc gesla jazn", &["SA7"]).await;
    let dir = temp_dir("accounts");
    // The secret comes from the environment through ${VAR}.
    let dsn = format!("smsapi://${{CLI_SMSAPI_TOKEN}}@127.0.0.1:{}", server.address().port());
    let config = write_accounts(&dir, "accounts.toml", &dsn);
    let env = [("CLI_SMSAPI_TOKEN", SMSAPI_TOKEN)];
    let run = bramka_in(
        &dir,
        &[
            "send",
            "--json",
            "--account",
            "shop",
            "--config",
            config.to_str().unwrap(),
            "--client-ref",
            "cliacc",
            "--to",
            "600 100 200",
            "Zażółć gęślą jaźń",
        ],
        "",
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!((v["sender"].as_str(), v["encoding"].as_str()), (Some("Shop"), Some("gsm7")));
    assert_eq!(v["results"][0]["message_id"], "SA7");
    assert_no_secret(&run);
}

#[tokio::test(flavor = "multi_thread")]
async fn account_refusals_are_usage_errors_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let dir = temp_dir("accounts-bad");
    // ./bramka.toml is read without --config.
    write_accounts(&dir, "bramka.toml", &smsapi_dsn(&server));
    let cases: [(&[&str], &str); 4] = [
        (&["send", "--account", "nope", "--to", "+48600100200", "hi"], "no account named \"nope\""),
        (&["send", "--account", "old", "--to", "+48600100200", "hi"], "inactive"),
        (&["send", "--account", "shop", "--from", "Other", "--to", "+48600100200", "hi"], "ShopPromo"),
        (
            &["send", "--account", "shop", "--config", "missing.toml", "--to", "+48600100200", "hi"],
            "missing.toml",
        ),
    ];
    for (args, expect) in cases {
        let run = bramka_in(&dir, args, "", &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(run.stderr.starts_with("error: ") && run.stderr.contains(expect), "{args:?}: {}", run.stderr);
        assert_no_secret(&run);
    }
    // Without --account, nothing is sent through the file's accounts, but they are pointed out.
    let run = bramka_in(&dir, &["send", "--to", "+48600100200", "hi"], "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("through console"), "{}", run.stdout);
    assert!(
        run.stderr.contains("bramka.toml has accounts (old, shop): pick one with --account NAME"),
        "{}",
        run.stderr
    );
    let run = bramka(&["send", "--account", "shop", "--to", "+48600100200", "hi"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no accounts file found") && run.stderr.contains("hint: "), "{}", run.stderr);
}

// ------------------------------------------------------------------------------------ --to-file

#[tokio::test(flavor = "multi_thread")]
async fn to_file_refuses_bad_rows_then_skips_them_and_sends_in_chunks() {
    let server = MockServer::start().await;
    let dir = temp_dir("csv");
    std::fs::write(
        dir.join("numbers.csv"),
        "name,phone\nAnna,+48 600 100 200\nBob,not-a-number\nCelina,600100201\nDawid,600100202\n",
    )
    .unwrap();
    let dsn = smsapi_dsn(&server);
    let base = [
        "send",
        "--gateway",
        &dsn,
        "--from",
        "Shop",
        "--client-ref",
        "clicsv",
        "--default-prefix",
        "48",
        "--to-file",
        "numbers.csv",
    ];

    // A bad row: every bad row listed with its line, nothing sent.
    {
        let guard = Mock::given(any())
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .mount_as_scoped(&server)
            .await;
        let mut args = base.to_vec();
        args.push("Sale today");
        let run = bramka_in(&dir, &args, "", &[]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(run.stderr.contains("numbers.csv:3: \"not-a-number\""), "{}", run.stderr);
        assert!(run.stderr.contains("1 bad row(s) in numbers.csv; nothing was sent"), "{}", run.stderr);
        assert!(run.stderr.contains("--skip-invalid"), "{}", run.stderr);
        drop(guard);
    }

    // --skip-invalid: the three good numbers in chunks of two (two requests).
    // Each chunk has its own client reference, derived from --client-ref.
    mount_smsapi_send(&server, "clicsvc1", &["48600100200", "48600100201"], "Sale today", &["S1", "S2"])
        .await;
    mount_smsapi_send(&server, "clicsvc2", &["48600100202"], "Sale today", &["S3"]).await;
    let mut args = base.to_vec();
    args.extend(["--skip-invalid", "--chunk-size", "2", "Sale today"]);
    let run = bramka_in(&dir, &args, "", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("3 recipient(s) through smsapi"), "{}", run.stdout);
    assert!(run.stdout.contains("+48600100202  queued  S3"), "{}", run.stdout);
    assert!(
        run.stdout.contains("sent in 2 requests with client refs clicsvc1 .. clicsvc2"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("Accepted: 3, rejected: 0, bad rows skipped: 1\n"), "{}", run.stdout);
    assert!(run.stderr.contains("numbers.csv:3:"), "{}", run.stderr);
    // Piped stderr: no progress bar drawn.
    assert!(!run.stderr.contains("recipients ("), "{}", run.stderr);
    assert_no_secret(&run);
}

#[tokio::test(flavor = "multi_thread")]
async fn to_file_partial_rejection_is_summarised_and_exits_1() {
    let server = MockServer::start().await;
    let dir = temp_dir("csv-partial");
    std::fs::write(dir.join("n.csv"), "+48600100200\n+48600100201\n").unwrap();
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "list": [
            {"id": "S1", "number": "48600100200", "status": "QUEUE", "points": 0.16}]})))
        .expect(1)
        .mount(&server)
        .await;
    let dsn = smsapi_dsn(&server);
    let run = bramka_in(&dir, &["send", "--json", "--gateway", &dsn, "--to-file", "n.csv", "hi"], "", &[]);
    let v = run.json();
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!((v["accepted"].as_u64(), v["rejected"].as_u64()), (Some(1), Some(1)));
    let missing = &v["results"][1];
    assert_eq!((missing["to"].as_str(), missing["state"].as_str()), (Some("+48600100201"), Some("rejected")));
    assert!(missing["error"]["kind"].is_string() && missing["error"]["certainty"].is_string(), "{missing}");
    assert!(run.stderr.contains("error: 1 of 2 recipient(s) rejected"), "{}", run.stderr);
}

// ------------------------------------------------------------------------------------- Twilio

const TWILIO_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TWILIO_TOKEN: &str = "tw-Secret-Tok3n";
/// `Basic base64("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:tw-Secret-Tok3n")`.
const TWILIO_AUTH: &str = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp0dy1TZWNyZXQtVG9rM24=";

#[tokio::test(flavor = "multi_thread")]
async fn twilio_send_one_request_per_recipient_through_base_url() {
    let server = MockServer::start().await;
    for (to, sid) in [
        ("+48600100200", "SM00000000000000000000000000000001"),
        ("+48600100201", "SM00000000000000000000000000000002"),
    ] {
        Mock::given(method("POST"))
            .and(path(format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")))
            .and(header("authorization", TWILIO_AUTH))
            .and(form(&[("To", to), ("From", "+15005550006"), ("Body", "Order 17 is ready")]))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "account_sid": TWILIO_SID, "sid": sid, "status": "queued", "to": to, "from": "+15005550006",
                "body": "Order 17 is ready", "num_segments": "1", "direction": "outbound-api",
                "error_code": null, "error_message": null, "price": null, "price_unit": "USD"
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let dsn = format!(
        "twilio://{TWILIO_SID}:{TWILIO_TOKEN}@default?base_url=http%3A%2F%2F127.0.0.1%3A{}",
        server.address().port()
    );
    let run = bramka(&[
        "send",
        "--json",
        "--gateway",
        &dsn,
        "--from",
        "+15005550006",
        "--to",
        "+48600100200, +48600100201",
        "Order 17 is ready",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["gateway"], "twilio");
    assert_eq!(v["results"][1]["message_id"], "SM00000000000000000000000000000002");
    assert!(!run.all().contains(TWILIO_TOKEN), "{}", run.all());

    // No sender anywhere: a configuration error with a hint, before any request (expect(1) above).
    let dsn_no_from = dsn.clone();
    let run = bramka(&["send", "--gateway", &dsn_no_from, "--to", "+48600100200", "hi"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("hint: pass --from SENDER"), "{}", run.stderr);
    assert!(!run.all().contains(TWILIO_TOKEN), "{}", run.all());
}

#[test]
fn dsn_errors_never_print_the_secret() {
    let secret = "S3cret-In-Dsn";
    for dsn in [
        format!("smsapi://{secret}@default?bogus=1"),
        format!("infobip://{secret}@"),
        format!("twilio://ACx:{secret}@default"),
        format!("dynmark://user:{secret}@default?bogus=1"),
        format!("nope://{secret}@default"),
        format!("smsapi://{secret}@default || carrier://{secret}@x"),
    ] {
        for args in [
            vec!["send", "--gateway", &dsn, "--to", "+48600100200", "hi"],
            vec!["balance", "--gateway", &dsn],
            vec!["status", "--json", "--gateway", &dsn, "ID1"],
        ] {
            let run = bramka(&args);
            assert_eq!(run.code, 2, "{args:?}: {}", run.all());
            assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
            assert!(!run.all().contains(secret), "{dsn}: {}", run.all());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn to_file_stops_after_an_auth_failure_and_reports_the_rest_not_attempted() {
    let server = MockServer::start().await;
    let dir = temp_dir("csv-stop");
    std::fs::write(dir.join("n.csv"), "phone\n+48600100200\n+48600100201\n+48600100202\n").unwrap();
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": 101, "message": "Authorization failed"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dsn = smsapi_dsn(&server);
    let run = bramka_in(
        &dir,
        &["send", "--json", "--gateway", &dsn, "--to-file", "n.csv", "--chunk-size", "1", "hi"],
        "",
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let v = run.json();
    let states: Vec<&str> =
        v["results"].as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["rejected", "not_attempted", "not_attempted"]);
    // Never attempted: no error of its own (issue 14: never carrying another request's error).
    assert!(v["results"][2]["error"].is_null(), "{}", v["results"][2]);
    assert_eq!(v["error"]["kind"], "auth");
    assert!(run.stderr.contains("error: smsapi: auth: "), "{}", run.stderr);
    assert_no_secret(&run);
}

/// Issue 14: on an operator that de-duplicates (SMSAPI), a chunk that may have gone out is retried
/// with the same keys through the library's policy and the bulk send goes on with the next chunks.
#[tokio::test(flavor = "multi_thread")]
async fn to_file_retries_and_continues_past_a_maybe_sent_chunk_where_the_operator_dedupes() {
    let server = MockServer::start().await;
    let dir = temp_dir("csv-maybe");
    std::fs::write(dir.join("n.csv"), "phone\n+48600100200\n+48600100201\n").unwrap();
    let to = |n: &'static str| wiremock::matchers::body_string_contains(format!("to={n}&"));
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(to("48600100200"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(to("48600100201"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"count": 1, "list": [{"id": "ID2", "points": 0.16, "number": "48600100201", "status": "QUEUE"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dsn = smsapi_dsn(&server);
    let run = bramka_in(
        &dir,
        &["send", "--json", "--gateway", &dsn, "--to-file", "n.csv", "--chunk-size", "1", "hi"],
        "",
        &[],
    );
    let v = run.json();
    let states: Vec<&str> =
        v["results"].as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["rejected", "queued"], "{}", run.all());
    assert_eq!(v["results"][0]["error"]["certainty"], "maybe_sent");
    assert_no_secret(&run);
}

/// An operator's answer with terminal escapes and a bidi override: printed escaped, never raw.
#[tokio::test(flavor = "multi_thread")]
async fn operator_text_is_escaped_in_human_output() {
    let hostile = "DELIVERED\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}txt.exe";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(form(&[("status", "SA1"), ("format", "json")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "list": [
            {"id": "SA1", "number": "48600100200", "status": hostile, "points": "0.16"}]})))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/profile"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": 101, "message": hostile})))
        .expect(1)
        .mount(&server)
        .await;
    let dsn = smsapi_dsn(&server);
    let raw = ['\u{1b}', '\u{7}', '\u{202e}'];

    let run = bramka(&["status", "--gateway", &dsn, "SA1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains(raw), "raw control characters printed: {:?}", run.all());
    assert!(
        run.stdout.contains("DELIVERED\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{202e}txt.exe"),
        "{:?}",
        run.stdout
    );
    // JSON keeps the exact text (serde_json escapes the controls; the override is data).
    let run = bramka(&["status", "--json", "--gateway", &dsn, "SA1"]);
    assert_eq!(run.json()["raw_status"].as_str(), Some(hostile));

    let run = bramka(&["balance", "--gateway", &dsn]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(!run.all().contains(raw), "raw control characters printed: {:?}", run.all());
    assert!(run.stderr.contains("\\u{202e}txt.exe"), "{:?}", run.stderr);
    assert_no_secret(&run);
}
