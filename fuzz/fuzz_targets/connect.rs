//! `connect()` and the registry on any text: DSN expressions (`||`, `&&`) with every operator
//! compiled in. Oracle: no panic; an expression that connects prints its gateway's Debug, and a
//! refused one gives a configuration error.
#![no_main]

use bramka::ErrorKind;
use bramka_core::registry::redact_expression;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = redact_expression(text);
    match bramka::connect(text) {
        Ok(gw) => {
            let _ = format!("{gw:?}");
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::Config, "{text:?}: {e}"),
    }
});
