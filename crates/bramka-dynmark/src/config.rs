//! [`DynmarkConfig`]: credentials, endpoint, senders, HTTP settings.

use bramka_core::Error;

use crate::wire;

bramka_core::basic_auth_config! {
    /// Configuration of a [`DynmarkGateway`](crate::DynmarkGateway). Build with [`DynmarkConfig::builder`]
    /// (timeouts default to Dynmark's recommendation: 130 s per request, 10 s to connect). Senders are
    /// names of 2 to 11 characters or numbers. `Debug` shows the username's first character only
    /// and never the password.
    ///
    /// ```
    /// use bramka_dynmark::DynmarkConfig;
    /// let config = DynmarkConfig::builder("acme", "s3cret").sender("Acme").sender("AcmeAlerts").build().unwrap();
    /// assert_eq!(config.default_sender(), Some("Acme"));
    /// assert!(!format!("{config:?}").contains("s3cret"));
    /// // Plain http to a non-loopback host would send the password in clear: refused unless asked for.
    /// assert!(DynmarkConfig::builder("acme", "s3cret").base_url("http://dynmark.example").build().is_err());
    /// ```
    pub struct DynmarkConfig, DynmarkConfigBuilder {
        id: "dynmark",
        operator: "Dynmark",
        base_url: "https://services.dynmark.com/webapi/",
        timeouts: wire::TIMEOUTS,
        senders: wire::SENDER_RULES,
    }
}

/// Checks a Dynmark sender: a name of 2 to 11 letters, digits or spaces, or a number of up to 15
/// digits (an optional leading `+` is dropped when sending).
pub fn check_sender(sender: &str) -> Result<(), Error> {
    wire::SENDER_RULES.check(sender)
}
