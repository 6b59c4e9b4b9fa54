//! Sender names as an operator account configures them: the operator's rules ([`SenderRules`]),
//! the account's names ([`SenderList`], the first being the default), and which sender a message
//! goes out with ([`SenderList::resolve`]), all checked before any request.
//!
//! ```
//! use bramka_core::senders::{SenderList, SenderRules};
//! use bramka_core::{ErrorKind, Message};
//!
//! const RULES: SenderRules = SenderRules::new("acme", "Acme", 2, 11);
//! let senders = SenderList::new(RULES, ["Shop", "Alerts"]).unwrap();
//! assert_eq!(senders.default(), Some("Shop"));
//!
//! let msg = Message::builder().to("+447700900123").text("Hi").build().unwrap();
//! assert_eq!(senders.resolve(msg.sender()).unwrap(), "Shop"); // the default
//! let other = Message::builder().to("+447700900123").text("Hi").sender("Other").build().unwrap();
//! let e = senders.resolve(other.sender()).unwrap_err(); // not one of the account's names
//! assert_eq!(e.kind(), ErrorKind::InvalidSender);
//! assert!(e.to_string().contains("configured: Shop, Alerts"), "{e}");
//! assert!(RULES.check("Shop!").unwrap_err().to_string().contains("'!'"));
//! ```

use std::fmt;

use crate::error::{Certainty, Error, ErrorKind};
use crate::message::Sender;

/// The characters an operator accepts in a sender name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameChars {
    /// ASCII letters, digits and spaces.
    AsciiAlphanumericSpace,
    /// Any character of the GSM-7 alphabet.
    Gsm7,
}

impl NameChars {
    fn allows(self, c: char) -> bool {
        match self {
            NameChars::AsciiAlphanumericSpace => c.is_ascii_alphanumeric() || c == ' ',
            NameChars::Gsm7 => crate::encoding::is_gsm7(c),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            NameChars::AsciiAlphanumericSpace => "use letters, digits and spaces",
            NameChars::Gsm7 => "use characters of the GSM-7 alphabet",
        }
    }
}

/// One operator's rules for a sender: a name of `min_name..=max_name` characters from
/// [`NameChars`], or a number of at most `max_digits` digits (an optional leading `+`).
///
/// ```
/// use bramka_core::senders::{NameChars, SenderRules};
/// const RULES: SenderRules = SenderRules::new("acme", "Acme", 2, 11).with_max_digits(15);
/// assert!(RULES.check("AB").is_ok() && RULES.check("+447700900123").is_ok());
/// let e = RULES.check("A").unwrap_err();
/// assert_eq!(e.operator_message(), r#"invalid sender "A": has 1 characters; Acme sender names have 2 to 11"#);
/// assert!(RULES.check("1234567890123456").unwrap_err().to_string().contains("at most 15 digits"));
/// assert!(RULES.with_chars(NameChars::Gsm7).check("Sklep!").is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderRules {
    gateway: &'static str,
    operator: &'static str,
    min_name: usize,
    max_name: usize,
    max_digits: usize,
    chars: NameChars,
}

impl SenderRules {
    /// Rules for `gateway` (its id, set on errors) whose names have `min_name` to `max_name`
    /// characters; `operator` is the name errors use (`"Dynmark"`). Numbers of up to 15 digits
    /// (E.164) and [`NameChars::AsciiAlphanumericSpace`] until changed.
    pub const fn new(
        gateway: &'static str,
        operator: &'static str,
        min_name: usize,
        max_name: usize,
    ) -> Self {
        SenderRules {
            gateway,
            operator,
            min_name,
            max_name,
            max_digits: 15,
            chars: NameChars::AsciiAlphanumericSpace,
        }
    }

    /// The longest numeric sender, in digits.
    #[must_use]
    pub const fn with_max_digits(mut self, max_digits: usize) -> Self {
        self.max_digits = max_digits;
        self
    }

    /// The characters accepted in a name.
    #[must_use]
    pub const fn with_chars(mut self, chars: NameChars) -> Self {
        self.chars = chars;
        self
    }

    /// The gateway id errors carry.
    pub fn gateway(&self) -> &'static str {
        self.gateway
    }

    /// Checks one sender: an [`ErrorKind::InvalidSender`] error ([`Certainty::NotSent`]) naming
    /// the sender and what would be accepted.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::InvalidSender`] when a numeric sender has too many
    /// digits, or a name has too few or too many characters or a character the operator refuses.
    pub fn check(&self, sender: &str) -> Result<(), Error> {
        let digits = sender.strip_prefix('+').unwrap_or(sender);
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            return match digits.len() <= self.max_digits {
                true => Ok(()),
                false => {
                    Err(self
                        .error(sender, &format!("a numeric sender has at most {} digits", self.max_digits)))
                }
            };
        }
        let n = sender.chars().count();
        if !(self.min_name..=self.max_name).contains(&n) {
            let (op, min, max) = (self.operator, self.min_name, self.max_name);
            return Err(
                self.error(sender, &format!("has {n} characters; {op} sender names have {min} to {max}"))
            );
        }
        if let Some(c) = sender.chars().find(|c| !self.chars.allows(*c)) {
            return Err(
                self.error(sender, &format!("character {c:?} not accepted; {}", self.chars.describe()))
            );
        }
        Ok(())
    }

    fn error(&self, sender: &str, reason: &str) -> Error {
        let text = format!("invalid sender {sender:?}: {reason}");
        Error::new(ErrorKind::InvalidSender, Certainty::NotSent, text).with_gateway(self.gateway)
    }
}

/// The sender names configured for an account, each checked against the operator's
/// [`SenderRules`]; the first is the default. See the [module](self) for an example.
///
/// ```
/// use bramka_core::senders::{SenderList, SenderRules};
///
/// let list = SenderList::new(SenderRules::new("acme", "Acme", 2, 11), ["Shop"]).unwrap();
/// assert_eq!(list.names(), ["Shop"]);
/// assert!(SenderList::new(SenderRules::new("acme", "Acme", 2, 11), ["S"]).is_err(), "too short");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SenderList {
    rules: SenderRules,
    names: Vec<String>,
}

impl fmt::Debug for SenderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.names).finish()
    }
}

impl SenderList {
    /// Checks every name; the first refused one is the error.
    ///
    /// # Errors
    ///
    /// Returns the [`ErrorKind::InvalidSender`] error of [`SenderRules::check`] for the first name
    /// the rules refuse.
    pub fn new<S: Into<String>>(
        rules: SenderRules,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Self, Error> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        names.iter().try_for_each(|s| rules.check(s))?;
        Ok(SenderList { rules, names })
    }

    /// The names, the default first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The sender used when a message has none.
    pub fn default(&self) -> Option<&str> {
        self.names.first().map(String::as_str)
    }

    /// The sender a message goes out with: its own, else the default; checked against the rules
    /// and, when names are configured, required to be one of them. The text is as the message or
    /// the configuration gave it (a number keeps its `+`).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::InvalidSender`] ([`Certainty::NotSent`]) when there is
    /// neither a message sender nor a default, when [`SenderRules::check`] refuses the sender, or when
    /// names are configured and the sender is not one of them.
    pub fn resolve(&self, message_sender: Option<&Sender>) -> Result<String, Error> {
        let sender = match (message_sender, self.default()) {
            (Some(s), _) => s.as_string(),
            (None, Some(s)) => s.to_owned(),
            (None, None) => {
                let why = "no sender: set one on the message or configure a default sender";
                return Err(Error::new(ErrorKind::InvalidSender, Certainty::NotSent, why)
                    .with_gateway(self.rules.gateway));
            }
        };
        self.rules.check(&sender)?;
        if !self.names.is_empty() && !self.names.contains(&sender) {
            let why = format!(
                "sender {sender:?} is not configured for this account; configured: {}",
                self.names.join(", ")
            );
            return Err(Error::new(ErrorKind::InvalidSender, Certainty::NotSent, why)
                .with_gateway(self.rules.gateway));
        }
        Ok(sender)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: SenderRules = SenderRules::new("acme", "Acme", 2, 11);

    fn sender(s: &str) -> Sender {
        Sender::parse(s).unwrap()
    }

    #[test]
    fn rules_accept_and_refuse_with_the_reason() {
        for ok in ["AB", "ABCDEFGHIJK", "Shop 24", "447700900123", "+447700900123", "123456789012345"] {
            assert!(RULES.check(ok).is_ok(), "{ok}");
        }
        for (bad, needle) in [
            ("A", "has 1 characters; Acme sender names have 2 to 11"),
            ("ABCDEFGHIJKL", "has 12 characters"),
            ("Shop!", "character '!' not accepted; use letters, digits and spaces"),
            ("Zażółć", "character 'ż'"),
            ("1234567890123456", "at most 15 digits"),
            ("", "has 0 characters"),
        ] {
            let e = RULES.check(bad).unwrap_err();
            assert_eq!((e.kind(), e.certainty()), (ErrorKind::InvalidSender, Certainty::NotSent));
            assert_eq!(e.gateway(), Some("acme"));
            assert!(e.to_string().contains(needle) && e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        assert!(RULES.with_max_digits(11).check("123456789012").is_err());
        assert!(RULES.with_chars(NameChars::Gsm7).check("Shop!").is_ok());
        assert!(RULES.with_chars(NameChars::Gsm7).check("Shop\u{1F600}").is_err());
    }

    #[test]
    fn resolution_message_then_default_then_error() {
        let list = SenderList::new(RULES, ["Shop", "Alerts"]).unwrap();
        assert_eq!(list.resolve(None).unwrap(), "Shop");
        assert_eq!(list.resolve(Some(&sender("Alerts"))).unwrap(), "Alerts");
        let e = list.resolve(Some(&sender("Other"))).unwrap_err();
        assert!(
            e.to_string().contains("\"Other\" is not configured for this account; configured: Shop, Alerts")
        );
        // The operator's rules apply to the message's sender too.
        let e = list.resolve(Some(&sender("X"))).unwrap_err();
        assert!(e.to_string().contains("2 to 11"), "{e}");
        // Nothing configured: any sender that passes the rules, and none is an error.
        let open = SenderList::new(RULES, Vec::<String>::new()).unwrap();
        assert_eq!(open.resolve(Some(&sender("+447700900123"))).unwrap(), "+447700900123");
        let e = open.resolve(None).unwrap_err();
        assert_eq!((e.kind(), e.gateway()), (ErrorKind::InvalidSender, Some("acme")));
        assert!(e.to_string().contains("no sender"), "{e}");
    }

    #[test]
    fn a_bad_configured_name_is_refused_whole() {
        let e = SenderList::new(RULES, ["Shop", "S"]).unwrap_err();
        assert!(e.to_string().contains("\"S\""), "{e}");
        assert_eq!(format!("{:?}", SenderList::new(RULES, ["Shop"]).unwrap()), r#"["Shop"]"#);
    }
}
