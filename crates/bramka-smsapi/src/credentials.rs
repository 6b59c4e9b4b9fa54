//! Which credentials SMSAPI accepts: an OAuth token only.

/// Credentials SMSAPI no longer accepts.
///
/// SMSAPI's API authenticates with an OAuth bearer token generated in the customer panel; the
/// old login + MD5-password parameters and HTTP Basic login were removed from its current
/// clients, so bramka does not send them.
///
/// ```
/// use bramka_core::{Dsn, ErrorKind, GatewayFactory};
/// use bramka_smsapi::SmsapiFactory;
///
/// let err = SmsapiFactory.create(&Dsn::parse("smsapi://jan:tajne-haslo@smsapi.pl").unwrap()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// assert!(err.to_string().contains("OAuth token"), "{err}");
/// assert!(!format!("{err} {err:?}").contains("tajne-haslo"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmsapiCredentialsError {
    /// A login and password were given (`smsapi://LOGIN:PASSWORD@...`).
    #[error(
        "SMSAPI does not accept a login and password (the password was not used): generate an OAuth \
         token in the SMSAPI panel (API tokens) and write it as the user: smsapi://TOKEN@smsapi.pl"
    )]
    LoginAndPassword,
}

impl From<SmsapiCredentialsError> for bramka_core::Error {
    fn from(e: SmsapiCredentialsError) -> Self {
        bramka_core::Error::config(e.to_string()).with_gateway(crate::gateway::GATEWAY_ID).with_source(e)
    }
}
