//! `bramka ... | head`: a reader that stops early ends the command quietly, never with a panic.

mod common;

use common::*;

#[test]
fn a_closed_output_pipe_ends_every_printing_command_quietly() {
    let dir = temp_dir("pipe");
    let cases: &[&[&str]] = &[
        &["webhook", "parse", "--provider", "smsapi", "--url", "https://x/cb?MsgId=A&status=403"],
        &["count", "Zażółć gęślą jaźń"],
        &["send", "--to", "+48600100200", "hello"],
        &["balance", "--gateway", "null://default"],
        &["cancel", "--gateway", "null://default", "ID1"],
    ];
    for args in cases {
        let (code, stderr) = bramka_closed_stdout(&dir, args, &[]);
        assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{args:?}: {stderr}");
        assert_ne!(code, 101, "{args:?} exited as a panic: {stderr}");
    }
}
