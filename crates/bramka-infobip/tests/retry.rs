//! The idempotency decision in practice, through the core `RetryGateway`: a `MaybeSent` failure
//! is not retried by default (`ClientReference`); with `trust_duplicate_rejection` it is, and the
//! duplicate rejection comes back as "already accepted". Retries reuse messageId and bulkId.

mod support;

use std::sync::Arc;
use std::time::Duration;

use bramka_core::{Certainty, Gateway, Message, RetryGateway, RetryPolicy, SendState};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::body_json;

use support::{api, fixture, harness, harness_with};

fn body(ids: &[(&str, &str)], bulk: &str) -> Value {
    json!({
        "messages": [{
            "destinations": ids.iter().map(|(to, id)| json!({"to": to, "messageId": id})).collect::<Vec<_>>(),
            "content": {"text": "Once"},
            "webhooks": {"callbackData": bulk}
        }],
        "options": {"schedule": {"bulkId": bulk}, "includeSmsCountInResponse": true}
    })
}

fn status(id: &str, to: &str, group: i64, sid: i64, name: &str) -> Value {
    json!({"messageId": id, "destination": to, "status": {"groupId": group, "id": sid, "name": name}})
}

fn retrying(h: &support::Harness) -> RetryGateway<Arc<bramka_infobip::InfobipGateway>> {
    RetryGateway::new(h.gw.clone(), RetryPolicy::new().with_max_attempts(3))
        .with_clock(Arc::new(h.clock.clone()))
        .with_seed(7)
}

#[tokio::test]
async fn maybe_sent_is_not_retried_by_default() {
    let h = harness().await;
    api("POST", "/sms/3/messages")
        .respond_with(ResponseTemplate::new(500).set_body_string(fixture("error-v3-500.json")))
        .expect(1)
        .mount(&h.server)
        .await;
    let retry = retrying(&h);
    let msg = Message::builder().to("+48600100200").text("Once").client_ref("r1").build().unwrap();
    let e = retry.send(&msg).await.unwrap_err();
    assert_eq!(e.certainty(), Certainty::MaybeSent);
    assert!(h.clock.sleeps().is_empty());
    h.finish().await;
}

#[tokio::test]
async fn trusted_dedupe_retries_and_the_duplicate_is_already_accepted() {
    let h = harness_with(|b| b.trust_duplicate_rejection(true)).await;
    let expected = body(&[("48600100200", "r248600100200")], "r2");
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad gateway"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    api("POST", "/sms/3/messages")
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": "r2", "messages": [
            status("r248600100200", "48600100200", 5, 23, "REJECTED_DUPLICATE_MESSAGE_ID")
        ]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let retry = retrying(&h);
    let msg = Message::builder().to("+48600100200").text("Once").client_ref("r2").build().unwrap();
    let report = retry.send(&msg).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::AlreadyAccepted), "{report:?}");
    assert_eq!(h.clock.sleeps().len(), 1);
    h.finish().await;
}

/// A transient per-recipient rejection (status 21 REJECTED_SYSTEM_ERROR, not sent) is re-sent
/// alone, with the same messageId and bulkId; the accepted recipient is not sent again.
#[tokio::test]
async fn only_the_transiently_rejected_recipient_is_resent_with_the_same_ids() {
    let h = harness().await;
    let both = body(&[("48600100200", "r348600100200"), ("48600100201", "r348600100201")], "r3");
    let second = body(&[("48600100201", "r348600100201")], "r3");
    api("POST", "/sms/3/messages")
        .and(body_json(&both))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": "r3", "messages": [
            status("r348600100200", "48600100200", 1, 26, "PENDING_ACCEPTED"),
            status("r348600100201", "48600100201", 5, 21, "REJECTED_SYSTEM_ERROR")
        ]})))
        .expect(1)
        .mount(&h.server)
        .await;
    api("POST", "/sms/3/messages")
        .and(body_json(&second))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": "r3", "messages": [
            status("r348600100201", "48600100201", 1, 26, "PENDING_ACCEPTED")
        ]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let retry = retrying(&h);
    let msg =
        Message::builder().to("+48600100200, +48600100201").text("Once").client_ref("r3").build().unwrap();
    let report = retry.send(&msg).await.unwrap();
    assert!(report.all_accepted(), "{report:?}");
    let ids: Vec<_> = report.recipients.iter().map(|r| r.message_id.clone().unwrap()).collect();
    assert_eq!(ids, ["r348600100200", "r348600100201"]);
    assert_eq!(h.clock.sleeps().len(), 1);
    h.finish().await;
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after() {
    let h = harness().await;
    api("POST", "/sms/3/messages")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .set_body_string(fixture("error-v3-429.json")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    api("POST", "/sms/3/messages")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"messages": [
            status("r448600100200", "48600100200", 1, 26, "PENDING_ACCEPTED")
        ]})))
        .expect(1)
        .mount(&h.server)
        .await;
    let retry = retrying(&h);
    let msg = Message::builder().to("+48600100200").text("Once").client_ref("r4").build().unwrap();
    assert!(retry.send(&msg).await.unwrap().all_accepted());
    assert_eq!(h.clock.sleeps(), [Duration::from_secs(2)]);
    h.finish().await;
}
