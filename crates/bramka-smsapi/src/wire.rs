//! SMSAPI wire DTOs (serde), crate-private. Field names follow SMSAPI's documented `sms.do`, status and profile answers.
//!
//! Every DTO is lenient where the official clients saw variation: `points` is a number or a
//! numeric string, ids and numbers may arrive as JSON numbers, `error` is a number (sms.do), a
//! numeric string, or a word (REST: `"invalid_request_data"`), and `message`/`length`/`parts` may sit
//! at the top level or inside a list item (Go fixture).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

// The field types below are deserialized by hand rather than with `#[serde(untagged)]`: an
// untagged enum buffers every value before trying the variants (an allocation per string), and
// these fields sit in every `list` entry of a send answer. The visitors accept exactly what the
// untagged enums accepted, and refuse the rest with the same message.

/// The error of a value no variant accepts, worded like serde's untagged enums.
fn no_variant<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("data did not match any variant of untagged enum {name}"))
}

/// Refuses the value kinds a visitor does not take (the listed scalars, null, arrays and objects)
/// with [`no_variant`]'s message.
macro_rules! refuse_other_kinds {
    ($name:literal; $($method:ident: $arg:ty),*) => {
        $(
            fn $method<E: de::Error>(self, _: $arg) -> Result<Self::Value, E> {
                Err(no_variant($name))
            }
        )*
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(no_variant($name))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(no_variant($name))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Err(no_variant($name))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Err(no_variant($name))
        }
    };
}

/// A string that may arrive as a JSON string or number (kept as the number's JSON text).
/// Borrows from the answer when the string has no escapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Text<'a>(Cow<'a, str>);

impl<'a> Text<'a> {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }

    /// A text borrowed from the answer.
    pub(crate) fn borrowed(s: &'a str) -> Text<'a> {
        Text(Cow::Borrowed(s))
    }

    /// A text made in a test.
    #[cfg(test)]
    pub(crate) fn owned(s: String) -> Text<'static> {
        Text(Cow::Owned(s))
    }
}

/// A JSON number as text, as `serde_json::Number` prints it.
fn number_text<N: Into<serde_json::Number>>(n: N) -> Cow<'static, str> {
    Cow::Owned(n.into().to_string())
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(number_text(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(number_text(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                match serde_json::Number::from_f64(v) {
                    Some(n) => Ok(Text(number_text(n))),
                    None => Err(no_variant("Text")),
                }
            }
            refuse_other_kinds!("Text"; visit_bool: bool, visit_bytes: &[u8]);
        }
        d.deserialize_any(V)
    }
}

/// A JSON string, borrowed from the answer when it has no escapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Str<'a>(Cow<'a, str>);

impl<'a> Str<'a> {
    /// A string borrowed from the answer.
    pub(crate) fn borrowed(s: &'a str) -> Str<'a> {
        Str(Cow::Borrowed(s))
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `points`: a number or a numeric string (`"0.3000"`).
#[derive(Debug, Clone)]
pub(crate) enum Points {
    Num(f64),
    Str(String),
}

impl Points {
    pub(crate) fn value(&self) -> Option<f64> {
        match self {
            Points::Num(n) => Some(*n),
            Points::Str(s) => s.trim().replace(',', ".").parse().ok(),
        }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a numeric string")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Points::Num(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Points::Num(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Points::Num(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Points::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Points::Str(v))
            }
            refuse_other_kinds!("Points"; visit_bool: bool, visit_bytes: &[u8]);
        }
        d.deserialize_any(V)
    }
}

/// The `error` field: a number or a string.
#[derive(Debug, Clone)]
pub(crate) enum ErrorField {
    Num(i64),
    Str(String),
}

impl<'de> Deserialize<'de> for ErrorField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ErrorField::Num(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v).map(ErrorField::Num).map_err(|_| no_variant("ErrorField"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ErrorField::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ErrorField::Str(v))
            }
            refuse_other_kinds!("ErrorField"; visit_f64: f64, visit_bool: bool, visit_bytes: &[u8]);
        }
        d.deserialize_any(V)
    }
}

/// What an `error` field means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorValue {
    /// A numeric SMSAPI code (non-zero).
    Code(u32),
    /// A word (REST endpoints).
    Word(String),
}

impl ErrorField {
    /// `None` for `0`, `""` and `"0"` (no error).
    pub(crate) fn value(&self) -> Option<ErrorValue> {
        match self {
            ErrorField::Num(0) => None,
            ErrorField::Num(n) => Some(ErrorValue::Code(u32::try_from(*n).unwrap_or(u32::MAX))),
            ErrorField::Str(s) => {
                let s = s.trim();
                match s.parse::<u32>() {
                    Ok(0) => None,
                    Ok(n) => Some(ErrorValue::Code(n)),
                    Err(_) if s.is_empty() => None,
                    Err(_) => Some(ErrorValue::Word(s.to_owned())),
                }
            }
        }
    }
}

/// The answer of `sms.do` (send, status, delete) and the error shape of every `.do` endpoint.
/// Strings borrow from the answer's bytes.
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct SmsResponse<'a> {
    #[serde(default)]
    pub(crate) count: Option<u64>,
    #[serde(default, borrow)]
    pub(crate) list: Option<Vec<SmsItem<'a>>>,
    /// With `error`: SMSAPI's error text. With `details=1`: the final message text.
    #[serde(default, borrow)]
    pub(crate) message: Option<Str<'a>>,
    #[serde(default)]
    pub(crate) parts: Option<u32>,
    #[serde(default)]
    pub(crate) error: Option<ErrorField>,
    #[serde(default, borrow)]
    pub(crate) invalid_numbers: Option<Vec<InvalidNumber<'a>>>,
}

/// One entry of `list`.
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct SmsItem<'a> {
    #[serde(default, borrow)]
    pub(crate) id: Option<Text<'a>>,
    #[serde(default)]
    pub(crate) points: Option<Points>,
    #[serde(default, borrow)]
    pub(crate) number: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub(crate) submitted_number: Option<Text<'a>>,
    #[serde(default)]
    pub(crate) date_sent: Option<i64>,
    #[serde(default, borrow)]
    pub(crate) status: Option<Str<'a>>,
    #[serde(default)]
    pub(crate) error: Option<ErrorField>,
    #[serde(default, borrow)]
    pub(crate) idx: Option<Text<'a>>,
    #[serde(default)]
    pub(crate) parts: Option<u32>,
}

/// An entry of `invalid_numbers` (error 13, partial failures).
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct InvalidNumber<'a> {
    #[serde(default, borrow)]
    pub(crate) number: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub(crate) submitted_number: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub(crate) message: Option<Str<'a>>,
}

/// The text of an optional [`Text`] field.
pub(crate) fn text<'t>(t: &'t Option<Text<'_>>) -> Option<&'t str> {
    t.as_ref().map(Text::as_str)
}

/// `GET /profile`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Profile {
    #[serde(default)]
    pub(crate) points: Option<Points>,
    #[serde(default)]
    pub(crate) payment_type: Option<String>,
}

/// `GET /user.do?credits=1&format=json` (legacy balance).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Credits {
    #[serde(default)]
    pub(crate) points: Option<Points>,
    #[serde(default)]
    pub(crate) error: Option<ErrorField>,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// `GET /sms/sendernames`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SenderNames {
    #[serde(default)]
    pub(crate) collection: Vec<SenderNameDto>,
}

/// One sender name.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SenderNameDto {
    pub(crate) sender: String,
    #[serde(default)]
    pub(crate) is_default: Option<bool>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) created_at: Option<String>,
}

/// The error body of REST endpoints (`/profile`, `/sms/sendernames`) and, loosely, of `.do` ones.
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) error: Option<ErrorField>,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// A legacy plain-text error (`ERROR:101`), answered without `format=json`; recognised defensively.
pub(crate) fn legacy_error_code(body: &str) -> Option<u32> {
    body.trim().strip_prefix("ERROR:")?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_number_or_string() {
        let a: SmsItem = serde_json::from_str(r#"{"points": 0.21}"#).unwrap();
        let b: SmsItem = serde_json::from_str(r#"{"points": "0.3000"}"#).unwrap();
        let c: SmsItem = serde_json::from_str(r#"{"points": "n/a"}"#).unwrap();
        assert_eq!(a.points.unwrap().value(), Some(0.21));
        assert_eq!(b.points.unwrap().value(), Some(0.3));
        assert_eq!(c.points.unwrap().value(), None);
    }

    #[test]
    fn error_field_forms() {
        let f = |j: &str| serde_json::from_str::<ErrorBody>(j).unwrap().error.and_then(|e| e.value());
        assert_eq!(f(r#"{"error": 13}"#), Some(ErrorValue::Code(13)));
        assert_eq!(f(r#"{"error": "101"}"#), Some(ErrorValue::Code(101)));
        assert_eq!(f(r#"{"error": 0}"#), None);
        assert_eq!(f(r#"{"error": null}"#), None);
        assert_eq!(f(r#"{}"#), None);
        assert_eq!(
            f(r#"{"error": "invalid_request_data"}"#),
            Some(ErrorValue::Word("invalid_request_data".into()))
        );
    }

    #[test]
    fn ids_and_numbers_may_be_json_numbers() {
        let i: SmsItem = serde_json::from_str(r#"{"id": 17, "number": 48600100200, "idx": "k1"}"#).unwrap();
        assert_eq!(i.id.unwrap().into_string(), "17");
        assert_eq!(i.number.unwrap().into_string(), "48600100200");
        assert_eq!(i.idx.unwrap().into_string(), "k1");
    }

    #[test]
    fn legacy_errors() {
        assert_eq!(legacy_error_code("ERROR:101"), Some(101));
        assert_eq!(legacy_error_code(" ERROR: 8\n"), Some(8));
        assert_eq!(legacy_error_code("OK:123:0.16"), None);
    }
}

/// The hand-written field types accept and refuse what the `#[serde(untagged)]` enums they
/// replaced did, with the same values and messages.
#[cfg(test)]
mod untagged_equivalence {
    use super::*;

    /// The enums as they were (same names: untagged errors name the type).
    mod old {
        use serde::Deserialize;

        #[derive(Debug, Deserialize)]
        #[serde(untagged)]
        pub(super) enum Text {
            Str(String),
            Num(serde_json::Number),
        }

        #[derive(Debug, Deserialize)]
        #[serde(untagged)]
        pub(super) enum Points {
            Num(f64),
            Str(String),
        }

        #[derive(Debug, Deserialize)]
        #[serde(untagged)]
        pub(super) enum ErrorField {
            Num(i64),
            Str(String),
        }
    }

    const VALUES: &[&str] = &[
        r#""abc""#,
        r#""za\u017c\"ó""#,
        r#""""#,
        r#""0.3000""#,
        "17",
        "-3",
        "0",
        "18446744073709551615",
        "9223372036854775808",
        "-9223372036854775808",
        "1.5",
        "1e3",
        "0.16",
        "-0.0",
        "true",
        "null",
        "[1, \"a\"]",
        r#"{"a": 1}"#,
    ];

    /// The message without serde_json's position (untagged enums report the end of the value).
    fn message(e: serde_json::Error) -> String {
        let s = e.to_string();
        s.split(" at line ").next().unwrap_or_default().to_owned()
    }

    fn same<A, B>(
        json: &str,
        new: impl Fn(&str) -> serde_json::Result<A>,
        old: impl Fn(&str) -> serde_json::Result<B>,
    ) where
        A: PartialEq<B> + fmt::Debug,
        B: fmt::Debug,
    {
        match (new(json), old(json)) {
            (Ok(a), Ok(b)) => assert!(a == b, "{json}: {a:?} != {b:?}"),
            (Err(a), Err(b)) => assert_eq!(message(a), message(b), "{json}"),
            (a, b) => panic!("{json}: new {a:?}, old {b:?}"),
        }
    }

    #[test]
    fn text_as_before() {
        for v in VALUES {
            same(
                v,
                |j| serde_json::from_str::<Text>(j).map(Text::into_string),
                |j| {
                    serde_json::from_str::<old::Text>(j).map(|t| match t {
                        old::Text::Str(s) => s,
                        old::Text::Num(n) => n.to_string(),
                    })
                },
            );
        }
    }

    #[test]
    fn points_as_before() {
        for v in VALUES {
            same(
                v,
                |j| serde_json::from_str::<Points>(j).map(|p| (p.value(), format!("{p:?}"))),
                |j| {
                    serde_json::from_str::<old::Points>(j).map(|p| {
                        let new = match &p {
                            old::Points::Num(n) => Points::Num(*n),
                            old::Points::Str(s) => Points::Str(s.clone()),
                        };
                        (new.value(), format!("{new:?}"))
                    })
                },
            );
        }
    }

    #[test]
    fn error_field_as_before() {
        for v in VALUES {
            same(
                v,
                |j| serde_json::from_str::<ErrorField>(j).map(|e| e.value()),
                |j| {
                    serde_json::from_str::<old::ErrorField>(j).map(|e| match e {
                        old::ErrorField::Num(n) => ErrorField::Num(n).value(),
                        old::ErrorField::Str(s) => ErrorField::Str(s).value(),
                    })
                },
            );
        }
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let item: SmsItem =
            serde_json::from_str(r#"{"id": "abc", "status": "QU\u0045UE", "number": 48600100200}"#).unwrap();
        assert!(matches!(item.id, Some(Text(Cow::Borrowed("abc")))));
        assert!(matches!(item.status, Some(Str(Cow::Owned(ref s))) if s == "QUEUE"));
        assert_eq!(text(&item.number), Some("48600100200"));
    }
}
