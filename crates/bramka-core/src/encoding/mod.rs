//! Encoding and segmentation: how a text will be encoded (GSM-7 or UCS-2) and split into parts.
//!
//! STUB: the full implementation (GSM-7 tables, transliteration, shift tables, grapheme-aware
//! splitting) replaces this file. The public API below is the contract the rest of the crate uses.

use std::fmt;

use serde::Serialize;

/// The data coding an SMS is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Encoding {
    /// GSM 03.38 7-bit default alphabet (160 / 153 septets per part).
    Gsm7,
    /// UCS-2 / UTF-16 (70 / 67 code units per part).
    Ucs2,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        })
    }
}

/// What to do with characters that GSM-7 cannot carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Transliteration {
    /// Keep every character; the message becomes UCS-2 when one is outside GSM-7 (default).
    #[default]
    Keep,
    /// Replace only characters GSM-7 lacks (ą -> a, curly quotes -> straight), keep é, ü, ñ, Ä.
    Gsm7Safe,
    /// Replace everything outside ASCII.
    Ascii,
}

/// Policy for analysing a text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Maximum number of parts (1..=255), 7 by default.
    pub max_parts: u8,
    /// Transliteration mode.
    pub transliteration: Transliteration,
    /// Compose to NFC first (default true).
    pub nfc: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { max_parts: 7, transliteration: Transliteration::Keep, nfc: true }
    }
}

impl Policy {
    /// Sets the part cap.
    pub fn with_max_parts(mut self, max_parts: u8) -> Self {
        self.max_parts = max_parts;
        self
    }
    /// Sets the transliteration mode.
    pub fn with_transliteration(mut self, t: Transliteration) -> Self {
        self.transliteration = t;
        self
    }
}

/// One part of a (possibly concatenated) message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The text carried by this part.
    pub text: String,
    /// Units used (septets or UTF-16 code units).
    pub units: usize,
}

/// The result of analysing a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    text: String,
    encoding: Encoding,
    units: usize,
    parts: Vec<Part>,
    max_parts: u8,
}

impl Analysis {
    /// The text that will be sent (after NFC and transliteration).
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }
    /// Total units.
    pub fn units(&self) -> usize {
        self.units
    }
    /// The parts.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }
    /// Number of parts (segments).
    pub fn segments(&self) -> usize {
        self.parts.len()
    }
    /// The cap applied.
    pub fn max_parts(&self) -> u8 {
        self.max_parts
    }
    /// Whether the text fits the cap.
    pub fn fits(&self) -> bool {
        self.parts.len() <= usize::from(self.max_parts)
    }
    /// `Ok` when the text fits, else [`EncodingError::TooManyParts`].
    pub fn ensure_fits(&self) -> Result<(), EncodingError> {
        if self.fits() {
            Ok(())
        } else {
            Err(EncodingError::TooManyParts {
                needed: self.parts.len(),
                max_parts: self.max_parts,
                units: self.units,
                max_units: self.units,
                encoding: self.encoding,
            })
        }
    }
}

/// Errors of the encoding layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodingError {
    /// The text needs more parts than the cap allows.
    #[error(
        "text needs {needed} {encoding} parts but at most {max_parts} are allowed ({units} units used, {max_units} fit)"
    )]
    TooManyParts {
        /// Parts the text needs.
        needed: usize,
        /// The cap.
        max_parts: u8,
        /// Units the text uses.
        units: usize,
        /// Units that fit in `max_parts` parts.
        max_units: usize,
        /// The encoding.
        encoding: Encoding,
    },
}

/// Whether `c` is in the GSM-7 default alphabet or its extension table.
pub fn is_gsm7(c: char) -> bool {
    c.is_ascii() && c != '`'
}

/// Analyses `text` under `policy`. Never fails: check [`Analysis::fits`].
pub fn analyze(text: &str, policy: &Policy) -> Analysis {
    let gsm = text.chars().all(is_gsm7);
    let (encoding, units, single, multi) = if gsm {
        (Encoding::Gsm7, text.chars().count(), 160, 153)
    } else {
        (Encoding::Ucs2, text.encode_utf16().count(), 70, 67)
    };
    let parts = if units <= single {
        vec![Part { text: text.to_owned(), units }]
    } else {
        let chars: Vec<char> = text.chars().collect();
        chars
            .chunks(multi / 2)
            .map(|c| {
                let t: String = c.iter().collect();
                let units = if gsm { t.chars().count() } else { t.encode_utf16().count() };
                Part { text: t, units }
            })
            .collect()
    };
    Analysis { text: text.to_owned(), encoding, units, parts, max_parts: policy.max_parts }
}
