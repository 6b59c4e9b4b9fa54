//! Personalised texts: `{column}` merge fields filled from each recipient's row of `--to-file`,
//! recipients grouped by the text they get (one request per distinct text).

use std::collections::BTreeMap;

use bramka::PhoneNumber;

/// The merge fields of `text`: each `{name}` with `name` of letters, digits, `_` or `-`, in
/// order of first use. Other braces are kept as written.
pub(crate) fn fields_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_name(&after[..end]) => {
                let name = after[..end].to_owned();
                if !out.contains(&name) {
                    out.push(name);
                }
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// `text` with every merge field replaced by the row's value.
pub(crate) fn fill(text: &str, row: &BTreeMap<String, String>) -> String {
    let mut out = text.to_owned();
    for name in fields_in(text) {
        if let Some(v) = row.get(&name) {
            out = out.replace(&format!("{{{name}}}"), v);
        }
    }
    out
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
