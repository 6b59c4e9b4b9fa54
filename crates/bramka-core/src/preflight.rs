//! Checks made before any request, driven by the gateway's [`Capabilities`]: the same refusals
//! and notes for every operator.

use crate::capabilities::{Capabilities, Capability};
use crate::error::Error;
use crate::message::Message;

/// Checks `message` against `caps` before sending through `gateway`:
///
/// | message asks for | capability | without it |
/// |---|---|---|
/// | more parts than `caps.max_parts` | — | `Err` ([`ErrorKind::Message`](crate::ErrorKind::Message)) |
/// | flash | [`Capability::Flash`] | `Err` |
/// | a send time | [`Capability::Schedule`] | `Err` |
/// | a validity period | [`Capability::Validity`] | a note: the period is ignored |
/// | link shortening | [`Capability::LinkShortening`] | `Err` |
///
/// Returns the notes for the [`SendReport`](crate::SendReport).
///
/// ```
/// use bramka_core::{preflight::preflight, Capabilities, Capability, Message};
/// let m = Message::builder().to("+48600100200").text("Hi").flash(true).build().unwrap();
/// assert!(preflight("demo", &Capabilities::new(), &m).is_err());
/// assert!(preflight("demo", &Capabilities::new().with(Capability::Flash), &m).unwrap().is_empty());
/// ```
///
/// # Errors
///
/// Returns an [`Error`] of kind [`ErrorKind::Message`](crate::ErrorKind::Message), naming
/// `gateway`, in the `Err` rows of the table above.
pub fn preflight(
    gateway: &'static str,
    caps: &Capabilities,
    message: &Message,
) -> Result<Vec<String>, Error> {
    let refuse = |what: String| Err(Error::message(what).with_gateway(gateway));
    let segments = message.analysis().segments();
    if segments > usize::from(caps.max_parts) {
        return refuse(format!(
            "the message needs {segments} parts; {gateway} accepts at most {} per message",
            caps.max_parts
        ));
    }
    if message.is_flash() && !caps.supports(Capability::Flash) {
        return refuse(format!("{gateway} has no flash SMS; send without flash"));
    }
    if message.send_at().is_some() && !caps.supports(Capability::Schedule) {
        return refuse(format!("{gateway} cannot schedule; send without a send time"));
    }
    if message.shorten_links() && !caps.supports(Capability::LinkShortening) {
        return refuse(format!("{gateway} does not shorten links; send without link shortening"));
    }
    let mut notes = Vec::new();
    if message.validity().is_some() && !caps.supports(Capability::Validity) {
        notes.push(format!("validity period ignored: {gateway} has no validity setting"));
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::time::Duration;

    #[test]
    fn each_rule() {
        let b = || Message::builder().to("+48600100200").text("Hi");
        let none = Capabilities::new();
        let sched = b().send_at("2030-01-01T00:00:00Z".parse().unwrap()).build().unwrap();
        let e = preflight("g", &none, &sched).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Message);
        assert!(e.to_string().contains("schedule"), "{e}");
        assert!(preflight("g", &none.clone().with(Capability::Schedule), &sched).is_ok());
        let valid = b().validity(Duration::from_secs(3600)).build().unwrap();
        assert_eq!(preflight("g", &none, &valid).unwrap().len(), 1);
        assert!(preflight("g", &none.clone().with(Capability::Validity), &valid).unwrap().is_empty());
        let long = Message::builder().to("+48600100200").text("x".repeat(400)).build().unwrap();
        assert!(preflight("g", &none.clone().with_max_parts(2), &long).is_err());
        assert!(preflight("g", &none, &long).is_ok());
    }
}
