//! Encoding and segmentation: how a text will be encoded (GSM-7 or UCS-2) and split into parts,
//! what an application shows as "3 SMS, 412/459" before sending.
//!
//! [`analyze`] runs this pipeline:
//! 1. compose to NFC ([`Policy::nfc`], on by default: a decomposed "Café" is GSM-7);
//! 2. optionally transliterate ([`Transliteration`]), applied only when the whole text then fits
//!    GSM-7 (what was replaced is in [`Analysis::replacements`]);
//! 3. choose the encoding: GSM-7 iff every character is in the default alphabet or its
//!    extension table (or, opt-in, a national language's shift tables), else UCS-2
//!    ([`Analysis::ucs2_chars`] says which characters forced it);
//! 4. count units: septets (extension characters cost 2) or UTF-16 code units (emoji cost 2);
//! 5. pack greedily into parts of 160 / 153 septets or 70 / 67 units (152 / 66 with the 16-bit
//!    reference, less with shift tables), never splitting an escape pair, a surrogate pair, or
//!    (by default) a grapheme cluster that fits in one part;
//! 6. compare with the cap ([`Policy::max_parts`], 7 by default): [`Analysis::fits`],
//!    [`Analysis::ensure_fits`].
//!
//! ```
//! use bramka_core::encoding::{self, Encoding, Policy, Transliteration};
//!
//! let text = "Hello ".repeat(68) + "abcd"; // 412 GSM-7 characters
//! let a = encoding::analyze(&text, &Policy::default());
//! assert_eq!(a.encoding(), Encoding::Gsm7);
//! assert_eq!(format!("{} SMS, {}/{}", a.segments(), a.units(), a.capacity()), "3 SMS, 412/459");
//! assert_eq!(a.parts()[0].units, 153);
//! assert!(a.fits());
//!
//! // One Polish letter makes the whole message UCS-2 ...
//! let a = encoding::analyze("Zażółć gęślą jaźń", &Policy::default());
//! assert_eq!((a.encoding(), a.units(), a.segments()), (Encoding::Ucs2, 17, 1));
//! assert_eq!(a.ucs2_chars(), ['ż', 'ó', 'ł', 'ć', 'ę', 'ś', 'ą', 'ź', 'ń']);
//!
//! // ... unless it is transliterated; é, ü, ñ, Ä stay because GSM-7 has them.
//! let policy = Policy::default().with_transliteration(Transliteration::Gsm7Safe);
//! let a = encoding::analyze("Zażółć gęślą jaźń, Café „Müller”", &policy);
//! assert_eq!(a.text(), "Zazolc gesla jazn, Café \"Müller\"");
//! assert_eq!(a.encoding(), Encoding::Gsm7);
//!
//! // Over the cap is a typed error with the numbers.
//! let a = encoding::analyze(&"a".repeat(1072), &Policy::default());
//! let err = a.ensure_fits().unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "text needs 8 GSM-7 parts but at most 7 are allowed (1072 units used, 1071 fit)"
//! );
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;

mod gsm7;
mod nfc;
#[cfg(test)]
mod plain;
mod policy;
mod scan;
mod segment;
mod shift;
mod translit;

pub use gsm7::is_gsm7;
pub use policy::{ConcatRef, EmojiText, Policy, SplitMode, Transliteration};
pub use shift::{NationalLanguage, ShiftTables};
pub use translit::Replacement;

use scan::Scan;
use segment::Capacity;

/// The data coding an SMS is sent in.
///
/// ```
/// use bramka_core::encoding::{analyze, Encoding, Policy};
///
/// assert_eq!(analyze("Hello", &Policy::default()).encoding(), Encoding::Gsm7);
/// assert_eq!(analyze("Zażółć", &Policy::default()).encoding(), Encoding::Ucs2);
/// ```
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

/// One part of a (possibly concatenated) message.
///
/// ```
/// use bramka_core::encoding::{analyze, Policy};
///
/// let a = analyze(&"x".repeat(200), &Policy::default());
/// assert_eq!(a.parts().len(), 2);
/// assert_eq!(a.parts()[0].units, 153);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The text carried by this part.
    pub text: String,
    /// Units used (septets or UTF-16 code units).
    pub units: usize,
}

/// The result of analysing a text.
///
/// Serialises (serde) with the fields named after the accessors: `text`, `encoding`, `units`,
/// `segments`, `parts`, `max_parts`, `fits`, `part_capacity`, `capacity`, `max_units`,
/// `shift_tables`, `concat_ref`, `split_mode`, `replacements`, `ucs2_chars`.
///
/// ```
/// use bramka_core::encoding::{analyze, Policy};
///
/// let a = analyze("Zażółć gęślą jaźń", &Policy::default());
/// println!("{} SMS, {}/{}", a.segments(), a.units(), a.capacity());
/// assert!(a.fits());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Analysis {
    text: String,
    encoding: Encoding,
    units: usize,
    /// Number of parts; their texts are computed on first use of [`Analysis::parts`].
    segments: usize,
    /// Where the first parts end and their units, so `parts()` need not split again.
    bounds: Bounds,
    parts: Lazy<Vec<Part>>,
    max_parts: u8,
    part_capacity: usize,
    single_capacity: usize,
    multi_capacity: usize,
    shift_tables: ShiftTables,
    concat_ref: ConcatRef,
    split_mode: SplitMode,
    replacements: Vec<Replacement>,
    language: Option<NationalLanguage>,
    /// Computed on first use: not needed to count or split.
    ucs2_chars: Lazy<Vec<char>>,
}

/// Parts whose ends are kept by [`analyze`] (the default cap); longer texts split again.
const KEPT_PARTS: usize = 7;

/// The ends (byte offsets) and units of the first [`KEPT_PARTS`] parts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bounds {
    ends: [u32; KEPT_PARTS],
    units: [u8; KEPT_PARTS],
}

impl Bounds {
    /// Records part `n` when it is one of the first [`KEPT_PARTS`] (they end within the first
    /// few kilobytes, so the offset fits `u32`; a part holds at most 160 units).
    #[inline(always)]
    fn record(&mut self, n: usize, end: usize, units: usize) {
        if n < KEPT_PARTS {
            self.ends[n] = u32::try_from(end).unwrap_or(u32::MAX);
            self.units[n] = u8::try_from(units).unwrap_or(u8::MAX);
        }
    }
}

/// A lazily computed value; equal to any other (it is a function of the analysis' other fields).
#[derive(Debug, Clone, Default)]
struct Lazy<T>(OnceLock<T>);

impl<T> PartialEq for Lazy<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Lazy<T> {}

impl fmt::Debug for Analysis {
    /// As a derived `Debug` of the fields, with the parts (computed if needed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Analysis")
            .field("text", &self.text)
            .field("encoding", &self.encoding)
            .field("units", &self.units)
            .field("parts", &self.parts())
            .field("max_parts", &self.max_parts)
            .field("part_capacity", &self.part_capacity)
            .field("single_capacity", &self.single_capacity)
            .field("multi_capacity", &self.multi_capacity)
            .field("shift_tables", &self.shift_tables)
            .field("concat_ref", &self.concat_ref)
            .field("split_mode", &self.split_mode)
            .field("replacements", &self.replacements)
            .field("language", &self.language)
            .field("ucs2_chars", &self.ucs2_chars())
            .finish()
    }
}

impl Serialize for Analysis {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Analysis", 15)?;
        s.serialize_field("text", &self.text)?;
        s.serialize_field("encoding", &self.encoding)?;
        s.serialize_field("units", &self.units)?;
        s.serialize_field("segments", &self.segments())?;
        s.serialize_field("parts", self.parts())?;
        s.serialize_field("max_parts", &self.max_parts)?;
        s.serialize_field("fits", &self.fits())?;
        s.serialize_field("part_capacity", &self.part_capacity)?;
        s.serialize_field("capacity", &self.capacity())?;
        s.serialize_field("max_units", &self.max_units())?;
        s.serialize_field("shift_tables", &self.shift_tables)?;
        s.serialize_field("concat_ref", &self.concat_ref)?;
        s.serialize_field("split_mode", &self.split_mode)?;
        s.serialize_field("replacements", &self.replacements)?;
        s.serialize_field("ucs2_chars", self.ucs2_chars())?;
        s.end()
    }
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
    /// Total units: septets (extension characters count 2) or UTF-16 code units.
    pub fn units(&self) -> usize {
        self.units
    }
    /// The parts, in order; their texts concatenate to [`text`](Self::text).
    pub fn parts(&self) -> &[Part] {
        self.parts.0.get_or_init(|| {
            if self.segments <= KEPT_PARTS {
                let mut start = 0;
                let b = &self.bounds;
                (0..self.segments)
                    .map(|n| {
                        let end = b.ends[n] as usize;
                        let part =
                            Part { text: self.text[start..end].to_owned(), units: usize::from(b.units[n]) };
                        start = end;
                        part
                    })
                    .collect()
            } else {
                segment::collect_parts(&self.text, self.segments, |emit| self.split(emit))
            }
        })
    }
    /// Number of parts (segments); an empty text is one part.
    pub fn segments(&self) -> usize {
        self.segments
    }
    /// The cap applied.
    pub fn max_parts(&self) -> u8 {
        self.max_parts
    }
    /// Units each part can hold at this part count: 160 / 70 for one part, 153 / 67 for a
    /// concatenated message (less with the 16-bit reference or shift tables).
    pub fn part_capacity(&self) -> usize {
        self.part_capacity
    }
    /// Units [`segments`](Self::segments) parts hold: the "459" of "3 SMS, 412/459". A part closed
    /// early to keep an escape pair, surrogate pair or grapheme cluster whole holds less.
    pub fn capacity(&self) -> usize {
        self.part_capacity * self.segments
    }
    /// Units that fit in [`max_parts`](Self::max_parts) parts in this encoding: 1071 GSM-7 or
    /// 469 UCS-2 at the default cap. An upper bound: escape and surrogate pairs can lower it.
    pub fn max_units(&self) -> usize {
        match self.max_parts {
            0 => 0,
            1 => self.single_capacity,
            n => usize::from(n) * self.multi_capacity,
        }
    }
    /// The national language shift tables the GSM-7 text uses (none unless enabled in the policy).
    pub fn shift_tables(&self) -> ShiftTables {
        self.shift_tables
    }
    /// The concatenation reference size the parts were computed for.
    pub fn concat_ref(&self) -> ConcatRef {
        self.concat_ref
    }
    /// The split policy that produced the parts.
    pub fn split_mode(&self) -> SplitMode {
        self.split_mode
    }
    /// What transliteration replaced, in order of first occurrence (empty when it was off, had
    /// nothing to do, or was not applied because the text would have stayed UCS-2).
    pub fn replacements(&self) -> &[Replacement] {
        &self.replacements
    }
    /// For a UCS-2 text, the distinct characters GSM-7 cannot carry (the ones that forced UCS-2,
    /// or that blocked transliteration), in order of first occurrence. Empty for GSM-7.
    pub fn ucs2_chars(&self) -> &[char] {
        if self.encoding == Encoding::Gsm7 {
            return &[];
        }
        self.ucs2_chars.0.get_or_init(|| ucs2_chars(&self.text, self.language))
    }
    /// Calls `emit(end, units)` for each part (see [`segment::split_gsm7`]).
    fn split(&self, emit: impl FnMut(usize, usize)) {
        let cap = Capacity { single: self.single_capacity, multi: self.multi_capacity };
        split(&self.text, self.encoding, self.units, self.shift_tables, self.split_mode, cap, emit);
    }
    /// Whether the text fits the cap.
    pub fn fits(&self) -> bool {
        self.segments <= usize::from(self.max_parts)
    }
    /// `Ok` when the text fits, else [`EncodingError::TooManyParts`] (or
    /// [`EncodingError::InvalidMaxParts`] for a cap of 0).
    ///
    /// # Errors
    ///
    /// Returns [`EncodingError::InvalidMaxParts`] when the cap is 0, and
    /// [`EncodingError::TooManyParts`] when the text needs more parts than the cap.
    pub fn ensure_fits(&self) -> Result<(), EncodingError> {
        if self.max_parts == 0 {
            return Err(EncodingError::InvalidMaxParts { max_parts: self.max_parts });
        }
        if self.fits() {
            Ok(())
        } else {
            Err(EncodingError::TooManyParts {
                needed: self.segments,
                max_parts: self.max_parts,
                units: self.units,
                max_units: self.max_units(),
                encoding: self.encoding,
            })
        }
    }
}

/// Errors of the encoding layer.
///
/// ```
/// use bramka_core::encoding::{analyze, EncodingError, Policy};
///
/// let a = analyze(&"x".repeat(400), &Policy::default().with_max_parts(2));
/// match a.ensure_fits() {
///     Err(EncodingError::TooManyParts { needed, max_parts, .. }) => assert_eq!((needed, max_parts), (3, 2)),
///     other => panic!("{other:?}"),
/// }
/// ```
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
        /// Units that fit in `max_parts` parts (1071 GSM-7 / 469 UCS-2 at 7 parts).
        max_units: usize,
        /// The encoding.
        encoding: Encoding,
    },
    /// The part cap is outside 1..=255.
    #[error("max_parts is {max_parts}; it must be 1 to 255")]
    InvalidMaxParts {
        /// The cap given.
        max_parts: u8,
    },
    /// The text is longer than [`MAX_TEXT_BYTES`] (refused by [`try_analyze`] before analysis).
    #[error(
        "text of {bytes} bytes is too long to analyse: at most {max_bytes} bytes are accepted (255 parts hold at most 40,800 GSM-7 characters)"
    )]
    TextTooLong {
        /// The text's length in UTF-8 bytes.
        bytes: usize,
        /// The limit, [`MAX_TEXT_BYTES`].
        max_bytes: usize,
    },
}

/// The longest text (in UTF-8 bytes) [`try_analyze`] accepts: 1 MiB, far above what 255 parts
/// can carry (40,800 septets of at most 2 bytes each, 17,850 UCS-2 units of at most 3 bytes each;
/// even fully decomposed Hangul, 9 bytes per unit before NFC, stays under 161,000 bytes).
/// [`analyze`] itself takes time linear in the text, whatever its length.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// [`analyze`] for text from outside (inbound messages, templates filled with user input): a text
/// longer than [`MAX_TEXT_BYTES`] is refused with [`EncodingError::TextTooLong`] before any
/// analysis; anything else is analysed (check [`Analysis::ensure_fits`] for the part cap).
///
/// ```
/// use bramka_core::encoding::{self, EncodingError, Policy};
///
/// let a = encoding::try_analyze("Hello", &Policy::default()).unwrap();
/// assert_eq!(a.segments(), 1);
/// let huge = "a".repeat(encoding::MAX_TEXT_BYTES + 1);
/// assert!(matches!(
///     encoding::try_analyze(&huge, &Policy::default()),
///     Err(EncodingError::TextTooLong { bytes, max_bytes }) if bytes == huge.len() && max_bytes == encoding::MAX_TEXT_BYTES
/// ));
/// ```
///
/// # Errors
///
/// Returns [`EncodingError::TextTooLong`] when `text` is longer than [`MAX_TEXT_BYTES`].
pub fn try_analyze(text: &str, policy: &Policy) -> Result<Analysis, EncodingError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(EncodingError::TextTooLong { bytes: text.len(), max_bytes: MAX_TEXT_BYTES });
    }
    Ok(analyze(text, policy))
}

/// The GSM-7 choice for a text: tables and total septets.
#[derive(Clone, Copy)]
struct Gsm7Choice {
    tables: ShiftTables,
    septets: usize,
}

/// Total septets under `tables`, `None` when a character is not encodable.
fn septets_with(text: &str, tables: ShiftTables) -> Option<usize> {
    text.chars().try_fold(0usize, |acc, c| match tables.cost(c) {
        0 => None,
        n => Some(acc + usize::from(n)),
    })
}

/// Chooses GSM-7 tables (Android's rule: fewest parts, then fewest IEs, then fewest septets).
fn choose_gsm7(text: &str, scanned: &Scan, policy: &Policy) -> Option<Gsm7Choice> {
    let Some(lang) = policy.language else {
        return scanned.septets.map(|septets| Gsm7Choice { tables: ShiftTables::default(), septets });
    };
    ShiftTables::candidates(lang)
        .filter_map(|tables| {
            let septets = septets_with(text, tables)?;
            let cap = Capacity::gsm7(tables, policy.concat_ref);
            let parts = segment::count_gsm7(text, septets, cap, |c| tables.cost(c));
            Some((parts, tables.ies(), septets, tables))
        })
        .min_by_key(|&(parts, ies, septets, _)| (parts, ies, septets))
        .map(|(_, _, septets, tables)| Gsm7Choice { tables, septets })
}

/// Distinct characters of `text` no enabled table can carry, in order of first occurrence.
fn ucs2_chars(text: &str, language: Option<NationalLanguage>) -> Vec<char> {
    let carried = |c: char| {
        gsm7::cost(c) != 0 || language.is_some_and(|l| ShiftTables::candidates(l).any(|t| t.cost(c) != 0))
    };
    let out = distinct(non_gsm_ascii_chars(text).filter(|&c| !carried(c)));
    if out.is_empty() {
        // Every character is in some table, but no one combination holds them all.
        return distinct(text.chars().filter(|&c| gsm7::cost(c) == 0));
    }
    out
}

/// The characters of `text`, skipping blocks of GSM-7 ASCII (which every table set carries).
fn non_gsm_ascii_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let bytes = text.as_bytes();
    let (mut i, mut block_end) = (0, 0);
    std::iter::from_fn(move || {
        if i >= block_end {
            while let Some(block) = scan::block_at(bytes, i) {
                if !scan::all_gsm_ascii(block) {
                    break;
                }
                i += scan::BLOCK;
            }
            block_end = i + scan::BLOCK;
        }
        let c = text.get(i..)?.chars().next()?;
        i += c.len_utf8();
        Some(c)
    })
}

/// Distinct characters in order of first occurrence, with a small open-addressing set.
fn distinct(chars: impl Iterator<Item = char>) -> Vec<char> {
    const SLOTS: usize = 256;
    const EMPTY: u32 = u32::MAX;
    let mut set = [EMPTY; SLOTS];
    let mut out: Vec<char> = Vec::new();
    for c in chars {
        if out.len() >= SLOTS / 2 {
            // A very varied text: fall back to searching the list.
            if !out.contains(&c) {
                out.push(c);
            }
            continue;
        }
        let mut slot = ((c as u32).wrapping_mul(0x9E37_79B1) >> 24) as usize;
        loop {
            if set[slot] == c as u32 {
                break;
            }
            if set[slot] == EMPTY {
                set[slot] = c as u32;
                out.push(c);
                break;
            }
            slot = (slot + 1) % SLOTS;
        }
    }
    out
}

/// Analyses `text` under `policy`. Never fails: check [`Analysis::fits`] or
/// [`Analysis::ensure_fits`]. Time is linear in the text's length; for text from outside, use
/// [`try_analyze`], which refuses texts longer than [`MAX_TEXT_BYTES`] first.
pub fn analyze(text: &str, policy: &Policy) -> Analysis {
    let mut scanned = scan::scan(text);
    let mut text = Cow::Borrowed(text);
    if policy.nfc
        && scanned.maybe_not_nfc
        && let Cow::Owned(composed) = nfc::to_nfc(&text)
    {
        scanned = scan::scan(&composed);
        text = Cow::Owned(composed);
    }
    let translit = match policy.transliteration {
        Transliteration::Keep => None,
        Transliteration::Gsm7Safe if scanned.septets.is_some() => None,
        Transliteration::Ascii if scanned.septets.is_some() && text.is_ascii() => None,
        Transliteration::NoDiacritics if text.is_ascii() => None,
        mode => translit::transliterate(&text, mode, policy.language, policy.emoji),
    };
    let mut replacements = Vec::new();
    let mut blocked = None;
    let gsm = match translit {
        None => choose_gsm7(&text, &scanned, policy),
        Some((candidate, replaced)) => {
            let candidate_scan = scan::scan(&candidate);
            match choose_gsm7(&candidate, &candidate_scan, policy) {
                choice if choice.is_some() || policy.transliteration == Transliteration::NoDiacritics => {
                    // Applied whatever the encoding for NoDiacritics, only when it gives GSM-7
                    // for the others.
                    scanned = candidate_scan;
                    text = Cow::Owned(candidate);
                    replacements = replaced;
                    choice
                }
                _ => {
                    // All or nothing: the text stays as it was; report what blocked GSM-7.
                    blocked = Some(ucs2_chars(&candidate, policy.language));
                    None
                }
            }
        }
    };
    let (encoding, units, cap, tables, forcing) = match gsm {
        Some(Gsm7Choice { tables, septets }) => {
            (Encoding::Gsm7, septets, Capacity::gsm7(tables, policy.concat_ref), tables, Lazy::default())
        }
        None => {
            let units = scanned.utf16.unwrap_or_else(|| segment::utf16_len(&text));
            let forcing = Lazy(blocked.map(OnceLock::from).unwrap_or_default());
            (Encoding::Ucs2, units, Capacity::ucs2(policy.concat_ref), ShiftTables::default(), forcing)
        }
    };
    let mut segments = 0;
    let mut bounds = Bounds::default();
    split(&text, encoding, units, tables, policy.split_mode, cap, |end, units| {
        bounds.record(segments, end, units);
        segments += 1;
    });
    Analysis {
        part_capacity: if segments == 1 { cap.single } else { cap.multi },
        text: text.into_owned(),
        encoding,
        units,
        segments,
        bounds,
        parts: Lazy::default(),
        max_parts: policy.max_parts,
        single_capacity: cap.single,
        multi_capacity: cap.multi,
        shift_tables: tables,
        concat_ref: policy.concat_ref,
        split_mode: policy.split_mode,
        replacements,
        language: policy.language,
        ucs2_chars: forcing,
    }
}

/// Calls `emit(end, units)` for each part of `text` (see [`segment::split_gsm7`]).
#[inline(always)]
fn split(
    text: &str,
    encoding: Encoding,
    units: usize,
    tables: ShiftTables,
    mode: SplitMode,
    cap: Capacity,
    emit: impl FnMut(usize, usize),
) {
    match encoding {
        Encoding::Gsm7 if tables == ShiftTables::default() => {
            segment::split_gsm7_default(text, units, cap, emit)
        }
        Encoding::Gsm7 => segment::split_gsm7(text, units, cap, |c| tables.cost(c), emit),
        Encoding::Ucs2 => segment::split_ucs2(text, units, mode, cap, emit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tuned path as the plain path reports it.
    fn tuned(text: &str, policy: &Policy) -> plain::Plain {
        let a = analyze(text, policy);
        let mut end = 0;
        let parts = a
            .parts()
            .iter()
            .map(|p| {
                end += p.text.len();
                (end, p.units)
            })
            .collect();
        plain::Plain { text: a.text().to_owned(), encoding: a.encoding(), units: a.units(), parts }
    }

    fn policies() -> [Policy; 4] {
        [
            Policy::default(),
            Policy::default().with_split_mode(SplitMode::CodePoints),
            Policy::default().with_concat_ref(ConcatRef::SixteenBit).with_nfc(false),
            Policy::default().with_max_parts(255),
        ]
    }

    /// Every message of the benchmark corpus (a copy in `tests/fixtures/corpus.jsonl`): the tuned
    /// path and the plain path agree on text, encoding, units and every part.
    #[test]
    fn tuned_path_agrees_with_plain_path_on_corpus() {
        let corpus = include_str!("../../tests/fixtures/corpus.jsonl");
        let mut n = 0;
        for line in corpus.lines() {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = row["text"].as_str().unwrap();
            for p in policies() {
                assert_eq!(tuned(text, &p), plain::analyze(text, &p), "{} {text:?} {p:?}", row["category"]);
            }
            n += 1;
        }
        assert_eq!(n, 1000);
    }

    /// Texts made of pieces that stress every path: part boundaries inside clusters of every
    /// kind, long runs of regional indicators (the windowed cluster check gives up and the forward
    /// pass takes over), clusters longer than a part, CR LF.
    fn stress_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const PIECES: &[&str] = &[
            "a",
            " ",
            "ł",
            "€",
            "{",
            "é",
            "e\u{301}",
            "\u{301}",
            "\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
            "😀",
            "👍🏽",
            "🇵🇱",
            "\u{1F1F5}",
            "👨‍👩‍👧‍👦",
            "\u{200D}",
            "\u{FE0F}",
            "1\u{FE0F}\u{20E3}",
            "\r\n",
            "\r",
            "\n",
            "नमस्ते",
            "क्ष",
            "Ж",
            "北",
            "\u{1100}\u{1161}\u{11A8}",
            "“",
            "—",
            "\u{A0}",
            "𝐀",
        ];
        prop::collection::vec(
            prop_oneof![
                8 => prop::sample::select(PIECES).prop_map(str::to_owned),
                1 => (1usize..300).prop_map(|n| "\u{1F1F5}".repeat(n)),
                1 => (60usize..200).prop_map(|n| format!("x{}", "\u{301}".repeat(n))),
                1 => (1usize..40).prop_map(|n| "👨‍👩‍👧‍👦".repeat(n)),
            ],
            0..120,
        )
        .prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        #[test]
        fn tuned_path_agrees_with_plain_path(text in stress_text(), k in 0usize..4) {
            let p = policies()[k].clone();
            proptest::prop_assert_eq!(tuned(&text, &p), plain::analyze(&text, &p));
        }
    }

    /// `parts()` from the kept bounds (up to 7 parts) and from splitting again (8 and more) are
    /// the same parts, and they concatenate to the text.
    #[test]
    fn kept_bounds_match_splitting_again() {
        for (unit, encoding) in [("a{é", Encoding::Gsm7), ("ał😀€", Encoding::Ucs2)] {
            for n in 1..=400 {
                let text = unit.repeat(n);
                let a = analyze(&text, &Policy::default().with_max_parts(255));
                assert_eq!(a.encoding(), encoding);
                let cap = Capacity { single: a.single_capacity, multi: a.multi_capacity };
                let again = segment::collect_parts(&a.text, a.segments, |emit| {
                    split(&a.text, a.encoding, a.units, a.shift_tables, a.split_mode, cap, emit)
                });
                assert_eq!(a.parts(), again, "{n} x {unit:?}");
                assert_eq!(a.parts().len(), a.segments());
                assert_eq!(a.parts().iter().map(|p| p.text.as_str()).collect::<String>(), text);
                assert_eq!(a.parts().iter().map(|p| p.units).sum::<usize>(), a.units());
            }
        }
    }
}
