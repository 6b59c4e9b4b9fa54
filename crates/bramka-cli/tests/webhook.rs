//! `bramka webhook parse` and `bramka webhook verify` as processes, body on standard input.

mod common;

use bramka::twilio::signature::sign_for_test;
use common::*;

const TOKEN: &str = "tw-Secret-Tok3n";
const STATUS_BODY: &str = "MessageSid=SM3f1b2c4d5e6f708192a3b4c5d6e7f809&MessageStatus=delivered&To=%2B14155552671&From=%2B15005550006";

fn sig_header(url: &str, body: &str, token: &str) -> String {
    format!("X-Twilio-Signature: {}", sign_for_test(token, url, body))
}

#[test]
fn smsapi_delivery_report_from_the_query() {
    let url =
        "https://shop.example/smsapi?MsgId=AAA1,BBB2&status=404,405&idx=k1,k2&donedate=1717500900,1717500905";
    let run = bramka(&["webhook", "parse", "--provider", "smsapi", "--url", url]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["provider"], "smsapi");
    assert!(v["signature_verified"].is_null());
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["type"], "delivery");
    assert_eq!(events[0]["message_id"], "AAA1");
    assert_eq!(events[0]["state"], "delivered");
    assert_eq!(events[0]["client_ref"], "k1");
    assert_eq!(v["acknowledge"]["body"], "OK");
    assert!(run.stderr.contains("does not sign its webhooks"), "{}", run.stderr);
}

#[test]
fn smsapi_inbound_form_post() {
    let body = "sms_from=48600100200&sms_to=48500600700&sms_text=TAK&sms_date=1717500900&MsgId=MO1\n";
    let run = bramka_stdin(&["webhook", "parse", "--provider", "smsapi", "--url", "https://x.test/mo"], body);
    assert_eq!(run.code, 0, "{}", run.all());
    let e = &run.json()["events"][0];
    assert_eq!(e["type"], "inbound");
    assert_eq!((e["from"].as_str(), e["text"].as_str()), (Some("+48600100200"), Some("TAK")));
}

#[test]
fn smsapi_malformed_exits_1_with_the_reason() {
    let run = bramka(&["webhook", "parse", "--provider", "smsapi", "--url", "https://x.test/cb?foo=1"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.starts_with("error: malformed webhook: neither a delivery report"), "{}", run.stderr);
}

#[test]
fn infobip_delivery_report_json() {
    let body = r#"{"results":[{"messageId":"m1","to":"41793026727","status":{"groupId":3,"id":5,"name":"DELIVERED_TO_HANDSET"}}]}"#;
    let run =
        bramka_stdin(&["webhook", "parse", "--provider", "infobip", "--url", "https://x.test/dlr"], body);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["provider"], "infobip");
    assert_eq!(v["events"][0]["type"], "delivery");
    assert_eq!(v["events"][0]["message_id"], "m1");
    assert_eq!(v["events"][0]["state"], "delivered");
    // Not JSON: exit 1 with Infobip's reason.
    let run = bramka_stdin(
        &["webhook", "parse", "--provider", "infobip", "-H", "Content-Type: application/json"],
        "{nope",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("body is not JSON"), "{}", run.stderr);
}

#[test]
fn twilio_signed_status_callback_parses() {
    let url = "https://example.com/twilio/status";
    let run = bramka_stdin(
        &[
            "webhook",
            "parse",
            "--provider",
            "twilio",
            "--url",
            url,
            "--header",
            &sig_header(url, STATUS_BODY, TOKEN),
            "--twilio-token",
            TOKEN,
        ],
        STATUS_BODY,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["signature_verified"], true);
    assert_eq!(v["events"][0]["type"], "delivery");
    assert_eq!(v["events"][0]["message_id"], "SM3f1b2c4d5e6f708192a3b4c5d6e7f809");
    assert_eq!(v["events"][0]["state"], "delivered");
    assert!(!run.all().contains(TOKEN), "{}", run.all());
}

#[test]
fn twilio_token_from_the_environment() {
    let url = "https://example.com/twilio/status";
    let dir = temp_dir("twenv");
    let run = bramka_in(
        &dir,
        &[
            "webhook",
            "parse",
            "--provider",
            "twilio",
            "--url",
            url,
            "-H",
            &sig_header(url, STATUS_BODY, TOKEN),
        ],
        STATUS_BODY,
        &[("BRAMKA_TWILIO_TOKEN", TOKEN)],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json()["signature_verified"], true);
}

#[test]
fn twilio_forged_or_unsigned_is_refused() {
    let url = "https://example.com/twilio/status";
    let forged = sig_header(url, STATUS_BODY, "not-the-token");
    let run = bramka_stdin(
        &["webhook", "parse", "--provider", "twilio", "--url", url, "-H", &forged, "--twilio-token", TOKEN],
        STATUS_BODY,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.starts_with("error: invalid signature"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: check the Auth Token"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(!run.all().contains(TOKEN));

    // No token and no explicit opt-out: refused as bad usage.
    let run = bramka_stdin(&["webhook", "parse", "--provider", "twilio", "--url", url], STATUS_BODY);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("refusing to parse a Twilio webhook without checking its signature"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--insecure-skip-signature"), "{}", run.stderr);

    // No --url for Twilio: refused, the signature covers it.
    let run =
        bramka_stdin(&["webhook", "parse", "--provider", "twilio", "--twilio-token", TOKEN], STATUS_BODY);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("--url is required for Twilio"), "{}", run.stderr);
}

#[test]
fn twilio_insecure_skip_is_loud() {
    let run = bramka_stdin(
        &[
            "webhook",
            "parse",
            "--provider",
            "twilio",
            "--url",
            "https://example.com/t",
            "--insecure-skip-signature",
        ],
        STATUS_BODY,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json()["signature_verified"], false);
    assert!(
        run.stderr.contains("WARNING: --insecure-skip-signature: the Twilio signature is NOT checked"),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_valid_missing_and_wrong_token() {
    let url = "https://example.com/twilio/status?acct=7";
    let good = sig_header(url, STATUS_BODY, TOKEN);
    let run = bramka_stdin(
        &["webhook", "verify", "--provider", "twilio", "--url", url, "-H", &good, "--twilio-token", TOKEN],
        STATUS_BODY,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, format!("valid: X-Twilio-Signature matches {url}\n"));

    let run = bramka_stdin(
        &["webhook", "verify", "--provider", "twilio", "--url", url, "--twilio-token", TOKEN],
        STATUS_BODY,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.starts_with("error: missing signature: X-Twilio-Signature header is required"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: Twilio sends X-Twilio-Signature"), "{}", run.stderr);

    let run = bramka_stdin(
        &[
            "webhook",
            "verify",
            "--provider",
            "twilio",
            "--url",
            url,
            "-H",
            &good,
            "--twilio-token",
            "wrong-token",
        ],
        STATUS_BODY,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.starts_with("error: invalid signature"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: check the Auth Token"), "{}", run.stderr);

    // A changed body no longer verifies.
    let run = bramka_stdin(
        &["webhook", "verify", "--provider", "twilio", "--url", url, "-H", &good, "--twilio-token", TOKEN],
        &STATUS_BODY.replace("delivered", "failed"),
    );
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn verify_port_and_scheme_mismatch_hints() {
    // Twilio called the proxy's public port; the application sees the URL without it.
    let signed = "https://example.com:8443/twilio/status";
    let header = sig_header(signed, STATUS_BODY, TOKEN);
    let run = bramka_stdin(
        &[
            "webhook",
            "verify",
            "--provider",
            "twilio",
            "--url",
            "https://example.com/twilio/status",
            "-H",
            &header,
            "--twilio-token",
            TOKEN,
        ],
        STATUS_BODY,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("hint: the signature matches https://example.com:8443/twilio/status"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("different port"), "{}", run.stderr);

    // TLS terminated at a proxy: the application sees http.
    let header = sig_header("https://example.com/twilio/status", STATUS_BODY, TOKEN);
    let run = bramka_stdin(
        &[
            "webhook",
            "verify",
            "--provider",
            "twilio",
            "--url",
            "http://example.com/twilio/status",
            "-H",
            &header,
            "--twilio-token",
            TOKEN,
        ],
        STATUS_BODY,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("matches https://example.com/twilio/status"), "{}", run.stderr);
    assert!(run.stderr.contains("different scheme"), "{}", run.stderr);
    assert!(!run.all().contains(TOKEN));
}

#[test]
fn dynmark_and_unsigned_providers_are_explained() {
    let run = bramka(&["webhook", "parse", "--provider", "dynmark"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.starts_with("error: bramka has no Dynmark webhook parser"), "{}", run.stderr);
    let run = bramka(&["webhook", "verify", "--provider", "dynmark"]);
    assert_eq!(run.code, 2);
    for p in ["smsapi", "infobip"] {
        let run = bramka(&["webhook", "verify", "--provider", p]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr.contains("does not sign its webhooks: there is no signature to verify"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn webhook_bad_usage_exits_2() {
    let cases: &[&[&str]] = &[
        &["webhook", "parse", "--provider", "smsapi", "--header", "no colon here"],
        &["webhook", "parse", "--provider", "smsapi", "--url", "not a url"],
        &["webhook", "parse", "--provider", "smsapi", "--method", "G E T"],
        &["webhook", "parse", "--provider", "carrier-pigeon"],
        &["webhook", "parse", "--provider", "smsapi", "--insecure-skip-signature"],
        &["webhook", "verify", "--provider", "twilio", "--url", "https://x.test/"],
        &["webhook", "parse"],
    ];
    for args in cases {
        let run = bramka(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
}
