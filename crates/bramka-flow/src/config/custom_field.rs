//! [`CustomField`]: a customer's own constant field, plain or secret.

use std::fmt;

use bramka_core::Secret;

/// A customer's own constant field: a template placeholder, and a parameter of every request to
/// the customer's API. Secret fields go only to the API and print as `***`.
///
/// ```
/// use bramka_core::Secret;
/// use bramka_flow::SmsActionConfig;
///
/// let config = SmsActionConfig::builder()
///     .label("x")
///     .recipients("+48600100200")
///     .template("Call {team}")
///     .field("team", "Sales")
///     .secret_field("api_key", Secret::from("s3cret"))
///     .build()
///     .unwrap();
/// assert!(config.fields().iter().any(|f| f.name() == "api_key" && f.is_secret()));
/// assert!(!format!("{config:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CustomField {
    pub(super) name: String,
    pub(super) value: FieldValue,
}

/// A custom field's value: plain, or secret (sent to the customer's API only).
#[derive(Clone)]
pub(super) enum FieldValue {
    Plain(String),
    Secret(Secret),
}

impl PartialEq for FieldValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FieldValue::Plain(a), FieldValue::Plain(b)) => a == b,
            (FieldValue::Secret(a), FieldValue::Secret(b)) => a.expose() == b.expose(),
            _ => false,
        }
    }
}
impl Eq for FieldValue {}

impl CustomField {
    /// The field's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Whether the value is secret.
    pub fn is_secret(&self) -> bool {
        matches!(self.value, FieldValue::Secret(_))
    }
    /// The value of a plain field (`None` for a secret one).
    pub fn value(&self) -> Option<&str> {
        match &self.value {
            FieldValue::Plain(v) => Some(v),
            FieldValue::Secret(_) => None,
        }
    }
    /// The value, secret or not: what goes on the wire.
    pub fn expose(&self) -> &str {
        match &self.value {
            FieldValue::Plain(v) => v,
            FieldValue::Secret(s) => s.expose(),
        }
    }
}

impl fmt::Debug for CustomField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            FieldValue::Plain(v) => write!(f, "{}={v:?}", self.name),
            FieldValue::Secret(_) => write!(f, "{}=***", self.name),
        }
    }
}
