//! [`SendOptions`]: what a message is sent with besides its text, recipients, sender and
//! schedule, recorded so a campaign chunk rebuilt from the ledger (on the first run or on
//! resume) sends exactly what the original message would have.

use std::time::Duration;

use bramka_core::encoding::{ConcatRef, NationalLanguage, Policy, SplitMode, Transliteration};
use bramka_core::{Message, MessageBuilder};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;

/// The send options of a recorded message. Stores keep them as one text column
/// ([`to_json`](Self::to_json), [`from_json`](Self::from_json)); fields added later default, so
/// older rows still read.
///
/// ```
/// use bramka_core::Message;
/// use bramka_ledger::SendOptions;
/// use std::time::Duration;
///
/// let msg = Message::builder().to("+48600100200").text("Hi").validity(Duration::from_secs(3600))
///     .flash(true).build().unwrap();
/// let o = SendOptions::of(&msg);
/// assert_eq!((o.validity_ms, o.flash), (Some(3_600_000), true));
/// assert_eq!(SendOptions::from_json(&o.to_json()).unwrap(), o);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SendOptions {
    /// Validity period in milliseconds (rounded up).
    pub validity_ms: Option<u64>,
    /// A flash SMS (shown, not stored).
    pub flash: bool,
    /// Where the operator posts delivery reports.
    pub callback_url: Option<String>,
    /// Whether the operator shortens links.
    pub shorten_links: bool,
    /// The concatenation reference size (`"eight_bit"`, `"sixteen_bit"`); `None` for the default.
    pub concat_ref: Option<String>,
    /// Where UCS-2 text may split (`"graphemes"`, `"code_points"`); `None` for the default.
    pub split_mode: Option<String>,
    /// The national language shift tables (`"turkish"`, `"spanish"`, `"portuguese"`).
    pub language: Option<String>,
}

/// The serde name of a unit variant (`ConcatRef::SixteenBit` -> `"sixteen_bit"`).
fn name_of<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned))
}

fn parse_of<T: Serialize + Copy>(what: &str, s: &str, all: &[T]) -> Result<T, StoreError> {
    all.iter().copied().find(|v| name_of(v).as_deref() == Some(s)).ok_or_else(|| {
        let known: Vec<String> = all.iter().filter_map(name_of).collect();
        StoreError::Corrupt(format!("recorded {what} {s:?} is not one of {}", known.join(", ")))
    })
}

impl SendOptions {
    /// The options `msg` is sent with.
    pub fn of(msg: &Message) -> SendOptions {
        let p = msg.policy();
        let default = Policy::default();
        SendOptions {
            validity_ms: msg
                .validity()
                .map(|d| u64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)),
            flash: msg.is_flash(),
            callback_url: msg.callback_url().map(|u| u.to_string()),
            shorten_links: msg.shorten_links(),
            concat_ref: (p.concat_ref != default.concat_ref).then(|| name_of(&p.concat_ref)).flatten(),
            split_mode: (p.split_mode != default.split_mode).then(|| name_of(&p.split_mode)).flatten(),
            language: p.language.and_then(|l| name_of(&l)),
        }
    }

    /// Sets these options on `b`, with a policy that keeps the recorded text as it is (it was
    /// transliterated and normalised before it was recorded) and splits it as the original did.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Corrupt`] naming the value and what is accepted when a recorded option
    /// (concatenation reference, split mode, national language table, callback URL, …) is not one this
    /// version knows.
    pub fn apply(&self, mut b: MessageBuilder) -> Result<MessageBuilder, StoreError> {
        let mut policy =
            Policy::default().with_max_parts(255).with_transliteration(Transliteration::Keep).with_nfc(false);
        if let Some(c) = &self.concat_ref {
            policy = policy.with_concat_ref(parse_of(
                "concat_ref",
                c,
                &[ConcatRef::EightBit, ConcatRef::SixteenBit],
            )?);
        }
        if let Some(s) = &self.split_mode {
            policy = policy.with_split_mode(parse_of(
                "split_mode",
                s,
                &[SplitMode::Graphemes, SplitMode::CodePoints],
            )?);
        }
        if let Some(l) = &self.language {
            let all = [NationalLanguage::Turkish, NationalLanguage::Spanish, NationalLanguage::Portuguese];
            policy = policy.with_language(Some(parse_of("language", l, &all)?));
        }
        b = b.policy(policy).flash(self.flash).shorten_links(self.shorten_links);
        if let Some(ms) = self.validity_ms {
            b = b.validity(Duration::from_millis(ms));
        }
        if let Some(u) = &self.callback_url {
            let url = u.parse().map_err(|e| {
                StoreError::Corrupt(format!("recorded callback URL {u:?} does not parse: {e}"))
            })?;
            b = b.callback_url(url);
        }
        Ok(b)
    }

    /// The options as the JSON text stores keep (`{}` when all are defaults).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Options from their stored JSON text; an empty text is the defaults.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Corrupt`] naming the text when `s` is not the JSON of send options.
    pub fn from_json(s: &str) -> Result<SendOptions, StoreError> {
        if s.trim().is_empty() {
            return Ok(SendOptions::default());
        }
        serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("send options {s:?}: {e}")))
    }
}
