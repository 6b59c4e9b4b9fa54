//! [`SmsActionConfig`]: the settings of one SMS element of a call flow, validated at `build()`
//! with every bad field reported at once.

use std::fmt;
use std::time::Duration;

use bramka_core::encoding::{self, Policy};
use bramka_core::phone::{self, PhonePolicy};
use bramka_core::{PhoneNumber, Secret, Sender};
use url::Url;

use crate::remote::{self, RemoteApi, RemoteContent, ResponseFormat};
use crate::template::{BUILTIN_PLACEHOLDERS, Template};

/// Longest delay accepted (24 hours).
pub const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);

/// Default delay above which a gateway that can schedule gets the message with a send time
/// instead of the action waiting (10 minutes).
pub const DEFAULT_SCHEDULE_THRESHOLD: Duration = Duration::from_secs(600);

/// Default lifetime of a once-per-call entry (24 hours).
pub const DEFAULT_DEDUPE_TTL: Duration = Duration::from_secs(24 * 3600);

/// Longest label accepted, in characters.
pub const MAX_LABEL_CHARS: usize = 64;

/// Where the SMS text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content {
    /// A template rendered with the call's values and the custom fields.
    Template(Template),
    /// The customer's API.
    Remote(RemoteContent),
}

/// A customer's own constant field: a template placeholder, and a parameter of every request to
/// the customer's API. Secret fields go only to the API and print as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomField {
    name: String,
    value: FieldValue,
}

#[derive(Clone)]
enum FieldValue {
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

/// A configuration field, as named in errors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The element's label.
    Label,
    /// The sender.
    Sender,
    /// The delay.
    Delay,
    /// The recipient list.
    Recipients,
    /// The default prefix for the caller's number.
    CallerPrefix,
    /// The lifetime of once-per-call entries.
    DedupeTtl,
    /// The delay above which the gateway's scheduling is used.
    ScheduleThreshold,
    /// The segmentation policy.
    Policy,
    /// The content (neither template nor API given).
    Content,
    /// The template.
    Template,
    /// The customer's API URL.
    RemoteUrl,
    /// The customer's API timeout.
    RemoteTimeout,
    /// The customer's API answer structure.
    RemoteResponse,
    /// The fallback text.
    RemoteFallback,
    /// A custom field, by name.
    CustomField(String),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Label => f.write_str("label"),
            Field::Sender => f.write_str("sender"),
            Field::Delay => f.write_str("delay"),
            Field::Recipients => f.write_str("recipients"),
            Field::CallerPrefix => f.write_str("caller_prefix"),
            Field::DedupeTtl => f.write_str("dedupe_ttl"),
            Field::ScheduleThreshold => f.write_str("schedule_threshold"),
            Field::Policy => f.write_str("policy"),
            Field::Content => f.write_str("content"),
            Field::Template => f.write_str("template"),
            Field::RemoteUrl => f.write_str("remote.url"),
            Field::RemoteTimeout => f.write_str("remote.timeout"),
            Field::RemoteResponse => f.write_str("remote.response"),
            Field::RemoteFallback => f.write_str("remote.fallback"),
            Field::CustomField(n) => write!(f, "field {n:?}"),
        }
    }
}

/// One bad field: which, its value as given (secrets masked), and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: Field,
    /// The value as given (`***` for secrets).
    pub value: String,
    /// What is wrong and what would be accepted.
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}: {}", self.field, self.value, self.reason)
    }
}

/// The configuration was refused; every bad field is listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid SMS action configuration ({} problem(s)): {}",
    .problems.len(),
    .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
)]
pub struct ConfigError {
    /// Every bad field, in the order checked.
    pub problems: Vec<FieldError>,
}

impl ConfigError {
    /// The fields that are bad (a field may appear more than once, e.g. one per bad recipient).
    pub fn fields(&self) -> Vec<&Field> {
        self.problems.iter().map(|p| &p.field).collect()
    }
    /// Whether `field` is among the bad ones.
    pub fn has(&self, field: &Field) -> bool {
        self.problems.iter().any(|p| &p.field == field)
    }
}

/// The settings of one SMS element of a call flow (seed 004): built with
/// [`SmsActionConfig::builder`], validated at [`build`](SmsActionConfigBuilder::build).
#[derive(Clone, PartialEq, Eq)]
pub struct SmsActionConfig {
    label: String,
    sender: Option<Sender>,
    delay: Duration,
    recipients: Vec<PhoneNumber>,
    also_to_caller: bool,
    caller_policy: PhonePolicy,
    once_per_call: bool,
    dedupe_ttl: Duration,
    schedule_threshold: Option<Duration>,
    policy: Policy,
    content: Content,
    fields: Vec<CustomField>,
}

impl fmt::Debug for SmsActionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsActionConfig")
            .field("label", &self.label)
            .field("sender", &self.sender)
            .field("delay", &self.delay)
            .field("recipients", &self.recipients)
            .field("also_to_caller", &self.also_to_caller)
            .field("caller_policy", &self.caller_policy)
            .field("once_per_call", &self.once_per_call)
            .field("dedupe_ttl", &self.dedupe_ttl)
            .field("schedule_threshold", &self.schedule_threshold)
            .field("policy", &self.policy)
            .field("content", &self.content)
            .field("fields", &self.fields)
            .finish()
    }
}

impl SmsActionConfig {
    /// Starts a builder.
    pub fn builder() -> SmsActionConfigBuilder {
        SmsActionConfigBuilder::default()
    }
    /// The label: every send of this element is recorded under it.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// The sender (`None`: the gateway's default).
    pub fn sender(&self) -> Option<&Sender> {
        self.sender.as_ref()
    }
    /// The delay between the call reaching the element and the send.
    pub fn delay(&self) -> Duration {
        self.delay
    }
    /// The configured recipients (the caller comes on top when [`also_to_caller`](Self::also_to_caller)).
    pub fn recipients(&self) -> &[PhoneNumber] {
        &self.recipients
    }
    /// Whether the caller gets the SMS too.
    pub fn also_to_caller(&self) -> bool {
        self.also_to_caller
    }
    /// How the caller's number is completed when it has no country code.
    pub fn caller_policy(&self) -> &PhonePolicy {
        &self.caller_policy
    }
    /// Whether at most one SMS is sent per call.
    pub fn once_per_call(&self) -> bool {
        self.once_per_call
    }
    /// How long a call is remembered for once-per-call.
    pub fn dedupe_ttl(&self) -> Duration {
        self.dedupe_ttl
    }
    /// Delays above this use the gateway's scheduling when it has one (`None`: always wait).
    pub fn schedule_threshold(&self) -> Option<Duration> {
        self.schedule_threshold
    }
    /// The segmentation policy of the messages.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    /// Where the text comes from.
    pub fn content(&self) -> &Content {
        &self.content
    }
    /// The custom fields, in the order given.
    pub fn fields(&self) -> &[CustomField] {
        &self.fields
    }
    /// The once-per-call key of a call for this element: the label and the call id.
    pub fn dedupe_key(&self, call_id: &str) -> String {
        format!("{}\u{1f}{}", self.label, call_id)
    }
}

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
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// The sender (alphanumeric name, number or short code; see [`Sender::parse`]). Without it the
    /// gateway's default sender is used.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }
    /// Waits this long after the call reaches the element (at most [`MAX_DELAY`]; default none).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
    /// Recipients: a comma-separated list of numbers in international format (`+48221131415`
    /// or `0048221131415`). May be called more than once.
    pub fn recipients(mut self, list: impl Into<String>) -> Self {
        self.recipients.push(list.into());
        self
    }
    /// Also sends to the caller.
    pub fn also_to_caller(mut self, yes: bool) -> Self {
        self.also_to_caller = yes;
        self
    }
    /// Country code (`"48"` or `"+48"`) given to a caller's number of 9 digits or fewer, for
    /// PBXs that present national numbers.
    pub fn caller_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.caller_prefix = Some(prefix.into());
        self
    }
    /// Sends at most one SMS per call, however often the call reaches the element.
    pub fn once_per_call(mut self, yes: bool) -> Self {
        self.once_per_call = yes;
        self
    }
    /// How long a call is remembered for [`once_per_call`](Self::once_per_call) (default 24 h).
    pub fn dedupe_ttl(mut self, ttl: Duration) -> Self {
        self.dedupe_ttl = ttl;
        self
    }
    /// Delays of at least this use the gateway's own scheduling (`send_at`) when its capabilities
    /// say it can schedule, so a restart of the application does not lose a waiting SMS
    /// (default 10 minutes).
    pub fn schedule_threshold(mut self, threshold: Duration) -> Self {
        self.schedule_threshold = Some(threshold);
        self
    }
    /// Always waits in the application, never uses the gateway's scheduling.
    pub fn never_gateway_schedule(mut self) -> Self {
        self.schedule_threshold = None;
        self
    }
    /// The segmentation policy (part cap, transliteration).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
    /// The content is this template (replaces an API set before). Placeholders: `{from_number}`,
    /// `{to_number}`, `{call_id}` and the custom fields' names.
    pub fn template(mut self, template: impl Into<String>) -> Self {
        self.content = Some(ContentSpec::Template(template.into()));
        self
    }
    /// The content comes from the customer's API (replaces a template set before).
    pub fn remote(mut self, api: RemoteApi) -> Self {
        self.content = Some(ContentSpec::Remote(api));
        self
    }
    /// A custom constant field: a template placeholder and a parameter of every API request.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push(CustomField { name: name.into(), value: FieldValue::Plain(value.into()) });
        self
    }
    /// A secret custom field: sent to the customer's API only (never usable in a template), and
    /// printed as `***`.
    pub fn secret_field(mut self, name: impl Into<String>, value: Secret) -> Self {
        self.fields.push(CustomField { name: name.into(), value: FieldValue::Secret(value) });
        self
    }

    /// Checks every field and reports all the bad ones at once.
    pub fn build(self) -> Result<SmsActionConfig, ConfigError> {
        let mut problems = Vec::new();
        let mut bad = |field: Field, value: &str, reason: String| {
            problems.push(FieldError { field, value: value.to_owned(), reason })
        };

        let label = self.label.unwrap_or_default();
        let label_chars = label.chars().count();
        if label.trim().is_empty() {
            bad(
                Field::Label,
                &label,
                "a label is required (it finds this element's sends in the history)".into(),
            );
        } else if label_chars > MAX_LABEL_CHARS {
            bad(Field::Label, &label, format!("has {label_chars} characters; at most {MAX_LABEL_CHARS}"));
        } else if label.chars().any(char::is_control) {
            bad(Field::Label, &label, "control characters are not accepted".into());
        }

        let sender = match self.sender.as_deref().map(Sender::parse) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => {
                bad(
                    Field::Sender,
                    &e.input,
                    format!(
                        "{}; a sender is 1-11 GSM-7 characters, a +number or a 3-8 digit short code",
                        e.reason
                    ),
                );
                None
            }
        };

        if self.delay > MAX_DELAY {
            bad(
                Field::Delay,
                &format!("{}s", self.delay.as_secs_f64()),
                format!("at most {} hours", MAX_DELAY.as_secs() / 3600),
            );
        }

        let mut recipients: Vec<PhoneNumber> = Vec::new();
        for list in &self.recipients {
            for entry in phone::list_entries(list) {
                let international = entry.starts_with('+') || entry.starts_with("00");
                if !international {
                    bad(
                        Field::Recipients,
                        entry,
                        "not in international format: start with + and the country code (+48221131415)"
                            .into(),
                    );
                    continue;
                }
                match PhoneNumber::parse(entry) {
                    Ok(n) => {
                        if !recipients.contains(&n) {
                            recipients.push(n);
                        }
                    }
                    Err(e) => bad(Field::Recipients, entry, format!("{e}")),
                }
            }
        }
        let recipients_given = self.recipients.iter().any(|l| phone::list_entries(l).next().is_some());
        if !recipients_given && !self.also_to_caller {
            bad(
                Field::Recipients,
                "",
                "no recipients: give at least one number (+48221131415) or also send to the caller".into(),
            );
        }

        let caller_policy = match &self.caller_prefix {
            None => PhonePolicy::default(),
            Some(p) => {
                let digits = p.trim().trim_start_matches('+');
                if (1..=3).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
                    PhonePolicy::with_default_prefix(digits)
                } else {
                    bad(
                        Field::CallerPrefix,
                        p,
                        "a country calling code: 1 to 3 digits, e.g. \"48\" or \"+48\"".into(),
                    );
                    PhonePolicy::default()
                }
            }
        };

        if self.dedupe_ttl.is_zero() {
            bad(Field::DedupeTtl, "0s", "must be longer than zero (24 h by default)".into());
        }
        if let Some(t) = self.schedule_threshold
            && t.is_zero()
        {
            bad(
                Field::ScheduleThreshold,
                "0s",
                "must be longer than zero (use never_gateway_schedule() to always wait)".into(),
            );
        }
        if self.policy.max_parts == 0 {
            bad(Field::Policy, "max_parts = 0", "the part cap is 1 to 255".into());
        }

        let mut fields: Vec<CustomField> = Vec::new();
        for f in self.fields {
            let shown = if f.is_secret() { "***".to_owned() } else { f.expose().to_owned() };
            if !valid_field_name(&f.name) {
                bad(
                    Field::CustomField(f.name.clone()),
                    &shown,
                    "a field name is 1 to 64 ASCII letters, digits or '_', starting with a letter or '_'"
                        .into(),
                );
            } else if BUILTIN_PLACEHOLDERS.contains(&f.name.as_str()) {
                bad(
                    Field::CustomField(f.name.clone()),
                    &shown,
                    format!("{} is built in (filled from the call); choose another name", f.name),
                );
            } else if fields.iter().any(|g| g.name == f.name) {
                bad(Field::CustomField(f.name.clone()), &shown, "given twice; each name once".into());
            } else {
                fields.push(f);
            }
        }

        let content = match self.content {
            None => {
                bad(Field::Content, "", "no content: set a template or the customer's API".into());
                None
            }
            Some(ContentSpec::Template(src)) => {
                check_template(&src, &fields, &self.policy, &mut bad).map(Content::Template)
            }
            Some(ContentSpec::Remote(api)) => check_remote(api, &mut bad).map(Content::Remote),
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

fn valid_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_template(
    src: &str,
    fields: &[CustomField],
    policy: &Policy,
    bad: &mut impl FnMut(Field, &str, String),
) -> Option<Template> {
    let mut known: Vec<&str> = BUILTIN_PLACEHOLDERS.to_vec();
    known.extend(fields.iter().map(|f| f.name.as_str()));
    let template = match Template::parse(src, &known) {
        Ok(t) => t,
        Err(e) => {
            bad(Field::Template, src, e.to_string());
            return None;
        }
    };
    let secrets: Vec<&str> = template
        .placeholders()
        .into_iter()
        .filter(|p| fields.iter().any(|f| f.name == *p && f.is_secret()))
        .collect();
    if !secrets.is_empty() {
        bad(
            Field::Template,
            src,
            format!(
                "{} secret: secret fields go only to the customer's API, never into an SMS",
                secrets.iter().map(|s| format!("{{{s}}} is")).collect::<Vec<_>>().join(", ")
            ),
        );
        return None;
    }
    // The literal text and the constant fields alone must fit the part cap; the call's values can
    // only add to it.
    let fixed = template.render(|n| fields.iter().find(|f| f.name == n).and_then(CustomField::value));
    let analysis = encoding::analyze(&fixed, policy);
    if !analysis.fits() {
        bad(
            Field::Template,
            src,
            format!(
                "the fixed text alone needs {} {} parts; at most {} are allowed",
                analysis.segments(),
                analysis.encoding(),
                policy.max_parts
            ),
        );
        return None;
    }
    Some(template)
}

fn check_remote(api: RemoteApi, bad: &mut impl FnMut(Field, &str, String)) -> Option<RemoteContent> {
    let mut ok = true;
    let url = match Url::parse(api.url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
        Ok(u) => {
            bad(
                Field::RemoteUrl,
                &remote::redact_url(&u),
                "an http:// or https:// URL with a host is accepted".into(),
            );
            None
        }
        Err(e) => {
            bad(
                Field::RemoteUrl,
                &remote::redact_url_str(&api.url),
                format!("not a URL ({e}); an http:// or https:// URL is accepted"),
            );
            None
        }
    };
    if api.timeout.is_zero() || api.timeout > remote::MAX_TIMEOUT {
        bad(
            Field::RemoteTimeout,
            &format!("{}ms", api.timeout.as_millis()),
            format!("more than zero and at most {}s", remote::MAX_TIMEOUT.as_secs()),
        );
        ok = false;
    }
    if let ResponseFormat::JsonPointer(p) = &api.response
        && let Err(reason) = remote::check_pointer(p)
    {
        bad(Field::RemoteResponse, p, reason);
        ok = false;
    }
    if let Some(f) = &api.fallback
        && f.trim().is_empty()
    {
        bad(
            Field::RemoteFallback,
            f,
            "an empty fallback would send an empty SMS; leave it out instead".into(),
        );
        ok = false;
    }
    let url = url?;
    ok.then_some(RemoteContent {
        method: api.method,
        url,
        timeout: api.timeout,
        response: api.response,
        fallback: api.fallback.map(|f| f.trim().to_owned()),
    })
}
