//! The refused fields of a configuration: [`Field`], [`FieldError`], [`ConfigError`].

use std::fmt;

/// A configuration field, as named in errors.
///
/// ```
/// use bramka_flow::{Field, SmsActionConfig};
///
/// let e = SmsActionConfig::builder().label("").template("Hi").build().unwrap_err();
/// assert!(e.has(&Field::Label));
/// ```
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
///
/// ```
/// use bramka_flow::{Field, SmsActionConfig};
///
/// let e = SmsActionConfig::builder().label("x").recipients("+48 600, 12").template("Hi").build().unwrap_err();
/// let p = &e.problems[0];
/// assert_eq!(p.field, Field::Recipients);
/// println!("{} {:?}: {}", p.field, p.value, p.reason);
/// ```
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
///
/// ```
/// use bramka_flow::{Field, SmsActionConfig};
///
/// // Every bad field at once.
/// let e = SmsActionConfig::builder().label("").sender("Far too long a sender").template("Hi {oops}").build().unwrap_err();
/// assert!(e.has(&Field::Label) && e.has(&Field::Sender) && e.has(&Field::Template), "{e}");
/// ```
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
