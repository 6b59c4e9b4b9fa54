//! The sandbox's settings: credentials to require, delivery timing, callback URLs, faults' timing
//! and seed.

use std::fmt;
use std::time::Duration;

use crate::fault::{FaultTiming, Route, RouteFaults};

/// Where callbacks go when a message names no URL of its own.
///
/// ```
/// use bramka_sandbox::{CallbackUrls, SandboxConfig};
///
/// let mut urls = CallbackUrls::default();
/// urls.twilio_status = Some("http://127.0.0.1:8080/hooks/twilio".into());
/// let config = SandboxConfig::default().callbacks(urls);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackUrls {
    /// SMSAPI delivery reports (GET with query parameters), unless the send had `notify_url`.
    pub smsapi_dlr: Option<String>,
    /// SMSAPI inbound messages (POST form).
    pub smsapi_mo: Option<String>,
    /// Infobip delivery reports (POST JSON), unless the send had `webhooks.delivery.url`/`notifyUrl`.
    pub infobip_dlr: Option<String>,
    /// Infobip inbound messages (POST JSON `MO_JSON_2`).
    pub infobip_mo: Option<String>,
    /// Twilio status callbacks (POST form, signed), unless the create had `StatusCallback`.
    pub twilio_status: Option<String>,
    /// Twilio inbound messages (POST form, signed).
    pub twilio_inbound: Option<String>,
}

/// Settings of a [`crate::Sandbox`]. Secrets are never shown by `Debug`.
///
/// ```
/// use std::time::Duration;
/// use bramka_sandbox::SandboxConfig;
///
/// let config = SandboxConfig::default()
///     .smsapi_token("test-token") // else any token is accepted
///     .twilio("AC0123456789abcdef0123456789abcdef", "auth-token")
///     .delivery_delay(Some(Duration::from_millis(100)))
///     .seed(7);
/// assert!(!format!("{config:?}").contains("auth-token"));
/// ```
#[derive(Clone)]
pub struct SandboxConfig {
    pub(crate) smsapi_token: Option<String>,
    pub(crate) infobip_api_key: Option<String>,
    pub(crate) twilio: Option<(String, String)>,
    pub(crate) delivery_delay: Option<Duration>,
    pub(crate) callbacks: CallbackUrls,
    pub(crate) timing: FaultTiming,
    pub(crate) seed: u64,
    /// Fault plans applied at start: per route (`None`) or per account on a route.
    pub(crate) faults: Vec<(Route, Option<String>, RouteFaults)>,
    /// SMSAPI sender names registered on the sandbox account (`None`: every name counts as
    /// registered).
    pub(crate) smsapi_senders: Option<Vec<String>>,
}

impl Default for SandboxConfig {
    /// Any credentials accepted, delivery reports after one second, no callbacks, seed 0.
    fn default() -> Self {
        SandboxConfig {
            smsapi_token: None,
            infobip_api_key: None,
            twilio: None,
            delivery_delay: Some(Duration::from_secs(1)),
            callbacks: CallbackUrls::default(),
            timing: FaultTiming::default(),
            seed: 0,
            faults: Vec::new(),
            smsapi_senders: None,
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |b: bool| if b { "set (masked)" } else { "any accepted" };
        f.debug_struct("SandboxConfig")
            .field("smsapi_token", &set(self.smsapi_token.is_some()))
            .field("infobip_api_key", &set(self.infobip_api_key.is_some()))
            .field("twilio_account_sid", &self.twilio.as_ref().map(|t| t.0.as_str()))
            .field("twilio_auth_token", &set(self.twilio.is_some()))
            .field("delivery_delay", &self.delivery_delay)
            .field("callbacks", &self.callbacks)
            .field("timing", &self.timing)
            .field("seed", &self.seed)
            .field("smsapi_senders", &self.smsapi_senders)
            // Account keys may be tokens: only routes and counts are shown.
            .field(
                "faults",
                &self
                    .faults
                    .iter()
                    .map(|(r, a, f)| (r, a.as_ref().map(|_| "account (masked)"), f.rate, f.script.len()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SandboxConfig {
    /// Requires this SMSAPI OAuth token (`Authorization: Bearer`).
    #[must_use]
    pub fn smsapi_token(mut self, token: impl Into<String>) -> Self {
        self.smsapi_token = Some(token.into());
        self
    }

    /// Requires this Infobip API key (`Authorization: App KEY`).
    #[must_use]
    pub fn infobip_api_key(mut self, key: impl Into<String>) -> Self {
        self.infobip_api_key = Some(key.into());
        self
    }

    /// Requires this Twilio Account SID and Auth Token (HTTP Basic); the token also signs the
    /// callbacks. Without it, callbacks are signed with the token the client authenticated with.
    #[must_use]
    pub fn twilio(mut self, account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        self.twilio = Some((account_sid.into(), auth_token.into()));
        self
    }

    /// Delivery reports this long after acceptance (`None`: only by hand).
    #[must_use]
    pub fn delivery_delay(mut self, delay: Option<Duration>) -> Self {
        self.delivery_delay = delay;
        self
    }

    /// Default callback URLs.
    #[must_use]
    pub fn callbacks(mut self, urls: CallbackUrls) -> Self {
        self.callbacks = urls;
        self
    }

    /// Timing of stalls, `Retry-After` and slow bodies.
    #[must_use]
    pub fn fault_timing(mut self, timing: FaultTiming) -> Self {
        self.timing = timing;
        self
    }

    /// Faults of `route` from the start (see [`crate::FaultPlan::set`]).
    #[must_use]
    pub fn route_faults(mut self, route: Route, faults: RouteFaults) -> Self {
        self.faults.push((route, None, faults));
        self
    }

    /// Faults of one account on `route` from the start (see
    /// [`crate::FaultPlan::set_for_account`]: the SMSAPI token, Infobip API key, Twilio Account
    /// SID or Dynmark user name).
    #[must_use]
    pub fn account_faults(mut self, route: Route, account: impl Into<String>, faults: RouteFaults) -> Self {
        self.faults.push((route, Some(account.into()), faults));
        self
    }

    /// The SMSAPI sender names registered (and active) on the sandbox account: a send `from`
    /// any other name is refused with SMSAPI's error 14, as the real API refuses a sender not
    /// registered on the account. Without this every name counts as registered.
    ///
    /// ```
    /// let c = bramka_sandbox::SandboxConfig::default().smsapi_senders(["Shop", "Test"]);
    /// assert!(format!("{c:?}").contains("Shop"));
    /// ```
    #[must_use]
    pub fn smsapi_senders<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.smsapi_senders = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Seed of the fault generator.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_secrets() {
        let c = SandboxConfig::default()
            .smsapi_token("tok-SECRET1")
            .infobip_api_key("key-SECRET2")
            .twilio("AC0123", "tw-SECRET3")
            .account_faults(Route::SmsapiSend, "tok-SECRET4", RouteFaults::every_kind(0.5));
        let d = format!("{c:?}");
        for s in ["SECRET1", "SECRET2", "SECRET3", "SECRET4"] {
            assert!(!d.contains(s), "{s} leaked in {d}");
        }
        assert!(d.contains("AC0123"), "the account SID is not a secret: {d}");
    }
}
