//! [`InfobipFactory`]: `infobip://KEY@xxxxx.api.infobip.com?from=Shop`.

use std::sync::Arc;

use bramka_core::dsn::{Dsn, DsnError, GatewayFactory};
use bramka_core::http::{self, HttpSettings};
use bramka_core::{Error, Gateway};

use crate::config::InfobipConfig;
use crate::gateway::InfobipGateway;
use crate::options::{InfobipOptions, LanguageCode, SpeedLimit, Transliteration};

/// The Infobip-specific options an `infobip://` DSN accepts, besides the HTTP ones
/// ([`bramka_core::http::HTTP_DSN_OPTIONS`]: `base_url`, `insecure_http`, `timeout`,
/// `connect_timeout`, `tls`).
pub const DSN_OPTIONS: &[&str] = &["from", "transliteration", "language", "speed_limit", "trust_dedupe"];

/// Builds an [`InfobipGateway`] from an `infobip://` DSN.
///
/// The host is the account's base URL host (required unless `base_url=` is given); `https` is
/// used, except for loopback hosts or `tls=0`, which get plain `http`. `base_url=URL` (a path
/// prefix allowed, e.g. a proxy's) replaces the host; plain http to a non-loopback host needs
/// `insecure_http=1`. The API key is the user part; `infobip://USERNAME:PASSWORD@host` signs in
/// with the account's username and password instead (HTTP Basic authentication).
///
/// ```
/// use bramka_core::{Dsn, GatewayFactory};
/// use bramka_infobip::InfobipFactory;
///
/// let dsn = Dsn::parse("infobip://KEY123@xxxxx.api.infobip.com?from=Shop&language=TR").unwrap();
/// let gw = InfobipFactory.create(&dsn).unwrap();
/// assert_eq!(gw.id(), "infobip");
/// assert_eq!(dsn.to_string(), "infobip://***@xxxxx.api.infobip.com?from=Shop&language=TR");
/// assert!(InfobipFactory.create(&Dsn::parse("infobip://KEY@default").unwrap()).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct InfobipFactory;

impl InfobipFactory {
    /// The configuration a DSN describes.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](bramka_core::ErrorKind::Config) when an option is
    /// unknown or has a bad value, the API key (or Basic credentials) is missing, or
    /// [`InfobipConfigBuilder::build`](crate::InfobipConfigBuilder::build) refuses the configuration.
    pub fn config(dsn: &Dsn) -> Result<InfobipConfig, Error> {
        let accepted: Vec<&str> = DSN_OPTIONS.iter().chain(http::HTTP_DSN_OPTIONS).copied().collect();
        dsn.check_options(&accepted)?;
        let missing = |what: &str| DsnError::Missing { scheme: "infobip".into(), what: what.into() };
        let key = dsn
            .user_secret()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| missing("the API key as the user: infobip://KEY@xxxxx.api.infobip.com"))?;
        let Some(base) = http::base_url_from_dsn(dsn, "/")? else {
            return Err(missing(
                "the account's base URL host (shown in the Infobip portal): infobip://KEY@xxxxx.api.infobip.com, or base_url=https://...",
            )
            .into());
        };
        let settings = HttpSettings::new().from_dsn(dsn)?;
        let invalid = |key: &str, value: &str, e: crate::options::OptionError| DsnError::InvalidOption {
            key: key.into(),
            value: value.into(),
            expected: e.to_string(),
        };
        let mut options = InfobipOptions::new();
        if let Some(v) = dsn.option("transliteration") {
            options.transliteration =
                Some(v.parse::<Transliteration>().map_err(|e| invalid("transliteration", v, e))?);
        }
        if let Some(v) = dsn.option("language") {
            options = options.language(v.parse::<LanguageCode>().map_err(|e| invalid("language", v, e))?);
        }
        if let Some(v) = dsn.option("speed_limit") {
            options.speed_limit = Some(v.parse::<SpeedLimit>().map_err(|e| invalid("speed_limit", v, e))?);
        }
        // `infobip://USER:PASSWORD@host`: Basic authentication with the account's login.
        let mut b = match dsn.password() {
            Some(pw) => InfobipConfig::builder_basic(base.as_str(), key.expose(), pw.clone()),
            None => InfobipConfig::builder(base.as_str(), key.clone()),
        }
        .http(settings)
        .options(options)
        .trust_duplicate_rejection(dsn.bool_option("trust_dedupe")?.unwrap_or(false));
        if let Some(from) = dsn.option("from") {
            b = b.sender(from);
        }
        Ok(b.build()?)
    }
}

impl GatewayFactory for InfobipFactory {
    fn schemes(&self) -> &[&'static str] {
        &["infobip"]
    }

    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        Ok(Arc::new(InfobipGateway::new(Self::config(dsn)?)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bramka_core::ErrorKind;

    fn cfg(s: &str) -> Result<InfobipConfig, Error> {
        InfobipFactory::config(&Dsn::parse(s).unwrap())
    }

    #[test]
    fn full_dsn() {
        let c = cfg("infobip://K%40Y@abc.api.infobip.com?from=Shop&timeout=5s&connect_timeout=2s&transliteration=central_european&language=TR&speed_limit=10/minute&trust_dedupe=1").unwrap();
        assert_eq!(c.base_url().as_str(), "https://abc.api.infobip.com/");
        assert_eq!(c.api_key.expose(), "K@Y");
        assert_eq!(c.sender().unwrap().as_string(), "Shop");
        assert_eq!(c.timeouts().request.as_secs(), 5);
        assert_eq!(c.timeouts().connect.as_secs(), 2);
        assert_eq!(c.options().transliteration, Some(Transliteration::CentralEuropean));
        assert_eq!(c.options().language.unwrap().code, LanguageCode::Turkish);
        assert_eq!(c.options().speed_limit.unwrap().amount, 10);
        assert_eq!(c.idempotency(), bramka_core::Idempotency::ServerDedupe);
    }

    #[test]
    fn loopback_gets_http() {
        let c = cfg("infobip://KEY@127.0.0.1:8080").unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn refusals_are_config_errors_without_the_key() {
        for (dsn, needle) in [
            ("infobip://abc.api.infobip.com", "API key"),
            ("infobip://SECRETKEY@default", "base URL"),
            ("infobip://SECRETKEY@abc.api.infobip.com?colour=red", "colour"),
            ("infobip://SECRETKEY@abc.api.infobip.com?language=PL", "language"),
            ("infobip://SECRETKEY@abc.api.infobip.com?speed_limit=fast", "speed_limit"),
            ("infobip://SECRETKEY@abc.api.infobip.com?from=WayTooLongSender", "sender"),
        ] {
            let e = cfg(dsn).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{dsn}: {e}");
            assert!(e.to_string().contains(needle), "{dsn}: {e}");
            assert!(!e.to_string().contains("SECRETKEY") && !format!("{e:?}").contains("SECRETKEY"), "{e:?}");
        }
    }
}
