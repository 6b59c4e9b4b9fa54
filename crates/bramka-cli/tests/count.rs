//! `bramka count` run as a process: JSON fields, human summary, exit codes, standard input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bramka(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bramka"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bramka");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["count", "--json"];
    all.extend_from_slice(args);
    let out = bramka(&all, None);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v, String::from_utf8(out.stderr).unwrap())
}

#[test]
fn polish_text_is_ucs2_with_the_forcing_characters() {
    let (code, v, err) = json(&["Zażółć gęślą jaźń"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["encoding"], "ucs2");
    assert_eq!(v["units"], 17);
    assert_eq!(v["segments"], 1);
    assert_eq!(v["max_parts"], 7);
    assert_eq!(v["fits"], true);
    assert_eq!(v["parts"][0]["text"], "Zażółć gęślą jaźń");
    assert_eq!(v["parts"][0]["units"], 17);
    assert_eq!(v["ucs2_chars"], serde_json::json!(["ż", "ó", "ł", "ć", "ę", "ś", "ą", "ź", "ń"]));
    assert_eq!(v["replaced"], serde_json::json!([]));
    assert!(err.is_empty());
}

#[test]
fn transliterate_makes_it_gsm7_and_reports_replacements() {
    let (code, v, _) = json(&["--transliterate", "Zażółć gęślą jaźń, Café"]);
    assert_eq!(code, 0);
    assert_eq!(v["encoding"], "gsm7");
    assert_eq!(v["text"], "Zazolc gesla jazn, Café");
    assert_eq!(v["units"], 23);
    let replaced = v["replaced"].as_array().unwrap();
    assert_eq!(replaced.len(), 9);
    assert_eq!(replaced[2], serde_json::json!({ "from": "ł", "to": "l", "count": 1 }));
    assert_eq!(v["ucs2_chars"], serde_json::json!([]));
}

#[test]
fn ascii_mode() {
    let (code, v, _) = json(&["--ascii", "Größe Café"]);
    assert_eq!(code, 0);
    assert_eq!(v["text"], "Grosse Cafe");
    assert_eq!(v["encoding"], "gsm7");
}

#[test]
fn transliterate_and_ascii_conflict() {
    let out = bramka(&["count", "--transliterate", "--ascii", "x"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

#[test]
fn multipart_json_and_capacity() {
    let text = "Hello ".repeat(68) + "abcd";
    let (code, v, _) = json(&[&text]);
    assert_eq!(code, 0);
    assert_eq!((v["units"].as_u64(), v["segments"].as_u64()), (Some(412), Some(3)));
    assert_eq!(v["capacity"], 459);
    assert_eq!(v["part_capacity"], 153);
    let units: Vec<u64> =
        v["parts"].as_array().unwrap().iter().map(|p| p["units"].as_u64().unwrap()).collect();
    assert_eq!(units, [153, 153, 106]);
    let joined: String = v["parts"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(joined, text);
}

#[test]
fn over_the_cap_exits_1_with_the_error_on_stderr() {
    let text = "a".repeat(1072);
    let (code, v, err) = json(&[&text]);
    assert_eq!(code, 1);
    assert_eq!(v["fits"], false);
    assert_eq!(v["segments"], 8);
    assert_eq!(v["max_units"], 1071);
    assert!(err.contains("needs 8 GSM-7 parts") && err.contains("1071 fit"), "{err}");
    let (code, _, _) = json(&[&"a".repeat(1071)]);
    assert_eq!(code, 0);
}

#[test]
fn max_parts_option() {
    let text = "a".repeat(161);
    let (code, v, err) = json(&["--max-parts", "1", &text]);
    assert_eq!(code, 1);
    assert_eq!(v["max_parts"], 1);
    assert!(err.contains("160 fit"), "{err}");
    let (code, v, _) = json(&["--max-parts", "255", &text]);
    assert_eq!((code, v["max_parts"].as_u64()), (0, Some(255)));
    for bad in ["0", "256", "x", "-1"] {
        let out = bramka(&["count", "--max-parts", bad, "hi"], None);
        assert_eq!(out.status.code(), Some(2), "--max-parts {bad}");
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn language_shift_tables() {
    let text = "Şişli'de güzel bir gün, ağaçlar yeşil.";
    let (_, v, _) = json(&[text]);
    assert_eq!(v["encoding"], "ucs2");
    let (code, v, _) = json(&["--language", "tr", text]);
    assert_eq!(code, 0);
    assert_eq!(v["encoding"], "gsm7");
    assert_eq!(v["shift_tables"]["locking"], "turkish");
    assert_eq!(v["part_capacity"], 155);
    let out = bramka(&["count", "--language", "pl", "x"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn nfc_on_by_default_and_off_on_request() {
    let (_, v, _) = json(&["Cafe\u{301}"]);
    assert_eq!((v["encoding"].as_str(), v["units"].as_u64()), (Some("gsm7"), Some(4)));
    let (_, v, _) = json(&["--no-nfc", "Cafe\u{301}"]);
    assert_eq!((v["encoding"].as_str(), v["units"].as_u64()), (Some("ucs2"), Some(5)));
    assert_eq!(v["ucs2_chars"], serde_json::json!(["\u{301}"]));
}

#[test]
fn dash_reads_stdin_without_the_trailing_newline() {
    let out = bramka(&["count", "--json", "-"], Some("line one\nline two\n"));
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["text"], "line one\nline two");
    assert_eq!(v["units"], 17);
    let out = bramka(&["count", "--json"], Some("piped"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["text"], "piped");
}

#[test]
fn stdin_that_is_not_utf8_is_a_usage_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bramka"))
        .args(["count", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&[0x66, 0xFF, 0x66]).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));
}

#[test]
fn human_summary_shows_counts_and_parts() {
    let text = "Hello ".repeat(68) + "abcd";
    let out = bramka(&["count", &text], None);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.starts_with("GSM-7, 3 SMS, 412/459 units"), "{s}");
    assert!(s.contains("Part 1/3 (153 units)") && s.contains("Part 3/3 (106 units)"), "{s}");
    let out = bramka(&["count", "--transliterate", "łódź “x”"], None);
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("Replaced: 'ł' -> \"l\" (1x)"), "{s}");
    let out = bramka(&["count", "hi 😀"], None);
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.starts_with("UCS-2, 1 SMS, 5/70 units") && s.contains("UCS-2 because of: '😀'"), "{s}");
}

#[test]
fn bad_usage_exits_2() {
    for args in [&["count", "--bogus", "x"][..], &["frobnicate"][..], &[][..]] {
        let out = bramka(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
