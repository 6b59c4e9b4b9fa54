//! Opt-out and opt-in keywords in received messages, matched like bramka-inbound's routing
//! ([`bramka_inbound::fold`]: case, Polish letters and separators forgiven), but only when the
//! message is the keyword alone, so `STOP` opts out while `vote stop` or a poll answer does not.

use bramka_inbound::fold::tokens;

/// What a received message asks for.
///
/// ```
/// use bramka_ledger::{KeywordAction, Keywords};
///
/// match Keywords::default().classify("STOP") {
///     KeywordAction::Stop => println!("suppress the sender"),
///     KeywordAction::Start => println!("lift the suppression"),
///     _ => {}
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeywordAction {
    /// An opt-out keyword: suppress the sender.
    Stop,
    /// An opt-in keyword: lift the sender's suppression.
    Start,
    /// Neither.
    None,
}

/// The opt-out and opt-in keyword lists.
///
/// ```
/// use bramka_ledger::{KeywordAction, Keywords};
/// let k = Keywords::default();
/// assert_eq!(k.classify("stop"), KeywordAction::Stop);
/// assert_eq!(k.classify(" Rezygnuję! "), KeywordAction::None); // `!` is not a separator
/// assert_eq!(k.classify("REZYGNUJE."), KeywordAction::Stop);
/// assert_eq!(k.classify("stop-all"), KeywordAction::Stop);
/// assert_eq!(k.classify("please stop"), KeywordAction::None);
/// assert_eq!(k.classify("START"), KeywordAction::Start);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keywords {
    stop: Vec<Vec<String>>,
    start: Vec<Vec<String>>,
}

impl Default for Keywords {
    /// Opt-out: `STOP`, `STOP ALL`, `UNSUBSCRIBE`, `REZYGNUJĘ`, `WYPISZ`; opt-in: `START`, `UNSTOP`.
    fn default() -> Self {
        Keywords::new(["STOP", "STOP ALL", "UNSUBSCRIBE", "REZYGNUJĘ", "WYPISZ"], ["START", "UNSTOP"])
    }
}

impl Keywords {
    /// Custom lists (each keyword may be several words).
    pub fn new<'a>(
        stop: impl IntoIterator<Item = &'a str>,
        start: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let fold = |v: &str| tokens(v);
        Keywords {
            stop: stop.into_iter().map(fold).filter(|t| !t.is_empty()).collect(),
            start: start.into_iter().map(fold).filter(|t| !t.is_empty()).collect(),
        }
    }

    /// What `text` asks for: the whole message, folded, must equal one keyword.
    pub fn classify(&self, text: &str) -> KeywordAction {
        let t = tokens(text);
        if self.stop.contains(&t) {
            KeywordAction::Stop
        } else if self.start.contains(&t) {
            KeywordAction::Start
        } else {
            KeywordAction::None
        }
    }
}
