//! [`AccountError`]: why an account operation was refused, before any request.

use bramka_core::{Certainty, Error, ErrorKind};

/// Why an account operation was refused (before any request).
///
/// ```
/// use bramka::accounts::{Account, AccountError, AccountPolicy, Accounts};
///
/// let mut accounts = Accounts::new();
/// accounts.add(Account::new("shop", "console://", AccountPolicy::default())).unwrap();
/// match accounts.add(Account::new("shop", "null://", AccountPolicy::default())) {
///     Err(AccountError::Duplicate { name }) => assert_eq!(name, "shop"),
///     other => panic!("{other:?}"),
/// }
/// ```
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
    /// The account is inactive (`active = false`).
    #[error("account {name:?} is inactive (active = false), so it refuses to send; activate it to send")]
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
    /// Recipients outside the account's allowed country prefixes; all are listed.
    #[error(
        "account {account:?} may send only to numbers starting with +{}; refused: {}",
        .allowed.join(", +"),
        .numbers.join(", ")
    )]
    DestinationNotAllowed {
        /// The account.
        account: String,
        /// The refused recipients (E.164).
        numbers: Vec<String>,
        /// The account's allowed prefixes (digits).
        allowed: Vec<String>,
    },
    /// An allowed prefix is not 1 to 4 digits (an optional leading `+` is accepted).
    #[error(
        "account {account:?}: allowed prefix {prefix:?} is not a country code of 1 to 4 digits (\"48\" or \"+48\")"
    )]
    InvalidAllowedPrefix {
        /// The account.
        account: String,
        /// The prefix as written.
        prefix: String,
    },
    /// The default account names no configured account.
    #[error("the default account {name:?} is not configured; accounts: {}", .known.join(", "))]
    UnknownDefault {
        /// The name.
        name: String,
        /// The configured names.
        known: Vec<String>,
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
            AccountError::NoConsent { .. } | AccountError::DestinationNotAllowed { .. } => {
                ErrorKind::InvalidRecipient
            }
            AccountError::TestTooLong { .. } => ErrorKind::Message,
            _ => ErrorKind::Config,
        };
        Error::new(kind, Certainty::NotSent, e.to_string()).with_source(e)
    }
}
