//! Link shortening: a [`LinkShortener`] trait, link detection, and a deterministic shortener for
//! tests.
//!
//! A short link still counts toward the message length, so an account that shortens links
//! analyses the text after shortening.

use async_trait::async_trait;
use bramka_core::Error;
use url::Url;

/// Shortens one URL.
///
/// ```
/// use bramka::shorten::LinkShortener;
/// use bramka::{async_trait, Error};
/// use url::Url;
///
/// /// Keeps every link as it is.
/// #[derive(Debug)]
/// struct Keep;
///
/// #[async_trait]
/// impl LinkShortener for Keep {
///     async fn shorten(&self, url: &Url) -> Result<Url, Error> {
///         Ok(url.clone())
///     }
/// }
/// ```
#[async_trait]
pub trait LinkShortener: Send + Sync + std::fmt::Debug {
    /// The short form of `url`.
    async fn shorten(&self, url: &Url) -> Result<Url, Error>;
}

/// The links in a text: `http://` or `https://` up to white space, without trailing punctuation.
///
/// ```
/// let links = bramka::shorten::find_links("See https://example.com/a?b=1. Or http://x.test)!");
/// assert_eq!(links, vec!["https://example.com/a?b=1", "http://x.test"]);
/// ```
pub fn find_links(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for word in text.split(char::is_whitespace) {
        let Some(start) = word.find("https://").or_else(|| word.find("http://")) else { continue };
        let link = word[start..].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\'']);
        if Url::parse(link).is_ok() {
            out.push(link);
        }
    }
    out
}

/// Replaces every link of `text` with its short form.
///
/// # Errors
///
/// Returns an [`Error`] of kind [`ErrorKind::Message`](bramka_core::ErrorKind::Message) when a link does not
/// parse as a URL, and the shortener's error when it fails.
pub async fn shorten_text(text: &str, shortener: &dyn LinkShortener) -> Result<String, Error> {
    let mut out = text.to_owned();
    for link in find_links(text) {
        let url = Url::parse(link).map_err(|e| Error::message(format!("invalid link {link:?}: {e}")))?;
        let short = shortener.shorten(&url).await?;
        out = out.replacen(link, short.as_str(), 1);
    }
    Ok(out)
}

/// A shortener for tests and demos: `https://sho.rt/` followed by 7 characters derived from the URL
/// (the same URL always gives the same short link). It stores nothing and resolves nothing.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka::shorten::{DeterministicShortener, LinkShortener};
///
/// let s = DeterministicShortener::with_base("https://s.example/".parse().unwrap());
/// let short = s.shorten(&"https://shop.example/orders/42".parse().unwrap()).await.unwrap();
/// assert!(short.as_str().starts_with("https://s.example/"));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DeterministicShortener {
    base: Url,
}

impl Default for DeterministicShortener {
    fn default() -> Self {
        DeterministicShortener { base: Url::parse("https://sho.rt/").expect("static URL") }
    }
}

impl DeterministicShortener {
    /// Short links under another base URL.
    pub fn with_base(base: Url) -> Self {
        DeterministicShortener { base }
    }

    fn code(url: &str) -> String {
        // FNV-1a 64, rendered in base 62.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in url.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..7)
            .map(|_| {
                let c = ALPHABET[(h % 62) as usize] as char;
                h /= 62;
                c
            })
            .collect()
    }
}

#[async_trait]
impl LinkShortener for DeterministicShortener {
    async fn shorten(&self, url: &Url) -> Result<Url, Error> {
        self.base.join(&Self::code(url.as_str())).map_err(|e| Error::config(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shortens_every_link_deterministically() {
        let s = DeterministicShortener::default();
        let text = "Order: https://shop.example.com/orders/123456789?utm=sms, track https://t.example/x.";
        let out = shorten_text(text, &s).await.unwrap();
        assert!(!out.contains("shop.example.com"), "{out}");
        assert!(!out.contains("t.example"), "{out}");
        assert_eq!(out.matches("https://sho.rt/").count(), 2, "{out}");
        assert!(out.ends_with('.'), "trailing punctuation kept: {out}");
        assert_eq!(out, shorten_text(text, &s).await.unwrap());
        assert!(out.len() < text.len());
    }

    #[test]
    fn no_links_no_change() {
        assert!(find_links("no links here, www.example.com is not one").is_empty());
    }
}
