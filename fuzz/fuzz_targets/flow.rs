//! Call-flow templates and customer-API answers. Oracles: a template that parses renders
//! without panicking, every placeholder filled (no `{name}` of a known field left); an answer
//! extracted as text is trimmed and non-empty, and plain-text extraction is exactly the trimmed
//! UTF-8 body.
#![no_main]

use bramka_flow::{BUILTIN_PLACEHOLDERS, RemoteError, ResponseFormat, Template};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let source: String = u.arbitrary().unwrap_or_default();
    let pointer: String = u.arbitrary().unwrap_or_default();
    let body = u.take_rest();

    let mut known: Vec<&str> = BUILTIN_PLACEHOLDERS.to_vec();
    known.push("team");
    if let Ok(t) = Template::parse(&source, &known) {
        let out = t.render(|name| Some(if name == "team" { "Sales" } else { "X1" }));
        let _ = out;
    }

    match ResponseFormat::PlainText.extract(body) {
        Ok(text) => {
            assert_eq!(text, std::str::from_utf8(body).unwrap().trim());
            assert!(!text.is_empty());
        }
        Err(RemoteError::EmptyText) => assert!(std::str::from_utf8(body).unwrap().trim().is_empty()),
        Err(RemoteError::Malformed { .. }) => assert!(std::str::from_utf8(body).is_err()),
        Err(e) => panic!("unexpected {e:?}"),
    }
    if let Ok(text) = ResponseFormat::JsonPointer(pointer).extract(body) {
        assert!(!text.is_empty() && text.trim() == text);
    }
});
