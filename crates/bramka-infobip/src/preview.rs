//! `POST /sms/1/preview`: how Infobip would encode and split a text, with and without its
//! language and transliteration options: a ground truth to compare bramka's own analysis with.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use bramka_core::Error;

use crate::errors::Op;
use crate::gateway::InfobipGateway;
use crate::options::{LanguageCode, Transliteration};

/// One way Infobip would send a text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Preview {
    /// The text as the recipient would see it (after transliteration).
    pub text: String,
    /// SMS parts.
    pub parts: u32,
    /// Characters left in the last part.
    pub characters_remaining: u32,
    /// The language applied (`"TR"`), if any.
    pub language: Option<String>,
    /// The transliteration applied (`"GREEK"`), if any.
    pub transliteration: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreviewRequest<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transliteration: Option<&'static str>,
}

#[derive(Deserialize)]
struct PreviewResponse {
    #[serde(default)]
    previews: Vec<PreviewItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PreviewItem {
    text_preview: Option<String>,
    // `int32` in the spec: read signed, a negative value is no count.
    message_count: Option<i32>,
    characters_remaining: Option<i32>,
    configuration: Option<Configuration>,
}

#[derive(Deserialize)]
struct Configuration {
    language: Option<LanguageWire>,
    transliteration: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LanguageWire {
    language_code: Option<String>,
}

impl InfobipGateway {
    /// Previews `text` (`POST /sms/1/preview`). The first entry is always the text unchanged;
    /// a second one applies the language and/or transliteration given. `LanguageCode::None` and
    /// `Transliteration::None` are not sent (the preview endpoint accepts only real values).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`](bramka_core::ErrorKind::Network) or
    /// [`ErrorKind::Timeout`](bramka_core::ErrorKind::Timeout) for a transport failure; for a non-2xx answer
    /// the kind of its HTTP status ([`ErrorKind::Auth`](bramka_core::ErrorKind::Auth) for 401 and 403,
    /// [`ErrorKind::NotFound`](bramka_core::ErrorKind::NotFound) for 404,
    /// [`ErrorKind::RateLimited`](bramka_core::ErrorKind::RateLimited) for 429,
    /// [`ErrorKind::Unavailable`](bramka_core::ErrorKind::Unavailable) for 5xx, a 400 refined by the property
    /// it names); [`ErrorKind::Decode`](bramka_core::ErrorKind::Decode) for an answer that cannot be read.
    pub async fn preview(
        &self,
        text: &str,
        language: Option<LanguageCode>,
        transliteration: Option<Transliteration>,
    ) -> Result<Vec<Preview>, Error> {
        let body = PreviewRequest {
            text,
            language_code: language.filter(|l| *l != LanguageCode::None).map(LanguageCode::as_str),
            transliteration: transliteration
                .filter(|t| *t != Transliteration::None)
                .map(Transliteration::as_str),
        };
        let resp: PreviewResponse =
            self.request(Op::Read, Method::POST, "/sms/1/preview", &[], Some(&body)).await?;
        Ok(resp
            .previews
            .into_iter()
            .map(|p| {
                let (language, transliteration) = match p.configuration {
                    Some(c) => (c.language.and_then(|l| l.language_code), c.transliteration),
                    None => (None, None),
                };
                Preview {
                    text: p.text_preview.unwrap_or_default(),
                    parts: crate::wire::count(p.message_count).unwrap_or(0),
                    characters_remaining: crate::wire::count(p.characters_remaining).unwrap_or(0),
                    language,
                    transliteration,
                }
            })
            .collect())
    }
}
