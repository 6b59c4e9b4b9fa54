//! `bramka ledger messages|daily|export` over a ledger written by `bramka send --ledger`.

mod common;

use common::*;

#[test]
fn ledger_queries_filter_count_and_export() {
    let dir = temp_dir("ledger");
    let send = |to: &str, extra: &[&str]| {
        let mut a = vec!["send", "--gateway", "null://default", "--ledger", "l.db", "--to", to];
        a.extend_from_slice(extra);
        a.push("hi");
        let r = bramka_in(&dir, &a, "", &[]);
        assert_eq!(r.code, 0, "{}", r.all());
    };
    send("+48600100200, +48600100201", &[]);
    send("+48600100202", &[]);

    let r = bramka_in(&dir, &["ledger", "messages", "--ledger", "l.db", "--json"], "", &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let rows: Vec<serde_json::Value> = r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let to: Vec<&str> = rows.iter().map(|v| v["to"].as_str().unwrap()).collect();
    assert_eq!(to, ["+48600100200", "+48600100201", "+48600100202"]);
    assert!(rows.iter().all(|v| v["state"] == "accepted"));

    let r = bramka_in(&dir, &["ledger", "messages", "--ledger", "l.db", "--state", "rejected"], "", &[]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.all());
    let r = bramka_in(
        &dir,
        &["ledger", "messages", "--ledger", "l.db", "--from", "2000-01-01", "--until", "2000-01-02"],
        "",
        &[],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.all());

    let r = bramka_in(&dir, &["ledger", "daily", "--ledger", "l.db", "--json", "--tz", "UTC"], "", &[]);
    let day: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(day["total"], 3);
    assert_eq!(day["states"]["accepted"], 3);
    assert_eq!(day["date"], chrono::Utc::now().date_naive().to_string());

    let r = bramka_in(&dir, &["ledger", "export", "--ledger", "l.db"], "", &[]);
    let mut csv = csv::Reader::from_reader(r.stdout.as_bytes());
    let header = csv.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "to").unwrap();
    let numbers: Vec<String> = csv.records().map(|r| r.unwrap()[col].to_owned()).collect();
    assert_eq!(numbers, ["+48600100200", "+48600100201", "+48600100202"], "numbers kept intact");

    let r = bramka_in(&dir, &["ledger", "messages", "--ledger", "l.db", "--state", "bogus"], "", &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("\"bogus\" is not a ledger state") && r.stderr.contains("undelivered"),
        "{}",
        r.stderr
    );
    let r = bramka_in(&dir, &["ledger", "daily", "--ledger", "missing.db"], "", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no ledger at missing.db"), "{}", r.stderr);
}
