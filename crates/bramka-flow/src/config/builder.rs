//! [`SmsActionConfigBuilder`]: setters that only record, and `build()`, which runs the checks
//! of [`checks`](super::checks) and reports every bad field at once.

use std::time::Duration;

use bramka_core::Secret;
use bramka_core::encoding::Policy;

use super::checks;
use super::custom_field::{CustomField, FieldValue};
use super::errors::{ConfigError, Field, FieldError};
use super::settings::{Content, SmsActionConfig};
use super::{DEFAULT_DEDUPE_TTL, DEFAULT_SCHEDULE_THRESHOLD};
use crate::remote::RemoteApi;

#[derive(Debug, Clone)]
enum ContentSpec {
    Template(String),
    Remote(RemoteApi),
}

/// Builds an [`SmsActionConfig`]. Setters only record; [`build`](Self::build) checks everything.
///
/// ```
/// use bramka_flow::{Field, SmsActionConfig};
///
/// let err = SmsActionConfig::builder()
///     .label("")
///     .sender("This sender is far too long")
///     .recipients("+48600100200, 600100201")
///     .template("Hello {name}")
///     .build()
///     .unwrap_err();
/// assert!(err.has(&Field::Label));
/// assert!(err.has(&Field::Sender));
/// assert!(err.has(&Field::Recipients));
/// assert!(err.has(&Field::Template));
/// ```
#[derive(Debug, Clone)]
pub struct SmsActionConfigBuilder {
    label: Option<String>,
    sender: Option<String>,
    delay: Duration,
    recipients: Vec<String>,
    also_to_caller: bool,
    caller_prefix: Option<String>,
    once_per_call: bool,
    dedupe_ttl: Duration,
    schedule_threshold: Option<Duration>,
    policy: Policy,
    content: Option<ContentSpec>,
    fields: Vec<CustomField>,
}

impl Default for SmsActionConfigBuilder {
    fn default() -> Self {
        SmsActionConfigBuilder {
            label: None,
            sender: None,
            delay: Duration::ZERO,
            recipients: Vec::new(),
            also_to_caller: false,
            caller_prefix: None,
            once_per_call: false,
            dedupe_ttl: DEFAULT_DEDUPE_TTL,
            schedule_threshold: Some(DEFAULT_SCHEDULE_THRESHOLD),
            policy: Policy::default(),
            content: None,
            fields: Vec::new(),
        }
    }
}

impl SmsActionConfigBuilder {
    /// The element's label (1 to 64 characters), recorded with every send (required).
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// The sender (alphanumeric name, number or short code; see [`Sender::parse`](bramka_core::Sender::parse)). Without it the
    /// gateway's default sender is used.
    #[must_use]
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }
    /// Waits this long after the call reaches the element (at most [`MAX_DELAY`](super::MAX_DELAY); default none).
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
    /// Recipients: a comma-separated list of numbers in international format (`+48221131415`
    /// or `0048221131415`). May be called more than once.
    #[must_use]
    pub fn recipients(mut self, list: impl Into<String>) -> Self {
        self.recipients.push(list.into());
        self
    }
    /// Also sends to the caller.
    #[must_use]
    pub fn also_to_caller(mut self, yes: bool) -> Self {
        self.also_to_caller = yes;
        self
    }
    /// Country code (`"48"` or `"+48"`) given to a caller's number of 9 digits or fewer, for
    /// PBXs that present national numbers.
    #[must_use]
    pub fn caller_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.caller_prefix = Some(prefix.into());
        self
    }
    /// Sends at most one SMS per call, however often the call reaches the element.
    #[must_use]
    pub fn once_per_call(mut self, yes: bool) -> Self {
        self.once_per_call = yes;
        self
    }
    /// How long a call is remembered for [`once_per_call`](Self::once_per_call) (default 24 h).
    #[must_use]
    pub fn dedupe_ttl(mut self, ttl: Duration) -> Self {
        self.dedupe_ttl = ttl;
        self
    }
    /// Delays of at least this use the gateway's own scheduling (`send_at`) when its capabilities
    /// say it can schedule, so a restart of the application does not lose a waiting SMS
    /// (default 10 minutes).
    #[must_use]
    pub fn schedule_threshold(mut self, threshold: Duration) -> Self {
        self.schedule_threshold = Some(threshold);
        self
    }
    /// Always waits in the application, never uses the gateway's scheduling.
    #[must_use]
    pub fn never_gateway_schedule(mut self) -> Self {
        self.schedule_threshold = None;
        self
    }
    /// The segmentation policy (part cap, transliteration).
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
    /// The content is this template (replaces an API set before). Placeholders: `{from_number}`,
    /// `{to_number}`, `{call_id}` and the custom fields' names.
    #[must_use]
    pub fn template(mut self, template: impl Into<String>) -> Self {
        self.content = Some(ContentSpec::Template(template.into()));
        self
    }
    /// The content comes from the customer's API (replaces a template set before).
    #[must_use]
    pub fn remote(mut self, api: RemoteApi) -> Self {
        self.content = Some(ContentSpec::Remote(api));
        self
    }
    /// A custom constant field: a template placeholder and a parameter of every API request.
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push(CustomField { name: name.into(), value: FieldValue::Plain(value.into()) });
        self
    }
    /// A secret custom field: sent to the customer's API only (never usable in a template), and
    /// printed as `***`.
    #[must_use]
    pub fn secret_field(mut self, name: impl Into<String>, value: Secret) -> Self {
        self.fields.push(CustomField { name: name.into(), value: FieldValue::Secret(value) });
        self
    }

    /// Checks every field and reports all the bad ones at once, in the order of the fields.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] listing every bad field: label, sender, delay, recipients, caller prefix,
    /// content (template placeholders, API URL, timeout, response format) and custom fields.
    pub fn build(self) -> Result<SmsActionConfig, ConfigError> {
        let mut problems = Vec::new();
        let mut bad = |field: Field, value: &str, reason: String| {
            problems.push(FieldError { field, value: value.to_owned(), reason })
        };
        let label = self.label.unwrap_or_default();
        checks::label(&label, &mut bad);
        let sender = checks::sender(self.sender.as_deref(), &mut bad);
        checks::delay(self.delay, &mut bad);
        let recipients = checks::recipients(&self.recipients, self.also_to_caller, &mut bad);
        let caller_policy = checks::caller_prefix(self.caller_prefix.as_deref(), &mut bad);
        checks::durations(self.dedupe_ttl, self.schedule_threshold, &mut bad);
        checks::policy(&self.policy, &mut bad);
        let fields = checks::custom_fields(self.fields, &mut bad);
        let content = match self.content {
            None => {
                bad(Field::Content, "", "no content: set a template or the customer's API".into());
                None
            }
            Some(ContentSpec::Template(src)) => {
                checks::template(&src, &fields, &self.policy, &mut bad).map(Content::Template)
            }
            Some(ContentSpec::Remote(api)) => checks::remote(api, &mut bad).map(Content::Remote),
        };

        match content {
            Some(content) if problems.is_empty() => Ok(SmsActionConfig {
                label,
                sender,
                delay: self.delay,
                recipients,
                also_to_caller: self.also_to_caller,
                caller_policy,
                once_per_call: self.once_per_call,
                dedupe_ttl: self.dedupe_ttl,
                schedule_threshold: self.schedule_threshold,
                policy: self.policy,
                content,
                fields,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}
