//! Text from operators made safe for a terminal: control characters (which can move the cursor,
//! rewrite the title or clear the screen) and bidirectional overrides (which can make text read
//! differently from what it is) are printed as `\u{…}` escapes. JSON output is escaped by
//! serde_json instead.

use std::borrow::Cow;

/// Whether `c` is printed escaped: C0 and C1 controls, DEL, the Unicode bidi controls and the
/// line and paragraph separators.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// One line: every unsafe character escaped, line breaks included.
pub(crate) fn line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Several lines: like [`line`], but `\n` is kept.
pub(crate) fn lines(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let needs = |c: char| unsafe_char(c) && !(keep_newlines && c == '\n');
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if needs(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped_and_the_rest_kept() {
        assert_eq!(line("Zażółć gęślą jaźń 😀"), "Zażółć gęślą jaźń 😀");
        assert!(matches!(line("plain"), Cow::Borrowed(_)));
        assert_eq!(line("a\x1b[2Jb\x07"), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(line("x\u{202E}gpj.exe\u{2066}"), "x\\u{202e}gpj.exe\\u{2066}");
        assert_eq!(line("a\r\nb\u{85}c\u{9b}d"), "a\\u{d}\\u{a}b\\u{85}c\\u{9b}d");
        assert_eq!(lines("a\nb\rc"), "a\nb\\u{d}c");
    }
}
