//! [`FlowDef`]: an SMS action of a call flow as a configuration file writes it (`[[flows]]`),
//! and its validation into an [`SmsActionConfig`] with every error naming the field
//! (`flows[0].template: …`).
//!
//! ```
//! use bramka_flow::FlowDef;
//!
//! let def: FlowDef = serde_json::from_str(
//!     r#"{"label": "missed", "template": "We missed your call", "to_caller": true, "delay_seconds": 5}"#,
//! ).unwrap();
//! assert_eq!(def.to_config().unwrap().label(), "missed");
//!
//! let bad: FlowDef = serde_json::from_str(r#"{"label": "", "template": "x"}"#).unwrap();
//! assert!(bad.to_config().unwrap_err().has(&bramka_flow::Field::Label));
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, SmsActionConfig};

/// One `[[flows]]` entry: a template SMS sent when a call reaches the element.
///
/// ```
/// use bramka_flow::FlowDef;
///
/// let def: FlowDef = serde_json::from_str(r#"{
///     "label": "after-hours",
///     "template": "Missed call from {from_number}",
///     "recipients": "+48600100200",
///     "delay_seconds": 5
/// }"#).unwrap();
/// let config = def.to_config().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowDef {
    /// The element's label (1 to 64 characters).
    pub label: String,
    /// The gateway account that sends (used by servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The template (`{caller}`, `{called}`, custom fields).
    pub template: String,
    /// The sender name or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// Seconds to wait after the call reaches the element (at most 24 hours).
    #[serde(default)]
    pub delay_seconds: u64,
    /// Fixed recipients (`"a, b; c"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<String>,
    /// Also send to the caller.
    #[serde(default)]
    pub to_caller: bool,
    /// The country code for a caller number given without one (`"48"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_prefix: Option<String>,
    /// At most one SMS per call.
    #[serde(default)]
    pub once_per_call: bool,
    /// Custom fields usable in the template.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl FlowDef {
    /// Validates into an [`SmsActionConfig`]; every bad field is listed in the error.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] listing every bad field, as [`SmsActionConfigBuilder::build`](crate::SmsActionConfigBuilder::build).
    pub fn to_config(&self) -> Result<SmsActionConfig, ConfigError> {
        let mut b = SmsActionConfig::builder()
            .label(&self.label)
            .template(&self.template)
            .delay(Duration::from_secs(self.delay_seconds))
            .also_to_caller(self.to_caller)
            .once_per_call(self.once_per_call);
        if let Some(s) = &self.sender {
            b = b.sender(s);
        }
        if let Some(r) = &self.recipients {
            b = b.recipients(r);
        }
        if let Some(p) = &self.caller_prefix {
            b = b.caller_prefix(p);
        }
        for (k, v) in &self.fields {
            b = b.field(k, v);
        }
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Field;

    #[test]
    fn every_bad_field_is_named() {
        let def = FlowDef {
            label: String::new(),
            account: None,
            template: "Hi {nope}".into(),
            sender: None,
            delay_seconds: 90_000,
            recipients: Some("not a number".into()),
            to_caller: false,
            caller_prefix: None,
            once_per_call: true,
            fields: BTreeMap::new(),
        };
        let e = def.to_config().unwrap_err();
        for f in [Field::Label, Field::Delay, Field::Recipients, Field::Template] {
            assert!(e.has(&f), "{f} missing from {e}");
        }
    }
}
