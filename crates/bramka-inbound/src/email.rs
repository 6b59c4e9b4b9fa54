//! Sending forwarded copies by e-mail: the [`EmailSender`] trait, and [`SmtpEmailSender`] on
//! lettre with the feature `email`.

use std::fmt;

use async_trait::async_trait;
use bramka_core::Certainty;

/// Why an e-mail was not sent, and whether it may have been anyway.
///
/// ```
/// use bramka_core::Certainty;
/// use bramka_inbound::EmailError;
///
/// let e = EmailError { message: "relay refused the recipient".into(), certainty: Certainty::NotSent };
/// assert!(e.to_string().contains("relay refused"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("e-mail not sent ({certainty:?}): {message}")]
pub struct EmailError {
    /// What went wrong (never a password).
    pub message: String,
    /// `NotSent` when the server refused before accepting the message; `MaybeSent` when the
    /// connection broke after the data was written.
    pub certainty: Certainty,
}

/// Sends one plain-text e-mail. `SmtpEmailSender` (feature `email`) turns every `\r\n` and lone `\r` of the
/// body into a line break before it reaches SMTP.
///
/// ```
/// use bramka_inbound::{EmailError, EmailSender};
///
/// /// Prints instead of sending.
/// #[derive(Debug)]
/// struct PrintEmail;
///
/// #[async_trait::async_trait]
/// impl EmailSender for PrintEmail {
///     async fn send_email(&self, to: &str, subject: &str, body: &str) -> Result<(), EmailError> {
///         println!("to {to}: {subject}\n{body}");
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait EmailSender: Send + Sync + fmt::Debug {
    /// Sends `body` with `subject` to `to`.
    async fn send_email(&self, to: &str, subject: &str, body: &str) -> Result<(), EmailError>;
}

#[cfg(feature = "email")]
pub use smtp::SmtpEmailSender;

#[cfg(feature = "email")]
mod smtp {
    use std::fmt;
    use std::time::Duration;

    use async_trait::async_trait;
    use bramka_core::{Certainty, Secret};
    use lettre::message::Mailbox;
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

    use super::{EmailError, EmailSender};
    use crate::error::ConfigError;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Mode {
        Plain,
        #[cfg(feature = "email-tls")]
        StartTls,
        #[cfg(feature = "email-tls")]
        Wrapper,
    }

    /// SMTP through lettre. [`unencrypted`](Self::unencrypted) is for a relay on the same host
    /// or a trusted network (Postfix on `127.0.0.1:25`); with the feature `email-tls`,
    /// [`starttls`](Self::starttls) and [`tls`](Self::tls) reach public servers (rustls,
    /// webpki roots; STARTTLS refuses to continue in clear text when the server does not offer
    /// it).
    ///
    /// ```
    /// use bramka_inbound::SmtpEmailSender;
    ///
    /// // A local relay without TLS (feature `email`); `starttls` and `tls` need `email-tls`.
    /// let sender = SmtpEmailSender::unencrypted("localhost", 25, "Bramka <sms@example.com>").unwrap();
    /// assert!(SmtpEmailSender::unencrypted("localhost", 25, "not an address").is_err());
    /// ```
    #[derive(Clone)]
    pub struct SmtpEmailSender {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
        host: String,
        port: u16,
        mode: Mode,
        credentials: Option<(String, Secret)>,
    }

    impl fmt::Debug for SmtpEmailSender {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SmtpEmailSender")
                .field("host", &self.host)
                .field("port", &self.port)
                .field("mode", &self.mode)
                .field("from", &self.from.to_string())
                .field("user", &self.credentials.as_ref().map(|c| c.0.as_str()))
                .field("password", &self.credentials.as_ref().map(|c| &c.1))
                .finish()
        }
    }

    impl SmtpEmailSender {
        /// A sender through the relay at `host:port`, from `from` (`"Bramka <sms@example.com>"`).
        ///
        /// # Errors
        ///
        /// Returns [`ConfigError::InvalidForward`] naming `from` when it is not a mailbox
        /// (`"Name <user@domain>"`), or naming `host` when the SMTP transport cannot be built for it.
        pub fn unencrypted(host: &str, port: u16, from: &str) -> Result<Self, ConfigError> {
            Self::with_mode(host, port, from, Mode::Plain)
        }

        /// A sender that upgrades the connection with STARTTLS (usually port 587) and refuses
        /// to go on without it; the certificate must be valid for `host`.
        ///
        /// # Errors
        ///
        /// Returns [`ConfigError::InvalidForward`] naming `from` when it is not a mailbox
        /// (`"Name <user@domain>"`), or naming `host` when the TLS settings cannot be built for it.
        #[cfg(feature = "email-tls")]
        pub fn starttls(host: &str, port: u16, from: &str) -> Result<Self, ConfigError> {
            Self::with_mode(host, port, from, Mode::StartTls)
        }

        /// A sender over implicit TLS (SMTPS, usually port 465).
        ///
        /// # Errors
        ///
        /// Returns [`ConfigError::InvalidForward`] naming `from` when it is not a mailbox
        /// (`"Name <user@domain>"`), or naming `host` when the TLS settings cannot be built for it.
        #[cfg(feature = "email-tls")]
        pub fn tls(host: &str, port: u16, from: &str) -> Result<Self, ConfigError> {
            Self::with_mode(host, port, from, Mode::Wrapper)
        }

        fn with_mode(host: &str, port: u16, from: &str, mode: Mode) -> Result<Self, ConfigError> {
            let from: Mailbox = from.parse().map_err(|e| ConfigError::InvalidForward {
                target: from.to_owned(),
                reason: format!("not a sender mailbox ({e}); \"Name <user@domain>\" is accepted"),
            })?;
            let transport = build(host, port, mode, None)?;
            Ok(SmtpEmailSender { transport, from, host: host.to_owned(), port, mode, credentials: None })
        }

        /// Authenticates with these credentials.
        ///
        /// # Errors
        ///
        /// Returns [`ConfigError::InvalidForward`] naming the host when the transport cannot be rebuilt
        /// with the credentials (the password is never in the error).
        pub fn credentials(mut self, user: &str, password: &Secret) -> Result<Self, ConfigError> {
            let creds = (user.to_owned(), password.clone());
            self.transport = build(&self.host, self.port, self.mode, Some(&creds))?;
            self.credentials = Some(creds);
            Ok(self)
        }
    }

    fn build(
        host: &str,
        port: u16,
        mode: Mode,
        credentials: Option<&(String, Secret)>,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, ConfigError> {
        let mut b = match mode {
            Mode::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            #[cfg(feature = "email-tls")]
            Mode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(|e| {
                ConfigError::InvalidForward { target: host.to_owned(), reason: e.to_string() }
            })?,
            #[cfg(feature = "email-tls")]
            Mode::Wrapper => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| {
                ConfigError::InvalidForward { target: host.to_owned(), reason: e.to_string() }
            })?,
        };
        b = b.port(port).timeout(Some(Duration::from_secs(30)));
        if let Some((user, password)) = credentials {
            b = b.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(b.build())
    }

    #[async_trait]
    impl EmailSender for SmtpEmailSender {
        async fn send_email(&self, to: &str, subject: &str, body: &str) -> Result<(), EmailError> {
            let not_sent = |message: String| EmailError { message, certainty: Certainty::NotSent };
            let to: Mailbox = to.parse().map_err(|e| not_sent(format!("bad recipient {to:?}: {e}")))?;
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                // No bare CR may reach SMTP DATA, whoever built the body.
                .body(crate::ingest::normalize_newlines(body))
                .map_err(|e| not_sent(format!("could not build the e-mail: {e}")))?;
            match self.transport.send(email).await {
                Ok(_) => Ok(()),
                // A 4xx/5xx SMTP answer or a client-side error: the server did not take it.
                // Anything else (connection broken, timeout) may have happened after DATA.
                Err(e) if e.is_permanent() || e.is_transient() || e.is_client() => {
                    Err(not_sent(e.to_string()))
                }
                Err(e) => Err(EmailError { message: e.to_string(), certainty: Certainty::MaybeSent }),
            }
        }
    }
}
