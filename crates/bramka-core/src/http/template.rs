//! [`basic_auth_config!`](crate::basic_auth_config): the configuration and builder of an operator
//! that authenticates with HTTP Basic and names its senders from a list, written once.

/// Defines an operator's configuration `$config` and its builder `$builder`: HTTP Basic
/// credentials ([`BasicAuth`](crate::http::BasicAuth)), a base URL (https unless loopback, a path
/// prefix allowed), the configured senders ([`SenderList`](crate::senders::SenderList), the
/// first is the default) and the [`HttpSettings`](crate::http::HttpSettings) (the builder's
/// setters come from [`http_setters!`](crate::http_setters)).
///
/// `Debug` masks the username and never shows the password. Every check happens in the
/// builder's `build`: the credentials, the base URL, and each sender against `senders`. The
/// builder's `from_dsn(dsn, default_path)` reads a DSN's credentials, its `from` senders
/// (comma-separated) and the options of [`HTTP_DSN_OPTIONS`](crate::http::HTTP_DSN_OPTIONS).
///
/// ```
/// use std::time::Duration;
/// use bramka_core::http::Timeouts;
/// use bramka_core::senders::SenderRules;
///
/// bramka_core::basic_auth_config! {
///     /// Acme's configuration.
///     pub struct AcmeConfig, AcmeConfigBuilder {
///         id: "acme",
///         operator: "Acme",
///         base_url: "https://api.acme.example/v1/",
///         timeouts: Timeouts { connect: Duration::from_secs(5), request: Duration::from_secs(60) },
///         senders: SenderRules::new("acme", "Acme", 2, 11),
///     }
/// }
///
/// let c = AcmeConfig::builder("user", "pw").sender("Shop").build().unwrap();
/// assert_eq!((c.username(), c.default_sender()), ("user", Some("Shop")));
/// assert_eq!(c.base_url().as_str(), "https://api.acme.example/v1/");
/// assert_eq!(c.http().timeouts().request, Duration::from_secs(60));
/// assert!(!format!("{c:?}").contains("pw\""));
/// assert!(AcmeConfig::builder("user", "pw").sender("X").build().is_err());
///
/// let dsn = bramka_core::Dsn::parse("acme://user:pw@default?from=Shop,Alerts&timeout=9s").unwrap();
/// let c = AcmeConfigBuilder::from_dsn(&dsn, "/v1/").unwrap().build().unwrap();
/// assert_eq!(c.senders(), ["Shop", "Alerts"]);
/// assert_eq!(c.http().timeouts().request, Duration::from_secs(9));
/// ```
#[macro_export]
macro_rules! basic_auth_config {
    (
        $(#[$meta:meta])*
        pub struct $config:ident, $builder:ident {
            id: $id:literal,
            operator: $operator:expr,
            base_url: $default_base:literal,
            timeouts: $timeouts:expr,
            senders: $rules:expr $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $config {
            pub(crate) auth: $crate::http::BasicAuth,
            pub(crate) base_url: $crate::http::BaseUrl,
            pub(crate) senders: $crate::senders::SenderList,
            pub(crate) http: $crate::http::HttpSettings,
        }

        impl $config {
            /// Starts a builder with the account's username and password (HTTP Basic), and the
            /// operator's recommended timeouts.
            pub fn builder(username: impl Into<String>, password: impl Into<$crate::Secret>) -> $builder {
                $builder {
                    auth: $crate::http::BasicAuth::new(username, password),
                    base_url: None,
                    senders: Vec::new(),
                    http: $crate::http::HttpSettings::with_timeouts($timeouts),
                }
            }
            /// The username.
            pub fn username(&self) -> &str {
                self.auth.username()
            }
            /// The base URL.
            pub fn base_url(&self) -> &$crate::http::BaseUrl {
                &self.base_url
            }
            /// The configured sender names; the first is the default.
            pub fn senders(&self) -> &[String] {
                self.senders.names()
            }
            /// The sender used when a message has none.
            pub fn default_sender(&self) -> Option<&str> {
                self.senders.default()
            }
            /// The HTTP settings (timeouts, client, `insecure_http`).
            pub fn http(&self) -> &$crate::http::HttpSettings {
                &self.http
            }
        }

        #[doc = concat!("Builds a [`", stringify!($config), "`]; every check happens in [`build`](Self::build). `Debug` masks the credentials.")]
        #[derive(Debug, Clone)]
        pub struct $builder {
            auth: $crate::http::BasicAuth,
            base_url: Option<String>,
            senders: Vec<String>,
            http: $crate::http::HttpSettings,
        }

        impl $builder {
            #[doc = concat!("Another base URL, a path prefix allowed (default `", $default_base, "`); https unless the host is loopback, see [`insecure_http`](Self::insecure_http).")]
            pub fn base_url(mut self, url: impl Into<String>) -> Self {
                self.base_url = Some(url.into());
                self
            }
            /// Adds a sender name or number; the first added is the default.
            pub fn sender(mut self, sender: impl Into<String>) -> Self {
                self.senders.push(sender.into());
                self
            }
            $crate::http_setters!(http);

            /// A builder from a DSN's user and password, its `from` senders (comma-separated), and
            /// its HTTP options (`base_url`, or the DSN's host and path with `default_path`).
            /// The caller checks which options it accepts.
            pub fn from_dsn(dsn: &$crate::Dsn, default_path: &str) -> Result<Self, $crate::Error> {
                let what = concat!("a username and password: ", $id, "://USER:PASSWORD@default");
                let user = dsn.required_user(what)?.expose();
                let password = dsn.required_password(what)?.clone();
                let http = $crate::http::HttpSettings::with_timeouts($timeouts).from_dsn(dsn)?;
                let mut b = $config::builder(user, password).http(http);
                if let Some(base) = $crate::http::base_url_from_dsn(dsn, default_path)? {
                    b = b.base_url(base.as_str());
                }
                b.senders.extend(dsn.list_option("from").into_iter().map(str::to_owned));
                Ok(b)
            }

            /// Validates and builds.
            pub fn build(self) -> Result<$config, $crate::Error> {
                self.auth.check($id, $operator)?;
                let base_url = self.http.endpoint($id, self.base_url.as_deref(), $default_base)?;
                let senders = $crate::senders::SenderList::new($rules, self.senders)?;
                Ok($config { auth: self.auth, base_url, senders, http: self.http })
            }
        }
    };
}
