//! The send path: one `sms.do` request per chunk (the chunking and the send contract are the
//! core's `send_in_chunks`), its form, and the recipients' reports from the answer.

use bramka_core::chunked::ChunkReport;
use bramka_core::http::Call;
use bramka_core::{
    Certainty, Error, ErrorKind, Message, PhoneNumber, Price, RecipientReport, SendState, Sender,
};

use crate::answer::SmsOutcome;
use crate::assumptions::{ECO_SENDER, TWO_WAY_SENDER, format_time, number_sender};
use crate::config::MessageType;
use crate::errors::{DUPLICATE_IDX, api_error};
use crate::gateway::{GATEWAY_ID, SmsapiGateway};
use crate::wire::{self, ErrorValue, SmsItem, SmsResponse, Str, Text, text};
use bramka_core::http::Answer;

/// What one send request produced.
pub(crate) enum ChunkOutcome {
    Reports(Vec<RecipientReport>),
    Duplicate,
}

impl SmsapiGateway {
    /// The `from` field and any note about it.
    pub(crate) fn sender_field(&self, message: &Message) -> (Option<String>, Option<String>) {
        let chosen = message.sender().or(self.config.sender.as_ref());
        let pseudo = match self.config.message_type {
            MessageType::Eco => Some(ECO_SENDER),
            MessageType::TwoWay => Some(TWO_WAY_SENDER),
            _ => None,
        };
        match (pseudo, chosen) {
            (Some(p), Some(s)) => (
                Some(p.to_owned()),
                Some(format!(
                    "message type {}: SMSAPI chooses the sender; sender {} was not used",
                    self.config.message_type.as_str(),
                    s.as_string()
                )),
            ),
            (Some(p), None) => (Some(p.to_owned()), None),
            (None, Some(Sender::Number(n))) => (Some(number_sender(n.digits())), None),
            (None, Some(s)) => (Some(s.as_string()), None),
            (None, None) => (None, None),
        }
    }

    /// The form of one send request.
    pub(crate) fn send_form(
        &self,
        message: &Message,
        chunk: &[PhoneNumber],
    ) -> Result<Vec<(&'static str, String)>, Error> {
        // `to` (comma-separated digits) and `idx` (pipe-separated per-recipient keys, the client
        // reference followed by the digits: `ClientRef::for_recipient`), each built in one buffer.
        let cref = message.client_ref().as_str();
        let digits: usize = chunk.iter().map(|n| n.digits().len()).sum();
        let seps = chunk.len().saturating_sub(1);
        let mut to = String::with_capacity(digits + seps);
        let mut idx = String::with_capacity(digits + seps + cref.len() * chunk.len());
        for (i, n) in chunk.iter().enumerate() {
            if i > 0 {
                to.push(',');
                idx.push('|');
            }
            to.push_str(n.digits());
            idx.push_str(cref);
            idx.push_str(n.digits());
        }
        let mut form: Vec<(&'static str, String)> = Vec::with_capacity(16);
        form.extend([
            ("to", to),
            ("message", self.outgoing_text(message)),
            ("format", "json".into()),
            ("encoding", "utf-8".into()),
            ("details", "1".into()),
            ("idx", idx),
            ("check_idx", "1".into()),
        ]);
        if let (Some(from), _) = self.sender_field(message) {
            form.push(("from", from));
        }
        let now = self.config.clock.now();
        if let Some(at) = message.send_at() {
            form.push(("date", format_time(at)));
            form.push(("date_validate", "1".into()));
        }
        if let Some(v) = message.validity() {
            let start = message.send_at().map_or(now, |at| at.max(now));
            let until = chrono::Duration::from_std(v)
                .ok()
                .and_then(|d| start.checked_add_signed(d))
                .ok_or_else(|| {
                    Error::message(format!("validity {v:?} is too long to express")).with_gateway(GATEWAY_ID)
                })?;
            form.push(("expiration_date", format_time(until)));
        }
        if let Some(url) = message.callback_url() {
            form.push(("notify_url", url.as_str().to_owned()));
        }
        if let Some(n) = self.config.max_parts {
            form.push(("max_parts", n.to_string()));
        }
        for (on, key) in [
            (self.config.normalize, "normalize"),
            (self.config.fast, "fast"),
            (self.config.flash || message.is_flash(), "flash"),
            (self.config.test_mode, "test"),
        ] {
            if on {
                form.push((key, "1".into()));
            }
        }
        Ok(form)
    }

    /// One `sms.do` send request for `chunk`.
    pub(crate) async fn send_request(
        &self,
        message: &Message,
        chunk: &[PhoneNumber],
    ) -> Result<ChunkOutcome, Error> {
        let form = self.send_form(message, chunk)?;
        tracing::debug!(
            gateway = GATEWAY_ID,
            recipients = chunk.len(),
            first = %chunk.first().map(PhoneNumber::masked).unwrap_or_default(),
            client_ref = %message.client_ref(),
            test = self.config.test_mode,
            "sending SMS request"
        );
        let answer = self.post_form("sms.do", &form, Call::Send).await?;
        self.decode_send(message, chunk, &answer)
    }

    /// What the `sms.do` answer to a send of `chunk` means.
    pub(crate) fn decode_send(
        &self,
        message: &Message,
        chunk: &[PhoneNumber],
        answer: &Answer,
    ) -> Result<ChunkOutcome, Error> {
        match self.interpret_sms(answer, chunk.len())? {
            SmsOutcome::Duplicate => Ok(ChunkOutcome::Duplicate),
            SmsOutcome::Answer(r) => {
                Ok(ChunkOutcome::Reports(self.recipient_reports(message, chunk, r, answer.status)))
            }
        }
    }

    /// Sends one chunk. On error 53 for several recipients, SMSAPI does not say which `idx` was a
    /// duplicate (53 refuses the whole request), so each recipient is sent alone, still with
    /// `check_idx=1`: each is then either accepted now or reported as already accepted.
    pub(crate) async fn send_chunk(
        &self,
        message: &Message,
        chunk: &[PhoneNumber],
    ) -> Result<ChunkReport, Error> {
        match self.send_request(message, chunk).await? {
            ChunkOutcome::Reports(r) => Ok(r.into()),
            ChunkOutcome::Duplicate if chunk.len() == 1 => Ok(ChunkReport::from(vec![RecipientReport::new(
                chunk[0].clone(),
                SendState::AlreadyAccepted,
            )])
            .note(duplicate_note(&chunk[0]))),
            ChunkOutcome::Duplicate => {
                tracing::debug!(
                    gateway = GATEWAY_ID,
                    recipients = chunk.len(),
                    "error 53 on a batch: resending one by one"
                );
                let mut out = Vec::with_capacity(chunk.len());
                let mut notes = Vec::new();
                for n in chunk {
                    let one = std::slice::from_ref(n);
                    match self.send_request(message, one).await {
                        Ok(ChunkOutcome::Reports(r)) => out.extend(r),
                        Ok(ChunkOutcome::Duplicate) => {
                            notes.push(duplicate_note(n));
                            out.push(RecipientReport::new(n.clone(), SendState::AlreadyAccepted));
                        }
                        Err(e) => out.push(RecipientReport::new(n.clone(), SendState::Rejected(e))),
                    }
                }
                let mut r = ChunkReport::from(out);
                r.notes = notes;
                Ok(r)
            }
        }
    }

    /// Matches `list` entries to the chunk's recipients (see [`match_items`]) and builds their
    /// reports.
    pub(crate) fn recipient_reports(
        &self,
        message: &Message,
        chunk: &[PhoneNumber],
        resp: SmsResponse<'_>,
        http_status: u16,
    ) -> Vec<RecipientReport> {
        let items: Vec<SmsItem<'_>> = resp.list.unwrap_or_default();
        let matched = match_items(&items, chunk, message.client_ref().as_str());
        let scheduled = message.send_at().is_some_and(|at| at > self.config.clock.now());
        let parts = resp.parts;
        let mut out = Vec::with_capacity(chunk.len());
        match matched {
            Matched::InOrder => {
                for (n, item) in chunk.iter().zip(items) {
                    out.push(self.item_report(n, item, parts, scheduled, http_status));
                }
            }
            Matched::Found(matched) => {
                let invalid = resp.invalid_numbers.unwrap_or_default();
                let mut items: Vec<Option<SmsItem<'_>>> = items.into_iter().map(Some).collect();
                for (n, j) in chunk.iter().zip(matched) {
                    match j.and_then(|j| items[j].take()) {
                        Some(item) => out.push(self.item_report(n, item, parts, scheduled, http_status)),
                        None => out.push(RecipientReport::new(
                            n.clone(),
                            SendState::Rejected(missing_error(n, &invalid, http_status)),
                        )),
                    }
                }
            }
        }
        out
    }

    /// The report of recipient `n` from its `list` entry.
    pub(crate) fn item_report(
        &self,
        n: &PhoneNumber,
        item: SmsItem<'_>,
        resp_parts: Option<u32>,
        scheduled: bool,
        http_status: u16,
    ) -> RecipientReport {
        let item_error = item.error.as_ref().and_then(wire::ErrorField::value);
        let has_id = item.id.as_ref().is_some_and(|s| has_content(s.as_str()));
        let state = match (&item_error, has_id) {
            (Some(ErrorValue::Code(DUPLICATE_IDX)), _) => SendState::AlreadyAccepted,
            (Some(ErrorValue::Code(code)), _) => {
                SendState::Rejected(api_error(*code, None, Some(http_status)))
            }
            (Some(ErrorValue::Word(w)), _) => SendState::Rejected(
                Error::new(ErrorKind::Other, Certainty::MaybeSent, format!("SMSAPI error {}", self.scrub(w)))
                    .with_gateway(GATEWAY_ID),
            ),
            (None, false) => SendState::Rejected(
                Error::new(
                    ErrorKind::Decode,
                    Certainty::MaybeSent,
                    "SMSAPI listed the recipient without a message id",
                )
                .with_gateway(GATEWAY_ID)
                .with_http_status(http_status),
            ),
            (None, true) if scheduled => SendState::Scheduled,
            (None, true)
                if item.status.as_ref().is_some_and(|s| s.as_str().eq_ignore_ascii_case("QUEUE")) =>
            {
                SendState::Queued
            }
            (None, true) => SendState::Accepted,
        };
        // Fields set in place (the `with_*` builders move the whole report at each step).
        let mut r = RecipientReport::new(n.clone(), state);
        if has_id && let Some(id) = item.id {
            r.message_id = Some(id.into_string());
        }
        r.parts = item.parts.or(resp_parts);
        r.price = item.points.as_ref().and_then(wire::Points::value).map(|v| Price::new(v, "points"));
        r
    }
}

/// Whether `s` has a character other than whitespace (`!s.trim().is_empty()`), answered from the
/// first byte when it is ASCII, as ids are.
fn has_content(s: &str) -> bool {
    match s.as_bytes().first() {
        None => false,
        Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0B => true,
        Some(_) => !s.trim().is_empty(),
    }
}

/// How `list` entries map to a chunk's recipients.
#[derive(Debug, PartialEq, Eq)]
enum Matched {
    /// Entry `i` belongs to recipient `i`.
    InOrder,
    /// For each recipient, the index of its entry, if any.
    Found(Vec<Option<usize>>),
}

/// Whether `idx` is the per-recipient key of `n` (`ClientRef::for_recipient`: the client reference
/// followed by the digits), compared without building the key.
fn is_recipient_key(client_ref: &str, n: &PhoneNumber, idx: &str) -> bool {
    let (idx, digits) = (idx.as_bytes(), n.digits().as_bytes());
    idx.len() == client_ref.len() + digits.len()
        && idx[..client_ref.len()] == *client_ref.as_bytes()
        && idx[client_ref.len()..] == *digits
}

/// Matches `list` entries to the chunk's recipients: each recipient, in order, takes the first
/// entry not taken yet whose echoed `idx` is its key, else whose `number` is its number, else whose
/// `submitted_number` is; by position only when nothing matched and the counts agree.
///
/// SMSAPI answers in request order, so the common answers are recognised first, in one pass each,
/// without changing the result: when entry `i` carries recipient `i`'s key for every `i`, or no
/// entry carries an `idx` and entry `i` has recipient `i`'s number for every `i`, the rule above
/// also gives entry `i` to recipient `i` (the entries before `i` are taken by then).
fn match_items(items: &[SmsItem<'_>], chunk: &[PhoneNumber], client_ref: &str) -> Matched {
    if items.len() == chunk.len() {
        let pairs = || items.iter().zip(chunk);
        if pairs().all(|(it, n)| text(&it.idx).is_some_and(|k| is_recipient_key(client_ref, n, k))) {
            return Matched::InOrder;
        }
        // An empty `idx` is nobody's key (keys are never empty).
        if items.iter().all(|it| text(&it.idx).is_none_or(str::is_empty))
            && pairs().all(|(it, n)| text(&it.number) == Some(n.digits()))
        {
            return Matched::InOrder;
        }
    }
    let mut used = vec![false; items.len()];
    let mut matched: Vec<Option<usize>> = vec![None; chunk.len()];
    for (i, n) in chunk.iter().enumerate() {
        let find = |pred: &dyn Fn(&SmsItem<'_>) -> bool, used: &[bool]| {
            items.iter().enumerate().position(|(j, it)| !used[j] && pred(it))
        };
        let digits = Some(n.digits());
        let hit = find(&|it| text(&it.idx).is_some_and(|k| is_recipient_key(client_ref, n, k)), &used)
            .or_else(|| find(&|it| text(&it.number) == digits, &used))
            .or_else(|| find(&|it| text(&it.submitted_number) == digits, &used));
        if let Some(j) = hit {
            used[j] = true;
            matched[i] = Some(j);
        }
    }
    if matched.iter().all(Option::is_none) && items.len() == chunk.len() {
        return Matched::InOrder;
    }
    Matched::Found(matched)
}

pub(crate) fn describe_invalid(n: &wire::InvalidNumber<'_>) -> String {
    let raw = n.number.as_ref().or(n.submitted_number.as_ref()).map(Text::as_str);
    let shown = raw
        .map(|r| PhoneNumber::parse(r).map(|p| p.masked()).unwrap_or_else(|_| r.to_owned()))
        .unwrap_or_else(|| "?".into());
    match n.message.as_ref().map(Str::as_str) {
        Some(m) => format!("{shown} ({m})"),
        None => shown,
    }
}

fn missing_error(n: &PhoneNumber, invalid: &[wire::InvalidNumber<'_>], http_status: u16) -> Error {
    let hit = invalid
        .iter()
        .find(|inv| [&inv.number, &inv.submitted_number].iter().any(|t| text(t) == Some(n.digits())));
    match hit {
        Some(inv) => Error::new(
            ErrorKind::InvalidRecipient,
            Certainty::NotSent,
            format!("SMSAPI refused the number: {}", describe_invalid(inv)),
        ),
        None => Error::new(
            ErrorKind::Other,
            Certainty::MaybeSent,
            format!("SMSAPI's answer does not list recipient {}", n.masked()),
        ),
    }
    .with_gateway(GATEWAY_ID)
    .with_http_status(http_status)
}

pub(crate) fn duplicate_note(n: &PhoneNumber) -> String {
    format!(
        "{}: SMSAPI had already accepted this message (error 53, duplicate idx): sent once, reported as \
         already accepted; its id arrives with the delivery report",
        n.masked()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SmsapiConfig;
    use proptest::prelude::*;

    fn field(form: &[(&'static str, String)], key: &str) -> Option<String> {
        form.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }

    proptest! {
        // Each case builds an HTTP client (rustls): keep the case count modest.
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the recipient count and batch size: every recipient is in exactly one request,
        /// in order, no request is larger than the batch size, and each carries one idx per
        /// recipient (the per-recipient client key, same order) and check_idx=1.
        #[test]
        fn every_request_carries_one_idx_per_recipient(n in 1usize..40, batch in 1usize..12) {
            let gw = SmsapiGateway::new(SmsapiConfig::builder("t").batch_size(batch).build().unwrap()).unwrap();
            let numbers: Vec<String> = (0..n).map(|i| format!("48600{i:06}")).collect();
            let m = Message::builder().to(numbers.join(",")).text("x").build().unwrap();
            let mut seen = Vec::new();
            for chunk in m.recipients().chunks(gw.config.batch_size) {
                let form = gw.send_form(&m, chunk).unwrap();
                let to: Vec<String> = field(&form, "to").unwrap().split(',').map(str::to_owned).collect();
                let idx: Vec<String> = field(&form, "idx").unwrap().split('|').map(str::to_owned).collect();
                prop_assert!(!to.is_empty() && to.len() <= batch);
                prop_assert_eq!(to.len(), idx.len());
                for (t, i) in to.iter().zip(&idx) {
                    prop_assert_eq!(i, &format!("{}{t}", m.client_ref()));
                    prop_assert!(i.chars().all(|c| c.is_ascii_alphanumeric()) && i.len() <= 255);
                }
                prop_assert_eq!(field(&form, "check_idx"), Some("1".to_owned()));
                seen.extend(to);
            }
            prop_assert_eq!(seen, numbers);
        }
    }
}

/// The fast paths of the send path give what the straightforward code they replaced gave.
#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use crate::hand_tuned::form_body;
    use proptest::prelude::*;

    /// The matching rule as first written: each recipient takes the first free entry by `idx`
    /// (built with `ClientRef::for_recipient`), then `number`, then `submitted_number`; by
    /// position when nothing matched and the counts agree.
    fn reference_matching(items: &[SmsItem<'_>], chunk: &[PhoneNumber], m: &Message) -> Vec<Option<usize>> {
        let keys: Vec<String> = chunk.iter().map(|n| m.client_ref().for_recipient(n)).collect();
        let mut used = vec![false; items.len()];
        let mut matched = vec![None; chunk.len()];
        for (i, n) in chunk.iter().enumerate() {
            let find = |pred: &dyn Fn(&SmsItem<'_>) -> bool, used: &[bool]| {
                items.iter().enumerate().position(|(j, it)| !used[j] && pred(it))
            };
            let hit = find(&|it| text(&it.idx) == Some(keys[i].as_str()), &used)
                .or_else(|| find(&|it| text(&it.number) == Some(n.digits()), &used))
                .or_else(|| find(&|it| text(&it.submitted_number) == Some(n.digits()), &used));
            if let Some(j) = hit {
                used[j] = true;
                matched[i] = Some(j);
            }
        }
        if matched.iter().all(Option::is_none) && items.len() == chunk.len() {
            matched = (0..chunk.len()).map(Some).collect();
        }
        matched
    }

    fn t(s: String) -> Option<Text<'static>> {
        Some(Text::owned(s))
    }

    /// An answer entry for recipient `n` of `numbers` (or an unknown number), with or without
    /// its key (or another recipient's key, or an empty one), its number and its submitted number.
    fn entry(m: &Message, numbers: &[PhoneNumber], pick: (usize, u8)) -> SmsItem<'static> {
        let (n, shape) = pick;
        let key =
            |i: usize| numbers.get(i).map_or_else(|| "other".to_owned(), |p| m.client_ref().for_recipient(p));
        let digits = numbers.get(n).map_or_else(|| "48999000111".to_owned(), |p| p.digits().to_owned());
        SmsItem {
            id: t(format!("id{n}")),
            idx: match shape % 4 {
                0 => t(key(n)),
                1 => t(String::new()),
                2 => t(key(n.wrapping_sub(1))),
                _ => None,
            },
            number: if shape & 4 == 0 { t(digits.clone()) } else { None },
            submitted_number: if shape & 8 == 0 { t(digits) } else { None },
            ..SmsItem::default()
        }
    }

    fn resolved(m: Matched, len: usize) -> Vec<Option<usize>> {
        match m {
            Matched::InOrder => (0..len).map(Some).collect(),
            Matched::Found(v) => v,
        }
    }

    proptest! {
        /// Entries in request order (all of one shape or mixed), shuffled, missing, repeated or
        /// unknown: the matching is the one first written.
        #[test]
        fn matching_is_the_reference_rule(
            n in 1usize..12,
            order in 0u8..3,
            shape in 0u8..16,
            picks in proptest::collection::vec((0usize..14, 0u8..16), 0..14),
        ) {
            let numbers: Vec<String> = (0..n).map(|i| format!("48600{i:06}")).collect();
            let m = Message::builder().to(numbers.join(",")).text("x").build().unwrap();
            let chunk = m.recipients();
            let items: Vec<SmsItem<'static>> = if order == 0 {
                (0..n).map(|i| entry(&m, chunk, (i, shape))).collect()
            } else if order == 1 {
                (0..n).map(|i| entry(&m, chunk, (i, picks.get(i).map_or(shape, |p| p.1)))).collect()
            } else {
                picks.iter().map(|&p| entry(&m, chunk, p)).collect()
            };
            let got = resolved(match_items(&items, chunk, m.client_ref().as_str()), n);
            prop_assert_eq!(got, reference_matching(&items, chunk, &m));
        }

        /// The body is byte for byte what `form_urlencoded` (reqwest's `.form()`) writes.
        #[test]
        fn form_body_is_form_urlencoded(
            pairs in proptest::collection::vec((0usize..4, "\\PC{0,40}"), 0..6),
        ) {
            const KEYS: [&str; 4] = ["to", "message", "idx", "notify_url"];
            let form: Vec<(&str, String)> = pairs.into_iter().map(|(k, v)| (KEYS[k], v)).collect();
            let mut expected = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &form {
                expected.append_pair(k, v);
            }
            prop_assert_eq!(String::from_utf8(form_body(&form)).unwrap(), expected.finish());
        }

        /// `has_content` is `!s.trim().is_empty()`.
        #[test]
        fn has_content_is_non_blank(s in "[ \t\n\u{b}\u{c}\r\u{85}\u{a0}\u{3000}a1_]{0,6}") {
            prop_assert_eq!(has_content(&s), !s.trim().is_empty());
        }
    }

    /// Entries in order by number, but the second echoes the first recipient's key: the key wins,
    /// so the entries are not taken by position.
    #[test]
    fn an_echoed_key_beats_the_order() {
        let m = Message::builder().to("48600000001,48600000002").text("x").build().unwrap();
        let chunk = m.recipients();
        let first_key = m.client_ref().for_recipient(&chunk[0]);
        let items = vec![
            SmsItem { number: t("48600000001".into()), ..SmsItem::default() },
            SmsItem { number: t("48600000002".into()), idx: t(first_key), ..SmsItem::default() },
        ];
        let got = match_items(&items, chunk, m.client_ref().as_str());
        assert_eq!(got, Matched::Found(vec![Some(1), None]));
        assert_eq!(resolved(got, 2), reference_matching(&items, chunk, &m));
    }

    #[test]
    fn form_body_escapes_separators_and_text() {
        let form =
            vec![("to", "48600100200,48600100201".to_owned()), ("message", "Zażółć 50% & co".to_owned())];
        assert_eq!(
            String::from_utf8(form_body(&form)).unwrap(),
            "to=48600100200%2C48600100201&message=Za%C5%BC%C3%B3%C5%82%C4%87+50%25+%26+co"
        );
    }
}
