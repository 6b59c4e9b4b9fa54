//! DSN parsing, Apprise style: a table of input -> parts + redacted string, a table of input ->
//! error, typed option getters, round trips, and proof that secrets never print.

use std::time::Duration;

use bramka_core::dsn::{Dsn, DsnError, is_sensitive_option};
use proptest::prelude::*;

/// What a DSN must parse to.
struct Parts {
    input: &'static str,
    scheme: &'static str,
    user: Option<&'static str>,
    password: Option<&'static str>,
    host: &'static str,
    port: Option<u16>,
    path: &'static str,
    options: &'static [(&'static str, &'static str)],
    redacted: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn p(
    input: &'static str,
    scheme: &'static str,
    user: Option<&'static str>,
    password: Option<&'static str>,
    host: &'static str,
    port: Option<u16>,
    path: &'static str,
    options: &'static [(&'static str, &'static str)],
    redacted: &'static str,
) -> Parts {
    Parts { input, scheme, user, password, host, port, path, options, redacted }
}

#[rustfmt::skip]
const PARSES: &[Parts] = &[
    // The templates of architecture-anchors 6.6.
    p("smsapi://TOKEN@default?from=Info&test=1", "smsapi", Some("TOKEN"), None, "default", None, "",
      &[("from", "Info"), ("test", "1")], "smsapi://***@default?from=Info&test=1"),
    p("smsapi://TOKEN@api.smsapi.com", "smsapi", Some("TOKEN"), None, "api.smsapi.com", None, "", &[],
      "smsapi://***@api.smsapi.com"),
    p("infobip://API_KEY@xxxxx.api.infobip.com?from=InfoSMS", "infobip", Some("API_KEY"), None,
      "xxxxx.api.infobip.com", None, "", &[("from", "InfoSMS")],
      "infobip://***@xxxxx.api.infobip.com?from=InfoSMS"),
    p("twilio://ACCOUNT_SID:AUTH_TOKEN@default?from=%2B447700900123", "twilio", Some("ACCOUNT_SID"),
      Some("AUTH_TOKEN"), "default", None, "", &[("from", "+447700900123")],
      "twilio://***:***@default?from=%2B447700900123"),
    p("dynmark://USER:PASSWORD@default?from=Shop", "dynmark", Some("USER"), Some("PASSWORD"), "default",
      None, "", &[("from", "Shop")], "dynmark://***:***@default?from=Shop"),
    p("null://default", "null", None, None, "default", None, "", &[], "null://default"),
    p("mock://default?fail=timeout", "mock", None, None, "default", None, "", &[("fail", "timeout")],
      "mock://default?fail=timeout"),
    // `+` stays `+`; `%2B` gives `+` too; spaces are %20.
    p("twilio://AC1:tok@default?from=+447700900123", "twilio", Some("AC1"), Some("tok"), "default", None,
      "", &[("from", "+447700900123")], "twilio://***:***@default?from=%2B447700900123"),
    p("mock://default?from=My%20Shop&x=a+b", "mock", None, None, "default", None, "", &[("from",
      "My Shop"), ("x", "a+b")], "mock://default?from=My%20Shop&x=a%2Bb"),
    // Case: scheme and host are lower-cased; option keys and values are not.
    p("SMSAPI://Tok@DEFAULT?From=X", "smsapi", Some("Tok"), None, "default", None, "", &[("From", "X")],
      "smsapi://***@default?From=X"),
    // IPv6 and ports.
    p("mock://[::1]:8080", "mock", None, None, "[::1]", Some(8080), "", &[], "mock://[::1]:8080"),
    p("mock://[2001:DB8::1]/v1", "mock", None, None, "[2001:db8::1]", None, "/v1", &[],
      "mock://[2001:db8::1]/v1"),
    p("mock://u:p@[::1]:1", "mock", Some("u"), Some("p"), "[::1]", Some(1), "", &[], "mock://***:***@[::1]:1"),
    p("mock://localhost:65535/a/b?x=1", "mock", None, None, "localhost", Some(65535), "/a/b", &[("x",
      "1")], "mock://localhost:65535/a/b?x=1"),
    p("mock://127.0.0.1:9", "mock", None, None, "127.0.0.1", Some(9), "", &[], "mock://127.0.0.1:9"),
    // Percent-encoded credentials.
    p("mock://user%40mail.com:p%3Aw%2F%3F%40%25%20%23@host", "mock", Some("user@mail.com"),
      Some("p:w/?@% #"), "host", None, "", &[], "mock://***:***@host"),
    p("smsapi://t%2Bk%3D%3D@default", "smsapi", Some("t+k=="), None, "default", None, "", &[],
      "smsapi://***@default"),
    p("smsapi://t+k==@default", "smsapi", Some("t+k=="), None, "default", None, "", &[],
      "smsapi://***@default"),
    // Lenient where unambiguous: last '@' ends the credentials, first ':' ends the user.
    p("dynmark://me@shop.pl:pass@default", "dynmark", Some("me@shop.pl"), Some("pass"), "default", None,
      "", &[], "dynmark://***:***@default"),
    p("twilio://AC:pa:ss@default", "twilio", Some("AC"), Some("pa:ss"), "default", None, "", &[],
      "twilio://***:***@default"),
    // Missing parts.
    p("mock://:pw@default", "mock", None, Some("pw"), "default", None, "", &[], "mock://:***@default"),
    p("mock://user:@default", "mock", Some("user"), None, "default", None, "", &[], "mock://***@default"),
    p("mock://@default", "mock", None, None, "default", None, "", &[], "mock://default"),
    p("mock://default/", "mock", None, None, "default", None, "/", &[], "mock://default/"),
    p("mock://default?", "mock", None, None, "default", None, "", &[], "mock://default"),
    // Options: repeated keys (last wins), no value, empty pairs, secret-looking keys.
    p("mock://default?from=A&from=B", "mock", None, None, "default", None, "", &[("from", "A"), ("from",
      "B")], "mock://default?from=A&from=B"),
    p("mock://default?test&a=1&&b=", "mock", None, None, "default", None, "", &[("test", ""), ("a", "1"),
      ("b", "")], "mock://default?test=&a=1&b="),
    p("mock://default?api_key=K1&from=X&Password=p", "mock", None, None, "default", None, "", &[("api_key",
      "K1"), ("from", "X"), ("Password", "p")], "mock://default?api_key=***&from=X&Password=***"),
    p("  console://default  ", "console", None, None, "default", None, "", &[], "console://default"),
    p("mock://default?url=https%3A%2F%2Fx.pl%2Fa%3Fb%3D1", "mock", None, None, "default", None, "",
      &[("url", "https://x.pl/a?b=1")], "mock://default?url=https%3A%2F%2Fx.pl%2Fa%3Fb%3D1"),
];

#[test]
fn parse_table() {
    for c in PARSES {
        let d = Dsn::parse(c.input).unwrap_or_else(|e| panic!("{}: {e}", c.input));
        assert_eq!(d.scheme(), c.scheme, "{}", c.input);
        assert_eq!(d.user(), c.user, "{}", c.input);
        assert_eq!(d.user_secret().map(|s| s.expose()), c.user, "{}", c.input);
        assert_eq!(d.password().map(|s| s.expose()), c.password, "{}", c.input);
        assert_eq!(d.host(), c.host, "{}", c.input);
        assert_eq!(d.port(), c.port, "{}", c.input);
        assert_eq!(d.path(), c.path, "{}", c.input);
        let opts: Vec<(&str, &str)> = d.options().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(opts, c.options, "{}", c.input);
        assert_eq!(d.to_string(), c.redacted, "{}", c.input);
        assert_eq!(format!("{d:?}"), format!("Dsn({})", c.redacted), "{}", c.input);
        assert_eq!(c.input.parse::<Dsn>().unwrap(), d, "FromStr of {}", c.input);
    }
}

/// parse(display) keeps everything but the secrets, which come back as `***`.
#[test]
fn redacted_form_round_trips_without_secrets() {
    for c in PARSES {
        let d = Dsn::parse(c.input).unwrap();
        let back = Dsn::parse(&d.to_string()).unwrap_or_else(|e| panic!("{}: {e}", c.input));
        assert_eq!(back.scheme(), d.scheme());
        assert_eq!((back.host(), back.port(), back.path()), (d.host(), d.port(), d.path()), "{}", c.input);
        match (d.user(), d.password()) {
            (Some(_), Some(_)) => {
                // The user is hidden too: a login is half a credential.
                assert_eq!((back.user(), back.password().map(|s| s.expose())), (Some("***"), Some("***")))
            }
            (Some(_), None) => assert_eq!((back.user(), back.password()), (Some("***"), None)),
            (None, Some(_)) => {
                assert_eq!((back.user(), back.password().map(|s| s.expose())), (None, Some("***")))
            }
            (None, None) => assert_eq!((back.user(), back.password()), (None, None)),
        }
        let want: Vec<(String, String)> = d
            .options()
            .iter()
            .map(|(k, v)| (k.clone(), if is_sensitive_option(k) { "***".to_owned() } else { v.clone() }))
            .collect();
        assert_eq!(back.options(), want.as_slice(), "{}", c.input);
        assert_eq!(back.to_string(), d.to_string(), "redaction is stable for {}", c.input);
    }
}

#[test]
fn last_repeated_key_wins() {
    let d = Dsn::parse("mock://default?from=A&test=0&from=B&test=1").unwrap();
    assert_eq!(d.option("from"), Some("B"));
    assert_eq!(d.bool_option("test").unwrap(), Some(true));
    assert!(d.has_option("test") && !d.has_option("nope"));
    assert_eq!(d.option("nope"), None);
}

/// Inputs that must be refused, with words the reason must contain.
const ERRORS: &[(&str, &[&str])] = &[
    ("", &["empty DSN"]),
    ("default", &["missing '://'"]),
    ("smsapi:TOKEN@default", &["missing '://'"]),
    ("://host", &["scheme must be a letter"]),
    ("1x://host", &["scheme must be a letter"]),
    ("sms_api://host", &["scheme must be a letter"]),
    ("smsapi://", &["missing host", "`default`"]),
    ("smsapi://TOKEN@", &["missing host"]),
    ("smsapi://TOKEN@/path", &["missing host"]),
    ("smsapi://TOKEN@?from=x", &["missing host"]),
    ("smsapi://TOKEN@:80", &["missing host"]),
    ("smsapi://TOKEN@default:", &["empty port"]),
    ("smsapi://TOKEN@default:0", &["invalid port \"0\"", "1 to 65535"]),
    ("smsapi://TOKEN@default:65536", &["invalid port \"65536\""]),
    ("smsapi://TOKEN@default:+80", &["invalid port \"+80\""]),
    ("smsapi://TOKEN@default:http", &["invalid port \"http\""]),
    ("mock://::1:8080", &["IPv6 address must be written in brackets"]),
    ("mock://[::1", &["closing ']'"]),
    ("mock://[::g]:80", &["invalid IPv6 address \"::g\""]),
    ("mock://[127.0.0.1]", &["invalid IPv6 address"]),
    ("mock://[::1]x", &["after ']'"]),
    ("mock://[::1]:", &["empty port"]),
    ("mock://ho st", &["whitespace", "%20"]),
    ("mock://h?from=My Shop", &["whitespace", "%20"]),
    ("mock://h\u{7}", &["control character"]),
    ("mock://hö.st", &["invalid host \"hö.st\""]),
    ("mock://h#frag", &["invalid host \"h#frag\""]),
    ("mock://h?=x", &["option #1 has an invalid name"]),
    ("mock://h?a=1&b%20c=2", &["option #2 has an invalid name"]),
    ("mock://h?fr%om=x", &["option #1 has an invalid name"]),
    ("mock://h?x=100%", &["option \"x\"", "%25"]),
    ("mock://h?x=%FF", &["option \"x\"", "UTF-8"]),
    ("smsapi://TOK%ZZ@default", &["the user", "%25"]),
    ("twilio://AC:tok%@default", &["the password", "%25"]),
    ("twilio://AC:%C3%28@default", &["the password", "UTF-8"]),
    // Credentials with an unencoded '/' or '?'.
    ("twilio://AC:pa/ss@default", &["'/' or '?' in the user or password", "%2F"]),
    ("smsapi://ab/cd@default", &["percent-encoded"]),
    ("twilio://AC:pa?ss@default", &["%3F"]),
    // A raw second '?' would carry a token inside another option's value.
    ("smsapi://T@default?from=X?token=S", &["only the first '?'", "%3F"]),
    // Expressions belong to the registry.
    ("smsapi://T@default || null://default", &["'||' (failover)", "registry"]),
    ("smsapi://T@default&&null://default", &["'&&' (round robin)"]),
];

#[test]
fn error_table() {
    for (input, words) in ERRORS {
        let err = Dsn::parse(input).expect_err(input);
        assert!(matches!(err, DsnError::Syntax { .. }), "{input:?}: {err:?}");
        let msg = err.to_string();
        for w in *words {
            assert!(msg.contains(w), "{input:?}: {w:?} not in {msg}");
        }
        assert!(msg.contains("expected scheme://[user[:password]@]host"), "{msg}");
    }
}

#[test]
fn errors_carry_the_redacted_dsn() {
    let cases = [
        ("twilio://AC:pa/ss@default", "twilio://***@default"),
        ("smsapi://TOKEN@default:0", "smsapi://***@default:0"),
        ("mock://h?x=100%&token=abc", "mock://h?x=100%&token=***"),
        // A raw '?' in a value separates options for redaction: the token after it is hidden.
        ("mock://h?from=X?token=abc&b=1", "mock://h?from=X?token=***&b=1"),
        ("smsapi:TOKEN@default", "smsapi:***"),
        ("TOKEN@default", "***"),
        // Not a valid host: possibly a credential, hidden.
        ("mock://ho st", "mock://***"),
    ];
    for (input, dsn) in cases {
        match Dsn::parse(input) {
            Err(DsnError::Syntax { dsn: got, .. }) => assert_eq!(got, dsn, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
}

#[test]
fn a_double_ampersand_inside_a_query_is_not_an_expression() {
    let d = Dsn::parse("mock://default?a=1&&b=2").unwrap();
    assert_eq!(d.option("b"), Some("2"));
}

#[test]
fn bool_option_table() {
    for (v, want) in [
        ("1", true),
        ("true", true),
        ("YES", true),
        ("On", true),
        ("", true),
        ("0", false),
        ("false", false),
        ("No", false),
        ("OFF", false),
    ] {
        let d = Dsn::parse(&format!("mock://default?test={v}")).unwrap();
        assert_eq!(d.bool_option("test").unwrap(), Some(want), "{v:?}");
    }
    let d = Dsn::parse("mock://default?test=maybe").unwrap();
    assert_eq!(d.bool_option("absent").unwrap(), None);
    let err = d.bool_option("test").unwrap_err();
    assert_eq!(
        err,
        DsnError::InvalidOption {
            key: "test".into(),
            value: "maybe".into(),
            expected: "1, true, yes, on (or no value), 0, false, no or off".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid value \"maybe\" for option \"test\": expected 1, true, yes, on (or no value), 0, false, no or off"
    );
}

#[test]
fn duration_option_table() {
    for (v, want) in [
        ("500ms", Duration::from_millis(500)),
        ("5s", Duration::from_secs(5)),
        ("2m", Duration::from_secs(120)),
        ("1h", Duration::from_secs(3600)),
        ("5", Duration::from_secs(5)),
        ("0", Duration::ZERO),
        ("10MS", Duration::from_millis(10)),
    ] {
        let d = Dsn::parse(&format!("mock://default?timeout={v}")).unwrap();
        assert_eq!(d.duration_option("timeout").unwrap(), Some(want), "{v:?}");
    }
    for bad in ["5sec", "1.5s", "-1", "s", "", "5d", "99999999999999999999"] {
        let d = Dsn::parse(&format!("mock://default?timeout={bad}")).unwrap();
        let err = d.duration_option("timeout").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&format!("invalid value {bad:?} for option \"timeout\"")), "{msg}");
        assert!(
            msg.ends_with(
                "expected a duration: a whole number with a unit (500ms, 5s, 2m, 1h) or plain seconds (5)"
            ),
            "{msg}"
        );
    }
    assert_eq!(Dsn::parse("mock://default").unwrap().duration_option("timeout").unwrap(), None);
}

#[test]
fn parsed_option_and_required_parts() {
    let d = Dsn::parse("mock://default?retries=3&max=300").unwrap();
    assert_eq!(d.parsed_option::<u8>("retries", "0 to 255").unwrap(), Some(3));
    assert_eq!(d.parsed_option::<u8>("absent", "0 to 255").unwrap(), None);
    let err = d.parsed_option::<u8>("max", "a number from 0 to 255").unwrap_err();
    assert!(matches!(&err, DsnError::InvalidOption { key, value, .. } if key == "max" && value == "300"));

    let err = d.required_user("a token as the user: smsapi://TOKEN@default").unwrap_err();
    assert_eq!(err.to_string(), "mock:// needs a token as the user: smsapi://TOKEN@default");
    assert!(matches!(d.required_password("x"), Err(DsnError::Missing { .. })));
    let t = Dsn::parse("twilio://AC1:tok@default").unwrap();
    assert_eq!(t.required_user("u").unwrap().expose(), "AC1");
    assert_eq!(t.required_password("p").unwrap().expose(), "tok");
    assert!(t.is_default_host());
}

#[test]
fn check_options_lists_accepted_keys() {
    let d = Dsn::parse("smsapi://T@default?from=Shop&test=1").unwrap();
    assert_eq!(d.check_options(&["from", "test", "timeout"]), Ok(()));
    let err = d.check_options(&["from"]).unwrap_err();
    assert_eq!(
        err,
        DsnError::UnknownOption {
            scheme: "smsapi".into(),
            key: "test".into(),
            accepted: vec!["from".into()]
        }
    );
    assert_eq!(err.to_string(), "unknown option \"test\" for smsapi://; accepted: from");

    let typo = Dsn::parse("smsapi://T@default?form=Shop").unwrap();
    let msg = typo.check_options(&["from", "test", "timeout"]).unwrap_err().to_string();
    assert_eq!(
        msg,
        "unknown option \"form\" for smsapi://; accepted: from, test, timeout; did you mean \"from\"?"
    );

    let msg = typo.check_options(&[]).unwrap_err().to_string();
    assert_eq!(msg, "unknown option \"form\" for smsapi://; accepted: none");

    let far = Dsn::parse("smsapi://T@default?colour=red").unwrap();
    let msg = far.check_options(&["from"]).unwrap_err().to_string();
    assert!(!msg.contains("did you mean"), "{msg}");
}

#[test]
fn dsn_errors_become_config_errors() {
    let e: bramka_core::Error = Dsn::parse("x").unwrap_err().into();
    assert_eq!(e.kind(), bramka_core::ErrorKind::Config);
    assert!(!e.may_have_been_sent());
}

// ---------------------------------------------------------------------------------------------
// Secrets never print.

const SET: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Every text a DSN or its error can produce: Display, Debug, option errors, core error.
fn everything_printed(input: &str) -> String {
    match Dsn::parse(input) {
        Ok(d) => {
            let mut out = format!("{d} {d:?}");
            for (k, _) in d.options() {
                if let Err(e) = d.bool_option(k) {
                    out += &format!(" {e} {e:?}");
                }
                if let Err(e) = d.duration_option(k) {
                    out += &format!(" {e} {e:?}");
                }
                if let Err(e) = d.parsed_option::<u8>(k, "a number") {
                    out += &format!(" {e} {e:?}");
                }
            }
            if let Err(e) = d.check_options(&[]) {
                let core: bramka_core::Error = e.clone().into();
                out += &format!(" {e} {e:?} {core} {core:?}");
            }
            out
        }
        Err(e) => {
            let core: bramka_core::Error = e.clone().into();
            format!("{e} {e:?} {core} {core:?}")
        }
    }
}

/// `{s}` is replaced by the secret as written (alphanumeric), `{e}` by its percent-encoded form.
const TEMPLATES: &[&str] = &[
    // Parse, with the secret where it belongs.
    "smsapi://{e}@default?from=Shop",
    "smsapi://{e}@default?from=Shop&test=maybe&timeout=x",
    "twilio://AC1:{e}@default?from=%2B447700900123",
    "twilio://AC1:{e}@[::1]:8080/x",
    "mock://:{e}@default",
    "mock://default?token={e}",
    "mock://default?api_key={e}&from=x",
    "mock://default?password={e}&password={e}",
    "mock://default?auth_token={e}&secret={e}",
    "dynmark://me@shop.pl:{e}@default",
    "twilio://AC:{s}:{s}@default",
    // Do not parse.
    "twilio://AC1:{e}@",
    "twilio://AC1:{e}@default:99999",
    "twilio://AC1:{e}@default:",
    "twilio://AC1:{e}@[::1",
    "twilio://AC1:{e}@[::zz]:1",
    "twilio://AC1:{e}@ho st",
    "twilio://AC1:{e}@hö",
    "twilio://AC1:{e}@default?x=%zz",
    "twilio://AC1:{e}@default?=1",
    "twilio://AC1:{e}@default?from=a b",
    "smsapi:{e}@default",
    "smsapi//{e}@default",
    "{e}@default",
    "1smsapi://{e}@default",
    "smsapi://{e}@default || twilio://AC:{e}@default",
    "twilio://AC1:{s}/x@default",
    "twilio://AC1:x/{s}@default",
    "twilio://AC1:{s}?x@default",
    // An unencoded '?' that still leaves valid options: the credential is read as host and port.
    "twilio://AC1:{s}?x=@default",
    "smsapi://{s}!?x=@default",
    "mock://[{s}]?x=@default",
    "twilio://AC1:{s}%@default",
    "twilio://AC1:{s}%FF@default",
    "twilio://{s}%:pw@default",
    "twilio://AC1:{s} @default",
    "twilio://AC1:{s}\u{1}@default",
    "mock://default?token={s}%zz",
    "mock://default?token={s}&x=%zz",
    "mock://default?token={s}&x y",
    "mock://default?api_key={s}%FF",
    "smsapi://T@default?from=X?token={s}",
    "twilio://AC1:pw@default?from=X?auth_token={s}&timeout=5s",
    "SMSAPI://{s}@:0",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_secret_is_ever_printed(
        tail in "[A-Za-z0-9]{6,14}",
        special in "[A-Za-z0-9@:/?%#&= +é]{6,14}",
    ) {
        let plain = format!("Zq9{tail}");
        let fancy = format!("Zq9{special}");
        for t in TEMPLATES {
            for secret in [&plain, &fancy] {
                if t.contains("{s}") && secret == &fancy {
                    continue; // raw insertion only for the plain secret
                }
                let input = t.replace("{s}", secret).replace("{e}", &enc(secret));
                let out = everything_printed(&input).to_lowercase();
                for form in [secret.to_lowercase(), enc(secret).to_lowercase()] {
                    prop_assert!(!out.contains(&form), "{:?} leaked from {:?}: {}", form, input, out);
                }
            }
        }
    }

    #[test]
    fn built_dsns_parse_back_exactly(
        scheme in "[a-z][a-z0-9+.-]{0,8}",
        user in prop::option::of("\\PC{1,12}"),
        password in prop::option::of("\\PC{1,12}"),
        host in "[a-z0-9-]{1,8}(\\.[a-z0-9-]{1,8}){0,2}",
        port in prop::option::of(1u16..),
        path in prop::option::of("(/[a-zA-Z0-9._~-]{0,6}){1,3}"),
        options in prop::collection::vec(("[a-z][a-z0-9_.-]{0,7}", "\\PC{0,12}"), 0..5),
    ) {
        let mut s = format!("{scheme}://");
        match (&user, &password) {
            (Some(u), Some(p)) => s += &format!("{}:{}@", enc(u), enc(p)),
            (Some(u), None) => s += &format!("{}@", enc(u)),
            (None, Some(p)) => s += &format!(":{}@", enc(p)),
            (None, None) => {}
        }
        s += &host;
        if let Some(p) = port { s += &format!(":{p}"); }
        let path = path.unwrap_or_default();
        s += &path;
        for (i, (k, v)) in options.iter().enumerate() {
            s += &format!("{}{k}={}", if i == 0 { '?' } else { '&' }, enc(v));
        }
        let d = Dsn::parse(&s).map_err(|e| TestCaseError::fail(format!("{s}: {e}")))?;
        prop_assert_eq!(d.scheme(), scheme.as_str());
        prop_assert_eq!(d.user(), user.as_deref());
        prop_assert_eq!(d.password().map(|p| p.expose()), password.as_deref());
        prop_assert_eq!(d.host(), host.as_str());
        prop_assert_eq!(d.port(), port);
        prop_assert_eq!(d.path(), path.as_str());
        let want: Vec<(String, String)> = options.clone();
        prop_assert_eq!(d.options(), want.as_slice());
        if let Some(last) = options.last() {
            prop_assert_eq!(d.option(&last.0), Some(last.1.as_str()));
        }

        // The redacted form parses back to the same non-secret parts.
        let shown = d.to_string();
        let back = Dsn::parse(&shown).map_err(|e| TestCaseError::fail(format!("{shown}: {e}")))?;
        prop_assert_eq!((back.scheme(), back.host(), back.port(), back.path()), (d.scheme(), d.host(), d.port(), d.path()));
        if password.is_some() {
            prop_assert_eq!(back.user(), user.as_ref().map(|_| "***"));
            prop_assert_eq!(back.password().map(|p| p.expose()), Some("***"));
        }
        for ((k, v), (bk, bv)) in d.options().iter().zip(back.options()) {
            prop_assert_eq!(k, bk);
            prop_assert_eq!(bv, if is_sensitive_option(k) { "***" } else { v.as_str() });
        }
    }

    #[test]
    fn arbitrary_text_never_panics(input in "\\PC{0,40}") {
        let _ = everything_printed(&input);
        if let Ok(d) = Dsn::parse(&input) {
            let shown = d.to_string();
            let back = Dsn::parse(&shown).map_err(|e| TestCaseError::fail(format!("{shown}: {e}")))?;
            prop_assert_eq!(back.to_string(), shown);
        }
    }
}
