//! Phone numbers and recipient lists. Oracles: a parsed number's E.164 form parses back to
//! itself, with and without a policy; a list parses to numbers that each parse alone.
#![no_main]

use bramka_core::phone::parse_list;
use bramka_core::{PhoneNumber, PhonePolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let policy = PhonePolicy::with_default_prefix("48");
    for p in [PhonePolicy::default(), policy.clone()] {
        if let Ok(n) = PhoneNumber::parse_with(text, &p) {
            let e164 = n.e164();
            assert!(e164.starts_with('+') && e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164}");
            assert_eq!(PhoneNumber::parse(&e164).map(|m| m.e164()).ok(), Some(e164.clone()), "{text:?}");
            assert!(!n.masked().is_empty());
        }
    }
    if let Ok(list) = parse_list(text, &policy) {
        for n in list {
            assert_eq!(PhoneNumber::parse(&n.e164()).map(|m| m.e164()).ok(), Some(n.e164()));
        }
    }
});
