//! How a command fails: one `error:` line, an optional `hint:` line, and an exit code.

use std::fmt;
use std::process::ExitCode;

use bramka::{Error, ErrorKind};

/// Exit code: the command ran but the operation failed (or, for `count`, the text is over the cap).
pub(crate) const FAILED: u8 = 1;
/// Exit code: bad usage or configuration (clap's own code for argument errors).
pub(crate) const USAGE: u8 = 2;

/// A failed command: printed as `error: <message>` and, when there is one, `hint: <hint>`.
pub(crate) struct Failure {
    code: u8,
    message: String,
    hint: Option<String>,
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Failure({}: {})", self.code, self.message)
    }
}

impl Failure {
    /// Bad usage or configuration: exit 2.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure { code: USAGE, message: message.into(), hint: None }
    }

    /// The operation failed: exit 1.
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Failure { code: FAILED, message: message.into(), hint: None }
    }

    /// Adds a hint line.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint line when there is one.
    pub(crate) fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.or(self.hint);
        self
    }

    /// The exit code.
    pub(crate) fn code(&self) -> u8 {
        self.code
    }

    /// A gateway error: exit 2 for configuration and message errors (found before any request),
    /// 1 for everything else, with a hint by kind.
    pub(crate) fn from_error(e: &Error) -> Self {
        let code = match e.kind() {
            ErrorKind::Config | ErrorKind::Message => USAGE,
            _ => FAILED,
        };
        let hint = hint_for(e);
        Failure { code, message: e.to_string(), hint }
    }

    /// A gateway error found while preparing, before any request: always exit 2.
    pub(crate) fn before_sending(e: &Error) -> Self {
        Failure { code: USAGE, ..Failure::from_error(e) }
    }

    /// Prints the lines to stderr and returns the exit code.
    pub(crate) fn report(&self) -> ExitCode {
        // Messages may quote an operator's answer: escaped for the terminal.
        eprintln!("error: {}", crate::terminal::line(&self.message));
        if let Some(h) = &self.hint {
            eprintln!("hint: {}", crate::terminal::line(h));
        }
        ExitCode::from(self.code)
    }
}

/// What to do about an error of this kind.
pub(crate) fn hint_for(e: &Error) -> Option<String> {
    let gateway = e.gateway().unwrap_or("the gateway");
    Some(match e.kind() {
        ErrorKind::Unsupported => format!(
            "the operator behind {gateway} does not support this operation (or bramka has no client for it); \
             see the feature table in the README"
        ),
        ErrorKind::Auth => "check the credentials in the DSN (or the environment variable the account's DSN \
                            names) and their permissions"
            .to_owned(),
        ErrorKind::InsufficientFunds => "top up the account, then send again".to_owned(),
        ErrorKind::RateLimited => match e.retry_after() {
            Some(d) => format!("wait {}s and try again", d.as_secs_f64()),
            None => "wait a moment and try again".to_owned(),
        },
        // Checked before the kind: a network error after the request was written may have sent it.
        _ if e.may_have_been_sent() && e.kind().is_transient()
            || e.kind() == ErrorKind::Decode && e.may_have_been_sent() =>
        {
            "the message may have gone out: check `bramka status ID`, the delivery reports or the \
             operator's panel before sending again. A rerun with the same --client-ref (and --chunk-size) \
             is safe only where the operator de-duplicates client keys (SMSAPI, Infobip); elsewhere \
             (Twilio, Dynmark) it can send the message twice, so resend only to recipients you know were \
             not reached"
                .to_owned()
        }
        ErrorKind::Network => "check the host and port in the DSN and the network connection".to_owned(),
        ErrorKind::Timeout | ErrorKind::Unavailable => "try again later".to_owned(),
        ErrorKind::Config => "a DSN looks like scheme://credentials@host?options (smsapi://TOKEN@default, \
                              console://default); see the DSN table in the README"
            .to_owned(),
        ErrorKind::NotFound => {
            "check the id: use the message id (or bulk id) `bramka send` printed".to_owned()
        }
        ErrorKind::InvalidSender => {
            "use a sender registered at the operator (1 to 11 characters for a name)".to_owned()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bramka::Certainty;

    #[test]
    fn a_network_error_that_may_have_sent_says_so_and_how_to_resume() {
        let e =
            Error::new(ErrorKind::Network, Certainty::MaybeSent, "connection reset").with_gateway("twilio");
        let h = hint_for(&e).unwrap();
        assert!(h.contains("may have gone out"), "{h}");
        assert!(h.contains("--client-ref") && h.contains("de-duplicates"), "{h}");
        assert!(!h.contains("host and port"), "{h}");
        let refused = Error::new(ErrorKind::Network, Certainty::NotSent, "refused");
        assert!(hint_for(&refused).unwrap().contains("host and port"));
    }
}
