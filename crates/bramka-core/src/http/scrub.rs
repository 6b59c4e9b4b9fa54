//! [`Scrubber`]: removes the account's secrets from text that came from the wire, in case an
//! operator (or something in between) echoes them in an answer bramka quotes in an error.

use std::fmt;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// The secrets of one operator account, and [`scrub`](Scrubber::scrub) to remove them from text.
/// Each secret is removed as written and percent-encoded (as it would appear echoed in a URL or a
/// form). Secrets shorter than 4 characters are ignored (they would match ordinary text).
///
/// ```
/// use bramka_core::http::Scrubber;
/// let s = Scrubber::new(["t0ken/42"]);
/// assert_eq!(s.scrub("bad token t0ken/42 (t0ken%2F42)"), "bad token *** (***)");
/// assert!(!format!("{s:?}").contains("t0ken"));
/// ```
#[derive(Clone, Default)]
pub struct Scrubber {
    needles: Vec<String>,
}

impl Scrubber {
    /// A scrubber for these secrets.
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut needles = Vec::new();
        for s in secrets {
            let s = s.as_ref();
            if s.chars().count() < 4 {
                continue;
            }
            let encoded = utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
            if encoded != s {
                needles.push(encoded);
            }
            needles.push(s.to_owned());
        }
        // Longer first, so a secret containing another is removed whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Scrubber { needles }
    }

    /// A scrubber for HTTP Basic credentials: the password as written, and the
    /// `base64(user:password)` an echoed `Authorization` header would show.
    ///
    /// ```
    /// use bramka_core::http::Scrubber;
    /// let s = Scrubber::basic_auth("acme", "pa55-word");
    /// // base64("acme:pa55-word")
    /// assert_eq!(s.scrub("Basic YWNtZTpwYTU1LXdvcmQ= / pa55-word"), "Basic *** / ***");
    /// ```
    pub fn basic_auth(user: &str, password: &str) -> Self {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Scrubber::new([password, basic.as_str()])
    }

    /// `text` with every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), "***");
            }
        }
        out
    }

    /// At most `max` characters of `body` (lossy UTF-8, trimmed), scrubbed, with the full size
    /// when cut: the excerpt of an operator's answer an error quotes.
    pub fn excerpt(&self, body: &[u8], max: usize) -> String {
        let s = String::from_utf8_lossy(body);
        let s = s.trim();
        let cut: String = s.chars().take(max).collect();
        let more =
            if cut.len() < s.len() { format!("... ({} bytes in all)", body.len()) } else { String::new() };
        // Scrub the whole text first: a secret cut at the excerpt's end must not survive in part.
        let whole = self.scrub(s);
        if whole.len() == s.len() {
            self.scrub(&format!("{cut}{more}"))
        } else {
            format!("{}{more}", whole.chars().take(max).collect::<String>())
        }
    }
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubber({} secrets)", self.needles.len())
    }
}
