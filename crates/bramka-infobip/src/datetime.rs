//! Infobip date-times: `2023-08-01T16:10:00.000+0530` (milliseconds, offset **without** a colon).
//!
//! RFC 3339 parsers refuse `+0000`, so this module formats and parses them itself.
//! Evidence: the official SDKs send `yyyy-MM-dd'T'HH:mm:ss.SSSZ`;
//! responses and examples show `+0000`, `+01:00`, 1 to 3 fractional digits; the Go SDK also
//! tolerates a missing offset and a bare date. All of those are accepted here.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Formats as Infobip sends and expects: `2021-08-25T16:00:00.000+0000` (always UTC).
pub(crate) fn format(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()
}

/// Parses every variant Infobip is known to produce; `None` when the text is none of them.
pub(crate) fn parse(input: &str) -> Option<DateTime<FixedOffset>> {
    let s = input.trim();
    if s.len() == 10 {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?).fixed_offset());
    }
    // Split off the offset: `Z`, `+hhmm`, `+hh:mm`, `-hhmm`, `-hh:mm`, or nothing (UTC).
    let (local, offset) = if let Some(rest) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        (rest, Some(0))
    } else if let Some(pos) = s.rfind(['+', '-']).filter(|p| *p > 10) {
        (&s[..pos], Some(parse_offset(&s[pos..])?))
    } else {
        (s, None)
    };
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let tz = FixedOffset::east_opt(offset.unwrap_or(0))?;
    tz.from_local_datetime(&naive).single()
}

/// `+hhmm` or `+hh:mm` (also `-`) in seconds east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) || s[1..].len() > 5 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Serde helpers for `DateTime<Utc>` fields in Infobip's format.
pub(crate) mod serde_utc {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*at))
    }

    /// Optional variant: absent or `null` is `None`; an unparsable value is an error, so a format
    /// change is noticed rather than silently dropped.
    pub(crate) mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer};

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            let s = Option::<String>::deserialize(d)?;
            match s {
                None => Ok(None),
                Some(s) => super::super::parse(&s).map(|t| Some(t.with_timezone(&Utc))).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "invalid Infobip date-time {s:?}: expected yyyy-MM-ddTHH:mm:ss[.SSS][+hhmm|+hh:mm|Z]"
                    ))
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn formats_with_millis_and_colonless_offset() {
        assert_eq!(format(utc("2021-08-25T16:00:00Z")), "2021-08-25T16:00:00.000+0000");
        assert_eq!(format(utc("2026-01-02T03:04:05.678+02:00")), "2026-01-02T01:04:05.678+0000");
    }

    #[test]
    fn parses_every_known_variant() {
        let cases = [
            ("2019-11-09T16:00:00.000+0000", "2019-11-09T16:00:00+00:00"),
            ("2019-11-09T16:00:00.000+0100", "2019-11-09T15:00:00+00:00"),
            ("2021-02-22T17:42:05.0+0100", "2021-02-22T16:42:05+00:00"),
            ("2020-02-23T17:42:05.39+01:00", "2020-02-23T16:42:05.390+00:00"),
            ("2015-07-07T17:00:00.000+01:00", "2015-07-07T16:00:00+00:00"),
            ("2023-08-01T16:10:00.000+0530", "2023-08-01T10:40:00+00:00"),
            ("2023-08-01T16:10:00.000-0330", "2023-08-01T19:40:00+00:00"),
            ("2023-08-01T16:10:00Z", "2023-08-01T16:10:00+00:00"),
            ("2023-08-01T16:10:00.123456789Z", "2023-08-01T16:10:00.123456789+00:00"),
            ("2023-08-01T16:10:00.123", "2023-08-01T16:10:00.123+00:00"),
            ("2023-08-01T16:10:00", "2023-08-01T16:10:00+00:00"),
            ("2023-08-01", "2023-08-01T00:00:00+00:00"),
        ];
        for (input, want) in cases {
            let got = parse(input).unwrap_or_else(|| panic!("{input} did not parse"));
            assert_eq!(got.with_timezone(&Utc), utc(want), "{input}");
        }
        // The offset is kept, not just the instant.
        assert_eq!(parse("2019-11-09T16:00:00.000+0100").unwrap().offset().local_minus_utc(), 3600);
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "yesterday",
            "2019-11-09 16:00:00",
            "2019-11-09T16:00:00.000+000",
            "2019-11-09T16:00:00.000+01:000",
            "2019-11-09T16:00:00.000+2500",
            "2019-13-09T16:00:00.000+0000",
            "2019-11-09T16:00:00.000 +0000",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn round_trips() {
        for s in ["2021-08-25T16:00:00.000+0000", "1999-12-31T23:59:59.999+0000"] {
            assert_eq!(format(parse(s).unwrap().with_timezone(&Utc)), s);
        }
    }

    proptest::proptest! {
        /// Any instant with millisecond precision survives format -> parse.
        #[test]
        fn format_parse_round_trip(ms in 0i64..7_258_118_400_000) {
            let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
            let s = format(t);
            proptest::prop_assert_eq!(s.len(), 28);
            proptest::prop_assert_eq!(&s[23..], "+0000");
            proptest::prop_assert_eq!(parse(&s).unwrap().with_timezone(&Utc), t);
        }

        /// `+hhmm` and `+hh:mm` denote the same instant, for every offset.
        #[test]
        fn offsets_with_and_without_colon_agree(
            secs in 0i64..4_000_000_000, neg: bool, h in 0u32..24, m in 0u32..60
        ) {
            let t = DateTime::<Utc>::from_timestamp(secs, 0).unwrap().naive_utc();
            let local = t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string();
            let sign = if neg { '-' } else { '+' };
            let a = parse(&format!("{local}{sign}{h:02}{m:02}")).unwrap();
            let b = parse(&format!("{local}{sign}{h:02}:{m:02}")).unwrap();
            proptest::prop_assert_eq!(a, b);
            let east = (h * 3600 + m * 60) as i64 * if neg { -1 } else { 1 };
            proptest::prop_assert_eq!(a.with_timezone(&Utc).naive_utc(), t - chrono::Duration::seconds(east));
        }
    }
}
