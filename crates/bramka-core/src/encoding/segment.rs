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

/// Part texts for GSM-7 text of `total` septets under `tables`.
pub(crate) fn pack_gsm7(text: &str, total: usize, tables: ShiftTables, cap: Capacity) -> Vec<Part> {
    if total <= cap.single {
        return vec![Part { text: text.to_owned(), units: total }];
    }
    let mut parts = Vec::with_capacity(total / cap.multi + 2);
    if total == text.len() {
        // Every character is one byte and one septet (ASCII, no extension characters).
        let bytes = text.as_bytes();
        for chunk in bytes.chunks(cap.multi) {
            let s = std::str::from_utf8(chunk).unwrap_or_default();
            parts.push(Part { text: s.to_owned(), units: chunk.len() });
        }
        return parts;
    }
    let mut start = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let cost = usize::from(tables.cost(c));
        if used + cost > cap.multi {
            parts.push(Part { text: text[start..i].to_owned(), units: used });
            start = i;
            used = 0;
        }
        used += cost;
    }
    parts.push(Part { text: text[start..].to_owned(), units: used });
    parts
}

/// Number of GSM-7 parts only (used to choose shift tables).
pub(crate) fn count_gsm7(text: &str, total: usize, tables: ShiftTables, cap: Capacity) -> usize {
    if total <= cap.single {
        return 1;
    }
    let mut parts = 1;
    let mut used = 0;
    for c in text.chars() {
        let cost = usize::from(tables.cost(c));
        if used + cost > cap.multi {
            parts += 1;
            used = 0;
        }
        used += cost;
    }
    parts
}

/// UTF-16 length of `s`, from the UTF-8 bytes: one unit per character, two for 4-byte ones.
#[inline]
pub(crate) fn utf16_len(s: &str) -> usize {
    s.bytes().map(|b| usize::from((b as i8) >= -64) + usize::from(b >= 0xF0)).sum()
}

/// Part texts for UCS-2 text of `total` UTF-16 units.
pub(crate) fn pack_ucs2(text: &str, total: usize, mode: SplitMode, cap: Capacity) -> Vec<Part> {
    if total <= cap.single {
        return vec![Part { text: text.to_owned(), units: total }];
    }
    let mut parts = Vec::with_capacity(total / cap.multi + 2);
    let mut start = 0;
    while start < text.len() {
        let mut used = 0;
        let mut end = text.len();
        for (i, c) in text[start..].char_indices() {
            let u = c.len_utf16();
            if used + u > cap.multi {
                end = start + i;
                break;
            }
            used += u;
        }
        if end < text.len() && mode == SplitMode::Graphemes {
            if let Some(p) = cluster_start_if_fits(text, end, cap.multi) {
                if p > start {
                    used -= utf16_len(&text[p..end]);
                    end = p;
                }
            }
        }
        parts.push(Part { text: text[start..end].to_owned(), units: used });
        start = end;
    }
    parts
}

/// When `at` is inside a grapheme cluster of at most `cap` units, the cluster's start.
fn cluster_start_if_fits(text: &str, at: usize, cap: usize) -> Option<usize> {
    let mut cursor = GraphemeCursor::new(at, text.len(), true);
    if cursor.is_boundary(text, 0).ok()? {
        return None;
    }
    let start = cursor.prev_boundary(text, 0).ok()??;
    let mut cursor = GraphemeCursor::new(at, text.len(), true);
    let end = cursor.next_boundary(text, 0).ok()?.unwrap_or(text.len());
    (utf16_len(&text[start..end]) <= cap).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

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
