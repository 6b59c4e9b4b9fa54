//! Named gateway accounts side by side, each a DSN plus a sending policy.
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

mod account;
mod env_expand;
mod error;
mod file;
mod outgoing;
mod policy;
mod registry;
mod sending;

pub use account::Account;
pub use error::AccountError;
pub use file::Secrets;
pub use outgoing::Outgoing;
pub use policy::AccountPolicy;
pub use registry::{Accounts, Connector};

/// The longest text of a test SMS.
pub const TEST_SMS_MAX_CHARS: usize = 150;
