//! `bramka inbox` and `bramka poll stats|export` over an inbound SQLite store written by the
//! library (as `bramka serve` writes it).

mod common;

use std::sync::Arc;

use bramka::InboundMessage;
use bramka_inbound::{Config, Inbound, Limit, Poll, PollOption, ReceivingNumber, SqliteStore};
use common::*;

async fn fill(path: &std::path::Path) {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared("+48790100200")).unwrap();
    let poll = Poll::builder("rating", "Shop rating", "+48790100200")
        .prefix("GLOSUJE")
        .option(PollOption::new("1"))
        .option(PollOption::new("5"))
        .limit(Limit::per_poll(1))
        .build()
        .unwrap();
    cfg.add_poll(poll).unwrap();
    let inbound = Inbound::new(cfg, Arc::new(SqliteStore::open(path).unwrap()));
    let at = |t: &str| t.parse().unwrap();
    for (id, from, text, t) in [
        ("m1", "48600100200", "GLOSUJE 5", "2026-05-01T10:00:00Z"),
        ("m2", "48600100201", "GLOSUJE 5", "2026-05-01T11:00:00Z"),
        ("m3", "48600100202", "GLOSUJE 1", "2026-05-02T09:00:00Z"),
        ("m4", "48600100200", "GLOSUJE 1", "2026-05-02T09:30:00Z"),
    ] {
        let m = InboundMessage::new("smsapi", id, from, "48790100200", text, at(t));
        inbound.ingest(&m).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn inbox_and_poll_reports_read_the_store() {
    let dir = temp_dir("inbox");
    let db = dir.join("inbound.db");
    fill(&db).await;
    let store = db.to_str().unwrap();

    let r = bramka_in(&dir, &["inbox", "--store", store, "--tz", "UTC"], "", &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let mut csv = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "{}", r.stdout);

    let r = bramka_in(
        &dir,
        &["inbox", "--store", store, "--tz", "UTC", "--daily", "--from", "2026-05-02"],
        "",
        &[],
    );
    assert_eq!(r.stdout.lines().skip(1).collect::<Vec<_>>(), ["2026-05-02,2"], "{}", r.all());

    let r = bramka_in(&dir, &["poll", "stats", "rating", "--store", store, "--json"], "", &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v = r.json();
    assert_eq!(v["total"], 3, "the over-limit vote is not counted: {v}");
    assert_eq!(v["options"][0]["option"], "1");
    assert_eq!(v["options"][0]["votes"], 1);
    assert_eq!(v["options"][1]["votes"], 2);
    assert_eq!(
        v["options"][0]["percent"].as_f64().unwrap() + v["options"][1]["percent"].as_f64().unwrap(),
        100.0
    );

    let r = bramka_in(&dir, &["poll", "export", "rating", "--store", store], "", &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.lines().count(), 5, "a header and 4 answers: {}", r.stdout);
    assert!(r.stdout.contains("over_limit"), "{}", r.stdout);

    let r = bramka_in(&dir, &["poll", "stats", "nope", "--store", store], "", &[]);
    assert_eq!(r.code, 1, "{}", r.all());
    let r = bramka_in(&dir, &["inbox", "--store", "missing.db"], "", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no inbound store at missing.db"), "{}", r.stderr);
}

#[cfg(feature = "serve")]
#[tokio::test(flavor = "multi_thread")]
async fn poll_stats_show_each_options_label_from_the_stored_poll() {
    let dir = temp_dir("inbox-labels");
    let db = dir.join("bramka.db");
    fill(&db).await;
    // The poll as `bramka serve` keeps it in the same file.
    let def: bramka_inbound::definition::PollDef = serde_json::from_value(serde_json::json!({
        "id": "rating", "name": "Shop rating", "number": "+48790100200", "prefix": "GLOSUJE",
        "options": [{"code": "1", "aliases": ["slabo"]}, {"code": "3"}, {"code": "5", "aliases": ["super", "swietnie"]}]
    }))
    .unwrap();
    assert!(bramka_server::defs::DefStore::open(&db).unwrap().seed_polls(&[def]).unwrap());
    let store = db.to_str().unwrap();
    let r = bramka_in(&dir, &["poll", "stats", "rating", "--store", store], "", &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        ["1 (slabo)  1  33.33%", "3  0  0.00%", "5 (super, swietnie)  2  66.67%", "total  3"],
        "{}",
        r.stdout
    );
    let r = bramka_in(&dir, &["poll", "stats", "rating", "--store", store, "--json"], "", &[]);
    let v = r.json();
    assert_eq!(v["options"][2]["label"], "5 (super, swietnie)");
    assert_eq!(v["options"][2]["votes"], 2);
}
