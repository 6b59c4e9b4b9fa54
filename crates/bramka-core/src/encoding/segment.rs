//! Counting and greedy packing into parts (spec sections 5 to 7).
//!
//! Greedy packing is optimal for the part count (spec section 7, rule 5). Atomicity:
//! - GSM-7: a character (and so an escape pair) is never split. GSM-7's only multi-code-point
//!   cluster is CRLF; splitting it is harmless and both peers allow it, so GSM-7 always packs by
//!   code points.
//! - UCS-2: a character (and so a surrogate pair) is never split. In [`SplitMode::Graphemes`] an
//!   extended grapheme cluster that fits in one part is never split either; a cluster longer than
//!   a part is split by code points. Grapheme boundaries are only computed where a part would end.

use unicode_segmentation::{GraphemeCursor, GraphemeIncomplete, UnicodeSegmentation};

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
        if end < text.len() && mode == SplitMode::Graphemes {
            match cluster_at(text, end, cap.multi) {
                Cluster::Boundary | Cluster::TooLong => {}
                Cluster::StartsAt(p) if p > start => {
                    used -= utf16_len(&text[p..end]);
                    end = p;
                }
                Cluster::StartsAt(_) => {}
                Cluster::Unknown => {
                    // Deciding needs context further back (a long run of regional indicators or
                    // an emoji sequence): the rest by one forward pass over the clusters.
                    return split_ucs2_by_clusters(text, cap, start, emit);
                }
            }
        }
        emit(end, used);
        start = end;
    }
}

/// [`split_ucs2`] in [`SplitMode::Graphemes`] by one forward pass over the grapheme clusters,
/// emitting only the parts that end after `emitted` (where the caller's parts stopped; both ways
/// give the same parts, so the first part emitted here starts at `emitted`). Linear in the text.
fn split_ucs2_by_clusters(text: &str, cap: Capacity, emitted: usize, mut emit: impl FnMut(usize, usize)) {
    let mut used = 0;
    let mut close = |end: usize, used: &mut usize| {
        if end > emitted {
            emit(end, *used);
        }
        *used = 0;
    };
    for (i, cluster) in text.grapheme_indices(true) {
        let u = utf16_len(cluster);
        if u <= cap.multi {
            if used + u > cap.multi {
                close(i, &mut used);
            }
            used += u;
            continue;
        }
        // Longer than a part: split by code points.
        for (j, c) in cluster.char_indices() {
            let u = c.len_utf16();
            if used + u > cap.multi {
                close(i + j, &mut used);
            }
            used += u;
        }
    }
    close(text.len(), &mut used);
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

/// What [`cluster_at`] found at a part end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cluster {
    /// A grapheme cluster boundary: the part may end here.
    Boundary,
    /// Inside a cluster of at most a part's units, which starts here.
    StartsAt(usize),
    /// Inside a cluster longer than a part: it is split by code points.
    TooLong,
    /// Deciding needs more than the window (see [`cluster_at`]).
    Unknown,
}

/// Where `at` stands among grapheme clusters, looking only at `cap + 1` characters either side:
/// a cluster reaching beyond them is longer than `cap` units, so a part end costs `O(cap)`
/// whatever the cluster's length (a cluster of a million combining marks included). `Unknown`
/// when a rule needs context beyond the window (the parity of a long run of regional indicators).
/// Most clusters are short: a window of [`NEAR`] characters is tried first.
fn cluster_at(text: &str, at: usize, cap: usize) -> Cluster {
    let (Some(prev), Some(next)) = (text[..at].chars().next_back(), text[at..].chars().next()) else {
        return Cluster::Boundary;
    };
    if free(next) && (free(prev) || regional_indicator(prev)) && !(prev == '\r' && next == '\n') {
        // UAX #29 GB999: no rule keeps a character of break property Other, Control, CR or LF
        // (not Prepend, Extend, SpacingMark, ZWJ, Hangul) with one before it of the same kind
        // (but CR LF) or a regional indicator.
        return Cluster::Boundary;
    }
    if regional_indicator(prev)
        && regional_indicator(next)
        && let Some(found) = inside_flags(text, at, cap)
    {
        return found;
    }
    if emoji_part(prev)
        && emoji_part(next)
        && let Some(found) = inside_emoji(text, at, cap)
    {
        return found;
    }
    if NEAR < cap + 1
        && let Some(found) = cluster_in_window(text, at, cap, NEAR)
    {
        return found;
    }
    cluster_in_window(text, at, cap, cap + 1).unwrap_or(Cluster::Unknown)
}

/// Emoji that are Extended_Pictographic (a subset, checked by a test).
#[inline]
fn pictograph(c: char) -> bool {
    matches!(
        c as u32,
        0x2640
            | 0x2642
            | 0x2695..=0x2696
            | 0x2708
            | 0x2764
            | 0x1F300..=0x1F321
            | 0x1F324..=0x1F393
            | 0x1F39E..=0x1F3F0
            | 0x1F3F3..=0x1F3F5
            | 0x1F3F7..=0x1F3FA
            | 0x1F400..=0x1F4FD
            | 0x1F4FF..=0x1F53D
            | 0x1F5FA..=0x1F64F
            | 0x1F680..=0x1F6C5
            | 0x1F90C..=0x1F93A
            | 0x1F93C..=0x1F945
            | 0x1F947..=0x1F9FF
            | 0x1FA6E..=0x1FAFF
    )
}

/// Characters known not to be Extended_Pictographic (checked by a test): Latin, Greek,
/// Cyrillic, Arabic, Devanagari, CJK, and ZWJ and the regional indicators.
#[inline]
fn not_pictograph(c: char) -> bool {
    matches!(
        c as u32,
        0..=0xA8
            | 0xAA..=0xAD
            | 0xAF..=0x2FF
            | 0x370..=0x52F
            | 0x600..=0x6FF
            | 0x900..=0x97F
            | 0x200D
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0x1F1E6..=0x1F1FF
    )
}

/// What follows an emoji inside its cluster, break property Extend: variation selectors, the
/// keycap, skin tones, tags (checked by a test).
#[inline]
fn emoji_extend(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F)
}

/// A part of an emoji sequence: a [`pictograph`], an [`emoji_extend`] or ZWJ.
#[inline]
fn emoji_part(c: char) -> bool {
    pictograph(c) || emoji_extend(c) || c == '\u{200D}'
}

/// [`cluster_at`] between two parts of emoji sequences (UAX #29 GB9: nothing breaks before
/// Extend or ZWJ; GB11: a pictograph, Extend*, ZWJ, then a pictograph stay together): back to the
/// pictograph that starts the cluster, then forward to its end, within `cap` characters. `None`
/// when something else takes part (another base, a mark, a regional indicator) or it is longer.
fn inside_emoji(text: &str, at: usize, cap: usize) -> Option<Cluster> {
    const ZWJ: char = '\u{200D}';
    // Whether a ZWJ ending at byte `end` joins a pictograph after it (GB11: a pictograph, then
    // only Extend, before it); `None` when the character that decides is not known or is more
    // than `cap + 1` characters back (the walk stays within a window, so time stays linear).
    let joins = |end: usize| {
        let mut before = text[..end - ZWJ.len_utf8()].chars().rev();
        for _ in 0..=cap + 1 {
            match before.next() {
                None => return Some(false),
                Some(c) if emoji_extend(c) => {}
                Some(c) if pictograph(c) => return Some(true),
                Some(c) if not_pictograph(c) => return Some(false),
                Some(_) => return None,
            }
        }
        None
    };
    // Back to the start: the nearest pictograph not joined to what precedes it.
    let mut start = None;
    for (n, (i, c)) in text[..at].char_indices().rev().enumerate() {
        if n > cap {
            return None;
        }
        if emoji_extend(c) || c == ZWJ {
            continue;
        }
        if !pictograph(c) {
            return None;
        }
        if text[..i].ends_with(ZWJ) && joins(i)? {
            continue;
        }
        start = Some(i);
        break;
    }
    let start = start?;
    // A boundary before it: at the start of the text, after a ZWJ that does not join it, or after
    // a character that keeps nothing with a following pictograph (not Prepend).
    match text[..start].chars().next_back() {
        None => {}
        Some(p) if free(p) || regional_indicator(p) || emoji_extend(p) || p == ZWJ => {}
        Some(_) => return None,
    }
    // Forward to the end.
    let mut end = start;
    for (n, c) in text[start..].chars().enumerate() {
        if n > cap + 1 {
            return None;
        }
        let after_zwj = n > 0 && text[..end].ends_with(ZWJ);
        let joined = n == 0 || emoji_extend(c) || c == ZWJ || (after_zwj && pictograph(c) && joins(end)?);
        if !joined {
            if (after_zwj && !pictograph(c) && !not_pictograph(c)) || !(free(c) || regional_indicator(c)) {
                return None;
            }
            break;
        }
        end += c.len_utf8();
    }
    Some(if end <= at || start == at {
        Cluster::Boundary
    } else if utf16_len(&text[start..end]) <= cap {
        Cluster::StartsAt(start)
    } else {
        Cluster::TooLong
    })
}

/// A regional indicator (U+1F1E6..=U+1F1FF): two make a flag.
#[inline]
fn regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

/// [`cluster_at`] between two regional indicators (UAX #29 GB12, GB13: they pair from the start
/// of their run), when the run starts within `cap` characters after a [`free`] character or at
/// the start of the text, and the indicator after `at` is followed by a [`free`] character, a
/// regional indicator or the end: a boundary after an even number of them, else inside a flag
/// of 4 units that starts 4 bytes before `at`. `None` when that is not so.
fn inside_flags(text: &str, at: usize, cap: usize) -> Option<Cluster> {
    let mut before = 0;
    let mut chars = text[..at].chars().rev();
    loop {
        match chars.next() {
            Some(c) if regional_indicator(c) => before += 1,
            Some(c) if free(c) => break,
            None => break,
            Some(_) => return None,
        }
        if before > cap {
            return None;
        }
    }
    if before % 2 == 0 {
        return Some(Cluster::Boundary);
    }
    match text[at + 4..].chars().next() {
        Some(c) if !free(c) && !regional_indicator(c) => None,
        _ if cap >= 4 => Some(Cluster::StartsAt(at - 4)),
        _ => Some(Cluster::TooLong),
    }
}

/// Characters either side of a part end looked at first by [`cluster_at`].
const NEAR: usize = 12;

/// [`cluster_at`] with a window of `chars` characters either side of `at`; `None` when the window
/// is too small to decide.
fn cluster_in_window(text: &str, at: usize, cap: usize, chars: usize) -> Option<Cluster> {
    let full = chars > cap; // a cluster reaching beyond `cap + 1` characters is too long
    let lo = text[..at].char_indices().rev().nth(chars - 1).map_or(0, |(i, _)| i);
    let hi = text[at..].char_indices().nth(chars).map_or(text.len(), |(i, _)| at + i);
    let window = &text[lo..hi];
    let mut cursor = GraphemeCursor::new(at, text.len(), true);
    if cursor.is_boundary(window, lo).ok()? {
        return Some(Cluster::Boundary);
    }
    let start = match cursor.prev_boundary(window, lo) {
        Ok(start) => start.unwrap_or(0),
        Err(GraphemeIncomplete::PrevChunk) if full => return Some(Cluster::TooLong),
        Err(_) => return None,
    };
    let mut cursor = GraphemeCursor::new(at, text.len(), true);
    let end = match cursor.next_boundary(window, lo) {
        Ok(end) => end.unwrap_or(text.len()),
        Err(GraphemeIncomplete::NextChunk) if full => return Some(Cluster::TooLong),
        Err(_) => return None,
    };
    Some(if utf16_len(&text[start..end]) <= cap { Cluster::StartsAt(start) } else { Cluster::TooLong })
}

/// Characters whose grapheme break property is Other ("Any"), Control, CR or LF: not Prepend,
/// Extend, SpacingMark, ZWJ, Regional_Indicator or Hangul. Between two of them there is always a
/// boundary (except CR LF), Extended_Pictographic ones included (UAX #29 GB11 needs a ZWJ before
/// the second). Checked for every one of them by a test against `unicode-segmentation`.
#[inline]
fn free(c: char) -> bool {
    matches!(
        c as u32,
        0..=0x2FF
            | 0x370..=0x482
            | 0x48A..=0x52F
            | 0x620..=0x64A
            | 0x671..=0x6D3
            | 0x904..=0x939
            | 0x2010..=0x2027
            | 0x2030..=0x205E
            | 0x20A0..=0x20C0
            | 0x2100..=0x2BFF
            | 0x3041..=0x3096
            | 0x30A1..=0x30FA
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0x1F000..=0x1F1E5
            | 0x1F200..=0x1F3FA
            | 0x1F400..=0x1FAFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every [`free`] character: a boundary after it before any other free character, a
    /// regional indicator, an emoji, a Hangul jamo of each kind or a consonant, and before it
    /// after each of those (but CR LF); no boundary before it after `a` + ZWJ only when it is an
    /// emoji (GB11), which [`cluster_at`] never asks about (ZWJ is not free).
    #[test]
    fn free_characters_are_boundaries() {
        let is_boundary =
            |s: &str, at: usize| GraphemeCursor::new(at, s.len(), true).is_boundary(s, 0).unwrap();
        let probes = [
            'a',
            '\u{1161}',
            '\u{11A8}',
            '\u{1100}',
            '\u{AC00}',
            '\u{1F1F5}',
            '😀',
            'क',
            '\n',
            '\r',
            '\u{0}',
        ];
        let mut n = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|&c| free(c)) {
            for &p in &probes {
                if !(c == '\r' && p == '\n') {
                    assert!(
                        is_boundary(&format!("{c}{p}"), c.len_utf8()),
                        "U+{:04X} then U+{:04X}",
                        c as u32,
                        p as u32
                    );
                }
                if !(p == '\r' && c == '\n') {
                    assert!(
                        is_boundary(&format!("{p}{c}"), p.len_utf8()),
                        "U+{:04X} then U+{:04X}",
                        p as u32,
                        c as u32
                    );
                }
            }
            // Before it after a regional indicator, a flag and a lone indicator.
            assert!(is_boundary(&format!("\u{1F1F5}\u{1F1F1}{c}"), 8), "flag then U+{:04X}", c as u32);
            n += 1;
        }
        assert!(n > 30_000, "{n}");
    }

    /// The emoji classes against `unicode-segmentation`: every pictograph joins a ZWJ after a
    /// pictograph (GB11, so it is Extended_Pictographic), no character of `not_pictograph` does,
    /// every emoji Extend stays with what is before it.
    #[test]
    fn emoji_classes_match_cursor() {
        let is_boundary =
            |s: &str, at: usize| GraphemeCursor::new(at, s.len(), true).is_boundary(s, 0).unwrap();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let joins = !is_boundary(&format!("😀\u{200D}{c}"), 7);
            if pictograph(c) {
                assert!(free(c) && joins, "U+{:04X}", c as u32);
            }
            if not_pictograph(c) && is_boundary(&format!("a{c}"), 1) {
                // (Extend, SpacingMark and ZWJ stay after anything: GB9, GB9a.)
                assert!(!joins, "U+{:04X}", c as u32);
            }
            if emoji_extend(c) {
                assert!(!is_boundary(&format!("a{c}"), 1), "U+{:04X}", c as u32);
                assert!(
                    !is_boundary(&format!("😀{c}\u{200D}😀"), 4 + c.len_utf8() + 3),
                    "U+{:04X}",
                    c as u32
                );
            }
        }
    }

    /// What the clusters of the whole text say about `at` (the ground truth).
    fn truth(text: &str, at: usize, cap: usize) -> Cluster {
        for (i, g) in text.grapheme_indices(true) {
            if i == at {
                return Cluster::Boundary;
            }
            if i < at && at < i + g.len() {
                return if utf16_len(g) <= cap { Cluster::StartsAt(i) } else { Cluster::TooLong };
            }
        }
        Cluster::Boundary
    }

    /// Inside emoji sequences the walk back and forth decides as the clusters of the whole text.
    #[test]
    fn inside_emoji_matches_clusters() {
        const PIECES: &[&str] = &[
            "😀",
            "👨",
            "👩",
            "👧",
            "\u{200D}",
            "\u{FE0F}",
            "\u{1F3FD}",
            "🏴",
            "\u{E0067}",
            "\u{E007F}",
            "1",
            "\u{20E3}",
            " ",
            "a",
            "\u{1F1F5}",
            "\u{301}",
            "♂",
            "\u{200D}\u{200D}",
            "\u{1F3F1}",
            "\u{1F54A}",
            "\u{1F322}",
            "❤",
            "\u{2600}",
            "北",
            "ب",
        ];
        let mut rng = fastrand::Rng::with_seed(5);
        let mut decided = 0;
        for _ in 0..20_000 {
            let text: String = (0..rng.usize(1..14)).map(|_| PIECES[rng.usize(..PIECES.len())]).collect();
            for cap in [3, 8, 67] {
                for (at, _) in text.char_indices().skip(1) {
                    let (prev, next) =
                        (text[..at].chars().next_back().unwrap(), text[at..].chars().next().unwrap());
                    if emoji_part(prev)
                        && emoji_part(next)
                        && let Some(found) = inside_emoji(&text, at, cap)
                    {
                        assert_eq!(found, truth(&text, at, cap), "{text:?} {at} {cap}");
                        decided += 1;
                    }
                    let found = cluster_at(&text, at, cap);
                    if found != Cluster::Unknown {
                        assert_eq!(found, truth(&text, at, cap), "cluster_at {text:?} {at} {cap}");
                    }
                }
            }
        }
        assert!(decided > 10_000, "{decided}");
    }

    /// Between regional indicators the pairing is counted from the run's start.
    #[test]
    fn inside_flags_matches_cursor() {
        let cap = 67;
        for prefix in ["", "a", "a ", "😀", "\u{1F1F5}\u{1F1F1} "] {
            for run in 2..40 {
                for suffix in ["", "a", "\u{301}", "\u{200D}😀", "\u{1F1F5}"] {
                    let text = format!("{prefix}{}{suffix}", "\u{1F1F5}".repeat(run));
                    for k in 1..run {
                        let at = prefix.len() + 4 * k;
                        let window = cluster_in_window(&text, at, cap, cap + 1);
                        assert_eq!(Some(cluster_at(&text, at, cap)), window, "{text:?} {at}");
                    }
                }
            }
        }
    }

    /// The windowed check decides a part end inside a cluster of any length by looking at most a
    /// part's characters either side, and says `Unknown` only when the rules need more context.
    #[test]
    fn cluster_at_looks_only_at_a_window() {
        let cap = 67;
        // One cluster of a million combining marks: too long, decided from the window.
        let long = format!("x{}", "\u{301}".repeat(1_000_000));
        let at = 1 + 2 * 500_000;
        assert_eq!(cluster_at(&long, at, cap), Cluster::TooLong);
        // A cluster of exactly `cap` units is kept whole; one more unit and it is split.
        let fits = format!("ab{}cd", format_args!("x{}", "\u{301}".repeat(cap - 1)));
        assert_eq!(cluster_at(&fits, 2 + 1 + 2 * 30, cap), Cluster::StartsAt(2));
        let over = format!("ab{}cd", format_args!("x{}", "\u{301}".repeat(cap)));
        assert_eq!(cluster_at(&over, 2 + 1 + 2 * 30, cap), Cluster::TooLong);
        // Inside a flag after a short run of regional indicators: decided in the window.
        let flags = format!("a{}", "🇵🇱".repeat(5));
        assert_eq!(cluster_at(&flags, 1 + 4 * 3, cap), Cluster::StartsAt(1 + 4 * 2));
        assert_eq!(cluster_at(&flags, 1 + 4 * 2, cap), Cluster::Boundary);
        // Deep in a long run, the pairing depends on the run's start, outside the window.
        let run = format!("a{}", "\u{1F1F5}".repeat(501));
        assert_eq!(cluster_at(&run, 1 + 4 * 301, cap), Cluster::Unknown);
        assert_eq!(cluster_at("ab", 1, cap), Cluster::Boundary);
    }

    /// A long run of regional indicators makes the split fall back to one forward pass over the
    /// clusters mid-way; the parts are the pairs packed greedily (66 units, 16 flags each).
    #[test]
    fn long_regional_indicator_run_splits_by_pairs() {
        let text = format!("a{}", "\u{1F1F5}".repeat(601));
        let cap = Capacity::ucs2(ConcatRef::EightBit);
        let mut parts = Vec::new();
        split_ucs2(&text, utf16_len(&text), SplitMode::Graphemes, cap, |end, units| parts.push((end, units)));
        // "a" + 16 flags (65 units), then 16 flags (64) per part, a lone indicator at the end.
        assert_eq!(parts[0], (1 + 16 * 8, 65));
        assert!(parts[1..parts.len() - 1].windows(2).all(|w| w[1].0 - w[0].0 == 16 * 8 && w[1].1 == 64));
        assert_eq!(parts.last().unwrap().0, text.len());
        assert_eq!(parts.iter().map(|p| p.1).sum::<usize>(), 1 + 601 * 2);
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
