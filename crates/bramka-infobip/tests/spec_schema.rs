//! The schema check itself: the spec's own request examples pass, and bodies that drift from
//! the spec (invented fields, wrong names, bad enum values, missing required fields) fail.

mod support;

use serde_json::json;
use support::{fixture_json, validate};

#[test]
fn the_specs_own_request_examples_pass_the_strict_schemas() {
    for f in [
        "send-v3-request-basic.json",
        "send-v3-request-full.json",
        "send-v3-request-language.json",
        "send-v3-request-flash.json",
    ] {
        let errors = validate("SmsRequestEnvelope", &fixture_json(f));
        assert!(errors.is_empty(), "{f}: {errors:?}");
    }
    assert!(validate("BulkRequest", &fixture_json("bulks-put-request.json")).is_empty());
    assert!(validate("UpdateStatusRequest", &fixture_json("bulks-status-put-request.json")).is_empty());
}

#[test]
fn drifting_bodies_fail() {
    let ok = json!({"messages":[{"sender":"S","destinations":[{"to":"48600100200","messageId":"m"}],"content":{"text":"hi"}}]});
    assert!(validate("SmsRequestEnvelope", &ok).is_empty());
    let bad = [
        // v2 field names in a v3 body
        json!({"messages":[{"from":"S","destinations":[{"to":"1"}],"content":{"text":"hi"}}]}),
        json!({"messages":[{"destinations":[{"to":"1"}],"text":"hi"}]}),
        // invented field
        json!({"messages":[{"destinations":[{"to":"1"}],"content":{"text":"hi","encoding":"GSM"}}]}),
        // bad enum value
        json!({"messages":[{"destinations":[{"to":"1"}],"content":{"text":"hi"},"options":{"validityPeriod":{"amount":5,"timeUnit":"WEEKS"}}}]}),
        // bulkId at the top level (v2 style) instead of options.schedule
        json!({"bulkId":"b","messages":[{"destinations":[{"to":"1"}],"content":{"text":"hi"}}]}),
        // missing required destinations / to
        json!({"messages":[{"content":{"text":"hi"}}]}),
        json!({"messages":[{"destinations":[{"messageId":"x"}],"content":{"text":"hi"}}]}),
        // messageId longer than 200
        json!({"messages":[{"destinations":[{"to":"1","messageId":"x".repeat(201)}],"content":{"text":"hi"}}]}),
        // speed limit unit from the validity enum
        json!({"messages":[{"destinations":[{"to":"1"}],"content":{"text":"hi"}}],"options":{"schedule":{"sendingSpeedLimit":{"amount":1,"timeUnit":"MINUTES"}}}}),
    ];
    for b in bad {
        assert!(!validate("SmsRequestEnvelope", &b).is_empty(), "passed: {b}");
    }
    assert!(!validate("UpdateStatusRequest", &json!({"status":"CANCELLED"})).is_empty());
    assert!(!validate("BulkRequest", &json!({})).is_empty());
}
