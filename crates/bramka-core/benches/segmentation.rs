//! Segmentation throughput: messages analysed per second on a deterministic corpus of short
//! (~120 units) and long (~230 units) messages, half GSM-7 and half UCS-2.
//!
//! Each benchmark measures what a sender needs: `analyze` (encoding detection, NFC check,
//! counting, part boundaries) then `segments()` and `units()`. `mixed_parts` also materialises
//! the part texts (`parts()`), which `analyze` computes only on demand.
//!
//! Run with `cargo bench -p bramka-core --bench segmentation`; divan prints items/s per benchmark.

use bramka_core::encoding::{self, Policy, Transliteration};
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

const GSM_WORDS: &[&str] = &[
    "Hello", "your", "order", "#4711", "is", "ready", "for", "pickup", "at", "the", "store", "today",
    "until", "8pm.", "Reply", "STOP", "to", "opt", "out.", "Code:", "123456", "Thanks!", "Total", "EUR",
    "19.99", "(incl.", "VAT)", "€", "[info]", "Café", "Müller", "straße", "é", "@home",
];
const UCS2_WORDS: &[&str] = &[
    "Zażółć",
    "gęślą",
    "jaźń",
    "Twoje",
    "zamówienie",
    "jest",
    "gotowe",
    "do",
    "odbioru",
    "Dziękujemy!",
    "Привет,",
    "ваш",
    "код:",
    "4711",
    "😀",
    "🎉",
    "👍🏽",
    "🇵🇱",
    "“quoted”",
    "—",
    "Ελληνικά",
    "北京",
    "ok",
];

/// A deterministic corpus: `n` messages per kind, words from the pools until the target length.
fn corpus() -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(0x5EED);
    let mut out = Vec::new();
    for (words, target) in [(GSM_WORDS, 120), (GSM_WORDS, 230), (UCS2_WORDS, 120), (UCS2_WORDS, 230)] {
        for _ in 0..64 {
            let mut s = String::new();
            loop {
                let w = words[rng.usize(..words.len())];
                if s.encode_utf16().count() + w.encode_utf16().count() + 1 > target {
                    break;
                }
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(w);
            }
            out.push(s);
        }
    }
    out
}

fn run(bencher: Bencher, messages: Vec<String>, policy: Policy) {
    bencher.counter(ItemsCount::new(messages.len())).bench(|| {
        let mut total = 0;
        for m in &messages {
            let a = encoding::analyze(divan::black_box(m), &policy);
            total += a.segments() + a.units();
        }
        total
    });
}

fn select(kind: usize) -> Vec<String> {
    corpus().into_iter().enumerate().filter(|(i, _)| i / 64 == kind).map(|(_, m)| m).collect()
}

/// The whole mixed corpus (256 messages), default policy.
#[divan::bench]
fn mixed(bencher: Bencher) {
    run(bencher, corpus(), Policy::default());
}

/// The whole mixed corpus with every part's text materialised (`parts()`).
#[divan::bench]
fn mixed_parts(bencher: Bencher) {
    let messages = corpus();
    let policy = Policy::default();
    bencher.counter(ItemsCount::new(messages.len())).bench(|| {
        let mut total = 0;
        for m in &messages {
            let a = encoding::analyze(divan::black_box(m), &policy);
            total += a.segments() + a.units() + a.parts().iter().map(|p| p.text.len()).sum::<usize>();
        }
        total
    });
}

/// Short GSM-7 messages (~120 septets).
#[divan::bench]
fn gsm7_short(bencher: Bencher) {
    run(bencher, select(0), Policy::default());
}

/// Long GSM-7 messages (~230 septets, 2 parts).
#[divan::bench]
fn gsm7_long(bencher: Bencher) {
    run(bencher, select(1), Policy::default());
}

/// Short UCS-2 messages (~120 units, 2 parts).
#[divan::bench]
fn ucs2_short(bencher: Bencher) {
    run(bencher, select(2), Policy::default());
}

/// Long UCS-2 messages (~230 units, 4 parts), grapheme-aware splitting.
#[divan::bench]
fn ucs2_long(bencher: Bencher) {
    run(bencher, select(3), Policy::default());
}

/// The mixed corpus with GSM-7-safe transliteration.
#[divan::bench]
fn mixed_transliterated(bencher: Bencher) {
    run(bencher, corpus(), Policy::default().with_transliteration(Transliteration::Gsm7Safe));
}

/// The mixed corpus through `sms_splitter` (a port of split-sms), for scale.
#[divan::bench]
fn mixed_sms_splitter(bencher: Bencher) {
    let messages = corpus();
    bencher.counter(ItemsCount::new(messages.len())).bench(|| {
        let mut parts = 0;
        for m in &messages {
            parts += sms_splitter::SplitSms::default().split(divan::black_box(m).clone()).parts.len();
        }
        parts
    });
}
