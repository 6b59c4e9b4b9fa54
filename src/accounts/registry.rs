//! [`Accounts`]: the registry of named accounts, their management and their gateways.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use bramka_core::{Error, Gateway, Secret};

use super::account::Account;
use super::error::AccountError;
use super::policy::AccountPolicy;
use crate::consent::ConsentCheck;
use crate::shorten::LinkShortener;

/// Turns a DSN into a gateway.
pub type Connector = Arc<dyn Fn(&str) -> Result<Arc<dyn Gateway>, Error> + Send + Sync>;
type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub(super) struct Entry {
    pub(super) account: Account,
    pub(super) gateway: Mutex<Option<Arc<dyn Gateway>>>,
}

/// The registry of named accounts.
///
/// ```
/// use bramka::accounts::Accounts;
///
/// let accounts = Accounts::from_toml_str(r#"
/// default_account = "shop"
/// [accounts.shop]
/// dsn = "console://default"
/// senders = ["Shop"]
/// "#).unwrap();
/// assert_eq!(accounts.default_account(), Some("shop"));
/// let gateway = accounts.gateway("shop").unwrap();
/// ```
pub struct Accounts {
    pub(super) entries: BTreeMap<String, Entry>,
    connector: Connector,
    env: EnvLookup,
    pub(super) shortener: Option<Arc<dyn LinkShortener>>,
    pub(super) consent: Option<Arc<dyn ConsentCheck>>,
    pub(super) default: Option<String>,
}

impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts")
            .field("accounts", &self.entries.values().map(|e| &e.account).collect::<Vec<_>>())
            .field("shortener", &self.shortener)
            .field("consent", &self.consent.is_some())
            .field("default", &self.default)
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
            default: None,
        }
    }

    /// Expands `${VAR}` from this lookup instead of the process environment.
    #[must_use]
    pub fn with_env(mut self, env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(env);
        self
    }
    /// Shortens links for accounts whose operator cannot.
    #[must_use]
    pub fn with_shortener(mut self, s: Arc<dyn LinkShortener>) -> Self {
        self.shortener = Some(s);
        self
    }
    /// Refuses recipients without a recorded consent.
    #[must_use]
    pub fn with_consent(mut self, c: Arc<dyn ConsentCheck>) -> Self {
        self.consent = Some(c);
        self
    }

    /// Adds an account.
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::Duplicate`] when an account has that name already,
    /// [`AccountError::ZeroMaxParts`] for a part cap of 0 and [`AccountError::InvalidAllowedPrefix`] for an
    /// allowed prefix that is not 1 to 4 digits.
    pub fn add(&mut self, account: Account) -> Result<(), AccountError> {
        if self.entries.contains_key(&account.name) {
            return Err(AccountError::Duplicate { name: account.name });
        }
        check_policy(&account.name, &account.policy)?;
        self.entries.insert(account.name.clone(), Entry { account, gateway: Mutex::new(None) });
        Ok(())
    }

    /// Replaces an account's policy.
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::ZeroMaxParts`] or [`AccountError::InvalidAllowedPrefix`] for such a `policy`,
    /// and [`AccountError::Unknown`] when no account is named `name`.
    pub fn edit(&mut self, name: &str, policy: AccountPolicy) -> Result<(), AccountError> {
        check_policy(name, &policy)?;
        self.entry_mut(name)?.account.policy = policy;
        Ok(())
    }

    /// Replaces an account's DSN (the next send reconnects).
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::Unknown`], listing the configured names, when no account is named `name`.
    pub fn set_dsn(&mut self, name: &str, dsn: impl Into<String>) -> Result<(), AccountError> {
        let e = self.entry_mut(name)?;
        e.account.dsn = Secret::new(dsn.into());
        *e.gateway.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    /// Deactivates an account: it refuses to send until activated.
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::Unknown`], listing the configured names, when no account is named `name`.
    pub fn deactivate(&mut self, name: &str) -> Result<(), AccountError> {
        self.entry_mut(name)?.account.policy.active = false;
        Ok(())
    }

    /// Activates an account.
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::Unknown`], listing the configured names, when no account is named `name`.
    pub fn activate(&mut self, name: &str) -> Result<(), AccountError> {
        self.entry_mut(name)?.account.policy.active = true;
        Ok(())
    }

    /// Removes an account.
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::Unknown`], listing the configured names, when no account is named `name`.
    pub fn remove(&mut self, name: &str) -> Result<Account, AccountError> {
        self.known(name)?;
        if self.default.as_deref() == Some(name) {
            self.default = None;
        }
        Ok(self.entries.remove(name).map(|e| e.account).expect("checked above"))
    }

    /// Makes `name` the default account (the one used when none is named), or clears the
    /// default with `None`.
    ///
    /// # Errors
    ///
    /// Returns [`AccountError::Unknown`] when `name` is `Some` and no account has that name.
    pub fn set_default(&mut self, name: Option<&str>) -> Result<(), AccountError> {
        if let Some(n) = name {
            self.known(n)?;
        }
        self.default = name.map(str::to_owned);
        Ok(())
    }

    /// The default account's name, when one is set.
    pub fn default_account(&self) -> Option<&str> {
        self.default.as_deref()
    }

    /// An account by name.
    pub fn get(&self, name: &str) -> Option<&Account> {
        self.entries.get(name).map(|e| &e.account)
    }

    /// The accounts, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.entries.values().map(|e| &e.account)
    }

    pub(super) fn known(&self, name: &str) -> Result<&Entry, AccountError> {
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
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when no account is named
    /// `name` ([`AccountError::Unknown`]), its DSN names an unset environment variable
    /// ([`AccountError::MissingEnv`]) or holds a redacted secret ([`AccountError::RedactedSecret`]), and the
    /// connector's error (for [`connect`](crate::connect), [`ErrorKind::Config`](crate::ErrorKind::Config))
    /// when the DSN is refused.
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
        let out = super::env_expand::expand_percent_encoded(account.dsn.expose(), &*self.env)
            .map_err(|var| AccountError::MissingEnv { account: account.name.clone(), var })?;
        if out.contains("***@") || out.contains(":***") {
            return Err(AccountError::RedactedSecret { account: account.name.clone() });
        }
        Ok(Secret::new(out))
    }
}

/// Refuses a policy the account could never send with: a part cap of 0, an allowed prefix that
/// is not a country code.
fn check_policy(name: &str, policy: &AccountPolicy) -> Result<(), AccountError> {
    if policy.max_parts == 0 {
        return Err(AccountError::ZeroMaxParts { account: name.to_owned() });
    }
    for p in &policy.allowed_prefixes {
        let digits = p.strip_prefix('+').unwrap_or(p);
        if !(1..=4).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AccountError::InvalidAllowedPrefix { account: name.to_owned(), prefix: p.clone() });
        }
    }
    Ok(())
}
