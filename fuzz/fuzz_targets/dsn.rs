//! DSN parsing. Oracles: a DSN that parses prints a redacted form that parses back to the same
//! non-secret parts; a marker credential written where a credential goes (user, password,
//! secret option) never appears in any Display, Debug or error of `Dsn::parse`,
//! `redact_expression`, `connect()` or an account.
#![no_main]

use bramka::accounts::{Account, AccountPolicy};
use bramka_core::Dsn;
use bramka_core::dsn::is_sensitive_option;
use bramka_core::registry::redact_expression;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

const MARKER: &str = "Mk7Secr3t";
const SCHEMES: &[&str] = &["smsapi", "infobip", "twilio", "dynmark", "mock", "null", "console"];
const SECRET_OPTIONS: &[&str] = &["token", "api_key", "password", "auth_token", "secret"];
/// What a credential must percent-encode (documented in `bramka_core::dsn`); unencoded, a
/// parser cannot know it belongs to the credential.
const NOT_IN_SECRETS: &[char] = &['/', '?', '#', '&'];

fn piece(u: &mut Unstructured, forbidden: &[char]) -> String {
    let s: String = u.arbitrary().unwrap_or_default();
    s.chars().filter(|c| !forbidden.contains(c)).take(24).collect()
}

fn round_trip(text: &str) {
    let Ok(d) = Dsn::parse(text) else { return };
    let shown = d.to_string();
    let back = Dsn::parse(&shown).unwrap_or_else(|e| panic!("{text:?} prints {shown:?}, which does not parse: {e}"));
    assert_eq!((back.scheme(), back.host(), back.port(), back.path()), (d.scheme(), d.host(), d.port(), d.path()));
    assert_eq!(back.user().is_some(), d.user().is_some(), "{shown}");
    assert_eq!(back.password().is_some(), d.password().is_some(), "{shown}");
    assert!(back.user().is_none_or(|u| u == "***"), "{shown}");
    assert_eq!(back.options().len(), d.options().len(), "{shown}");
    for ((k, v), (bk, bv)) in d.options().iter().zip(back.options()) {
        assert_eq!(k, bk);
        assert_eq!(bv, if is_sensitive_option(k) { "***" } else { v.as_str() }, "{shown}");
    }
}

fn never_shown(text: &str) {
    let check = |what: &str, shown: String| assert!(!shown.contains(MARKER), "{what} of {text:?} shows the credential: {shown}");
    match Dsn::parse(text) {
        Ok(d) => {
            check("Display", d.to_string());
            check("Debug", format!("{d:?}"));
        }
        Err(e) => check("error", format!("{e} {e:?}")),
    }
    check("redact_expression", redact_expression(text));
    let account = Account::new("a", text, AccountPolicy::default());
    check("Account Debug", format!("{account:?}"));
    check("dsn_redacted", account.dsn_redacted());
    // Every factory hides whatever sits in the user slot (Dynmark's Debug keeps the username's
    // first character only; Twilio masks a bad account SID).
    match bramka::connect(text) {
        Ok(gw) => check("gateway Debug", format!("{gw:?}")),
        Err(e) => {
            let mut shown = format!("{e} {e:?}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                shown.push_str(&format!(" {s} {s:?}"));
                source = s.source();
            }
            check("connect error", shown);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        round_trip(text);
    }
    let mut u = Unstructured::new(data);
    let scheme = SCHEMES[u.choose_index(SCHEMES.len()).unwrap_or(0)];
    let shape = u.int_in_range(0..=3u8).unwrap_or(0);
    let a = piece(&mut u, NOT_IN_SECRETS);
    let b = piece(&mut u, NOT_IN_SECRETS);
    // A '?' in the host piece starts the query there; the '?' before the secret option is then a
    // second one, which `Dsn::parse` refuses and redaction reads as a separator.
    let host = piece(&mut u, &['@']);
    let tail = piece(&mut u, &['@']);
    let option = SECRET_OPTIONS[u.choose_index(SECRET_OPTIONS.len()).unwrap_or(0)];
    let text = match shape {
        0 => format!("{scheme}://{a}{MARKER}{b}@{host}{tail}"),
        1 => format!("{scheme}://{a}:{b}{MARKER}@{host}{tail}"),
        2 => format!("{scheme}://{host}?{option}={a}{MARKER}{b}{tail}"),
        _ => format!("{scheme}://{a}{MARKER}:{b}@{host}{tail}"),
    };
    // Only the marker placed on purpose counts (the fuzzer may write it elsewhere too).
    if text.matches(MARKER).count() != 1 {
        return;
    }
    // The tail of shape 2 follows the secret value: it must start a new option to end the value.
    if shape == 2 && !(tail.is_empty() || tail.starts_with('&')) {
        return;
    }
    round_trip(&text);
    never_shown(&text);
});
