//! The core's behaviour suites (crates/test-support) over SMSAPI: status mapping with certainty,
//! timeout, chunking, partial batch, retries only with de-duplication, DSN round trip.

mod common;

use std::sync::Arc;

use bramka_core::Gateway;
use bramka_smsapi::{SmsapiFactory, SmsapiGateway};
use bramka_test_support::form_of;
use bramka_test_support::suites::{Operator, dsn_round_trip};
use common::*;
use wiremock::{Request, ResponseTemplate};

/// An `sms.do` answer accepting every recipient of the request, echoing `idx`.
fn accept(req: &Request) -> ResponseTemplate {
    let form = form_of(req);
    let to: Vec<&str> = form.get("to").map(|t| t.split(',').collect()).unwrap_or_default();
    let idx: Vec<&str> = form.get("idx").map(|t| t.split('|').collect()).unwrap_or_default();
    let list: Vec<String> = to
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                r#"{{"id":"ID{n}","points":0.16,"number":"{n}","status":"QUEUE","idx":"{}"}}"#,
                idx.get(i).copied().unwrap_or_default()
            )
        })
        .collect();
    json(format!(r#"{{"count":{},"list":[{}]}}"#, to.len(), list.join(",")))
}

fn operator() -> Operator {
    Operator::new(
        |base, timeout| {
            let c = bramka_smsapi::SmsapiConfig::builder(TOKEN)
                .base_url(base)
                .sender("Sklep")
                .batch_size(2)
                .timeout(timeout)
                .build()
                .unwrap();
            Arc::new(SmsapiGateway::new(c).unwrap()) as Arc<dyn Gateway>
        },
        sms_do,
        accept,
    )
}

#[test]
fn smsapi_passes_the_behaviour_suites() {
    operator().run_all();
}

#[test]
fn smsapi_dsn_with_base_url_round_trips() {
    dsn_round_trip(
        &SmsapiFactory,
        &format!("smsapi://{TOKEN}@default?from=Sklep&base_url={{base_url}}"),
        &[TOKEN],
        &operator(),
    );
}
