//! SMSAPI wire DTOs (serde), crate-private. Field names follow `reference/smsapi.md` §3.4, §3.5, §8.
//!
//! Every DTO is lenient where the official clients saw variation: `points` is a number or a
//! numeric string, ids and numbers may arrive as JSON numbers, `error` is a number (sms.do), a
//! numeric string, or a word (REST: `"invalid_request_data"`), and `message`/`length`/`parts` may sit
//! at the top level or inside a list item (Go fixture).

use serde::Deserialize;

/// A string that may arrive as a JSON string or number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Text {
    Str(String),
    Num(serde_json::Number),
}

impl Text {
    pub(crate) fn into_string(self) -> String {
        match self {
            Text::Str(s) => s,
            Text::Num(n) => n.to_string(),
        }
    }
}

/// `points`: a number or a numeric string (`"0.3000"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
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

/// The `error` field.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum ErrorField {
    Num(i64),
    Str(String),
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
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct SmsResponse {
    #[serde(default)]
    pub(crate) count: Option<u64>,
    #[serde(default)]
    pub(crate) list: Option<Vec<SmsItem>>,
    /// With `error`: SMSAPI's error text. With `details=1`: the final message text.
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) parts: Option<u32>,
    #[serde(default)]
    pub(crate) error: Option<ErrorField>,
    #[serde(default)]
    pub(crate) invalid_numbers: Option<Vec<InvalidNumber>>,
}

/// One entry of `list`.
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct SmsItem {
    #[serde(default)]
    pub(crate) id: Option<Text>,
    #[serde(default)]
    pub(crate) points: Option<Points>,
    #[serde(default)]
    pub(crate) number: Option<Text>,
    #[serde(default)]
    pub(crate) submitted_number: Option<Text>,
    #[serde(default)]
    pub(crate) date_sent: Option<i64>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) error: Option<ErrorField>,
    #[serde(default)]
    pub(crate) idx: Option<Text>,
    #[serde(default)]
    pub(crate) parts: Option<u32>,
}

/// An entry of `invalid_numbers` (error 13, partial failures).
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct InvalidNumber {
    #[serde(default)]
    pub(crate) number: Option<Text>,
    #[serde(default)]
    pub(crate) submitted_number: Option<Text>,
    #[serde(default)]
    pub(crate) message: Option<String>,
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
