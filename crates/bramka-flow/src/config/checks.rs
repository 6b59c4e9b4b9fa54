//! The checks of [`SmsActionConfigBuilder::build`](super::SmsActionConfigBuilder::build), one
//! function per field or group of fields. Each reports what is wrong through `bad` (field, value
//! as given with secrets masked, what would be accepted) and returns the checked value.

use std::time::Duration;

use bramka_core::encoding::{self, Policy};
use bramka_core::phone::{self, PhonePolicy};
use bramka_core::{PhoneNumber, Sender};
use url::Url;

use super::custom_field::CustomField;
use super::errors::Field;
use super::{MAX_DELAY, MAX_LABEL_CHARS};
use crate::remote::{self, RemoteApi, RemoteContent, ResponseFormat};
use crate::template::{BUILTIN_PLACEHOLDERS, Template};

/// The label: required, at most [`MAX_LABEL_CHARS`] characters, no control characters.
pub(super) fn label(label: &str, bad: &mut impl FnMut(Field, &str, String)) {
    let label_chars = label.chars().count();
    if label.trim().is_empty() {
        bad(Field::Label, label, "a label is required (it finds this element's sends in the history)".into());
    } else if label_chars > MAX_LABEL_CHARS {
        bad(Field::Label, label, format!("has {label_chars} characters; at most {MAX_LABEL_CHARS}"));
    } else if label.chars().any(char::is_control) {
        bad(Field::Label, label, "control characters are not accepted".into());
    }
}

/// The sender, when one is given.
pub(super) fn sender(sender: Option<&str>, bad: &mut impl FnMut(Field, &str, String)) -> Option<Sender> {
    match sender.map(Sender::parse) {
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
    }
}

/// The delay: at most [`MAX_DELAY`].
pub(super) fn delay(delay: Duration, bad: &mut impl FnMut(Field, &str, String)) {
    if delay > MAX_DELAY {
        bad(
            Field::Delay,
            &format!("{}s", delay.as_secs_f64()),
            format!("at most {} hours", MAX_DELAY.as_secs() / 3600),
        );
    }
}

/// The recipient lists: numbers in international format, each once; at least one unless the
/// caller gets the SMS too.
pub(super) fn recipients(
    lists: &[String],
    also_to_caller: bool,
    bad: &mut impl FnMut(Field, &str, String),
) -> Vec<PhoneNumber> {
    let mut recipients: Vec<PhoneNumber> = Vec::new();
    for list in lists {
        for entry in phone::list_entries(list) {
            let international = entry.starts_with('+') || entry.starts_with("00");
            if !international {
                bad(
                    Field::Recipients,
                    entry,
                    "not in international format: start with + and the country code (+48221131415)".into(),
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
    let recipients_given = lists.iter().any(|l| phone::list_entries(l).next().is_some());
    if !recipients_given && !also_to_caller {
        bad(
            Field::Recipients,
            "",
            "no recipients: give at least one number (+48221131415) or also send to the caller".into(),
        );
    }
    recipients
}

/// The caller's country prefix (1 to 3 digits, `+` optional) as a phone policy.
pub(super) fn caller_prefix(prefix: Option<&str>, bad: &mut impl FnMut(Field, &str, String)) -> PhonePolicy {
    match prefix {
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
    }
}

/// The once-per-call lifetime and the scheduling threshold: longer than zero.
pub(super) fn durations(
    dedupe_ttl: Duration,
    schedule_threshold: Option<Duration>,
    bad: &mut impl FnMut(Field, &str, String),
) {
    if dedupe_ttl.is_zero() {
        bad(Field::DedupeTtl, "0s", "must be longer than zero (24 h by default)".into());
    }
    if let Some(t) = schedule_threshold
        && t.is_zero()
    {
        bad(
            Field::ScheduleThreshold,
            "0s",
            "must be longer than zero (use never_gateway_schedule() to always wait)".into(),
        );
    }
}

/// The segmentation policy: a part cap of at least one.
pub(super) fn policy(policy: &Policy, bad: &mut impl FnMut(Field, &str, String)) {
    if policy.max_parts == 0 {
        bad(Field::Policy, "max_parts = 0", "the part cap is 1 to 255".into());
    }
}

/// The custom fields: valid names, not a built-in placeholder, each name once. Returns the
/// good ones, in order.
pub(super) fn custom_fields(
    given: Vec<CustomField>,
    bad: &mut impl FnMut(Field, &str, String),
) -> Vec<CustomField> {
    let mut fields: Vec<CustomField> = Vec::new();
    for f in given {
        let shown = if f.is_secret() { "***".to_owned() } else { f.expose().to_owned() };
        if !valid_field_name(&f.name) {
            bad(
                Field::CustomField(f.name.clone()),
                &shown,
                "a field name is 1 to 64 ASCII letters, digits or '_', starting with a letter or '_'".into(),
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
    fields
}

fn valid_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The template: it parses, uses no secret field, and its fixed text fits the part cap.
pub(super) fn template(
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

/// The customer's API: an http(s) URL with a host, a timeout within bounds, a valid JSON
/// pointer, a fallback that is not blank.
pub(super) fn remote(api: RemoteApi, bad: &mut impl FnMut(Field, &str, String)) -> Option<RemoteContent> {
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
