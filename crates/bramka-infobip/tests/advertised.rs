//! The conformance kit's "every advertised operation works" suite over Infobip (issue 14): status,
//! cancel, reschedule, pause, resume and balance answer `Ok`, called directly and through each of
//! the core's wrappers (retry, recording, failover, round robin), so none of them answers
//! `Unsupported` for an operation Infobip advertises.

mod support;

use std::sync::Arc;

use bramka_core::Gateway;
use bramka_core::clock::ManualClock;
use bramka_core::testing::conformance::Conformance;
use serde_json::json;
use wiremock::matchers::{any, body_json, query_param};
use wiremock::{Mock, ResponseTemplate};

use support::{KEY, api, fixture, harness_with};

/// Both a message id (status) and a bulk id (the bulk operations), as Infobip's own fixture has it.
const ID: &str = "MESSAGE-ID-123-xyz";
/// Each operation is called directly and through the kit's four wrappers.
const CALLS: u64 = 5;

#[tokio::test]
async fn every_advertised_operation_works_through_every_wrapper() {
    // The kit reschedules to 2030-01-01T12:00Z: one hour after this clock, inside Infobip's window.
    let clock = ManualClock::new("2030-01-01T11:00:00Z".parse().unwrap());
    let h = harness_with(|b| b.clock(Arc::new(clock))).await;
    api("GET", "/sms/3/logs")
        .and(query_param("messageId", ID))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("logs-v3-response-200.json")))
        .expect(CALLS)
        .mount(&h.server)
        .await;
    // Read before every change: reschedule, pause and resume (a PENDING bulk resumed is already
    // running: no PUT), then the kit's cancels (last): the first one cancels, and the gateway
    // remembers a final status, so the other four are answered without a request.
    api("GET", "/sms/1/bulks/status")
        .and(query_param("bulkId", ID))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": ID, "status": "PENDING"})))
        .expect(3 * CALLS + 1)
        .mount(&h.server)
        .await;
    for (status, times) in [("PAUSED", CALLS), ("CANCELED", 1)] {
        api("PUT", "/sms/1/bulks/status")
            .and(query_param("bulkId", ID))
            .and(body_json(json!({"status": status})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bulkId": ID, "status": status})))
            .expect(times)
            .mount(&h.server)
            .await;
    }
    api("PUT", "/sms/1/bulks")
        .and(query_param("bulkId", ID))
        .and(body_json(json!({"sendAt": "2030-01-01T12:00:00.000+0000"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"bulkId": ID, "sendAt": "2030-01-01T12:00:00.000+0000"})),
        )
        .expect(CALLS)
        .mount(&h.server)
        .await;
    api("GET", "/account/1/balance")
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("synthetic-balance-response-200.json")),
        )
        .expect(CALLS)
        .mount(&h.server)
        .await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&h.server).await;

    Conformance::new(h.gw.clone() as Arc<dyn Gateway>).secret(KEY).advertised_id(ID).run().await;
    h.finish().await;
}
