//! Strict validation with libphonenumber metadata (feature `strict-phone`, crate `phonenumber`).
//!
//! The light parser in [`crate::phone`] checks form and length only. This module asks Google's
//! libphonenumber metadata (through the `phonenumber` crate) whether a number is valid for its
//! country and what kind of line it is. Mobile and fixed line can be told apart where the numbering
//! plan allows it (Poland, the UK...); in North America the answer is
//! [`LineType::FixedLineOrMobile`]. Reserved ranges (the UK's Ofcom drama numbers
//! `+44 7700 900xxx`) are invalid.
//!
//! The first call loads the metadata (about 80-90 ms on a 2-core
//! machine); call [`warm_up`] at start-up to pay it early.
//!
//! ```
//! use bramka_core::phone::{LineType, PhoneNumber};
//!
//! let n = PhoneNumber::parse("+48 501 234 567").unwrap();
//! let info = n.validate_strict().unwrap();
//! assert_eq!(info.line_type, LineType::Mobile);
//! assert_eq!(info.region.as_deref(), Some("PL"));
//!
//! let fixed = PhoneNumber::parse("+48 22 113 14 15").unwrap();
//! assert!(fixed.require_mobile().is_err());
//! ```

use phonenumber::metadata::DATABASE;

use super::PhoneNumber;

/// Loads the libphonenumber metadata now rather than on the first validation.
pub fn warm_up() {
    let _ = DATABASE.by_code(&48);
}

/// The kind of line a valid number belongs to, as libphonenumber classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineType {
    /// A mobile number.
    Mobile,
    /// A fixed (landline) number.
    FixedLine,
    /// The numbering plan cannot tell (North America).
    FixedLineOrMobile,
    /// Freephone.
    TollFree,
    /// Premium rate.
    PremiumRate,
    /// Shared cost.
    SharedCost,
    /// A personal number routed to a mobile or fixed line.
    PersonalNumber,
    /// Voice over IP.
    Voip,
    /// A pager.
    Pager,
    /// A universal access ("company") number.
    Uan,
    /// Voicemail access.
    Voicemail,
    /// Another kind (emergency, short code, carrier-specific...).
    Other,
    /// The metadata does not classify it.
    Unknown,
}

impl LineType {
    fn from_lib(t: phonenumber::Type) -> Self {
        use phonenumber::Type as T;
        match t {
            T::Mobile => LineType::Mobile,
            T::FixedLine => LineType::FixedLine,
            T::FixedLineOrMobile => LineType::FixedLineOrMobile,
            T::TollFree => LineType::TollFree,
            T::PremiumRate => LineType::PremiumRate,
            T::SharedCost => LineType::SharedCost,
            T::PersonalNumber => LineType::PersonalNumber,
            T::Voip => LineType::Voip,
            T::Pager => LineType::Pager,
            T::Uan => LineType::Uan,
            T::Voicemail => LineType::Voicemail,
            T::Unknown => LineType::Unknown,
            _ => LineType::Other,
        }
    }

    /// Whether a text message can reach this kind of line: mobile, or fixed-or-mobile where the
    /// plan cannot tell.
    pub fn may_be_mobile(self) -> bool {
        matches!(self, LineType::Mobile | LineType::FixedLineOrMobile)
    }
}

/// What strict validation found for a valid number.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StrictInfo {
    /// ISO 3166 region of the number (`"PL"`), when the metadata names one.
    pub region: Option<String>,
    /// The kind of line.
    pub line_type: LineType,
}

impl StrictInfo {
    /// Certainly a mobile number.
    pub fn is_mobile(&self) -> bool {
        self.line_type == LineType::Mobile
    }
}

/// Why strict validation refused a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrictError {
    /// Not a valid number for its country (unassigned or reserved range, wrong length).
    #[error(
        "phone number {number} is not valid for {}: accepted are numbers in an assigned range of their country's numbering plan",
        .region.as_deref().unwrap_or("any country")
    )]
    Invalid {
        /// The number, E.164 with `+`.
        number: String,
        /// Its region, when the country code is known.
        region: Option<String>,
    },
    /// Valid, but not a line that receives text messages.
    #[error(
        "phone number {number} is a {line_type:?} number; mobile (or fixed-or-mobile) numbers are accepted"
    )]
    NotMobile {
        /// The number, E.164 with `+`.
        number: String,
        /// What it is.
        line_type: LineType,
    },
}

impl PhoneNumber {
    /// Whether the number is valid for its country, and what kind of line it is.
    ///
    /// # Errors
    ///
    /// Returns [`StrictError::Invalid`] (with the region when known) when the number is not in an
    /// assigned range of its country's numbering plan.
    pub fn validate_strict(&self) -> Result<StrictInfo, StrictError> {
        let invalid = |region| StrictError::Invalid { number: self.e164(), region };
        let parsed = phonenumber::parse(None, self.e164()).map_err(|_| invalid(None))?;
        let region = parsed.country().id().map(|id| id.as_ref().to_owned());
        if !phonenumber::is_valid(&parsed) {
            return Err(invalid(region));
        }
        let line_type = LineType::from_lib(parsed.number_type(&DATABASE));
        Ok(StrictInfo { region, line_type })
    }

    /// Like [`validate_strict`](Self::validate_strict), and refuses lines that are not mobile
    /// (a fixed-or-mobile number, as in North America, is accepted).
    ///
    /// # Errors
    ///
    /// Returns [`StrictError::Invalid`] as [`validate_strict`](Self::validate_strict) does, and
    /// [`StrictError::NotMobile`] when the line is known not to be mobile.
    pub fn require_mobile(&self) -> Result<StrictInfo, StrictError> {
        let info = self.validate_strict()?;
        if info.line_type.may_be_mobile() {
            Ok(info)
        } else {
            Err(StrictError::NotMobile { number: self.e164(), line_type: info.line_type })
        }
    }
}

/// A refused number is an invalid recipient, found before any I/O.
impl From<StrictError> for crate::Error {
    fn from(e: StrictError) -> Self {
        crate::Error::new(crate::ErrorKind::InvalidRecipient, crate::Certainty::NotSent, e.to_string())
            .with_source(e)
    }
}
