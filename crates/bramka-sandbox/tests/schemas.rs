//! The trimmed request schemas the sandbox validates with (`schemas/*.json`) are exactly what the
//! operators' published OpenAPI documents (`tests/fixtures/openapi/`) say about the send
//! endpoints: each operation's request-body schema and every component it reaches, annotations
//! (descriptions, titles, examples) left out.
//!
//! After updating a fixture, regenerate with
//! `BRAMKA_UPDATE_SCHEMAS=1 cargo test -p bramka-sandbox --test schemas`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Keys that only annotate a schema; validation never reads them.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "x-twilio",
    "ignoreFormat",
    "writeOnly",
    "readOnly",
];

fn load(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/openapi/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Copies `v` without annotations, collecting the names of the components it refers to.
fn strip(v: &Value, refs: &mut Vec<String>) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                if ANNOTATIONS.contains(&k.as_str()) {
                    continue;
                }
                if k == "$ref" {
                    let name = x.as_str().and_then(|r| r.strip_prefix("#/components/schemas/"));
                    refs.push(name.unwrap_or_else(|| panic!("unexpected $ref {x}")).to_owned());
                }
                // `properties` maps names to schemas: a property called `description` is kept.
                let copied = if k == "properties" {
                    Value::Object(
                        x.as_object()
                            .expect("properties is an object")
                            .iter()
                            .map(|(n, s)| (n.clone(), strip(s, refs)))
                            .collect(),
                    )
                } else {
                    strip(x, refs)
                };
                out.insert(k.clone(), copied);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| strip(x, refs)).collect()),
        other => other.clone(),
    }
}

/// `{"operations": {name: schema}, "components": {"schemas": {...reached...}}}` of `ops`
/// (name, path, method, content type).
fn trim(spec: &Value, ops: &[(&str, &str, &str, &str)]) -> Value {
    let mut operations = Map::new();
    let mut todo = Vec::new();
    for (name, path, method, content) in ops {
        let schema = spec["paths"][*path][*method]["requestBody"]["content"][*content]["schema"].clone();
        assert!(schema.is_object(), "{path} {method} {content}: no request schema");
        operations.insert((*name).to_owned(), strip(&schema, &mut todo));
    }
    let mut components = BTreeMap::new();
    while let Some(name) = todo.pop() {
        if components.contains_key(&name) {
            continue;
        }
        let s = &spec["components"]["schemas"][&name];
        assert!(s.is_object(), "component {name} missing");
        components.insert(name, strip(s, &mut todo));
    }
    json!({"operations": operations, "components": {"schemas": components}})
}

fn check(file: &str, trimmed: &Value) {
    let path = format!("{}/schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = serde_json::to_string_pretty(trimmed).expect("serialisable") + "\n";
    if std::env::var_os("BRAMKA_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == text,
        "{path} differs from the operator's OpenAPI document; regenerate it with \
         BRAMKA_UPDATE_SCHEMAS=1 cargo test -p bramka-sandbox --test schemas"
    );
}

#[test]
fn infobip_send_schemas_match_the_published_openapi_document() {
    let spec = load("infobip-sms.json");
    let trimmed = trim(
        &spec,
        &[
            ("sms_3_messages", "/sms/3/messages", "post", "application/json"),
            ("sms_2_text_advanced", "/sms/2/text/advanced", "post", "application/json"),
        ],
    );
    // The trim keeps what validation needs: the v3 envelope requires `messages`, a destination
    // its `to`, and limits survive.
    let text = trimmed.to_string();
    assert!(text.contains("\"required\":[\"messages\"]"), "{text:.300}");
    assert!(text.contains("maxLength"));
    check("infobip-send.json", &trimmed);
}

#[test]
fn twilio_create_message_schema_matches_the_published_openapi_document() {
    let spec = load("twilio_api_v2010-messages.json");
    let trimmed = trim(
        &spec,
        &[(
            "create_message",
            "/2010-04-01/Accounts/{AccountSid}/Messages.json",
            "post",
            "application/x-www-form-urlencoded",
        )],
    );
    assert_eq!(trimmed["operations"]["create_message"]["required"], json!(["To"]));
    assert_eq!(
        trimmed["operations"]["create_message"]["properties"]["MessagingServiceSid"]["pattern"],
        json!("^MG[0-9a-fA-F]{32}$")
    );
    check("twilio-send.json", &trimmed);
}

/// Every keyword in the trimmed schemas is one the validator understands (JSON Schema 2020-12
/// validation keywords); a regenerated schema with something new fails here, not silently.
#[test]
fn trimmed_schemas_use_only_known_keywords() {
    const KNOWN: &[&str] = &[
        "type",
        "properties",
        "required",
        "items",
        "enum",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "pattern",
        "format",
        "allOf",
        "oneOf",
        "anyOf",
        "$ref",
        "default",
        "const",
        "nullable",
        "additionalProperties",
        "deprecated",
    ];
    fn walk(v: &Value, bad: &mut Vec<String>) {
        if let Value::Object(m) = v {
            for (k, x) in m {
                if k == "properties" {
                    for s in x.as_object().into_iter().flat_map(|o| o.values()) {
                        walk(s, bad);
                    }
                    continue;
                }
                if !KNOWN.contains(&k.as_str()) {
                    bad.push(k.clone());
                }
                walk(x, bad);
            }
        } else if let Value::Array(a) = v {
            a.iter().for_each(|x| walk(x, bad));
        }
    }
    for file in ["infobip-send.json", "twilio-send.json"] {
        let path = format!("{}/schemas/{file}", env!("CARGO_MANIFEST_DIR"));
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path);
        let mut bad = Vec::new();
        for part in [&v["operations"], &v["components"]["schemas"]] {
            for s in part.as_object().expect("object").values() {
                walk(s, &mut bad);
            }
        }
        assert!(bad.is_empty(), "{file}: keywords the validator does not handle: {bad:?}");
    }
}
