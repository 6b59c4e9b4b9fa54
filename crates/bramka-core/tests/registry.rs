//! Registry: DSN expressions to gateways, hints for disabled features, redacted errors.

use std::error::Error as _;
use std::sync::Arc;

use bramka_core::registry::{Registry, redact_expression};
use bramka_core::{Capabilities, Dsn, DsnError, Error, ErrorKind, Gateway, GatewayFactory, Message};

/// A factory for `fake://USER@host?region=..`, recording nothing: it builds named null gateways.
struct FakeFactory;

#[derive(Debug)]
struct Named(String, Capabilities);

#[bramka_core::async_trait]
impl Gateway for Named {
    fn id(&self) -> &str {
        &self.0
    }
    fn capabilities(&self) -> &Capabilities {
        &self.1
    }
    async fn send(&self, m: &Message) -> Result<bramka_core::SendReport, Error> {
        Ok(bramka_core::SendReport::new(self.0.clone(), m))
    }
}

impl GatewayFactory for FakeFactory {
    fn schemes(&self) -> &[&'static str] {
        &["fake", "fake+eu"]
    }
    fn create(&self, dsn: &Dsn) -> Result<Arc<dyn Gateway>, Error> {
        dsn.check_options(&["region"])?;
        let user = dsn.user().ok_or(DsnError::Missing {
            scheme: dsn.scheme().into(),
            what: "a token as the user: fake://TOKEN@default".into(),
        })?;
        let name = format!("{}-{}", dsn.host(), user.len());
        Ok(Arc::new(Named(name, Capabilities::new())))
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(Arc::new(FakeFactory)).hint("smsapi", "smsapi").hint("twilio", "twilio");
    r
}

fn dsn_error(e: &Error) -> DsnError {
    e.source().and_then(|s| s.downcast_ref::<DsnError>()).cloned().expect("a DsnError source")
}

#[test]
fn builtins_and_registered_schemes() {
    let r = registry();
    let mut expected = vec!["console", "fake", "fake+eu", "null"];
    if cfg!(feature = "test-util") {
        expected.insert(3, "mock");
    }
    assert_eq!(r.schemes(), expected);
    assert_eq!(r.connect("console://default").unwrap().id(), "console");
    assert_eq!(r.connect("  null://default  ").unwrap().id(), "null");
    assert_eq!(r.connect("fake://abc@a").unwrap().id(), "a-3");
    assert_eq!(r.connect("FAKE+EU://abcd@b").unwrap().id(), "b-4");
    assert!(Registry::empty().schemes().is_empty());
}

#[test]
fn expressions_build_failover_and_round_robin_with_and_binding_tighter() {
    let r = registry();
    #[rustfmt::skip]
    let table = [
        ("fake://x@a || fake://x@b", "failover(a-1, b-1)"),
        ("fake://x@a&&fake://x@b", "round_robin(a-1, b-1)"),
        ("fake://x@a && fake://x@b || fake://x@c", "failover(round_robin(a-1, b-1), c-1)"),
        ("fake://x@a || fake://x@b && fake://x@c", "failover(a-1, round_robin(b-1, c-1))"),
        ("fake://x@a||fake://x@b||fake://x@c", "failover(a-1, b-1, c-1)"),
        (" fake://x@a  &&  fake://x@b  &&  fake://x@c ", "round_robin(a-1, b-1, c-1)"),
    ];
    for (expr, id) in table {
        assert_eq!(r.connect(expr).unwrap().id(), id, "{expr}");
    }
}

#[test]
fn an_unknown_but_known_scheme_names_the_feature() {
    let e = registry().connect("smsapi://s3cr3t-token@default?from=Shop").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(!e.may_have_been_sent());
    let text = e.to_string();
    assert!(text.contains("enable the `smsapi` feature of bramka"), "{text}");
    assert!(text.contains("smsapi://***@default?from=Shop"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert_eq!(
        dsn_error(&e),
        DsnError::UnknownScheme {
            scheme: "smsapi".into(),
            hint: Some("enable the `smsapi` feature of bramka".into())
        }
    );
}

#[test]
fn an_unknown_scheme_without_hint() {
    let e = registry().connect("console://default || pigeon://coo@roof").unwrap_err();
    assert_eq!(dsn_error(&e), DsnError::UnknownScheme { scheme: "pigeon".into(), hint: None });
    assert!(e.to_string().contains("in console://default || pigeon://***@roof"), "{e}");
}

#[test]
fn errors_show_the_whole_expression_redacted() {
    let r = registry();
    let cases = [
        ("fake://tok1@a || twilio://AC1:pass2@default", "fake://***@a || twilio://***:***@default"),
        ("fake://tok1@a && fake://tok3@b?color=red", "fake://***@a && fake://***@b?color=red"),
        ("fake://tok1@a || ", "fake://***@a || "),
        ("fake://tok1@a:port || null://default", "fake://***@a:port || null://default"),
    ];
    for (expr, redacted) in cases {
        let e = r.connect(expr).unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(text.contains(&format!("in {redacted}:")), "{expr}: {text}");
        for secret in ["tok1", "pass2", "tok3"] {
            assert!(!text.contains(secret), "{expr}: {text}");
        }
    }
}

/// A run of `|` inside a credential is not an operator: only `||` followed by another DSN, the
/// end or further operators is. Found by the `dsn` fuzz target: `null://d|SECRET:|||||@h` was split
/// after `SECRET:`, which then read as a host and was quoted in the error.
#[test]
fn a_run_of_bars_inside_a_credential_does_not_split_the_dsn() {
    for expr in
        ["null://d|pass2:|||||@|wn?x=1", "fake://s@xxpass2:x.api||||||io@||||||:", "fake://pa||||ss2@a"]
    {
        assert_eq!(redact_expression(expr).matches(" || ").count(), 0, "{expr}: {}", redact_expression(expr));
        let e = registry().connect(expr).unwrap_err();
        let text = format!("{e} {e:?} {}", redact_expression(expr));
        assert!(!text.contains("pass2") && !text.contains("ss2"), "{expr}: {text}");
    }
    // Operators around a DSN still split, empty alternatives included.
    assert_eq!(redact_expression("fake://t@a || || null://default"), "fake://***@a ||  || null://default");
}

#[test]
fn factory_errors_are_config_errors_with_their_dsn_error() {
    let r = registry();
    let e = r.connect("fake://tok@a?colour=red").unwrap_err();
    assert!(matches!(dsn_error(&e), DsnError::UnknownOption { key, .. } if key == "colour"));
    assert!(e.to_string().contains("accepted: region"), "{e}");
    let e = r.connect("fake://a").unwrap_err();
    assert!(matches!(dsn_error(&e), DsnError::Missing { .. }));
    let e = r.connect("console://default?verbose=1").unwrap_err();
    assert!(matches!(dsn_error(&e), DsnError::UnknownOption { .. }));
}

#[test]
fn empty_sides_and_bad_syntax_are_refused() {
    let r = registry();
    for expr in ["", "||", "null://default ||", "&& null://default", "null://default || && null://default"] {
        let e = r.connect(expr).unwrap_err();
        assert!(matches!(dsn_error(&e), DsnError::Syntax { .. }), "{expr}: {e}");
    }
    // No "://": the text is not echoed (it may be a pasted token).
    let e = r.connect("tok-secret-123").unwrap_err();
    assert!(!e.to_string().contains("tok-secret-123"), "{e}");
    let e = r.connect("smsapi:tok-secret-123@default").unwrap_err();
    assert!(!e.to_string().contains("tok-secret-123"), "{e}");
}

#[test]
fn a_double_ampersand_inside_a_query_stays_in_its_dsn() {
    let r = registry();
    // `&&b=2` is not followed by a DSN: it is part of the first DSN (and `b` an unknown option).
    let e = r.connect("fake://x@a?region=eu&&b=2").unwrap_err();
    assert!(matches!(dsn_error(&e), DsnError::UnknownOption { key, .. } if key == "b"), "{e}");
    assert_eq!(r.connect("fake://x@a?region=eu&&fake://x@b").unwrap().id(), "round_robin(a-1, b-1)");
    assert_eq!(
        redact_expression("fake://tok@a?region=eu&&b=2||null://default"),
        "fake://***@a?region=eu&b=2 || null://default"
    );
}

#[test]
fn redaction_alone() {
    assert_eq!(redact_expression("null://default"), "null://default");
    assert_eq!(
        redact_expression("twilio://AC1:tok@default?from=%2B447700900123||null://default"),
        "twilio://***:***@default?from=%2B447700900123 || null://default"
    );
    // Without a scheme nothing can be told safe.
    assert_eq!(redact_expression("garbage@host"), "***");
}

#[cfg(feature = "test-util")]
#[tokio::test]
async fn mock_dsns_fail_as_configured() {
    let r = registry();
    let m = Message::builder().to("+48600100200").text("Hi").build().unwrap();
    for (fail, kind, maybe) in [
        ("timeout", ErrorKind::Timeout, true),
        ("network", ErrorKind::Network, false),
        ("auth", ErrorKind::Auth, false),
        ("rate_limited", ErrorKind::RateLimited, false),
        ("unavailable", ErrorKind::Unavailable, true),
        ("invalid_recipient", ErrorKind::InvalidRecipient, false),
    ] {
        let gw = r.connect(&format!("mock://m?fail={fail}")).unwrap();
        for _ in 0..2 {
            let e = gw.send(&m).await.unwrap_err();
            assert_eq!((e.kind(), e.may_have_been_sent()), (kind, maybe), "{fail}");
        }
    }
    let gw = r.connect("mock://m?dedupe=1").unwrap();
    assert_eq!(gw.capabilities().idempotency, bramka_core::Idempotency::ServerDedupe);
    gw.send(&m).await.unwrap();
    let again = gw.send(&m).await.unwrap();
    assert!(matches!(again.recipients[0].state, bramka_core::SendState::AlreadyAccepted));
    // Failover from configuration: a MaybeSent primary is not failed over.
    let gw = r.connect("mock://a?fail=unavailable || mock://b").unwrap();
    assert!(gw.send(&m).await.unwrap_err().may_have_been_sent());
    let gw = r.connect("mock://a?fail=auth || mock://b").unwrap();
    assert_eq!(gw.send(&m).await.unwrap().gateway, "b");
    let e = r.connect("mock://a?fail=sometimes").unwrap_err();
    assert!(matches!(dsn_error(&e), DsnError::InvalidOption { .. }), "{e}");
    assert!(e.to_string().contains("timeout, network, auth"), "{e}");
}

#[tokio::test]
async fn a_connected_expression_sends() {
    let gw = registry().connect("null://default && null://default").unwrap();
    let m = Message::builder().to("+48600100200").text("Hi").build().unwrap();
    assert!(gw.send(&m).await.unwrap().all_accepted());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn dsn_with(token: &str, kind: u8) -> String {
        match kind % 4 {
            0 => format!("fake://{token}@a?region=eu"),
            1 => format!("twilio://AC1:{token}@default?from=Shop"),
            2 => format!("smsapi://{token}@default"),
            _ => format!("fake://{token}@b:notaport"),
        }
    }

    proptest! {
        /// Whatever the expression and whether it connects, no token appears in the redacted
        /// expression or in the error.
        #[test]
        fn tokens_never_appear(
            tokens in proptest::collection::vec("[A-Za-z0-9]{12,20}", 1..4),
            kinds in proptest::collection::vec(any::<u8>(), 4),
            ops in proptest::collection::vec(prop_oneof![Just(" || "), Just("&&"), Just(" && ")], 4),
        ) {
            let mut expr = String::new();
            for (i, t) in tokens.iter().enumerate() {
                if i > 0 {
                    expr.push_str(ops[i]);
                }
                expr.push_str(&dsn_with(t, kinds[i]));
            }
            let redacted = redact_expression(&expr);
            let outcome = match registry().connect(&expr) {
                Ok(gw) => format!("{gw:?}"),
                Err(e) => format!("{e} {e:?}"),
            };
            for t in &tokens {
                prop_assert!(!redacted.contains(t.as_str()), "{redacted}");
                prop_assert!(!outcome.contains(t.as_str()), "{outcome}");
            }
            // As many DSNs come out as went in.
            prop_assert_eq!(redacted.matches("://").count(), tokens.len());
        }
    }
}

#[test]
fn bare_scheme_means_the_default_host() {
    let r = Registry::new();
    assert_eq!(r.connect("console://").unwrap().id(), "console");
    assert_eq!(r.connect("null://?").unwrap().id(), "null");
    assert!(r.connect("console:// || null://").unwrap().id().starts_with("failover("));
    // An empty host after credentials is still an error, not the default.
    assert!(r.connect("null://TOKEN@").is_err());
}

/// The ways a credential used to be printed from text that does not parse: a secret option's
/// value after the last `@`, an `@` inside a secret option's value, several DSNs glued together,
/// an option name that is really a token; and a login printed next to a redacted password.
#[test]
fn malformed_dsns_never_print_their_credentials() {
    let r = registry();
    let cases = [
        // Bad escape elsewhere: the token option was shown in clear.
        "fake://u@a?token=SEKRET1&x=%ZZ",
        // An '@' inside the secret value: its tail was shown.
        "fake://default?api_key=ab@SEKRET1&x=%ZZ",
        // A second DSN after a bad first one, its token where the host goes.
        "fake://u@a?x=%ZZ||fake://SEKRET1",
        // A token pasted as an option name.
        "fake://default?SEKRET1!&x=%ZZ",
        // A login with a password.
        "twilio://SEKRET1:pw@default",
        "fake://SEKRET1:pw@a || null://default",
        // The '@' moved to another side of `||`: the rest is not a host.
        "fake://ck:SEKRET1:\u{0}x || ||mock:up@",
    ];
    for expr in cases {
        let shown = redact_expression(expr);
        assert!(!shown.contains("SEKRET1"), "{expr}: {shown}");
        if let Err(e) = r.connect(expr) {
            let text = format!("{e} {e:?} {:?}", std::error::Error::source(&e));
            assert!(!text.contains("SEKRET1"), "{expr}: {text}");
        }
        if let Err(e) = bramka_core::Dsn::parse(expr) {
            assert!(!format!("{e} {e:?}").contains("SEKRET1"), "{expr}: {e}");
        }
    }
}
