//! [`Outgoing`]: what to send through an account.

use chrono::{DateTime, Utc};

/// What to send through an account.
///
/// ```
/// use bramka::accounts::Outgoing;
///
/// let out = Outgoing::new("+48600100200", "Your code is 1234").sender("Shop");
/// ```
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
    #[must_use]
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }
    /// Sends at `at`.
    #[must_use]
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Some(at);
        self
    }
}
