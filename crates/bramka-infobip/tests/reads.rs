//! Status (logs), reconciliation, pulled delivery reports and inbound messages, balance.

mod support;

use bramka_core::{Certainty, DeliveryState, ErrorKind, Gateway, Message};
use bramka_infobip::{LogsQuery, ReportsQuery};
use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::query_param;

use support::{api, fixture, harness};

fn body(file: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(fixture(file))
}

#[tokio::test]
async fn status_reads_the_log_of_a_message_id() {
    let h = harness().await;
    api("GET", "/sms/3/logs")
        .and(query_param("messageId", "MESSAGE-ID-123-xyz"))
        .respond_with(body("logs-v3-response-200.json"))
        .expect(1)
        .mount(&h.server)
        .await;
    let r = h.gw.status("MESSAGE-ID-123-xyz").await.unwrap();
    assert_eq!(r.gateway, "infobip");
    assert_eq!(r.state, DeliveryState::Delivered);
    assert_eq!(r.raw_status, "DELIVERED_TO_HANDSET");
    assert_eq!(r.to.as_ref().unwrap().e164(), "+41793026727");
    assert_eq!(r.batch_id.as_deref(), Some("BULK-ID-123-xyz"));
    assert_eq!(r.parts, Some(1));
    assert_eq!(r.price.as_ref().map(|p| (p.amount, p.unit.as_str())), Some((0.01, "EUR")));
    assert_eq!(r.at, Some("2019-11-09T16:00:00Z".parse().unwrap()));
    assert_eq!(r.error_code, None, "error id 0 is no error");
    assert_eq!(r.raw.get("entity_id").map(String::as_str), Some("entityId"));
    h.finish().await;
}

#[tokio::test]
async fn status_of_an_unknown_id_is_not_found() {
    let h = harness().await;
    api("GET", "/sms/3/logs")
        .and(query_param("messageId", "nope"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .expect(1)
        .mount(&h.server)
        .await;
    let e = h.gw.status("nope").await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::NotFound, Certainty::NotSent));
    h.finish().await;
}

#[tokio::test]
async fn logs_with_cursor_and_429_from_logs() {
    let h = harness().await;
    api("GET", "/sms/3/logs")
        .and(query_param("bulkId", "B1,B2"))
        .and(query_param("limit", "10"))
        .and(query_param("useCursor", "true"))
        .and(query_param("sentSince", "2026-03-01T09:00:00.000+0000"))
        .and(query_param("sentUntil", "2026-03-01T10:00:00.000+0000"))
        .respond_with(body("logs-v3-response-200.json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    api("GET", "/sms/3/logs")
        .and(query_param("cursor", "next-cursor-id"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "60")
                .set_body_string(fixture("error-v3-429.json")),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    let q = LogsQuery::new()
        .bulk_id("B1")
        .bulk_id("B2")
        .limit(10)
        .sent_between(support::now() - chrono::Duration::hours(1), support::now())
        .cursor("");
    let page = h.gw.logs(&q).await.unwrap();
    assert_eq!(page.reports.len(), 1);
    assert_eq!(page.next_cursor.as_deref(), Some("next-cursor-id"));
    let e = h.gw.logs(&LogsQuery::new().cursor("next-cursor-id")).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.retry_after()),
        (ErrorKind::RateLimited, Some(std::time::Duration::from_secs(60)))
    );
    // Out-of-range limit: refused before any request.
    assert!(h.gw.logs(&LogsQuery::new().limit(5000)).await.is_err());
    h.finish().await;
}

/// After a MaybeSent failure: which recipients does Infobip know?
#[tokio::test]
async fn reconcile_asks_logs_for_every_recipient_id() {
    let h = harness().await;
    let msg =
        Message::builder().to("+41793026727, +48600100200").text("x").client_ref("rec").build().unwrap();
    let log = json!({"results": [{
        "messageId": "rec41793026727", "destination": "41793026727", "bulkId": "rec",
        "sentAt": "2026-03-01T10:00:01.000+0000",
        "status": {"groupId":1,"groupName":"PENDING","id":7,"name":"PENDING_ENROUTE","description":"Message sent to next instance"}
    }]});
    api("GET", "/sms/3/logs")
        .and(query_param("messageId", "rec41793026727,rec48600100200"))
        .and(query_param("limit", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(log))
        .expect(1)
        .mount(&h.server)
        .await;
    let got = h.gw.reconcile(&msg).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1.as_ref().map(|r| r.state), Some(DeliveryState::Sent));
    assert!(got[1].1.is_none());
    h.finish().await;
}

/// Reports are handed out once: the second pull is empty.
#[tokio::test]
async fn delivery_reports_pull() {
    let h = harness().await;
    api("GET", "/sms/3/reports")
        .and(query_param("bulkId", "BULK-ID-123-xyz"))
        .and(query_param("limit", "100"))
        .respond_with(body("reports-v3-response-200.json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    api("GET", "/sms/3/reports")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .expect(1)
        .mount(&h.server)
        .await;
    let q = ReportsQuery::new().bulk_id("BULK-ID-123-xyz").limit(100);
    let first = h.gw.delivery_reports(&q).await.unwrap();
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    let first = first.items;
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].message_id, "MESSAGE-ID-123-xyz");
    assert_eq!(first[0].client_ref.as_deref(), Some("callbackData"));
    assert_eq!(first[0].at, Some("2019-11-09T15:00:00Z".parse().unwrap()), "+0100 offset honoured");
    assert_eq!(first[1].client_ref, None);
    assert!(first.iter().all(|r| r.state == DeliveryState::Delivered));
    assert!(h.gw.delivery_reports(&q).await.unwrap().items.is_empty());
    h.finish().await;
}

#[tokio::test]
async fn inbound_pull() {
    let h = harness().await;
    api("GET", "/sms/1/inbox/reports")
        .and(query_param("limit", "50"))
        .respond_with(body("inbox-reports-response-200.json"))
        .expect(1)
        .mount(&h.server)
        .await;
    let msgs = h.gw.inbound_messages(Some(50)).await.unwrap().items;
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!((m.from.as_str(), m.to.as_str()), ("+385916242493", "+385921004026"));
    assert_eq!(m.text, "QUIZ Correct answer is Paris");
    assert_eq!(m.raw.get("keyword").map(String::as_str), Some("QUIZ"));
    assert_eq!(m.raw.get("clean_text").map(String::as_str), Some("Correct answer is Paris"));
    assert_eq!(m.received_at, "2019-11-09T16:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
    h.finish().await;
}

#[tokio::test]
async fn balance_and_its_errors() {
    let h = harness().await;
    api("GET", "/account/1/balance")
        .respond_with(body("synthetic-balance-response-200.json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    api("GET", "/account/1/balance")
        .respond_with(ResponseTemplate::new(403).set_body_string(fixture("error-legacy-403.json")))
        .expect(1)
        .mount(&h.server)
        .await;
    let b = h.gw.balance().await.unwrap();
    assert_eq!((b.amount, b.unit.as_str()), (47.79134, "EUR"));
    let e = h.gw.balance().await.unwrap_err();
    assert_eq!((e.kind(), e.operator_code()), (ErrorKind::Auth, Some("FORBIDDEN")));
    h.finish().await;
}

/// `balance` and `currency` are optional in Infobip's spec; both make the result, so an answer
/// missing either is a typed error naming the field, not a decode failure of the whole body.
#[tokio::test]
async fn balance_without_its_fields_is_a_typed_error() {
    let h = harness().await;
    for answer in [json!({"currency": "EUR"}), json!({"balance": 12.5})] {
        api("GET", "/account/1/balance")
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .up_to_n_times(1)
            .expect(1)
            .mount(&h.server)
            .await;
    }
    for field in ["balance", "currency"] {
        let e = h.gw.balance().await.unwrap_err();
        assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::NotSent));
        assert!(e.to_string().contains(&format!("GET /account/1/balance has no `{field}`")), "{e}");
    }
    h.finish().await;
}

/// After a retry, the logs may hold the rejected duplicate (status 23) next to the original:
/// the original's entry is the message's status; the duplicate's report is never "rejected".
#[tokio::test]
async fn duplicate_submission_entries_do_not_hide_the_original() {
    let h = harness().await;
    let entry = |id: i64, group: i64, name: &str| {
        json!({"messageId": "dup48600100200", "destination": "48600100200",
               "status": {"groupId": group, "id": id, "name": name}})
    };
    let logs = json!({"results": [entry(23, 5, "REJECTED_DUPLICATE_MESSAGE_ID"), entry(5, 3, "DELIVERED_TO_HANDSET")]});
    api("GET", "/sms/3/logs")
        .and(query_param("messageId", "dup48600100200"))
        .respond_with(ResponseTemplate::new(200).set_body_json(logs))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    let only_dup = json!({"results": [entry(23, 5, "REJECTED_DUPLICATE_MESSAGE_ID")]});
    api("GET", "/sms/3/logs")
        .respond_with(ResponseTemplate::new(200).set_body_json(only_dup))
        .expect(1)
        .mount(&h.server)
        .await;
    let r = h.gw.status("dup48600100200").await.unwrap();
    assert_eq!(r.state, DeliveryState::Delivered);
    let r = h.gw.status("dup48600100200").await.unwrap();
    assert_eq!((r.state, r.raw_status.as_str()), (DeliveryState::Unknown, "REJECTED_DUPLICATE_MESSAGE_ID"));
    assert!(!r.state.is_final());
    h.finish().await;
}

/// The spec's preview examples: bodies exactly as the fixtures, answers mapped.
#[tokio::test]
async fn preview_with_language_and_transliteration() {
    use bramka_infobip::{LanguageCode, Transliteration};
    use wiremock::matchers::body_json;
    let h = harness().await;
    for (req, resp) in [
        ("preview-request-basic.json", "preview-response-basic.json"),
        ("preview-request-language-tr.json", "preview-response-language-tr.json"),
        ("preview-request-transliteration-greek.json", "preview-response-transliteration-greek.json"),
    ] {
        api("POST", "/sms/1/preview")
            .and(body_json(support::fixture_json(req)))
            .respond_with(body(resp))
            .expect(1)
            .mount(&h.server)
            .await;
    }
    let basic = support::fixture_json("preview-request-basic.json");
    let p = h.gw.preview(basic["text"].as_str().unwrap(), None, Some(Transliteration::None)).await.unwrap();
    assert_eq!((p.len(), p[0].parts, p[0].characters_remaining), (1, 1, 100));
    let tr = support::fixture_json("preview-request-language-tr.json");
    let p = h.gw.preview(tr["text"].as_str().unwrap(), Some(LanguageCode::Turkish), None).await.unwrap();
    assert_eq!((p[0].parts, p[0].characters_remaining, p[0].language.as_deref()), (2, 36, None));
    assert_eq!((p[1].parts, p[1].characters_remaining, p[1].language.as_deref()), (1, 57, Some("TR")));
    let gr = support::fixture_json("preview-request-transliteration-greek.json");
    let p = h.gw.preview(gr["text"].as_str().unwrap(), None, Some(Transliteration::Greek)).await.unwrap();
    assert_eq!((p[1].parts, p[1].transliteration.as_deref()), (1, Some("GREEK")));
    assert!(p[1].text.starts_with("ΩΣ MEΓAPIKO"), "{}", p[1].text);
    h.finish().await;
}

/// A page with `bad` inserted as its second entry.
fn with_odd_entry(file: &str, bad: serde_json::Value) -> ResponseTemplate {
    let mut page = support::fixture_json(file);
    page["results"].as_array_mut().unwrap().insert(1, bad);
    ResponseTemplate::new(200).set_body_json(page)
}

/// Reports and inbound messages are handed out once: one entry bramka cannot read (a count that
/// is text, an entry without messageId, an inbound message without a sender) must not lose the
/// page. The good entries are kept; the odd one is reported with its raw text, the API key
/// removed, and logged as a warning.
#[tokio::test(flavor = "current_thread")]
async fn one_odd_entry_does_not_lose_the_page() {
    use bramka_core::testing::LogCapture;
    let capture = LogCapture::new();
    let _guard = capture.set_default();
    let h = harness().await;
    let odd_report = json!({"messageId":"M-BAD","messageCount":"two","callbackData":support::KEY});
    api("GET", "/sms/3/reports")
        .respond_with(with_odd_entry("reports-v3-response-200.json", odd_report))
        .expect(1)
        .mount(&h.server)
        .await;
    api("GET", "/sms/3/logs")
        .respond_with(with_odd_entry("logs-v3-response-200.json", json!({"destination":"41793026727"})))
        .expect(1)
        .mount(&h.server)
        .await;
    let odd_inbound = json!({"messageId":"MO-BAD","text":format!("no sender {}", support::KEY)});
    api("GET", "/sms/1/inbox/reports")
        .respond_with(with_odd_entry("inbox-reports-response-200.json", odd_inbound))
        .expect(1)
        .mount(&h.server)
        .await;

    let reports = h.gw.delivery_reports(&ReportsQuery::new()).await.unwrap();
    let ids: Vec<&str> = reports.items.iter().map(|r| r.message_id.as_str()).collect();
    assert_eq!(ids, ["MESSAGE-ID-123-xyz", "12db39c3-7822-4e72-a3ec-c87442c0ffc5"]);
    assert_eq!(reports.skipped.len(), 1);
    let odd = &reports.skipped[0];
    assert_eq!(odd.index, 1);
    assert!(odd.reason.contains("invalid type"), "{}", odd.reason);
    assert!(odd.raw.contains("M-BAD") && odd.raw.contains("\"two\""), "{}", odd.raw);

    let logs = h.gw.logs(&LogsQuery::new()).await.unwrap();
    assert_eq!(logs.reports.len(), 1, "the good log entry is kept");
    assert_eq!((logs.skipped.len(), logs.skipped[0].index), (1, 1));
    assert!(logs.skipped[0].reason.contains("messageId"), "{}", logs.skipped[0].reason);

    let inbound = h.gw.inbound_messages(None).await.unwrap();
    assert_eq!(inbound.items.len(), 1);
    assert_eq!(inbound.items[0].text, "QUIZ Correct answer is Paris");
    assert_eq!(inbound.skipped.len(), 1);
    assert!(inbound.skipped[0].raw.contains("MO-BAD"), "{}", inbound.skipped[0].raw);

    let logged = capture.contents();
    assert!(logged.contains("skipped an unreadable entry") && logged.contains("M-BAD"), "{logged}");
    let all = format!("{reports:?} {inbound:?} {logged}");
    assert!(!all.contains(support::KEY), "the API key leaked: {all}");
    h.finish().await;
}

/// The spec's integers of report, log and inbound entries (`messageCount`, `smsCount`, status
/// and error ids) are `int32`, and no field is required. Read from the spec copy in
/// tests/fixtures/openapi: an entry with every integer at -1, and an entry with nothing but a
/// messageId (and the sender/recipient an inbound message needs), are both kept.
#[tokio::test]
async fn integers_are_signed_and_fields_optional_as_the_spec_says() {
    let spec = support::fixture_json("openapi/infobip-sms.json");
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let schema = |name: &str| {
        let key = schemas.keys().find(|k| k.rsplit('.').next() == Some(name)).expect(name);
        &schemas[key]
    };
    // Every integer property (nested objects followed), as a JSON pointer-like path.
    fn integers(
        schemas: &serde_json::Map<String, serde_json::Value>,
        s: &serde_json::Value,
        at: Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        assert!(s.get("required").is_none(), "{at:?}: the spec now requires fields: {s}");
        for (k, p) in s["properties"].as_object().into_iter().flatten() {
            let mut path = at.clone();
            path.push(k.clone());
            if let Some(r) = p["$ref"].as_str() {
                integers(schemas, &schemas[r.trim_start_matches("#/components/schemas/")], path, out);
            } else if p["type"] == "integer" {
                assert_eq!(p["format"], "int32", "{path:?} is no longer int32");
                out.push(path);
            }
        }
    }
    let cases = [
        ("/sms/3/reports", "DeliveryReport", json!({"messageId":"m1"})),
        ("/sms/3/logs", "SmsLogSmsMessageContent", json!({"messageId":"m1"})),
        (
            "/sms/1/inbox/reports",
            "SmsMoReport",
            json!({"messageId":"m1","from":"48600100200","to":"48600100201"}),
        ),
    ];
    for (endpoint, name, minimal) in cases {
        let mut paths = Vec::new();
        integers(schemas, schema(name), Vec::new(), &mut paths);
        assert!(!paths.is_empty(), "{name}");
        let mut negative = minimal.clone();
        for path in &paths {
            let mut at = &mut negative;
            for k in &path[..path.len() - 1] {
                at = at.as_object_mut().unwrap().entry(k.clone()).or_insert_with(|| json!({}));
            }
            at[path.last().unwrap().as_str()] = json!(-1);
        }
        let h = harness().await;
        api("GET", endpoint)
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [minimal, negative]})))
            .expect(1)
            .mount(&h.server)
            .await;
        let (kept, skipped, parts) = match endpoint {
            "/sms/3/reports" => {
                let p = h.gw.delivery_reports(&ReportsQuery::new()).await.unwrap();
                (p.items.len(), p.skipped, p.items.iter().map(|r| r.parts).collect::<Vec<_>>())
            }
            "/sms/3/logs" => {
                let p = h.gw.logs(&LogsQuery::new()).await.unwrap();
                (p.reports.len(), p.skipped, p.reports.iter().map(|r| r.parts).collect())
            }
            _ => {
                let p = h.gw.inbound_messages(None).await.unwrap();
                (p.items.len(), p.skipped, p.items.iter().map(|m| m.parts).collect())
            }
        };
        assert_eq!((kept, skipped), (2, vec![]), "{endpoint}: {paths:?}");
        // A negative count is no count of parts.
        assert_eq!(parts, [None, None], "{endpoint}");
        h.finish().await;
    }
}
