//! SMSAPI's own short links (`idz.do`): each `http(s)://` link of the text becomes SMSAPI's
//! short-link macro before sending, and the text is counted as the recipient gets it.

use crate::assumptions::{SHORT_LINK_PLACEHOLDER, short_link_macro};

/// Characters trimmed from the end of a link: sentence punctuation written after it.
const TRAILING: [char; 10] = ['.', ',', ';', ':', '!', '?', ')', ']', '"', '\''];

/// The byte ranges of the links in `text`: `http://` or `https://` up to white space, without
/// trailing punctuation, parsed as a URL with a host. A link already inside SMSAPI's macro is left
/// alone.
pub(crate) fn link_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    for word in text.split(char::is_whitespace) {
        let word_start = pos;
        pos += word.len();
        // Each separator is one white-space character; step over it.
        if let Some(c) = text[pos..].chars().next() {
            pos += c.len_utf8();
        }
        let Some(start) = find_scheme(word) else { continue };
        if word[..start].ends_with("[%idzdo:") {
            continue;
        }
        let link = word[start..].trim_end_matches(TRAILING);
        let parsed = url::Url::parse(link);
        if parsed.is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty())) {
            out.push(word_start + start..word_start + start + link.len());
        }
    }
    out
}

fn find_scheme(word: &str) -> Option<usize> {
    let lower = word.to_ascii_lowercase();
    match (lower.find("https://"), lower.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn replace_links(text: &str, with: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in link_ranges(text) {
        out.push_str(&text[last..r.start]);
        out.push_str(&with(&text[r.clone()]));
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The text sent to SMSAPI: every link wrapped in the short-link macro.
pub(crate) fn to_macros(text: &str) -> String {
    replace_links(text, short_link_macro)
}

/// The text as a recipient gets it: every link replaced by an `idz.do` link.
pub(crate) fn as_received(text: &str) -> String {
    replace_links(text, |_| SHORT_LINK_PLACEHOLDER.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn links_are_wrapped_and_punctuation_stays_outside() {
        assert_eq!(
            to_macros("See https://shop.example/o/42?x=1. Or (http://a.test)!"),
            "See [%idzdo:https://shop.example/o/42?x=1%]. Or ([%idzdo:http://a.test%])!"
        );
        assert_eq!(
            as_received("Go https://shop.example/a/very/long/path now"),
            "Go https://idz.do/XXXXXX now"
        );
    }

    #[test]
    fn non_links_and_existing_macros_are_left_alone() {
        for t in [
            "no link here",
            "http:// alone",
            "mailto:a@b.test",
            "[%idzdo:https://x.test/a%] done",
            "https://",
        ] {
            assert_eq!(to_macros(t), t, "{t}");
        }
    }

    #[test]
    fn multibyte_white_space_keeps_offsets() {
        assert_eq!(
            to_macros("Zobacz\u{3000}https://a.test/ż łódź"),
            "Zobacz\u{3000}[%idzdo:https://a.test/ż%] łódź"
        );
    }

    proptest! {
        /// Text without a link is sent and counted unchanged; with links, nothing but the links changes.
        #[test]
        fn only_links_change(words in proptest::collection::vec("[a-zżł.,!]{0,8}|https://[a-z]{1,8}\\.test/[a-z0-9]{0,40}", 0..12)) {
            let text = words.join(" ");
            let sent = to_macros(&text);
            let received = as_received(&text);
            let expect_sent: Vec<String> = words.iter().map(|w| if w.starts_with("https://") { format!("[%idzdo:{w}%]") } else { w.clone() }).collect();
            let expect_recv: Vec<String> = words.iter().map(|w| if w.starts_with("https://") { SHORT_LINK_PLACEHOLDER.to_owned() } else { w.clone() }).collect();
            prop_assert_eq!(sent, expect_sent.join(" "));
            prop_assert_eq!(received, expect_recv.join(" "));
        }
    }
}
