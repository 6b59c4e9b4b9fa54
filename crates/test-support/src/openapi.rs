//! Request bodies checked against an operator's OpenAPI document (feature `openapi`).
//!
//! [`Spec::validate`] checks a body against a component schema made strict: every `$ref`
//! inlined and unknown properties refused, so a misspelled or invented field fails instead of
//! passing silently. [`json_bodies`] collects the JSON bodies a wiremock server received.

use serde_json::{Map, Value};
use wiremock::MockServer;

/// An OpenAPI document (its `components.schemas` are what is used).
#[derive(Debug, Clone)]
pub struct Spec(Value);

impl Spec {
    /// A document already parsed.
    pub fn new(document: Value) -> Self {
        Spec(document)
    }

    fn schemas(&self) -> &Map<String, Value> {
        self.0["components"]["schemas"].as_object().expect("the spec has components.schemas")
    }

    /// The component schema `component` (its full key) with every `$ref` inlined and
    /// `unevaluatedProperties: false` on every object schema with `properties` or `allOf` (and no
    /// `additionalProperties` of its own). Documentation keywords are left out.
    pub fn strict_schema(&self, component: &str) -> Value {
        fn inline(v: &Value, schemas: &Map<String, Value>, depth: usize) -> Value {
            assert!(depth < 40, "recursive schema");
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        let name = r.strip_prefix("#/components/schemas/").expect("local ref");
                        return inline(&schemas[name], schemas, depth + 1);
                    }
                    let mut out = Map::new();
                    for (k, x) in m {
                        if matches!(k.as_str(), "description" | "example" | "examples" | "title") {
                            continue;
                        }
                        out.insert(k.clone(), inline(x, schemas, depth + 1));
                    }
                    if (out.contains_key("properties") || out.contains_key("allOf"))
                        && !out.contains_key("additionalProperties")
                    {
                        out.insert("unevaluatedProperties".into(), Value::Bool(false));
                    }
                    Value::Object(out)
                }
                Value::Array(a) => Value::Array(a.iter().map(|x| inline(x, schemas, depth + 1)).collect()),
                other => other.clone(),
            }
        }
        let schemas = self.schemas();
        inline(&schemas[component], schemas, 0)
    }

    /// The full key of the component whose last dotted segment is `name` (specs generated from
    /// Java name them `com.example.SmsRequest`).
    ///
    /// # Panics
    /// When no component has that name.
    pub fn component(&self, name: &str) -> String {
        self.schemas()
            .keys()
            .find(|k| k.rsplit('.').next() == Some(name))
            .unwrap_or_else(|| panic!("schema {name} not in the spec"))
            .clone()
    }

    /// The errors of `body` against the strict schema of component `name` (empty when valid).
    pub fn validate(&self, name: &str, body: &Value) -> Vec<String> {
        let schema = self.strict_schema(&self.component(name));
        let v = jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
        v.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    }
}

/// The JSON bodies the server received, with each request's method and path; requests without a
/// body are left out.
///
/// # Panics
/// When a body is not `application/json` or does not parse.
pub async fn json_bodies(server: &MockServer) -> Vec<(String, String, Value)> {
    let requests = server.received_requests().await.unwrap_or_default();
    let mut out = Vec::new();
    for r in requests.iter().filter(|r| !r.body.is_empty()) {
        let ct = r.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(ct.starts_with("application/json"), "{} {}: content type {ct:?}", r.method, r.url.path());
        let body = serde_json::from_slice(&r.body).expect("a JSON body");
        out.push((r.method.to_string(), r.url.path().to_owned(), body));
    }
    out
}
