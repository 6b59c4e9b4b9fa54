//! CSV neutralisation and export. Oracles: a neutralised cell is the cell or `'` + the cell;
//! after a CSV round trip (csv crate) it reads back the same; no cell read back starts, after
//! blanks or NUL, with a formula character unless it is a phone number.
#![no_main]

use bramka_inbound::report::neutralize;
use libfuzzer_sys::fuzz_target;

fn phone(cell: &str) -> bool {
    cell.strip_prefix('+').is_some_and(|d| (4..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let cells: Vec<&str> = text.split('\u{1f}').collect();
    let out: Vec<String> = cells.iter().map(|c| neutralize(c).into_owned()).collect();
    for (c, o) in cells.iter().zip(&out) {
        assert!(o == c || *o == format!("'{c}"), "{c:?} -> {o:?}");
        let first = o.chars().find(|ch| !(ch.is_whitespace() || *ch == '\0'));
        assert!(phone(o) || !matches!(first, Some('=' | '+' | '-' | '@')), "{o:?}");
        assert!(!o.starts_with(['\t', '\r']), "{o:?}");
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(&out).unwrap();
    let bytes = w.into_inner().unwrap();
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice());
    let rec = r.records().next().unwrap().unwrap();
    assert_eq!(rec.iter().collect::<Vec<_>>(), out.iter().map(String::as_str).collect::<Vec<_>>());
});
