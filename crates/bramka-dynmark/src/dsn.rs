//! `dynmark://USER:PASSWORD@default?from=Shop`: [`DynmarkFactory`].

use std::sync::Arc;

use bramka_core::{Dsn, DsnError, Error, Gateway, GatewayFactory};

use crate::{DynmarkConfig, DynmarkGateway};

/// Options accepted in a Dynmark DSN.
pub const OPTIONS: &[&str] = &["from", "timeout", "connect_timeout", "tls"];

/// Builds [`DynmarkGateway`]s from `dynmark://` DSNs.
///
/// | part | meaning |
/// |---|---|
/// | user, password | account credentials (percent-encode `@ : / ?`) |
/// | host | `default` (services.dynmark.com) or another `host[:port]` |
/// | path | REST base path, default `/webapi/` |
/// | `from` | sender names, comma-separated; the first is the default (2 to 11 characters) |
/// | `timeout`, `connect_timeout` | `130s`, `500ms`, … |
/// | `tls` | `0` for plain http; loopback hosts (`127.0.0.1`, `localhost`, `[::1]`) default to it |
///
/// ```
/// use bramka_core::{Dsn, GatewayFactory};
/// use bramka_dynmark::DynmarkFactory;
/// let gw = DynmarkFactory.create(&Dsn::parse("dynmark://acme:s3cret@default?from=Acme").unwrap()).unwrap();
/// assert_eq!(gw.id(), "dynmark");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DynmarkFactory;

impl DynmarkFactory {
    /// The configuration a DSN describes.
    pub fn config(dsn: &Dsn) -> Result<DynmarkConfig, Error> {
        dsn.check_options(OPTIONS)?;
        let missing = || DsnError::Missing {
            scheme: "dynmark".into(),
            what: "a username and password: dynmark://USER:PASSWORD@default".into(),
        };
        let user = dsn.user().ok_or_else(missing)?;
        let password = dsn.password().ok_or_else(missing)?.clone();
        let mut b = DynmarkConfig::builder(user, password);
        if dsn.host() != "default" {
            // Loopback hosts default to plain http (mock servers), as in the other operator crates.
            let tls = dsn.bool_option("tls")?.unwrap_or(!dsn.is_loopback_host());
            let port = dsn.port().map(|p| format!(":{p}")).unwrap_or_default();
            let path = if dsn.path().is_empty() { "/webapi/" } else { dsn.path() };
            b = b.base_url(format!("{}://{}{port}{path}", if tls { "https" } else { "http" }, dsn.host()));
        }
        if let Some(from) = dsn.option("from") {
            for s in from.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                b = b.sender(s);
            }
        }
        if let Some(d) = dsn.duration_option("timeout")? {
            b = b.timeout(d);
        }
        if let Some(d) = dsn.duration_option("connect_timeout")? {
            b = b.connect_timeout(d);
        }
        b.build()
    }
}

impl GatewayFactory for DynmarkFactory {
    fn schemes(&self) -> &[&'static str] {
        &["dynmark"]
    }

    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        Ok(Arc::new(DynmarkGateway::new(Self::config(dsn)?)?))
    }
}
