//! Shared helpers for the SMSAPI tests: a wiremock server, exact form matching, fixtures.
#![allow(dead_code)]

use bramka_smsapi::{SmsapiConfig, SmsapiConfigBuilder, SmsapiGateway};
use wiremock::matchers::{header, method, path};
use wiremock::{MockBuilder, ResponseTemplate};

/// A distinctive token: any appearance of it in output is a leak.
pub(crate) const TOKEN: &str = "tok-Zq81xVv0-secret";

/// A fixture from `tests/fixtures/`.
pub(crate) fn fixture(name: &str) -> String {
    bramka_test_support::fixture!(name)
}

/// A config builder pointed at the mock server.
pub(crate) fn config(server: &wiremock::MockServer) -> SmsapiConfigBuilder {
    SmsapiConfig::builder(TOKEN).base_url(server.uri())
}

/// A gateway pointed at the mock server, with sender `Sklep`.
pub(crate) fn gateway(server: &wiremock::MockServer) -> SmsapiGateway {
    SmsapiGateway::new(config(server).sender("Sklep").build().unwrap()).unwrap()
}

/// `POST /sms.do` with the bearer token and a form body.
pub(crate) fn sms_do() -> MockBuilder {
    wiremock::Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
}

/// `GET <p>` with the bearer token.
pub(crate) fn get(p: &str) -> MockBuilder {
    wiremock::Mock::given(method("GET"))
        .and(path(p))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

/// A JSON answer with HTTP 200.
pub(crate) fn json(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string(body.into())
}

#[allow(unused_imports)]
pub(crate) use bramka_test_support::{FormExact, form, form_of};

/// The fields every send request carries, plus `extra`.
pub(crate) fn send_form(to: &str, message: &str, idx: &str, extra: &[(&str, &str)]) -> FormExact {
    let mut all = vec![
        ("to", to),
        ("message", message),
        ("format", "json"),
        ("encoding", "utf-8"),
        ("details", "1"),
        ("idx", idx),
        ("check_idx", "1"),
    ];
    all.extend_from_slice(extra);
    form(&all)
}
