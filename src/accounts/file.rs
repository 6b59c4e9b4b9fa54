//! The accounts file: TOML with `[accounts.NAME]` tables, read and written by [`Accounts`].

use std::collections::BTreeMap;
use std::path::Path;

use bramka_core::encoding::EmojiText;
use serde::{Deserialize, Serialize};

use super::account::{Account, redacted_dsn};
use super::error::AccountError;
use super::policy::{AccountPolicy, seven, yes};
use super::registry::Accounts;

impl Accounts {
    /// Reads accounts from TOML (`[accounts.NAME]` tables with `dsn` and the policy fields, and
    /// an optional top-level `default_account = "NAME"`).
    ///
    /// ```
    /// let accounts = bramka::accounts::Accounts::from_toml_str(r#"
    ///     [accounts.shop]
    ///     dsn = "smsapi://${SMSAPI_TOKEN}@default"
    ///     senders = ["Shop"]
    ///     default_prefix = "48"
    ///     allow_diacritics = false
    ///     allowed_prefixes = ["48"]
    /// "#).unwrap();
    /// assert_eq!(accounts.get("shop").unwrap().policy.senders, ["Shop"]);
    /// assert_eq!(accounts.get("shop").unwrap().policy.allowed_prefixes, ["48"]);
    /// ```
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::File`] when `s` is not TOML of this shape (an unknown key included),
    /// [`AccountError::ZeroMaxParts`] or [`AccountError::InvalidAllowedPrefix`] for a policy that could never
    /// send, and [`AccountError::UnknownDefault`] when `default_account` names no account.
    pub fn from_toml_str(s: &str) -> Result<Accounts, AccountError> {
        let file: File =
            toml::from_str(s).map_err(|e| AccountError::File { reason: e.message().to_owned() })?;
        let mut accounts = Accounts::new();
        for (name, a) in file.accounts {
            let policy = a.policy();
            accounts.add(Account::new(name, a.dsn, policy))?;
        }
        if let Some(d) = &file.default_account {
            accounts.set_default(Some(d)).map_err(|_| AccountError::UnknownDefault {
                name: d.clone(),
                known: accounts.iter().map(|a| a.name().to_owned()).collect(),
            })?;
        }
        Ok(accounts)
    }

    /// Reads accounts from a TOML file.
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::File`] when the file cannot be read, and what
    /// [`from_toml_str`](Self::from_toml_str) returns for its content.
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
        toml::to_string_pretty(&File { default_account: self.default.clone(), accounts }).unwrap_or_default()
    }

    /// Writes the accounts to a TOML file (see [`to_toml_string`](Self::to_toml_string)).
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::File`], naming the path, when the file cannot be written.
    pub fn save(&self, path: &Path, secrets: Secrets) -> Result<(), AccountError> {
        std::fs::write(path, self.to_toml_string(secrets))
            .map_err(|e| AccountError::File { reason: format!("cannot write {}: {e}", path.display()) })
    }
}
/// How [`Accounts::save`] writes secrets.
///
/// ```
/// use bramka::accounts::{Accounts, Secrets};
///
/// let accounts = Accounts::from_toml_str("[accounts.shop]\ndsn = \"smsapi://TOKEN@default\"\n").unwrap();
/// assert!(!accounts.to_toml_string(Secrets::Redact).contains("TOKEN"));
/// assert!(accounts.to_toml_string(Secrets::Clear).contains("TOKEN"));
/// ```
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_account: Option<String>,
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    allowed_prefixes: Vec<String>,
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
            allowed_prefixes: p.allowed_prefixes,
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
            allowed_prefixes: self.allowed_prefixes.clone(),
        }
    }
}
