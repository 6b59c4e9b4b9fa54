//! Twilio's JSON shapes (API v2010), as received. Crate-private: the public API converts them.
//!
//! Quirks (Twilio's OpenAPI description of the Message resource): `num_segments`, `num_media` and `price` are strings; `error_code` is an integer
//! or null; dates are RFC 2822. Parsing is lenient (string or number) and ignores unknown fields.

use serde::{Deserialize, Deserializer};

/// The Message resource (`api.v2010.account.message`); every field is nullable.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub(crate) struct MessageDto {
    pub sid: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub body: Option<String>,
    pub status: Option<String>,
    pub direction: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub num_segments: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub price: Option<String>,
    pub price_unit: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub date_created: Option<String>,
    pub date_sent: Option<String>,
    pub date_updated: Option<String>,
}

/// A page of `GET …/Messages.json`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MessagePageDto {
    #[serde(default)]
    pub messages: Vec<MessageDto>,
    #[serde(default)]
    pub next_page_uri: Option<String>,
    /// `integer` without a format in Twilio's OpenAPI document: signed.
    #[serde(default)]
    pub page: Option<i64>,
}

/// The classic error body: `{"code", "message", "more_info", "status"}`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ErrorDto {
    #[serde(deserialize_with = "lenient_string")]
    pub code: Option<String>,
    pub message: Option<String>,
    pub more_info: Option<String>,
}

/// A string, a number or null, as a string.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_both_accepted() {
        let m: MessageDto = serde_json::from_str(
            r#"{"sid":"SM1","num_segments":"2","price":"-0.00750","error_code":30003,"extra":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(m.num_segments.as_deref(), Some("2"));
        assert_eq!(m.price.as_deref(), Some("-0.00750"));
        assert_eq!(m.error_code.as_deref(), Some("30003"));
        let m: MessageDto =
            serde_json::from_str(r#"{"num_segments":3,"price":null,"error_code":null}"#).unwrap();
        assert_eq!(m.num_segments.as_deref(), Some("3"));
        assert_eq!(m.price, None);
        assert_eq!(m.error_code, None);
    }
}
