//! `bramka send` with nothing configured: `console://default` prints the message, then a summary.

mod common;

use common::*;

#[test]
fn readme_first_command_works_on_a_fresh_machine() {
    let run = bramka(&["send", "--to", "+48 600 100 200", "Zażółć gęślą jaźń"]);
    assert_eq!(run.code, 0, "{}", run.all());
    // What the console gateway prints…
    assert!(run.stdout.contains("to:       +48600100200 (console-1)"), "{}", run.stdout);
    assert!(run.stdout.contains("part 1/1 (17 units): Zażółć gęślą jaźń"), "{}", run.stdout);
    // …then the summary.
    assert!(run.stdout.contains("1 recipient(s) through console: UCS-2, 1 part(s) each"), "{}", run.stdout);
    assert!(run.stdout.contains("+48600100200  accepted  console-1"), "{}", run.stdout);
    assert!(run.stdout.ends_with("Accepted: 1, rejected: 0\n"), "{}", run.stdout);
    assert!(run.stderr.contains("no gateway configured: using console://default"), "{}", run.stderr);
}

#[test]
fn json_report_fields_and_console_output_on_stderr() {
    let run = bramka(&[
        "send",
        "--json",
        "--to",
        "+48 600 100 200, 600100201",
        "--default-prefix",
        "48",
        "--from",
        "Shop",
        "--client-ref",
        "cli1",
        "Zażółć gęślą jaźń",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["gateway"], "console");
    assert_eq!(v["recipients"], serde_json::json!(["+48600100200", "+48600100201"]));
    assert_eq!(v["encoding"], "ucs2");
    assert_eq!(v["segments"], 1);
    assert_eq!(v["units"], 17);
    assert_eq!(v["sender"], "Shop");
    assert_eq!(v["client_ref"], "cli1");
    assert_eq!((v["accepted"].as_u64(), v["rejected"].as_u64()), (Some(2), Some(0)));
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["to"], "+48600100201");
    assert_eq!(results[1]["state"], "accepted");
    assert_eq!(results[1]["message_id"], "console-2");
    assert!(results[1]["error"].is_null());
    // The console gateway's print-out went to stderr, so stdout is one JSON document.
    assert!(run.stderr.contains("from:     Shop"), "{}", run.stderr);
}

#[test]
fn transliterate_schedule_and_bare_console_dsn() {
    let run = bramka(&[
        "send",
        "--json",
        "--gateway",
        "console://",
        "--transliterate",
        "--at",
        "2099-05-04T09:30:00+02:00",
        "--to",
        "+48600100200",
        "Zażółć gęślą jaźń",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["encoding"], "gsm7");
    assert_eq!(v["text"], "Zazolc gesla jazn");
    assert_eq!(v["send_at"], "2099-05-04T07:30:00+00:00");
    assert_eq!(v["results"][0]["state"], "scheduled");
    assert!(!run.stderr.contains("no gateway configured"), "an explicit console:// is configured");
}

#[test]
fn text_from_stdin() {
    let run = bramka_stdin(&["send", "--json", "--to", "+48600100200", "-"], "line one\nline two\n");
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json()["text"], "line one\nline two");
}

#[test]
fn bad_at_is_usage_error_with_the_accepted_forms() {
    for at in ["tomorrow", "2020-01-01T00:00:00Z", "2026-13-45 10:00"] {
        let run = bramka(&["send", "--at", at, "--to", "+48600100200", "x"]);
        assert_eq!(run.code, 2, "--at {at}: {}", run.all());
        assert!(run.stderr.starts_with("error: --at"), "{}", run.stderr);
        assert!(!run.stdout.contains("SMS"), "nothing sent: {}", run.stdout);
    }
    let run = bramka(&["send", "--at", "nope", "--to", "+48600100200", "x"]);
    assert!(run.stderr.contains("RFC 3339"), "{}", run.stderr);
}

#[test]
fn a_national_number_without_a_default_prefix_is_refused_not_sent_abroad() {
    let run = bramka(&["send", "--to", "600100200", "hi"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("no default prefix"), "{}", run.stderr);
    assert!(run.stderr.contains("--default-prefix") || run.stderr.contains("'+'"), "{}", run.stderr);
    assert!(!run.stdout.contains("+600100200"), "sent to Malaysia: {}", run.stdout);
    // With the prefix it is Polish.
    let run = bramka(&["send", "--to", "600100200", "--default-prefix", "48", "hi"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("+48600100200"), "{}", run.stdout);
}

#[test]
fn bad_usage_exits_2_with_one_error_line() {
    let cases: &[&[&str]] = &[
        &["send", "hi"],                                            // no --to
        &["send", "--to", "12", "hi"],                              // bad number
        &["send", "--to", "+48600100200", "--to", "abc, +1", "hi"], // bad numbers
        &["send", "--to", "+48600100200", "   "],                   // empty text
        &["send", "--to", "+48600100200", "--from", "WayTooLongSender", "hi"],
        &["send", "--to", "600100200", "--default-prefix", "0", "hi"],
        &["send", "--gateway", "console://", "--account", "x", "--to", "+48600100200", "hi"],
        &["send", "--gateway", "carrier-pigeon://default", "--to", "+48600100200", "hi"],
        &["send", "--to", "+48600100200", "--max-parts", "1", &"a".repeat(161)],
        &["status"],
        &["cancel", "--gateway", "console://", " "],
        &["send", "--to", "+48600100200", "--config", "x.toml", "hi"], // --config needs --account
    ];
    for args in cases {
        let run = bramka(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked") && !run.stderr.contains("Error {"), "{}", run.stderr);
        assert!(!run.stdout.contains("SMS (client ref"), "{args:?} sent something: {}", run.stdout);
    }
    let run = bramka(&["send", "--to", "+48600100200", "--to", "abc, +1", "hi"]);
    assert!(run.stderr.contains("#1 \"abc\"") && run.stderr.contains("#2 \"+1\""), "{}", run.stderr);
    let run = bramka(&["send", "--gateway", "carrier-pigeon://default", "--to", "+48600100200", "hi"]);
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
}

#[test]
fn help_documents_exit_codes() {
    for args in [&["--help"][..], &["send", "--help"][..], &["webhook", "verify", "--help"][..]] {
        let run = bramka(args);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Exit codes:") && run.stdout.contains("2  bad usage"), "{}", run.stdout);
    }
}

#[test]
fn balance_on_console_is_unsupported_and_says_so() {
    let run = bramka(&["balance"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.starts_with("error: console: unsupported: console does not support balance"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: no gateway is configured"), "{}", run.stderr);
}

#[test]
fn bramka_dsn_from_the_environment() {
    let dir = temp_dir("env");
    let run = bramka_in(
        &dir,
        &["send", "--json", "--to", "+48600100200", "hi"],
        "",
        &[("BRAMKA_DSN", "null://default")],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json()["gateway"], "null");
    let run =
        bramka_in(&dir, &["send", "--to", "+48600100200", "hi"], "", &[("BRAMKA_DSN", "nope://s3cr3t@x")]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.starts_with("error: BRAMKA_DSN: "), "{}", run.stderr);
    assert!(!run.all().contains("s3cr3t"), "{}", run.all());
}

#[test]
fn count_still_works() {
    let run = bramka(&["count", "--json", "Zażółć gęślą jaźń"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["segments"], 1);
}
