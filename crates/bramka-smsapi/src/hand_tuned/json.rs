//! A strict reader for the usual shape of `sms.do` answers, tried before serde_json.
//!
//! It reads an object of the known [`SmsResponse`] keys (`count`, `list`, `message`, `parts`,
//! `error`) whose `list` entries are objects of the known [`SmsItem`] keys, strings without escapes
//! or control characters (borrowed from the answer), numbers (each read by serde_json itself, so
//! every value is the one serde gives) and `null`. On anything else (another key, a repeated key,
//! an escape, `invalid_numbers`, a syntax error) it gives up and the caller decodes with serde_json:
//! what it returns is always what serde_json would have returned, only without serde's per-value
//! machinery, which dominated the cost of a send answer.

use serde::Deserialize;

use crate::wire::{ErrorField, Points, SmsItem, SmsResponse, Str, Text};

/// The answer, when it has the usual shape; `None` means "decode it with serde_json".
/// `list_hint` is the number of entries expected (the recipients of the request).
pub(crate) fn sms_response(text: &str, list_hint: usize) -> Option<SmsResponse<'_>> {
    let mut r = Reader { text, s: text.as_bytes(), i: 0 };
    let out = r.response(list_hint)?;
    r.ws();
    (r.i == r.s.len()).then_some(out)
}

/// The length of a string's content up to its closing quote (`s` starts after the opening
/// one); `None` at an escape, a control character or the end. Eight bytes a step (the test
/// serde_json uses: the lowest flagged byte is always a real hit).
fn string_len(s: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        let ctrl = w.wrapping_sub(ONES * 0x20) & !w;
        let q = w ^ (ONES * u64::from(b'"'));
        let quote = q.wrapping_sub(ONES) & !q;
        let b = w ^ (ONES * u64::from(b'\\'));
        let backslash = b.wrapping_sub(ONES) & !b;
        let hits = (ctrl | quote | backslash) & (ONES << 7);
        if hits != 0 {
            i += hits.trailing_zeros() as usize / 8;
            return (s[i] == b'"').then_some(i);
        }
        i += 8;
    }
    let len = i + s[i..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (s[len] == b'"').then_some(len)
}

struct Reader<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.i += 1)
    }

    /// A string without escapes or control characters, borrowed.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let end = start + string_len(&self.s[start..])?;
        self.i = end + 1;
        self.text.get(start..end)
    }

    /// A number token.
    fn number_token(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.i;
        let rest = &self.s[start..];
        let len = rest
            .iter()
            .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .unwrap_or(rest.len());
        self.i = start + len;
        self.text.get(start..start + len).filter(|t| !t.is_empty())
    }

    /// A number, read by serde_json as `T`.
    fn number<T: Deserialize<'a>>(&mut self) -> Option<T> {
        serde_json::from_str(self.number_token()?).ok()
    }

    /// An integer: plain digits without a leading zero are read here (the value serde_json
    /// gives); any other token by serde_json.
    fn integer<T: TryFrom<u64> + Deserialize<'a>>(&mut self) -> Option<T> {
        let token = self.number_token()?;
        let b = token.as_bytes();
        if b.len() <= 19 && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1) {
            let v = b.iter().fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
            if let Ok(v) = T::try_from(v) {
                return Some(v);
            }
        }
        serde_json::from_str(token).ok()
    }

    /// `null` as `None`, else `value`.
    fn optional<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            return self.s[self.i..].starts_with(b"null").then(|| {
                self.i += 4;
                None
            });
        }
        value(self).map(Some)
    }

    /// A numeric `points` value. Plain decimals of at most 15 digits (`0.16`) are computed here as
    /// `digits / 10^fraction_digits`: both operands are exact doubles, so the one IEEE division
    /// is the correctly rounded value, which is also what serde_json gives for them (with or
    /// without its `float_roundtrip` feature). Any other token is read by serde_json.
    fn points_number(&mut self) -> Option<Points> {
        const POW10: [f64; 16] =
            [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
        let token = self.number_token()?;
        let (int, frac) = token.split_once('.').unwrap_or((token, ""));
        let plain = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        let canonical_int = !int.is_empty() && (int == "0" || !int.starts_with('0'));
        let digits = int.len() + frac.len();
        if canonical_int && plain(int) && plain(frac) && digits <= 15 && !token.ends_with('.') {
            let n = int.bytes().chain(frac.bytes()).fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
            return Some(Points::Num(n as f64 / POW10[frac.len()]));
        }
        serde_json::from_str(token).ok()
    }

    /// A string or a number ([`Text`]).
    fn text_value(&mut self) -> Option<Text<'a>> {
        if self.peek()? == b'"' { self.string().map(Text::borrowed) } else { self.number() }
    }

    /// A key of `keys` (each with its closing quote): its bit, `1 << index`. The key is compared
    /// in place, so no scan for its end is needed; another key is `None`.
    #[inline(always)]
    fn key<const N: usize>(&mut self, keys: &[&[u8]; N]) -> Option<u16> {
        self.eat(b'"')?;
        let rest = &self.s[self.i..];
        let first = *rest.first()?;
        for (n, k) in keys.iter().enumerate() {
            if k[0] == first && rest.get(..k.len()) == Some(k) {
                self.i += k.len();
                return Some(1 << n);
            }
        }
        None
    }

    /// The members of an object whose keys are among `keys`: `member` reads each value (after its
    /// key and colon), given the key's bit; a repeated key is `None`.
    fn object<const N: usize>(
        &mut self,
        keys: &[&[u8]; N],
        mut member: impl FnMut(&mut Self, u16) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        let mut seen = 0u16;
        loop {
            let bit = self.key(keys)?;
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            self.eat(b':')?;
            member(self, bit)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn response(&mut self, list_hint: usize) -> Option<SmsResponse<'a>> {
        let mut r = SmsResponse::default();
        const KEYS: &[&[u8]; 5] = &[b"count\"", b"list\"", b"message\"", b"parts\"", b"error\""];
        self.object(KEYS, |p, bit| {
            match bit {
                1 => r.count = p.optional(Self::integer)?,
                2 => r.list = p.optional(|p| p.list(list_hint))?,
                4 => r.message = p.optional(|p| p.string().map(Str::borrowed))?,
                8 => r.parts = p.optional(Self::integer)?,
                _ => r.error = p.optional(Self::error_field)?,
            }
            Some(())
        })?;
        Some(r)
    }

    fn error_field(&mut self) -> Option<ErrorField> {
        if self.peek()? == b'"' {
            self.string().map(|s| ErrorField::Str(s.to_owned()))
        } else {
            self.number()
        }
    }

    fn list(&mut self, hint: usize) -> Option<Vec<SmsItem<'a>>> {
        self.eat(b'[')?;
        let mut v = Vec::with_capacity(hint);
        if self.peek()? == b']' {
            self.i += 1;
            return Some(v);
        }
        loop {
            v.push(self.item()?);
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(v);
                }
                _ => return None,
            }
        }
    }

    fn item(&mut self) -> Option<SmsItem<'a>> {
        let mut it = SmsItem::default();
        const KEYS: &[&[u8]; 9] = &[
            b"id\"",
            b"points\"",
            b"number\"",
            b"submitted_number\"",
            b"date_sent\"",
            b"status\"",
            b"error\"",
            b"idx\"",
            b"parts\"",
        ];
        self.object(KEYS, |p, bit| {
            match bit {
                1 => it.id = p.optional(Self::text_value)?,
                2 => {
                    it.points = p.optional(|p| {
                        if p.peek()? == b'"' {
                            p.string().map(|s| Points::Str(s.to_owned()))
                        } else {
                            p.points_number()
                        }
                    })?
                }
                4 => it.number = p.optional(Self::text_value)?,
                8 => it.submitted_number = p.optional(Self::text_value)?,
                16 => it.date_sent = p.optional(Self::integer)?,
                32 => it.status = p.optional(|p| p.string().map(Str::borrowed))?,
                64 => it.error = p.optional(Self::error_field)?,
                128 => it.idx = p.optional(Self::text_value)?,
                _ => it.parts = p.optional(Self::integer)?,
            }
            Some(())
        })?;
        Some(it)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALUES: &[&str] = &[
        "null",
        "0",
        "17",
        "-3",
        "1.5",
        "0.16",
        "1e3",
        "-0",
        "01",
        "1.",
        "18446744073709551616",
        "4294967296",
        "-9223372036854775809",
        r#""abc""#,
        r#""a\"b""#,
        r#""""#,
        r#""QUEUE""#,
        r#""zażółć""#,
        r#""\u0105""#,
        "\"a\tb\"",
        "true",
        "[]",
        "{}",
        "nul",
        r#""0.3000""#,
        r#""13""#,
        r#""0123456789abcdefghij""#,
        r#""0123456789\"abc""#,
        "\"01234567\u{1f}x\"",
        r#""ąęśćżźółńąęśćżź""#,
    ];
    const TOP: &[&str] = &["count", "list", "message", "parts", "error", "invalid_numbers", "other"];
    const ITEM: &[&str] =
        &["id", "points", "number", "submitted_number", "date_sent", "status", "error", "idx", "parts", "x"];
    const WS: &[&str] = &["", " ", "\n\t ", "\r\n"];

    fn object(keys: &[&str], members: &[(usize, usize, usize)], value: impl Fn(usize) -> String) -> String {
        let body: Vec<String> = members
            .iter()
            .map(|&(k, v, w)| {
                format!(
                    "{}\"{}\"{}:{}{}",
                    WS[w % 4],
                    keys[k % keys.len()],
                    WS[(w / 4) % 4],
                    WS[w % 3],
                    value(v)
                )
            })
            .collect();
        format!("{{{}}}", body.join(","))
    }

    fn serde_view(text: &str) -> Result<String, String> {
        serde_json::from_str::<SmsResponse>(text).map(|r| format!("{r:?}")).map_err(|e| e.to_string())
    }

    proptest! {
        /// The eight-bytes-a-step scan finds what a byte-by-byte one finds.
        #[test]
        fn string_len_is_the_first_quote(
            s in proptest::collection::vec(prop_oneof![
                8 => Just(b'a'), 1 => Just(b'"'), 1 => Just(b'\\'), 1 => Just(0x1f_u8), 1 => Just(0x20_u8),
                1 => Just(0x7f_u8), 1 => Just(0x80_u8), 1 => Just(0xff_u8), 1 => Just(0x21_u8), 1 => Just(0xdc_u8),
            ], 0..40),
        ) {
            let naive = s.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).filter(|&i| s[i] == b'"');
            prop_assert_eq!(string_len(&s), naive);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Decimal `points` are the double serde_json reads, bit for bit.
        #[test]
        fn points_are_serdes_double(token in "(0|[1-9][0-9]{0,9}|0[0-9])(\\.[0-9]{0,12})?") {
            let mut r = Reader { text: &token, s: token.as_bytes(), i: 0 };
            let fast = r.points_number().map(|p| format!("{p:?}"));
            let serde = serde_json::from_str::<Points>(&token).ok().map(|p| format!("{p:?}"));
            prop_assert_eq!(fast, serde, "{}", token);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the answer: when the fast reader reads it, serde_json reads the same.
        #[test]
        fn fast_reader_agrees_with_serde(
            top in proptest::collection::vec((0usize..7, 0usize..44, 0usize..16), 0..6),
            items in proptest::collection::vec(proptest::collection::vec((0usize..10, 0usize..30, 0usize..16), 0..8), 0..4),
            tail in 0usize..4,
        ) {
            let item_json: Vec<String> =
                items.iter().map(|m| object(ITEM, m, |v| VALUES[v % VALUES.len()].to_owned())).collect();
            let list = format!("[{}]", item_json.join(","));
            let text = object(TOP, &top, |v| if v >= VALUES.len() { list.clone() } else { VALUES[v].to_owned() })
                + WS[tail];
            if let Some(fast) = sms_response(&text, 2) {
                prop_assert_eq!(Ok(format!("{fast:?}")), serde_view(&text), "{}", text);
            }
        }
    }

    /// Values the fast reader takes in some field.
    const USUAL: &[&str] = &[
        "null",
        "0",
        "17",
        "-3",
        "1.5",
        "0.16",
        "1e3",
        "-0",
        "18446744073709551616",
        r#""abc""#,
        r#""""#,
        r#""QUEUE""#,
        r#""zażółć""#,
        r#""0.3000""#,
        r#""13""#,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Answers of known keys and plain values (each in any field): the fast reader reads
        /// most of them, and then exactly as serde_json.
        #[test]
        fn fast_reader_agrees_with_serde_on_usual_shapes(
            top in proptest::collection::vec((0usize..5, 0usize..20, 0usize..16), 0..4),
            items in proptest::collection::vec(proptest::collection::vec((0usize..9, 0usize..15, 0usize..16), 0..4), 0..4),
        ) {
            let item_json: Vec<String> = items.iter().map(|m| object(ITEM, m, |v| USUAL[v].to_owned())).collect();
            let list = format!("[{}]", item_json.join(","));
            let text = object(TOP, &top, |v| if v >= USUAL.len() { list.clone() } else { USUAL[v].to_owned() });
            if let Some(fast) = sms_response(&text, 2) {
                prop_assert_eq!(Ok(format!("{fast:?}")), serde_view(&text), "{}", text);
            } else {
                // Given up only where serde_json fails too (wrong types, repeated keys).
                prop_assert!(serde_view(&text).is_err(), "{}", text);
            }
        }
    }

    #[test]
    fn reads_the_usual_answer() {
        let text = r#"{"count":2,"list":[{"id":"00A1","points":0.16,"number":"48500000000","date_sent":1763800000,"submitted_number":"48500000000","status":"QUEUE"},
            {"id": 17, "points": "0,16", "number": 48500000001, "idx": "k1", "error": null, "parts": 2}], "message": "Hi", "parts": 1}"#;
        let fast = sms_response(text, 2).expect("the usual shape");
        assert_eq!(Ok(format!("{fast:?}")), serde_view(text));
        let list = fast.list.unwrap();
        assert_eq!(list[1].id.as_ref().map(Text::as_str), Some("17"));
        assert_eq!(list[0].points.as_ref().and_then(Points::value), Some(0.16));
    }

    #[test]
    fn leaves_the_unusual_to_serde() {
        for text in [
            r#"{"count":1,"list":[{"id":"a\u0041"}]}"#,
            r#"{"count":1,"count":2}"#,
            r#"{"error":13,"invalid_numbers":[{"number":"1"}]}"#,
            r#"{"list":[{"id":"a","extra":1}]}"#,
            r#"{"list":[]} x"#,
            r#"{"list":[],}"#,
            "[]",
        ] {
            assert!(sms_response(text, 1).is_none(), "{text}");
        }
    }
}
