//! `--at TIME`: RFC 3339, or `YYYY-MM-DD HH:MM` in the local time zone.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

/// The formats `--at` accepts, for error messages.
pub(crate) const ACCEPTED: &str =
    "RFC 3339 (2026-05-04T09:30:00+02:00, 2026-05-04T07:30:00Z) or local time as YYYY-MM-DD HH:MM";

/// Parses `--at`; `now` is used to refuse times in the past.
pub(crate) fn parse_at(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = input.trim();
    let at = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else {
        let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .ok_or_else(|| format!("--at {input:?} is not a time; accepted: {ACCEPTED}"))?;
        match Local.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(a, b) => {
                return Err(format!(
                    "--at {input:?} happens twice in the local time zone (clocks go back): \
                     write the offset, {} or {}",
                    a.to_rfc3339(),
                    b.to_rfc3339()
                ));
            }
            chrono::LocalResult::None => {
                return Err(format!(
                    "--at {input:?} does not exist in the local time zone (clocks go forward); \
                     write it with an offset (RFC 3339)"
                ));
            }
        }
    };
    if at <= now {
        return Err(format!(
            "--at {input:?} is in the past ({}); a schedule must be later than now",
            at.to_rfc3339()
        ));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-05-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn rfc3339_with_offset_becomes_utc() {
        let t = parse_at("2026-05-04T09:30:00+02:00", now()).unwrap();
        assert_eq!(t, "2026-05-04T07:30:00Z".parse::<DateTime<Utc>>().unwrap());
    }

    #[test]
    fn local_form_is_accepted() {
        let t = parse_at("2026-05-04 09:30", now()).unwrap();
        let expected = Local.with_ymd_and_hms(2026, 5, 4, 9, 30, 0).single().unwrap().with_timezone(&Utc);
        assert_eq!(t, expected);
    }

    #[test]
    fn garbage_and_past_are_refused_with_the_accepted_forms() {
        let e = parse_at("tomorrow", now()).unwrap_err();
        assert!(e.contains("\"tomorrow\"") && e.contains("RFC 3339"), "{e}");
        let e = parse_at("2020-01-01T00:00:00Z", now()).unwrap_err();
        assert!(e.contains("in the past"), "{e}");
        assert!(parse_at("2026-13-01 10:00", now()).is_err());
    }
}
