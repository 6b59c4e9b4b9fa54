//! Configuration: receiving numbers, routes (prefixes), groups of numbers, forwarding rules.
//!
//! Everything is validated when it is registered, so routing never meets a conflict.

use std::collections::{BTreeMap, BTreeSet};

use bramka_core::PhoneNumber;

use crate::error::ConfigError;
use crate::fold::{fold, is_separator};
use crate::poll::Poll;

/// Shortest prefix accepted, in characters.
pub const PREFIX_MIN: usize = 2;
/// Longest prefix accepted, in characters.
pub const PREFIX_MAX: usize = 16;

/// Whether a receiving number belongs to one owner or is shared by prefixes.
///
/// ```
/// use bramka_inbound::{NumberKind, ReceivingNumber};
///
/// assert_eq!(ReceivingNumber::shared("+48790100200").kind(), NumberKind::Shared);
/// assert_eq!(ReceivingNumber::dedicated("4580").kind(), NumberKind::Dedicated);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumberKind {
    /// Everything sent to the number belongs to one owner; prefixes are optional (several polls).
    Dedicated,
    /// A prefix at the start of the text routes each message; unprefixed texts are unmatched.
    Shared,
}

/// Where a copy of every message received on a number goes.
///
/// ```
/// use bramka_inbound::{Forward, ReceivingNumber};
///
/// let number = ReceivingNumber::dedicated("+48790100200")
///     .forward(Forward::sms("+48600100200").unwrap())
///     .forward(Forward::email("office@example.com").unwrap());
/// assert!(Forward::email("not an address").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Forward {
    /// A copy by SMS to this number, through the dispatching [`Gateway`](bramka_core::Gateway).
    Sms {
        /// The number that gets the copy.
        to: PhoneNumber,
    },
    /// A copy by e-mail to this address, through an [`EmailSender`](crate::email::EmailSender)
    /// (SMTP with the feature `email`).
    Email {
        /// The address that gets the copy.
        to: String,
    },
}

impl Forward {
    /// A copy by SMS to `number`.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::InvalidForward`] naming `number` when it is not a phone number.
    pub fn sms(number: &str) -> Result<Forward, ConfigError> {
        let to = PhoneNumber::parse(number)
            .map_err(|e| ConfigError::InvalidForward { target: number.to_owned(), reason: e.to_string() })?;
        Ok(Forward::Sms { to })
    }
    /// A copy by e-mail to `address` (`local@domain.tld`, no spaces or line breaks).
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::InvalidForward`] naming `address` when it has no `local@domain.tld`
    /// shape or contains spaces, line breaks, `<`, `>`, `,` or `;`.
    pub fn email(address: &str) -> Result<Forward, ConfigError> {
        let a = address.trim();
        let ok = a.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'))
            && !a.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'));
        if !ok {
            return Err(ConfigError::InvalidForward {
                target: address.to_owned(),
                reason: "an e-mail address local@domain.tld without spaces, '<', '>', ',' or ';' is accepted"
                    .into(),
            });
        }
        Ok(Forward::Email { to: a.to_owned() })
    }
}

/// A receiving number (or short code) and its per-number settings.
///
/// ```
/// use bramka_inbound::{Config, ReceivingNumber};
///
/// let mut cfg = Config::new();
/// cfg.add_number(
///     ReceivingNumber::shared("+48 790 100 200").unmatched_reply("Unknown keyword").reply_sender("SHOP"),
/// )
/// .unwrap();
/// assert!(cfg.number("+48790100200").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct ReceivingNumber {
    pub(crate) address: String,
    pub(crate) kind: NumberKind,
    pub(crate) auto_reply: Option<String>,
    pub(crate) unmatched_reply: Option<String>,
    pub(crate) reply_sender: Option<String>,
    pub(crate) forwards: Vec<Forward>,
}

impl ReceivingNumber {
    fn new(address: &str, kind: NumberKind) -> Self {
        ReceivingNumber {
            address: bramka_core::webhook::normalize_address(address),
            kind,
            auto_reply: None,
            unmatched_reply: None,
            reply_sender: None,
            forwards: Vec::new(),
        }
    }
    /// A dedicated number (`+48790100200` or a short code such as `7255`).
    pub fn dedicated(address: &str) -> Self {
        Self::new(address, NumberKind::Dedicated)
    }
    /// A shared number: messages are routed by their prefix.
    pub fn shared(address: &str) -> Self {
        Self::new(address, NumberKind::Shared)
    }
    /// The automatic reply to every message routed to an inbox of this number. On a dedicated
    /// number it also answers messages that match no route when no default route is set (an
    /// [`unmatched_reply`](Self::unmatched_reply) takes precedence there).
    #[must_use]
    pub fn auto_reply(mut self, text: impl Into<String>) -> Self {
        self.auto_reply = Some(text.into());
        self
    }
    /// The reply to messages that match no route on this number (none by default).
    #[must_use]
    pub fn unmatched_reply(mut self, text: impl Into<String>) -> Self {
        self.unmatched_reply = Some(text.into());
        self
    }
    /// The sender name (or number) used for replies from this number.
    #[must_use]
    pub fn reply_sender(mut self, sender: impl Into<String>) -> Self {
        self.reply_sender = Some(sender.into());
        self
    }
    /// Adds a forwarding rule.
    #[must_use]
    pub fn forward(mut self, rule: Forward) -> Self {
        self.forwards.push(rule);
        self
    }
    /// The normalised address (`+48790100200`).
    pub fn address(&self) -> &str {
        &self.address
    }
    /// Dedicated or shared.
    pub fn kind(&self) -> NumberKind {
        self.kind
    }
}

/// What a route leads to.
///
/// ```
/// use bramka_inbound::{Config, ReceivingNumber, Target};
///
/// let mut cfg = Config::new();
/// cfg.add_number(ReceivingNumber::dedicated("+48790100200")).unwrap();
/// cfg.set_default_route("+48790100200", Target::Inbox("support".into())).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A named inbox (an account, a department): the message is stored and auto-replied.
    Inbox(String),
    /// A poll, by id.
    Poll(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// The prefix as registered (for messages), `None` for a dedicated number's default route.
    pub(crate) prefix: Option<String>,
    pub(crate) target: Target,
}

#[derive(Debug, Clone)]
pub(crate) struct NumberEntry {
    pub(crate) number: ReceivingNumber,
    /// Routes by folded prefix.
    pub(crate) routes: BTreeMap<String, Route>,
    pub(crate) default_route: Option<Route>,
}

/// All receiving numbers, routes, polls and groups.
///
/// ```
/// use bramka_inbound::{Config, ConfigError, ReceivingNumber, Target};
///
/// let mut cfg = Config::new();
/// cfg.add_number(ReceivingNumber::shared("+48 790 100 200")).unwrap();
/// cfg.add_route("+48790100200", "SKLEP", Target::Inbox("shop".into())).unwrap();
/// let err = cfg.add_route("+48790100200", "sklep", Target::Inbox("other".into())).unwrap_err();
/// assert!(matches!(err, ConfigError::DuplicatePrefix { .. }));
/// assert!(matches!(
///     cfg.add_route("+48790100200", "X", Target::Inbox("x".into())),
///     Err(ConfigError::PrefixLength { .. })
/// ));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub(crate) numbers: BTreeMap<String, NumberEntry>,
    pub(crate) polls: BTreeMap<String, Poll>,
    pub(crate) groups: BTreeMap<String, BTreeSet<String>>,
}

/// Checks a prefix (2 to 16 characters, no separators) and returns its folded key.
///
/// # Errors
///
/// Returns [`ConfigError::PrefixLength`] when `prefix` is shorter than 2 or longer than 16
/// characters, and [`ConfigError::PrefixSeparator`] when it (or its folded form) contains a
/// separator such as a space or punctuation.
pub fn validate_prefix(prefix: &str) -> Result<String, ConfigError> {
    let len = prefix.chars().count();
    if !(PREFIX_MIN..=PREFIX_MAX).contains(&len) {
        return Err(ConfigError::PrefixLength { prefix: prefix.to_owned(), len });
    }
    if let Some(c) = prefix.chars().find(|c| is_separator(*c)) {
        return Err(ConfigError::PrefixSeparator { prefix: prefix.to_owned(), found: c });
    }
    let key = fold(prefix);
    if key.chars().any(is_separator) {
        return Err(ConfigError::PrefixSeparator { prefix: prefix.to_owned(), found: ' ' });
    }
    Ok(key)
}

impl Config {
    /// An empty configuration.
    pub fn new() -> Self {
        Config::default()
    }

    /// Registers a receiving number; the same address twice is refused.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::InvalidAddress`] when the number's address is empty,
    /// [`ConfigError::InvalidForward`] when an e-mail forward is not a valid address, and
    /// [`ConfigError::DuplicateNumber`] when the address is already registered.
    pub fn add_number(&mut self, number: ReceivingNumber) -> Result<(), ConfigError> {
        if number.address.is_empty() {
            return Err(ConfigError::InvalidAddress { address: number.address });
        }
        for f in &number.forwards {
            if let Forward::Email { to } = f {
                Forward::email(to)?;
            }
        }
        if self.numbers.contains_key(&number.address) {
            return Err(ConfigError::DuplicateNumber { address: number.address });
        }
        self.numbers.insert(
            number.address.clone(),
            NumberEntry { number, routes: BTreeMap::new(), default_route: None },
        );
        Ok(())
    }

    /// Routes messages that start with `prefix` (as a whole word, after folding) on `number`.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::UnknownPoll`] when `target` is a poll not registered,
    /// [`ConfigError::UnknownNumber`] when `number` is not registered, the errors of
    /// [`validate_prefix`] for `prefix`, and [`ConfigError::DuplicatePrefix`] when `number` already
    /// routes that prefix.
    pub fn add_route(&mut self, number: &str, prefix: &str, target: Target) -> Result<(), ConfigError> {
        self.check_target(&target)?;
        self.insert_route(number, Some(prefix), target)
    }

    /// The route for everything on a dedicated number that carries no registered prefix.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::UnknownPoll`] when `target` is a poll not registered,
    /// [`ConfigError::UnknownNumber`] when `number` is not registered,
    /// [`ConfigError::SharedNeedsPrefix`] when `number` is shared, and
    /// [`ConfigError::DuplicateDefaultRoute`] when it already has a default route.
    pub fn set_default_route(&mut self, number: &str, target: Target) -> Result<(), ConfigError> {
        self.check_target(&target)?;
        self.insert_route(number, None, target)
    }

    fn check_target(&self, target: &Target) -> Result<(), ConfigError> {
        if let Target::Poll(id) = target
            && !self.polls.contains_key(id)
        {
            return Err(ConfigError::UnknownPoll { id: id.clone() });
        }
        Ok(())
    }

    fn insert_route(
        &mut self,
        number: &str,
        prefix: Option<&str>,
        target: Target,
    ) -> Result<(), ConfigError> {
        let address = bramka_core::webhook::normalize_address(number);
        let key = prefix.map(validate_prefix).transpose()?;
        let entry =
            self.numbers.get_mut(&address).ok_or(ConfigError::UnknownNumber { address: address.clone() })?;
        match (key, prefix) {
            (Some(key), Some(prefix)) => {
                if let Some(existing) = entry.routes.get(&key) {
                    return Err(ConfigError::DuplicatePrefix {
                        number: address,
                        prefix: prefix.to_owned(),
                        existing: existing.prefix.clone().unwrap_or_default(),
                    });
                }
                entry.routes.insert(key, Route { prefix: Some(prefix.to_owned()), target });
            }
            _ => {
                if entry.number.kind == NumberKind::Shared {
                    return Err(ConfigError::SharedNeedsPrefix { number: address });
                }
                if entry.default_route.is_some() {
                    return Err(ConfigError::DuplicateDefaultRoute { number: address });
                }
                entry.default_route = Some(Route { prefix: None, target });
            }
        }
        Ok(())
    }

    /// Defines (or extends) a named group of sender numbers, used to restrict polls.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::InvalidGroupMember`] naming the group and the member when a member is not
    /// a phone number; the group is then left unchanged.
    pub fn add_group<'a>(
        &mut self,
        name: &str,
        members: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), ConfigError> {
        let mut parsed = BTreeSet::new();
        for m in members {
            let n = PhoneNumber::parse(m).map_err(|e| ConfigError::InvalidGroupMember {
                group: name.to_owned(),
                input: m.to_owned(),
                reason: e.to_string(),
            })?;
            parsed.insert(n.e164());
        }
        self.groups.entry(name.to_owned()).or_default().extend(parsed);
        Ok(())
    }

    /// Registers a poll and its route (by its prefix, or as the number's default route).
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::DuplicatePoll`] when the id is taken, [`ConfigError::UnknownGroup`] when
    /// the poll names a group not defined, [`ConfigError::CodeGroupClash`] when its code group is a
    /// poll's id (or its id another poll's code group), [`ConfigError::UnknownNumber`] when its number
    /// is not registered, and the route errors of [`add_route`](Self::add_route) and
    /// [`set_default_route`](Self::set_default_route); on an error the poll is not kept.
    pub fn add_poll(&mut self, poll: Poll) -> Result<(), ConfigError> {
        if self.polls.contains_key(&poll.id) {
            return Err(ConfigError::DuplicatePoll { id: poll.id.clone() });
        }
        for g in &poll.groups {
            if !self.groups.contains_key(g) {
                return Err(ConfigError::UnknownGroup { group: g.clone() });
            }
        }
        let clash =
            poll.code_group.as_ref().filter(|g| **g == poll.id || self.polls.contains_key(*g)).or_else(
                || self.polls.values().filter_map(|p| p.code_group.as_ref()).find(|g| **g == poll.id),
            );
        if let Some(name) = clash {
            return Err(ConfigError::CodeGroupClash { name: name.clone() });
        }
        let number = poll.number.clone();
        let prefix = poll.prefix.clone();
        let id = poll.id.clone();
        if !self.numbers.contains_key(&number) {
            return Err(ConfigError::UnknownNumber { address: number });
        }
        // Route first (it may fail), then keep the poll.
        self.polls.insert(id.clone(), poll);
        let res = self.insert_route(&number, prefix.as_deref(), Target::Poll(id.clone()));
        if res.is_err() {
            self.polls.remove(&id);
        }
        res
    }

    /// A registered poll.
    pub fn poll(&self, id: &str) -> Option<&Poll> {
        self.polls.get(id)
    }

    /// A registered number.
    pub fn number(&self, address: &str) -> Option<&ReceivingNumber> {
        self.numbers.get(&bramka_core::webhook::normalize_address(address)).map(|e| &e.number)
    }

    /// Whether `sender` (E.164 with `+`) is in group `name`.
    pub fn in_group(&self, name: &str, sender: &str) -> bool {
        self.groups.get(name).is_some_and(|g| g.contains(sender))
    }
}
