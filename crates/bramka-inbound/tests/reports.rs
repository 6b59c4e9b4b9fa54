//! Inbox reports and CSV exports: daily counts across DST in Europe/Warsaw, formula
//! neutralisation, quoting, paging (streaming) and the answers export.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bramka_inbound::ingest::IngestPlan;
use bramka_inbound::report::{
    ExportOptions, daily_counts, write_answers_csv, write_daily_csv, write_messages_csv,
};
use bramka_inbound::{
    Channel, Config, Inbound, Ingested, MemoryStore, MessageQuery, OutboxEntry, OutboxState, Poll,
    PollOption, ReceivingNumber, SendResult, Store, StoreError, StoredMessage, Target,
};
use chrono::NaiveDate;
use common::inbound;

const NUM: &str = "+48790100200";

fn config() -> Config {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUM)).unwrap();
    cfg.add_route(NUM, "INFO", Target::Inbox("info".into())).unwrap();
    cfg.add_poll(
        Poll::builder("p", "p", NUM)
            .prefix("VOTE")
            .option(PollOption::new("A"))
            .option(PollOption::new("B"))
            .discount_codes(true)
            .build()
            .unwrap(),
    )
    .unwrap();
    cfg
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn short_report_counts_local_days_across_dst() {
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(config(), store.clone());
    let times = [
        "2026-03-28T22:59:59Z", // 23:59:59 CET, 28 March
        "2026-03-28T23:00:00Z", // 00:00 CET, 29 March
        "2026-03-29T00:59:00Z", // 01:59 CET
        "2026-03-29T01:00:00Z", // 03:00 CEST (02:00-03:00 skipped)
        "2026-03-29T21:59:59Z", // 23:59:59 CEST, 29 March: the 23-hour day
        "2026-03-29T22:00:00Z", // 00:00 CEST, 30 March
        "2026-10-24T22:00:00Z", // 00:00 CEST, 25 October
        "2026-10-25T00:30:00Z", // 02:30 CEST (first pass)
        "2026-10-25T01:30:00Z", // 02:30 CET (second pass)
        "2026-10-25T22:59:59Z", // 23:59:59 CET, 25 October: the 25-hour day
        "2026-10-25T23:00:00Z", // 00:00 CET, 26 October
    ];
    for (i, t) in times.iter().enumerate() {
        engine.ingest(&inbound(&format!("t{i}"), "+48600100200", NUM, "INFO x", t)).await.unwrap();
    }
    let warsaw = daily_counts(store.as_ref(), &MessageQuery::all(), chrono_tz::Europe::Warsaw).await.unwrap();
    assert_eq!(
        warsaw,
        BTreeMap::from([
            (d("2026-03-28"), 1),
            (d("2026-03-29"), 4),
            (d("2026-03-30"), 1),
            (d("2026-10-25"), 4),
            (d("2026-10-26"), 1),
        ])
    );
    // The same data by UTC days differs: the zone is honoured.
    let utc = daily_counts(store.as_ref(), &MessageQuery::all(), chrono_tz::UTC).await.unwrap();
    assert_eq!(utc.get(&d("2026-03-28")), Some(&2));
    let mut csv = Vec::new();
    let days = write_daily_csv(store.as_ref(), &MessageQuery::all(), &ExportOptions::default(), &mut csv)
        .await
        .unwrap();
    assert_eq!(days, 5);
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "date,messages\n2026-03-28,1\n2026-03-29,4\n2026-03-30,1\n2026-10-25,4\n2026-10-26,1\n"
    );
}

#[tokio::test]
async fn detailed_report_neutralises_formulas_and_quotes() {
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(config(), store.clone());
    let rows = [
        ("+48600100200", "INFO =HYPERLINK(\"http://evil\",\"x\")"),
        ("+48600100201", "=1+1"),
        ("+48600100202", "@SUM(A1)"),
        ("+48600100203", "-2+3"),
        ("+48600100204", "\tTAB"),
        ("+48600100205", "\rCR"),
        ("+48600100206", "Zażółć, \"gęślą\"\njaźń"),
        ("=cmd|'/c calc'!A1", "INFO hi"),
        ("+48600100207", "  =1+1"),
        ("+48600100208", "\0=1+1"),
        ("+48600100209", "+48 600 100 200"),
    ];
    for (i, (from, text)) in rows.iter().enumerate() {
        engine.ingest(&inbound(&format!("n{i}"), from, NUM, text, "2026-07-01T10:05:06Z")).await.unwrap();
    }
    let mut out = Vec::new();
    let n = write_messages_csv(
        store.as_ref(),
        &MessageQuery::all(),
        &ExportOptions::default().bom(true),
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(n, 11);
    let text = String::from_utf8(out).unwrap();
    let expected = "\u{feff}date,time,sender,receiver,text,status,target\n\
2026-07-01,12:05:06,+48600100200,+48790100200,\"INFO =HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",inbox,info\n\
2026-07-01,12:05:06,+48600100201,+48790100200,'=1+1,unmatched,\n\
2026-07-01,12:05:06,+48600100202,+48790100200,'@SUM(A1),unmatched,\n\
2026-07-01,12:05:06,+48600100203,+48790100200,'-2+3,unmatched,\n\
2026-07-01,12:05:06,+48600100204,+48790100200,'\tTAB,unmatched,\n\
2026-07-01,12:05:06,+48600100205,+48790100200,\"'\rCR\",unmatched,\n\
2026-07-01,12:05:06,+48600100206,+48790100200,\"Zażółć, \"\"gęślą\"\"\njaźń\",unmatched,\n\
2026-07-01,12:05:06,'=cmd|'/c calc'!A1,+48790100200,INFO hi,inbox,info\n\
2026-07-01,12:05:06,+48600100207,+48790100200,'  =1+1,unmatched,\n\
2026-07-01,12:05:06,+48600100208,+48790100200,'\0=1+1,unmatched,\n\
2026-07-01,12:05:06,+48600100209,+48790100200,'+48 600 100 200,unmatched,\n";
    assert_eq!(text, expected);
    // Read back with a CSV reader: phone numbers exactly as received, every other cell either
    // unchanged or its formula start behind a `'`, and the texts whole.
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (rec, (from, msg)) in records.iter().zip(&rows) {
        for cell in rec.iter() {
            let after_blanks = cell.trim_start_matches(|c: char| c.is_whitespace() || c == '\0');
            let phone = cell.strip_prefix('+').is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()));
            assert!(phone || !after_blanks.starts_with(['=', '+', '-', '@']), "{cell:?}");
            assert!(!cell.starts_with(['\t', '\r']), "{cell:?}");
        }
        let unquote = |c: &str| c.strip_prefix('\'').map(str::to_owned).unwrap_or_else(|| c.to_owned());
        assert_eq!(unquote(&rec[2]), *from);
        assert_eq!(&rec[3], NUM, "the receiving number is kept as it is");
        assert_eq!(unquote(&rec[4]), *msg);
    }
    assert_eq!(&records[0][2], "+48600100200", "no apostrophe before a phone number");
}

#[tokio::test]
async fn answers_export_lists_every_answer() {
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(config(), store.clone());
    store.add_codes("p", vec!["K1".into()]).await.unwrap();
    for (i, text) in ["vote a", "vote b", "vote ?", "INFO no"].iter().enumerate() {
        engine
            .ingest(&inbound(&format!("a{i}"), &format!("+4860010020{i}"), NUM, text, "2026-01-15T23:30:00Z"))
            .await
            .unwrap();
    }
    let mut out = Vec::new();
    let n = write_answers_csv(store.as_ref(), "p", &ExportOptions::default(), &mut out).await.unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "date,time,sender,text,status,option,code\n\
2026-01-16,00:30:00,+48600100200,vote a,accepted,A,K1\n\
2026-01-16,00:30:00,+48600100201,vote b,accepted_pool_exhausted,B,\n\
2026-01-16,00:30:00,+48600100202,vote ?,unknown_answer,,\n"
    );
}

/// A store wrapper that records every page request, to prove exports page through the store.
#[derive(Debug)]
struct Paging {
    inner: MemoryStore,
    pages: Mutex<Vec<(i64, usize, usize)>>,
}

#[async_trait]
impl Store for Paging {
    async fn ingest(&self, plan: IngestPlan) -> Result<Ingested, StoreError> {
        self.inner.ingest(plan).await
    }
    async fn add_codes(&self, poll: &str, codes: Vec<String>) -> Result<usize, StoreError> {
        self.inner.add_codes(poll, codes).await
    }
    async fn codes_left(&self, poll: &str) -> Result<u64, StoreError> {
        self.inner.codes_left(poll).await
    }
    async fn claim_outbox(&self, channel: Channel, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.claim_outbox(channel, limit).await
    }
    async fn finish_outbox(&self, id: i64, result: SendResult) -> Result<OutboxState, StoreError> {
        self.inner.finish_outbox(id, result).await
    }
    async fn outbox(&self, state: Option<&str>) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.outbox(state).await
    }
    async fn messages_page(
        &self,
        query: &MessageQuery,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let page = self.inner.messages_page(query, after, limit).await?;
        self.pages.lock().unwrap().push((after, limit, page.len()));
        Ok(page)
    }
    async fn vote_counts(&self, poll: &str) -> Result<BTreeMap<String, u64>, StoreError> {
        self.inner.vote_counts(poll).await
    }
    async fn issued_codes(&self, poll: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.inner.issued_codes(poll).await
    }
}

#[tokio::test]
async fn exports_read_page_by_page() {
    let store = Arc::new(Paging { inner: MemoryStore::new(), pages: Mutex::new(Vec::new()) });
    let engine = Inbound::new(config(), store.clone());
    for i in 0..1234 {
        engine
            .ingest(&inbound(&format!("s{i}"), "+48600100200", NUM, "INFO x", "2026-07-01T10:00:00Z"))
            .await
            .unwrap();
    }
    let mut out = Vec::new();
    let n = write_messages_csv(store.as_ref(), &MessageQuery::all(), &ExportOptions::default(), &mut out)
        .await
        .unwrap();
    assert_eq!(n, 1234);
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1235);
    let pages = store.pages.lock().unwrap().clone();
    assert_eq!(pages, vec![(0, 500, 500), (500, 500, 500), (1000, 500, 234)]);
}
