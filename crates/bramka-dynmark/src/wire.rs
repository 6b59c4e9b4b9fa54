//! Every Dynmark wire detail, in one place.
//!
//! Public material on Dynmark is thin. Each item below names its evidence: **[docs]** (readable part of docs.dynmark.com),
//! **[example]** (Dynmark's own Java/PHP sample code), **[inferred]** (no source). A correction
//! from Dynmark support is a change to this module only.

use std::time::Duration;

use bramka_core::http::Timeouts;
use bramka_core::senders::SenderRules;
use serde::{Deserialize, Serialize};

/// Path of the send endpoint, relative to the base URL (production:
/// `https://services.dynmark.com/webapi/`, the REST "WebApi" family). [docs] [example]
pub(crate) const SEND_PATH: &str = "message/send";

/// Recommended timeouts: 130 s per request (docs C# sample, PHP sample, SaleCycle comment)
/// [docs] [example]; 10 s to connect (the PHP sample) [example].
pub(crate) const TIMEOUTS: Timeouts =
    Timeouts { connect: Duration::from_secs(10), request: Duration::from_secs(130) };

/// Largest answer read: 100 results of a few hundred bytes each, with room to spare. [inferred]
pub(crate) const BODY_LIMIT: usize = 256 * 1024;

/// Messages per request. No limit is documented; 100 keeps requests small. [inferred]
pub(crate) const MAX_BATCH: usize = 100;

/// Sender names: 2 to 11 letters, digits or spaces (UK industry norm); numbers of up to 15
/// digits. [inferred]
pub(crate) const SENDER_RULES: SenderRules = SenderRules::new("dynmark", "Dynmark", 2, 11);

/// One message of the JSON array posted to `message/send`. [docs] [example]
///
/// Recipients are international digits without `+` (`447700900123`). [docs]
/// `clientRef` is an opaque correlation field, not a documented de-duplication key. [inferred]
#[derive(Debug, Serialize)]
pub(crate) struct OutMessage<'a> {
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) body: &'a str,
    #[serde(rename = "clientRef")]
    pub(crate) client_ref: String,
    /// ISO-8601 UTC, e.g. `2015-10-05T12:57:00.543Z`. [docs]
    #[serde(rename = "deliverAfter", skip_serializing_if = "Option::is_none")]
    pub(crate) deliver_after: Option<String>,
    #[serde(rename = "deliveryStatusUrl", skip_serializing_if = "Option::is_none")]
    pub(crate) delivery_status_url: Option<&'a str>,
}

/// One element of the response array, in request order (order assumed). [example]
///
/// PascalCase aliases because .NET services sometimes switch casing. [inferred]
/// No message id is attested anywhere. [unknown]
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MessageResult {
    #[serde(default, alias = "To")]
    pub(crate) to: Option<String>,
    #[serde(default, alias = "Successful")]
    pub(crate) successful: Option<bool>,
    #[serde(default, rename = "validationFailures", alias = "ValidationFailures")]
    pub(crate) validation_failures: Vec<ValidationFailure>,
    /// A logon failure may come back as a 2xx element with this field. [docs] (partial)
    #[serde(default, rename = "failureDescription", alias = "FailureDescription")]
    pub(crate) failure_description: Option<String>,
    /// A message id, if Dynmark sends one under one of these names. [unknown]
    #[serde(default, rename = "messageId", alias = "MessageId", alias = "id", alias = "Id")]
    pub(crate) message_id: Option<serde_json::Value>,
}

/// A validation failure. Only `ToInvalid` is attested as a code. [example]
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ValidationFailure {
    #[serde(default, alias = "Property")]
    pub(crate) property: Option<String>,
    #[serde(default, rename = "failureCode", alias = "FailureCode")]
    pub(crate) failure_code: Option<String>,
    #[serde(default, alias = "Details")]
    pub(crate) details: Option<String>,
}

impl ValidationFailure {
    /// `property: code (details)`, as an error message quotes it.
    pub(crate) fn describe(&self) -> String {
        let details = self.details.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        format!(
            "{}: {}{details}",
            self.property.as_deref().unwrap_or("?"),
            self.failure_code.as_deref().unwrap_or("?")
        )
    }
}

/// Whether a `failureDescription` is a logon (credentials) failure. [docs] (partial) + [inferred]
pub(crate) fn is_logon_failure(description: &str) -> bool {
    let d = description.to_ascii_lowercase();
    ["logon", "log on", "credential", "password", "authenticat"].iter().any(|w| d.contains(w))
}
