//! Ingestion in two steps: a pure [`plan`] (routing, window, option, groups, reply texts) and
//! [`apply`], run by a store inside one transaction (dedupe, limit, vote, code, outbox).

use bramka_core::{InboundMessage, PhoneNumber};
use chrono::{DateTime, Utc};

use crate::config::{Config, Forward, NumberKind, Target};
use crate::error::StoreError;
use crate::fold::tokens;
use crate::model::{Channel, Ingested, OutboxDraft, Outcome, Purpose, StoredMessage, VoteOutcome};

/// How a message was routed (before the store decides limits and codes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Routing {
    /// No route: the unmatched bucket.
    Unmatched {
        /// The number's unmatched reply, if any (and if the sender can be replied to).
        reply: Option<OutboxDraft>,
    },
    /// A named inbox.
    Inbox {
        /// The inbox.
        inbox: String,
        /// The number's auto-reply, if any.
        reply: Option<OutboxDraft>,
    },
    /// A poll answer whose fate is settled without the store (window, groups, unknown answer).
    PollSettled {
        /// The poll id.
        poll: String,
        /// The outcome.
        vote: VoteOutcome,
        /// Its reply.
        reply: Option<OutboxDraft>,
    },
    /// A poll answer to count if the limit allows.
    PollCandidate(VoteCandidate),
}

/// A valid poll answer; the store checks the limit and claims a code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VoteCandidate {
    /// The poll id.
    pub poll: String,
    /// The option code.
    pub option: String,
    /// The limit bucket the answer falls in.
    pub bucket: String,
    /// Accepted answers per sender and bucket (0 = unlimited).
    pub max: u32,
    /// Whether a code is claimed from the poll's pool.
    pub claim_code: bool,
    /// The pool codes are claimed from: the poll's own (`None`) or a named code group shared by
    /// several polls.
    pub code_pool: Option<String>,
    /// Reply template for an accepted answer (`{code}` is filled in).
    pub accepted_reply: Option<String>,
    /// Reply when the pool is empty.
    pub exhausted_reply: Option<String>,
    /// Reply over the limit.
    pub over_limit_reply: Option<String>,
    /// Who gets replies (`None`: the sender cannot be replied to).
    pub reply_to: Option<String>,
    /// The reply sender name.
    pub reply_sender: Option<String>,
}

/// Everything a store needs to ingest one message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngestPlan {
    /// The message (id, sender, text as received).
    pub message: StoredMessage,
    /// The de-duplication key.
    pub dedupe_key: String,
    /// The routing decision.
    pub routing: Routing,
    /// Forwarded copies.
    pub forwards: Vec<OutboxDraft>,
}

/// The de-duplication key: `(gateway, operator message id)`; when the operator gave no id, the
/// sender, receiving number, receive time and text stand in for it.
pub fn dedupe_key(m: &InboundMessage) -> String {
    if m.message_id.trim().is_empty() {
        format!(
            "{}\u{1f}-\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            m.gateway,
            m.from,
            m.to,
            m.received_at.to_rfc3339(),
            m.text
        )
    } else {
        format!("{}\u{1f}{}", m.gateway, m.message_id)
    }
}

fn fill(template: &str, option: &str, code: Option<&str>) -> String {
    let s = template.replace("{option}", option);
    match code.filter(|c| !c.trim().is_empty()) {
        Some(c) if s.contains("{code}") => s.replace("{code}", c),
        Some(c) => format!("{s} {c}"),
        None => drop_placeholder(&s, "{code}"),
    }
}

/// `s` without `placeholder` and without the one space that separated it from the text, so an
/// empty code leaves no stray or doubled space ("Thanks {code}" -> "Thanks", "Code {code} ok" ->
/// "Code ok").
fn drop_placeholder(s: &str, placeholder: &str) -> String {
    let mut out = s.to_owned();
    while let Some(i) = out.find(placeholder) {
        let end = i + placeholder.len();
        let space_before = out[..i].ends_with(' ');
        let space_after = out[end..].starts_with(' ');
        let at_end_or_punct = out[end..].chars().next().is_none_or(|c| c.is_ascii_punctuation());
        let range = if space_before && (space_after || at_end_or_punct) {
            i - 1..end
        } else if space_after {
            i..end + 1
        } else {
            i..end
        };
        out.replace_range(range, "");
    }
    out
}

fn reply(to: &Option<String>, sender: &Option<String>, text: Option<String>) -> Option<OutboxDraft> {
    Some(OutboxDraft {
        purpose: Purpose::Reply,
        channel: Channel::Sms,
        to: to.clone()?,
        subject: None,
        sender: sender.clone(),
        text: text?,
        via: None,
    })
}

/// Routes a message by the configuration: pure, no I/O. `now` is the first-seen time.
pub fn plan(config: &Config, m: &InboundMessage, now: DateTime<Utc>) -> IngestPlan {
    let message = StoredMessage {
        row: 0,
        gateway: m.gateway.clone(),
        message_id: m.message_id.clone(),
        from: m.from.clone(),
        to: m.to.clone(),
        text: m.text.clone(),
        received_at: m.received_at,
        first_seen: now,
        outcome: Outcome::Unmatched,
    };
    // Loop guard: only senders that are phone numbers get replies (never alphanumeric senders).
    let reply_to =
        m.from.starts_with('+').then(|| PhoneNumber::parse(&m.from).ok()).flatten().map(|n| n.e164());
    let Some(entry) = config.numbers.get(&m.to) else {
        return IngestPlan {
            message,
            dedupe_key: dedupe_key(m),
            routing: Routing::Unmatched { reply: None },
            forwards: Vec::new(),
        };
    };
    let number = &entry.number;
    let forwards = number
        .forwards
        .iter()
        .map(|f| match f {
            Forward::Sms { to } => OutboxDraft {
                purpose: Purpose::Forward,
                channel: Channel::Sms,
                to: to.e164(),
                subject: None,
                sender: number.reply_sender.clone(),
                text: format!("{}: {}", m.from, m.text),
                via: None,
            },
            Forward::Email { to } => OutboxDraft {
                purpose: Purpose::Forward,
                channel: Channel::Email,
                to: to.clone(),
                subject: Some(format!("SMS from {} to {}", one_line(&m.from), one_line(&m.to))),
                sender: None,
                text: email_body(m),
                via: None,
            },
        })
        .collect();
    let toks = tokens(&m.text);
    let (route, answer): (Option<&crate::config::Route>, &[String]) =
        match toks.first().and_then(|t| entry.routes.get(t)) {
            Some(r) => (Some(r), &toks[1..]),
            None => match (&entry.default_route, number.kind) {
                (Some(r), NumberKind::Dedicated) => (Some(r), &toks[..]),
                _ => (None, &toks[..]),
            },
        };
    let routing = match route.map(|r| &r.target) {
        // A dedicated number is the account's own: without a default route its auto-reply
        // still answers what matches no prefix (unless an unmatched reply is set).
        None => Routing::Unmatched {
            reply: reply(
                &reply_to,
                &number.reply_sender,
                number.unmatched_reply.clone().or_else(|| match number.kind {
                    NumberKind::Dedicated => number.auto_reply.clone(),
                    NumberKind::Shared => None,
                }),
            ),
        },
        Some(Target::Inbox(inbox)) => Routing::Inbox {
            inbox: inbox.clone(),
            reply: reply(&reply_to, &number.reply_sender, number.auto_reply.clone()),
        },
        Some(Target::Poll(id)) => {
            let poll = config.polls.get(id).expect("routes only point at registered polls");
            let sender = poll.reply_sender.clone().or_else(|| number.reply_sender.clone());
            let r = &poll.replies;
            let settled = |vote: VoteOutcome, text: &Option<String>| Routing::PollSettled {
                poll: id.clone(),
                vote,
                reply: reply(&reply_to, &sender, text.clone()),
            };
            if !poll.is_open(m.received_at) {
                settled(VoteOutcome::OutsideWindow, &r.outside_window)
            } else if !poll.groups.is_empty() && !poll.groups.iter().any(|g| config.in_group(g, &m.from)) {
                settled(VoteOutcome::NotAllowed, &r.not_allowed)
            } else {
                match poll.match_answer(answer) {
                    None => settled(VoteOutcome::UnknownAnswer, &r.unknown_answer),
                    Some(opt) => Routing::PollCandidate(VoteCandidate {
                        poll: id.clone(),
                        option: opt.code.clone(),
                        bucket: poll.limit_bucket(m.received_at),
                        max: poll.limit.max,
                        claim_code: poll.discount_codes,
                        code_pool: poll.code_group.clone(),
                        accepted_reply: opt.reply.clone().or_else(|| r.default.clone()),
                        exhausted_reply: r.pool_exhausted.clone(),
                        over_limit_reply: r.over_limit.clone(),
                        reply_to: reply_to.clone(),
                        reply_sender: sender,
                    }),
                }
            }
        }
    };
    IngestPlan { message, dedupe_key: dedupe_key(m), routing, forwards }
}

/// The primitives a store offers inside one transaction. [`apply`] uses them; a store runs
/// `apply` with its transaction open and commits only when it returns `Ok`.
pub trait Transaction {
    /// The stored result of an earlier ingestion with this key.
    ///
    /// # Errors
    ///
    /// Implementations return [`StoreError::Backend`] when the database fails and
    /// [`StoreError::Corrupt`] when the stored outcome cannot be decoded.
    fn find(&mut self, dedupe_key: &str) -> Result<Option<(i64, Outcome)>, StoreError>;
    /// Accepted votes of `sender` in `poll` and `bucket`.
    ///
    /// # Errors
    ///
    /// Implementations return [`StoreError::Backend`] when the database fails.
    fn count_votes(&mut self, poll: &str, sender: &str, bucket: &str) -> Result<u32, StoreError>;
    /// Claims one unissued code of `poll`'s pool for the message with `dedupe_key`.
    ///
    /// # Errors
    ///
    /// Implementations return [`StoreError::Backend`] when the database fails (no free code is
    /// `Ok(None)`, not an error).
    fn claim_code(&mut self, poll: &str, dedupe_key: &str) -> Result<Option<String>, StoreError>;
    /// Stores the message with its outcome; returns its row id.
    ///
    /// # Errors
    ///
    /// Implementations return [`StoreError::Backend`] when the database fails and
    /// [`StoreError::Corrupt`] when the message cannot be encoded.
    fn insert_message(&mut self, dedupe_key: &str, message: &StoredMessage) -> Result<i64, StoreError>;
    /// Stores an accepted vote.
    ///
    /// # Errors
    ///
    /// Implementations return [`StoreError::Backend`] when the database fails.
    fn insert_vote(
        &mut self,
        message_row: i64,
        candidate: &VoteCandidate,
        sender: &str,
        code: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Adds a pending outbox entry; returns its id.
    ///
    /// # Errors
    ///
    /// Implementations return [`StoreError::Backend`] when the database fails and
    /// [`StoreError::Corrupt`] when the draft cannot be encoded.
    fn push_outbox(&mut self, message_row: i64, draft: &OutboxDraft) -> Result<i64, StoreError>;
}

/// Ingests a planned message inside a store transaction: de-duplicates, checks the limit, counts
/// the vote, claims a code and writes the outbox, all or nothing.
///
/// # Errors
///
/// Returns the first [`StoreError`] of `tx`'s primitives; the store then rolls the transaction
/// back, so nothing of the message is kept.
pub fn apply(tx: &mut dyn Transaction, plan: &IngestPlan) -> Result<Ingested, StoreError> {
    if let Some((row, outcome)) = tx.find(&plan.dedupe_key)? {
        return Ok(Ingested { row, duplicate: true, outcome, outbox: Vec::new() });
    }
    let sender = plan.message.from.as_str();
    type Decision<'a> = (Outcome, Option<OutboxDraft>, Option<(&'a VoteCandidate, Option<String>)>);
    let (outcome, reply, vote): Decision<'_> = match &plan.routing {
        Routing::Unmatched { reply } => (Outcome::Unmatched, reply.clone(), None),
        Routing::Inbox { inbox, reply } => (Outcome::Inbox { inbox: inbox.clone() }, reply.clone(), None),
        Routing::PollSettled { poll, vote, reply } => {
            (Outcome::Poll { poll: poll.clone(), vote: vote.clone() }, reply.clone(), None)
        }
        Routing::PollCandidate(c) => {
            let over = c.max > 0 && tx.count_votes(&c.poll, sender, &c.bucket)? >= c.max;
            let r = |text: Option<String>| reply(&c.reply_to, &c.reply_sender, text);
            if over {
                let vote = VoteOutcome::OverLimit { option: c.option.clone() };
                (Outcome::Poll { poll: c.poll.clone(), vote }, r(c.over_limit_reply.clone()), None)
            } else if c.claim_code {
                match tx.claim_code(c.code_pool.as_deref().unwrap_or(&c.poll), &plan.dedupe_key)? {
                    Some(code) => {
                        let text = c.accepted_reply.as_deref().map(|t| fill(t, &c.option, Some(&code)));
                        let vote =
                            VoteOutcome::Accepted { option: c.option.clone(), code: Some(code.clone()) };
                        (Outcome::Poll { poll: c.poll.clone(), vote }, r(text), Some((c, Some(code))))
                    }
                    None => {
                        let text = c
                            .exhausted_reply
                            .as_deref()
                            .or(c.accepted_reply.as_deref())
                            .map(|t| fill(t, &c.option, None));
                        let vote = VoteOutcome::AcceptedPoolExhausted { option: c.option.clone() };
                        (Outcome::Poll { poll: c.poll.clone(), vote }, r(text), Some((c, None)))
                    }
                }
            } else {
                let text = c.accepted_reply.as_deref().map(|t| fill(t, &c.option, None));
                let vote = VoteOutcome::Accepted { option: c.option.clone(), code: None };
                (Outcome::Poll { poll: c.poll.clone(), vote }, r(text), Some((c, None)))
            }
        }
    };
    let mut message = plan.message.clone();
    message.outcome = outcome.clone();
    let row = tx.insert_message(&plan.dedupe_key, &message)?;
    if let Some((c, code)) = vote {
        tx.insert_vote(row, c, sender, code.as_deref())?;
    }
    let mut outbox = Vec::new();
    for d in reply.iter().chain(plan.forwards.iter()) {
        let mut d = d.clone();
        if d.channel == Channel::Sms && d.via.is_none() {
            d.via = Some(plan.message.to.clone());
        }
        outbox.push(tx.push_outbox(row, &d)?);
    }
    Ok(Ingested { row, duplicate: false, outcome, outbox })
}

/// The sender's and receiver's addresses on one line: an alphanumeric sender comes from the
/// operator's webhook and could hold line breaks.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Separates the forwarded SMS text from the lines bramka writes, so a text holding its own
/// `From:` or `To:` lines cannot pass for them.
pub(crate) const EMAIL_TEXT_SEPARATOR: &str = "----- SMS text as received (written by the sender) -----";

/// The e-mail copy: bramka's lines (sender, receiver, time), the separator, then the SMS text
/// with every line ending made `\n` (no bare CR reaches SMTP DATA).
fn email_body(m: &InboundMessage) -> String {
    format!(
        "From: {}\nTo: {}\nReceived: {}\n{EMAIL_TEXT_SEPARATOR}\n{}",
        one_line(&m.from),
        one_line(&m.to),
        m.received_at.to_rfc3339(),
        normalize_newlines(&m.text)
    )
}

/// `\r\n` and lone `\r` become `\n`.
pub(crate) fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::{dedupe_key, fill};
    use bramka_core::InboundMessage;

    #[test]
    fn dedupe_key_falls_back_to_content_without_an_operator_id() {
        let at = "2026-05-01T10:00:00Z".parse().unwrap();
        let a = InboundMessage::new("smsapi", "", "+48600100200", "+48790100200", "vote a", at);
        let b = InboundMessage::new("smsapi", " ", "+48600100200", "+48790100200", "vote a", at);
        let c = InboundMessage::new("smsapi", "", "+48600100200", "+48790100200", "vote b", at);
        assert_eq!(dedupe_key(&a), dedupe_key(&b));
        assert_ne!(dedupe_key(&a), dedupe_key(&c));
        let with_id = InboundMessage::new("smsapi", "42", "+48600100200", "+48790100200", "vote a", at);
        let other_text = InboundMessage::new("smsapi", "42", "+48600100200", "+48790100200", "vote b", at);
        assert_eq!(dedupe_key(&with_id), dedupe_key(&other_text), "the operator id alone decides");
        let other_gateway = InboundMessage::new("twilio", "42", "+48600100200", "+48790100200", "vote a", at);
        assert_ne!(dedupe_key(&with_id), dedupe_key(&other_gateway));
    }

    #[test]
    fn reply_templates() {
        assert_eq!(fill("Thanks for {option}! Code: {code}", "A", Some("X1")), "Thanks for A! Code: X1");
        assert_eq!(fill("Thanks", "A", Some("X1")), "Thanks X1");
        assert_eq!(fill("Thanks {code}", "A", None), "Thanks");
        assert_eq!(fill("Thanks {code}", "A", Some("")), "Thanks", "an empty code is no code");
        assert_eq!(fill("Thanks", "A", Some(" ")), "Thanks");
        assert_eq!(fill("Code {code} is yours", "A", None), "Code is yours");
        assert_eq!(fill("{code} is yours", "A", None), "is yours");
        assert_eq!(fill("Thanks {code}. Bye", "A", None), "Thanks. Bye");
        assert_eq!(fill("Thanks {code} {code}", "A", None), "Thanks");
        assert_eq!(fill("Voted {option}, {code}", "B", None), "Voted B,");
    }
}
