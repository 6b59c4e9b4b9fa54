//! Phone number parsing, recipient lists and masking: tables for the documented forms and
//! mistakes, property tests for the invariants.

use bramka_core::phone::{self, ListEntryError, PhoneError, PhoneNumber, PhonePolicy, RecipientListError};
use proptest::prelude::*;

fn pl() -> PhonePolicy {
    PhonePolicy::with_default_prefix("+48")
}

fn uk() -> PhonePolicy {
    PhonePolicy::with_default_prefix("44").with_trunk_zero(true)
}

#[test]
fn accepted_forms_table() {
    let us = PhonePolicy::with_default_prefix("1").with_national_max_len(10);
    let none = PhonePolicy::default();
    let cases: &[(&str, &PhonePolicy, &str)] = &[
        ("+48 600-100-200", &none, "+48600100200"),
        ("(+48) 600 100 200", &none, "+48600100200"),
        ("0048600100200", &none, "+48600100200"),
        ("48600100200", &none, "+48600100200"),
        ("+48.600.100.200", &none, "+48600100200"),
        ("+48/600/100/200", &none, "+48600100200"),
        ("\t+48\u{a0}600\u{202f}100\u{2009}200 \n", &none, "+48600100200"),
        ("+48\u{2013}600\u{2010}100\u{2011}200", &none, "+48600100200"),
        ("600 100 200", &pl(), "+48600100200"),
        ("600100200", &pl(), "+48600100200"),
        ("22 113 14 15", &pl(), "+48221131415"),
        // Over the national length: already international.
        ("48 600 100 200", &pl(), "+48600100200"),
        ("+44 7911 123456", &pl(), "+447911123456"),
        ("0044 7911 123456", &pl(), "+447911123456"),
        // The trunk-zero rule (UK).
        ("07700 900123", &uk(), "+447700900123"),
        ("020 7946 0958", &uk(), "+442079460958"),
        ("+44 (0)20 7946 0958", &none, "+442079460958"),
        ("+44 7700 900123", &uk(), "+447700900123"),
        // North America: 10-digit national numbers with a configured length.
        ("(650) 253-0000", &us, "+16502530000"),
        ("+1 201-555-0123", &us, "+12015550123"),
        // Limits: 8 and 15 digits.
        ("+12345678", &none, "+12345678"),
        ("+123456789012345", &none, "+123456789012345"),
    ];
    for (input, policy, want) in cases {
        let got = PhoneNumber::parse_with(input, policy).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(got.e164(), *want, "{input:?}");
        assert_eq!(got.to_string(), *want, "Display of {input:?}");
        assert_eq!(got.digits(), &want[1..], "digits of {input:?}");
    }
}

#[test]
fn refused_forms_table() {
    type Check = fn(&PhoneError) -> bool;
    let cases: &[(&str, PhonePolicy, Check, &str)] = &[
        ("", PhonePolicy::default(), |e| matches!(e, PhoneError::Empty), "empty"),
        ("   ", pl(), |e| matches!(e, PhoneError::Empty), "empty"),
        ("+48 600 1OO 200", pl(), |e| matches!(e, PhoneError::InvalidCharacter { found: 'O', .. }), "'O'"),
        ("600100200 ext 12", pl(), |e| matches!(e, PhoneError::InvalidCharacter { found: 'e', .. }), "'e'"),
        ("+48*600100200", pl(), |e| matches!(e, PhoneError::InvalidCharacter { found: '*', .. }), "'*'"),
        ("+48 ٦٠٠١٠٠٢٠٠", pl(), |e| matches!(e, PhoneError::InvalidCharacter { .. }), "invalid character"),
        ("48+600100200", pl(), |e| matches!(e, PhoneError::MisplacedPlus { .. }), "only at the start"),
        ("++48600100200", pl(), |e| matches!(e, PhoneError::MultiplePlus { .. }), "more than one"),
        ("+48 600 100 200 +48", pl(), |e| matches!(e, PhoneError::MultiplePlus { .. }), "more than one"),
        ("+", pl(), |e| matches!(e, PhoneError::NoDigits { .. }), "no digits"),
        ("( - )", pl(), |e| matches!(e, PhoneError::NoDigits { .. }), "no digits"),
        ("+48 123", pl(), |e| matches!(e, PhoneError::InvalidLength { digits: 5, .. }), "8 to 15"),
        (
            "12345",
            PhonePolicy::default(),
            |e| matches!(e, PhoneError::NationalWithoutPrefix { digits: 5, .. }),
            "no default prefix",
        ),
        // Without a default prefix a 9-digit number is national, not +60 (Malaysia).
        (
            "600 100 200",
            PhonePolicy::default(),
            |e| matches!(e, PhoneError::NationalWithoutPrefix { digits: 9, .. }),
            "write it with '+' and the country code",
        ),
        ("+1234567890123456", pl(), |e| matches!(e, PhoneError::InvalidLength { digits: 16, .. }), "8 to 15"),
        ("1234", pl(), |e| matches!(e, PhoneError::InvalidLength { digits: 6, .. }), "8 to 15"),
        ("+0 600 100 200", pl(), |e| matches!(e, PhoneError::InvalidCountryCode { .. }), "country code"),
        ("000 600 100 200", pl(), |e| matches!(e, PhoneError::InvalidCountryCode { .. }), "country code"),
        // Poland has no trunk prefix: a leading 0 is refused rather than guessed.
        ("0600100200", pl(), |e| matches!(e, PhoneError::TrunkZero { .. }), "trunk prefix 0"),
        ("07700 900123", PhonePolicy::default(), |e| matches!(e, PhoneError::TrunkZero { .. }), "trunk"),
        (
            "600100200",
            PhonePolicy::with_default_prefix("4x"),
            |e| matches!(e, PhoneError::InvalidDefaultPrefix { prefix } if prefix == "4x"),
            "1 to 3 digits",
        ),
    ];
    for (input, policy, check, text) in cases {
        let err = PhoneNumber::parse_with(input, policy).expect_err(input);
        assert!(check(&err), "{input:?}: unexpected {err:?}");
        let msg = err.to_string();
        assert!(msg.contains(text), "{input:?}: {msg}");
        if let Some(i) = err.input() {
            assert_eq!(i, *input);
            assert!(msg.contains(&format!("{input:?}")), "error names the input: {msg}");
        }
    }
}

#[test]
fn errors_say_what_is_accepted() {
    for input in ["", "abc", "+", "48+600100200", "++48600100200", "+48 123", "0600100200", "+0600100200"] {
        let msg = PhoneNumber::parse_with(input, &pl()).unwrap_err().to_string();
        assert!(
            msg.contains("accepted") || msg.contains("write it") || msg.contains("write the country code"),
            "{input:?}: {msg}"
        );
    }
}

#[test]
fn uk_trunk_rule_needs_the_policy() {
    let with = PhoneNumber::parse_with("07700 900123", &uk()).unwrap();
    assert_eq!(with.e164(), "+447700900123");
    let without = PhonePolicy::with_default_prefix("44");
    assert!(matches!(PhoneNumber::parse_with("07700 900123", &without), Err(PhoneError::TrunkZero { .. })));
}

#[test]
fn masked_display() {
    let n = PhoneNumber::parse("+48 600 100 200").unwrap();
    assert_eq!(n.masked(), "+48600***200");
    assert_eq!(PhoneNumber::parse("+447700900123").unwrap().masked(), "+44770***123");
    assert_eq!(PhoneNumber::parse("+12345678").unwrap().masked(), "+12***678");
}

#[test]
fn from_str_serde_and_debug() {
    let n: PhoneNumber = "0048 600 100 200".parse().unwrap();
    assert_eq!(serde_json::to_string(&n).unwrap(), "\"+48600100200\"");
    let back: PhoneNumber = serde_json::from_str("\"+48 600-100-200\"").unwrap();
    assert_eq!(back, n);
    let err = serde_json::from_str::<PhoneNumber>("\"+48 abc\"").unwrap_err().to_string();
    assert!(err.contains("invalid character 'a'"), "{err}");
    assert_eq!(format!("{n:?}"), "PhoneNumber(+48600100200)");
    assert!("nope".parse::<PhoneNumber>().is_err());
}

#[test]
fn list_separators_and_duplicates_keep_order() {
    let input = "600100200, +48 600 100 200; 0044 7911 123456\n501234567\r\n,, ;\n48600100200;+447911123456";
    let list = phone::parse_list(input, &pl()).unwrap();
    let got: Vec<String> = list.iter().map(PhoneNumber::e164).collect();
    assert_eq!(got, ["+48600100200", "+447911123456", "+48501234567"]);
}

#[test]
fn list_reports_every_bad_entry_with_position() {
    let input = "600100200, abc; 12\n\n+48 600 100 201, 48+600100200,, 0600100200";
    let RecipientListError { errors } = phone::parse_list(input, &pl()).unwrap_err();
    let summary: Vec<(usize, &str)> = errors.iter().map(|e| (e.position, e.input.as_str())).collect();
    assert_eq!(summary, [(2, "abc"), (3, "12"), (5, "48+600100200"), (6, "0600100200")]);
    assert!(matches!(errors[0].error, PhoneError::InvalidCharacter { found: 'a', .. }));
    assert!(matches!(errors[1].error, PhoneError::InvalidLength { digits: 4, .. }));
    assert!(matches!(errors[2].error, PhoneError::MisplacedPlus { .. }));
    assert!(matches!(errors[3].error, PhoneError::TrunkZero { .. }));

    let msg = phone::parse_list(input, &pl()).unwrap_err().to_string();
    assert!(msg.starts_with("4 bad recipient(s): #2 \"abc\": invalid character 'a'"), "{msg}");
    for needle in ["#3 \"12\"", "#5 \"48+600100200\"", "#6 \"0600100200\""] {
        assert!(msg.contains(needle), "{needle} in {msg}");
    }
    let one = ListEntryError { position: 7, input: "x".into(), error: PhoneError::Empty };
    assert_eq!(
        one.to_string(),
        "#7 \"x\": empty phone number; accepted: digits with spaces, '-', '.', '/' or parentheses, in international form (+48 600 100 200, 0048600100200, 48600100200) or, with a default prefix configured, national form"
    );
}

#[test]
fn list_entries_skips_empty_ones() {
    let got: Vec<&str> = phone::list_entries(" a ,, b;\n\n c ;").collect();
    assert_eq!(got, ["a", "b", "c"]);
    assert_eq!(phone::parse_list(" ,;\n", &pl()).unwrap(), Vec::<PhoneNumber>::new());
}

/// Digits of a valid international number: 8 to 15 digits, not starting with 0.
fn intl_digits() -> impl Strategy<Value = String> {
    "[1-9][0-9]{7,14}"
}

/// Splits `digits` and joins the pieces with random separators.
fn decorate(digits: &str, seps: &[&'static str]) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        out.push(c);
        out.push_str(seps[i % seps.len()]);
    }
    out
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", " ", "-", ".", "/", "\u{a0}", " - ", "\u{2013}", "\t"])
}

proptest! {
    #[test]
    fn short_numbers_without_plus_need_a_prefix(national in "[1-9][0-9]{0,8}", long in "[1-9][0-9]{9,14}") {
        let e = PhoneNumber::parse(&national).unwrap_err();
        prop_assert!(matches!(e, PhoneError::NationalWithoutPrefix { .. }), "{}: {:?}", national, e);
        let n = PhoneNumber::parse(&long).unwrap();
        prop_assert_eq!(n.digits(), long.as_str());
    }

    #[test]
    fn polish_national_numbers_get_48(national in "[1-9][0-9]{8}") {
        let n = PhoneNumber::parse_with(&national, &pl()).unwrap();
        prop_assert_eq!(n.digits().len(), 11);
        prop_assert_eq!(n.digits(), format!("48{national}"));
        prop_assert!(n.e164().starts_with("+48"));
    }

    #[test]
    fn separators_never_change_the_result(
        digits in intl_digits(),
        seps in prop::collection::vec(separator(), 1..6),
        form in 0..3usize,
    ) {
        let plain = PhoneNumber::parse(&format!("+{digits}")).unwrap();
        let decorated = decorate(&digits, &seps);
        let input = match form {
            0 => format!("+{decorated}"),
            1 => format!("00{decorated}"),
            _ => format!("(+{}) {}", &digits[..2], decorate(&digits[2..], &seps)),
        };
        let n = PhoneNumber::parse(&input).unwrap();
        prop_assert_eq!(n, plain);
    }

    #[test]
    fn national_separators_never_change_the_result(
        national in "[1-9][0-9]{8}",
        seps in prop::collection::vec(separator(), 1..6),
    ) {
        let a = PhoneNumber::parse_with(&national, &pl()).unwrap();
        let b = PhoneNumber::parse_with(&decorate(&national, &seps), &pl()).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn e164_round_trips(digits in intl_digits(), prefix in prop::option::of("[1-9][0-9]{0,2}")) {
        let policy = prefix.map(|p| PhonePolicy::with_default_prefix(&p)).unwrap_or_default();
        let n = PhoneNumber::parse_with(&format!("+{digits}"), &policy).unwrap();
        prop_assert_eq!(PhoneNumber::parse_with(&n.e164(), &policy).unwrap(), n.clone());
        prop_assert_eq!(PhoneNumber::parse(&n.to_string()).unwrap(), n.clone());
        // Digits without `+` are international only from 10 digits on; shorter ones are national.
        match PhoneNumber::parse(n.digits()) {
            Ok(m) => prop_assert_eq!(m, n.clone()),
            Err(e) => {
                prop_assert!(n.digits().len() <= 9, "{}: {}", n, e);
                prop_assert!(matches!(e, PhoneError::NationalWithoutPrefix { .. }), "{}: {:?}", n, e);
            }
        }
        let json = serde_json::to_string(&n).unwrap();
        prop_assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), n);
    }

    #[test]
    fn masked_shows_only_the_first_and_last_groups(digits in intl_digits()) {
        let n = PhoneNumber::parse(&format!("+{digits}")).unwrap();
        let m = n.masked();
        let (head, tail) = m.strip_prefix('+').unwrap().split_once("***").unwrap();
        prop_assert!(head.len() <= 5, "{}", m);
        prop_assert!(digits.starts_with(head));
        prop_assert_eq!(tail, &digits[digits.len() - 3..]);
        prop_assert!(digits.len() - head.len() - tail.len() >= 3, "{} hides fewer than 3 digits", m);
        prop_assert_eq!(m.chars().filter(char::is_ascii_digit).count(), head.len() + 3);
    }

    #[test]
    fn any_input_gives_a_valid_number_or_an_error(input in "\\PC{0,24}", with_prefix in any::<bool>()) {
        let policy = if with_prefix { uk() } else { PhonePolicy::default() };
        match PhoneNumber::parse_with(&input, &policy) {
            Ok(n) => {
                let d = n.digits();
                prop_assert!((8..=15).contains(&d.len()));
                prop_assert!(d.bytes().all(|b| b.is_ascii_digit()));
                prop_assert!(!d.starts_with('0'));
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn list_positions_point_at_the_bad_entries(
        entries in prop::collection::vec(prop_oneof!["[1-9][0-9]{8}", "[a-z]{1,5}", "[1-9][0-9]{1,3}"], 0..12),
        sep in prop::sample::select(vec![", ", ";", "\n", " ; "]),
    ) {
        let input = entries.join(sep);
        let results: Vec<_> = entries.iter().map(|e| PhoneNumber::parse_with(e, &pl())).collect();
        match phone::parse_list(&input, &pl()) {
            Ok(list) => {
                prop_assert!(results.iter().all(Result::is_ok));
                let mut want: Vec<PhoneNumber> = Vec::new();
                for n in results.into_iter().flatten() {
                    if !want.contains(&n) { want.push(n) }
                }
                prop_assert_eq!(list, want);
            }
            Err(RecipientListError { errors }) => {
                let bad: Vec<usize> =
                    results.iter().enumerate().filter(|(_, r)| r.is_err()).map(|(i, _)| i + 1).collect();
                prop_assert_eq!(errors.iter().map(|e| e.position).collect::<Vec<_>>(), bad);
                for e in &errors {
                    prop_assert_eq!(&e.input, &entries[e.position - 1]);
                }
            }
        }
    }
}

#[cfg(feature = "strict-phone")]
mod strict {
    use bramka_core::phone::{LineType, PhoneNumber, StrictError};

    fn n(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).unwrap()
    }

    // Expected answers: what libphonenumber (the `phonenumber` crate's metadata) says for each number.
    #[test]
    fn line_types() {
        bramka_core::phone::warm_up();
        let cases = [
            ("+48501234567", "PL", LineType::Mobile),
            ("+48601234567", "PL", LineType::Mobile),
            ("+48221131415", "PL", LineType::FixedLine),
            ("+48123456789", "PL", LineType::FixedLine),
            ("+447400123456", "GB", LineType::Mobile),
            // The metadata files 07911 1xxxxx under Guernsey, which shares +44.
            ("+447911123456", "GG", LineType::Mobile),
            ("+442079460958", "GB", LineType::FixedLine),
            ("+12015550123", "US", LineType::FixedLineOrMobile),
        ];
        for (num, region, line) in cases {
            let info = n(num).validate_strict().unwrap_or_else(|e| panic!("{num}: {e}"));
            assert_eq!(info.line_type, line, "{num}");
            assert_eq!(info.region.as_deref(), Some(region), "{num}");
            assert_eq!(info.is_mobile(), line == LineType::Mobile, "{num}");
        }
    }

    #[test]
    fn reserved_and_unknown_ranges_are_invalid() {
        // Ofcom drama range: fine for the light parser, invalid for its country.
        let drama = n("+447700900123");
        let err = drama.validate_strict().unwrap_err();
        assert!(matches!(&err, StrictError::Invalid { number, .. } if number == "+447700900123"), "{err:?}");
        assert!(err.to_string().contains("+447700900123 is not valid"), "{err}");
        // No country uses +999.
        assert!(matches!(
            n("+99912345678").validate_strict(),
            Err(StrictError::Invalid { region: None, .. })
        ));
    }

    #[test]
    fn require_mobile_refuses_fixed_lines_only() {
        assert!(n("+48501234567").require_mobile().is_ok());
        assert!(n("+12015550123").require_mobile().is_ok(), "fixed-or-mobile is accepted");
        let err = n("+48221131415").require_mobile().unwrap_err();
        assert_eq!(
            err,
            StrictError::NotMobile { number: "+48221131415".into(), line_type: LineType::FixedLine }
        );
        assert!(err.to_string().contains("mobile"), "{err}");
        assert!(matches!(n("+447700900123").require_mobile(), Err(StrictError::Invalid { .. })));
        let core: bramka_core::Error = err.into();
        assert_eq!(core.kind(), bramka_core::ErrorKind::InvalidRecipient);
        assert!(!core.may_have_been_sent());
    }
}
