//! Segmentation: the corpus through `bramka_core::encoding::analyze` on one thread, category by
//! category, next to the floor: one pass over the same bytes that only counts UTF-8 lead bytes
//! (characters) and checks for ASCII, the least work any counter must do. Each category runs
//! bramka and the floor in 5 alternating slices (MIN_SECS in all for each), the best slice of each
//! counting; compare.sh runs this in alternating rounds with the npm packages and keeps the best.
//!
//! Prints two JSON lines (bramka-core, then floor), each with the whole corpus' messages/s and a
//! `categories` object (messages/s, segments per message, and for bramka the allocations per
//! message, counted by the binary's global allocator outside the timed loops).

use std::hint::black_box;
use std::time::Instant;

use bramka_core::encoding::{Encoding, Policy, analyze};

/// One corpus category: its name and messages, in corpus order.
pub struct Category {
    pub name: String,
    pub texts: Vec<String>,
}

/// Reads the corpus: JSON lines `{"category": ..., "text": ...}`, grouped by category in order of
/// first appearance.
pub fn load_corpus(path: &str) -> Result<Vec<Category>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("cannot read corpus {path}: {e}"))?;
    let mut cats: Vec<Category> = Vec::new();
    for (n, line) in raw.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        #[derive(serde::Deserialize)]
        struct Row {
            category: String,
            text: String,
        }
        let row: Row = serde_json::from_str(line).map_err(|e| format!("{path} line {}: {e}", n + 1))?;
        match cats.iter_mut().find(|c| c.name == row.category) {
            Some(c) => c.texts.push(row.text),
            None => cats.push(Category { name: row.category, texts: vec![row.text] }),
        }
    }
    if cats.is_empty() {
        return Err(format!("corpus {path} has no messages"));
    }
    Ok(cats)
}

/// The floor: one pass counting UTF-8 lead bytes (characters) and OR-ing every byte (ASCII
/// check), 64 bytes at a time in byte lanes so the compiler vectorises it.
#[inline(never)]
pub fn floor(text: &str) -> (usize, bool) {
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

/// Alternating slices per category: bramka, floor, bramka, floor, ...; the best slice counts.
const SLICES: usize = 5;

/// Runs `f` over `texts` until `min_secs` have passed; messages/s.
fn time(texts: &[String], min_secs: f64, mut f: impl FnMut(&str) -> usize) -> f64 {
    // Warm-up pass.
    for t in texts {
        black_box(f(black_box(t)));
    }
    let start = Instant::now();
    let mut done = 0u64;
    loop {
        for t in texts {
            black_box(f(black_box(t)));
        }
        done += texts.len() as u64;
        if start.elapsed().as_secs_f64() >= min_secs {
            break;
        }
    }
    done as f64 / start.elapsed().as_secs_f64()
}

/// Allocations per message made by `f`, counted by the global allocator.
fn allocs_per_message(texts: &[String], mut f: impl FnMut(&str)) -> f64 {
    let before = crate::alloc::count();
    for t in texts {
        f(t);
    }
    (crate::alloc::count() - before) as f64 / texts.len() as f64
}

pub fn run(corpus: &str, min_secs: &str) -> Result<String, String> {
    let cats = load_corpus(corpus)?;
    let min_secs: f64 = crate::num("MIN_SECS", min_secs)?;
    let policy = Policy::default();
    let mut ours = serde_json::Map::new();
    let mut floors = serde_json::Map::new();
    let (mut all, mut secs_ours, mut secs_floor) = (0usize, 0f64, 0f64);
    for cat in &cats {
        let texts = &cat.texts;
        // Segments per message (the other tools print theirs: a sanity check that everyone did
        // the same work) and allocations, outside the timed loops.
        let per_message: Vec<usize> = texts.iter().map(|m| analyze(m, &policy).segments()).collect();
        let unicode = texts.iter().filter(|m| analyze(m, &policy).encoding() != Encoding::Gsm7).count();
        let allocs = allocs_per_message(texts, |m| {
            black_box(analyze(m, &policy).segments());
        });
        let allocs_parts = allocs_per_message(texts, |m| {
            black_box(analyze(m, &policy).parts().len());
        });
        let bytes: usize = texts.iter().map(String::len).sum();
        // Alternating slices, the best of each: load from other processes hits both alike.
        let (mut ours_rate, mut floor_rate) = (0f64, 0f64);
        for _ in 0..SLICES {
            ours_rate =
                ours_rate.max(time(texts, min_secs / SLICES as f64, |m| analyze(m, &policy).segments()));
            floor_rate = floor_rate.max(time(texts, min_secs / SLICES as f64, |m| {
                let (chars, ascii) = floor(m);
                chars + usize::from(ascii)
            }));
        }
        all += texts.len();
        secs_ours += texts.len() as f64 / ours_rate;
        secs_floor += texts.len() as f64 / floor_rate;
        ours.insert(
            cat.name.clone(),
            serde_json::json!({
                "messages": texts.len(),
                "bytes_per_message": bytes as f64 / texts.len() as f64,
                "msgs_per_sec": ours_rate,
                "corpus_segments": per_message.iter().sum::<usize>(),
                "corpus_unicode": unicode,
                "segments_per_message": per_message,
                "allocs_per_message": allocs,
                "allocs_per_message_with_parts": allocs_parts,
            }),
        );
        floors.insert(
            cat.name.clone(),
            serde_json::json!({ "messages": texts.len(), "msgs_per_sec": floor_rate }),
        );
    }
    // Whole corpus: every message once, at each category's rate.
    let line = |tool: &str, secs: f64, cats: serde_json::Map<String, serde_json::Value>| {
        serde_json::json!({
            "tool": tool,
            "msgs_per_sec": all as f64 / secs,
            "corpus_messages": all,
            "categories": cats,
        })
        .to_string()
    };
    Ok(format!("{}\n{}", line("bramka-core", secs_ours, ours), line("floor", secs_floor, floors)))
}

/// Fixed work for an instruction count (`bench/profile.sh` runs it under callgrind): every
/// message of `category` through `tool` (`bramka`: `analyze` then `segments()`; `floor`) `reps`
/// times. Prints the number of messages analysed (the corpus is read and parsed also with
/// `reps` 0, so the difference of two counts is the work alone).
pub fn work(corpus: &str, category: &str, tool: &str, reps: &str) -> Result<String, String> {
    let cats = load_corpus(corpus)?;
    let reps: usize = crate::num("REPS", reps)?;
    let texts = &cats
        .iter()
        .find(|c| c.name == category)
        .ok_or_else(|| format!("no category {category:?} in {corpus}"))?
        .texts;
    let policy = Policy::default();
    let mut total = 0usize;
    for _ in 0..reps {
        for t in texts {
            total += match tool {
                "bramka" => analyze(black_box(t), &policy).segments(),
                "floor" => {
                    let (chars, ascii) = floor(black_box(t));
                    chars + usize::from(ascii)
                }
                _ => return Err(format!("TOOL must be bramka or floor, got {tool:?}")),
            };
        }
    }
    black_box(total);
    Ok(serde_json::json!({ "tool": tool, "category": category, "messages": texts.len() * reps }).to_string())
}
