//! Transliteration: replacing characters GSM-7 lacks with GSM-7 (or ASCII) look-alikes.
//!
//! Order per character (spec sections 10 and 11, `dependencies.md` section 3):
//! 1. characters the target can carry are kept (`é ü ñ Ä Ø ß`, Greek capitals, `€ { }` ...);
//! 2. emoji and their joiners/selectors are kept (they are not turned into words; the message
//!    stays UCS-2);
//! 3. the explicit override table below ([`override_for`]): smart replacement of typographic
//!    look-alikes, the spec's suggested additions and the diacritic special cases;
//! 4. combining marks are removed (Twilio's list maps some to `~ ^ '`, which corrupts decomposed
//!    letters: "Man\u{303}ana" would become "Man~ana");
//! 5. Latin letters (U+00C0–U+024F, U+1E00–U+1EFF): canonical decomposition without the marks,
//!    then `deunicode`, accepted only when the result is ASCII letters;
//! 6. in ASCII mode only, any other character through `deunicode` (Cyrillic, Greek, CJK, `€` ...).
//!
//! Anything else is left as it is. The caller applies the result only if the *whole* text then
//! fits the target (spec section 10 recommendation); otherwise the original is sent as UCS-2.

use std::borrow::Cow;

use serde::Serialize;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use super::shift::{NationalLanguage, ShiftTables};
use super::{EmojiText, Transliteration, gsm7};

/// One kind of replacement made by transliteration: every `from` became `to`, `count` times.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Replacement {
    /// The character that was replaced.
    pub from: char,
    /// What replaced it (may be empty: the character was removed, or longer: `…` -> `...`,
    /// `😀` -> `:grinning:`).
    pub to: Cow<'static, str>,
    /// How many times.
    pub count: usize,
}

/// All printable ASCII plus controls, so single-letter replacements can be `&'static str`.
const ASCII: &str = "\0\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{e}\u{f}\
\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1a}\u{1b}\u{1c}\u{1d}\u{1e}\u{1f} !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u{7f}";

fn ascii_str(b: u8) -> &'static str {
    let i = usize::from(b & 0x7F);
    &ASCII[i..i + 1]
}

/// Whether the target of `mode` carries `c` as it is.
fn keeps(c: char, mode: Transliteration, language: Option<NationalLanguage>) -> bool {
    match mode {
        Transliteration::Ascii => c.is_ascii() && gsm7::cost(c) != 0,
        Transliteration::NoDiacritics => c.is_ascii(),
        _ => {
            gsm7::cost(c) != 0 || language.is_some_and(|l| ShiftTables::candidates(l).any(|t| t.cost(c) != 0))
        }
    }
}

/// Emoji, their modifiers and joiners: kept, never spelled out as words.
fn is_emoji_like(c: char) -> bool {
    matches!(c as u32,
        0x200D | 0x20E3 | 0x2190..=0x21FF | 0x2300..=0x23FF | 0x2460..=0x24FF | 0x25A0..=0x27BF
        | 0x2900..=0x297F | 0x2B00..=0x2BFF | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0xFE00..=0xFE0F
        | 0x1F000..=0x1FAFF | 0xE0000..=0xE007F)
}

/// The explicit override table. Sources: spec section 10 (Twilio's Smart Encoding list, 271
/// entries, minus the 15 combining marks; every space-like character and TAB become ONE space as
/// the spec recommends, not Twilio's two/seven), the spec's "suggested additions", and the
/// special cases of section 11 (`ç` -> `c` as section 11 decides; `Ç` itself is GSM-7 and kept).
pub(crate) fn override_for(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{0000}' | '\u{0003}' | '\u{0004}' | '\u{0010}' | '\u{0011}' | '\u{0012}' | '\u{0013}'
        | '\u{0014}' | '\u{0017}' | '\u{0019}' | '\u{200B}' | '\u{200C}' | '\u{2060}' | '\u{FEFF}' => "",
        '\u{0009}' | '\u{0080}' | '\u{008D}' | '\u{0090}' | '\u{009B}' | '\u{009F}' | '\u{00A0}'
        | '\u{2000}' | '\u{2001}' | '\u{2002}' | '\u{2003}' | '\u{2004}' | '\u{2005}' | '\u{2006}'
        | '\u{2007}' | '\u{2008}' | '\u{2009}' | '\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}'
        | '\u{205F}' | '\u{3000}' => " ",
        '\u{0060}' | '\u{00B4}' | '\u{02B9}' | '\u{02BB}' | '\u{02BC}' | '\u{02BD}' | '\u{02C8}'
        | '\u{02CA}' | '\u{02CB}' | '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{275B}' | '\u{275C}'
        | '\u{FE10}' | '\u{FE11}' | '\u{FF07}' => "'",
        '\u{00AB}' | '\u{00BB}' | '\u{02BA}' | '\u{02EE}' | '\u{201C}' | '\u{201D}' | '\u{201E}'
        | '\u{201F}' | '\u{275D}' | '\u{275E}' | '\u{301D}' | '\u{301E}' | '\u{FF02}' => "\"",
        '\u{00BC}' => "1/4",
        '\u{00BD}' => "1/2",
        '\u{00BE}' => "3/4",
        '\u{00F7}' | '\u{2044}' | '\u{2215}' | '\u{29F8}' | '\u{FF0F}' => "/",
        '\u{01C3}' | '\u{FE15}' | '\u{FE57}' | '\u{FF01}' => "!",
        '\u{0262}' | '\u{FF27}' => "G",
        '\u{026A}' | '\u{FF29}' => "I",
        '\u{0274}' | '\u{FF2E}' => "N",
        '\u{0280}' | '\u{FF32}' => "R",
        '\u{028F}' | '\u{FF39}' => "Y",
        '\u{0299}' | '\u{FF22}' => "B",
        '\u{029C}' | '\u{FF28}' => "H",
        '\u{029F}' | '\u{FF2C}' => "L",
        '\u{02C6}' | '\u{FF3E}' => "^",
        '\u{02D0}' | '\u{02F8}' | '\u{2982}' | '\u{A789}' | '\u{FE13}' | '\u{FF1A}' => ":",
        '\u{02D6}' | '\u{FE62}' | '\u{FF0B}' => "+",
        '\u{02DC}' | '\u{02F7}' | '\u{223C}' | '\u{FF5E}' => "~",
        '\u{1D00}' | '\u{FF21}' => "A",
        '\u{1D04}' | '\u{FF23}' => "C",
        '\u{1D05}' | '\u{FF24}' => "D",
        '\u{1D07}' | '\u{FF25}' => "E",
        '\u{1D0A}' | '\u{FF2A}' => "J",
        '\u{1D0B}' | '\u{FF2B}' => "K",
        '\u{1D0D}' | '\u{FF2D}' => "M",
        '\u{1D0F}' | '\u{FF2F}' => "O",
        '\u{1D18}' | '\u{FF30}' => "P",
        '\u{1D1B}' | '\u{FF34}' => "T",
        '\u{1D1C}' | '\u{FF35}' => "U",
        '\u{1D20}' | '\u{FF36}' => "V",
        '\u{1D21}' | '\u{FF37}' => "W",
        '\u{1D22}' | '\u{FF3A}' => "Z",
        '\u{2010}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2022}' | '\u{2043}' | '\u{23BC}'
        | '\u{23BD}' | '\u{FE63}' | '\u{FF0D}' => "-",
        '\u{2017}' | '\u{FF3F}' => "_",
        '\u{201A}' | '\u{3001}' | '\u{FE50}' | '\u{FE51}' | '\u{FF0C}' | '\u{FF64}' => ",",
        '\u{2026}' => "...",
        '\u{2039}' | '\u{FE64}' | '\u{FF1C}' => "<",
        '\u{203A}' | '\u{FE65}' | '\u{FF1E}' => ">",
        '\u{203C}' => "!!",
        '\u{204E}' | '\u{2217}' | '\u{229B}' | '\u{2722}' | '\u{2723}' | '\u{2724}' | '\u{2725}'
        | '\u{2731}' | '\u{2732}' | '\u{2733}' | '\u{273A}' | '\u{273B}' | '\u{273C}' | '\u{273D}'
        | '\u{2743}' | '\u{2749}' | '\u{274A}' | '\u{274B}' | '\u{29C6}' | '\u{FE61}' | '\u{FF0A}' => "*",
        '\u{204F}' | '\u{FE14}' | '\u{FE54}' | '\u{FF1B}' => ";",
        '\u{2223}' | '\u{239C}' | '\u{239F}' | '\u{23B8}' | '\u{23B9}' | '\u{23D0}' | '\u{FF5C}' => "|",
        '\u{2768}' | '\u{276A}' | '\u{27EE}' | '\u{2985}' | '\u{FE59}' | '\u{FF08}' => "(",
        '\u{2769}' | '\u{276B}' | '\u{27EF}' | '\u{2986}' | '\u{FE5A}' | '\u{FF09}' => ")",
        '\u{2774}' | '\u{FE5B}' | '\u{FF5B}' => "{",
        '\u{2775}' | '\u{FE5C}' | '\u{FF5D}' => "}",
        '\u{29F5}' | '\u{29F9}' | '\u{FE68}' | '\u{FF3C}' => "\\",
        '\u{3002}' | '\u{FE52}' | '\u{FF0E}' | '\u{FF61}' => ".",
        '\u{A730}' | '\u{FF26}' => "F",
        '\u{A731}' | '\u{FF33}' => "S",
        '\u{A78A}' | '\u{FE66}' | '\u{FF1D}' => "=",
        '\u{FE16}' | '\u{FE56}' | '\u{FF1F}' => "?",
        '\u{FE5F}' | '\u{FF03}' => "#",
        '\u{FE60}' | '\u{FF06}' => "&",
        '\u{FE69}' | '\u{FF04}' => "$",
        '\u{FE6A}' | '\u{FF05}' => "%",
        '\u{FE6B}' | '\u{FF20}' => "@",
        '\u{FF10}' => "0",
        '\u{FF11}' => "1",
        '\u{FF12}' => "2",
        '\u{FF13}' => "3",
        '\u{FF14}' => "4",
        '\u{FF15}' => "5",
        '\u{FF16}' => "6",
        '\u{FF17}' => "7",
        '\u{FF18}' => "8",
        '\u{FF19}' => "9",
        '\u{FF31}' => "Q",
        '\u{FF38}' => "X",
        '\u{FF3B}' => "[",
        '\u{FF3D}' => "]",
        // Suggested additions (spec section 10).
        '\u{2011}' | '\u{2012}' | '\u{2212}' | '\u{2219}' => "-",
        '\u{00AD}' => "",
        '\u{2032}' | '\u{2035}' => "'",
        '\u{2033}' => "\"",
        '\u{2024}' => ".",
        '\u{2025}' => "..",
        '\u{00D7}' => "x",
        '\u{2122}' => "TM",
        '\u{00A9}' => "(c)",
        '\u{00AE}' => "(R)",
        '\u{0085}' => "\n",
        // Diacritic special cases (spec section 11), not derivable from decomposition.
        'Ł' => "L",
        'ł' => "l",
        'Đ' | 'Ð' => "D",
        'đ' | 'ð' => "d",
        'Þ' => "Th",
        'þ' => "th",
        'Œ' => "OE",
        'œ' => "oe",
        'Ĳ' => "IJ",
        'ĳ' => "ij",
        'ẞ' => "SS",
        'Ħ' => "H",
        'ħ' => "h",
        'ı' => "i",
        'İ' => "I",
        'Ŀ' => "L",
        'ŀ' => "l",
        'ŉ' => "'n",
        'Ŋ' => "N",
        'ŋ' => "n",
        'ſ' => "s",
        'Ŧ' => "T",
        'ŧ' => "t",
        'ĸ' => "k",
        'ƒ' => "f",
        'Ə' => "E",
        'ə' => "e",
        'ç' => "c",
        _ => return None,
    })
}

/// Base letter of a Latin letter with diacritics (`ą` -> `a`), if it is one ASCII letter.
fn strip_latin(c: char) -> Option<&'static str> {
    if !matches!(c as u32, 0xC0..=0x24F | 0x1E00..=0x1EFF) {
        return None;
    }
    let mut base = None;
    let mut bad = false;
    decompose_canonical(c, |d| {
        if d.is_ascii_alphabetic() && base.is_none() {
            base = Some(d as u8);
        } else if !is_combining_mark(d) {
            bad = true;
        }
    });
    match base {
        Some(b) if !bad => Some(ascii_str(b)),
        _ => deunicode::deunicode_char(c)
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic())),
    }
}

/// The replacement for a character the target cannot carry, if any.
fn replacement(c: char, mode: Transliteration) -> Option<&'static str> {
    if is_emoji_like(c) {
        return None;
    }
    if let Some(r) = override_for(c) {
        return Some(r);
    }
    if is_combining_mark(c) {
        return Some("");
    }
    if c.is_control() {
        return Some(if c == '\t' { " " } else { "" });
    }
    if let Some(r) = strip_latin(c) {
        return Some(r);
    }
    match mode {
        Transliteration::Ascii => {
            deunicode::deunicode_char(c).filter(|s| s.chars().all(|d| keeps(d, Transliteration::Ascii, None)))
        }
        _ => None,
    }
}

/// What [`Transliteration::NoDiacritics`] puts for `c` (not ASCII); `None` keeps it.
fn fold(c: char, emoji: EmojiText) -> Option<Cow<'static, str>> {
    if is_emoji_like(c) {
        return Some(match emoji {
            EmojiText::Remove => Cow::Borrowed(""),
            EmojiText::Name => emoji_name(c),
        });
    }
    if let Some(r) = override_for(c) {
        return Some(Cow::Borrowed(r));
    }
    if is_combining_mark(c) {
        return Some(Cow::Borrowed(""));
    }
    if c.is_control() {
        return Some(Cow::Borrowed(if c == '\t' { " " } else { "" }));
    }
    strip_latin(c).map(Cow::Borrowed)
}

/// `:name:` of an emoji from `deunicode` (`😀` -> `:grinning:`); a regional indicator's letter;
/// nothing for joiners, modifiers, selectors, tags and symbols without a name.
fn emoji_name(c: char) -> Cow<'static, str> {
    if ('\u{1F1E6}'..='\u{1F1FF}').contains(&c) {
        return Cow::Borrowed(deunicode::deunicode_char(c).unwrap_or(""));
    }
    match deunicode::deunicode_char(c).map(str::trim) {
        Some(name) if !name.is_empty() && name.is_ascii() => {
            Cow::Owned(format!(":{}:", name.replace(' ', "_")))
        }
        _ => Cow::Borrowed(""),
    }
}

/// Transliterates `text` for `mode`. `None` when nothing had to change.
pub(crate) fn transliterate(
    text: &str,
    mode: Transliteration,
    language: Option<NationalLanguage>,
    emoji: EmojiText,
) -> Option<(String, Vec<Replacement>)> {
    if mode == Transliteration::Keep {
        return None;
    }
    let first = text.char_indices().find(|&(_, c)| !keeps(c, mode, language))?.0;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut replaced: Vec<Replacement> = Vec::new();
    for c in text[first..].chars() {
        if keeps(c, mode, language) {
            out.push(c);
            continue;
        }
        let to = match mode {
            Transliteration::NoDiacritics => fold(c, emoji),
            _ => replacement(c, mode).map(Cow::Borrowed),
        };
        match to {
            Some(to) => {
                out.push_str(&to);
                match replaced.iter_mut().find(|r| r.from == c) {
                    Some(r) => r.count += 1,
                    None => replaced.push(Replacement { from: c, to, count: 1 }),
                }
            }
            None => out.push(c),
        }
    }
    Some((out, replaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_table_is_aligned() {
        assert_eq!(ASCII.len(), 128);
        for b in 0..128u8 {
            assert_eq!(ascii_str(b).as_bytes(), [b]);
        }
    }

    #[test]
    fn overrides_produce_gsm7() {
        for u in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            if let Some(r) = override_for(c) {
                assert!(r.chars().all(gsm7::is_gsm7), "U+{u:04X} -> {r:?}");
                assert!(!gsm7::is_gsm7(c), "U+{u:04X} is GSM-7 but overridden");
            }
        }
    }
}
