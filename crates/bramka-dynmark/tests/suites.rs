//! The shared behaviour suites and the conformance kit against Dynmark on wiremock.

use std::sync::Arc;
use std::time::Duration;

use bramka_core::testing::conformance::Conformance;
use bramka_core::{Dsn, Gateway};
use bramka_dynmark::{DynmarkConfig, DynmarkFactory, DynmarkGateway};
use bramka_test_support::suites::{Operator, dsn_round_trip};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PASSWORD: &str = "conf0rmance-pa55";
// base64("acme:conf0rmance-pa55")
const AUTH: &str = "Basic YWNtZTpjb25mMHJtYW5jZS1wYTU1";

fn gateway(base: &str, timeout: Duration) -> DynmarkGateway {
    let config = DynmarkConfig::builder("acme", PASSWORD)
        .base_url(format!("{base}/webapi/"))
        .sender("Acme")
        .timeout(timeout)
        .build()
        .unwrap();
    DynmarkGateway::new(config).unwrap()
}

/// Accepts every message of the request, echoing its `to`.
fn accept_all(req: &Request) -> ResponseTemplate {
    let sent: Vec<Value> = serde_json::from_slice(&req.body).expect("a JSON array");
    let results: Vec<Value> =
        sent.iter().map(|m| json!({"to": m["to"], "successful": true, "validationFailures": []})).collect();
    ResponseTemplate::new(202).set_body_json(results)
}

fn operator() -> Operator {
    Operator::new(
        |base, timeout| Arc::new(gateway(base, timeout)) as Arc<dyn Gateway>,
        || Mock::given(method("POST")).and(path("/webapi/message/send")).and(header("authorization", AUTH)),
        accept_all,
    )
    .failure(|status| {
        ResponseTemplate::new(status).set_body_json(json!([{"property": "to", "failureCode": "ToInvalid"}]))
    })
}

#[test]
fn behaviour_suites() {
    operator().run_all();
}

#[test]
fn dsn_round_trip_reaches_the_server() {
    dsn_round_trip(
        &DynmarkFactory,
        &format!("dynmark://acme:{PASSWORD}@default?from=Acme&base_url={{base_url}}%2Fwebapi%2F"),
        &[PASSWORD],
        &operator(),
    );
}

#[tokio::test]
async fn conformance_kit_passes() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(accept_all).mount(&server).await;
    let gw = Arc::new(gateway(&server.uri(), Duration::from_secs(5)));
    let dsn = Dsn::parse(&format!("dynmark://acme:{PASSWORD}@default")).unwrap();
    Conformance::new(gw.clone())
        .secret(PASSWORD)
        .secret(AUTH)
        .advertised_id("dynmark")
        .scan("config", format!("{:?}", gw.config()))
        .scan("dsn", format!("{dsn} {dsn:?}"))
        .run()
        .await;
}
