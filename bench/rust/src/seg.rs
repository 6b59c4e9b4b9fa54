//! Segmentation: the corpus through `bramka_core::encoding::analyze` on one thread, repeated
//! until at least MIN_SECS have passed.

use std::hint::black_box;
use std::time::Instant;

use bramka_core::encoding::{Policy, analyze};

/// Reads the corpus: one message per line, `\n` written as backslash + n.
pub fn load_corpus(path: &str) -> Result<Vec<String>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("cannot read corpus {path}: {e}"))?;
    let msgs: Vec<String> =
        raw.lines().filter(|l| !l.is_empty()).map(|l| l.replace("\\n", "\n")).collect();
    if msgs.is_empty() {
        return Err(format!("corpus {path} has no messages"));
    }
    Ok(msgs)
}

pub fn run(corpus: &str, min_secs: &str) -> Result<String, String> {
    let msgs = load_corpus(corpus)?;
    let min_secs: f64 = crate::num("MIN_SECS", min_secs)?;
    let policy = Policy::default();
    // One pass to report the corpus' segment total (the other tools print theirs: a sanity
    // check that everyone did the same work, not a correctness verdict).
    let per_message: Vec<usize> = msgs.iter().map(|m| analyze(m, &policy).segments()).collect();
    let segments: usize = per_message.iter().sum();
    let ucs2 = msgs
        .iter()
        .filter(|m| analyze(m, &policy).encoding() != bramka_core::encoding::Encoding::Gsm7)
        .count();
    let start = Instant::now();
    let mut done = 0u64;
    loop {
        for m in &msgs {
            black_box(analyze(black_box(m), &policy).segments());
        }
        done += msgs.len() as u64;
        if start.elapsed().as_secs_f64() >= min_secs {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(serde_json::json!({
        "tool": "bramka-core",
        "messages": done,
        "secs": secs,
        "msgs_per_sec": done as f64 / secs,
        "corpus_messages": msgs.len(),
        "corpus_segments": segments,
        "corpus_unicode": ucs2,
        "segments_per_message": per_message,
    })
    .to_string())
}
