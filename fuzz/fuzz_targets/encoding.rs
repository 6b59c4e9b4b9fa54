//! `encoding::analyze`. Oracles: the parts concatenate to the text as sent; one part per
//! segment; the parts' units add up to the total, each within a part's capacity.
#![no_main]

use bramka_core::Policy;
use bramka_core::encoding::analyze;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let a = analyze(text, &Policy::default());
    let parts = a.parts();
    assert_eq!(parts.len(), a.segments(), "{text:?}");
    let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(joined, a.text(), "the parts are not the text");
    assert_eq!(parts.iter().map(|p| p.units).sum::<usize>(), a.units(), "{text:?}");
    for p in parts {
        assert!(p.units <= a.part_capacity(), "{} units in a part of {}: {text:?}", p.units, a.part_capacity());
    }
    assert_eq!(a.fits(), a.segments() <= usize::from(a.max_parts()));
});
