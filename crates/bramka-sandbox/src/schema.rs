//! Request validation against the operators' published OpenAPI documents: the request schemas of
//! the send endpoints, trimmed from the documents into `schemas/*.json` (a test checks the trim
//! against the full documents in `tests/fixtures/openapi/`), checked with `jsonschema`.

use std::sync::OnceLock;

use jsonschema::Validator;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::{Map, Value};

const INFOBIP: &str = include_str!("../schemas/infobip-send.json");
const TWILIO: &str = include_str!("../schemas/twilio-send.json");

/// A validated operation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Op {
    /// Infobip `POST /sms/3/messages`.
    InfobipV3,
    /// Infobip `POST /sms/2/text/advanced`.
    InfobipV2,
    /// Twilio `POST .../Messages.json` (a form, typed by the schema first: see [`twilio_instance`]).
    TwilioCreate,
}

/// One refusal: the property (`messages[0].destinations[0].to`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) property: String,
    pub(crate) violation: String,
}

struct Schemas {
    infobip_v3: Validator,
    infobip_v2: Validator,
    twilio_create: Validator,
    /// Twilio's form fields and their declared types (`integer`, `boolean`, `array`, ...).
    twilio_types: Map<String, Value>,
}

/// The validator of `name` in a trimmed document: the operation's schema with the document's
/// components beside it, so `#/components/schemas/...` references resolve.
fn validator(doc: &Value, name: &str) -> Validator {
    let mut root = doc["operations"][name].as_object().cloned().unwrap_or_default();
    root.insert("components".to_owned(), doc["components"].clone());
    jsonschema::draft202012::new(&Value::Object(root))
        .unwrap_or_else(|e| panic!("the embedded schema {name} does not compile: {e}"))
}

fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(|| {
        let infobip: Value =
            serde_json::from_str(INFOBIP).expect("embedded schemas/infobip-send.json is JSON");
        let twilio: Value = serde_json::from_str(TWILIO).expect("embedded schemas/twilio-send.json is JSON");
        let op = &twilio["operations"]["create_message"];
        let mut types = Map::new();
        for (field, s) in op["properties"].as_object().into_iter().flatten() {
            let s = match s.get("$ref").and_then(Value::as_str) {
                Some(r) => twilio.pointer(r.trim_start_matches('#')).unwrap_or(s),
                None => s,
            };
            types.insert(field.clone(), s.get("type").cloned().unwrap_or(Value::Null));
        }
        Schemas {
            infobip_v3: validator(&infobip, "sms_3_messages"),
            infobip_v2: validator(&infobip, "sms_2_text_advanced"),
            twilio_create: validator(&twilio, "create_message"),
            twilio_types: types,
        }
    })
}

/// A Twilio form as the JSON the schema describes: integers, numbers and booleans parsed (left
/// as text when they do not parse, so the type check refuses them), repeated fields declared
/// as arrays collected.
pub(crate) fn twilio_instance(form: &[(String, String)]) -> Value {
    let types = &schemas().twilio_types;
    let mut out = Map::new();
    for (k, v) in form {
        let parsed = match types.get(k).and_then(Value::as_str) {
            Some("integer") => v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(v.as_str())),
            Some("number") => v
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::from(v.as_str()), Value::Number),
            Some("boolean") => match v.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::from(v.as_str()),
            },
            Some("array") => {
                let list = out.entry(k.clone()).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = list {
                    a.push(Value::from(v.as_str()));
                }
                continue;
            }
            _ => Value::from(v.as_str()),
        };
        out.insert(k.clone(), parsed);
    }
    Value::Object(out)
}

/// What the operator's schema refuses in `body`, in document order (empty: valid).
pub(crate) fn check(op: Op, body: &Value) -> Vec<Violation> {
    let s = schemas();
    let v = match op {
        Op::InfobipV3 => &s.infobip_v3,
        Op::InfobipV2 => &s.infobip_v2,
        Op::TwilioCreate => &s.twilio_create,
    };
    let mut out: Vec<Violation> = v
        .iter_errors(body)
        .map(|e| {
            let mut property = property_of(e.instance_path().iter());
            let violation = match e.kind() {
                ValidationErrorKind::Required { property: p } => {
                    let p = p.as_str().unwrap_or_default();
                    property = if property.is_empty() { p.to_owned() } else { format!("{property}.{p}") };
                    "must not be null".to_owned()
                }
                ValidationErrorKind::MinLength { limit } => format!("size must be at least {limit}"),
                ValidationErrorKind::MaxLength { limit } => format!("size must be at most {limit}"),
                ValidationErrorKind::MinItems { limit } => format!("size must be at least {limit}"),
                ValidationErrorKind::MaxItems { limit } => format!("size must be at most {limit}"),
                ValidationErrorKind::Minimum { limit } => format!("must be greater than or equal to {limit}"),
                ValidationErrorKind::Maximum { limit } => format!("must be less than or equal to {limit}"),
                ValidationErrorKind::Enum { options } => format!("must be one of {options}"),
                ValidationErrorKind::Pattern { pattern } => format!("must match \"{pattern}\""),
                ValidationErrorKind::Type { kind } => format!("must be {}", type_name(kind)),
                // The branches' own errors name the field; a whole-branch mismatch adds nothing.
                ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
                    "must match one of the documented forms".to_owned()
                }
                other => format!("is invalid ({})", other.keyword()),
            };
            Violation { property, violation }
        })
        .collect();
    out.dedup();
    out
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => format!("{t}"),
        TypeKind::Multiple(ts) => {
            let names: Vec<String> = ts.iter().map(|t| format!("{t}")).collect();
            format!("one of {}", names.join(", "))
        }
    }
}

/// `messages[0].destinations[0].to` from the segments of a JSON pointer.
fn property_of<'a>(segments: impl Iterator<Item = LocationSegment<'a>>) -> String {
    let mut s = String::new();
    for seg in segments {
        match seg {
            LocationSegment::Index(i) => s.push_str(&format!("[{i}]")),
            LocationSegment::Property(p) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(&p);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_valid_v3_request_passes() {
        let body = json!({"messages": [{"sender": "Shop", "destinations": [{"to": "48500100200"}], "content": {"text": "hi"}}]});
        assert_eq!(check(Op::InfobipV3, &body), vec![]);
    }

    #[test]
    fn a_v3_destination_without_to_is_named() {
        let body = json!({"messages": [{"destinations": [{"messageId": "k1"}], "content": {"text": "hi"}}]});
        let v = check(Op::InfobipV3, &body);
        assert!(
            v.contains(&Violation {
                property: "messages[0].destinations[0].to".into(),
                violation: "must not be null".into()
            }),
            "{v:?}"
        );
    }

    #[test]
    fn twilio_form_is_typed_before_validation() {
        let form = vec![
            ("To".to_owned(), "+48500100200".to_owned()),
            ("ValidityPeriod".to_owned(), "60".to_owned()),
            ("ProvideFeedback".to_owned(), "true".to_owned()),
            ("MediaUrl".to_owned(), "https://a.example/1.png".to_owned()),
            ("MediaUrl".to_owned(), "https://a.example/2.png".to_owned()),
        ];
        let i = twilio_instance(&form);
        assert_eq!(i["ValidityPeriod"], json!(60));
        assert_eq!(i["ProvideFeedback"], json!(true));
        assert_eq!(i["MediaUrl"], json!(["https://a.example/1.png", "https://a.example/2.png"]));
        assert_eq!(check(Op::TwilioCreate, &i), vec![]);
    }

    #[test]
    fn twilio_wrong_types_enums_and_sids_are_refused() {
        let form = vec![
            ("To".to_owned(), "+48500100200".to_owned()),
            ("ValidityPeriod".to_owned(), "soon".to_owned()),
            ("ContentRetention".to_owned(), "forever".to_owned()),
            ("MessagingServiceSid".to_owned(), "MGnothex".to_owned()),
        ];
        let v = check(Op::TwilioCreate, &twilio_instance(&form));
        let props: Vec<&str> = v.iter().map(|x| x.property.as_str()).collect();
        for p in ["ValidityPeriod", "ContentRetention", "MessagingServiceSid"] {
            assert!(props.contains(&p), "{p} not refused: {v:?}");
        }
    }
}
