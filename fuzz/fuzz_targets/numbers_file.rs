//! The CLI's numbers file (`bramka send --to-file`, `bramka::numbers_file`) on any bytes, with or
//! without a default country prefix. Oracles: the numbers are unique; every row is counted at
//! most once (a number, a bad row or a duplicate); bad rows have a line number; the numbers,
//! written one per line in E.164, read back as the same list with no bad row.
#![no_main]

use bramka::PhonePolicy;
use bramka::numbers_file::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, text)) = data.split_first() else { return };
    let policy = if first & 1 == 0 { PhonePolicy::default() } else { PhonePolicy::with_default_prefix("48") };
    let Ok(file) = parse(text, &policy) else { return };
    // The csv crate ends a record at "\n", "\r" or "\r\n".
    let lines = text.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n').count()
        + text.iter().filter(|&&b| b == b'\n').count()
        + usize::from(text.last() == Some(&b'\r'))
        + 1;
    assert!(file.numbers.len() + file.bad.len() + file.duplicates <= lines, "more rows than lines");
    let mut seen = std::collections::HashSet::new();
    assert!(file.numbers.iter().all(|n| seen.insert(n.digits().to_owned())), "a number twice");
    assert!(file.bad.iter().all(|b| b.line >= 1), "{:?}", file.bad);
    let again: String = file.numbers.iter().map(|n| n.e164() + "\n").collect();
    let back = parse(again.as_bytes(), &PhonePolicy::default()).expect("E.164 lines are CSV");
    assert!(back.bad.is_empty(), "{:?}", back.bad);
    assert_eq!(back.numbers, file.numbers);
});
