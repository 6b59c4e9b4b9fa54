//! SMSAPI delivery statuses (numeric codes in callbacks, names in `list[].status`) mapped to
//! [`DeliveryState`]: one table, with a test per row.
//!
//! Source: SMSAPI's delivery status list (official 2013 table, JS client `MessageStatus`, erigones/esdc-ce
//! callback handler). Names are compared case-insensitively; unknown codes and names map to
//! [`DeliveryState::Unknown`] (non-final) with the raw status kept by the caller.

use bramka_core::DeliveryState;

/// One status: its numeric code (when known), its name, and the core state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatusRow {
    pub(crate) code: Option<u16>,
    pub(crate) name: &'static str,
    pub(crate) state: DeliveryState,
}

const fn st(code: u16, name: &'static str, state: DeliveryState) -> StatusRow {
    StatusRow { code: Some(code), name, state }
}

/// The table. `NOT_FOUND` (wrong id or report expired) and `UNKNOWN` (no report) are final for
/// SMSAPI but say nothing about delivery, so they are [`DeliveryState::Unknown`]. `ACCEPTED`
/// ("accepted by the operator", i.e. the mobile network) is [`DeliveryState::Sent`], non-final, as the
/// official C#/Java helpers treat it.
pub(crate) const TABLE: &[StatusRow] = &[
    st(401, "NOT_FOUND", DeliveryState::Unknown),
    st(402, "EXPIRED", DeliveryState::Expired),
    st(403, "SENT", DeliveryState::Sent),
    st(404, "DELIVERED", DeliveryState::Delivered),
    st(405, "UNDELIVERED", DeliveryState::Undelivered),
    st(406, "FAILED", DeliveryState::Failed),
    st(407, "REJECTED", DeliveryState::Rejected),
    st(408, "UNKNOWN", DeliveryState::Unknown),
    st(409, "QUEUE", DeliveryState::Pending),
    st(410, "ACCEPTED", DeliveryState::Sent),
    st(411, "RENEWAL", DeliveryState::Pending),
    // No numeric code in SMSAPI's status table; "sending stopped".
    StatusRow { code: None, name: crate::assumptions::STOP_STATUS_NAME, state: DeliveryState::Canceled },
];

/// The state of a numeric status code (`"404"`), or of a name (`"DELIVERED"`, any case).
pub(crate) fn state_of(raw: &str) -> DeliveryState {
    let raw = raw.trim();
    let row = match raw.parse::<u16>() {
        Ok(code) => TABLE.iter().find(|r| r.code == Some(code)),
        Err(_) => TABLE.iter().find(|r| r.name.eq_ignore_ascii_case(raw)),
    };
    row.map_or(DeliveryState::Unknown, |r| r.state)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! status_test {
        ($name:ident, $code:expr, $label:expr, $state:ident) => {
            #[test]
            fn $name() {
                let code: Option<u16> = $code;
                if let Some(c) = code {
                    assert_eq!(state_of(&c.to_string()), DeliveryState::$state, "code {c}");
                }
                assert_eq!(state_of($label), DeliveryState::$state, "{}", $label);
                assert_eq!(state_of(&$label.to_ascii_lowercase()), DeliveryState::$state);
            }
        };
    }

    status_test!(s401_not_found, Some(401), "NOT_FOUND", Unknown);
    status_test!(s402_expired, Some(402), "EXPIRED", Expired);
    status_test!(s403_sent, Some(403), "SENT", Sent);
    status_test!(s404_delivered, Some(404), "DELIVERED", Delivered);
    status_test!(s405_undelivered, Some(405), "UNDELIVERED", Undelivered);
    status_test!(s406_failed, Some(406), "FAILED", Failed);
    status_test!(s407_rejected, Some(407), "REJECTED", Rejected);
    status_test!(s408_unknown, Some(408), "UNKNOWN", Unknown);
    status_test!(s409_queue, Some(409), "QUEUE", Pending);
    status_test!(s410_accepted, Some(410), "ACCEPTED", Sent);
    status_test!(s411_renewal, Some(411), "RENEWAL", Pending);
    status_test!(stop_by_name, None, "STOP", Canceled);

    #[test]
    fn every_row_has_a_test() {
        assert_eq!(TABLE.len(), 12);
    }

    #[test]
    fn unknown_codes_and_names_are_unknown_and_not_final() {
        for raw in ["400", "412", "0", "QUEUED_LATER", "", "-1"] {
            assert_eq!(state_of(raw), DeliveryState::Unknown, "{raw:?}");
        }
        assert!(!state_of("999").is_final());
    }

    #[test]
    fn final_states_match_the_reference() {
        // SMSAPI's status table: delivered and failed kinds final; SENT, QUEUE, ACCEPTED,
        // RENEWAL not.
        for raw in ["402", "404", "405", "406", "407", "STOP"] {
            assert!(state_of(raw).is_final(), "{raw}");
        }
        for raw in ["403", "409", "410", "411"] {
            assert!(!state_of(raw).is_final(), "{raw}");
        }
    }
}
