//! Recipients from a CSV file of numbers (what `bramka send --to-file` reads), every bad row
//! reported with its line number. Feature `numbers-file`.
//!
//! ```
//! use bramka::PhonePolicy;
//! use bramka::numbers_file;
//!
//! let csv = "name,phone\nAnna,+48 600 100 200\nBob,abc\nCelina,600100201\n";
//! let file = numbers_file::parse(csv.as_bytes(), &PhonePolicy::with_default_prefix("48")).unwrap();
//! assert_eq!(file.numbers.len(), 2);
//! assert_eq!((file.bad[0].line, file.bad[0].input.as_str()), (3, "abc"));
//! ```

use std::path::Path;

use bramka_core::{PhoneNumber, PhonePolicy};

/// Column names taken as the phone column (case-insensitive).
const PHONE_COLUMNS: [&str; 5] = ["phone", "number", "to", "msisdn", "recipient"];

/// A row that did not give a phone number.
///
/// ```
/// use bramka::numbers_file::parse;
/// use bramka::PhonePolicy;
///
/// let file = parse("phone\n+48600100200\nnot a number\n".as_bytes(), &PhonePolicy::default()).unwrap();
/// assert_eq!(file.bad[0].line, 3);
/// assert_eq!(file.bad[0].input, "not a number");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BadRow {
    /// 1-based line number in the file.
    pub line: u64,
    /// The value as written.
    pub input: String,
    /// Why it was refused.
    pub reason: String,
}

/// The numbers of a file, in order, duplicates removed, and its bad rows.
///
/// ```
/// use bramka::numbers_file::parse;
/// use bramka::PhonePolicy;
///
/// let csv = "name,phone\nAda,600 100 200\nBob,+48 600 100 201\n";
/// let file = parse(csv.as_bytes(), &PhonePolicy::with_default_prefix("48")).unwrap();
/// assert_eq!(file.numbers.len(), 2);
/// assert!(file.bad.is_empty());
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct NumbersFile {
    /// Good numbers.
    pub numbers: Vec<PhoneNumber>,
    /// Bad rows.
    pub bad: Vec<BadRow>,
    /// Rows repeating an earlier number.
    pub duplicates: usize,
    /// The header's column names, when the first row is a header.
    pub columns: Vec<String>,
    /// Each good number's row, by column name (parallel to `numbers`; empty without a header).
    pub fields: Vec<std::collections::BTreeMap<String, String>>,
}

/// Reads the file: the column named `phone`/`number`/`to`/`msisdn`/`recipient` when the first
/// row names one, else the first column; the first row is a header when it names a column or has
/// no digit at all. Blank rows and `#` comments are skipped.
///
/// # Errors
///
/// The file cannot be opened, or is not CSV (the message names the file and the line).
pub fn read(path: &Path, policy: &PhonePolicy) -> Result<NumbersFile, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(file, policy).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses CSV from a reader (see [`read`]).
///
/// # Errors
///
/// The input is not CSV (the message names the line).
pub fn parse(input: impl std::io::Read, policy: &PhonePolicy) -> Result<NumbersFile, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(input);
    let mut out = NumbersFile::default();
    let mut seen = std::collections::HashSet::new();
    let mut column = 0;
    let mut first = true;
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => format!("line {}: {e}", p.line()),
            None => e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if first {
            first = false;
            if let Some(i) =
                record.iter().position(|f| PHONE_COLUMNS.iter().any(|c| f.eq_ignore_ascii_case(c)))
            {
                column = i;
                out.columns = record.iter().map(str::to_owned).collect();
                continue;
            }
            if !record.iter().any(|f| f.chars().any(|c| c.is_ascii_digit())) {
                out.columns = record.iter().map(str::to_owned).collect();
                continue;
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let value = record.get(column).unwrap_or("");
        if value.is_empty() {
            out.bad.push(BadRow {
                line,
                input: String::new(),
                reason: format!("no value in column {}", column + 1),
            });
            continue;
        }
        match PhoneNumber::parse_with(value, policy) {
            Ok(n) => {
                if seen.insert(n.digits().to_owned()) {
                    out.numbers.push(n);
                    let row = out.columns.iter().cloned().zip(record.iter().map(str::to_owned)).collect();
                    out.fields.push(row);
                } else {
                    out.duplicates += 1;
                }
            }
            Err(e) => out.bad.push(BadRow { line, input: value.to_owned(), reason: e.to_string() }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(f: &NumbersFile) -> Vec<&str> {
        f.numbers.iter().map(PhoneNumber::digits).collect()
    }

    #[test]
    fn named_column_header_and_bad_rows_with_lines() {
        let csv = "name,phone\nAnna,+48 600 100 200\nBob,abc\n\nCelina,600100201\nDup,0048600100200\n";
        let f = parse(csv.as_bytes(), &PhonePolicy::with_default_prefix("48")).unwrap();
        assert_eq!(digits(&f), ["48600100200", "48600100201"]);
        assert_eq!(f.bad.len(), 1);
        assert_eq!((f.bad[0].line, f.bad[0].input.as_str()), (3, "abc"));
        assert_eq!(f.duplicates, 1);
    }

    #[test]
    fn no_header_first_column() {
        let f = parse("+48600100200,x\n+48600100201\n".as_bytes(), &PhonePolicy::default()).unwrap();
        assert_eq!(digits(&f), ["48600100200", "48600100201"]);
        assert!(f.bad.is_empty());
    }

    #[test]
    fn header_without_known_name_is_skipped_when_it_has_no_digit() {
        let f = parse("Telefon\n+48600100200\n".as_bytes(), &PhonePolicy::default()).unwrap();
        assert_eq!(digits(&f), ["48600100200"]);
        assert!(f.bad.is_empty());
    }

    #[test]
    fn missing_value_in_the_column_is_a_bad_row() {
        let f = parse("name,to\nAnna,\n".as_bytes(), &PhonePolicy::default()).unwrap();
        assert_eq!(f.bad, [BadRow { line: 2, input: String::new(), reason: "no value in column 2".into() }]);
    }
}
