//! Shared helpers for bramka-twilio's integration tests: fixtures, wiremock matchers, gateways.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine as _;
use bramka_core::clock::ManualClock;
use bramka_twilio::{TwilioConfig, TwilioConfigBuilder, TwilioGateway};
use wiremock::MockServer;

/// The account SID used by the fixtures.
pub const AC: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// An auth token for tests (never to appear in any output).
pub const TOKEN: &str = "tok3n-Secret-Zq81x";
/// An API key SID and secret.
pub const SK: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
pub const SK_SECRET: &str = "k3y-Secret-Wv27p";
/// A Messaging Service SID.
pub const MG: &str = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const MESSAGES_PATH: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json";

#[allow(unused_imports)] // not every test file matches forms
pub use bramka_test_support::{FormExact, form_pairs};

pub fn fixture(name: &str) -> String {
    bramka_test_support::fixture!(name)
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    bramka_test_support::fixture_json!(name)
}

pub fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")))
}

pub fn json_response(status: u16, fixture_name: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(fixture(fixture_name))
}

/// A builder pointed at the mock server, with Account SID + token auth and a manual clock.
pub fn builder(server: &MockServer) -> TwilioConfigBuilder {
    TwilioConfig::builder(AC, TOKEN).base_url(server.uri())
}

pub fn clock() -> ManualClock {
    ManualClock::new("2026-08-11T15:00:00Z".parse().unwrap())
}

pub fn gateway(b: TwilioConfigBuilder) -> TwilioGateway {
    TwilioGateway::new(b.build().unwrap()).unwrap()
}

pub fn gateway_with_clock(b: TwilioConfigBuilder, clock: &ManualClock) -> TwilioGateway {
    gateway(b.clock(Arc::new(clock.clone())))
}

/// Names the OpenAPI spec declares for an operation (from the committed fixture).
pub fn declared(operation: &str, field: &str) -> BTreeSet<String> {
    let v = fixture_json("openapi_message_parameters.json");
    v[operation][field].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

/// Checks every request the server received against the OpenAPI parameter names: create and
/// update forms, list queries. Also checks no request body or URL carries a secret.
pub async fn assert_requests_declared(server: &MockServer) {
    let create = declared("CreateMessage", "form_parameters");
    let update = declared("UpdateMessage", "form_parameters");
    let list = declared("ListMessage", "query_parameters");
    let requests = server.received_requests().await.unwrap_or_default();
    for r in &requests {
        let path = r.url.path();
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains(TOKEN) && !r.url.as_str().contains(TOKEN), "secret in request");
        if r.method.as_str() == "POST" && path.ends_with("/Messages.json") {
            assert_eq!(
                r.headers.get("content-type").map(|v| v.to_str().unwrap()),
                Some("application/x-www-form-urlencoded")
            );
            for (k, _) in form_pairs(&r.body) {
                assert!(create.contains(&k), "form parameter {k:?} is not declared by CreateMessage");
            }
        } else if r.method.as_str() == "POST" {
            for (k, _) in form_pairs(&r.body) {
                assert!(update.contains(&k), "form parameter {k:?} is not declared by UpdateMessage");
            }
        } else if r.method.as_str() == "GET" && path.ends_with("/Messages.json") {
            for (k, _) in r.url.query_pairs() {
                assert!(list.contains(k.as_ref()), "query parameter {k:?} is not declared by ListMessage");
            }
        }
    }
}
