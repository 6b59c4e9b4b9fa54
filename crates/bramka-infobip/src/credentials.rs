//! The two ways an Infobip account signs in: an API key (`Authorization: App <key>`, the default)
//! or the account's username and password (`Authorization: Basic base64(user:password)`).

use base64::Engine as _;
use bramka_core::{Error, Secret};
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
        let mut b = InfobipConfig::builder(base_url, password);
        b.basic_user = Some(username.to_owned());
        b
    }

    /// The username, when the account signs in with username and password.
    pub fn username(&self) -> Option<&str> {
        self.basic_user.as_deref()
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

/// The `Authorization` header value and the strings to scrub from quoted answers.
pub(crate) fn authorization(config: &InfobipConfig) -> Result<(HeaderValue, Vec<String>), Error> {
    let secret = config.api_key.expose();
    let (value, scrub) = match &config.basic_user {
        None => (format!("App {secret}"), vec![secret.to_owned()]),
        Some(user) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
            (format!("Basic {encoded}"), vec![secret.to_owned(), encoded])
        }
    };
    let mut header = HeaderValue::from_str(&value).map_err(|_| {
        Error::config("the Infobip credentials are not a valid header value").with_gateway(GATEWAY)
    })?;
    header.set_sensitive(true);
    Ok((header, scrub))
}
