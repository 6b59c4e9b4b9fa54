//! Shared by the `answer_*` targets: how an input becomes an operator answer, and the oracles.
//!
//! Input: the answer body, then two control bytes at the end (so a fixture plus two bytes is a
//! seed): the first picks the call (bit 0: send or status) and whether the credential is
//! spliced into the body (bit 1, as a server echoing the request would), the second picks the
//! HTTP status and where the credential goes.

/// The credential every gateway of these targets is built with.
pub const MARKER: &str = "Mk7Secr3t";

const STATUSES: [u16; 8] = [200, 201, 400, 401, 404, 429, 500, 503];

/// One decoded input.
pub struct Input {
    /// Status query rather than send.
    #[allow(dead_code)] // Dynmark has no status query.
    pub status_query: bool,
    /// The HTTP status.
    pub http_status: u16,
    /// The body, with the marker spliced in when asked.
    pub body: Vec<u8>,
}

impl Input {
    pub fn new(data: &[u8]) -> Option<Input> {
        let (&second, rest) = data.split_last()?;
        let (&first, body) = rest.split_last()?;
        let mut body = body.to_vec();
        if first & 2 != 0 {
            let at = usize::from(second >> 3) * body.len() / 32;
            body.splice(at..at, MARKER.bytes());
        }
        Some(Input { status_query: first & 1 != 0, http_status: STATUSES[usize::from(second & 7)], body })
    }
}

/// Everything an error shows: Display, Debug and each source's.
pub fn shown(e: &bramka_core::Error) -> String {
    let mut out = format!("{e} {e:?}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    out
}

/// The marker never appears in what `e` shows.
pub fn check_error(e: &bramka_core::Error) {
    let text = shown(e);
    assert!(!text.contains(MARKER), "an error shows the credential: {text}");
}

/// Per recipient: an error never shows the marker; when `ids_required`, an accepted recipient
/// (accepted, queued or scheduled) has a message id that is not blank.
pub fn check_reports(reports: &[bramka_core::RecipientReport], ids_required: bool) {
    use bramka_core::SendState;
    for r in reports {
        match &r.state {
            SendState::Rejected(e) => check_error(e),
            SendState::Accepted | SendState::Queued | SendState::Scheduled if ids_required => {
                assert!(
                    r.message_id.as_deref().is_some_and(|id| !id.trim().is_empty()),
                    "an accepted recipient without a message id: {r:?}"
                );
            }
            _ => {}
        }
    }
}
