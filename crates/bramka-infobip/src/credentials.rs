//! The two ways an Infobip account signs in: an API key (`Authorization: App <key>`, the default)
//! or the account's username and password (`Authorization: Basic base64(user:password)`).

use bramka_core::http::{BasicAuth, Scrubber};
use bramka_core::{Error, Secret};
use reqwest::RequestBuilder;
use reqwest::header::HeaderValue;

use crate::config::{InfobipConfig, InfobipConfigBuilder};
use crate::errors::GATEWAY;

impl InfobipConfig {
    /// Starts a builder for an account that signs in with its username and password (HTTP Basic
    /// authentication) instead of an API key. The password is a [`Secret`]: never printed.
    ///
    /// ```
    /// use bramka_infobip::InfobipConfig;
    /// let cfg = InfobipConfig::builder_basic("xxxxx.api.infobip.com", "jan", "tajne-9").build().unwrap();
    /// assert_eq!(cfg.username(), Some("jan"));
    /// assert!(!format!("{cfg:?}").contains("tajne-9"));
    /// ```
    pub fn builder_basic(
        base_url: &str,
        username: &str,
        password: impl Into<Secret>,
    ) -> InfobipConfigBuilder {
        let password = password.into();
        let mut b = InfobipConfig::builder(base_url, password.clone());
        b.basic = Some(BasicAuth::new(username, password));
        b
    }

    /// The username, when the account signs in with username and password.
    pub fn username(&self) -> Option<&str> {
        self.basic.as_ref().map(BasicAuth::username)
    }
}

/// Checks a Basic username: not empty, no `:` (it would split the credentials), visible ASCII.
pub(crate) fn check_username(user: &str) -> Result<(), String> {
    if user.is_empty() {
        return Err("the Infobip username is empty".to_owned());
    }
    if user.contains(':') || !user.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!(
            "invalid Infobip username {user:?}: expected visible ASCII characters without ':'"
        ));
    }
    Ok(())
}

/// How every request signs in.
pub(crate) enum Authorization {
    /// `Authorization: App <key>`, marked sensitive.
    App(HeaderValue),
    /// HTTP Basic, through the core's [`BasicAuth`].
    Basic(BasicAuth),
}

impl Authorization {
    /// `request` with the credentials.
    pub(crate) fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Authorization::App(value) => request.header(reqwest::header::AUTHORIZATION, value.clone()),
            Authorization::Basic(basic) => basic.apply(request),
        }
    }
}

/// The credentials of every request, and the scrubber for quoted answers (the key; or the
/// password and the base64 credentials).
pub(crate) fn authorization(config: &InfobipConfig) -> Result<(Authorization, Scrubber), Error> {
    if let Some(basic) = &config.basic {
        return Ok((Authorization::Basic(basic.clone()), basic.scrubber()));
    }
    let secret = config.api_key.expose();
    let mut header = HeaderValue::from_str(&format!("App {secret}")).map_err(|_| {
        Error::config("the Infobip credentials are not a valid header value").with_gateway(GATEWAY)
    })?;
    header.set_sensitive(true);
    Ok((Authorization::App(header), Scrubber::new([secret])))
}
