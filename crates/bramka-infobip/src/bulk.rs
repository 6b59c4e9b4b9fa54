//! Scheduled bulks: read and move a bulk's `sendAt`, read and change its status.
//!
//! ```text
//!              pause (PAUSED)
//!   PENDING ─────────────────────▶ PAUSED
//!      │    ◀─────────────────────   │
//!      │       resume (PENDING)      │
//!      │ cancel                      │ cancel
//!      ▼                             ▼
//!   CANCELED ◀───────────────────────┘      CANCELED is final
//!
//!   set by Infobip only: PENDING ─▶ PROCESSING ─▶ FINISHED | FAILED  (none can be changed)
//! ```
//!
//! Allowed changes: PENDING → PAUSED or CANCELED, PAUSED → PENDING or CANCELED. Asking for the
//! status a bulk already has is a no-op. Any other change is refused with
//! [`ErrorKind::InvalidState`] before a change request is sent: the current status is read first
//! (`GET /sms/1/bulks/status`) unless the gateway already saw the bulk in a status that can never
//! change again, in which case no request is sent at all.
//!
//! The transition table is bramka's model; Infobip does not document one, so it is kept in one place: [`BulkStatus::can_become`].

use std::fmt;

use chrono::{DateTime, Utc};
use reqwest::Method;

use bramka_core::{Certainty, Error, ErrorKind};

use crate::errors::{GATEWAY, IncompleteAnswer, Op};
use crate::gateway::{InfobipGateway, MAX_SCHEDULE_AHEAD_DAYS};
use crate::wire;

/// The status of a scheduled bulk (`BulkStatus` in the spec; `CANCELED` with one L).
///
/// ```
/// use bramka_infobip::BulkStatus;
///
/// let s = BulkStatus::parse("PAUSED");
/// assert!(s.can_become(&BulkStatus::Pending));
/// assert!(!BulkStatus::Finished.is_changeable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BulkStatus {
    /// Waiting for its `sendAt`.
    Pending,
    /// Paused; will not go out until resumed.
    Paused,
    /// Being sent.
    Processing,
    /// Canceled: final.
    Canceled,
    /// Sent.
    Finished,
    /// Failed.
    Failed,
    /// A status this version does not know, as Infobip spelled it.
    Other(String),
}

impl BulkStatus {
    /// The wire value (`"PAUSED"`).
    pub fn as_str(&self) -> &str {
        match self {
            BulkStatus::Pending => "PENDING",
            BulkStatus::Paused => "PAUSED",
            BulkStatus::Processing => "PROCESSING",
            BulkStatus::Canceled => "CANCELED",
            BulkStatus::Finished => "FINISHED",
            BulkStatus::Failed => "FAILED",
            BulkStatus::Other(s) => s,
        }
    }

    /// Parses a wire value, case-insensitively (`CANCELLED` is accepted too).
    pub fn parse(s: &str) -> BulkStatus {
        match s.trim().to_ascii_uppercase().as_str() {
            "PENDING" => BulkStatus::Pending,
            "PAUSED" => BulkStatus::Paused,
            "PROCESSING" => BulkStatus::Processing,
            "CANCELED" | "CANCELLED" => BulkStatus::Canceled,
            "FINISHED" => BulkStatus::Finished,
            "FAILED" => BulkStatus::Failed,
            _ => BulkStatus::Other(s.to_owned()),
        }
    }

    /// Whether a client may ask for this status (PENDING, PAUSED, CANCELED).
    pub fn is_settable(&self) -> bool {
        matches!(self, BulkStatus::Pending | BulkStatus::Paused | BulkStatus::Canceled)
    }

    /// Whether the bulk can still be paused, resumed, canceled or rescheduled.
    pub fn is_changeable(&self) -> bool {
        matches!(self, BulkStatus::Pending | BulkStatus::Paused)
    }

    /// The transition table: PENDING → PAUSED | CANCELED, PAUSED → PENDING | CANCELED.
    ///
    /// ```
    /// use bramka_infobip::BulkStatus::*;
    /// assert!(Pending.can_become(&Paused));
    /// assert!(Paused.can_become(&Pending));
    /// assert!(!Canceled.can_become(&Pending));
    /// ```
    pub fn can_become(&self, to: &BulkStatus) -> bool {
        use BulkStatus::*;
        matches!((self, to), (Pending, Paused) | (Pending, Canceled) | (Paused, Pending) | (Paused, Canceled))
    }
}

impl fmt::Display for BulkStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bulk's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkSchedule {
    /// The bulk id.
    pub bulk_id: String,
    /// When it goes out.
    pub send_at: DateTime<Utc>,
}

/// A bulk operation refused before a change request; converts to [`ErrorKind::InvalidState`]
/// (or [`ErrorKind::Message`] for bad arguments), certainly not sent.
///
/// ```
/// use bramka_infobip::{BulkError, BulkStatus};
///
/// let e = BulkError::NotSettable { to: BulkStatus::Finished };
/// assert!(e.to_string().contains("PENDING (resume)"), "{e}");
/// let core: bramka_core::Error = e.into();
/// assert_eq!(core.kind(), bramka_core::ErrorKind::InvalidState);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BulkError {
    /// The change is not in the transition table.
    #[error(
        "bulk {bulk_id:?} is {from}; it cannot become {to} (allowed: PENDING -> PAUSED or CANCELED, PAUSED -> PENDING or CANCELED)"
    )]
    IllegalTransition {
        /// The bulk.
        bulk_id: String,
        /// Its current status.
        from: BulkStatus,
        /// The status asked for.
        to: BulkStatus,
    },
    /// The status can only be reached by Infobip itself.
    #[error(
        "status {to} cannot be set by a client; PENDING (resume), PAUSED (pause) or CANCELED (cancel) can"
    )]
    NotSettable {
        /// The status asked for.
        to: BulkStatus,
    },
    /// The bulk can no longer be rescheduled.
    #[error("bulk {bulk_id:?} is {status}; only a PENDING or PAUSED bulk can be rescheduled")]
    NotReschedulable {
        /// The bulk.
        bulk_id: String,
        /// Its current status.
        status: BulkStatus,
    },
    /// An empty bulk id.
    #[error("the bulk id is empty; use the batch id of the send report (the message's client reference)")]
    EmptyBulkId,
    /// The new time is too far ahead.
    #[error("send_at {at} is more than {MAX_SCHEDULE_AHEAD_DAYS} days ahead; Infobip accepts up to {latest}")]
    TooFarAhead {
        /// The time asked for.
        at: String,
        /// The latest accepted.
        latest: String,
    },
}

impl From<BulkError> for Error {
    fn from(e: BulkError) -> Self {
        let kind = match e {
            BulkError::EmptyBulkId | BulkError::TooFarAhead { .. } => ErrorKind::Message,
            _ => ErrorKind::InvalidState,
        };
        Error::new(kind, Certainty::NotSent, e.to_string()).with_gateway(GATEWAY).with_source(e)
    }
}

fn bulk_query(bulk_id: &str) -> Result<[(&'static str, String); 1], Error> {
    if bulk_id.trim().is_empty() {
        return Err(BulkError::EmptyBulkId.into());
    }
    Ok([("bulkId", bulk_id.to_owned())])
}

impl InfobipGateway {
    /// The schedule of a bulk (`GET /sms/1/bulks?bulkId=`).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Message`] before any request when `bulk_id` is blank, and
    /// [`ErrorKind::Decode`] ([`IncompleteAnswer`](crate::IncompleteAnswer)) when the answer has no `sendAt`.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn bulk_schedule(&self, bulk_id: &str) -> Result<BulkSchedule, Error> {
        let q = bulk_query(bulk_id)?;
        let w: wire::BulkScheduleWire =
            self.request(Op::Read, Method::GET, "/sms/1/bulks", &q, None::<&()>).await?;
        let send_at = w.send_at.ok_or(IncompleteAnswer::read("GET /sms/1/bulks", "sendAt"))?;
        Ok(BulkSchedule { bulk_id: w.bulk_id.unwrap_or_else(|| bulk_id.to_owned()), send_at })
    }

    /// Moves a PENDING or PAUSED bulk to another time (`PUT /sms/1/bulks?bulkId=`). The status
    /// is checked first; a bulk in any other status is refused without a change request.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Message`] when `bulk_id` is blank or `at` is more than
    /// [`MAX_SCHEDULE_AHEAD_DAYS`] days ahead, and [`ErrorKind::InvalidState`]
    /// ([`BulkError::NotReschedulable`]) when the bulk is neither PENDING nor PAUSED; none of these sends a
    /// change request.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read. A 400 answer to the change request itself is [`ErrorKind::InvalidState`].
    pub async fn reschedule_bulk(&self, bulk_id: &str, at: DateTime<Utc>) -> Result<BulkSchedule, Error> {
        let q = bulk_query(bulk_id)?;
        let latest = self.config.clock.now() + chrono::Duration::days(MAX_SCHEDULE_AHEAD_DAYS);
        if at > latest {
            return Err(BulkError::TooFarAhead {
                at: crate::datetime::format(at),
                latest: crate::datetime::format(latest),
            }
            .into());
        }
        let status = self.current_status(bulk_id).await?;
        if !status.is_changeable() {
            return Err(BulkError::NotReschedulable { bulk_id: bulk_id.to_owned(), status }.into());
        }
        let body = wire::BulkScheduleRequest { send_at: at };
        let w: wire::BulkScheduleWire =
            self.request(Op::Change, Method::PUT, "/sms/1/bulks", &q, Some(&body)).await?;
        // Infobip took the change; an answer without `sendAt` leaves the time asked for.
        Ok(BulkSchedule {
            bulk_id: w.bulk_id.unwrap_or_else(|| bulk_id.to_owned()),
            send_at: w.send_at.unwrap_or(at),
        })
    }

    /// The status of a bulk (`GET /sms/1/bulks/status?bulkId=`).
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Message`] before any request when `bulk_id` is blank, and
    /// [`ErrorKind::Decode`] ([`IncompleteAnswer`](crate::IncompleteAnswer)) when the answer has no `status`.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn bulk_status(&self, bulk_id: &str) -> Result<BulkStatus, Error> {
        let q = bulk_query(bulk_id)?;
        let w: wire::BulkStatusWire =
            self.request(Op::Read, Method::GET, "/sms/1/bulks/status", &q, None::<&()>).await?;
        let status = w.status.ok_or(IncompleteAnswer::read("GET /sms/1/bulks/status", "status"))?;
        let status = BulkStatus::parse(&status);
        self.remember(bulk_id, &status);
        Ok(status)
    }

    /// Changes a bulk's status (`PUT /sms/1/bulks/status?bulkId=`): PAUSED pauses, PENDING
    /// resumes, CANCELED cancels. See the [module docs](crate::bulk) for the rules; returns the
    /// status Infobip reports afterwards.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Message`] when `bulk_id` is blank;
    /// [`ErrorKind::InvalidState`] when `to` cannot be set ([`BulkError::NotSettable`]), the bulk's current
    /// status cannot become `to` ([`BulkError::IllegalTransition`]), or Infobip answers the change with 400;
    /// [`ErrorKind::Decode`] when Infobip reports no status even when read back.
    ///
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for a
    /// transport failure; for a non-2xx answer the kind of its HTTP status ([`ErrorKind::Auth`] for 401 and
    /// 403, [`ErrorKind::NotFound`] for 404, [`ErrorKind::RateLimited`] for 429, [`ErrorKind::Unavailable`]
    /// for 5xx, a 400 refined by the property it names); [`ErrorKind::Decode`] for an answer that cannot be
    /// read.
    pub async fn set_bulk_status(&self, bulk_id: &str, to: BulkStatus) -> Result<BulkStatus, Error> {
        let q = bulk_query(bulk_id)?;
        if !to.is_settable() {
            return Err(BulkError::NotSettable { to }.into());
        }
        let from = self.current_status(bulk_id).await?;
        if from == to {
            return Ok(from);
        }
        if !from.can_become(&to) {
            return Err(BulkError::IllegalTransition { bulk_id: bulk_id.to_owned(), from, to }.into());
        }
        let body = wire::BulkStatusRequest { status: to.as_str().to_owned() };
        let w: wire::BulkStatusWire =
            self.request(Op::Change, Method::PUT, "/sms/1/bulks/status", &q, Some(&body)).await?;
        let now = match w.status {
            Some(now) => now,
            // The spec makes `status` optional: read it back rather than assume the change took.
            None => {
                let r: wire::BulkStatusWire =
                    self.request(Op::Read, Method::GET, "/sms/1/bulks/status", &q, None::<&()>).await?;
                let missing = IncompleteAnswer {
                    after_change: true,
                    ..IncompleteAnswer::read("PUT /sms/1/bulks/status", "status")
                };
                r.status.ok_or(missing)?
            }
        };
        let now = BulkStatus::parse(&now);
        self.remember(bulk_id, &now);
        Ok(now)
    }

    /// The status from the cache of settled bulks, else from Infobip.
    async fn current_status(&self, bulk_id: &str) -> Result<BulkStatus, Error> {
        let cached = self.settled_bulks.lock().unwrap_or_else(|p| p.into_inner()).get(bulk_id).cloned();
        match cached {
            Some(s) => Ok(s),
            None => self.bulk_status(bulk_id).await,
        }
    }

    /// Remembers statuses that can never change again.
    fn remember(&self, bulk_id: &str, status: &BulkStatus) {
        if matches!(status, BulkStatus::Canceled | BulkStatus::Finished | BulkStatus::Failed) {
            self.settled_bulks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(bulk_id.to_owned(), status.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BulkStatus::{self, *};

    /// Every pair of statuses, with the expected answer written out.
    #[test]
    fn transition_table() {
        let all = [Pending, Paused, Processing, Canceled, Finished, Failed, Other("X".into())];
        let allowed = [(Pending, Paused), (Pending, Canceled), (Paused, Pending), (Paused, Canceled)];
        for from in &all {
            for to in &all {
                let want = allowed.iter().any(|(a, b)| a == from && b == to);
                assert_eq!(from.can_become(to), want, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn parse_and_print() {
        for s in ["PENDING", "PAUSED", "PROCESSING", "CANCELED", "FINISHED", "FAILED"] {
            assert_eq!(BulkStatus::parse(s).as_str(), s);
        }
        assert_eq!(BulkStatus::parse("cancelled"), Canceled);
        assert_eq!(BulkStatus::parse("ARCHIVED"), Other("ARCHIVED".into()));
        assert!(Pending.is_settable() && Paused.is_settable() && Canceled.is_settable());
        assert!(!Processing.is_settable() && !Finished.is_settable() && !Failed.is_settable());
    }
}
