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
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    /// Sets the batch id.
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
}
