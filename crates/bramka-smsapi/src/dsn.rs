//! [`SmsapiFactory`]: `smsapi://TOKEN@default?from=Shop` into an [`SmsapiGateway`].

use std::sync::Arc;

use bramka_core::http::{HttpSettings, base_url_from_dsn};
use bramka_core::{Dsn, DsnError, Error, Gateway, GatewayFactory};

use crate::config::{MessageType, Platform, SmsapiConfig};
use crate::gateway::SmsapiGateway;

/// The options `smsapi://` accepts.
pub const OPTIONS: &[&str] = &[
    "from",
    "type",
    "test",
    "normalize",
    "fast",
    "flash",
    "max_parts",
    "batch_size",
    "timeout",
    "connect_timeout",
    "base_url",
    "insecure_http",
    "tls",
    "verify_sender",
    "shorten_links",
];

/// Builds SMSAPI gateways from DSNs of scheme `smsapi`.
///
/// | Part | Meaning |
/// |---|---|
/// | user | the OAuth token (percent-encode `@ : / ?`) |
/// | host `default`, `pl`, `smsapi.pl` or `api.smsapi.pl` | `https://api.smsapi.pl/` |
/// | host `com`, `smsapi.com` or `api.smsapi.com` | `https://api.smsapi.com/` |
/// | any other `host[:port][/path]` | `https://host[:port]/path/` (`http://` for loopback hosts, for tests) |
/// | `from` | default sender name |
/// | `type` | `pro` (default), `eco`, `2way`, or `priority` (`pro` with `fast=1`) |
/// | `test`, `normalize`, `fast`, `flash` | `1`/`0`, `true`/`false`, ... |
/// | `max_parts` | 1 to 10 |
/// | `batch_size` | recipients per request |
/// | `timeout`, `connect_timeout` | `500ms`, `30s`, `2m`, or seconds |
/// | `base_url` | any base URL, a path prefix allowed (percent-encoded: `base_url=https%3A%2F%2Fproxy%2Fsmsapi`); https unless the host is loopback |
/// | `insecure_http` | `1` to allow plain http to a host that is not loopback (the token then travels unencrypted) |
/// | `tls` | `0` for plain http to the DSN's host (refused for a non-loopback host without `insecure_http=1`) |
/// | `verify_sender` | `1` to refuse a send whose sender name is not active on the account, with its status |
/// | `shorten_links` | `1` to send every link as SMSAPI's own `idz.do` short link (counted as such) |
///
/// SMSAPI's API takes an OAuth token only: `smsapi://LOGIN:PASSWORD@...` is refused with a
/// [`SmsapiCredentialsError`](crate::SmsapiCredentialsError) saying to generate a token.
///
/// ```
/// use bramka_core::{Dsn, GatewayFactory};
/// use bramka_smsapi::SmsapiFactory;
///
/// let dsn = Dsn::parse("smsapi://my-token@com?from=Shop&test=1&timeout=90s").unwrap();
/// let gw = SmsapiFactory.create(&dsn).unwrap();
/// assert_eq!(gw.id(), "smsapi");
/// assert!(!format!("{gw:?} {dsn}").contains("my-token"));
/// let err = SmsapiFactory.create(&Dsn::parse("smsapi://t@default?form=Shop").unwrap()).unwrap_err();
/// assert!(err.to_string().contains("accepted: from, type"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SmsapiFactory;

impl SmsapiConfig {
    /// The configuration a DSN describes (see [`SmsapiFactory`] for the format).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](bramka_core::ErrorKind::Config) for a DSN of another scheme, without a
    /// token, with an unknown option or an option value SMSAPI does not accept.
    pub fn from_dsn(dsn: &Dsn) -> Result<SmsapiConfig, Error> {
        if dsn.scheme() != "smsapi" {
            return Err(DsnError::UnknownScheme {
                scheme: dsn.scheme().to_owned(),
                hint: Some("bramka-smsapi handles smsapi://".into()),
            }
            .into());
        }
        dsn.check_options(OPTIONS)?;
        let missing = || DsnError::Missing {
            scheme: "smsapi".into(),
            what: "a token as the user: smsapi://TOKEN@default".into(),
        };
        let token = dsn.user_secret().filter(|t| !t.is_empty()).ok_or_else(missing)?;
        if dsn.password().is_some() {
            return Err(crate::credentials::SmsapiCredentialsError::LoginAndPassword.into());
        }
        // Timeouts and `insecure_http`, as every operator reads them.
        let mut b = SmsapiConfig::builder(token.clone()).http(HttpSettings::new().from_dsn(dsn)?);
        // `smsapi.pl` / `smsapi.com` are the websites' names, as users copy them: they mean the
        // API hosts, never the website.
        let platform = match (dsn.host().to_ascii_lowercase().as_str(), dsn.port(), dsn.path()) {
            ("pl" | "smsapi.pl" | "api.smsapi.pl", None, "" | "/") => Some(Platform::Pl),
            ("com" | "smsapi.com" | "api.smsapi.com", None, "" | "/") => Some(Platform::Com),
            ("", _, _) => {
                return Err(DsnError::Missing {
                    scheme: "smsapi".into(),
                    what: "a host: default, pl, com or a host name".into(),
                }
                .into());
            }
            _ => None,
        };
        if let Some(p) = &platform {
            b = b.platform(p.clone());
        }
        // `base_url=URL` (a path prefix allowed), else a host other than `default`: the same rule
        // in every operator.
        if (platform.is_none() || dsn.option("base_url").is_some())
            && let Some(url) = base_url_from_dsn(dsn, "/")?
        {
            b = b.base_url(url.as_str());
        }
        if let Some(v) = dsn.bool_option("verify_sender")? {
            b = b.verify_sender(v);
        }
        if let Some(from) = dsn.option("from").filter(|f| !f.is_empty()) {
            b = b.sender(from);
        }
        let fast = dsn.bool_option("fast")?;
        if let Some(t) = dsn.option("type") {
            // Seed 001's three SMSAPI types: Eco, Pro, and Priority (= Pro through the fast queue).
            if t.trim().eq_ignore_ascii_case("priority") {
                if fast == Some(false) {
                    return Err(Error::config(
                        "smsapi:// type=priority means the fast queue; it cannot be combined with fast=0",
                    ));
                }
                b = b.message_type(MessageType::Pro).fast(true);
            } else {
                let ty = MessageType::parse(t).ok_or_else(|| DsnError::InvalidOption {
                    key: "type".into(),
                    value: t.into(),
                    expected: "pro, eco, 2way or priority (pro with fast=1)".into(),
                })?;
                b = b.message_type(ty);
            }
        }
        if let Some(v) = dsn.bool_option("test")? {
            b = b.test_mode(v);
        }
        if let Some(v) = dsn.bool_option("normalize")? {
            b = b.normalize(v);
        }
        if let Some(v) = fast {
            b = b.fast(v);
        }
        if let Some(v) = dsn.bool_option("flash")? {
            b = b.flash(v);
        }
        if let Some(v) = dsn.bool_option("shorten_links")? {
            b = b.shorten_links(v);
        }
        if let Some(v) = dsn.option("max_parts") {
            let n = v.parse::<u8>().map_err(|_| DsnError::InvalidOption {
                key: "max_parts".into(),
                value: v.into(),
                expected: "a number from 1 to 10".into(),
            })?;
            b = b.max_parts(n);
        }
        if let Some(v) = dsn.option("batch_size") {
            let n = v.parse::<usize>().map_err(|_| DsnError::InvalidOption {
                key: "batch_size".into(),
                value: v.into(),
                expected: "a number of recipients per request".into(),
            })?;
            b = b.batch_size(n);
        }
        Ok(b.build()?)
    }
}

impl GatewayFactory for SmsapiFactory {
    fn schemes(&self) -> &[&'static str] {
        &["smsapi"]
    }

    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        Ok(Arc::new(SmsapiGateway::new(SmsapiConfig::from_dsn(dsn)?)?))
    }
}
