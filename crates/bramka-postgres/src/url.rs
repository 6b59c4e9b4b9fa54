//! The connection URL: parsed once, printed only with its password masked, and the rustls
//! connector (ring, webpki roots) used when the URL asks for TLS (`sslmode=prefer`, the
//! default, `sslmode=require` or `sslmode=verify-full`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::Error;

/// A `postgres://` (or `postgresql://`) connection URL whose password is never printed:
/// `Debug`, `Display` and every error show it as `***`.
///
/// TLS follows the URL's `sslmode`: `disable`, `prefer` (the default: TLS when the server offers
/// it), `require` or `verify-full`; certificates (chain and host name) are always verified against
/// the webpki roots, so `require` already checks what libpq's `verify-full` checks, and
/// `verify-full` is accepted as the same mode.
///
/// ```
/// let url = bramka_postgres::PostgresUrl::parse("postgres://app:s3cret@db.example/votes", "bramka-inbound")?;
/// assert_eq!(url.to_string(), "postgres://app:***@db.example/votes");
/// assert_eq!(url.config().get_application_name(), Some("bramka-inbound"));
/// # Ok::<(), bramka_postgres::Error>(())
/// ```
#[derive(Clone)]
pub struct PostgresUrl {
    config: tokio_postgres::Config,
    masked: String,
}

/// Replaces the password (in the user info and in a `password=` query parameter) with `***`.
pub(crate) fn mask(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let end = out[start..].find(['/', '?', '#']).map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let masked: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect();
        out = format!("{head}{}", masked.join("&"));
    }
    out
}

impl PostgresUrl {
    /// Parses a URL such as `postgres://user:secret@db.example:5432/bramka?sslmode=require`;
    /// the connections name themselves `application_name` (what `pg_stat_activity` shows) unless
    /// the URL sets `application_name` itself.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidUrl`] (naming the URL with its password masked) when `url` does not start
    /// with `postgres://` or `postgresql://`, when tokio-postgres cannot parse it, or when it names no
    /// database.
    pub fn parse(url: &str, application_name: &str) -> Result<Self, Error> {
        let masked = mask(url);
        let bad = |why: String| Error::InvalidUrl { url: masked.clone(), reason: why };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad("expected a URL starting with postgres:// or postgresql://".into()));
        }
        let mut config =
            tokio_postgres::Config::from_str(&verify_full_as_require(url)).map_err(|e| bad(e.to_string()))?;
        if config.get_dbname().is_none() {
            return Err(bad("no database name (postgres://user:password@host/DATABASE)".into()));
        }
        if config.get_application_name().is_none() {
            config.application_name(application_name);
        }
        Ok(PostgresUrl { config, masked })
    }

    /// The parsed configuration (it holds the password: do not print it).
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }
}

/// `sslmode=verify-full` (which tokio-postgres does not parse) as `sslmode=require`: with rustls
/// every TLS connection verifies the chain and the host name, which is what `verify-full` asks.
fn verify_full_as_require(url: &str) -> String {
    let Some((head, query)) = url.split_once('?') else { return url.to_owned() };
    let query: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if k == "sslmode" && v == "verify-full" => "sslmode=require".to_owned(),
            _ => kv.to_owned(),
        })
        .collect();
    format!("{head}?{}", query.join("&"))
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked)
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PostgresUrl").field(&self.masked).finish()
    }
}

/// The rustls connector (ring provider, webpki roots; no process-wide provider is installed), for
/// [`tokio_postgres::Config::connect`]; it is used only when the URL's `sslmode` asks for TLS.
///
/// # Errors
///
/// Returns [`Error::Tls`] when rustls cannot build a client configuration with its safe default
/// protocol versions for the ring provider.
pub fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, Error> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_masked_everywhere() {
        let u = PostgresUrl::parse(
            "postgres://app:s3cr%21t@db.example:5433/votes?sslmode=require",
            "bramka-test",
        )
        .unwrap();
        for s in [u.to_string(), format!("{u:?}")] {
            assert!(!s.contains("s3cr"), "{s}");
            assert!(s.contains("app:***@db.example:5433/votes"), "{s}");
        }
        assert_eq!(u.config().get_password(), Some(&b"s3cr!t"[..]));
        assert_eq!(u.config().get_ssl_mode(), tokio_postgres::config::SslMode::Require);
        assert_eq!(
            mask("postgres://h/db?user=a&password=hunter2&x=1"),
            "postgres://h/db?user=a&password=***&x=1"
        );
        assert_eq!(mask("postgres://a@h/db"), "postgres://a@h/db");
        assert_eq!(mask("postgres://a:p@ss@h/db"), "postgres://a:***@h/db");
    }

    #[test]
    fn verify_full_is_require_with_verified_certificates() {
        let u = PostgresUrl::parse(
            "postgres://app:pw@db.example/votes?sslmode=verify-full&connect_timeout=5",
            "bramka-test",
        )
        .unwrap();
        assert_eq!(u.config().get_ssl_mode(), tokio_postgres::config::SslMode::Require);
        assert!(u.to_string().contains("sslmode=verify-full"), "{u}");
        let e =
            PostgresUrl::parse("postgres://app:hunter2@db.example/votes?sslmode=verify-ca", "bramka-test")
                .unwrap_err();
        assert!(e.to_string().contains("sslmode") && !e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn bad_urls_are_refused_without_the_password() {
        for (url, why) in [
            ("mysql://u:hunter2@h/db", "postgres://"),
            ("postgres://u:hunter2@h:notaport/db", "port"),
            ("postgres://u:hunter2@h/db?sslmode=sometimes", "sslmode"),
            ("postgres://u:hunter2@h", "no database name"),
            ("postgres://u@h/db?password=hunter2&sslmode=bad", "sslmode"),
        ] {
            let e = PostgresUrl::parse(url, "bramka-test").unwrap_err();
            let (s, d) = (e.to_string(), format!("{e:?}"));
            assert!(!s.contains("hunter2") && !d.contains("hunter2"), "{s} / {d}");
            assert!(s.contains(why), "{url}: {s}");
            assert!(matches!(e, Error::InvalidUrl { .. }), "{e:?}");
        }
    }

    #[test]
    fn the_application_name_is_the_callers_unless_the_url_sets_one() {
        let u = PostgresUrl::parse("postgres://app:pw@h/db", "bramka-ledger").unwrap();
        assert_eq!(u.config().get_application_name(), Some("bramka-ledger"));
        let u =
            PostgresUrl::parse("postgres://app:pw@h/db?application_name=night-job", "bramka-ledger").unwrap();
        assert_eq!(u.config().get_application_name(), Some("night-job"));
    }
}
