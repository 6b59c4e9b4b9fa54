//! [`TwilioFactory`]: `twilio://` DSNs.
//!
//! | DSN | meaning |
//! |---|---|
//! | `twilio://AC…:TOKEN@default?from=%2B15005550006` | Account SID + Auth Token, default `From` |
//! | `twilio://AC…:TOKEN@default?messaging_service=MG…` | sends through a Messaging Service (needed for scheduling) |
//! | `twilio://SK…:SECRET@default?account_sid=AC…&from=…` | API key; the account SID goes in the path |
//! | `twilio://AC…:TOKEN@api.dublin.ie1.twilio.com?from=…` | another host (https; http only for loopback or `tls=0`) |
//! | `…?base_url=https%3A%2F%2Fproxy.example%2Ftw` | another base URL, path prefix kept |
//! | `…?base_url=http%3A%2F%2Fproxy.lan&insecure_http=1` | plain http to a non-loopback host: refused without `insecure_http=1` (the token would travel in clear) |
//!
//! Options: `from`, `messaging_service`, `account_sid`, `region` + `edge`, `base_url`,
//! `insecure_http`, `tls`, `timeout`, `connect_timeout`, `concurrency`, `smart_encoded`,
//! `shorten_urls`, `rate_limit_retries`.

use std::sync::Arc;

use bramka_core::dsn::DsnError;
use bramka_core::http::{self, HttpSettings};
use bramka_core::{Dsn, Error, Gateway, GatewayFactory};

use crate::config::{TwilioConfig, TwilioConfigBuilder};
use crate::gateway::TwilioGateway;

/// The DSN scheme.
pub const SCHEME: &str = "twilio";

const OPTIONS: &[&str] = &[
    "from",
    "messaging_service",
    "account_sid",
    "region",
    "edge",
    "base_url",
    "insecure_http",
    "tls",
    "timeout",
    "connect_timeout",
    "concurrency",
    "smart_encoded",
    "shorten_urls",
    "rate_limit_retries",
];

/// Builds [`TwilioGateway`]s from `twilio://` DSNs.
///
/// ```
/// use bramka_core::{Dsn, GatewayFactory};
/// use bramka_twilio::TwilioFactory;
/// let dsn = Dsn::parse("twilio://AC0123456789abcdef0123456789abcdef:token@default?from=%2B15005550006").unwrap();
/// let gw = TwilioFactory.create(&dsn).unwrap();
/// assert_eq!(gw.id(), "twilio");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TwilioFactory;

impl TwilioFactory {
    /// The configuration a DSN describes.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](bramka_core::ErrorKind::Config) when the
    /// scheme is not `twilio`, an option is unknown or has a bad value, the Account SID or secret is
    /// missing, or [`TwilioConfigBuilder::build`] refuses the configuration.
    pub fn config(dsn: &Dsn) -> Result<TwilioConfig, Error> {
        Ok(Self::builder(dsn)?.build()?)
    }

    fn builder(dsn: &Dsn) -> Result<TwilioConfigBuilder, Error> {
        if dsn.scheme() != SCHEME {
            return Err(DsnError::UnknownScheme { scheme: dsn.scheme().to_owned(), hint: None }.into());
        }
        dsn.check_options(OPTIONS)?;
        let missing = |what: &str| DsnError::Missing { scheme: SCHEME.into(), what: what.into() };
        let user = dsn.user().filter(|u| !u.is_empty()).ok_or_else(|| {
            missing("the Account SID (or API key SID) as the user: twilio://AC…:AUTH_TOKEN@default")
        })?;
        let secret = dsn
            .password()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                missing("the Auth Token (or API key secret) as the password: twilio://AC…:AUTH_TOKEN@default")
            })?
            .clone();
        let mut b = if user.starts_with("SK") {
            let account = dsn
                .option("account_sid")
                .ok_or_else(|| missing("account_sid=AC… when the user is an API key SID (SK…)"))?;
            TwilioConfig::builder_with_api_key(account, user, secret)
        } else {
            if dsn.option("account_sid").is_some_and(|a| a != user) {
                return Err(DsnError::InvalidOption {
                    key: "account_sid".into(),
                    value: crate::config::mask_sid(dsn.option("account_sid").unwrap_or_default()),
                    expected: "the same SID as the user, or an API key SID (SK…) as the user".into(),
                }
                .into());
            }
            TwilioConfig::builder(user, secret)
        };
        match (dsn.option("edge"), dsn.option("region")) {
            (Some(e), Some(r)) => b = b.region(e, r),
            (None, None) => {}
            _ => {
                return Err(DsnError::InvalidOption {
                    key: "region".into(),
                    value: dsn.option("region").or(dsn.option("edge")).unwrap_or_default().into(),
                    expected: "both edge and region (e.g. edge=dublin&region=ie1)".into(),
                }
                .into());
            }
        }
        if let Some(base) = http::base_url_from_dsn(dsn, "/")? {
            b = b.base_url(base.as_str());
        }
        if let Some(f) = dsn.option("from") {
            b = b.from(f);
        }
        if let Some(m) = dsn.option("messaging_service") {
            b = b.messaging_service_sid(m);
        }
        b = b.http(HttpSettings::new().from_dsn(dsn)?);
        if let Some(n) = number_option(dsn, "concurrency")? {
            b = b.concurrency(n as usize);
        }
        if let Some(n) = number_option(dsn, "rate_limit_retries")? {
            b = b.rate_limit_retries(n);
        }
        if let Some(v) = dsn.bool_option("smart_encoded")? {
            b = b.smart_encoded(v);
        }
        if let Some(v) = dsn.bool_option("shorten_urls")? {
            b = b.shorten_urls(v);
        }
        Ok(b)
    }
}

fn number_option(dsn: &Dsn, key: &str) -> Result<Option<u32>, DsnError> {
    dsn.option(key)
        .map(|v| {
            v.trim().parse::<u32>().map_err(|_| DsnError::InvalidOption {
                key: key.into(),
                value: v.into(),
                expected: "a whole number".into(),
            })
        })
        .transpose()
}

impl GatewayFactory for TwilioFactory {
    fn schemes(&self) -> &[&'static str] {
        &[SCHEME]
    }

    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        Ok(Arc::new(TwilioGateway::new(Self::config(dsn)?)?))
    }
}
