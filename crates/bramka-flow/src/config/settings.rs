//! [`SmsActionConfig`], the validated settings of one SMS element, and [`Content`], where its
//! text comes from.

use std::fmt;
use std::time::Duration;

use bramka_core::encoding::Policy;
use bramka_core::phone::PhonePolicy;
use bramka_core::{PhoneNumber, Sender};

use super::builder::SmsActionConfigBuilder;
use super::custom_field::CustomField;
use crate::remote::RemoteContent;
use crate::template::Template;

/// Where the SMS text comes from.
///
/// ```
/// use bramka_flow::{Content, SmsActionConfig};
///
/// let config = SmsActionConfig::builder().label("x").recipients("+48600100200").template("Hi {call_id}").build().unwrap();
/// match config.content() {
///     Content::Template(t) => assert_eq!(t.placeholders(), ["call_id"]),
///     Content::Remote(r) => println!("from {}", r.url()),
///     _ => {}
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content {
    /// A template rendered with the call's values and the custom fields.
    Template(Template),
    /// The customer's API.
    Remote(RemoteContent),
}

/// The settings of one SMS element of a call flow built with [`SmsActionConfig::builder`],
///, validated at [`build`](SmsActionConfigBuilder::build).
#[derive(Clone, PartialEq, Eq)]
pub struct SmsActionConfig {
    pub(super) label: String,
    pub(super) sender: Option<Sender>,
    pub(super) delay: Duration,
    pub(super) recipients: Vec<PhoneNumber>,
    pub(super) also_to_caller: bool,
    pub(super) caller_policy: PhonePolicy,
    pub(super) once_per_call: bool,
    pub(super) dedupe_ttl: Duration,
    pub(super) schedule_threshold: Option<Duration>,
    pub(super) policy: Policy,
    pub(super) content: Content,
    pub(super) fields: Vec<CustomField>,
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
