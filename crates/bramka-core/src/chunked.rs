//! The send contract of [`Gateway::send`](crate::Gateway::send), enforced once: a message is sent
//! in requests of at most the gateway's batch size, and the outcome follows the contract whatever
//! the operator.
//!
//! An operator crate writes only "send these recipients in one request"
//! ([`send_in_chunks`]'s closure); this module decides when the send is an `Err` and when a
//! per-recipient report, and marks the recipients of requests never made
//! [`SendState::NotAttempted`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka_core::chunked::{send_in_chunks, ChunkReport};
//! use bramka_core::{Certainty, Error, ErrorKind, Message, RecipientReport, SendReport, SendState};
//!
//! let msg = Message::builder().to("+48600100201,+48600100202,+48600100203").text("Hi").build().unwrap();
//! let mut calls = 0;
//! let report = send_in_chunks(SendReport::new("demo", &msg), &msg, 2, |chunk| {
//!     calls += 1;
//!     let first = calls == 1;
//!     async move {
//!         if first {
//!             Ok(ChunkReport::from(
//!                 chunk.iter().map(|n| RecipientReport::new(n.clone(), SendState::Accepted)).collect::<Vec<_>>(),
//!             ))
//!         } else {
//!             Err(Error::new(ErrorKind::Unavailable, Certainty::MaybeSent, "HTTP 503"))
//!         }
//!     }
//! })
//! .await
//! .unwrap();
//! assert_eq!(report.recipients.len(), 3);
//! assert!(report.recipients[0].state.is_accepted());
//! assert!(report.recipients[2].state.error().unwrap().may_have_been_sent());
//! # }
//! ```

use std::future::Future;

use crate::capabilities::Capabilities;
use crate::error::{Certainty, Error, ErrorKind};
use crate::message::Message;
use crate::phone::PhoneNumber;
use crate::report::{RecipientReport, SendReport, SendState};

/// What one request answered: an entry per recipient of the request, plus notes and a batch id.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ChunkReport {
    /// One entry per recipient of the request (any order; matched by number).
    pub recipients: Vec<RecipientReport>,
    /// Notes for the send report.
    pub notes: Vec<String>,
    /// The operator's batch or bulk id, if it gave one.
    pub batch_id: Option<String>,
}

impl ChunkReport {
    /// Adds a note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    /// Sets the batch id.
    #[must_use]
    pub fn with_batch_id(mut self, id: impl Into<String>) -> Self {
        self.batch_id = Some(id.into());
        self
    }
}

impl From<Vec<RecipientReport>> for ChunkReport {
    fn from(recipients: Vec<RecipientReport>) -> Self {
        ChunkReport { recipients, notes: Vec::new(), batch_id: None }
    }
}

/// Sends `message`'s recipients in requests of at most `batch_size`, calling `send_chunk` for
/// each, and returns what the [send contract](crate::Gateway::send) says:
///
/// - the first failed request stops the send: its recipients are rejected with its error, the
///   recipients of later requests are [`SendState::NotAttempted`];
/// - `Err(e)` when the first request failed `NotSent` (nothing reached the operator), or when the
///   message needed a single request and it failed;
/// - otherwise `Ok(report)`, `report` (pre-filled by the caller with notes and such) extended with
///   exactly one entry per recipient in the message's order. A request's answer that misses a
///   recipient gives that recipient a [`ErrorKind::Decode`] rejection with
///   [`Certainty::MaybeSent`] (the operator accepted the request, so it may have sent it).
///
/// # Errors
///
/// Returns the first request's [`Error`] (as `send_chunk` gave it) when that request failed with
/// [`Certainty::NotSent`] or was the only request; later failures are reported per recipient.
pub async fn send_in_chunks<'m, F, Fut>(
    mut report: SendReport,
    message: &'m Message,
    batch_size: usize,
    mut send_chunk: F,
) -> Result<SendReport, Error>
where
    F: FnMut(&'m [PhoneNumber]) -> Fut,
    Fut: Future<Output = Result<ChunkReport, Error>>,
{
    let recipients = message.recipients();
    let batch_size = batch_size.max(1);
    let chunks = recipients.len().div_ceil(batch_size);
    report.recipients.reserve(recipients.len());
    let mut stopped = false;
    for (i, chunk) in recipients.chunks(batch_size).enumerate() {
        if stopped {
            report
                .recipients
                .extend(chunk.iter().map(|n| RecipientReport::new(n.clone(), SendState::NotAttempted)));
            continue;
        }
        match send_chunk(chunk).await {
            Ok(answer) => {
                if report.batch_id.is_none() {
                    report.batch_id = answer.batch_id;
                }
                report.notes.extend(answer.notes);
                let gateway = report.gateway.clone();
                place(&mut report, chunk, answer.recipients, gateway);
            }
            Err(e) => {
                if i == 0 && (chunks == 1 || e.certainty() == Certainty::NotSent) {
                    return Err(e);
                }
                tracing::debug!(
                    gateway = %report.gateway,
                    request = i + 1,
                    requests = chunks,
                    error = %e,
                    "sms.send stops after a failed request"
                );
                report.recipients.extend(
                    chunk.iter().map(|n| RecipientReport::new(n.clone(), SendState::Rejected(e.clone()))),
                );
                stopped = true;
            }
        }
    }
    Ok(report)
}

/// The whole [`Gateway::send`](crate::Gateway::send) of an operator: the pre-flight checks of
/// [`preflight`](crate::preflight::preflight) against `caps` (their notes go in the report), then
/// [`send_in_chunks`] in requests of `caps.batch_size`. An operator writes only `send_chunk`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::chunked::{send_message, ChunkReport};
/// use bramka_core::{Capabilities, Message, RecipientReport, SendState};
///
/// let caps = Capabilities::new().with_batch_size(2);
/// let msg = Message::builder().to("+48600100201,+48600100202,+48600100203").text("Hi").build().unwrap();
/// let report = send_message("demo", &caps, &msg, |chunk| async move {
///     Ok(ChunkReport::from(chunk.iter().map(|n| RecipientReport::new(n.clone(), SendState::Accepted)).collect::<Vec<_>>()))
/// })
/// .await
/// .unwrap();
/// assert!(report.all_accepted());
/// // What the capabilities do not offer is refused before any request.
/// let flash = Message::builder().to("+48600100201").text("Hi").flash(true).build().unwrap();
/// assert!(send_message("demo", &caps, &flash, |_| async { unreachable!() }).await.is_err());
/// # }
/// ```
///
/// # Errors
///
/// Returns an [`Error`] of kind [`ErrorKind::Message`] when [`preflight`](crate::preflight::preflight)
/// refuses the message for `caps`, and otherwise what [`send_in_chunks`] returns.
pub async fn send_message<'m, F, Fut>(
    gateway: &'static str,
    caps: &Capabilities,
    message: &'m Message,
    send_chunk: F,
) -> Result<SendReport, Error>
where
    F: FnMut(&'m [PhoneNumber]) -> Fut,
    Fut: Future<Output = Result<ChunkReport, Error>>,
{
    let notes = crate::preflight::preflight(gateway, caps, message)?;
    let mut report = SendReport::new(gateway, message);
    notes.into_iter().for_each(|n| report.note(n));
    send_in_chunks(report, message, caps.batch_size, send_chunk).await
}

/// Pairs the entries of an answer with the recipients of the request (`chunk`): an entry whose
/// `echoed` number has a recipient's digits (a leading `+` ignored) goes to that recipient; an
/// entry that echoes no number goes to the recipient at its position. An entry naming no
/// recipient of the chunk, or one already paired, is dropped: the engine then reports that
/// recipient as missing from the answer ([`Certainty::MaybeSent`]).
///
/// ```
/// use bramka_core::PhoneNumber;
/// use bramka_core::chunked::pair_by_number;
/// let chunk = [PhoneNumber::parse("+447700900001").unwrap(), PhoneNumber::parse("+447700900002").unwrap()];
/// let answer = vec![Some("447700900002"), None, Some("447700900002")];
/// let pairs = pair_by_number(&chunk, answer, |e| *e);
/// // The echoed number finds its recipient; the entry without one takes position 1, already
/// // taken, so it and the repeat are dropped.
/// assert_eq!(pairs.len(), 1);
/// assert_eq!(pairs[0].0, &chunk[1]);
/// ```
pub fn pair_by_number<E>(
    chunk: &[PhoneNumber],
    entries: impl IntoIterator<Item = E>,
    echoed: impl Fn(&E) -> Option<&str>,
) -> Vec<(&PhoneNumber, E)> {
    let mut taken = vec![false; chunk.len()];
    let mut out = Vec::with_capacity(chunk.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let slot = match echoed(&entry) {
            Some(t) => chunk.iter().position(|n| n.digits() == t.trim_start_matches('+')),
            None => Some(i),
        };
        if let Some(j) = slot.filter(|&j| j < chunk.len() && !taken[j]) {
            taken[j] = true;
            out.push((&chunk[j], entry));
        }
    }
    out
}

/// Appends one entry per recipient of `chunk`, in its order, taken from `answer`.
fn place(report: &mut SendReport, chunk: &[PhoneNumber], answer: Vec<RecipientReport>, gateway: String) {
    // The common case: the answer is already in the chunk's order.
    if answer.len() == chunk.len() && answer.iter().zip(chunk).all(|(r, n)| &r.to == n) {
        report.recipients.extend(answer);
        return;
    }
    let mut answer: Vec<Option<RecipientReport>> = answer.into_iter().map(Some).collect();
    for n in chunk {
        let found = answer.iter_mut().find(|r| r.as_ref().is_some_and(|r| &r.to == n)).and_then(Option::take);
        report.recipients.push(found.unwrap_or_else(|| {
            RecipientReport::new(
                n.clone(),
                SendState::Rejected(
                    Error::new(
                        ErrorKind::Decode,
                        Certainty::MaybeSent,
                        "the operator's answer has no entry for this recipient",
                    )
                    .with_gateway(gateway.clone()),
                ),
            )
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(n: usize) -> Message {
        let to: Vec<String> = (0..n).map(|i| format!("+486001002{i:02}")).collect();
        Message::builder().to(to.join(",")).text("Hi").build().unwrap()
    }

    fn accept(chunk: &[PhoneNumber]) -> Result<ChunkReport, Error> {
        Ok(chunk
            .iter()
            .map(|n| RecipientReport::new(n.clone(), SendState::Accepted))
            .collect::<Vec<_>>()
            .into())
    }

    async fn run(
        n: usize,
        batch: usize,
        fail_at: Option<(usize, Error)>,
    ) -> (Result<SendReport, Error>, usize) {
        let m = msg(n);
        let mut calls = 0;
        let r = send_in_chunks(SendReport::new("t", &m), &m, batch, |chunk| {
            calls += 1;
            let out = match &fail_at {
                Some((i, e)) if *i == calls => Err(e.clone()),
                _ => accept(chunk),
            };
            async move { out }
        })
        .await;
        (r, calls)
    }

    fn e(c: Certainty) -> Error {
        Error::new(ErrorKind::Unavailable, c, "boom")
    }

    #[tokio::test]
    async fn chunks_by_batch_size_in_order() {
        let (r, calls) = run(7, 3, None).await;
        let r = r.unwrap();
        assert_eq!(calls, 3);
        assert_eq!(r.recipients.len(), 7);
        assert_eq!(r.recipients.iter().map(|r| r.to.clone()).collect::<Vec<_>>(), msg(7).recipients());
        assert!(r.all_accepted());
    }

    #[tokio::test]
    async fn first_request_not_sent_is_an_err() {
        let (r, calls) = run(7, 3, Some((1, e(Certainty::NotSent)))).await;
        assert_eq!(r.unwrap_err().certainty(), Certainty::NotSent);
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn single_request_failure_is_an_err_whatever_the_certainty() {
        let (r, _) = run(3, 3, Some((1, e(Certainty::MaybeSent)))).await;
        assert!(r.unwrap_err().may_have_been_sent());
    }

    #[tokio::test]
    async fn first_request_maybe_sent_of_several_is_ok_and_the_rest_not_attempted() {
        let (r, calls) = run(7, 3, Some((1, e(Certainty::MaybeSent)))).await;
        let r = r.unwrap();
        assert_eq!(calls, 1);
        assert!(r.recipients[..3].iter().all(|r| r.state.error().is_some_and(Error::may_have_been_sent)));
        assert!(r.recipients[3..].iter().all(|r| r.state.is_not_attempted()));
    }

    #[tokio::test]
    async fn a_later_failure_keeps_earlier_answers_and_skips_the_rest() {
        let (r, calls) = run(7, 3, Some((2, e(Certainty::NotSent)))).await;
        let r = r.unwrap();
        assert_eq!(calls, 2);
        assert!(r.recipients[..3].iter().all(|r| r.state.is_accepted()));
        assert!(r.recipients[3..6].iter().all(|r| r.state.error().is_some_and(|e| !e.may_have_been_sent())));
        assert!(r.recipients[6].state.is_not_attempted());
        assert!(r.recipients[6].state.error().is_none(), "no other request's error");
    }

    #[tokio::test]
    async fn an_answer_missing_a_recipient_gives_it_a_maybe_sent_decode_error() {
        let m = msg(3);
        let r = send_in_chunks(SendReport::new("t", &m), &m, 3, |chunk| {
            // Answers out of order and without the first recipient.
            let out: Vec<RecipientReport> = chunk[1..]
                .iter()
                .rev()
                .map(|n| RecipientReport::new(n.clone(), SendState::Accepted))
                .collect();
            async move { Ok(ChunkReport::from(out)) }
        })
        .await
        .unwrap();
        assert_eq!(r.recipients.iter().map(|r| r.to.clone()).collect::<Vec<_>>(), m.recipients());
        let e = r.recipients[0].state.error().unwrap();
        assert_eq!((e.kind(), e.certainty()), (ErrorKind::Decode, Certainty::MaybeSent));
        assert!(r.recipients[1].state.is_accepted() && r.recipients[2].state.is_accepted());
    }

    #[test]
    fn pairing_by_echoed_number_then_position() {
        let m = msg(3);
        let chunk = m.recipients();
        let d = |i: usize| Some(chunk[i].digits().to_owned());
        // In order without echoes: by position.
        let pairs = pair_by_number(chunk, vec![None::<String>, None, None], |e| e.as_deref());
        assert_eq!(pairs.iter().map(|p| p.0).collect::<Vec<_>>(), chunk.iter().collect::<Vec<_>>());
        // Echoed numbers win over position, with or without `+`; unknown and repeated are dropped.
        let plus = Some(format!("+{}", chunk[0].digits()));
        let entries = vec![d(2), plus, Some("447700900999".to_owned()), d(2)];
        let pairs = pair_by_number(chunk, entries, |e| e.as_deref());
        let to: Vec<_> = pairs.iter().map(|p| p.0.clone()).collect();
        assert_eq!(to, vec![chunk[2].clone(), chunk[0].clone()]);
        // More entries than recipients: the extra positions are dropped.
        assert_eq!(pair_by_number(chunk, vec![None::<String>; 5], |e| e.as_deref()).len(), 3);
    }

    #[tokio::test]
    async fn send_message_runs_preflight_then_chunks() {
        let m = Message::builder()
            .to("+48600100201,+48600100202,+48600100203")
            .text("Hi")
            .validity(std::time::Duration::from_secs(600))
            .build()
            .unwrap();
        let caps = Capabilities::new().with_batch_size(2);
        let mut calls = 0;
        let r = send_message("t", &caps, &m, |chunk| {
            calls += 1;
            let out = accept(chunk);
            async move { out }
        })
        .await
        .unwrap();
        assert_eq!(calls, 2);
        assert!(r.all_accepted() && r.recipients.len() == 3);
        // Validity is not offered: the preflight's note is in the report.
        assert!(r.notes.iter().any(|n| n.contains("validity")), "{:?}", r.notes);
        let flash = Message::builder().to("+48600100201").text("Hi").flash(true).build().unwrap();
        let e = send_message("t", &caps, &flash, |_| async { Ok(ChunkReport::default()) }).await.unwrap_err();
        assert_eq!((e.kind(), e.certainty()), (ErrorKind::Message, Certainty::NotSent));
    }
}
