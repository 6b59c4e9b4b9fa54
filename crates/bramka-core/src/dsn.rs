//! Configuration by DSN: `scheme://user:password@host:port/path?key=value`.
//!
//! STUB to be completed: `||` / `&&` expressions and the registry live in `registry.rs`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use crate::error::Error;
use crate::gateway::Gateway;
use crate::secret::Secret;

/// A parsed DSN. `Display` redacts the password, and the user too when there is no password
/// (the `smsapi://TOKEN@default` form puts the token there).
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

/// Why a DSN was refused.
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
    #[error("unknown option {key:?} for {scheme}://; accepted: {}", .accepted.join(", "))]
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
        /// The value.
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

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

impl Dsn {
    /// Parses one DSN (no `||` / `&&`).
    ///
    /// ```
    /// use bramka_core::Dsn;
    /// let dsn = Dsn::parse("twilio://AC123:to%40ken@default?from=%2B447700900123").unwrap();
    /// assert_eq!(dsn.scheme(), "twilio");
    /// assert_eq!(dsn.user(), Some("AC123"));
    /// assert_eq!(dsn.password().unwrap().expose(), "to@ken");
    /// assert_eq!(dsn.option("from"), Some("+447700900123"));
    /// assert_eq!(dsn.to_string(), "twilio://AC123:***@default?from=%2B447700900123");
    /// ```
    pub fn parse(input: &str) -> Result<Dsn, DsnError> {
        let input = input.trim();
        let syntax = |reason: &str| DsnError::Syntax { dsn: redact_raw(input), reason: reason.to_owned() };
        let (scheme, rest) = input.split_once("://").ok_or_else(|| syntax("missing '://'"))?;
        if scheme.is_empty()
            || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        {
            return Err(syntax("the scheme must be letters, digits, '+', '-' or '.'"));
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.find('/') {
            Some(i) => (&before_query[..i], &before_query[i..]),
            None => (before_query, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((a, b)) => (Some(decode(a)), Some(decode(b))),
                None => (Some(decode(u)), None),
            },
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                let port = p.parse::<u16>().map_err(|_| syntax(&format!("invalid port {p:?}")))?;
                (h.to_owned(), Some(port))
            }
            _ => (hostport.to_owned(), None),
        };
        let mut options = Vec::new();
        if let Some(q) = query {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                // `+` is kept as `+` (not a space) so `from=+48...` works as written.
                options.push((decode(k), decode(v)));
            }
        }
        Ok(Dsn {
            scheme: scheme.to_ascii_lowercase(),
            user: user.filter(|u| !u.is_empty()).map(Secret::new),
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
    /// The host (`default` selects the operator's default endpoint).
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The port.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// The path (`""` or starting with `/`).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// An option's value (the last one when repeated).
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    /// Every option, in order.
    pub fn options(&self) -> &[(String, String)] {
        &self.options
    }

    /// Refuses any option not in `accepted`, naming the accepted keys.
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

    /// A boolean option: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`.
    pub fn bool_option(&self, key: &str) -> Result<Option<bool>, DsnError> {
        self.option(key)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" | "" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(DsnError::InvalidOption {
                    key: key.to_owned(),
                    value: v.to_owned(),
                    expected: "1, true, yes, on, 0, false, no or off".into(),
                }),
            })
            .transpose()
    }

    /// A duration option: `500ms`, `5s`, `2m`, or plain seconds (`5`).
    pub fn duration_option(&self, key: &str) -> Result<Option<Duration>, DsnError> {
        self.option(key)
            .map(|v| {
                parse_duration(v).ok_or_else(|| DsnError::InvalidOption {
                    key: key.to_owned(),
                    value: v.to_owned(),
                    expected: "a duration such as 500ms, 5s, 2m or 5".into(),
                })
            })
            .transpose()
    }
}

/// Parses `500ms`, `5s`, `2m`, `1h` or plain seconds.
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (num, mult_ms) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000)
    } else if let Some(n) = v.strip_suffix('h') {
        (n, 3_600_000)
    } else {
        (v, 1000)
    };
    num.trim().parse::<u64>().ok().and_then(|n| n.checked_mul(mult_ms)).map(Duration::from_millis)
}

fn redact_raw(input: &str) -> String {
    // Best effort for unparseable input: hide everything between "://" and the last '@'.
    match (input.find("://"), input.rfind('@')) {
        (Some(s), Some(a)) if a > s => format!("{}***{}", &input[..s + 3], &input[a..]),
        _ => input.to_owned(),
    }
}

const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

impl fmt::Display for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        match (&self.user, &self.password) {
            (Some(u), Some(_)) => {
                write!(f, "{}:***@", percent_encoding::utf8_percent_encode(u.expose(), QUERY))?
            }
            (Some(_), None) => f.write_str("***@")?,
            (None, Some(_)) => f.write_str(":***@")?,
            (None, None) => {}
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        f.write_str(&self.path)?;
        for (i, (k, v)) in self.options.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(
                f,
                "{sep}{}={}",
                percent_encoding::utf8_percent_encode(k, QUERY),
                percent_encoding::utf8_percent_encode(v, QUERY)
            )?;
        }
        Ok(())
    }
}

impl fmt::Debug for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dsn({self})")
    }
}

impl std::str::FromStr for Dsn {
    type Err = DsnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dsn::parse(s)
    }
}

/// Turns a DSN of its schemes into a gateway. Each operator crate provides one.
pub trait GatewayFactory: Send + Sync {
    /// The schemes it handles (`["smsapi"]`).
    fn schemes(&self) -> &[&'static str];
    /// Builds the gateway. Errors are [`crate::ErrorKind::Config`].
    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error>;
}
