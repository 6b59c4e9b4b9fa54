//! [`Registry`]: from a DSN expression to a gateway.
//!
//! An expression is one DSN, or several joined by `||` (failover: [`Failover`]) and `&&` (round
//! robin: [`RoundRobin`]); `&&` binds tighter than `||`, and whitespace around the operators is
//! ignored:
//!
//! | expression                          | gateway                                    |
//! |-------------------------------------|--------------------------------------------|
//! | `smsapi://TOKEN@default`            | the SMSAPI gateway                         |
//! | `a || b`                            | `Failover[a, b]`                           |
//! | `a && b`                            | `RoundRobin[a, b]`                         |
//! | `a && b || c`                       | `Failover[RoundRobin[a, b], c]`            |
//!
//! `||` and `&&` are operators only when another DSN (`scheme://…`) follows them, so an option
//! such as `?a=1&&b=2` stays in its DSN; credentials containing `|` or `&` must be
//! percent-encoded (`%7C`, `%26`) anyway, like `@ : / ?`.
//! Built in: `console://` ([`ConsoleGateway`] on stdout), `null://` ([`NullGateway`]) and, with
//! the feature `test-util`, `mock://` (`MockFactory`).
//! Operator crates provide a [`GatewayFactory`]; the `bramka` facade registers those of its enabled
//! features and [`hints`](Registry::hint) the others, so an unknown scheme says which feature to
//! enable. Errors show the whole expression redacted (passwords and tokens as `***`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::compose::{Failover, RoundRobin};
use crate::dsn::{Dsn, DsnError, GatewayFactory};
use crate::error::Error;
use crate::gateway::Gateway;
use crate::testing::{ConsoleGateway, NullGateway};

/// The `console://` factory: [`ConsoleGateway`] on stdout. `console://default`, no options.
///
/// ```
/// use bramka_core::Registry;
///
/// // Registered by `Registry::new()`: prints each message instead of sending it.
/// let gateway = Registry::new().connect("console://default").unwrap();
/// assert_eq!(gateway.id(), "console");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleFactory;

impl GatewayFactory for ConsoleFactory {
    fn schemes(&self) -> &[&'static str] {
        &["console"]
    }
    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        dsn.check_options(&[])?;
        Ok(Arc::new(ConsoleGateway::new()))
    }
}

/// The `null://` factory: [`NullGateway`]. `null://default`, no options.
///
/// ```
/// use bramka_core::Registry;
///
/// // Registered by `Registry::new()`: accepts everything, sends nothing, prints nothing.
/// let gateway = Registry::new().connect("null://default").unwrap();
/// assert_eq!(gateway.id(), "null");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NullFactory;

impl GatewayFactory for NullFactory {
    fn schemes(&self) -> &[&'static str] {
        &["null"]
    }
    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        dsn.check_options(&[])?;
        Ok(Arc::new(NullGateway::new()))
    }
}

/// The `mock://` factory (feature `test-util`): a [`MockGateway`](crate::testing::MockGateway)
/// whose every send has the same outcome, for trying failover and retries from configuration.
///
/// `mock://default?fail=KIND&dedupe=1`: `fail` is `timeout` (the message goes out, the answer
/// is lost: `MaybeSent`), `network` (connection refused: `NotSent`), `auth` (401: `NotSent`),
/// `rate_limited` (429 with Retry-After 1 s: `NotSent`), `unavailable` (503: `MaybeSent`) or
/// `invalid_recipient` (400: `NotSent`); without it every send is accepted. `dedupe` makes it
/// reject duplicates of a client key like SMSAPI. The gateway's id is the host.
///
/// ```
/// # #[cfg(not(feature = "test-util"))] fn main() {}
/// # #[cfg(feature = "test-util")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::registry::Registry;
/// use bramka_core::Message;
///
/// let gw = Registry::new().connect("mock://down?fail=network || mock://up").unwrap();
/// let msg = Message::builder().to("+48600100200").text("Hi").build().unwrap();
/// assert_eq!(gw.send(&msg).await.unwrap().gateway, "up");
/// # }
/// ```
#[cfg(feature = "test-util")]
#[derive(Debug, Clone, Copy, Default)]
pub struct MockFactory;

#[cfg(feature = "test-util")]
impl GatewayFactory for MockFactory {
    fn schemes(&self) -> &[&'static str] {
        &["mock"]
    }
    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        use crate::error::{Certainty, ErrorKind};
        use crate::testing::{MockGateway, MockResult};
        dsn.check_options(&["fail", "dedupe"])?;
        let fail = |kind, certainty, status: u16, text: &str| {
            MockResult::Fail(Error::new(kind, certainty, text).with_http_status(status))
        };
        let outcome = match dsn.option("fail") {
            None => MockResult::Accept,
            Some("timeout") => MockResult::TimeoutAfterSending,
            Some("network") => MockResult::Fail(Error::new(
                ErrorKind::Network,
                Certainty::NotSent,
                "connection refused (mock)",
            )),
            Some("auth") => fail(ErrorKind::Auth, Certainty::NotSent, 401, "unauthorized (mock)"),
            Some("rate_limited") => MockResult::Fail(
                Error::new(ErrorKind::RateLimited, Certainty::NotSent, "too many requests (mock)")
                    .with_http_status(429)
                    .with_retry_after(std::time::Duration::from_secs(1)),
            ),
            Some("unavailable") => {
                fail(ErrorKind::Unavailable, Certainty::MaybeSent, 503, "service unavailable (mock)")
            }
            Some("invalid_recipient") => {
                fail(ErrorKind::InvalidRecipient, Certainty::NotSent, 400, "invalid recipient (mock)")
            }
            Some(other) => {
                return Err(DsnError::InvalidOption {
                    key: "fail".into(),
                    value: other.into(),
                    expected: "timeout, network, auth, rate_limited, unavailable or invalid_recipient".into(),
                }
                .into());
            }
        };
        let mut mock = MockGateway::new().with_id(dsn.host());
        if dsn.bool_option("dedupe")?.unwrap_or(false) {
            mock = mock.with_server_dedupe();
        }
        mock.set_default(outcome);
        Ok(Arc::new(mock))
    }
}

/// Turns DSN expressions into gateways. See the [module docs](self).
///
/// ```
/// use bramka_core::registry::Registry;
///
/// let mut registry = Registry::new();
/// registry.hint("smsapi", "smsapi");
/// let gw = registry.connect("null://default && null://default || console://default").unwrap();
/// assert_eq!(gw.id(), "failover(round_robin(null, null), console)");
///
/// let err = registry.connect("console://default || smsapi://s3cret@default").unwrap_err();
/// let text = err.to_string();
/// assert!(text.contains("enable the `smsapi` feature of bramka"), "{text}");
/// assert!(text.contains("smsapi://***@default"), "{text}");
/// assert!(!text.contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct Registry {
    factories: BTreeMap<String, Arc<dyn GatewayFactory>>,
    hints: BTreeMap<String, String>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("schemes", &self.factories.keys().collect::<Vec<_>>())
            .field("hints", &self.hints)
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    /// A registry with `console://` and `null://`, and `mock://` (`MockFactory`) with the
    /// feature `test-util`.
    pub fn new() -> Self {
        let mut r = Registry::empty();
        r.register(Arc::new(ConsoleFactory));
        r.register(Arc::new(NullFactory));
        #[cfg(feature = "test-util")]
        r.register(Arc::new(MockFactory));
        r
    }

    /// A registry with no scheme at all.
    pub fn empty() -> Self {
        Registry { factories: BTreeMap::new(), hints: BTreeMap::new() }
    }

    /// Registers a factory for each of its schemes (replacing an earlier one).
    pub fn register(&mut self, factory: Arc<dyn GatewayFactory>) -> &mut Self {
        for s in factory.schemes() {
            self.factories.insert(s.to_ascii_lowercase(), factory.clone());
        }
        self
    }

    /// Says that `scheme` exists but needs the bramka feature `feature`: connecting to it then
    /// fails with "enable the `feature` feature of bramka".
    pub fn hint(&mut self, scheme: &str, feature: &str) -> &mut Self {
        self.hints.insert(scheme.to_ascii_lowercase(), format!("enable the `{feature}` feature of bramka"));
        self
    }

    /// The registered schemes, sorted.
    pub fn schemes(&self) -> Vec<&str> {
        self.factories.keys().map(String::as_str).collect()
    }

    /// Builds the gateway for one DSN.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) with [`DsnError::UnknownScheme`] as its
    /// source when no factory handles the scheme, and the factory's error (also [`ErrorKind::Config`](crate::ErrorKind::Config))
    /// when the DSN is not valid for that gateway.
    pub fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        match self.factories.get(dsn.scheme()) {
            Some(f) => f.create(dsn),
            None => Err(DsnError::UnknownScheme {
                scheme: dsn.scheme().to_owned(),
                hint: self.hints.get(dsn.scheme()).cloned(),
            }
            .into()),
        }
    }

    /// Parses a DSN expression (`a || b`, `a && b`, `&&` binding tighter) and builds its gateway.
    ///
    /// Errors are [`ErrorKind::Config`](crate::ErrorKind::Config); their text names the
    /// expression, redacted, and for an unknown scheme the feature to enable. The underlying
    /// [`DsnError`] is the error's [`source`](std::error::Error::source).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Config`](crate::ErrorKind::Config) when a side of `||` or `&&` is empty, a DSN
    /// does not parse, a scheme is unknown, or a factory refuses its DSN.
    pub fn connect(&self, expression: &str) -> Result<Arc<dyn Gateway>, Error> {
        let context = |e: Error| {
            let dsn_error = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<DsnError>()).cloned();
            let out =
                Error::config(format!("in {}: {}", redact_expression(expression), e.operator_message()));
            match dsn_error {
                Some(d) => out.with_source(d),
                None => out.with_source(e),
            }
        };
        let mut failover: Vec<Arc<dyn Gateway>> = Vec::new();
        for alt in split_expression(expression) {
            let mut round: Vec<Arc<dyn Gateway>> = Vec::new();
            for part in alt {
                if part.is_empty() {
                    return Err(context(
                        DsnError::Syntax {
                            dsn: redact_expression(expression),
                            reason: "empty side of `||` or `&&`".into(),
                        }
                        .into(),
                    ));
                }
                let part = with_default_host(part);
                let part = part.as_ref();
                let dsn = Dsn::parse(part).map_err(|e| match e {
                    DsnError::Syntax { reason, .. } => {
                        context(DsnError::Syntax { dsn: redact_part(part, &|_| false), reason }.into())
                    }
                    other => context(other.into()),
                })?;
                round.push(self.create(&dsn).map_err(context)?);
            }
            failover.push(if round.len() == 1 {
                round.remove(0)
            } else {
                Arc::new(RoundRobin::new(round).map_err(context)?)
            });
        }
        Ok(if failover.len() == 1 { failover.remove(0) } else { Arc::new(Failover::new(failover)?) })
    }
}

/// Whether `rest` (what follows a `||` or `&&`) makes it an operator: another DSN
/// (`scheme://`) or nothing, after any further operators. Otherwise the `&&` belongs to the DSN
/// (as in `?a=1&&b=2`), and so does a run of `|` inside a credential (`pa||||ss@host`).
fn operator_follows(rest: &str) -> bool {
    let mut rest = rest.trim_start();
    while let Some(r) = rest.strip_prefix("||").or_else(|| rest.strip_prefix("&&")) {
        rest = r.trim_start();
    }
    if rest.is_empty() {
        return true;
    }
    match rest.find("://") {
        Some(i) => {
            let scheme = &rest[..i];
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Splits an expression into `||` alternatives of `&&` parts, each trimmed (`&&` binds tighter).
fn split_expression(expression: &str) -> Vec<Vec<&str>> {
    let mut alternatives = Vec::new();
    let mut current = Vec::new();
    let (mut start, mut i) = (0, 0);
    let bytes = expression.as_bytes();
    while i + 1 < bytes.len() {
        let op = &bytes[i..i + 2];
        // `i` is at an ASCII byte here, so `i` and `i + 2` are char boundaries.
        if (op == b"||" || op == b"&&") && operator_follows(&expression[i + 2..]) {
            current.push(expression[start..i].trim());
            if op == b"||" {
                alternatives.push(std::mem::take(&mut current));
            }
            i += 2;
            start = i;
        } else {
            i += 1;
        }
    }
    current.push(expression[start..].trim());
    alternatives.push(current);
    alternatives
}

/// Redacts every DSN of an expression (`a || b && c`): each side's `Display` when it parses, else
/// everything between `://` and the last `@` hidden.
///
/// ```
/// use bramka_core::registry::redact_expression;
/// assert_eq!(
///     redact_expression("smsapi://TOKEN@default || twilio://AC1:pw@default?from=Shop"),
///     "smsapi://***@default || twilio://***:***@default?from=Shop"
/// );
/// ```
pub fn redact_expression(expression: &str) -> String {
    redact_expression_keeping(expression, |_| false)
}

/// [`redact_expression`], keeping in clear the secrets for which `keep` returns `true` (see
/// [`Dsn::redacted_keeping`]); a `||` or `&&` inside a secret never splits it.
///
/// ```
/// use bramka_core::registry::redact_expression_keeping;
/// let placeholder = |s: &str| s.starts_with("${") && s.ends_with('}');
/// assert_eq!(
///     redact_expression_keeping("smsapi://${SMSAPI_TOKEN}@default || smsapi://T||K@default", placeholder),
///     "smsapi://${SMSAPI_TOKEN}@default || smsapi://***@default"
/// );
/// ```
pub fn redact_expression_keeping(expression: &str, keep: impl Fn(&str) -> bool) -> String {
    split_expression(expression)
        .into_iter()
        .map(|alt| alt.into_iter().map(|p| redact_part(p, &keep)).collect::<Vec<_>>().join(" && "))
        .collect::<Vec<_>>()
        .join(" || ")
}

/// One DSN redacted: its redacted display when it parses; else as [`Dsn::parse`]'s errors show
/// text that does not parse.
fn redact_part(part: &str, keep: &dyn Fn(&str) -> bool) -> String {
    match Dsn::parse(part) {
        Ok(d) => d.redacted_keeping(keep),
        Err(_) if part.is_empty() => String::new(),
        Err(_) => crate::dsn::redact_raw(part),
    }
}

/// `console://` and `null://?x=1` mean the `default` host: a DSN with nothing between `://` and
/// its query gets `default` (the operator factories then say what else they need).
fn with_default_host(part: &str) -> std::borrow::Cow<'_, str> {
    match part.split_once("://") {
        Some((scheme, rest)) if rest.is_empty() || rest.starts_with('?') => {
            std::borrow::Cow::Owned(format!("{scheme}://default{rest}"))
        }
        _ => std::borrow::Cow::Borrowed(part),
    }
}
