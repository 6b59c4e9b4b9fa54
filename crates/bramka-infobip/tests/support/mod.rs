//! Infobip's test harness on the workspace's `bramka-test-support` (fixtures, strict OpenAPI
//! validation, request bodies): a gateway at a wiremock server, the `Authorization` matcher, and
//! which schema of Infobip's official OpenAPI document (tests/fixtures/openapi/infobip-sms.json,
//! a verbatim copy, 298 kB) each request body must match, plus Infobip's date format.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use bramka_core::clock::ManualClock;
use bramka_infobip::{InfobipConfig, InfobipGateway};
use bramka_test_support::openapi::{Spec, json_bodies};
use chrono::{DateTime, Utc};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{MockBuilder, MockServer};

/// The API key of every test; it must never show up in output.
pub const KEY: &str = "test-KEY-9f8e7d6c5b4a";
/// `Authorization` as Infobip expects it.
pub const AUTH: &str = "App test-KEY-9f8e7d6c5b4a";

/// A fixture from `tests/fixtures/` (the workspace's shared helper).
pub fn fixture(name: &str) -> String {
    bramka_test_support::fixture!(name)
}

pub fn fixture_json(name: &str) -> Value {
    bramka_test_support::fixture_json!(name)
}

pub fn now() -> DateTime<Utc> {
    "2026-03-01T10:00:00Z".parse().unwrap()
}

/// A mock server and a gateway pointed at it, with a manual clock at [`now`].
pub struct Harness {
    pub server: MockServer,
    pub gw: Arc<InfobipGateway>,
    pub clock: ManualClock,
}

pub async fn harness() -> Harness {
    harness_with(|b| b).await
}

pub async fn harness_with(
    f: impl FnOnce(bramka_infobip::InfobipConfigBuilder) -> bramka_infobip::InfobipConfigBuilder,
) -> Harness {
    let server = MockServer::start().await;
    let clock = ManualClock::new(now());
    let builder = InfobipConfig::builder(&server.uri(), KEY).clock(Arc::new(clock.clone()));
    let gw = Arc::new(InfobipGateway::new(f(builder).build().unwrap()).unwrap());
    assert!(server.uri().starts_with("http://127.0.0.1:"), "{}", server.uri());
    Harness { server, gw, clock }
}

/// A mock matching method, path and the `Authorization: App <key>` header.
pub fn api(m: &str, p: &str) -> MockBuilder {
    wiremock::Mock::given(method(m))
        .and(path(p))
        .and(header("Authorization", AUTH))
        .and(header("Accept", "application/json"))
}

impl Harness {
    /// Checks every mock's call count and validates every request body against the spec.
    pub async fn finish(&self) {
        self.server.verify().await;
        for (method, path, body) in json_bodies(&self.server).await {
            assert_valid(&method, &path, &body);
        }
    }

    /// How many requests reached the server.
    pub async fn request_count(&self) -> usize {
        self.server.received_requests().await.unwrap_or_default().len()
    }
}

/// The component schema of the request body of `method path` in the spec.
fn schema_name(method: &str, path: &str) -> &'static str {
    match (method, path) {
        ("POST", "/sms/3/messages") => "SmsRequestEnvelope",
        ("PUT", "/sms/1/bulks") => "BulkRequest",
        ("PUT", "/sms/1/bulks/status") => "UpdateStatusRequest",
        ("POST", "/sms/1/preview") => "PreviewRequest",
        other => panic!("no request schema known for {other:?}: add it to tests/support"),
    }
}

/// Validates a request body against the strict schema of its operation, and checks Infobip's
/// date-time format (`+0000` offsets) that the spec's `format: date-time` cannot express.
pub fn assert_valid(method: &str, path: &str, body: &Value) {
    let name = schema_name(method, path);
    let errors = validate(name, body);
    assert!(
        errors.is_empty(),
        "{method} {path} body does not match {name}:\n{}\n{body:#}",
        errors.join("\n")
    );
    check_dates(body, "");
}

/// Schema errors of `body` against component `name` (empty when valid).
pub fn validate(name: &str, body: &Value) -> Vec<String> {
    spec().validate(name, body)
}

fn check_dates(v: &Value, at: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "sendAt" {
                    let s = x.as_str().unwrap_or_else(|| panic!("{at}.sendAt is not a string"));
                    let ok = s.len() == 28
                        && s.as_bytes()[10] == b'T'
                        && s.as_bytes()[19] == b'.'
                        && matches!(s.as_bytes()[23], b'+' | b'-')
                        && s[24..].chars().all(|c| c.is_ascii_digit());
                    assert!(ok, "{at}.sendAt {s:?} is not yyyy-MM-ddTHH:mm:ss.SSS+hhmm");
                }
                check_dates(x, &format!("{at}.{k}"));
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| check_dates(x, &format!("{at}[{i}]"))),
        _ => {}
    }
}

/// Infobip's SMS OpenAPI document.
fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::new(fixture_json("openapi/infobip-sms.json")))
}
