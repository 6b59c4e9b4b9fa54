//! [`BaseUrl`]: where an operator client sends its requests, with one rule for every operator:
//! **https, unless the host is loopback**. Plain http to another host would carry the account's
//! credentials in clear text, so it is refused unless asked for explicitly (`insecure_http`).

use std::fmt;

use url::Url;

use crate::error::Error;

/// An operator's base URL: `http(s)://host[:port]/prefix/`, always ending in `/` so that
/// [`join`](BaseUrl::join) keeps the path prefix. No user info, query or fragment.
///
/// ```
/// use bramka_core::http::BaseUrl;
/// let b = BaseUrl::parse("https://api.example.com/v2", false).unwrap();
/// assert_eq!(b.join("sms/send").as_str(), "https://api.example.com/v2/sms/send");
/// assert!(BaseUrl::parse("http://127.0.0.1:8080", false).is_ok());
/// // Plain http to a non-loopback host carries credentials in clear: refused unless asked for.
/// assert!(BaseUrl::parse("http://api.example.com", false).is_err());
/// assert!(BaseUrl::parse("http://api.example.com", true).is_ok());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses and checks `raw`. `insecure_http` allows plain http to a non-loopback host.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when `raw` is not a URL,
    /// has credentials, a query or a fragment, or uses a scheme other than https (plain http only to a
    /// loopback host or with `insecure_http`).
    pub fn parse(raw: &str, insecure_http: bool) -> Result<BaseUrl, Error> {
        let shown = redact(raw);
        let bad = |why: &str| {
            Error::config(format!(
                "invalid base URL {shown:?}: {why}; expected https://host[:port][/path] (http only for loopback hosts)"
            ))
        };
        let mut url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("credentials do not belong in the base URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("no query or fragment allowed"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) || insecure_http => {}
            "http" => {
                return Err(bad(
                    "plain http to a non-loopback host would send the credentials unencrypted; use https, or set insecure_http=1 if you really mean it",
                ));
            }
            other => return Err(bad(&format!("scheme {other:?} is not http or https"))),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host"));
        }
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        Ok(BaseUrl(url))
    }

    /// `path` (relative, without a leading `/`) under this base URL.
    pub fn join(&self, path: &str) -> Url {
        let mut u = self.0.clone();
        let full = format!("{}{}", self.0.path(), path.trim_start_matches('/'));
        u.set_path(&full);
        u
    }

    /// The URL.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the host is loopback (`127.0.0.0/8`, `::1`, `localhost`).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `raw` with any user info replaced by `***`.
fn redact(raw: &str) -> String {
    let raw = raw.trim();
    match (raw.find("://"), raw.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let host_end = raw[s + 3..].find('/').map_or(raw.len(), |i| i + s + 3);
            if at < host_end { format!("{}***@{}", &raw[..s + 3], &raw[at + 1..]) } else { raw.to_owned() }
        }
        _ => raw.to_owned(),
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({:?})", self.0.as_str())
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        for ok in [
            "https://api.example.com",
            "http://127.0.0.1:9",
            "http://127.1.2.3",
            "http://[::1]:80/x",
            "http://localhost/api",
            "https://h/a/b/",
        ] {
            assert!(BaseUrl::parse(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.example.com",
            "http://10.0.0.1",
            "ftp://x",
            "https://u:p@h/",
            "https://h/?a=1",
            "nonsense",
        ] {
            assert!(BaseUrl::parse(bad, false).is_err(), "{bad}");
        }
        assert!(BaseUrl::parse("http://10.0.0.1", true).is_ok());
    }

    #[test]
    fn prefix_kept_and_credentials_never_shown() {
        let b = BaseUrl::parse("http://127.0.0.1:9/webapi", false).unwrap();
        assert_eq!(b.join("/messages").as_str(), "http://127.0.0.1:9/webapi/messages");
        let e = BaseUrl::parse("https://user:hunter2@h/", false).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(!format!("{e:?}").contains("hunter2"));
    }
}
