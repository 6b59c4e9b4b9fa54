//! `dynmark://USER:PASSWORD@default?from=Shop`: [`DynmarkFactory`].

use std::sync::Arc;

use bramka_core::http::{self, HttpSettings};
use bramka_core::{Dsn, Error, Gateway, GatewayFactory};

use crate::{DynmarkConfig, DynmarkGateway};

/// Options accepted in a Dynmark DSN: `from` and the HTTP options every operator accepts.
pub const OPTIONS: &[&str] = &["from", "base_url", "insecure_http", "timeout", "connect_timeout", "tls"];

/// Builds [`DynmarkGateway`]s from `dynmark://` DSNs.
///
/// | part | meaning |
/// |---|---|
/// | user, password | account credentials (percent-encode `@ : / ?`) |
/// | host | `default` (services.dynmark.com) or another `host[:port]` |
/// | path | REST base path, default `/webapi/` |
/// | `from` | sender names, comma-separated; the first is the default (2 to 11 characters) |
/// | `base_url`, `insecure_http`, `timeout`, `connect_timeout`, `tls` | as for every operator: see [`HTTP_DSN_OPTIONS`](bramka_core::http::HTTP_DSN_OPTIONS) (timeouts default to 130 s and 10 s) |
///
/// ```
/// use bramka_core::{Dsn, GatewayFactory};
/// use bramka_dynmark::DynmarkFactory;
/// let gw = DynmarkFactory.create(&Dsn::parse("dynmark://acme:s3cret@default?from=Acme").unwrap()).unwrap();
/// assert_eq!(gw.id(), "dynmark");
/// assert!(DynmarkFactory.create(&Dsn::parse("dynmark://acme:s3cret@dyn.example?tls=0").unwrap()).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DynmarkFactory;

impl DynmarkFactory {
    /// The configuration a DSN describes.
    pub fn config(dsn: &Dsn) -> Result<DynmarkConfig, Error> {
        dsn.check_options(OPTIONS)?;
        let what = "a username and password: dynmark://USER:PASSWORD@default";
        let user = dsn.required_user(what)?.expose();
        let password = dsn.required_password(what)?.clone();
        let http = HttpSettings::with_timeouts(crate::wire::TIMEOUTS).from_dsn(dsn)?;
        let mut b = DynmarkConfig::builder(user, password).http(http);
        if let Some(base) = http::base_url_from_dsn(dsn, "/webapi/")? {
            b = b.base_url(base.as_str());
        }
        for s in dsn.option("from").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()) {
            b = b.sender(s);
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
