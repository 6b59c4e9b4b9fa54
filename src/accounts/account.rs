//! [`Account`]: a name, a DSN template and a policy.

use std::fmt;

use bramka_core::Secret;

use super::policy::AccountPolicy;

/// A named account: a DSN (which may name environment variables as `${VAR}`) and a policy.
///
/// ```
/// use bramka::accounts::{Account, AccountPolicy};
///
/// let a = Account::new("shop", "smsapi://TOKEN@default", AccountPolicy::default());
/// assert_eq!(a.name(), "shop");
/// assert!(!a.dsn_redacted().contains("TOKEN"));
/// ```
#[derive(Clone)]
pub struct Account {
    pub(super) name: String,
    pub(super) dsn: Secret,
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
pub(super) fn redacted_dsn(template: &str) -> String {
    bramka_core::registry::redact_expression_keeping(template, super::env_expand::is_placeholder)
}
