//! Segmentation throughput and growth.
//!
//! - `category`: messages analysed per second on each category of the benchmark corpus
//!   (`tests/fixtures/corpus.jsonl`, a copy of `bench/corpus.jsonl`: common short Latin text,
//!   random mixed Unicode, national scripts, flags and ZWJ emoji, smart punctuation, texts on the
//!   part boundaries, 7-part texts, CR LF). Each measures what a sender needs: `analyze` then
//!   `segments()` and `units()`.
//! - `floor`: the same messages through one pass that only counts UTF-8 lead bytes and checks for
//!   ASCII, the least work any counter must do; `category` over `floor` is the gap left.
//! - `category_parts`: `analyze` plus the part texts (`parts()`).
//! - `sms_splitter`: the corpus through `sms_splitter` (a port of split-sms), for scale.
//! - `growth_*`: one text of N bytes for N = 64 KiB to 512 KiB (three doublings): time grows
//!   linearly (2N within 2.5x of N), for a single grapheme cluster of N bytes too.
//!
//! The global allocator is divan's counting `AllocProfiler`: every benchmark also prints the
//! allocations per iteration (`seven_parts_*` analyse one 7-part text per iteration, so those are
//! the allocations per message).
//!
//! Run with `cargo bench -p bramka-core --bench segmentation`.

use bramka_core::encoding::{self, Policy};
use divan::counter::{BytesCount, ItemsCount};
use divan::{AllocProfiler, Bencher, black_box};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

const CORPUS: &str = include_str!("../tests/fixtures/corpus.jsonl");

const CATEGORIES: &[&str] =
    &["common", "random_unicode", "scripts", "flags_zwj", "smart_punct", "boundary", "seven_parts", "crlf"];

/// The messages of one corpus category.
fn messages(category: &str) -> Vec<String> {
    let messages: Vec<String> = CORPUS
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("corpus lines are JSON"))
        .filter(|v| v["category"] == category)
        .map(|v| v["text"].as_str().expect("text is a string").to_owned())
        .collect();
    assert!(!messages.is_empty(), "no messages in category {category}");
    messages
}

/// The floor: one pass counting UTF-8 lead bytes and OR-ing every byte (the ASCII check), 64
/// bytes at a time in byte lanes (the same as `bench/rust`).
#[inline(never)]
fn floor_scan(text: &str) -> (usize, bool) {
    let mut chars = 0usize;
    let mut or = 0u8;
    for run in text.as_bytes().chunks(64) {
        let mut n = 0u8;
        for &b in run {
            n += u8::from((b as i8) >= -64);
            or |= b;
        }
        chars += usize::from(n);
    }
    (chars, or < 0x80)
}

#[divan::bench(args = CATEGORIES)]
fn category(bencher: Bencher, category: &str) {
    let messages = messages(category);
    let policy = Policy::default();
    bencher.counter(ItemsCount::new(messages.len())).bench(|| {
        let mut total = 0;
        for m in &messages {
            let a = encoding::analyze(black_box(m), &policy);
            total += a.segments() + a.units();
        }
        total
    });
}

#[divan::bench(args = CATEGORIES)]
fn floor(bencher: Bencher, category: &str) {
    let messages = messages(category);
    bencher.counter(ItemsCount::new(messages.len())).bench(|| {
        let mut total = 0;
        for m in &messages {
            let (chars, ascii) = floor_scan(black_box(m));
            total += chars + usize::from(ascii);
        }
        total
    });
}

#[divan::bench(args = CATEGORIES)]
fn category_parts(bencher: Bencher, category: &str) {
    let messages = messages(category);
    let policy = Policy::default();
    bencher.counter(ItemsCount::new(messages.len())).bench(|| {
        let mut total = 0;
        for m in &messages {
            let a = encoding::analyze(black_box(m), &policy);
            total += a.segments() + a.parts().iter().map(|p| p.text.len()).sum::<usize>();
        }
        total
    });
}

/// One 7-part text per iteration (GSM-7 and UCS-2 alternately): the allocations divan prints are
/// per message. `analyze` only.
#[divan::bench]
fn seven_parts_analyze(bencher: Bencher) {
    let messages = messages("seven_parts");
    let policy = Policy::default();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % messages.len();
        let a = encoding::analyze(black_box(&messages[i]), &policy);
        a.segments() + a.units()
    });
}

/// As `seven_parts_analyze`, with the part texts.
#[divan::bench]
fn seven_parts_with_parts(bencher: Bencher) {
    let messages = messages("seven_parts");
    let policy = Policy::default();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % messages.len();
        let a = encoding::analyze(black_box(&messages[i]), &policy);
        a.parts().len()
    });
}

#[divan::bench(args = CATEGORIES)]
fn sms_splitter(bencher: Bencher, category: &str) {
    let messages = messages(category);
    bencher.counter(ItemsCount::new(messages.len())).bench(|| {
        let mut parts = 0;
        for m in &messages {
            parts += sms_splitter::SplitSms::default().split(black_box(m).clone()).parts.len();
        }
        parts
    });
}

/// Sizes for the growth benchmarks: three doublings.
const SIZES: &[usize] = &[64 << 10, 128 << 10, 256 << 10, 512 << 10];

/// `unit` repeated to `n` bytes (whole repetitions).
fn repeat_to(unit: &str, n: usize) -> String {
    unit.repeat(n / unit.len())
}

fn growth(bencher: Bencher, text: String) {
    let policy = Policy::default().with_max_parts(255);
    bencher
        .counter(BytesCount::new(text.len()))
        .bench(|| encoding::analyze(black_box(&text), &policy).segments());
}

/// One grapheme cluster of N bytes: a letter and combining marks (quadratic before the window).
#[divan::bench(args = SIZES)]
fn growth_one_cluster(bencher: Bencher, n: usize) {
    growth(bencher, format!("x{}", repeat_to("\u{300}", n - 1)));
}

/// A run of regional indicators (flag pairing depends on the run's start).
#[divan::bench(args = SIZES)]
fn growth_flags(bencher: Bencher, n: usize) {
    growth(bencher, repeat_to("\u{1F1F5}", n));
}

/// ZWJ family emoji, one after another.
#[divan::bench(args = SIZES)]
fn growth_zwj(bencher: Bencher, n: usize) {
    growth(bencher, repeat_to("👨‍👩‍👧‍👦", n));
}

/// Polish text (UCS-2).
#[divan::bench(args = SIZES)]
fn growth_polish(bencher: Bencher, n: usize) {
    growth(bencher, repeat_to("Zażółć gęślą jaźń ", n));
}

/// Plain GSM-7 text.
#[divan::bench(args = SIZES)]
fn growth_gsm7(bencher: Bencher, n: usize) {
    growth(bencher, repeat_to("Hello [world] ", n));
}

/// Decomposed text NFC has to compose (e + combining acute).
#[divan::bench(args = SIZES)]
fn growth_decomposed(bencher: Bencher, n: usize) {
    growth(bencher, repeat_to("Cafe\u{301} ", n));
}
