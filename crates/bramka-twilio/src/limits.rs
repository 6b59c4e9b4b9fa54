//! Twilio's limits and the assumptions bramka makes about them, in one place.
//!
//! Each item names its evidence (Twilio's documentation, API answers, helper libraries). Items marked
//! **\[unverified\]** or **inferred** are the ones to correct here first if Twilio behaves otherwise.

use std::time::Duration;

/// Twilio's default REST host (region US1), the server of Twilio's OpenAPI description.
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// The body limit: 1600 characters (CreateMessage `Body` in Twilio's OpenAPI description; errors
/// 21617 / 21658 in its error dictionary).
/// **Inferred**: counted as UTF-16 code units (emoji = 2), the conservative reading of the 21617
/// page's warning that non-GSM characters "may count as more than one" (Twilio does not say how it counts).
pub const MAX_BODY_UTF16_UNITS: usize = 1600;

/// The longest reply text in TwiML, in characters (same 1600 limit).
pub const MAX_BODY_CHARS: usize = 1600;

/// `ValidityPeriod` range in seconds: 1..=36000 (the CreateMessage `ValidityPeriod` description
/// in Twilio's OpenAPI document); older docs said 1..14400 (error 21624).
pub const VALIDITY_RANGE_SECS: std::ops::RangeInclusive<u64> = 1..=36_000;

/// Default earliest scheduling lead: 15 minutes. **\[unverified\]**: Twilio's error pages (35114)
/// say "more than 300 seconds", the scheduling page and FAQ still say 15 minutes,
/// so the safe value is the default and the window is configurable.
pub const DEFAULT_SCHEDULE_MIN_LEAD: Duration = Duration::from_secs(15 * 60);

/// Shortest lead Twilio accepts: more than 300 seconds. \[docs\] 35114.
pub const TWILIO_SCHEDULE_MIN_LEAD: Duration = Duration::from_secs(301);

/// Longest lead Twilio accepts: 35 days (3,024,000 s). \[docs\] 35114 / 35115.
pub const TWILIO_SCHEDULE_MAX_LEAD: Duration = Duration::from_secs(35 * 24 * 3600);

/// Default retries of a send refused with HTTP 429 / 20429, which Twilio documents as "never
/// processed, always safe to retry" \[docs\] 20429.
pub const DEFAULT_RATE_LIMIT_RETRIES: u32 = 2;

/// The longest `Retry-After` a 429 retry waits; a longer one is returned as the error.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);

/// The wait before retrying a 429 that carries no `Retry-After`: 1 s, 2 s, 4 s, … capped at 16 s.
/// **\[unverified\]** whether Twilio sends `Retry-After` on REST 429s at all: its documentation does not
/// say.
pub(crate) fn rate_limit_backoff(attempt: u32) -> Duration {
    Duration::from_secs(1 << attempt.min(4))
}

/// The part cap announced in capabilities (and checked by the core's preflight): 1600 UTF-16
/// units of UCS-2 text are 24 parts of 67 units, or 25 when surrogate pairs (emoji) cannot be
/// split across parts (33 per part). The body limit is what Twilio enforces; this is its
/// part-count upper bound.
pub(crate) const MAX_PARTS: u8 = 25;

/// Default number of create requests in flight for a multi-recipient message. bramka's choice:
/// Twilio answers 20429 when too many REST requests run concurrently, with no documented number.
pub const DEFAULT_CONCURRENCY: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let waits: Vec<u64> = (0..7).map(|a| rate_limit_backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 16, 16]);
    }
}
