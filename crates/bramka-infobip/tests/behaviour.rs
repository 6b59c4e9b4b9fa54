//! The operator behaviour suites every bramka operator passes (status mapping, timeout,
//! chunking at 1000, partial batches, no retry without dedupe) and the DSN round trip, over
//! wiremock.

use std::sync::Arc;
use std::time::Duration;

use bramka_core::Gateway;
use bramka_infobip::{InfobipConfig, InfobipFactory, InfobipGateway};
use bramka_test_support::suites::{Operator, dsn_round_trip};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

const KEY: &str = "suite-KEY-0a1b2c3d";

/// Accepts every destination of the request, echoing its messageId.
fn accept(req: &wiremock::Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let msgs: Vec<Value> = body["messages"][0]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            json!({"messageId": d["messageId"], "destination": d["to"],
                   "status": {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED"}})
        })
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(json!({"bulkId": body["options"]["schedule"]["bulkId"], "messages": msgs}))
}

fn operator() -> Operator {
    Operator::new(
        |base, timeout| {
            let cfg = InfobipConfig::builder(base, KEY)
                .sender("Shop")
                .timeouts(bramka_core::http::Timeouts { request: timeout, connect: Duration::from_secs(2) })
                .build()
                .unwrap();
            Arc::new(InfobipGateway::new(cfg).unwrap()) as Arc<dyn Gateway>
        },
        || {
            Mock::given(method("POST"))
                .and(path("/sms/3/messages"))
                .and(header("Authorization", format!("App {KEY}").as_str()))
        },
        accept,
    )
    .failure(|status| {
        ResponseTemplate::new(status).set_body_json(
            json!({"errorCode": format!("E{status}"), "description": "failure", "action": "none", "violations": []}),
        )
    })
}

#[test]
fn behaviour_suites() {
    operator().run_all();
}

#[test]
fn dsn_round_trips() {
    dsn_round_trip(
        &InfobipFactory,
        &format!("infobip://{KEY}@default?from=Shop&base_url={{base_url}}"),
        &[KEY],
        &operator(),
    );
}
