//! The policy an analysis runs under.

use serde::Serialize;

use super::shift::NationalLanguage;

/// What to do with characters that GSM-7 cannot carry.
///
/// ```
/// use bramka_core::encoding::{analyze, Encoding, Policy, Transliteration};
///
/// let p = Policy::default().with_transliteration(Transliteration::Gsm7Safe);
/// let a = analyze("Zażółć", &p);
/// assert_eq!(a.encoding(), Encoding::Gsm7);
/// assert_eq!(a.text(), "Zazolc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Transliteration {
    /// Keep every character; the message becomes UCS-2 when one is outside GSM-7 (default).
    #[default]
    Keep,
    /// Replace only characters GSM-7 lacks: Polish and other accented Latin letters
    /// (`ą` -> `a`, `ł` -> `l`, `ç` -> `c`), typographic quotes, dashes, `…`, NBSP and other
    /// spaces; keep `é ü ñ Ä Ø ß Ç` and the Greek capitals that GSM-7 has. Applied only when the
    /// whole text then fits GSM-7; otherwise the text is sent unchanged as UCS-2.
    Gsm7Safe,
    /// Replace everything outside ASCII (`é` -> `e`, `ß` -> `ss`, Cyrillic and CJK romanised with
    /// `deunicode`). Emoji are never spelled out, so a text with emoji stays unchanged (UCS-2).
    Ascii,
    /// "Allow diacritics" off: every Latin letter with a diacritic is folded to its base, those
    /// GSM-7 has included (`ä` -> `a`, `é` -> `e`, `ł` -> `l`, `ß` -> `ss`, `Ø` -> `O`, `æ` -> `ae`),
    /// stray combining marks are removed, typographic punctuation is replaced as in
    /// [`Gsm7Safe`](Self::Gsm7Safe), and emoji (with their joiners, modifiers and selectors) are
    /// removed or written as [`Policy::emoji`] says. Always applied: letters of other scripts
    /// (Cyrillic, Greek, CJK) are kept, so such a text is still sent as UCS-2, without diacritics
    /// or emoji. Every change is in [`Analysis::replacements`](super::Analysis::replacements).
    NoDiacritics,
}

/// What [`Transliteration::NoDiacritics`] writes for an emoji.
///
/// ```
/// use bramka_core::encoding::{analyze, EmojiText, Policy, Transliteration};
///
/// let p = Policy::default()
///     .with_transliteration(Transliteration::NoDiacritics)
///     .with_emoji(EmojiText::Remove);
/// assert_eq!(analyze("Hi 👋", &p).text().trim_end(), "Hi");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EmojiText {
    /// Remove it (default).
    #[default]
    Remove,
    /// Its name between colons (`😀` -> `:grinning:`, `🍕` -> `:pizza:`); a flag's regional
    /// indicators become their letters (`🇵🇱` -> `PL`); joiners, skin tones and selectors are
    /// removed.
    Name,
}

/// Which concatenation information element the parts carry (spec section 6).
///
/// ```
/// use bramka_core::encoding::{analyze, ConcatRef, Policy};
///
/// let p = Policy::default().with_concat_ref(ConcatRef::SixteenBit);
/// assert_eq!(analyze(&"x".repeat(200), &p).parts()[0].units, 152);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConcatRef {
    /// 8-bit reference (IEI 0x00, 6 UDH octets): 153 septets / 67 units per part. What operators quote.
    #[default]
    EightBit,
    /// 16-bit reference (IEI 0x08, 7 UDH octets): 152 septets / 66 units per part.
    SixteenBit,
}

impl ConcatRef {
    /// UDH octets of the concatenation header, UDHL included.
    pub fn udh_octets(self) -> usize {
        match self {
            ConcatRef::EightBit => 6,
            ConcatRef::SixteenBit => 7,
        }
    }
}

/// Where a UCS-2 text may be split between parts (spec section 7).
///
/// ```
/// use bramka_core::encoding::{analyze, Policy, SplitMode};
///
/// let p = Policy::default().with_split_mode(SplitMode::CodePoints);
/// assert!(analyze("Hello", &p).fits());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SplitMode {
    /// Keep extended grapheme clusters (flags, ZWJ families, skin tones, keycaps) whole when they
    /// fit in one part; split a longer cluster by code points (default; as Twilio and Android).
    #[default]
    Graphemes,
    /// Split between any two code points, never inside a surrogate pair (as `split-sms`).
    CodePoints,
}

/// Policy for analysing a text.
///
/// ```
/// use bramka_core::encoding::{ConcatRef, NationalLanguage, Policy, SplitMode, Transliteration};
///
/// let p = Policy::default()
///     .with_max_parts(3)
///     .with_transliteration(Transliteration::Gsm7Safe)
///     .with_concat_ref(ConcatRef::SixteenBit)
///     .with_split_mode(SplitMode::CodePoints)
///     .with_language(Some(NationalLanguage::Turkish))
///     .with_nfc(false);
/// assert_eq!(p.max_parts, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Maximum number of parts, 1..=255 (7 by default). 0 is invalid: nothing fits and
    /// [`Analysis::ensure_fits`](super::Analysis::ensure_fits) returns
    /// [`EncodingError::InvalidMaxParts`](super::EncodingError::InvalidMaxParts).
    pub max_parts: u8,
    /// Transliteration mode.
    pub transliteration: Transliteration,
    /// Compose to NFC first (default true), so a decomposed "Cafe\u{301}" is GSM-7.
    pub nfc: bool,
    /// Concatenation reference size (8-bit by default).
    pub concat_ref: ConcatRef,
    /// Split points for UCS-2 (grapheme clusters by default).
    pub split_mode: SplitMode,
    /// National language shift tables to consider for GSM-7 (none by default).
    pub language: Option<NationalLanguage>,
    /// What [`Transliteration::NoDiacritics`] writes for an emoji (removed by default).
    pub emoji: EmojiText,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_parts: 7,
            transliteration: Transliteration::Keep,
            nfc: true,
            concat_ref: ConcatRef::EightBit,
            split_mode: SplitMode::Graphemes,
            language: None,
            emoji: EmojiText::Remove,
        }
    }
}

impl Policy {
    /// Sets the part cap (1..=255).
    #[must_use]
    pub fn with_max_parts(mut self, max_parts: u8) -> Self {
        self.max_parts = max_parts;
        self
    }
    /// Sets the transliteration mode.
    #[must_use]
    pub fn with_transliteration(mut self, t: Transliteration) -> Self {
        self.transliteration = t;
        self
    }
    /// Turns NFC composition on or off.
    #[must_use]
    pub fn with_nfc(mut self, nfc: bool) -> Self {
        self.nfc = nfc;
        self
    }
    /// Sets the concatenation reference size.
    #[must_use]
    pub fn with_concat_ref(mut self, r: ConcatRef) -> Self {
        self.concat_ref = r;
        self
    }
    /// Sets where UCS-2 text may be split.
    #[must_use]
    pub fn with_split_mode(mut self, m: SplitMode) -> Self {
        self.split_mode = m;
        self
    }
    /// Sets what [`Transliteration::NoDiacritics`] writes for an emoji.
    #[must_use]
    pub fn with_emoji(mut self, emoji: EmojiText) -> Self {
        self.emoji = emoji;
        self
    }
    /// Enables (or, with `None`, disables) a national language's shift tables. The tables are
    /// used only when they lower the part count or make a UCS-2 text GSM-7; each table in use
    /// costs 3 UDH octets in every part (149 / 146 septets per concatenated part).
    #[must_use]
    pub fn with_language(mut self, language: Option<NationalLanguage>) -> Self {
        self.language = language;
        self
    }
}
