//! Configuration by DSN: `scheme://user:password@host:port/path?key=value`.
//!
//! One DSN names a gateway and its settings in a single string, the way Symfony Notifier and
//! Apprise do (conventionally in the `SMS_DSN` environment variable):
//!
//! | DSN | meaning |
//! |---|---|
//! | `smsapi://TOKEN@default?from=Info&test=1` | a token as the user, the operator's default host |
//! | `infobip://API_KEY@xxxxx.api.infobip.com?from=InfoSMS` | a token and an account host |
//! | `twilio://ACCOUNT_SID:AUTH_TOKEN@default?from=+447700900123` | user and password |
//! | `console://default`, `null://default`, `mock://default?fail=timeout` | test gateways |
//!
//! This module parses **one** DSN. The `a || b` (failover) and `a && b` (round robin) expressions
//! are split by the registry, which calls [`Dsn::parse`] on each side; a [`GatewayFactory`] then
//! turns a `Dsn` into a gateway.
//!
//! # Syntax and decoding rules
//!
//! - The scheme is case-insensitive (stored lower case); the host too (`default` selects the
//!   operator's default endpoint). An IPv6 host is written in brackets: `mock://[::1]:8080`, and
//!   [`Dsn::host`] returns it with its brackets. The port is 1 to 65535.
//! - **User and password are percent-decoded.** Credentials containing `@ : / ?` (or `%`, `&`,
//!   `#`, spaces) must be percent-encoded: `@` = `%40`, `:` = `%3A`, `/` = `%2F`, `?` = `%3F`,
//!   `%` = `%25`, space = `%20`. The user ends at the first `:`, the credentials at the last `@`
//!   before the host, so an unencoded `@` or `:` in a password often still works, but `/` and `?`
//!   end the host part and cannot: a `@` after them is refused with a hint to encode them.
//! - **Option values are percent-decoded, and `+` stays `+`.** In HTML form encoding `+` means a
//!   space; here it does not, because DSN options carry phone numbers: `from=+48600100200` means
//!   what it says. `from=%2B48600100200` gives the same value. A space is written `%20`.
//! - Only the first `?` starts the options: a `?` inside a value is written `%3F`, and a raw
//!   second `?` is refused (`from=X?token=S` would otherwise hide a token in `from`).
//! - A key without `=` (`?test`) has the empty value, which [`Dsn::bool_option`] reads as `true`.
//! - **Repeated keys: the last one wins** for [`Dsn::option`] and the typed getters;
//!   [`Dsn::options`] keeps them all, in order.
//! - Option names are letters, digits, `_`, `-` and `.`, case-sensitive.
//! - Whitespace and control characters are refused anywhere (encode spaces as `%20`); a `%` must
//!   start a `%XX` escape, and decoded text must be UTF-8. The path is kept as written.
//!
//! # Secrets
//!
//! `Display` and `Debug` print a redacted DSN that parses back to the same settings minus the
//! secrets: the user and the password are always `***` (the `smsapi://TOKEN@default` form puts
//! a token in the user, and a login is half a credential); and so is the value of any option
//! whose name looks secret ([`is_sensitive_option`]: `password`, `token`, `api_key`, `secret`...).
//! Errors carry the DSN redacted the same way; for text that does not parse, everything between
//! `://` and the last `@` is hidden, so are secret-looking option values, and everything but the
//! scheme when an `@` follows the `?` or the text holds several DSNs; error reasons never quote
//! credentials.
//!
//! What parsing cannot know: a token written where the host goes (`smsapi://TOKEN`, `@default`
//! forgotten), or a credential with an unencoded `?` followed by `key=`
//! (`smsapi://TO?x=@default`), is read as a host and prints like one. Factories should refuse
//! hosts they do not expect without quoting them.
//!
//! ```
//! use bramka_core::Dsn;
//!
//! let dsn: Dsn = "twilio://AC123:s3cr%2Ft@default?from=+447700900123&timeout=5s".parse().unwrap();
//! assert_eq!(dsn.scheme(), "twilio");
//! assert_eq!(dsn.user(), Some("AC123"));
//! assert_eq!(dsn.password().unwrap().expose(), "s3cr/t");
//! assert_eq!(dsn.option("from"), Some("+447700900123"));
//! assert_eq!(dsn.duration_option("timeout").unwrap(), Some(std::time::Duration::from_secs(5)));
//! assert_eq!(dsn.to_string(), "twilio://***:***@default?from=%2B447700900123&timeout=5s");
//!
//! let token = Dsn::parse("smsapi://TOKEN123@default?from=Shop").unwrap();
//! assert_eq!(token.user_secret().unwrap().expose(), "TOKEN123");
//! assert_eq!(format!("{token:?}"), "Dsn(smsapi://***@default?from=Shop)");
//!
//! let err = token.check_options(&["from", "test"]);
//! assert!(err.is_ok());
//! let err = Dsn::parse("smsapi://T@default?form=Shop").unwrap().check_options(&["from", "test"]);
//! assert_eq!(
//!     err.unwrap_err().to_string(),
//!     "unknown option \"form\" for smsapi://; accepted: from, test; did you mean \"from\"?"
//! );
//! ```

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::error::Error;
use crate::gateway::Gateway;
use crate::secret::Secret;

/// A parsed DSN. `Display` redacts the user and the password (the `smsapi://TOKEN@default` form
/// puts a token in the user) and secret-looking option values.
///
/// ```
/// use bramka_core::Dsn;
///
/// let dsn = Dsn::parse("smsapi://TOKEN@default?test=1").unwrap();
/// assert_eq!(dsn.scheme(), "smsapi");
/// assert_eq!(dsn.option("test"), Some("1"));
/// assert!(!dsn.to_string().contains("TOKEN"), "Display redacts the token");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Dsn {
    scheme: String,
    user: Option<Secret>,
    password: Option<Secret>,
    host: String,
    port: Option<u16>,
    path: String,
    options: Vec<(String, String)>,
}

/// Why a DSN was refused. No variant ever holds a credential in clear.
///
/// ```
/// use bramka_core::{Dsn, DsnError};
///
/// assert!(matches!(Dsn::parse("no scheme here"), Err(DsnError::Syntax { .. })));
/// let dsn = Dsn::parse("smsapi://TOKEN@default?tset=1").unwrap();
/// let e = dsn.check_options(&["test"]).unwrap_err();
/// assert!(matches!(e, DsnError::UnknownOption { .. }), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DsnError {
    /// The text is not a DSN.
    #[error(
        "invalid DSN {dsn}: {reason}; expected scheme://[user[:password]@]host[:port][/path][?key=value&...]"
    )]
    Syntax {
        /// The DSN, redacted.
        dsn: String,
        /// What is wrong.
        reason: String,
    },
    /// An option the scheme does not know.
    #[error(
        "unknown option {key:?} for {scheme}://; accepted: {}{}",
        list_or_none(.accepted),
        suggestion(.key, .accepted)
    )]
    UnknownOption {
        /// The scheme.
        scheme: String,
        /// The unknown key.
        key: String,
        /// The accepted keys.
        accepted: Vec<String>,
    },
    /// An option with a bad value.
    #[error("invalid value {value:?} for option {key:?}: expected {expected}")]
    InvalidOption {
        /// The key.
        key: String,
        /// The value (`***` when the key names a secret).
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// A credential or part the scheme needs is missing.
    #[error("{scheme}:// needs {what}")]
    Missing {
        /// The scheme.
        scheme: String,
        /// What is missing (e.g. "a token as the user: smsapi://TOKEN@default").
        what: String,
    },
    /// No gateway is registered for the scheme.
    #[error("unknown DSN scheme {scheme:?}{}", .hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    UnknownScheme {
        /// The scheme.
        scheme: String,
        /// What to enable, when the scheme is known but not compiled in.
        hint: Option<String>,
    },
}

impl From<DsnError> for Error {
    fn from(e: DsnError) -> Self {
        Error::config(e.to_string()).with_source(e)
    }
}

fn list_or_none(accepted: &[String]) -> String {
    if accepted.is_empty() { "none".to_owned() } else { accepted.join(", ") }
}

/// `; did you mean "from"?` when an accepted key is within two edits of the typo.
fn suggestion(key: &str, accepted: &[String]) -> String {
    accepted
        .iter()
        .map(|a| (edit_distance(key, a), a))
        .filter(|(d, a)| *d <= 2 && *d < a.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| format!("; did you mean {a:?}?"))
        .unwrap_or_default()
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Whether an option's value is treated as a secret (redacted in `Display`, `Debug` and errors):
/// its name contains, ignoring case, `pass`, `pwd`, `secret`, `token`, `key`, `auth`,
/// `signature` or `credential`.
///
/// ```
/// use bramka_core::dsn::is_sensitive_option;
/// assert!(is_sensitive_option("api_key") && is_sensitive_option("Password"));
/// assert!(!is_sensitive_option("from"));
/// ```
pub fn is_sensitive_option(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "key", "auth", "signature", "credential"].iter().any(|s| k.contains(s))
}

fn looks_like_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Percent-decodes, refusing a `%` that does not start a `%XX` escape and non-UTF-8 results.
fn decode_strict(s: &str) -> Result<String, &'static str> {
    let b = s.as_bytes();
    for (i, _) in b.iter().enumerate().filter(|(_, c)| **c == b'%') {
        let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if !ok {
            return Err("has a '%' that does not start a %XX escape (write a literal '%' as %25)");
        }
    }
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| "is not valid UTF-8 after percent-decoding")
}

fn is_option_name(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn is_host_name(h: &str) -> bool {
    !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

impl Dsn {
    /// Parses one DSN (no `||` / `&&`); see the [module documentation](self) for the rules.
    ///
    /// ```
    /// use bramka_core::Dsn;
    /// let dsn = Dsn::parse("twilio://AC123:to%40ken@default?from=%2B447700900123").unwrap();
    /// assert_eq!(dsn.scheme(), "twilio");
    /// assert_eq!(dsn.user(), Some("AC123"));
    /// assert_eq!(dsn.password().unwrap().expose(), "to@ken");
    /// assert_eq!(dsn.option("from"), Some("+447700900123"));
    /// assert_eq!(dsn.to_string(), "twilio://***:***@default?from=%2B447700900123");
    ///
    /// let ipv6 = Dsn::parse("mock://[::1]:8080/v1").unwrap();
    /// assert_eq!((ipv6.host(), ipv6.port(), ipv6.path()), ("[::1]", Some(8080), "/v1"));
    ///
    /// let err = Dsn::parse("twilio://AC123:pa/ss@default").unwrap_err().to_string();
    /// assert!(err.contains("percent-encode") && !err.contains("pa/ss"), "{err}");
    /// ```
    ///
    /// # Errors
    ///
    /// Returns [`DsnError::Syntax`] (with the DSN redacted) when `input` is empty, has whitespace or
    /// control characters, joins several DSNs with `||` or `&&`, lacks `://` or a valid scheme, has a
    /// stray `@` or `?`, a bad host, port or option name, or a malformed percent-encoding in the user,
    /// password or an option value.
    pub fn parse(input: &str) -> Result<Dsn, DsnError> {
        let input = input.trim();
        let syntax = |reason: String| DsnError::Syntax { dsn: redact_raw(input), reason };
        if input.is_empty() {
            return Err(syntax("empty DSN".into()));
        }
        if input.contains("||") || input.split_once("&&").is_some_and(|(_, b)| b.contains("://")) {
            return Err(syntax(
                "'||' (failover) and '&&' (round robin) join several DSNs: give the whole expression to the registry, one DSN here".into(),
            ));
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(syntax(
                "it contains whitespace or a control character (percent-encode a space as %20)".into(),
            ));
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(syntax("missing '://' after the scheme".into()));
        };
        if !looks_like_scheme(scheme) {
            return Err(syntax(
                "the scheme must be a letter followed by letters, digits, '+', '-' or '.'".into(),
            ));
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        if path.contains('@') {
            return Err(syntax(
                "an '@' after the host: a '/' or '?' in the user or password must be percent-encoded (%2F, %3F), and an '@' in the path written %40".into(),
            ));
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        // Without credentials in the authority, an '@' later on may mean a credential with an
        // unencoded '?' was read as the host: then no part of the host is quoted in errors.
        let may_quote = userinfo.is_some() || !rest.contains('@');
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pass) = match u.split_once(':') {
                    Some((a, b)) => (a, Some(b)),
                    None => (u, None),
                };
                let user = decode_strict(user).map_err(|r| syntax(format!("the user {r}")))?;
                let pass =
                    pass.map(decode_strict).transpose().map_err(|r| syntax(format!("the password {r}")))?;
                (Some(user).filter(|u| !u.is_empty()), pass.filter(|p| !p.is_empty()))
            }
        };
        // A second '?' would make what follows part of an option's value (`from=X?token=S` hides
        // a token in `from`, which is not a secret option): refused, and never quoted.
        if query.is_some_and(|q| q.contains('?')) {
            return Err(syntax(
                "a '?' inside the options: only the first '?' starts them; write a '?' in a value as %3F"
                    .into(),
            ));
        }
        // Options first: a bad option name is the clearer sign of a credential with an unencoded '?'.
        let mut options = Vec::new();
        for (i, pair) in query.unwrap_or("").split('&').filter(|p| !p.is_empty()).enumerate() {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode_strict(k)
                .ok()
                .filter(|k| is_option_name(k))
                .ok_or_else(|| {
                    syntax(format!(
                        "option #{} has an invalid name: letters, digits, '_', '-' and '.' are accepted (a '?' in the user or password must be percent-encoded as %3F)",
                        i + 1
                    ))
                })?;
            // `+` is kept as `+` (not a space) so `from=+48...` works as written.
            let value = decode_strict(v).map_err(|r| syntax(format!("the value of option {key:?} {r}")))?;
            options.push((key, value));
        }
        let (host, port) = parse_host_port(hostport, may_quote).map_err(syntax)?;
        Ok(Dsn {
            scheme: scheme.to_ascii_lowercase(),
            user: user.map(Secret::new),
            password: password.map(Secret::new),
            host,
            port,
            path: path.to_owned(),
            options,
        })
    }

    /// The scheme, lower case.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
    /// The user part, decoded. May be a token: use [`user_secret`](Self::user_secret) then.
    pub fn user(&self) -> Option<&str> {
        self.user.as_ref().map(Secret::expose)
    }
    /// The user part as a secret (for `scheme://TOKEN@host`).
    pub fn user_secret(&self) -> Option<&Secret> {
        self.user.as_ref()
    }
    /// The password, decoded.
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }
    /// The host, lower case (`default` selects the operator's default endpoint; an IPv6 address
    /// keeps its brackets: `[::1]`).
    pub fn host(&self) -> &str {
        &self.host
    }
    /// Whether the host is `default` (the operator's default endpoint).
    pub fn is_default_host(&self) -> bool {
        self.host == "default"
    }
    /// Whether the host is loopback (`127.0.0.1`, `localhost`, `[::1]`): operator factories then
    /// use plain http, for mock servers in tests.
    ///
    /// ```
    /// use bramka_core::Dsn;
    /// assert!(Dsn::parse("smsapi://t@127.0.0.1:8080").unwrap().is_loopback_host());
    /// assert!(Dsn::parse("smsapi://t@[::1]:8080").unwrap().is_loopback_host());
    /// assert!(!Dsn::parse("smsapi://t@api.smsapi.pl").unwrap().is_loopback_host());
    /// ```
    pub fn is_loopback_host(&self) -> bool {
        matches!(self.host.as_str(), "127.0.0.1" | "localhost" | "[::1]")
    }
    /// The port.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// The path (`""` or starting with `/`), as written.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// An option's value (the last one when repeated).
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    /// A comma-separated option as a list: each item trimmed, empty items left out (none when
    /// the option is absent).
    ///
    /// ```
    /// let dsn = bramka_core::Dsn::parse("smsapi://t@default?from=Shop,%20Alerts,,").unwrap();
    /// assert_eq!(dsn.list_option("from"), ["Shop", "Alerts"]);
    /// assert!(dsn.list_option("to").is_empty());
    /// ```
    pub fn list_option(&self, key: &str) -> Vec<&str> {
        self.option(key).unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
    }
    /// Whether the option is present (with any value, even empty).
    pub fn has_option(&self, key: &str) -> bool {
        self.options.iter().any(|(k, _)| k == key)
    }
    /// Every option, in order, repeats included.
    pub fn options(&self) -> &[(String, String)] {
        &self.options
    }

    /// The user, or a [`DsnError::Missing`] saying `what` is needed
    /// (`"a token as the user: smsapi://TOKEN@default"`).
    ///
    /// # Errors
    ///
    /// Returns [`DsnError::Missing`] naming the scheme and `what` when the DSN has no user.
    pub fn required_user(&self, what: &str) -> Result<&Secret, DsnError> {
        self.user.as_ref().ok_or_else(|| self.missing(what))
    }

    /// The password, or a [`DsnError::Missing`] saying `what` is needed.
    ///
    /// # Errors
    ///
    /// Returns [`DsnError::Missing`] naming the scheme and `what` when the DSN has no password.
    pub fn required_password(&self, what: &str) -> Result<&Secret, DsnError> {
        self.password.as_ref().ok_or_else(|| self.missing(what))
    }

    fn missing(&self, what: &str) -> DsnError {
        DsnError::Missing { scheme: self.scheme.clone(), what: what.to_owned() }
    }

    /// Refuses the first option not in `accepted`, naming the accepted keys (and the nearest one
    /// when the key looks like a typo).
    ///
    /// # Errors
    ///
    /// Returns [`DsnError::UnknownOption`] for the first option whose key is not in `accepted`.
    pub fn check_options(&self, accepted: &[&str]) -> Result<(), DsnError> {
        match self.options.iter().find(|(k, _)| !accepted.contains(&k.as_str())) {
            None => Ok(()),
            Some((k, _)) => Err(DsnError::UnknownOption {
                scheme: self.scheme.clone(),
                key: k.clone(),
                accepted: accepted.iter().map(|s| (*s).to_owned()).collect(),
            }),
        }
    }

    fn invalid(&self, key: &str, value: &str, expected: &str) -> DsnError {
        let value = if is_sensitive_option(key) { "***" } else { value };
        DsnError::InvalidOption {
            key: key.to_owned(),
            value: value.to_owned(),
            expected: expected.to_owned(),
        }
    }

    /// A boolean option: `1`, `true`, `yes`, `on` or the empty value (`?test`) are true; `0`,
    /// `false`, `no`, `off` false; any case.
    ///
    /// # Errors
    ///
    /// Returns [`DsnError::InvalidOption`] when the option is present with any other value.
    pub fn bool_option(&self, key: &str) -> Result<Option<bool>, DsnError> {
        self.option(key)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" | "" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(self.invalid(key, v, "1, true, yes, on (or no value), 0, false, no or off")),
            })
            .transpose()
    }

    /// A duration option: `500ms`, `5s`, `2m`, `1h`, or plain seconds (`5`); whole numbers.
    ///
    /// # Errors
    ///
    /// Returns [`DsnError::InvalidOption`] when the option is present but is not such a duration.
    pub fn duration_option(&self, key: &str) -> Result<Option<Duration>, DsnError> {
        self.option(key)
            .map(|v| {
                parse_duration(v).ok_or_else(|| {
                    self.invalid(
                        key,
                        v,
                        "a duration: a whole number with a unit (500ms, 5s, 2m, 1h) or plain seconds (5)",
                    )
                })
            })
            .transpose()
    }

    /// Any option parsed with [`FromStr`] (numbers, enums); `expected` describes what is accepted
    /// for the error.
    ///
    /// ```
    /// use bramka_core::Dsn;
    /// let dsn = Dsn::parse("mock://default?retries=x").unwrap();
    /// let err = dsn.parsed_option::<u8>("retries", "a number from 0 to 255").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid value \"x\" for option \"retries\": expected a number from 0 to 255");
    /// ```
    ///
    /// # Errors
    ///
    /// Returns [`DsnError::InvalidOption`] (with `expected`) when the option is present but `T::from_str`
    /// fails on it.
    pub fn parsed_option<T: FromStr>(&self, key: &str, expected: &str) -> Result<Option<T>, DsnError> {
        self.option(key).map(|v| v.parse::<T>().map_err(|_| self.invalid(key, v, expected))).transpose()
    }
}

fn parse_host_port(hp: &str, may_quote: bool) -> Result<(String, Option<u16>), String> {
    let quote = |s: &str| if may_quote { format!(" {s:?}") } else { String::new() };
    if hp.is_empty() {
        return Err("missing host (write `default` for the operator's default endpoint)".into());
    }
    let (host, port) = if let Some(r) = hp.strip_prefix('[') {
        let (addr, after) =
            r.split_once(']').ok_or("an IPv6 host needs its closing ']' (write [::1]:8080)")?;
        if addr.parse::<Ipv6Addr>().is_err() {
            return Err(format!("invalid IPv6 address{} in brackets", quote(addr)));
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or("after ']' only ':' and a port are accepted")?),
        };
        (format!("[{}]", addr.to_ascii_lowercase()), port)
    } else {
        let (h, port) = match hp.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        };
        if port.is_some_and(|p| p.contains(':')) {
            return Err("an IPv6 address must be written in brackets ([::1]:8080)".into());
        }
        if h.is_empty() {
            return Err("missing host (write `default` for the operator's default endpoint)".into());
        }
        if !is_host_name(h) {
            return Err(format!(
                "invalid host{}: letters, digits, '-', '.' and '_' are accepted, or an IPv6 address in brackets (credentials must be percent-encoded)",
                quote(h)
            ));
        }
        (h.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some("") => return Err("empty port after ':'".into()),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(format!("invalid port{}: 1 to 65535 is accepted", quote(p))),
        },
    };
    Ok((host, port))
}

/// Parses `500ms`, `5s`, `2m`, `1h` or plain seconds (whole, non-negative numbers; any case).
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim().to_ascii_lowercase();
    let (num, mult_ms) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000)
    } else if let Some(n) = v.strip_suffix('h') {
        (n, 3_600_000)
    } else {
        (v.as_str(), 1000)
    };
    let num = num.trim();
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok().and_then(|n| n.checked_mul(mult_ms)).map(Duration::from_millis)
}

/// Redaction for text that did not parse: everything between `://` and the last `@` is hidden,
/// and so are the values of secret-looking options and option names that are not plain names.
/// When no part can be told safe (an `@` after the start of the query, which may sit in a secret
/// option's value or follow a credential with an unencoded `?`; or several DSNs in one text), all
/// but the scheme is hidden.
pub(crate) fn redact_raw(input: &str) -> String {
    let Some((scheme, rest)) = input.split_once("://") else {
        // No structure to rely on: show at most a scheme-like word before ':'.
        return match input.split_once(':') {
            Some((s, _)) if looks_like_scheme(s) => format!("{s}:***"),
            _ => "***".to_owned(),
        };
    };
    let scheme = if looks_like_scheme(scheme) { scheme } else { "***" };
    let at = rest.rfind('@');
    let ambiguous = rest.contains("://") || matches!((rest.find('?'), at), (Some(q), Some(a)) if a > q);
    if ambiguous {
        return format!("{scheme}://***");
    }
    let visible = match at {
        Some(a) => format!("***{}", &rest[a..]),
        None => {
            // Without credentials, the authority is shown only when it is a valid host and
            // port: anything else may be a credential whose '@' went astray.
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            match parse_host_port(&rest[..end], false) {
                Ok(_) => rest.to_owned(),
                Err(_) => format!("***{}", &rest[end..]),
            }
        }
    };
    let visible = match visible.split_once('?') {
        Some((before, query)) => {
            // A later raw '?' is read as a separator too, so `from=X?token=S` hides `S`.
            let mut out = format!("{before}?");
            let mut start = 0;
            let ends = query.match_indices(['&', '?']).chain([(query.len(), "")]);
            for (end, sep) in ends {
                let p = &query[start..end];
                let (k, v) = p.split_once('=').map_or((p, None), |(k, v)| (k, Some(v)));
                let name = percent_decode_str(k).decode_utf8_lossy();
                let k = if is_option_name(&name) { k } else { "***" };
                match v {
                    Some(_) if is_sensitive_option(&name) || k == "***" => out.push_str(&format!("{k}=***")),
                    Some(v) => out.push_str(&format!("{k}={v}")),
                    None => out.push_str(k),
                }
                out.push_str(sep);
                start = end + 1;
            }
            out
        }
        None => visible,
    };
    format!("{scheme}://{visible}")
}

/// Everything but unreserved characters is encoded, so `+` prints as `%2B` and parses back as `+`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

impl fmt::Display for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted_keeping(|_| false))
    }
}

impl Dsn {
    /// The DSN as [`Display`](fmt::Display) prints it (user, password and secret-looking option
    /// values as `***`), except that a secret for which `keep` returns `true` is written as
    /// given, not percent-encoded. For configuration files whose secrets are `${VAR}`
    /// placeholders:
    ///
    /// ```
    /// use bramka_core::Dsn;
    /// let dsn = Dsn::parse("twilio://AC1:${TWILIO_TOKEN}@default?api_key=k3y").unwrap();
    /// let placeholder = |s: &str| s.starts_with("${") && s.ends_with('}');
    /// assert_eq!(dsn.redacted_keeping(placeholder), "twilio://***:${TWILIO_TOKEN}@default?api_key=***");
    /// assert_eq!(dsn.to_string(), "twilio://***:***@default?api_key=***");
    /// ```
    pub fn redacted_keeping(&self, keep: impl Fn(&str) -> bool) -> String {
        use fmt::Write as _;
        let secret = |s: &str| if keep(s) { s.to_owned() } else { "***".to_owned() };
        let mut out = format!("{}://", self.scheme);
        match (&self.user, &self.password) {
            (Some(u), Some(p)) => {
                let _ = write!(out, "{}:{}@", secret(u.expose()), secret(p.expose()));
            }
            (Some(u), None) => {
                let _ = write!(out, "{}@", secret(u.expose()));
            }
            (None, Some(p)) => {
                let _ = write!(out, ":{}@", secret(p.expose()));
            }
            (None, None) => {}
        }
        out.push_str(&self.host);
        if let Some(p) = self.port {
            let _ = write!(out, ":{p}");
        }
        out.push_str(&self.path);
        for (i, (k, v)) in self.options.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            let _ = write!(out, "{sep}{}=", utf8_percent_encode(k, COMPONENT));
            if is_sensitive_option(k) {
                out.push_str(&secret(v));
            } else {
                let _ = write!(out, "{}", utf8_percent_encode(v, COMPONENT));
            }
        }
        out
    }
}

impl fmt::Debug for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dsn({self})")
    }
}

impl FromStr for Dsn {
    type Err = DsnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dsn::parse(s)
    }
}

/// Turns a DSN of its schemes into a gateway. Each operator crate provides one.
///
/// ```
/// use std::sync::Arc;
/// use bramka_core::testing::NullGateway;
/// use bramka_core::{Dsn, Error, Gateway, GatewayFactory, Registry};
///
/// /// `quiet://default`: a gateway that sends nothing.
/// struct QuietFactory;
///
/// impl GatewayFactory for QuietFactory {
///     fn schemes(&self) -> &[&'static str] {
///         &["quiet"]
///     }
///     fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
///         dsn.check_options(&[])?;
///         Ok(Arc::new(NullGateway::new()))
///     }
/// }
///
/// let mut registry = Registry::new();
/// registry.register(Arc::new(QuietFactory));
/// assert!(registry.connect("quiet://default").is_ok());
/// ```
pub trait GatewayFactory: Send + Sync {
    /// The schemes it handles (`["smsapi"]`).
    fn schemes(&self) -> &[&'static str];
    /// Builds the gateway. Errors are [`crate::ErrorKind::Config`].
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when `dsn` is not
    /// valid for the gateway (unknown option, missing credential, bad value).
    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_and_suggestion() {
        assert_eq!(edit_distance("form", "from"), 1);
        assert_eq!(edit_distance("tset", "test"), 1);
        assert_eq!(edit_distance("timeout", "from"), 6);
        let acc = vec!["from".to_owned(), "test".to_owned()];
        assert_eq!(suggestion("frm", &acc), "; did you mean \"from\"?");
        assert_eq!(suggestion("zzzzzz", &acc), "");
    }

    #[test]
    fn strict_decoding() {
        assert_eq!(decode_strict("a%40b+c").unwrap(), "a@b+c");
        assert!(decode_strict("100%").is_err());
        assert!(decode_strict("%zz").is_err());
        assert!(decode_strict("%ff").is_err());
    }

    #[test]
    fn raw_redaction_hides_credentials_and_secret_options() {
        assert_eq!(redact_raw("twilio://AC:pa/ss@default"), "twilio://***@default");
        assert_eq!(redact_raw("x://h?from=a&api_key=K123&b=1"), "x://h?from=a&api_key=***&b=1");
        assert_eq!(redact_raw("smsapi:TOKEN@default"), "smsapi:***");
        assert_eq!(redact_raw("TOKEN@default"), "***");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        for bad in ["", "ms", "-5", "+5", "1.5s", "5x", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
