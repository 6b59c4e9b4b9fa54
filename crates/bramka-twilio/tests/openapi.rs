//! The committed parameter-name fixture matches Twilio's OpenAPI spec when a copy of it is given
//! in `TWILIO_OPENAPI_SPEC` (`twilio_api_v2010.json` from github.com/twilio/twilio-oai). The wiremock tests check every request against this fixture.

mod common;

use std::collections::BTreeSet;

use common::declared;

/// The environment variable naming a copy of Twilio's `twilio_api_v2010.json`.
const SPEC: &str = "TWILIO_OPENAPI_SPEC";

#[test]
fn fixture_matches_the_spec_when_available() {
    let Some(text) = std::env::var_os(SPEC).and_then(|p| std::fs::read_to_string(p).ok()) else {
        eprintln!("{SPEC} not set or not readable: checking the committed fixture only");
        return;
    };
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names =
        |v: &serde_json::Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let list = &spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"];
    let create =
        &list["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"];
    assert_eq!(names(create), declared("CreateMessage", "form_parameters"));
    let update = &spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"]["post"]["requestBody"]
        ["content"]["application/x-www-form-urlencoded"]["schema"]["properties"];
    assert_eq!(names(update), declared("UpdateMessage", "form_parameters"));
    let query: BTreeSet<String> = list["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(query, declared("ListMessage", "query_parameters"));
}
