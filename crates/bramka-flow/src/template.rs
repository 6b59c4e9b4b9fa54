//! SMS text templates with `{placeholder}`s, checked against the known names when they are built.

use std::collections::BTreeMap;
use std::fmt;

/// The placeholders every template may use, filled from the [`CallEvent`](crate::CallEvent).
pub const BUILTIN_PLACEHOLDERS: [&str; 3] = ["from_number", "to_number", "call_id"];

/// A parsed template: literal text and placeholders.
///
/// Placeholders are written `{name}` (a name is an ASCII letter or `_` followed by letters, digits
/// or `_`); `{{` and `}}` stand for literal braces. Every name must be known when the template is
/// parsed: an unknown one is an error, never an empty string at run time.
///
/// ```
/// use bramka_flow::Template;
/// use std::collections::BTreeMap;
///
/// let t = Template::parse("Call {call_id} from {from_number} {{ok}}", &["call_id", "from_number"]).unwrap();
/// let values = BTreeMap::from([("call_id", "c-1"), ("from_number", "+48600100200")]);
/// assert_eq!(t.render(|name| values.get(name).copied()), "Call c-1 from +48600100200 {ok}");
///
/// let err = Template::parse("Hi {nmae}", &["name"]).unwrap_err();
/// assert!(err.to_string().contains("unknown placeholder {nmae}"), "{err}");
/// assert!(err.to_string().contains("{name}"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Placeholder(String),
}

/// One problem in a template.
///
/// ```
/// use bramka_flow::{Template, TemplateProblem};
///
/// let e = Template::parse("Hi {nmae}", &["name"]).unwrap_err();
/// assert!(matches!(&e.problems[0], TemplateProblem::UnknownPlaceholder { name, position: 3 } if name == "nmae"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateProblem {
    /// A `{name}` whose name is not known.
    UnknownPlaceholder {
        /// The name as written.
        name: String,
        /// Character position (0-based) of the opening brace.
        position: usize,
    },
    /// A `{` without its `}`, a `}` without its `{`, or a name with characters a name cannot have.
    Syntax {
        /// Character position (0-based) of the problem.
        position: usize,
        /// What is wrong.
        reason: String,
    },
    /// The template is empty or only whitespace.
    Empty,
}

/// Why a template was refused: every problem found, and the names that would be accepted.
///
/// ```
/// use bramka_flow::Template;
///
/// let e = Template::parse("Hi {nmae", &["name"]).unwrap_err();
/// assert_eq!(e.known, ["name"]);
/// println!("{e}"); // says what is wrong and the accepted names
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}; known placeholders: {}", describe(.problems), known_list(.known))]
pub struct TemplateError {
    /// Every problem, in order.
    pub problems: Vec<TemplateProblem>,
    /// The placeholder names that are accepted.
    pub known: Vec<String>,
}

fn describe(problems: &[TemplateProblem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

fn known_list(known: &[String]) -> String {
    known.iter().map(|k| format!("{{{k}}}")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateProblem::UnknownPlaceholder { name, position } => {
                write!(f, "unknown placeholder {{{name}}} at position {position}")
            }
            TemplateProblem::Syntax { position, reason } => write!(f, "at position {position}: {reason}"),
            TemplateProblem::Empty => f.write_str("the template is empty"),
        }
    }
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Template {
    /// Parses `source`; `known` are the placeholder names accepted (the built-in ones are not
    /// added automatically).
    ///
    /// # Errors
    ///
    /// [`TemplateError`] with every problem: unknown placeholders, unbalanced braces, an empty template.
    pub fn parse(source: &str, known: &[&str]) -> Result<Template, TemplateError> {
        let mut problems = Vec::new();
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let chars: Vec<char> = source.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '{' if chars.get(i + 1) == Some(&'{') => {
                    literal.push('{');
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') => {
                    literal.push('}');
                    i += 2;
                }
                '{' => {
                    let Some(len) = chars[i + 1..].iter().position(|c| *c == '}') else {
                        problems.push(TemplateProblem::Syntax {
                            position: i,
                            reason: "'{' is not closed by '}' (write '{{' for a literal brace)".to_owned(),
                        });
                        break;
                    };
                    let name: String = chars[i + 1..i + 1 + len].iter().collect();
                    if !is_name(&name) {
                        problems.push(TemplateProblem::Syntax {
                            position: i,
                            reason: format!(
                                "{{{name}}} is not a placeholder name (a letter or '_' then letters, digits \
                                 or '_'; write '{{{{' for a literal brace)"
                            ),
                        });
                    } else if !known.contains(&name.as_str()) {
                        problems.push(TemplateProblem::UnknownPlaceholder { name, position: i });
                    } else {
                        if !literal.is_empty() {
                            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                        }
                        pieces.push(Piece::Placeholder(name));
                    }
                    i += len + 2;
                }
                '}' => {
                    problems.push(TemplateProblem::Syntax {
                        position: i,
                        reason: "'}' without an opening '{' (write '}}' for a literal brace)".to_owned(),
                    });
                    i += 1;
                }
                c => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        if source.trim().is_empty() {
            problems.push(TemplateProblem::Empty);
        }
        if problems.is_empty() {
            Ok(Template { source: source.to_owned(), pieces })
        } else {
            Err(TemplateError { problems, known: known.iter().map(|k| (*k).to_owned()).collect() })
        }
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The placeholder names used, each once, in order of first use.
    pub fn placeholders(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.pieces {
            if let Piece::Placeholder(n) = p
                && !out.contains(&n.as_str())
            {
                out.push(n);
            }
        }
        out
    }

    /// Renders the template; `value(name)` gives each placeholder's value (`None` renders as empty,
    /// which cannot happen for names checked at parse time when every known name has a value).
    pub fn render<'a>(&self, value: impl Fn(&str) -> Option<&'a str>) -> String {
        let mut out = String::with_capacity(self.source.len());
        for p in &self.pieces {
            match p {
                Piece::Literal(s) => out.push_str(s),
                Piece::Placeholder(n) => out.push_str(value(n).unwrap_or_default()),
            }
        }
        out
    }

    /// Renders with a map of values.
    pub fn render_map(&self, values: &BTreeMap<&str, &str>) -> String {
        self.render(|n| values.get(n).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KNOWN: [&str; 4] = ["from_number", "to_number", "call_id", "shop"];

    #[test]
    fn renders_every_placeholder_and_escapes() {
        let t = Template::parse("{shop}: {{{call_id}}} {from_number}->{to_number}", &KNOWN).unwrap();
        let v = BTreeMap::from([
            ("shop", "Acme"),
            ("call_id", "42"),
            ("from_number", "+48600100200"),
            ("to_number", "+48221131415"),
        ]);
        assert_eq!(t.render_map(&v), "Acme: {42} +48600100200->+48221131415");
        assert_eq!(t.placeholders(), vec!["shop", "call_id", "from_number", "to_number"]);
    }

    #[test]
    fn every_unknown_placeholder_is_reported_with_the_known_list() {
        let err = Template::parse("{a} and {call_id} and {b}", &KNOWN).unwrap_err();
        assert_eq!(
            err.problems,
            vec![
                TemplateProblem::UnknownPlaceholder { name: "a".into(), position: 0 },
                TemplateProblem::UnknownPlaceholder { name: "b".into(), position: 22 },
            ]
        );
        let msg = err.to_string();
        for k in ["{from_number}", "{to_number}", "{call_id}", "{shop}"] {
            assert!(msg.contains(k), "{msg}");
        }
    }

    #[test]
    fn syntax_problems() {
        let err = Template::parse("oops {call_id", &KNOWN).unwrap_err();
        assert!(matches!(err.problems[0], TemplateProblem::Syntax { position: 5, .. }), "{err}");
        let err = Template::parse("a } b", &KNOWN).unwrap_err();
        assert!(matches!(err.problems[0], TemplateProblem::Syntax { position: 2, .. }), "{err}");
        let err = Template::parse("{call id}", &KNOWN).unwrap_err();
        assert!(err.to_string().contains("not a placeholder name"), "{err}");
        let err = Template::parse("  ", &KNOWN).unwrap_err();
        assert_eq!(err.problems, vec![TemplateProblem::Empty]);
    }

    proptest! {
        #[test]
        fn text_without_braces_renders_unchanged(s in "[^{}]{1,200}") {
            prop_assume!(!s.trim().is_empty());
            let t = Template::parse(&s, &KNOWN).unwrap();
            prop_assert_eq!(t.render(|_| None), s);
        }

        #[test]
        fn values_are_inserted_verbatim(pre in "[^{}]{0,20}", value in "\\PC{0,40}", post in "[^{}]{0,20}") {
            let src = format!("{pre}{{shop}}{post}");
            let t = Template::parse(&src, &KNOWN).unwrap();
            let rendered = t.render(|n| (n == "shop").then_some(value.as_str()));
            prop_assert_eq!(rendered, format!("{pre}{value}{post}"));
        }

        #[test]
        fn escaped_braces_round_trip(s in "[a-z{}]{0,40}") {
            let escaped = s.replace('{', "{{").replace('}', "}}");
            let src = format!("x{escaped}");
            let t = Template::parse(&src, &KNOWN).unwrap();
            prop_assert_eq!(t.render(|_| None), format!("x{s}"));
        }
    }
}
