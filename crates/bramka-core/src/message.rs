//! The outbound [`Message`], its [`Sender`] and its [`ClientRef`], validated at `build()`.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::encoding::{self, Analysis, EncodingError, Policy};
use crate::phone::{self, PhoneError, PhoneNumber, PhonePolicy, RecipientListError};

/// Who a message appears to come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sender {
    /// An alphanumeric name: 1 to 11 GSM-7 characters with at least one letter (`"Shop"`).
    Alphanumeric(String),
    /// A phone number in E.164.
    Number(PhoneNumber),
    /// A short code (3 to 8 digits).
    ShortCode(String),
}

/// Why a sender was refused.
///
/// ```
/// use bramka_core::Sender;
///
/// let e = Sender::parse("Twelve chars").unwrap_err();
/// assert_eq!(e.input, "Twelve chars");
/// assert!(e.to_string().contains("11"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sender {input:?}: {reason}")]
pub struct SenderError {
    /// The sender as given.
    pub input: String,
    /// What is wrong and what would be accepted.
    pub reason: String,
}

impl Sender {
    /// Parses a sender: `+` and digits (8 to 15) are a number, 3 to 8 digits a short code,
    /// anything else an alphanumeric name.
    ///
    /// ```
    /// use bramka_core::Sender;
    /// assert!(matches!(Sender::parse("Shop").unwrap(), Sender::Alphanumeric(_)));
    /// assert!(matches!(Sender::parse("+48600100200").unwrap(), Sender::Number(_)));
    /// assert!(matches!(Sender::parse("7255").unwrap(), Sender::ShortCode(_)));
    /// assert!(Sender::parse("TooLongSenderName").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// Returns a [`SenderError`] naming `input` and the reason when it is neither a valid phone
    /// number (a leading `+` or more than 8 digits), a short code ([`short_code`](Self::short_code)) nor
    /// an alphanumeric name ([`alphanumeric`](Self::alphanumeric)).
    pub fn parse(input: &str) -> Result<Sender, SenderError> {
        let s = input.trim();
        let all_digits = !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if s.starts_with('+') || (all_digits && s.len() > 8) {
            return PhoneNumber::parse(s)
                .map(Sender::Number)
                .map_err(|e| SenderError { input: input.to_owned(), reason: e.to_string() });
        }
        if all_digits {
            return Sender::short_code(s);
        }
        Sender::alphanumeric(s)
    }

    /// An alphanumeric sender: 1 to 11 GSM-7 characters, at least one letter.
    ///
    /// # Errors
    ///
    /// Returns a [`SenderError`] naming `name` when it has 0 or more than 11 characters, a character
    /// outside GSM-7, or no letter.
    pub fn alphanumeric(name: &str) -> Result<Sender, SenderError> {
        let err = |reason: &str| SenderError { input: name.to_owned(), reason: reason.to_owned() };
        let n = name.chars().count();
        if n == 0 || n > 11 {
            return Err(err(&format!("has {n} characters; an alphanumeric sender has 1 to 11")));
        }
        if let Some(c) = name.chars().find(|c| !encoding::is_gsm7(*c)) {
            return Err(err(&format!("character {c:?} is not in the GSM-7 alphabet")));
        }
        if !name.chars().any(char::is_alphabetic) {
            return Err(err("needs at least one letter (all digits is a number or short code)"));
        }
        Ok(Sender::Alphanumeric(name.to_owned()))
    }

    /// A short code of 3 to 8 digits.
    ///
    /// # Errors
    ///
    /// Returns a [`SenderError`] naming `code` when it is not 3 to 8 ASCII digits.
    pub fn short_code(code: &str) -> Result<Sender, SenderError> {
        if (3..=8).contains(&code.len()) && code.chars().all(|c| c.is_ascii_digit()) {
            Ok(Sender::ShortCode(code.to_owned()))
        } else {
            Err(SenderError { input: code.to_owned(), reason: "a short code has 3 to 8 digits".to_owned() })
        }
    }

    /// The sender as an operator takes it (`Shop`, `+48600100200`, `7255`).
    pub fn as_string(&self) -> String {
        match self {
            Sender::Alphanumeric(s) | Sender::ShortCode(s) => s.clone(),
            Sender::Number(n) => n.e164(),
        }
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl std::str::FromStr for Sender {
    type Err = SenderError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sender::parse(s)
    }
}

/// The client's own reference for a logical send: the idempotency key.
///
/// Generated once when a message is built (32 lowercase hex characters) and kept across every
/// retry, so operators that de-duplicate by a client key (SMSAPI `idx`, Infobip `messageId`)
/// can refuse a second copy.
///
/// ```
/// use bramka_core::{ClientRef, Message};
///
/// let fixed = ClientRef::new("order1234").unwrap();
/// assert_eq!(fixed.as_str(), "order1234");
/// assert!(ClientRef::new("not-alphanumeric").is_err());
/// // A message built without one gets a fresh reference, kept across retries.
/// let m = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// assert_eq!(m.client_ref().as_str().len(), 32);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientRef(String);

impl ClientRef {
    /// A fresh random reference.
    pub fn generate() -> ClientRef {
        ClientRef(format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)))
    }

    /// A caller-chosen reference: 1 to 64 ASCII letters and digits.
    ///
    /// # Errors
    ///
    /// Returns [`MessageError::InvalidClientRef`] naming `value` when it is empty, longer than 64
    /// characters, or has a character other than an ASCII letter or digit.
    pub fn new(value: &str) -> Result<ClientRef, MessageError> {
        if (1..=64).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(ClientRef(value.to_owned()))
        } else {
            Err(MessageError::InvalidClientRef { input: value.to_owned() })
        }
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The per-recipient key: the reference followed by the recipient's digits. Stable across
    /// retries of any subset of recipients, alphanumeric, at most 79 characters.
    ///
    /// ```
    /// use bramka_core::{ClientRef, PhoneNumber};
    /// let r = ClientRef::new("abc").unwrap();
    /// assert_eq!(r.for_recipient(&PhoneNumber::parse("+48600100200").unwrap()), "abc48600100200");
    /// ```
    pub fn for_recipient(&self, to: &PhoneNumber) -> String {
        format!("{}{}", self.0, to.digits())
    }
}

impl fmt::Display for ClientRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ClientRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientRef({})", self.0)
    }
}

/// Why a message could not be built. Every variant is found before any I/O.
///
/// ```
/// use bramka_core::{Message, MessageError};
///
/// match Message::builder().to("+48600100200").text("  ").build() {
///     Err(MessageError::EmptyText) => {}
///     other => panic!("{other:?}"),
/// }
/// let e = Message::builder().to("+48600100200, 12").text("Hi").build().unwrap_err();
/// assert!(matches!(e, MessageError::Recipients(ref list) if list.errors[0].position == 2), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// No recipient was given.
    #[error("a message needs at least one recipient")]
    NoRecipients,
    /// The text is empty (or only whitespace).
    #[error("the message text is empty")]
    EmptyText,
    /// One or more recipients are invalid; all are listed.
    #[error(transparent)]
    Recipients(#[from] RecipientListError),
    /// The sender is invalid.
    #[error(transparent)]
    Sender(#[from] SenderError),
    /// The text does not fit the part cap.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// The client reference is not 1 to 64 ASCII letters and digits.
    #[error("invalid client reference {input:?}: 1 to 64 ASCII letters and digits are accepted")]
    InvalidClientRef {
        /// The reference as given.
        input: String,
    },
    /// The validity period is zero.
    #[error("the validity period must be longer than zero")]
    ZeroValidity,
}

/// An SMS ready to send: recipients normalised, text analysed, reference fixed.
///
/// ```
/// use bramka_core::{Encoding, Message};
///
/// let msg = Message::builder()
///     .to("600 100 200")
///     .to("+48 600 100 201")
///     .default_prefix("48")
///     .text("Zażółć gęślą jaźń")
///     .sender("Shop")
///     .build()
///     .unwrap();
/// assert_eq!(msg.recipients().len(), 2);
/// assert_eq!(msg.recipients()[0].e164(), "+48600100200");
/// assert_eq!(msg.analysis().encoding(), Encoding::Ucs2);
/// assert_eq!(msg.analysis().segments(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Message {
    recipients: Vec<PhoneNumber>,
    original_text: String,
    sender: Option<Sender>,
    send_at: Option<DateTime<Utc>>,
    validity: Option<Duration>,
    flash: bool,
    client_ref: ClientRef,
    callback_url: Option<Url>,
    shorten_links: bool,
    policy: Policy,
    analysis: Analysis,
}

impl Message {
    /// Starts a builder.
    pub fn builder() -> MessageBuilder {
        MessageBuilder::default()
    }

    /// The normalised recipients, duplicates removed, in the order given.
    pub fn recipients(&self) -> &[PhoneNumber] {
        &self.recipients
    }
    /// The text that will be sent (after NFC and transliteration).
    pub fn text(&self) -> &str {
        self.analysis.text()
    }
    /// The text as the caller wrote it.
    pub fn original_text(&self) -> &str {
        &self.original_text
    }
    /// The sender, if set (else the gateway's default).
    pub fn sender(&self) -> Option<&Sender> {
        self.sender.as_ref()
    }
    /// When to send, if scheduled.
    pub fn send_at(&self) -> Option<DateTime<Utc>> {
        self.send_at
    }
    /// How long the operator should keep trying to deliver.
    pub fn validity(&self) -> Option<Duration> {
        self.validity
    }
    /// Whether this is a flash SMS (shown, not stored).
    pub fn is_flash(&self) -> bool {
        self.flash
    }
    /// The idempotency key, the same on every attempt.
    pub fn client_ref(&self) -> &ClientRef {
        &self.client_ref
    }
    /// The URL the operator should post delivery reports to, if set.
    pub fn callback_url(&self) -> Option<&Url> {
        self.callback_url.as_ref()
    }
    /// Whether the operator should shorten links in the text (where it can: see
    /// [`crate::Capability::LinkShortening`]). The analysis counts the links at full length, an
    /// upper bound of the real cost.
    pub fn shorten_links(&self) -> bool {
        self.shorten_links
    }
    /// The segmentation policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    /// The analysis: encoding, units, parts.
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// The same message (same text, analysis and client reference) for a subset of recipients:
    /// what a retry re-sends.
    #[must_use]
    pub fn with_recipients(&self, recipients: Vec<PhoneNumber>) -> Message {
        Message { recipients, ..self.clone() }
    }

    /// A builder pre-filled from this message (a new text is analysed again at `build()`).
    pub fn to_builder(&self) -> MessageBuilder {
        MessageBuilder {
            numbers: self.recipients.clone(),
            raw: Vec::new(),
            phone_policy: PhonePolicy::default(),
            text: Some(self.original_text.clone()),
            sender: self.sender.clone().map(Ok),
            send_at: self.send_at,
            validity: self.validity,
            flash: self.flash,
            client_ref: Some(Ok(self.client_ref.clone())),
            callback_url: self.callback_url.clone(),
            shorten_links: self.shorten_links,
            policy: self.policy.clone(),
        }
    }
}

/// Builds a [`Message`]; every check happens in [`build`](MessageBuilder::build).
///
/// ```
/// use std::time::Duration;
/// use bramka_core::Message;
///
/// let m = Message::builder()
///     .default_prefix("48")
///     .to("600 100 200, +44 7700 900123")
///     .sender("Shop")
///     .text("Your order has shipped")
///     .validity(Duration::from_secs(3600))
///     .client_ref("order1234")
///     .build()
///     .unwrap();
/// assert_eq!(m.recipients().len(), 2);
/// assert_eq!(m.recipients()[0].e164(), "+48600100200");
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageBuilder {
    numbers: Vec<PhoneNumber>,
    raw: Vec<String>,
    phone_policy: PhonePolicy,
    text: Option<String>,
    sender: Option<Result<Sender, SenderError>>,
    send_at: Option<DateTime<Utc>>,
    validity: Option<Duration>,
    flash: bool,
    client_ref: Option<Result<ClientRef, MessageError>>,
    callback_url: Option<Url>,
    shorten_links: bool,
    policy: Policy,
}

impl MessageBuilder {
    /// Adds one recipient, or a list (`"a, b; c"` or newline-separated), parsed at `build()`.
    #[must_use]
    pub fn to(mut self, recipients: impl Into<String>) -> Self {
        self.raw.push(recipients.into());
        self
    }
    /// Adds an already parsed recipient.
    #[must_use]
    pub fn recipient(mut self, number: PhoneNumber) -> Self {
        self.numbers.push(number);
        self
    }
    /// Adds parsed recipients.
    #[must_use]
    pub fn recipients(mut self, numbers: impl IntoIterator<Item = PhoneNumber>) -> Self {
        self.numbers.extend(numbers);
        self
    }
    /// Country code given to numbers of 9 digits or fewer (`"48"` or `"+48"`).
    #[must_use]
    pub fn default_prefix(mut self, prefix: &str) -> Self {
        self.phone_policy = PhonePolicy::with_default_prefix(prefix);
        self
    }
    /// Full control over number parsing.
    #[must_use]
    pub fn phone_policy(mut self, policy: PhonePolicy) -> Self {
        self.phone_policy = policy;
        self
    }
    /// The text.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }
    /// The sender, parsed with [`Sender::parse`].
    #[must_use]
    pub fn sender(mut self, sender: &str) -> Self {
        self.sender = Some(Sender::parse(sender));
        self
    }
    /// An already built sender.
    #[must_use]
    pub fn sender_value(mut self, sender: Sender) -> Self {
        self.sender = Some(Ok(sender));
        self
    }
    /// Sends at this time (UTC).
    #[must_use]
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Some(at);
        self
    }
    /// How long the operator keeps trying (operators clamp to their own limits).
    #[must_use]
    pub fn validity(mut self, d: Duration) -> Self {
        self.validity = Some(d);
        self
    }
    /// A flash SMS.
    #[must_use]
    pub fn flash(mut self, flash: bool) -> Self {
        self.flash = flash;
        self
    }
    /// A caller-chosen client reference (else one is generated).
    #[must_use]
    pub fn client_ref(mut self, r: &str) -> Self {
        self.client_ref = Some(ClientRef::new(r));
        self
    }
    /// Delivery reports for this message go to this URL.
    #[must_use]
    pub fn callback_url(mut self, url: Url) -> Self {
        self.callback_url = Some(url);
        self
    }
    /// Asks the operator to shorten links in the text, where it can.
    #[must_use]
    pub fn shorten_links(mut self, shorten: bool) -> Self {
        self.shorten_links = shorten;
        self
    }
    /// The segmentation policy (part cap, transliteration, NFC).
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
    /// Shorthand for the part cap of the policy.
    #[must_use]
    pub fn max_parts(mut self, n: u8) -> Self {
        self.policy = self.policy.with_max_parts(n);
        self
    }

    /// Validates everything and analyses the text.
    ///
    /// # Errors
    ///
    /// Returns a [`MessageError`]:
    ///
    /// - [`Recipients`](MessageError::Recipients) listing every recipient that does not parse, with
    ///   its position;
    /// - [`NoRecipients`](MessageError::NoRecipients) without a recipient;
    /// - [`EmptyText`](MessageError::EmptyText) without text;
    /// - [`Sender`](MessageError::Sender) for a refused sender;
    /// - [`InvalidClientRef`](MessageError::InvalidClientRef) for a refused client reference;
    /// - [`ZeroValidity`](MessageError::ZeroValidity) for a validity period of zero;
    /// - [`Encoding`](MessageError::Encoding) when the text is too long to analyse or needs more
    ///   parts than the cap.
    pub fn build(self) -> Result<Message, MessageError> {
        let mut recipients = self.numbers;
        let mut errors = Vec::new();
        // Positions count entries across every `to()` call, 1-based, as the caller wrote them.
        let mut offset = 0;
        for raw in &self.raw {
            match phone::parse_list(raw, &self.phone_policy) {
                Ok(list) => recipients.extend(list),
                Err(RecipientListError { errors: e }) => errors.extend(e.into_iter().map(|mut x| {
                    x.position += offset;
                    x
                })),
            }
            offset += phone::list_entries(raw).count();
        }
        if !errors.is_empty() {
            return Err(RecipientListError { errors }.into());
        }
        let mut seen = std::collections::HashSet::new();
        recipients.retain(|n| seen.insert(n.clone()));
        if recipients.is_empty() {
            return Err(MessageError::NoRecipients);
        }
        let text = self.text.unwrap_or_default();
        if text.trim().is_empty() {
            return Err(MessageError::EmptyText);
        }
        let sender = self.sender.transpose()?;
        let client_ref = self.client_ref.unwrap_or_else(|| Ok(ClientRef::generate()))?;
        if self.validity == Some(Duration::ZERO) {
            return Err(MessageError::ZeroValidity);
        }
        let analysis = encoding::try_analyze(&text, &self.policy)?;
        analysis.ensure_fits()?;
        Ok(Message {
            recipients,
            original_text: text,
            sender,
            send_at: self.send_at,
            validity: self.validity,
            flash: self.flash,
            client_ref,
            callback_url: self.callback_url,
            shorten_links: self.shorten_links,
            policy: self.policy,
            analysis,
        })
    }
}

/// Convenience: a phone error as a one-entry list error.
impl From<PhoneError> for MessageError {
    fn from(error: PhoneError) -> Self {
        let input = error.input().unwrap_or_default().to_owned();
        MessageError::Recipients(RecipientListError {
            errors: vec![phone::ListEntryError { position: 1, input, error }],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_bad_recipients_reported_at_once() {
        let err = Message::builder().to("+48600100200, abc").to("12").text("hi").build().unwrap_err();
        match err {
            MessageError::Recipients(list) => {
                let positions: Vec<_> = list.errors.iter().map(|e| e.position).collect();
                assert_eq!(positions, [2, 3], "{list}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn duplicates_removed_across_calls() {
        let m =
            Message::builder().to("+48600100200").to("0048600100200; 48600100201").text("x").build().unwrap();
        let got: Vec<_> = m.recipients().iter().map(|n| n.digits().to_owned()).collect();
        assert_eq!(got, ["48600100200", "48600100201"]);
    }

    #[test]
    fn client_ref_generated_once_and_kept() {
        let m = Message::builder().to("+48600100200").text("x").build().unwrap();
        assert_eq!(m.client_ref().as_str().len(), 32);
        let sub = m.with_recipients(vec![PhoneNumber::parse("+48600100201").unwrap()]);
        assert_eq!(sub.client_ref(), m.client_ref());
        assert_ne!(ClientRef::generate(), ClientRef::generate());
    }

    #[test]
    fn empty_text_and_no_recipients() {
        assert_eq!(
            Message::builder().to("+48600100200").text("  ").build().unwrap_err(),
            MessageError::EmptyText
        );
        assert_eq!(Message::builder().text("x").build().unwrap_err(), MessageError::NoRecipients);
        assert!(matches!(
            Message::builder().to("+48600100200").text("x").client_ref("a-b").build().unwrap_err(),
            MessageError::InvalidClientRef { .. }
        ));
    }

    #[test]
    fn phone_error_keeps_its_input() {
        let e: MessageError = PhoneNumber::parse("+48+600").unwrap_err().into();
        match e {
            MessageError::Recipients(l) => assert_eq!(l.errors[0].input, "+48+600"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn sender_rules() {
        assert!(Sender::alphanumeric("12345").is_err());
        assert!(Sender::alphanumeric("").is_err());
        assert!(Sender::alphanumeric("Sklep 24").is_ok());
        assert!(Sender::alphanumeric("Łódź").is_err());
        assert!(Sender::alphanumeric("ABCDEFGHIJK").is_ok());
        assert!(Sender::alphanumeric("ABCDEFGHIJKL").is_err());
    }
}
