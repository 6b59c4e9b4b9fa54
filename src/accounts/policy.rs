//! [`AccountPolicy`]: how an account sends.

use bramka_core::encoding::EmojiText;
#[cfg(doc)]
use bramka_core::encoding::Transliteration;
use serde::{Deserialize, Serialize};

#[cfg(doc)]
use crate::shorten::LinkShortener;

/// How an account sends.
///
/// ```
/// use bramka::accounts::AccountPolicy;
///
/// let policy = AccountPolicy {
///     senders: vec!["Shop".into()],
///     default_prefix: Some("48".into()),
///     allowed_prefixes: vec!["48".into()],
///     max_parts: 3,
///     ..AccountPolicy::default()
/// };
/// assert!(policy.active);
/// ```
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
    /// Country codes the account may send to (`["48", "420"]`); a recipient whose number starts
    /// with none of them is refused before any request. Empty: every destination.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_prefixes: Vec<String>,
}

pub(super) fn yes() -> bool {
    true
}

pub(super) fn seven() -> u8 {
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
            allowed_prefixes: Vec::new(),
        }
    }
}
