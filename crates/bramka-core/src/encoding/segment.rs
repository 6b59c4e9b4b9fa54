//! Counting and greedy packing into parts (spec sections 5 to 7).
//!
//! Greedy packing is optimal for the part count (spec section 7, rule 5). Atomicity:
//! - GSM-7: a character (and so an escape pair) is never split. GSM-7's only multi-code-point
//!   cluster is CRLF; splitting it is harmless and both peers allow it, so GSM-7 always packs by
//!   code points.
//! - UCS-2: a character (and so a surrogate pair) is never split. In [`SplitMode::Graphemes`] an
//!   extended grapheme cluster that fits in one part is never split either; a cluster longer than
//!   a part is split by code points. Grapheme boundaries are only computed where a part would end.

use unicode_segmentation::GraphemeCursor;

use super::gsm7;
use super::scan::{
    BLOCK, block_at, block_sum, byte_sum, gsm7_word_septets, utf16_block, utf16_units, utf16_word,
};
use super::shift::ShiftTables;
use super::{ConcatRef, Part, SplitMode};

/// Per-part capacity in units: single-part messages and parts of a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Capacity {
    pub(crate) single: usize,
    pub(crate) multi: usize,
}

impl Capacity {
    /// GSM-7: `160 - ceil(8 * UDH octets / 7)` septets (spec sections 6 and 9).
    pub(crate) fn gsm7(tables: ShiftTables, reference: ConcatRef) -> Capacity {
        let ies = 3 * tables.ies();
        let single_udh = if ies == 0 { 0 } else { 1 + ies };
        let multi_udh = reference.udh_octets() + ies;
        let septets = |udh: usize| 160 - (8 * udh).div_ceil(7);
        Capacity { single: septets(single_udh), multi: septets(multi_udh) }
    }

    /// UCS-2: `floor((140 - UDH octets) / 2)` code units.
    pub(crate) fn ucs2(reference: ConcatRef) -> Capacity {
        Capacity { single: 70, multi: (140 - reference.udh_octets()) / 2 }
    }
}

/// Calls `emit(end, units)` for each part of GSM-7 text of `total` septets, in order: the part
/// ends at byte `end` (it starts where the previous one ended) and holds `units` septets; `cost`
/// gives each character's septets.
#[inline]
pub(crate) fn split_gsm7(
    text: &str,
    total: usize,
    cap: Capacity,
    cost: impl Fn(char) -> u8,
    mut emit: impl FnMut(usize, usize),
) {
    if total <= cap.single {
        return emit(text.len(), total);
    }
    if total == text.len() && text.is_ascii() {
        // Every character is one byte and one septet (ASCII without extension characters).
        let mut end = 0;
        while end < text.len() {
            let units = cap.multi.min(text.len() - end);
            end += units;
            emit(end, units);
        }
        return;
    }
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let k = usize::from(cost(c));
        if used + k > cap.multi {
            emit(i, used);
            used = 0;
        }
        used += k;
    }
    emit(text.len(), used);
}

/// [`split_gsm7`] for text known to be GSM-7 with the default tables, walking bytes: an ASCII
/// byte costs 1 (2 for the extension table), a lead byte 1, except 0xE2 (only `€` among GSM-7
/// characters has a 3-byte encoding) which costs 2, and continuation bytes 0.
#[inline]
pub(crate) fn split_gsm7_default(
    text: &str,
    total: usize,
    cap: Capacity,
    mut emit: impl FnMut(usize, usize),
) {
    if total <= cap.single || (total == text.len() && text.is_ascii()) {
        return split_gsm7(text, total, cap, gsm7::cost, emit);
    }
    let bytes = text.as_bytes();
    let septets = gsm7::septets_of_byte;
    let mut used = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(block) = block_at(bytes, i) {
            let k = block_sum(block, septets);
            if used + k <= cap.multi {
                used += k;
                i += BLOCK;
                continue;
            }
        }
        // The part ends in this block: word by word, then byte by byte.
        let end = (i + BLOCK).min(bytes.len());
        while i < end {
            if i + 8 <= end {
                let k = gsm7_word_septets(&bytes[i..i + 8]);
                if used + k <= cap.multi {
                    used += k;
                    i += 8;
                    continue;
                }
            }
            let stop = (i + 8).min(end);
            while i < stop {
                let k = usize::from(septets(bytes[i]));
                if k > 0 && used + k > cap.multi {
                    emit(i, used);
                    used = 0;
                }
                used += k;
                i += 1;
            }
        }
    }
    emit(text.len(), used);
}

/// Number of GSM-7 parts only (used to choose shift tables).
pub(crate) fn count_gsm7(text: &str, total: usize, cap: Capacity, cost: impl Fn(char) -> u8) -> usize {
    let mut parts = 0;
    split_gsm7(text, total, cap, cost, |_, _| parts += 1);
    parts
}

/// UTF-16 length of `s`, from the UTF-8 bytes: one unit per character, two for 4-byte ones.
#[inline]
pub(crate) fn utf16_len(s: &str) -> usize {
    byte_sum(s.as_bytes(), utf16_units)
}

/// Calls `emit(end, units)` for each part of UCS-2 text of `total` UTF-16 units (see
/// [`split_gsm7`]).
#[inline]
pub(crate) fn split_ucs2(
    text: &str,
    total: usize,
    mode: SplitMode,
    cap: Capacity,
    mut emit: impl FnMut(usize, usize),
) {
    if total <= cap.single {
        return emit(text.len(), total);
    }
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < text.len() {
        let mut used = 0;
        let mut end = text.len();
        let mut i = start;
        'fill: while i < bytes.len() {
            if let Some(block) = block_at(bytes, i) {
                let u = utf16_block(block);
                if used + u <= cap.multi {
                    used += u;
                    i += BLOCK;
                    continue;
                }
            }
            // The part ends in this block: word by word, then byte by byte.
            let block_end = (i + BLOCK).min(bytes.len());
            while i + 8 <= block_end {
                let u = utf16_word(&bytes[i..i + 8]);
                if used + u > cap.multi {
                    break;
                }
                used += u;
                i += 8;
            }
            let stop = (i + 8).min(block_end);
            while i < stop {
                let u = usize::from(utf16_units(bytes[i]));
                if u > 0 && used + u > cap.multi {
                    end = i;
                    break 'fill;
                }
                used += u;
                i += 1;
            }
        }
        if end < text.len()
            && mode == SplitMode::Graphemes
            && let Some(p) = cluster_start_if_fits(text, end, cap.multi)
            && p > start
        {
            used -= utf16_len(&text[p..end]);
            end = p;
        }
        emit(end, used);
        start = end;
    }
}

/// The `segments` parts `split` emits, with their texts.
pub(crate) fn collect_parts(
    text: &str,
    segments: usize,
    split: impl FnOnce(&mut dyn FnMut(usize, usize)),
) -> Vec<Part> {
    let mut parts = Vec::with_capacity(segments);
    let mut start = 0;
    split(&mut |end, units| {
        parts.push(Part { text: text[start..end].to_owned(), units });
        start = end;
    });
    parts
}

/// When `at` is inside a grapheme cluster of at most `cap` units, the cluster's start.
fn cluster_start_if_fits(text: &str, at: usize, cap: usize) -> Option<usize> {
    let prev = text[..at].chars().next_back()?;
    let next = text[at..].chars().next()?;
    if plain(prev) && plain(next) && !(prev == '\r' && next == '\n') {
        return None; // UAX #29 GB999: a boundary between two characters of category Any/Control.
    }
    let mut cursor = GraphemeCursor::new(at, text.len(), true);
    if cursor.is_boundary(text, 0).ok()? {
        return None;
    }
    let start = cursor.prev_boundary(text, 0).ok()??;
    let mut cursor = GraphemeCursor::new(at, text.len(), true);
    let end = cursor.next_boundary(text, 0).ok()?.unwrap_or(text.len());
    (utf16_len(&text[start..end]) <= cap).then_some(start)
}

/// Characters whose grapheme break property is Other ("Any") or Control/CR/LF, and that are
/// neither Extended_Pictographic nor Prepend/Extend/SpacingMark/ZWJ/Regional_Indicator/Hangul:
/// between two of them there is always a boundary (except CR LF). Checked by a test against
/// `unicode-segmentation`.
#[inline]
fn plain(c: char) -> bool {
    matches!(c as u32, 0..=0xA8 | 0xAA..=0xAD | 0xAF..=0x2FF | 0x400..=0x482 | 0x48A..=0x52F | 0x4E00..=0x9FFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_pairs_are_boundaries() {
        let plain_chars: Vec<char> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| plain(c))
            .step_by(7)
            .chain(['\r', '\n', 'a', 'ł', 'Ж', '北', '\u{AD}', '\u{0}'])
            .collect();
        let probes =
            ['\u{301}', '\u{200D}', '\u{FE0F}', '\u{1F1F5}', '😀', '\u{A9}', 'a', '\r', '\n', '\u{1100}'];
        for &a in &plain_chars {
            for &b in probes.iter().chain(plain_chars.iter().step_by(97)) {
                let s = format!("{a}{b}");
                let at = a.len_utf8();
                let mut cursor = GraphemeCursor::new(at, s.len(), true);
                let boundary = cursor.is_boundary(&s, 0).unwrap();
                if plain(a) && plain(b) && !(a == '\r' && b == '\n') {
                    assert!(boundary, "U+{:04X} U+{:04X}", a as u32, b as u32);
                }
            }
        }
    }

    #[test]
    fn capacities_from_spec_tables() {
        use super::super::NationalLanguage::Turkish;
        let none = ShiftTables::default();
        let one = ShiftTables { locking: Some(Turkish), single: None };
        let two = ShiftTables { locking: Some(Turkish), single: Some(Turkish) };
        let c = |t, r| {
            let c = Capacity::gsm7(t, r);
            (c.single, c.multi)
        };
        assert_eq!(c(none, ConcatRef::EightBit), (160, 153));
        assert_eq!(c(none, ConcatRef::SixteenBit), (160, 152));
        assert_eq!(c(one, ConcatRef::EightBit), (155, 149));
        assert_eq!(c(two, ConcatRef::EightBit), (152, 146));
        assert_eq!(c(one, ConcatRef::SixteenBit), (155, 148));
        assert_eq!(c(two, ConcatRef::SixteenBit), (152, 145));
        assert_eq!(Capacity::ucs2(ConcatRef::EightBit), Capacity { single: 70, multi: 67 });
        assert_eq!(Capacity::ucs2(ConcatRef::SixteenBit), Capacity { single: 70, multi: 66 });
    }

    #[test]
    fn utf16_len_matches_std() {
        for s in ["", "abc", "zażółć", "😀👍🏽", "北京", "€\u{10FFFF}\u{7F}\u{80}\u{FFFF}\u{10000}"]
        {
            assert_eq!(utf16_len(s), s.encode_utf16().count(), "{s}");
        }
    }
}
