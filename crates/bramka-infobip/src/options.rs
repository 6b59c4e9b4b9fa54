//! [`InfobipOptions`]: Infobip-only send options (transliteration, national language tables,
//! sending speed, delivery-report settings, campaign reference).

use std::fmt;
use std::str::FromStr;

use bramka_core::Error;

/// Infobip-side character replacement (`content.transliteration`). Infobip does not publish
/// which characters each value converts; there is no `POLISH` value. bramka's own transliteration (the message's `Policy`) happens before sending and
/// is usually the better choice; this is a pass-through.
///
/// ```
/// use bramka_infobip::{InfobipOptions, Transliteration};
///
/// let o = InfobipOptions::new().transliteration(Transliteration::Greek);
/// assert_eq!(Transliteration::Greek.as_str(), "GREEK");
/// assert!(o.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transliteration {
    /// `NONE`.
    None,
    /// `TURKISH`.
    Turkish,
    /// `GREEK`.
    Greek,
    /// `CYRILLIC`.
    Cyrillic,
    /// `SERBIAN_CYRILLIC`.
    SerbianCyrillic,
    /// `CENTRAL_EUROPEAN`.
    CentralEuropean,
    /// `BALTIC`.
    Baltic,
    /// `NON_UNICODE`.
    NonUnicode,
    /// `PORTUGUESE`.
    Portuguese,
    /// `COLOMBIAN`.
    Colombian,
    /// `BULGARIAN_CYRILLIC`.
    BulgarianCyrillic,
    /// `ALL`.
    All,
}

impl Transliteration {
    const ALL_VALUES: [Transliteration; 12] = [
        Transliteration::None,
        Transliteration::Turkish,
        Transliteration::Greek,
        Transliteration::Cyrillic,
        Transliteration::SerbianCyrillic,
        Transliteration::CentralEuropean,
        Transliteration::Baltic,
        Transliteration::NonUnicode,
        Transliteration::Portuguese,
        Transliteration::Colombian,
        Transliteration::BulgarianCyrillic,
        Transliteration::All,
    ];

    /// The wire value (`"CENTRAL_EUROPEAN"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transliteration::None => "NONE",
            Transliteration::Turkish => "TURKISH",
            Transliteration::Greek => "GREEK",
            Transliteration::Cyrillic => "CYRILLIC",
            Transliteration::SerbianCyrillic => "SERBIAN_CYRILLIC",
            Transliteration::CentralEuropean => "CENTRAL_EUROPEAN",
            Transliteration::Baltic => "BALTIC",
            Transliteration::NonUnicode => "NON_UNICODE",
            Transliteration::Portuguese => "PORTUGUESE",
            Transliteration::Colombian => "COLOMBIAN",
            Transliteration::BulgarianCyrillic => "BULGARIAN_CYRILLIC",
            Transliteration::All => "ALL",
        }
    }
}

impl fmt::Display for Transliteration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Transliteration {
    type Err = OptionError;
    /// Case-insensitive wire value (`central_european`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transliteration::ALL_VALUES
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| OptionError::InvalidValue {
                option: "transliteration",
                value: s.to_owned(),
                expected: Transliteration::ALL_VALUES.map(|t| t.as_str()).join(", "),
            })
    }
}

/// National Language Identifier (`content.language.languageCode`): GSM shift tables that keep
/// Turkish, Spanish or Portuguese letters in 7 bits. It costs header space (a single message
/// holds 155 characters with a language table); bramka's segmentation does not model it, so the parts
/// Infobip counts may differ from the message's analysis.
///
/// ```
/// use bramka_infobip::{InfobipOptions, LanguageCode};
///
/// let o = InfobipOptions::new().language(LanguageCode::Turkish);
/// assert_eq!(o.language.unwrap().code, LanguageCode::Turkish);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LanguageCode {
    /// `NONE`.
    None,
    /// `TR`.
    Turkish,
    /// `ES`.
    Spanish,
    /// `PT`.
    Portuguese,
    /// `AUTODETECT`.
    Autodetect,
}

impl LanguageCode {
    /// The wire value (`"TR"`).
    pub fn as_str(self) -> &'static str {
        match self {
            LanguageCode::None => "NONE",
            LanguageCode::Turkish => "TR",
            LanguageCode::Spanish => "ES",
            LanguageCode::Portuguese => "PT",
            LanguageCode::Autodetect => "AUTODETECT",
        }
    }
}

impl FromStr for LanguageCode {
    type Err = OptionError;
    /// Case-insensitive wire value (`tr`, `autodetect`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            LanguageCode::None,
            LanguageCode::Turkish,
            LanguageCode::Spanish,
            LanguageCode::Portuguese,
            LanguageCode::Autodetect,
        ]
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| OptionError::InvalidValue {
            option: "language",
            value: s.to_owned(),
            expected: "NONE, TR, ES, PT, AUTODETECT".to_owned(),
        })
    }
}

/// The language settings of a message.
///
/// ```
/// use bramka_infobip::{InfobipOptions, Language, LanguageCode};
///
/// let o = InfobipOptions::new().language_settings(Language::new(LanguageCode::Spanish));
/// assert!(o.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language {
    /// The language.
    pub code: LanguageCode,
    /// Use the national single-shift table (default false).
    pub single_shift: bool,
    /// Use the national locking-shift table (default false).
    pub locking_shift: bool,
}

impl Language {
    /// A language with Infobip's defaults for the shift flags.
    pub fn new(code: LanguageCode) -> Self {
        Language { code, single_shift: false, locking_shift: false }
    }
}

/// The unit of a [`SpeedLimit`].
///
/// ```
/// use bramka_infobip::{SpeedLimit, SpeedUnit};
///
/// assert_eq!(SpeedLimit::new(10, SpeedUnit::Hour).per.as_str(), "HOUR");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpeedUnit {
    /// Per minute.
    Minute,
    /// Per hour.
    Hour,
    /// Per day.
    Day,
}

impl SpeedUnit {
    /// The wire value (`"MINUTE"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpeedUnit::Minute => "MINUTE",
            SpeedUnit::Hour => "HOUR",
            SpeedUnit::Day => "DAY",
        }
    }
}

/// Sending speed limit of a request (`options.schedule.sendingSpeedLimit`): Infobip spreads the
/// messages of the bulk so that at most `amount` go out per unit.
///
/// ```
/// use bramka_infobip::{InfobipOptions, SpeedLimit, SpeedUnit};
///
/// // At most 100 messages a minute for each send.
/// let o = InfobipOptions::new().speed_limit(SpeedLimit::new(100, SpeedUnit::Minute));
/// assert!(o.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpeedLimit {
    /// Messages per unit (1 to 2 147 483 647).
    pub amount: u32,
    /// The unit.
    pub per: SpeedUnit,
}

impl SpeedLimit {
    /// `amount` messages per `per`.
    pub fn new(amount: u32, per: SpeedUnit) -> Self {
        SpeedLimit { amount, per }
    }
}

impl FromStr for SpeedLimit {
    type Err = OptionError;
    /// `100/minute`, `5000/hour`, `20000/day` (also `m`, `h`, `d`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || OptionError::InvalidValue {
            option: "speed_limit",
            value: s.to_owned(),
            expected: "AMOUNT/UNIT with UNIT minute, hour or day (e.g. 100/minute)".to_owned(),
        };
        let (a, u) = s.trim().split_once('/').ok_or_else(err)?;
        let amount: u32 = a.trim().parse().map_err(|_| err())?;
        let per = match u.trim().to_ascii_lowercase().as_str() {
            "minute" | "min" | "m" => SpeedUnit::Minute,
            "hour" | "h" => SpeedUnit::Hour,
            "day" | "d" => SpeedUnit::Day,
            _ => return Err(err()),
        };
        Ok(SpeedLimit { amount, per })
    }
}

/// An Infobip option with a value Infobip would refuse; found before any request.
///
/// ```
/// use bramka_infobip::{InfobipOptions, OptionError};
///
/// match InfobipOptions::new().campaign_reference("x".repeat(256)).validate() {
///     Err(OptionError::TooLong { len, max, .. }) => assert_eq!((len, max), (256, 255)),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// A value outside the accepted set.
    #[error("invalid value {value:?} for Infobip option {option}: expected {expected}")]
    InvalidValue {
        /// The option.
        option: &'static str,
        /// The value given.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// A text longer than Infobip accepts.
    #[error("Infobip option {option} has {len} characters; at most {max} are accepted")]
    TooLong {
        /// The option.
        option: &'static str,
        /// Its length in characters.
        len: usize,
        /// The maximum.
        max: usize,
    },
}

impl From<OptionError> for Error {
    fn from(e: OptionError) -> Self {
        Error::message(e.to_string()).with_gateway(crate::errors::GATEWAY).with_source(e)
    }
}

/// Infobip-only options for a send. Set defaults on the gateway with
/// [`InfobipConfigBuilder::options`](crate::InfobipConfigBuilder::options), or per send with
/// [`InfobipGateway::send_with`](crate::InfobipGateway::send_with).
///
/// | Field | Wire field |
/// |---|---|
/// | `transliteration` | `messages[].content.transliteration` |
/// | `language` | `messages[].content.language` |
/// | `speed_limit` | `options.schedule.sendingSpeedLimit` |
/// | `callback_data` | `messages[].webhooks.callbackData` (default: the message's client reference) |
/// | `intermediate_reports` | `messages[].webhooks.delivery.intermediateReport` |
/// | `delivery_reports` | `messages[].webhooks.delivery.notify` (`Some(false)` suppresses reports) |
/// | `campaign_reference` | `messages[].options.campaignReferenceId` |
///
/// ```
/// use bramka_infobip::{InfobipOptions, LanguageCode, SpeedLimit, SpeedUnit, Transliteration};
/// let o = InfobipOptions::new()
///     .transliteration(Transliteration::CentralEuropean)
///     .language(LanguageCode::Turkish)
///     .speed_limit(SpeedLimit::new(100, SpeedUnit::Minute))
///     .callback_data("order=42");
/// assert!(o.validate().is_ok());
/// assert!(InfobipOptions::new().callback_data("x".repeat(4001)).validate().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InfobipOptions {
    /// Infobip-side transliteration.
    pub transliteration: Option<Transliteration>,
    /// National language tables.
    pub language: Option<Language>,
    /// Sending speed limit.
    pub speed_limit: Option<SpeedLimit>,
    /// Data echoed in delivery reports (0 to 4000 characters). When unset, the message's client
    /// reference is sent, and comes back as [`bramka_core::DeliveryReport::client_ref`].
    pub callback_data: Option<String>,
    /// Also push intermediate delivery reports.
    pub intermediate_reports: bool,
    /// `Some(false)`: no delivery report at all; `None`/`Some(true)`: reports go to the message's
    /// callback URL, or to the account's subscription when it has none.
    pub delivery_reports: Option<bool>,
    /// Campaign reference, echoed in reports and logs (0 to 255 characters).
    pub campaign_reference: Option<String>,
}

impl InfobipOptions {
    /// No options.
    pub fn new() -> Self {
        InfobipOptions::default()
    }
    /// Sets the transliteration.
    #[must_use]
    pub fn transliteration(mut self, t: Transliteration) -> Self {
        self.transliteration = Some(t);
        self
    }
    /// Sets the language (shift flags off).
    #[must_use]
    pub fn language(mut self, code: LanguageCode) -> Self {
        self.language = Some(Language::new(code));
        self
    }
    /// Sets the language with explicit shift flags.
    #[must_use]
    pub fn language_settings(mut self, language: Language) -> Self {
        self.language = Some(language);
        self
    }
    /// Sets the sending speed limit.
    #[must_use]
    pub fn speed_limit(mut self, limit: SpeedLimit) -> Self {
        self.speed_limit = Some(limit);
        self
    }
    /// Sets the callback data.
    #[must_use]
    pub fn callback_data(mut self, data: impl Into<String>) -> Self {
        self.callback_data = Some(data.into());
        self
    }
    /// Asks for intermediate reports.
    #[must_use]
    pub fn intermediate_reports(mut self, on: bool) -> Self {
        self.intermediate_reports = on;
        self
    }
    /// Turns delivery reports on or off.
    #[must_use]
    pub fn delivery_reports(mut self, on: bool) -> Self {
        self.delivery_reports = Some(on);
        self
    }
    /// Sets the campaign reference.
    #[must_use]
    pub fn campaign_reference(mut self, r: impl Into<String>) -> Self {
        self.campaign_reference = Some(r.into());
        self
    }

    /// Checks the limits of the spec: callback data at most 4000 characters, campaign reference
    /// at most 255, speed limit 1 to 2 147 483 647.
    ///
    /// # Errors
    ///
    /// Returns [`OptionError::TooLong`] for callback data over 4000 characters or a campaign reference over
    /// 255, and [`OptionError::InvalidValue`] for a speed limit outside 1 to 2 147 483 647.
    pub fn validate(&self) -> Result<(), OptionError> {
        if let Some(d) = &self.callback_data {
            let len = d.chars().count();
            if len > 4000 {
                return Err(OptionError::TooLong { option: "callback_data", len, max: 4000 });
            }
        }
        if let Some(c) = &self.campaign_reference {
            let len = c.chars().count();
            if len > 255 {
                return Err(OptionError::TooLong { option: "campaign_reference", len, max: 255 });
            }
        }
        if let Some(s) = self.speed_limit
            && (s.amount == 0 || s.amount > i32::MAX as u32)
        {
            return Err(OptionError::InvalidValue {
                option: "speed_limit",
                value: s.amount.to_string(),
                expected: "1 to 2147483647 messages per unit".to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_wire_values_case_insensitively() {
        assert_eq!("central_european".parse::<Transliteration>().unwrap(), Transliteration::CentralEuropean);
        assert_eq!("ALL".parse::<Transliteration>().unwrap().as_str(), "ALL");
        let e = "POLISH".parse::<Transliteration>().unwrap_err();
        assert!(e.to_string().contains("\"POLISH\"") && e.to_string().contains("CENTRAL_EUROPEAN"), "{e}");
        assert_eq!("tr".parse::<LanguageCode>().unwrap(), LanguageCode::Turkish);
        assert!("PL".parse::<LanguageCode>().is_err());
    }

    #[test]
    fn speed_limits() {
        assert_eq!("100/minute".parse::<SpeedLimit>().unwrap(), SpeedLimit::new(100, SpeedUnit::Minute));
        assert_eq!(" 5 / h ".parse::<SpeedLimit>().unwrap(), SpeedLimit::new(5, SpeedUnit::Hour));
        assert_eq!("7/day".parse::<SpeedLimit>().unwrap().per.as_str(), "DAY");
        for bad in ["100", "x/minute", "100/week", "-1/minute"] {
            assert!(bad.parse::<SpeedLimit>().is_err(), "{bad}");
        }
        assert!(InfobipOptions::new().speed_limit(SpeedLimit::new(0, SpeedUnit::Day)).validate().is_err());
    }

    #[test]
    fn length_limits_name_the_option() {
        let e = InfobipOptions::new().campaign_reference("c".repeat(256)).validate().unwrap_err();
        assert_eq!(e, OptionError::TooLong { option: "campaign_reference", len: 256, max: 255 });
        assert!(InfobipOptions::new().callback_data("d".repeat(4000)).validate().is_ok());
    }
}
