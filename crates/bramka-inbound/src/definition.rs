//! Serialisable definitions of receiving numbers, polls and groups, as a configuration file or
//! an API writes them, and their validation into a [`Config`].
//!
//! Every refusal is a [`DefinitionError`] that names the table and the field
//! (`polls[2].options[0]: reply is empty`), so a caller reading a file only has to put the file
//! name in front.
//!
//! ```
//! use bramka_inbound::definition::Definitions;
//!
//! let defs: Definitions = serde_json::from_str(r#"{
//!   "numbers": [{"number": "+15005550006", "kind": "shared"}],
//!   "polls": [{"id": "rating", "name": "Shop rating", "number": "+15005550006", "prefix": "VOTE",
//!              "limit": {"count": 1, "period": "poll"},
//!              "options": [{"code": "1", "aliases": ["one"], "reply": ""}]}]
//! }"#).unwrap();
//! let err = defs.to_config().unwrap_err();
//! assert_eq!(err.to_string(), "polls[0].options[0].reply: is empty; leave the key out for the poll's default reply");
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Forward, ReceivingNumber, Target};
use crate::error::ConfigError;
use crate::poll::{Limit, LimitPeriod, Poll, PollOption, PollReplies};

/// A definition was refused: where (`polls[2].options[0].reply`) and why.
///
/// ```
/// use bramka_inbound::definition::Definitions;
///
/// let defs: Definitions = serde_json::from_str(r#"{ "numbers": [
///     { "number": "+48790100200", "inbox": "shop" },
///     { "number": "48790100200", "inbox": "support" }
/// ] }"#).unwrap();
/// let e = defs.to_config().unwrap_err();
/// assert!(e.to_string().starts_with("numbers[1]"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
#[non_exhaustive]
pub struct DefinitionError {
    /// The table and field, e.g. `polls[2].options[0].reply`.
    pub path: String,
    /// What is wrong and what would be accepted.
    pub reason: String,
}

impl DefinitionError {
    fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        DefinitionError { path: path.into(), reason: reason.into() }
    }
}

/// Dedicated or shared, as written in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NumberKindDef {
    /// One owner.
    #[default]
    Dedicated,
    /// Shared by prefixes.
    Shared,
}

/// A route on a number: messages starting with `prefix` go to the inbox `inbox`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteDef {
    /// The prefix (2 to 16 characters, one word).
    pub prefix: String,
    /// The inbox it leads to.
    pub inbox: String,
}

/// A receiving number (`[[numbers]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberDef {
    /// The number (`+48790100200`) or short code.
    pub number: String,
    /// `dedicated` (default) or `shared`.
    #[serde(default)]
    pub kind: NumberKindDef,
    /// The gateway account that receives on this number and sends its replies (used by servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The automatic reply to every message routed to an inbox of this number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_reply: Option<String>,
    /// The reply to messages that match no route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched_reply: Option<String>,
    /// The sender name (or number) of replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_sender: Option<String>,
    /// Numbers that get a copy of every message by SMS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forward_sms: Vec<String>,
    /// Addresses that get a copy of every message by e-mail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forward_email: Vec<String>,
    /// On a dedicated number: the inbox of messages that carry no registered prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox: Option<String>,
    /// Prefix routes to inboxes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteDef>,
}

/// One answer option of a poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDef {
    /// The code shown in statistics (`1`, `A`).
    pub code: String,
    /// Other words or phrases that select it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Its own reply (else the poll's default reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// The per-number limit: `count` accepted answers per `period`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitDef {
    /// Accepted answers per number and period (0 = unlimited).
    pub count: u32,
    /// `poll` (the whole poll), `day` (calendar day in the poll's zone), or a fixed length
    /// counted from the poll's start: `30m`, `12h`, `7d`.
    #[serde(default = "poll_period")]
    pub period: String,
}

fn poll_period() -> String {
    "poll".to_owned()
}

/// A poll (`[[polls]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollDef {
    /// The id (letters, digits, `-` and `_`; used in URLs).
    pub id: String,
    /// The name.
    pub name: String,
    /// The receiving number (one of `numbers`).
    pub number: String,
    /// The prefix; needed on shared numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Opens at (RFC 3339; open since ever when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    /// Closes at, exclusive (RFC 3339; never when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    /// The time zone of daily limits and reports (IANA name, default `Europe/Warsaw`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The answer options, in order.
    pub options: Vec<OptionDef>,
    /// The reply to an accepted answer whose option has no reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_reply: Option<String>,
    /// The reply to answers outside the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_window_reply: Option<String>,
    /// The reply to answers over the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_limit_reply: Option<String>,
    /// The reply to answers that match no option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_reply: Option<String>,
    /// The reply when the discount-code pool is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_exhausted_reply: Option<String>,
    /// The reply to senders outside the allowed groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_allowed_reply: Option<String>,
    /// The sender name of replies (else the number's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_sender: Option<String>,
    /// The per-number limit (unlimited when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<LimitDef>,
    /// Only members of these groups may vote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// A file of discount codes, one a line; each accepted answer gets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_codes_file: Option<String>,
    /// A named code group shared with other polls: each accepted answer gets one of its codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_group: Option<String>,
}

/// Numbers, polls and groups together, in the order they are registered.
///
/// ```
/// use bramka_inbound::definition::Definitions;
///
/// let defs: Definitions = serde_json::from_str(r#"{
///     "numbers": [{ "number": "+48790100200", "inbox": "shop" }]
/// }"#).unwrap();
/// let cfg = defs.to_config().unwrap();
/// assert!(cfg.number("+48790100200").is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definitions {
    /// Receiving numbers.
    #[serde(default)]
    pub numbers: Vec<NumberDef>,
    /// Polls.
    #[serde(default)]
    pub polls: Vec<PollDef>,
    /// Groups of numbers by name.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
}

/// Parses a limit period: `poll`, `day`, or `<n>m`, `<n>h`, `<n>d`.
///
/// # Errors
///
/// Returns a message naming `s` and the accepted forms when it is none of `poll`, `day` or a
/// positive length in minutes, hours or days (`30m`, `12h`, `7d`).
pub fn parse_period(s: &str) -> Result<LimitPeriod, String> {
    let t = s.trim();
    match t {
        "poll" => return Ok(LimitPeriod::WholePoll),
        "day" => return Ok(LimitPeriod::Day),
        _ => {}
    }
    let bad = || {
        format!(
            "{s:?} is not a period; \"poll\", \"day\" or a length such as \"30m\", \"12h\", \"7d\" is accepted"
        )
    };
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| bad())?;
    if n <= 0 {
        return Err(bad());
    }
    let d = match unit {
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(bad()),
    };
    Ok(LimitPeriod::Every(d))
}

fn non_empty(path: &str, field: &str, v: &Option<String>, hint: &str) -> Result<(), DefinitionError> {
    match v {
        Some(s) if s.trim().is_empty() => {
            Err(DefinitionError::new(format!("{path}.{field}"), format!("is empty; {hint}")))
        }
        _ => Ok(()),
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl NumberDef {
    /// Validates into a [`ReceivingNumber`]; `path` is where it is written (`numbers[0]`).
    ///
    /// # Errors
    ///
    /// Returns a [`DefinitionError`] whose `path` names the field under `path` and whose reason says
    /// what is accepted when the number is empty or not a number or short code, a field that is given
    /// is empty, or an SMS or e-mail forward is not a valid number or address.
    pub fn to_number(&self, path: &str) -> Result<ReceivingNumber, DefinitionError> {
        if self.number.trim().is_empty() {
            return Err(DefinitionError::new(
                format!("{path}.number"),
                "is empty; a number (+48790100200) or a short code is accepted",
            ));
        }
        let skip = "leave the key out for none";
        non_empty(path, "auto_reply", &self.auto_reply, skip)?;
        non_empty(path, "unmatched_reply", &self.unmatched_reply, skip)?;
        non_empty(path, "reply_sender", &self.reply_sender, skip)?;
        let mut n = match self.kind {
            NumberKindDef::Dedicated => ReceivingNumber::dedicated(&self.number),
            NumberKindDef::Shared => ReceivingNumber::shared(&self.number),
        };
        if let Some(r) = &self.auto_reply {
            n = n.auto_reply(r);
        }
        if let Some(r) = &self.unmatched_reply {
            n = n.unmatched_reply(r);
        }
        if let Some(s) = &self.reply_sender {
            n = n.reply_sender(s);
        }
        for (i, f) in self.forward_sms.iter().enumerate() {
            let rule = Forward::sms(f)
                .map_err(|e| DefinitionError::new(format!("{path}.forward_sms[{i}]"), e.to_string()))?;
            n = n.forward(rule);
        }
        for (i, f) in self.forward_email.iter().enumerate() {
            let rule = Forward::email(f)
                .map_err(|e| DefinitionError::new(format!("{path}.forward_email[{i}]"), e.to_string()))?;
            n = n.forward(rule);
        }
        Ok(n)
    }
}

impl PollDef {
    /// Validates into a [`Poll`]; `path` is where it is written (`polls[2]`).
    ///
    /// # Errors
    ///
    /// Returns a [`DefinitionError`] whose `path` names the field under `path` (`id`, `name`,
    /// `prefix`, `options`, `end`, `time_zone`, `limit`, …) and whose reason says what is accepted when
    /// the id is not 1 to 64 letters, digits, `-` or `_`, a field is empty or does not parse (a time,
    /// a time zone, a limit period), the poll has no options or two options answer the same, or the
    /// window ends before it starts.
    pub fn to_poll(&self, path: &str) -> Result<Poll, DefinitionError> {
        let at = |field: &str| format!("{path}.{field}");
        if !is_id(&self.id) {
            return Err(DefinitionError::new(
                at("id"),
                format!("{:?} is not an id; 1 to 64 letters, digits, '-' or '_' are accepted", self.id),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(DefinitionError::new(at("name"), "is empty; give the poll a name"));
        }
        if self.options.is_empty() {
            return Err(DefinitionError::new(at("options"), "is empty; at least one option is needed"));
        }
        let skip = "leave the key out for no reply";
        for (field, v) in [
            ("default_reply", &self.default_reply),
            ("out_of_window_reply", &self.out_of_window_reply),
            ("over_limit_reply", &self.over_limit_reply),
            ("unknown_reply", &self.unknown_reply),
            ("pool_exhausted_reply", &self.pool_exhausted_reply),
            ("not_allowed_reply", &self.not_allowed_reply),
            ("reply_sender", &self.reply_sender),
        ] {
            non_empty(path, field, v, skip)?;
        }
        let mut b = Poll::builder(&self.id, &self.name, &self.number);
        if let Some(p) = &self.prefix {
            crate::config::validate_prefix(p)
                .map_err(|e| DefinitionError::new(at("prefix"), e.to_string()))?;
            b = b.prefix(p);
        }
        if let Some(tz) = &self.time_zone {
            let tz: Tz = tz.parse().map_err(|_| {
                DefinitionError::new(
                    at("time_zone"),
                    format!("{tz:?} is not an IANA time zone such as \"Europe/Warsaw\""),
                )
            })?;
            b = b.time_zone(tz);
        }
        let start = self.start.unwrap_or(DateTime::<Utc>::MIN_UTC);
        let end = self.end.unwrap_or(DateTime::<Utc>::MAX_UTC);
        if end <= start {
            return Err(DefinitionError::new(at("end"), format!("{end} is not after start {start}")));
        }
        b = b.window(start, end);
        for (i, o) in self.options.iter().enumerate() {
            let op = format!("{path}.options[{i}]");
            if o.code.trim().is_empty() {
                return Err(DefinitionError::new(
                    format!("{op}.code"),
                    "is empty; a code such as \"A\" or \"1\" is accepted",
                ));
            }
            if let Some(r) = &o.reply
                && r.trim().is_empty()
            {
                return Err(DefinitionError::new(
                    format!("{op}.reply"),
                    "is empty; leave the key out for the poll's default reply",
                ));
            }
            for (j, a) in o.aliases.iter().enumerate() {
                if a.trim().is_empty() {
                    return Err(DefinitionError::new(format!("{op}.aliases[{j}]"), "is empty"));
                }
            }
            let mut opt = PollOption::new(&o.code);
            for a in &o.aliases {
                opt = opt.alias(a);
            }
            if let Some(r) = &o.reply {
                opt = opt.reply(r);
            }
            b = b.option(opt);
        }
        let replies = PollReplies {
            default: self.default_reply.clone(),
            outside_window: self.out_of_window_reply.clone(),
            over_limit: self.over_limit_reply.clone(),
            unknown_answer: self.unknown_reply.clone(),
            pool_exhausted: self.pool_exhausted_reply.clone(),
            not_allowed: self.not_allowed_reply.clone(),
        };
        b = b.replies(replies);
        if let Some(s) = &self.reply_sender {
            b = b.reply_sender(s);
        }
        if let Some(l) = &self.limit {
            let period = parse_period(&l.period).map_err(|e| DefinitionError::new(at("limit.period"), e))?;
            b = b.limit(Limit { max: l.count, period });
        }
        for g in &self.groups {
            b = b.group(g);
        }
        if self.discount_codes_file.is_some() {
            b = b.discount_codes(true);
        }
        if let Some(g) = &self.code_group {
            b = b.code_group(g);
        }
        b.build().map_err(|e| {
            let field = match &e {
                ConfigError::DuplicateAnswer { .. } => "options",
                ConfigError::InvalidWindow { .. } => "end",
                ConfigError::InvalidLimit { .. } => "limit",
                ConfigError::NoOptions { .. } => "options",
                _ => "",
            };
            DefinitionError::new(if field.is_empty() { path.to_owned() } else { at(field) }, e.to_string())
        })
    }
}

impl Definitions {
    /// Validates everything and registers it: groups, then numbers and their routes, then polls.
    ///
    /// # Errors
    ///
    /// Returns the first [`DefinitionError`] found, its `path` naming the group, number or poll and
    /// field (`groups.vip`, `numbers[1].number`, `polls[2].prefix`): an invalid group member, number or
    /// poll (see [`NumberDef::to_number`] and [`PollDef::to_poll`]), a number given twice, a prefix or
    /// default route that clashes, or a poll naming an unknown number or group.
    pub fn to_config(&self) -> Result<Config, DefinitionError> {
        let mut cfg = Config::new();
        for (name, members) in &self.groups {
            cfg.add_group(name, members.iter().map(String::as_str))
                .map_err(|e| DefinitionError::new(format!("groups.{name}"), e.to_string()))?;
        }
        for (i, n) in self.numbers.iter().enumerate() {
            let path = format!("numbers[{i}]");
            let number = n.to_number(&path)?;
            let address = number.address().to_owned();
            cfg.add_number(number)
                .map_err(|e| DefinitionError::new(format!("{path}.number"), e.to_string()))?;
            if let Some(inbox) = &n.inbox {
                cfg.set_default_route(&address, Target::Inbox(inbox.clone()))
                    .map_err(|e| DefinitionError::new(format!("{path}.inbox"), e.to_string()))?;
            }
            for (j, r) in n.routes.iter().enumerate() {
                cfg.add_route(&address, &r.prefix, Target::Inbox(r.inbox.clone()))
                    .map_err(|e| DefinitionError::new(format!("{path}.routes[{j}].prefix"), e.to_string()))?;
            }
        }
        for (i, p) in self.polls.iter().enumerate() {
            let path = format!("polls[{i}]");
            let poll = p.to_poll(&path)?;
            cfg.add_poll(poll).map_err(|e| {
                let field = match &e {
                    ConfigError::UnknownNumber { .. } => "number",
                    ConfigError::UnknownGroup { .. } => "groups",
                    ConfigError::DuplicatePoll { .. } => "id",
                    _ => "prefix",
                };
                DefinitionError::new(format!("{path}.{field}"), e.to_string())
            })?;
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll() -> PollDef {
        serde_json::from_value(serde_json::json!({
            "id": "rating", "name": "Shop rating", "number": "+15005550006", "prefix": "VOTE",
            "start": "2026-01-01T00:00:00Z", "end": "2030-01-01T00:00:00Z",
            "default_reply": "Thanks!", "limit": {"count": 1, "period": "poll"},
            "options": [{"code": "1", "aliases": ["one"], "reply": "Sorry"}, {"code": "5", "aliases": ["five"]}]
        }))
        .unwrap()
    }

    fn defs(p: PollDef) -> Definitions {
        Definitions {
            numbers: vec![
                serde_json::from_value(serde_json::json!({"number": "+15005550006", "kind": "shared"}))
                    .unwrap(),
            ],
            polls: vec![p],
            groups: BTreeMap::new(),
        }
    }

    #[test]
    fn valid_poll_builds_with_its_settings() {
        let cfg = defs(poll()).to_config().unwrap();
        let p = cfg.poll("rating").unwrap();
        assert_eq!(p.prefix(), Some("VOTE"));
        assert_eq!(p.limit(), Limit::per_poll(1));
        assert_eq!(p.options().len(), 2);
        assert_eq!(p.window().0.to_rfc3339(), "2026-01-01T00:00:00+00:00");
    }

    #[test]
    fn errors_name_table_and_field() {
        let mut p = poll();
        p.options[1].reply = Some(" ".into());
        assert_eq!(defs(p).to_config().unwrap_err().path, "polls[0].options[1].reply");
        let mut p = poll();
        p.limit = Some(LimitDef { count: 1, period: "fortnight".into() });
        let e = defs(p).to_config().unwrap_err();
        assert_eq!(e.path, "polls[0].limit.period");
        assert!(e.reason.contains("\"fortnight\""), "{e}");
        let mut p = poll();
        p.number = "+48111222333".into();
        assert_eq!(defs(p).to_config().unwrap_err().path, "polls[0].number");
        let mut p = poll();
        p.options[1].aliases = vec!["ONE".into()];
        assert_eq!(defs(p).to_config().unwrap_err().path, "polls[0].options");
        let mut p = poll();
        p.end = p.start;
        assert_eq!(defs(p).to_config().unwrap_err().path, "polls[0].end");
        let mut p = poll();
        p.prefix = Some("X".into());
        assert_eq!(defs(p).to_config().unwrap_err().path, "polls[0].prefix");
        let mut p = poll();
        p.id = "a b".into();
        assert_eq!(defs(p).to_config().unwrap_err().path, "polls[0].id");
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("day"), Ok(LimitPeriod::Day));
        assert_eq!(parse_period("12h"), Ok(LimitPeriod::Every(Duration::hours(12))));
        assert!(parse_period("0h").is_err());
        assert!(parse_period("h").is_err());
    }

    #[test]
    fn json_round_trip() {
        let p = poll();
        let back: PollDef = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }
}
