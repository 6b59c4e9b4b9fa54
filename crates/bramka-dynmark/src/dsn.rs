//! `dynmark://USER:PASSWORD@default?from=Shop`: [`DynmarkFactory`].

use std::sync::Arc;

use bramka_core::{Dsn, Error, Gateway, GatewayFactory};

use crate::{DynmarkConfig, DynmarkConfigBuilder, DynmarkGateway};

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
        DynmarkConfigBuilder::from_dsn(dsn, "/webapi/")?.build()
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
