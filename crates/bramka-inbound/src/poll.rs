//! Polls: window, answer options with aliases and replies, limits, groups, discount codes.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::ConfigError;
use crate::fold::tokens;

/// One answer option: a code (`A`, `5`), aliases (`tak`, `yes`) and its own reply.
///
/// ```
/// use bramka_inbound::{Poll, PollOption};
///
/// let poll = Poll::builder("rating", "Rating", "+48790100200")
///     .option(PollOption::new("5").alias("pięć").alias("five").reply("Thank you!"))
///     .build()
///     .unwrap();
/// assert_eq!(poll.options()[0].code(), "5");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollOption {
    pub(crate) code: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) reply: Option<String>,
}

impl PollOption {
    /// An option with its code (shown in statistics).
    pub fn new(code: impl Into<String>) -> Self {
        PollOption { code: code.into(), aliases: Vec::new(), reply: None }
    }
    /// Another word (or phrase) that selects this option.
    #[must_use]
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }
    /// The reply to a vote for this option (instead of the poll's default reply).
    #[must_use]
    pub fn reply(mut self, text: impl Into<String>) -> Self {
        self.reply = Some(text.into());
        self
    }
    /// The code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

/// How the per-number limit divides time.
///
/// ```
/// use bramka_inbound::{Limit, LimitPeriod};
///
/// // Two answers per number in every 12-hour period from the poll's start.
/// let limit = Limit { max: 2, period: LimitPeriod::Every(chrono::Duration::hours(12)) };
/// assert_eq!(Limit::per_day(1).period, LimitPeriod::Day);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitPeriod {
    /// The whole poll: N answers per number, ever.
    WholePoll,
    /// Calendar days in the poll's time zone (23- and 25-hour days on DST changes).
    Day,
    /// Consecutive fixed periods of this length counted from the poll's start.
    Every(Duration),
}

/// N accepted answers per phone number within a period; `max = 0` means unlimited.
///
/// ```
/// use bramka_inbound::{Limit, Poll, PollOption};
///
/// let poll = Poll::builder("vote", "Vote", "+48790100200")
///     .option(PollOption::new("A"))
///     .limit(Limit::per_day(3))
///     .build()
///     .unwrap();
/// assert_eq!(poll.limit().max, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Accepted answers per number and period (0 = unlimited).
    pub max: u32,
    /// The period.
    pub period: LimitPeriod,
}

impl Limit {
    /// No limit.
    pub const UNLIMITED: Limit = Limit { max: 0, period: LimitPeriod::WholePoll };
    /// `max` answers per number over the whole poll.
    pub fn per_poll(max: u32) -> Self {
        Limit { max, period: LimitPeriod::WholePoll }
    }
    /// `max` answers per number per local calendar day.
    pub fn per_day(max: u32) -> Self {
        Limit { max, period: LimitPeriod::Day }
    }
}

/// The replies a poll sends. `{option}` and `{code}` are replaced in every reply; when a
/// discount code was issued and the reply has no `{code}`, the code is appended after a space.
///
/// ```
/// use bramka_inbound::{Poll, PollOption, PollReplies};
///
/// let mut replies = PollReplies::default();
/// replies.default = Some("You chose {option}".into());
/// replies.unknown_answer = Some("Answer A or B".into());
/// let poll = Poll::builder("ab", "A or B", "+48790100200")
///     .option(PollOption::new("A"))
///     .option(PollOption::new("B"))
///     .replies(replies)
///     .build()
///     .unwrap();
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollReplies {
    /// The reply to an accepted answer whose option has no reply of its own.
    pub default: Option<String>,
    /// The reply to an answer outside the window.
    pub outside_window: Option<String>,
    /// The reply to an answer over the per-number limit.
    pub over_limit: Option<String>,
    /// The reply to an answer that matches no option.
    pub unknown_answer: Option<String>,
    /// The reply to an accepted answer when the code pool is empty (else the normal reply).
    pub pool_exhausted: Option<String>,
    /// The reply to a sender outside the allowed groups.
    pub not_allowed: Option<String>,
}

/// A poll. Build it with [`Poll::builder`].
///
/// ```
/// use bramka_inbound::{Poll, PollOption};
///
/// let poll = Poll::builder("rating", "Shop rating", "+48 790 100 200")
///     .prefix("VOTE")
///     .option(PollOption::new("1"))
///     .option(PollOption::new("5"))
///     .build()
///     .unwrap();
/// assert_eq!(poll.number(), "+48790100200");
/// assert!(poll.is_open(chrono::Utc::now()));
/// ```
#[derive(Debug, Clone)]
pub struct Poll {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) number: String,
    pub(crate) prefix: Option<String>,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) ends_at: DateTime<Utc>,
    pub(crate) time_zone: Tz,
    pub(crate) options: Vec<PollOption>,
    pub(crate) replies: PollReplies,
    pub(crate) reply_sender: Option<String>,
    pub(crate) limit: Limit,
    pub(crate) groups: Vec<String>,
    pub(crate) discount_codes: bool,
    /// The named code group the codes come from (`None`: the poll's own pool).
    pub(crate) code_group: Option<String>,
    /// Folded answer phrase -> option index.
    pub(crate) lookup: BTreeMap<String, usize>,
}

/// Builds a [`Poll`]; [`build`](PollBuilder::build) validates everything.
///
/// ```
/// use bramka_inbound::{ConfigError, Poll, PollOption};
///
/// let poll = Poll::builder("spring", "Spring vote", "+48790100200")
///     .local_window("2026-04-01T08:00:00".parse().unwrap(), "2026-04-08T20:00:00".parse().unwrap())
///     .time_zone(chrono_tz::Europe::Warsaw)
///     .option(PollOption::new("A").reply("Thanks for A"))
///     .over_limit_reply("You have voted already")
///     .build()
///     .unwrap();
/// // A poll needs options.
/// let e = Poll::builder("empty", "Empty", "+48790100200").build().unwrap_err();
/// assert!(matches!(e, ConfigError::NoOptions { .. }), "{e}");
/// ```
#[derive(Debug, Clone)]
pub struct PollBuilder {
    poll: Poll,
    local_window: Option<(NaiveDateTime, NaiveDateTime)>,
}

impl Poll {
    /// A poll `id` named `name` on receiving number `number`. Without a window it is open from
    /// the Unix epoch to the end of time; without options it does not build.
    pub fn builder(id: impl Into<String>, name: impl Into<String>, number: &str) -> PollBuilder {
        PollBuilder {
            poll: Poll {
                id: id.into(),
                name: name.into(),
                number: bramka_core::webhook::normalize_address(number),
                prefix: None,
                starts_at: DateTime::<Utc>::MIN_UTC,
                ends_at: DateTime::<Utc>::MAX_UTC,
                time_zone: chrono_tz::Europe::Warsaw,
                options: Vec::new(),
                replies: PollReplies::default(),
                reply_sender: None,
                limit: Limit::UNLIMITED,
                groups: Vec::new(),
                discount_codes: false,
                code_group: None,
                lookup: BTreeMap::new(),
            },
            local_window: None,
        }
    }
    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The receiving number.
    pub fn number(&self) -> &str {
        &self.number
    }
    /// The prefix, if any.
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }
    /// Start (inclusive) and end (exclusive), in UTC.
    pub fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.starts_at, self.ends_at)
    }
    /// The options in order.
    pub fn options(&self) -> &[PollOption] {
        &self.options
    }
    /// The time zone for local windows, daily limits and reports.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }
    /// The limit.
    pub fn limit(&self) -> Limit {
        self.limit
    }
    /// Whether accepted answers get a discount code from the pool.
    pub fn uses_discount_codes(&self) -> bool {
        self.discount_codes
    }
    /// The pool its codes come from, as `Store::add_codes` takes it: the code group's name, or
    /// the poll id.
    pub fn code_pool(&self) -> &str {
        self.code_group.as_deref().unwrap_or(&self.id)
    }

    /// Whether `at` is inside the half-open window `[start, end)`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }

    /// The option an answer text selects: the whole answer as a phrase first, then its first word.
    pub fn match_answer(&self, answer_tokens: &[String]) -> Option<&PollOption> {
        if answer_tokens.is_empty() {
            return None;
        }
        let phrase = answer_tokens.join(" ");
        self.lookup.get(&phrase).or_else(|| self.lookup.get(&answer_tokens[0])).map(|i| &self.options[*i])
    }

    /// The limit bucket an answer received at `at` falls in (answers are counted per bucket).
    pub(crate) fn limit_bucket(&self, at: DateTime<Utc>) -> String {
        match self.limit.period {
            LimitPeriod::WholePoll => "all".to_owned(),
            LimitPeriod::Day => {
                let d = at.with_timezone(&self.time_zone).date_naive();
                format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
            }
            LimitPeriod::Every(len) => {
                let start = if self.starts_at == DateTime::<Utc>::MIN_UTC {
                    DateTime::<Utc>::UNIX_EPOCH
                } else {
                    self.starts_at
                };
                let secs = len.num_seconds().max(1);
                let n = (at - start).num_seconds().div_euclid(secs);
                format!("p{n}")
            }
        }
    }
}

fn to_utc(tz: Tz, t: NaiveDateTime, poll: &str) -> Result<DateTime<Utc>, ConfigError> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(d) => Ok(d.with_timezone(&Utc)),
        // The earlier of two instants on the autumn change: the window never starts late.
        LocalResult::Ambiguous(a, _) => Ok(a.with_timezone(&Utc)),
        LocalResult::None => Err(ConfigError::InvalidWindow {
            poll: poll.to_owned(),
            reason: format!("{t} does not exist in {tz} (skipped by a daylight-saving change)"),
        }),
    }
}

impl PollBuilder {
    /// The prefix (2 to 16 characters); needed on shared numbers and when several polls share
    /// a dedicated number.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.poll.prefix = Some(prefix.into());
        self
    }
    /// The window `[start, end)` as instants.
    #[must_use]
    pub fn window(mut self, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        self.poll.starts_at = start;
        self.poll.ends_at = end;
        self.local_window = None;
        self
    }
    /// The window `[start, end)` as wall-clock times in the poll's time zone (converted at
    /// build; a time skipped by a DST change is refused, an ambiguous one takes the earlier).
    #[must_use]
    pub fn local_window(mut self, start: NaiveDateTime, end: NaiveDateTime) -> Self {
        self.local_window = Some((start, end));
        self
    }
    /// The time zone (Europe/Warsaw by default).
    #[must_use]
    pub fn time_zone(mut self, tz: Tz) -> Self {
        self.poll.time_zone = tz;
        self
    }
    /// Adds an answer option.
    #[must_use]
    pub fn option(mut self, option: PollOption) -> Self {
        self.poll.options.push(option);
        self
    }
    /// All replies at once.
    #[must_use]
    pub fn replies(mut self, replies: PollReplies) -> Self {
        self.poll.replies = replies;
        self
    }
    /// The default reply to accepted answers.
    #[must_use]
    pub fn default_reply(mut self, text: impl Into<String>) -> Self {
        self.poll.replies.default = Some(text.into());
        self
    }
    /// The reply to answers outside the window.
    #[must_use]
    pub fn outside_window_reply(mut self, text: impl Into<String>) -> Self {
        self.poll.replies.outside_window = Some(text.into());
        self
    }
    /// The reply to answers over the limit.
    #[must_use]
    pub fn over_limit_reply(mut self, text: impl Into<String>) -> Self {
        self.poll.replies.over_limit = Some(text.into());
        self
    }
    /// The reply to unknown answers.
    #[must_use]
    pub fn unknown_answer_reply(mut self, text: impl Into<String>) -> Self {
        self.poll.replies.unknown_answer = Some(text.into());
        self
    }
    /// The reply when the discount-code pool is empty.
    #[must_use]
    pub fn pool_exhausted_reply(mut self, text: impl Into<String>) -> Self {
        self.poll.replies.pool_exhausted = Some(text.into());
        self
    }
    /// The reply to senders outside the allowed groups.
    #[must_use]
    pub fn not_allowed_reply(mut self, text: impl Into<String>) -> Self {
        self.poll.replies.not_allowed = Some(text.into());
        self
    }
    /// The sender name for replies (else the number's reply sender).
    #[must_use]
    pub fn reply_sender(mut self, sender: impl Into<String>) -> Self {
        self.poll.reply_sender = Some(sender.into());
        self
    }
    /// The per-number limit.
    #[must_use]
    pub fn limit(mut self, limit: Limit) -> Self {
        self.poll.limit = limit;
        self
    }
    /// Restricts voting to members of this group (several calls: any of the groups).
    #[must_use]
    pub fn group(mut self, name: impl Into<String>) -> Self {
        self.poll.groups.push(name.into());
        self
    }
    /// Hands one code from the poll's pool (filled with `Store::add_codes`) to each accepted answer.
    #[must_use]
    pub fn discount_codes(mut self, on: bool) -> Self {
        self.poll.discount_codes = on;
        self
    }
    /// Hands one code from the named code group `name` to each accepted answer (turns
    /// [`discount_codes`](Self::discount_codes) on). A group is filled once with
    /// `Store::add_codes(name, codes)` and shared by every poll that names it, in this poll and
    /// later ones: a code is never handed out twice across them. A group's name may not be a
    /// poll id ([`ConfigError::CodeGroupClash`]).
    #[must_use]
    pub fn code_group(mut self, name: impl Into<String>) -> Self {
        self.poll.code_group = Some(name.into());
        self.poll.discount_codes = true;
        self
    }

    /// Validates and builds.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::InvalidWindow`] when a local start or end time does not exist in the
    /// poll's time zone (a daylight-saving gap) or the window does not end after it starts,
    /// [`ConfigError::NoOptions`] when the poll has no options, [`ConfigError::InvalidLimit`] when the
    /// limit is invalid, and [`ConfigError::DuplicateAnswer`] when two options share an answer word.
    pub fn build(self) -> Result<Poll, ConfigError> {
        let mut poll = self.poll;
        let id = poll.id.clone();
        if let Some((s, e)) = self.local_window {
            poll.starts_at = to_utc(poll.time_zone, s, &id)?;
            poll.ends_at = to_utc(poll.time_zone, e, &id)?;
        }
        if poll.ends_at <= poll.starts_at {
            return Err(ConfigError::InvalidWindow {
                poll: id,
                reason: format!("end {} is not after start {}", poll.ends_at, poll.starts_at),
            });
        }
        if let Some(p) = &poll.prefix {
            crate::config::validate_prefix(p)?;
        }
        if poll.options.is_empty() {
            return Err(ConfigError::NoOptions { poll: id });
        }
        if let LimitPeriod::Every(d) = poll.limit.period
            && d <= Duration::zero()
        {
            return Err(ConfigError::InvalidLimit { poll: id });
        }
        let mut lookup = BTreeMap::new();
        for (i, o) in poll.options.iter().enumerate() {
            for word in std::iter::once(&o.code).chain(o.aliases.iter()) {
                let key = tokens(word).join(" ");
                if key.is_empty() || lookup.insert(key, i).is_some() {
                    return Err(ConfigError::DuplicateAnswer { poll: id, answer: word.clone() });
                }
            }
        }
        poll.lookup = lookup;
        Ok(poll)
    }
}
