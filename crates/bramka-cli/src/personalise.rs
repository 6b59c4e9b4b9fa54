//! Personalised texts: `{column}` merge fields filled from each recipient's row of `--to-file`,
//! recipients grouped by the text they get (one request per distinct text).

use std::collections::BTreeMap;

use bramka::PhoneNumber;

/// A piece of a text: as written, or a merge field.
enum Piece<'a> {
    Text(String),
    Field(&'a str),
}

/// `text` cut into pieces: each `{name}` (letters, digits, `_`, `-`) is a field; `{{` and `}}`
/// are a literal `{` and `}` (so `{{imie}}` is the text `{imie}`); other braces are kept.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") || rest.starts_with("}}") {
            lit.push(c);
            rest = &rest[2..];
            continue;
        }
        if c == '{'
            && let Some(end) = rest[1..].find(['}', '{'])
            && rest.as_bytes()[1 + end] == b'}'
            && is_name(&rest[1..1 + end])
        {
            if !lit.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut lit)));
            }
            out.push(Piece::Field(&rest[1..1 + end]));
            rest = &rest[end + 2..];
            continue;
        }
        lit.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !lit.is_empty() {
        out.push(Piece::Text(lit));
    }
    out
}

/// The merge fields of `text`: each `{name}` with `name` of letters, digits, `_` or `-`, in
/// order of first use. `{{name}}` is the literal text `{name}`, not a field; other braces are
/// kept as written.
pub(crate) fn fields_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in pieces(text) {
        if let Piece::Field(name) = p
            && !out.iter().any(|f| f == name)
        {
            out.push(name.to_owned());
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// `text` with every merge field replaced by the row's value (in one pass: a value is never
/// read as a field) and `{{`/`}}` written as `{`/`}`.
pub(crate) fn fill(text: &str, row: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    for p in pieces(text) {
        match p {
            Piece::Text(t) => out.push_str(&t),
            Piece::Field(name) => match row.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// A `--to-file` text without merge fields: its `{{`/`}}` escapes written as `{`/`}`.
pub(crate) fn unescape(text: &str) -> String {
    fill(text, &BTreeMap::new())
}

/// The recipients grouped by their personalised text, in file order. Every merge field must be a
/// column of the file; the error lists the unknown ones and the columns there are.
pub(crate) fn group(
    text: &str,
    columns: &[String],
    numbers: &[PhoneNumber],
    rows: &[BTreeMap<String, String>],
) -> Result<Vec<(String, Vec<PhoneNumber>)>, String> {
    let unknown: Vec<String> =
        fields_in(text).into_iter().filter(|f| !columns.contains(f)).map(|f| format!("{{{f}}}")).collect();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown merge field(s) {} in the text; the file's columns: {}",
            unknown.join(", "),
            if columns.is_empty() {
                "(none: the file has no header row)".to_owned()
            } else {
                columns.join(", ")
            }
        ));
    }
    let mut groups: Vec<(String, Vec<PhoneNumber>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (n, row) in numbers.iter().zip(rows) {
        let t = fill(text, row);
        match index.get(&t) {
            Some(&i) => groups[i].1.push(n.clone()),
            None => {
                index.insert(t.clone(), groups.len());
                groups.push((t, vec![n.clone()]));
            }
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn fields_are_found_filled_and_other_braces_kept() {
        assert_eq!(fields_in("Dzień dobry {imie}, kod: {kod} {imie} {} { x }"), ["imie", "kod"]);
        let r = row(&[("imie", "Anna"), ("kod", "X1")]);
        assert_eq!(fill("Dzień dobry {imie}, kod: {kod} {}", &r), "Dzień dobry Anna, kod: X1 {}");
    }

    #[test]
    fn double_braces_are_a_literal_word_in_braces_and_values_are_not_fields() {
        assert_eq!(fields_in("Hi {imie}, reply {{STOP}} {{imie}}"), ["imie"]);
        assert!(fields_in("only {{escaped}}").is_empty());
        let r = row(&[("imie", "{kod}"), ("kod", "X1")]);
        assert_eq!(fill("Hi {imie}, reply {{STOP}}, {{{kod}}}", &r), "Hi {kod}, reply {STOP}, {X1}");
        assert_eq!(unescape("Send {{code}} to 7910, {} {x y}"), "Send {code} to 7910, {} {x y}");
        assert_eq!(fill("Zażółć {imie}", &row(&[("imie", "Ąna")])), "Zażółć Ąna");
    }

    #[test]
    fn recipients_with_the_same_text_share_a_group_and_unknown_fields_are_named() {
        let p = |s: &str| PhoneNumber::parse(s).unwrap();
        let cols = vec!["phone".to_owned(), "imie".to_owned()];
        let numbers = [p("+48600100200"), p("+48600100201"), p("+48600100202")];
        let rows = [row(&[("imie", "Anna")]), row(&[("imie", "Jan")]), row(&[("imie", "Anna")])];
        let g = group("Hi {imie}", &cols, &numbers, &rows).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].0.as_str(), g[0].1.len()), ("Hi Anna", 2));
        assert_eq!((g[1].0.as_str(), g[1].1.len()), ("Hi Jan", 1));
        let e = group("Hi {name} {kod}", &cols, &numbers, &rows).unwrap_err();
        assert!(e.contains("{name}, {kod}") && e.contains("columns: phone, imie"), "{e}");
    }
}
