//! [`BasicAuth`]: an account's HTTP Basic credentials, masked in Debug and scrubbed from answers.

use super::Scrubber;
use crate::error::Error;
use crate::secret::{Masked, Secret};

/// HTTP Basic credentials: the username (`Debug` shows its first character, see [`Masked`]) and
/// the password (a [`Secret`]).
///
/// ```
/// use bramka_core::http::BasicAuth;
/// let auth = BasicAuth::new("acme", "pa55-word");
/// assert_eq!(format!("{auth:?}"), r#"BasicAuth { username: "a***", password: *** }"#);
/// assert!(auth.check("acme", "Acme").is_ok());
/// let e = BasicAuth::new(" ", "pw").check("acme", "Acme").unwrap_err();
/// assert_eq!(e.operator_message(), "Acme needs a username");
/// // The scrubber removes the password and the base64 credentials an echo would show.
/// assert_eq!(auth.scrubber().scrub("YWNtZTpwYTU1LXdvcmQ= pa55-word"), "*** ***");
/// ```
#[derive(Debug, Clone)]
pub struct BasicAuth {
    username: Masked,
    password: Secret,
}

impl BasicAuth {
    /// Credentials; checked by [`check`](Self::check).
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        BasicAuth { username: Masked::new(username), password: password.into() }
    }
    /// The username.
    pub fn username(&self) -> &str {
        self.username.as_str()
    }
    /// The password.
    pub fn password(&self) -> &Secret {
        &self.password
    }
    /// Refuses a blank username or an empty password: a configuration error saying what
    /// `operator` (`"Dynmark"`) needs.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config), naming `gateway`, when the
    /// username is blank or the password is empty.
    pub fn check(&self, gateway: &'static str, operator: &str) -> Result<(), Error> {
        let missing =
            |what: &str| Err(Error::config(format!("{operator} needs {what}")).with_gateway(gateway));
        if self.username.as_str().trim().is_empty() {
            return missing("a username");
        }
        if self.password.is_empty() {
            return missing("a password");
        }
        Ok(())
    }
    /// `request` with these credentials.
    pub fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.basic_auth(self.username.as_str(), Some(self.password.expose()))
    }
    /// A [`Scrubber`] for the password and the encoded credentials
    /// ([`Scrubber::basic_auth`]).
    pub fn scrubber(&self) -> Scrubber {
        Scrubber::basic_auth(self.username.as_str(), self.password.expose())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_the_credentials_and_debug_never_does() {
        let auth = BasicAuth::new("acme-user", "s3cret-pw");
        let req = auth
            .apply(
                super::super::client(super::super::Timeouts::default()).unwrap().get("http://127.0.0.1:9/"),
            )
            .build()
            .unwrap();
        // base64("acme-user:s3cret-pw")
        assert_eq!(req.headers()["authorization"], "Basic YWNtZS11c2VyOnMzY3JldC1wdw==");
        let debug = format!("{auth:?}");
        assert!(!debug.contains("s3cret") && !debug.contains("cme-user"), "{debug}");
        assert_eq!(auth.username(), "acme-user");
        let e = BasicAuth::new("u", "").check("g", "Op").unwrap_err();
        assert_eq!((e.operator_message(), e.gateway()), ("Op needs a password", Some("g")));
    }
}
