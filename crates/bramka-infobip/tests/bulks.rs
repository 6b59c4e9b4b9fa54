//! Scheduled bulks against wiremock: schedule, reschedule, status changes and the state machine.

mod support;

use bramka_core::{Certainty, ErrorKind, Gateway};
use bramka_infobip::BulkStatus;
use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, query_param};

use support::{api, fixture, fixture_json, harness, now};

const BULK: &str = "BULK-ID-123-xyz";

fn status_is(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"bulkId": BULK, "status": status}))
}

async fn mount_status(h: &support::Harness, status: &str, times: u64) {
    api("GET", "/sms/1/bulks/status")
        .and(query_param("bulkId", BULK))
        .respond_with(status_is(status))
        .expect(times)
        .mount(&h.server)
        .await;
}

async fn mount_put_status(h: &support::Harness, to: &str, times: u64) {
    api("PUT", "/sms/1/bulks/status")
        .and(query_param("bulkId", BULK))
        .and(body_json(json!({"status": to})))
        .respond_with(status_is(to))
        .expect(times)
        .mount(&h.server)
        .await;
}

#[tokio::test]
async fn read_schedule_and_status() {
    let h = harness().await;
    api("GET", "/sms/1/bulks")
        .and(query_param("bulkId", BULK))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bulks-get-response-200.json")))
        .expect(1)
        .mount(&h.server)
        .await;
    api("GET", "/sms/1/bulks/status")
        .and(query_param("bulkId", BULK))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("bulks-status-get-response-200.json")),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    let s = h.gw.bulk_schedule(BULK).await.unwrap();
    assert_eq!(s.bulk_id, BULK);
    assert_eq!(s.send_at, "2021-08-25T16:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
    assert_eq!(h.gw.bulk_status(BULK).await.unwrap(), BulkStatus::Paused);
    h.finish().await;
}

#[tokio::test]
async fn reschedule_checks_status_then_puts_send_at() {
    let h = harness().await;
    mount_status(&h, "PENDING", 1).await;
    let at = now() + chrono::Duration::hours(2);
    api("PUT", "/sms/1/bulks")
        .and(query_param("bulkId", BULK))
        .and(body_json(json!({"sendAt": "2026-03-01T12:00:00.000+0000"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"bulkId": BULK, "sendAt": "2026-03-01T13:00:00.000+0100"})),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    let s = h.gw.reschedule_bulk(BULK, at).await.unwrap();
    assert_eq!(s.send_at, at, "the +0100 answer is the same instant");
    h.finish().await;
}

#[tokio::test]
async fn core_reschedule_refuses_a_canceled_bulk_without_putting() {
    let h = harness().await;
    mount_status(&h, "CANCELED", 1).await;
    api("PUT", "/sms/1/bulks").respond_with(ResponseTemplate::new(200)).expect(0).mount(&h.server).await;
    let e = h.gw.reschedule(BULK, now() + chrono::Duration::hours(1)).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidState, Certainty::NotSent), "{e}");
    assert!(e.to_string().contains("CANCELED"), "{e}");
    // Too far ahead: refused before any request.
    let e = h.gw.reschedule(BULK, now() + chrono::Duration::days(181)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Message);
    h.finish().await;
}

/// PENDING -> PAUSED -> PENDING -> CANCELED through the core trait, each change preceded by one
/// status read; afterwards every change is refused with no request at all.
#[tokio::test]
async fn pause_resume_cancel_then_canceled_is_final() {
    let h = harness().await;
    // Reads answer in sequence: PENDING (before pause), PAUSED (before resume), PENDING (before cancel).
    for s in ["PENDING", "PAUSED", "PENDING"] {
        api("GET", "/sms/1/bulks/status")
            .and(query_param("bulkId", BULK))
            .respond_with(status_is(s))
            .up_to_n_times(1)
            .expect(1)
            .mount(&h.server)
            .await;
    }
    mount_put_status(&h, "PAUSED", 1).await;
    mount_put_status(&h, "PENDING", 1).await;
    mount_put_status(&h, "CANCELED", 1).await;
    h.gw.pause(BULK).await.unwrap();
    h.gw.resume(BULK).await.unwrap();
    h.gw.cancel(BULK).await.unwrap();
    let before = h.request_count().await;
    assert_eq!(before, 6);
    for (name, e) in [
        ("resume", h.gw.resume(BULK).await.unwrap_err()),
        ("pause", h.gw.pause(BULK).await.unwrap_err()),
        ("reschedule", h.gw.reschedule(BULK, now()).await.unwrap_err()),
    ] {
        assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidState, Certainty::NotSent), "{name}: {e}");
        assert!(e.to_string().contains("CANCELED"), "{name}: {e}");
    }
    // Canceling again is a no-op.
    h.gw.cancel(BULK).await.unwrap();
    assert_eq!(h.request_count().await, before, "refusals sent requests");
    h.finish().await;
}

#[tokio::test]
async fn illegal_changes_are_refused_before_the_put() {
    for (current, op) in
        [("CANCELED", "resume"), ("PROCESSING", "pause"), ("FINISHED", "cancel"), ("FAILED", "resume")]
    {
        let h = harness().await;
        mount_status(&h, current, 1).await;
        api("PUT", "/sms/1/bulks/status")
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&h.server)
            .await;
        let e = match op {
            "resume" => h.gw.resume(BULK).await,
            "pause" => h.gw.pause(BULK).await,
            _ => h.gw.cancel(BULK).await,
        }
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{current} {op}: {e}");
        let src = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<bramka_infobip::BulkError>());
        assert!(matches!(src, Some(bramka_infobip::BulkError::IllegalTransition { .. })), "{e:?}");
        h.finish().await;
    }
}

#[tokio::test]
async fn statuses_only_infobip_sets_are_refused_without_any_request() {
    let h = harness().await;
    for s in [BulkStatus::Processing, BulkStatus::Finished, BulkStatus::Failed] {
        let e = h.gw.set_bulk_status(BULK, s).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    }
    let e = h.gw.cancel(" ").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Message);
    assert_eq!(h.request_count().await, 0);
}

#[tokio::test]
async fn same_status_is_a_no_op() {
    let h = harness().await;
    mount_status(&h, "PAUSED", 1).await;
    mount_put_status(&h, "PAUSED", 0).await;
    assert_eq!(h.gw.set_bulk_status(BULK, BulkStatus::Paused).await.unwrap(), BulkStatus::Paused);
    h.finish().await;
}

#[tokio::test]
async fn unknown_bulk_is_not_found() {
    let h = harness().await;
    api("GET", "/sms/1/bulks/status")
        .and(query_param("bulkId", BULK))
        .respond_with(
            ResponseTemplate::new(404).set_body_string(fixture("error-legacy-404-bulk-not-found.json")),
        )
        .expect(1)
        .mount(&h.server)
        .await;
    let e = h.gw.pause(BULK).await.unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::NotFound, Some(404)), "{e}");
    assert!(e.to_string().contains("Bulk not found"), "{e}");
    h.finish().await;
}

/// Infobip refusing a change (400) means the bulk is no longer changeable.
#[tokio::test]
async fn refused_change_is_invalid_state() {
    let h = harness().await;
    mount_status(&h, "PENDING", 1).await;
    api("PUT", "/sms/1/bulks/status")
        .and(body_json(fixture_json("bulks-status-put-request.json")))
        .respond_with(ResponseTemplate::new(400).set_body_string(fixture("error-legacy-400-text.json")))
        .expect(1)
        .mount(&h.server)
        .await;
    let e = h.gw.pause(BULK).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidState, Certainty::NotSent), "{e}");
    h.finish().await;
}

/// A cancel whose answer is not CANCELED is an error naming both statuses, never a success;
/// likewise a pause answered PENDING and a resume answered PAUSED. The exact PUT is asserted.
#[tokio::test]
async fn cancel_pause_and_resume_check_the_status_infobip_answers() {
    for (verb, before, asked, answered) in [
        ("cancel", "PENDING", "CANCELED", "PENDING"),
        ("pause", "PENDING", "PAUSED", "PENDING"),
        ("resume", "PAUSED", "PENDING", "PAUSED"),
    ] {
        let h = harness().await;
        mount_status(&h, before, 1).await;
        api("PUT", "/sms/1/bulks/status")
            .and(query_param("bulkId", BULK))
            .and(body_json(json!({"status": asked})))
            .respond_with(status_is(answered))
            .expect(1)
            .mount(&h.server)
            .await;
        let r = match verb {
            "cancel" => h.gw.cancel(BULK).await,
            "pause" => h.gw.pause(BULK).await,
            _ => h.gw.resume(BULK).await,
        };
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{verb}: {e}");
        assert_eq!(e.certainty(), Certainty::MaybeSent, "{verb}");
        let text = e.to_string();
        assert!(text.contains(answered) && text.contains(asked), "{verb}: {text}");
        h.finish().await;
    }
}

/// `bulkId`, `sendAt` and `status` are optional in Infobip's spec. Where bramka knows the value
/// (the time it asked for), an answer without it is fine; where the value is the result, the
/// error is a typed [`bramka_infobip::IncompleteAnswer`]; a status change answered without a
/// status is read back.
#[tokio::test]
async fn answers_without_the_optional_fields() {
    let h = harness().await;
    let empty = || ResponseTemplate::new(200).set_body_json(json!({}));
    api("GET", "/sms/1/bulks")
        .and(query_param("bulkId", BULK))
        .respond_with(empty())
        .expect(1)
        .mount(&h.server)
        .await;
    // The status reads, in order: missing; PENDING (reschedule's check); PENDING (pause's check);
    // PAUSED (pause's read-back); PAUSED (resume's check); missing (resume's read-back).
    for answer in [
        empty(),
        status_is("PENDING"),
        status_is("PENDING"),
        status_is("PAUSED"),
        status_is("PAUSED"),
        empty(),
    ] {
        api("GET", "/sms/1/bulks/status")
            .and(query_param("bulkId", BULK))
            .respond_with(answer)
            .up_to_n_times(1)
            .expect(1)
            .mount(&h.server)
            .await;
    }
    api("PUT", "/sms/1/bulks")
        .and(query_param("bulkId", BULK))
        .and(body_json(json!({"sendAt": "2026-03-01T12:00:00.000+0000"})))
        .respond_with(empty())
        .expect(1)
        .mount(&h.server)
        .await;
    for to in ["PAUSED", "PENDING"] {
        api("PUT", "/sms/1/bulks/status")
            .and(query_param("bulkId", BULK))
            .and(body_json(json!({"status": to})))
            .respond_with(empty())
            .expect(1)
            .mount(&h.server)
            .await;
    }

    let e = h.gw.bulk_schedule(BULK).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::NotSent));
    assert!(e.to_string().contains("GET /sms/1/bulks has no `sendAt`"), "{e}");
    let e = h.gw.bulk_status(BULK).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::NotSent));
    assert!(e.to_string().contains("no `status`"), "{e}");

    let at = now() + chrono::Duration::hours(2);
    let s = h.gw.reschedule_bulk(BULK, at).await.unwrap();
    assert_eq!((s.bulk_id.as_str(), s.send_at), (BULK, at), "the bulk and time asked for");

    assert_eq!(h.gw.set_bulk_status(BULK, BulkStatus::Paused).await.unwrap(), BulkStatus::Paused);
    let e = h.gw.set_bulk_status(BULK, BulkStatus::Pending).await.unwrap_err();
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent));
    assert!(e.to_string().contains("may have been made"), "{e}");
    h.finish().await;
}
