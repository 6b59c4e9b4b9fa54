//! Named gateway accounts side by side (seed 001), each a DSN plus a sending policy.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka::accounts::{Account, AccountPolicy, Accounts, Outgoing};
//!
//! let mut accounts = Accounts::new();
//! accounts
//!     .add(Account::new("shop", "console://", AccountPolicy {
//!         senders: vec!["Shop".into(), "ShopPromo".into()],
//!         default_prefix: Some("48".into()),
//!         allow_diacritics: false,
//!         ..AccountPolicy::default()
//!     }))
//!     .unwrap();
//! let msg = accounts.prepare("shop", Outgoing::new("600 100 200", "Zażółć gęślą jaźń")).await.unwrap();
//! assert_eq!(msg.recipients()[0].e164(), "+48600100200");
//! assert_eq!(msg.text(), "Zazolc gesla jazn");
//! assert_eq!(msg.sender().unwrap().to_string(), "Shop");
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bramka_core::encoding::{EmojiText, Policy, Transliteration};
use bramka_core::{
    Capability, Certainty, Error, ErrorKind, Gateway, Message, PhoneNumber, Secret, SendReport,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::consent::ConsentCheck;
use crate::shorten::{LinkShortener, shorten_text};

/// The longest text of a test SMS (seed 001).
pub const TEST_SMS_MAX_CHARS: usize = 150;

/// How an account sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPolicy {
    /// Sender names the caller may pick from; the first is the default. Empty: any sender, or
    /// the gateway's default.
    #[serde(default)]
    pub senders: Vec<String>,
    /// Country code given to numbers of 9 digits or fewer (`"48"`).
    #[serde(default)]
    pub default_prefix: Option<String>,
    /// Keep diacritics (UCS-2 when needed). When false, the sent text has no letter with a
    /// diacritic and no emoji: letters are folded to their base (`ä` -> `a`, `ß` -> `ss`) and emoji
    /// removed or named as [`emoji`](Self::emoji) says
    /// ([`Transliteration::NoDiacritics`]; every change is in the message's analysis).
    #[serde(default = "yes")]
    pub allow_diacritics: bool,
    /// With `allow_diacritics` off: emoji removed (default) or written as `:name:`.
    #[serde(default)]
    pub emoji: EmojiText,
    /// Shorten links: by the operator where it can, else by the configured [`LinkShortener`].
    #[serde(default)]
    pub shorten_links: bool,
    /// Part cap (1..=255).
    #[serde(default = "seven")]
    pub max_parts: u8,
    /// Inactive accounts refuse to send, before any request.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}
fn seven() -> u8 {
    7
}

impl Default for AccountPolicy {
    fn default() -> Self {
        AccountPolicy {
            senders: Vec::new(),
            default_prefix: None,
            allow_diacritics: true,
            emoji: EmojiText::Remove,
            shorten_links: false,
            max_parts: 7,
            active: true,
        }
    }
}

/// A named account: a DSN (which may name environment variables as `${VAR}`) and a policy.
#[derive(Clone)]
pub struct Account {
    name: String,
    dsn: Secret,
    /// The sending policy.
    pub policy: AccountPolicy,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("dsn", &redacted_dsn(self.dsn.expose()))
            .field("policy", &self.policy)
            .finish()
    }
}

impl Account {
    /// An account. `dsn` may contain `${VAR}` placeholders, expanded from the environment when
    /// the account first sends, so a configuration file moved to another machine does not carry
    /// working credentials.
    pub fn new(name: impl Into<String>, dsn: impl Into<String>, policy: AccountPolicy) -> Self {
        Account { name: name.into(), dsn: Secret::new(dsn.into()), policy }
    }
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The DSN with secrets redacted.
    pub fn dsn_redacted(&self) -> String {
        redacted_dsn(self.dsn.expose())
    }
}

/// The DSN with every secret redacted except `${VAR}` placeholders; `||` and `&&` are split the
/// way the registry splits them, so a literal token holding `||` is never cut in two.
fn redacted_dsn(template: &str) -> String {
    bramka_core::registry::redact_expression_keeping(template, is_placeholder)
}

fn is_placeholder(s: &str) -> bool {
    s.starts_with("${")
        && s.ends_with('}')
        && s[2..s.len() - 1].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What to send through an account.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Recipients: one number or a list (`"a, b; c"`).
    pub to: String,
    /// The text.
    pub text: String,
    /// One of the account's senders (else its default).
    pub sender: Option<String>,
    /// Send later.
    pub send_at: Option<DateTime<Utc>>,
}

impl Outgoing {
    /// A message to `to` with `text`.
    pub fn new(to: impl Into<String>, text: impl Into<String>) -> Self {
        Outgoing { to: to.into(), text: text.into(), sender: None, send_at: None }
    }
    /// Picks a sender.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }
    /// Sends at `at`.
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Some(at);
        self
    }
}

/// Why an account operation was refused (before any request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// No account has this name.
    #[error("no account named {name:?}; accounts: {}", .known.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The configured names.
        known: Vec<String>,
    },
    /// An account with this name exists already.
    #[error("an account named {name:?} exists already")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// The account is inactive.
    #[error("account {name:?} is inactive; activate it to send")]
    Inactive {
        /// The name.
        name: String,
    },
    /// The sender is not one of the account's.
    #[error("sender {sender:?} is not configured for account {account:?}; accepted: {}", .accepted.join(", "))]
    UnknownSender {
        /// The account.
        account: String,
        /// The sender asked for.
        sender: String,
        /// The account's senders.
        accepted: Vec<String>,
    },
    /// Recipients without a recorded consent; all are listed.
    #[error("no SMS consent recorded for {}", .numbers.join(", "))]
    NoConsent {
        /// The recipients (E.164) without consent.
        numbers: Vec<String>,
    },
    /// A test SMS is longer than 150 characters.
    #[error("a test SMS has at most {max} characters; this one has {len}")]
    TestTooLong {
        /// Its length in characters.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// Link shortening is on, but the operator cannot shorten and no shortener is configured.
    #[error("account {account:?} shortens links, but its gateway cannot and no LinkShortener is configured")]
    NoShortener {
        /// The account.
        account: String,
    },
    /// A `${VAR}` placeholder names an unset environment variable.
    #[error("account {account:?}: environment variable {var} is not set (the DSN names it as ${{{var}}})")]
    MissingEnv {
        /// The account.
        account: String,
        /// The variable.
        var: String,
    },
    /// The DSN's secret was redacted when the file was saved.
    #[error(
        "account {account:?}: the DSN's secret was redacted (***) when saved; put it back or use ${{VAR}}"
    )]
    RedactedSecret {
        /// The account.
        account: String,
    },
    /// The part cap is 0.
    #[error("account {account:?}: max_parts must be 1 to 255, not 0")]
    ZeroMaxParts {
        /// The account.
        account: String,
    },
    /// The configuration file could not be read or written.
    #[error("accounts file: {reason}")]
    File {
        /// What went wrong.
        reason: String,
    },
}

impl From<AccountError> for Error {
    fn from(e: AccountError) -> Self {
        let kind = match &e {
            AccountError::UnknownSender { .. } => ErrorKind::InvalidSender,
            AccountError::NoConsent { .. } => ErrorKind::InvalidRecipient,
            AccountError::TestTooLong { .. } => ErrorKind::Message,
            _ => ErrorKind::Config,
        };
        Error::new(kind, Certainty::NotSent, e.to_string()).with_source(e)
    }
}

/// Turns a DSN into a gateway.
pub type Connector = Arc<dyn Fn(&str) -> Result<Arc<dyn Gateway>, Error> + Send + Sync>;
type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

struct Entry {
    account: Account,
    gateway: Mutex<Option<Arc<dyn Gateway>>>,
}

/// The registry of named accounts.
pub struct Accounts {
    entries: BTreeMap<String, Entry>,
    connector: Connector,
    env: EnvLookup,
    shortener: Option<Arc<dyn LinkShortener>>,
    consent: Option<Arc<dyn ConsentCheck>>,
}

impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts")
            .field("accounts", &self.entries.values().map(|e| &e.account).collect::<Vec<_>>())
            .field("shortener", &self.shortener)
            .field("consent", &self.consent.is_some())
            .finish()
    }
}

impl Default for Accounts {
    fn default() -> Self {
        Self::new()
    }
}

impl Accounts {
    /// An empty registry connecting through [`crate::connect`].
    pub fn new() -> Self {
        Self::with_connector(Arc::new(|dsn: &str| crate::connect(dsn)))
    }

    /// An empty registry with another connector (tests pass a mock).
    pub fn with_connector(connector: Connector) -> Self {
        Accounts {
            entries: BTreeMap::new(),
            connector,
            env: Arc::new(|k| std::env::var(k).ok()),
            shortener: None,
            consent: None,
        }
    }

    /// Expands `${VAR}` from this lookup instead of the process environment.
    pub fn with_env(mut self, env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(env);
        self
    }
    /// Shortens links for accounts whose operator cannot.
    pub fn with_shortener(mut self, s: Arc<dyn LinkShortener>) -> Self {
        self.shortener = Some(s);
        self
    }
    /// Refuses recipients without a recorded consent.
    pub fn with_consent(mut self, c: Arc<dyn ConsentCheck>) -> Self {
        self.consent = Some(c);
        self
    }

    /// Adds an account.
    pub fn add(&mut self, account: Account) -> Result<(), AccountError> {
        if self.entries.contains_key(&account.name) {
            return Err(AccountError::Duplicate { name: account.name });
        }
        if account.policy.max_parts == 0 {
            return Err(AccountError::ZeroMaxParts { account: account.name });
        }
        self.entries.insert(account.name.clone(), Entry { account, gateway: Mutex::new(None) });
        Ok(())
    }

    /// Replaces an account's policy.
    pub fn edit(&mut self, name: &str, policy: AccountPolicy) -> Result<(), AccountError> {
        if policy.max_parts == 0 {
            return Err(AccountError::ZeroMaxParts { account: name.to_owned() });
        }
        self.entry_mut(name)?.account.policy = policy;
        Ok(())
    }

    /// Replaces an account's DSN (the next send reconnects).
    pub fn set_dsn(&mut self, name: &str, dsn: impl Into<String>) -> Result<(), AccountError> {
        let e = self.entry_mut(name)?;
        e.account.dsn = Secret::new(dsn.into());
        *e.gateway.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    /// Deactivates an account: it refuses to send until activated.
    pub fn deactivate(&mut self, name: &str) -> Result<(), AccountError> {
        self.entry_mut(name)?.account.policy.active = false;
        Ok(())
    }

    /// Activates an account.
    pub fn activate(&mut self, name: &str) -> Result<(), AccountError> {
        self.entry_mut(name)?.account.policy.active = true;
        Ok(())
    }

    /// Removes an account.
    pub fn remove(&mut self, name: &str) -> Result<Account, AccountError> {
        self.known(name)?;
        Ok(self.entries.remove(name).map(|e| e.account).expect("checked above"))
    }

    /// An account by name.
    pub fn get(&self, name: &str) -> Option<&Account> {
        self.entries.get(name).map(|e| &e.account)
    }

    /// The accounts, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.entries.values().map(|e| &e.account)
    }

    fn known(&self, name: &str) -> Result<&Entry, AccountError> {
        self.entries.get(name).ok_or_else(|| AccountError::Unknown {
            name: name.to_owned(),
            known: self.entries.keys().cloned().collect(),
        })
    }

    fn entry_mut(&mut self, name: &str) -> Result<&mut Entry, AccountError> {
        self.known(name)?;
        Ok(self.entries.get_mut(name).expect("checked above"))
    }

    /// The account's gateway, connected on first use.
    pub fn gateway(&self, name: &str) -> Result<Arc<dyn Gateway>, Error> {
        let entry = self.known(name)?;
        let mut slot = entry.gateway.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(g) = slot.as_ref() {
            return Ok(g.clone());
        }
        let dsn = self.expand(&entry.account)?;
        let gw = (self.connector)(dsn.expose())?;
        *slot = Some(gw.clone());
        Ok(gw)
    }

    fn expand(&self, account: &Account) -> Result<Secret, AccountError> {
        // The expansion is shared with `bramka serve`'s file (bramka_core::placeholders). A
        // trailing unclosed `${` is kept as written, as it always was here.
        use bramka_core::placeholders::{Encode, PlaceholderError, expand};
        let template = account.dsn.expose();
        let closed = template.rfind('}').map_or(0, |i| i + 1);
        let cut = template[closed..].find("${").map_or(template.len(), |i| closed + i);
        let mut out = expand(&template[..cut], |v| (self.env)(v), Encode::Percent).map_err(|e| match e {
            PlaceholderError::Missing { var } => {
                AccountError::MissingEnv { account: account.name.clone(), var }
            }
            other => AccountError::File { reason: other.to_string() },
        })?;
        out.push_str(&template[cut..]);
        if out.contains("***@") || out.contains(":***") {
            return Err(AccountError::RedactedSecret { account: account.name.clone() });
        }
        Ok(Secret::new(out))
    }

    /// Applies the account's policy and builds the message, without sending. Everything refused
    /// here is refused before any request.
    pub async fn prepare(&self, name: &str, out: Outgoing) -> Result<Message, Error> {
        let entry = self.known(name)?;
        let policy = &entry.account.policy;
        if !policy.active {
            return Err(AccountError::Inactive { name: name.to_owned() }.into());
        }
        let sender = match out.sender {
            Some(s) if !policy.senders.is_empty() && !policy.senders.contains(&s) => {
                return Err(AccountError::UnknownSender {
                    account: name.to_owned(),
                    sender: s,
                    accepted: policy.senders.clone(),
                }
                .into());
            }
            Some(s) => Some(s),
            None => policy.senders.first().cloned(),
        };
        let mut text = out.text;
        let mut operator_shortens = false;
        if policy.shorten_links {
            if self.gateway(name)?.capabilities().supports(Capability::LinkShortening) {
                operator_shortens = true;
            } else if let Some(s) = &self.shortener {
                text = shorten_text(&text, s.as_ref()).await?;
            } else {
                return Err(AccountError::NoShortener { account: name.to_owned() }.into());
            }
        }
        let translit =
            if policy.allow_diacritics { Transliteration::Keep } else { Transliteration::NoDiacritics };
        let mut b = Message::builder()
            .to(out.to)
            .text(text)
            .policy(
                Policy::default()
                    .with_max_parts(policy.max_parts)
                    .with_transliteration(translit)
                    .with_emoji(policy.emoji),
            )
            .shorten_links(operator_shortens);
        if let Some(p) = &policy.default_prefix {
            b = b.default_prefix(p);
        }
        if let Some(s) = &sender {
            b = b.sender(s);
        }
        if let Some(at) = out.send_at {
            b = b.send_at(at);
        }
        let msg = b.build()?;
        if let Some(c) = &self.consent {
            let missing: Vec<String> =
                c.missing(name, msg.recipients()).await?.iter().map(PhoneNumber::e164).collect();
            if !missing.is_empty() {
                return Err(AccountError::NoConsent { numbers: missing }.into());
            }
        }
        Ok(msg)
    }

    /// Sends through a named account, applying its policy first.
    pub async fn send(&self, name: &str, out: Outgoing) -> Result<SendReport, Error> {
        let msg = self.prepare(name, out).await?;
        self.gateway(name)?.send(&msg).await
    }

    /// Sends a test SMS (at most 150 characters) through an account.
    pub async fn send_test(&self, name: &str, to: &str, text: &str) -> Result<SendReport, Error> {
        let len = text.chars().count();
        if len > TEST_SMS_MAX_CHARS {
            return Err(AccountError::TestTooLong { len, max: TEST_SMS_MAX_CHARS }.into());
        }
        self.send(name, Outgoing::new(to, text)).await
    }

    /// Reads accounts from TOML (`[accounts.NAME]` tables with `dsn` and the policy fields).
    ///
    /// ```
    /// let accounts = bramka::accounts::Accounts::from_toml_str(r#"
    ///     [accounts.shop]
    ///     dsn = "smsapi://${SMSAPI_TOKEN}@default"
    ///     senders = ["Shop"]
    ///     default_prefix = "48"
    ///     allow_diacritics = false
    /// "#).unwrap();
    /// assert_eq!(accounts.get("shop").unwrap().policy.senders, ["Shop"]);
    /// ```
    pub fn from_toml_str(s: &str) -> Result<Accounts, AccountError> {
        let file: File =
            toml::from_str(s).map_err(|e| AccountError::File { reason: e.message().to_owned() })?;
        let mut accounts = Accounts::new();
        for (name, a) in file.accounts {
            let policy = a.policy();
            accounts.add(Account::new(name, a.dsn, policy))?;
        }
        Ok(accounts)
    }

    /// Reads accounts from a TOML file.
    pub fn load(path: &Path) -> Result<Accounts, AccountError> {
        let s = std::fs::read_to_string(path)
            .map_err(|e| AccountError::File { reason: format!("cannot read {}: {e}", path.display()) })?;
        Self::from_toml_str(&s)
    }

    /// The accounts as TOML. Secrets are written only as `${VAR}` placeholders or, with
    /// [`Secrets::Redact`], as `***`; [`Secrets::Clear`] writes them in clear.
    pub fn to_toml_string(&self, secrets: Secrets) -> String {
        let accounts = self
            .entries
            .iter()
            .map(|(name, e)| {
                let template = e.account.dsn.expose();
                let dsn = match secrets {
                    Secrets::Clear => template.to_owned(),
                    Secrets::Redact => redacted_dsn(template),
                };
                (name.clone(), FileAccount::new(dsn, e.account.policy.clone()))
            })
            .collect();
        toml::to_string_pretty(&File { accounts }).unwrap_or_default()
    }

    /// Writes the accounts to a TOML file (see [`to_toml_string`](Self::to_toml_string)).
    pub fn save(&self, path: &Path, secrets: Secrets) -> Result<(), AccountError> {
        std::fs::write(path, self.to_toml_string(secrets))
            .map_err(|e| AccountError::File { reason: format!("cannot write {}: {e}", path.display()) })
    }
}

/// How [`Accounts::save`] writes secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Secrets {
    /// Literal secrets become `***`; `${VAR}` placeholders are kept (default).
    #[default]
    Redact,
    /// Secrets are written in clear.
    Clear,
}

#[derive(Serialize, Deserialize)]
struct File {
    #[serde(default)]
    accounts: BTreeMap<String, FileAccount>,
}

/// One account in the file: the DSN and the policy's fields, unknown keys refused.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAccount {
    dsn: String,
    #[serde(default)]
    senders: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_prefix: Option<String>,
    #[serde(default = "yes")]
    allow_diacritics: bool,
    #[serde(default)]
    emoji: EmojiText,
    #[serde(default)]
    shorten_links: bool,
    #[serde(default = "seven")]
    max_parts: u8,
    #[serde(default = "yes")]
    active: bool,
}

impl FileAccount {
    fn new(dsn: String, p: AccountPolicy) -> Self {
        FileAccount {
            dsn,
            senders: p.senders,
            default_prefix: p.default_prefix,
            allow_diacritics: p.allow_diacritics,
            emoji: p.emoji,
            shorten_links: p.shorten_links,
            max_parts: p.max_parts,
            active: p.active,
        }
    }

    fn policy(&self) -> AccountPolicy {
        AccountPolicy {
            senders: self.senders.clone(),
            default_prefix: self.default_prefix.clone(),
            allow_diacritics: self.allow_diacritics,
            emoji: self.emoji,
            shorten_links: self.shorten_links,
            max_parts: self.max_parts,
            active: self.active,
        }
    }
}
