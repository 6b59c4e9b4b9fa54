//! Operator opt-out signals: the one table of errors and delivery statuses that mean "this
//! recipient asked not to be texted", by gateway id.
//!
//! | gateway | where | value | meaning |
//! |---|---|---|---|
//! | `twilio` | send error code | `21610` | the recipient replied STOP to this sender |
//! | `twilio` | report error code | `21610` | same, reported later |
//! | `smsapi` | report status | `STOP` | the recipient opted out of this sender |
//! | `infobip` | send error code (status id) | `14` | `REJECTED_DESTINATION_BLOCKLISTED` |
//! | `infobip` | report status | `REJECTED_DESTINATION_BLOCKLISTED` (or status id `14`) | same |

use bramka_core::Error;

use crate::model::Delivery;

/// Where a signal is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// The error code of a send error (and the error code of a report).
    Code,
    /// The raw status of a delivery report.
    Status,
}

const TABLE: &[(&str, Field, &str)] = &[
    ("twilio", Field::Code, "21610"),
    ("smsapi", Field::Status, "STOP"),
    ("infobip", Field::Code, "14"),
    ("infobip", Field::Status, "REJECTED_DESTINATION_BLOCKLISTED"),
    ("infobip", Field::Status, "14"),
];

fn matches(gateway: &str, field: Field, value: &str) -> bool {
    TABLE
        .iter()
        .any(|(g, f, v)| g.eq_ignore_ascii_case(gateway) && *f == field && v.eq_ignore_ascii_case(value))
}

/// The reason to record when a send error is an opt-out signal (`"operator twilio 21610"`).
pub fn of_error(gateway: &str, e: &Error) -> Option<String> {
    let g = e.gateway().unwrap_or(gateway);
    let code = e.operator_code()?;
    matches(g, Field::Code, code).then(|| format!("operator {g} {code}"))
}

/// The reason to record when a delivery report is an opt-out signal.
pub fn of_delivery(d: &Delivery) -> Option<String> {
    if matches(&d.gateway, Field::Status, &d.raw_status) {
        return Some(format!("operator {} status {}", d.gateway, d.raw_status));
    }
    let code = d.error_code.as_deref()?;
    matches(&d.gateway, Field::Code, code).then(|| format!("operator {} {code}", d.gateway))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bramka_core::{Certainty, ErrorKind};

    #[test]
    fn table() {
        let e = Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, "unsubscribed")
            .with_gateway("twilio")
            .with_code("21610");
        assert_eq!(of_error("acct", &e).as_deref(), Some("operator twilio 21610"));
        let other = Error::new(ErrorKind::InvalidRecipient, Certainty::NotSent, "x")
            .with_gateway("twilio")
            .with_code("21211");
        assert_eq!(of_error("acct", &other), None);
        let t = chrono::Utc::now();
        let d = Delivery::new("smsapi", "1", crate::State::Canceled, "STOP", t);
        assert!(of_delivery(&d).is_some());
        let d = Delivery::new("smsapi", "1", crate::State::Delivered, "DELIVERED", t);
        assert!(of_delivery(&d).is_none());
        let d =
            Delivery::new("infobip", "1", crate::State::Undelivered, "REJECTED_DESTINATION_BLOCKLISTED", t);
        assert!(of_delivery(&d).is_some());
    }
}
