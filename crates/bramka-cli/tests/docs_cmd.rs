//! `bramka completions SHELL` and `bramka man` describe the real commands.

mod common;

use common::*;

#[test]
fn completions_and_man_page_name_every_command() {
    let bash = bramka(&["completions", "bash"]);
    assert_eq!(bash.code, 0, "{}", bash.all());
    for word in ["send", "reschedule", "accounts", "ledger", "--to-file", "--dry-run"] {
        assert!(bash.stdout.contains(word), "bash completion lacks {word}");
    }
    let zsh = bramka(&["completions", "zsh"]);
    assert!(zsh.stdout.starts_with("#compdef bramka"), "{}", &zsh.stdout[..80.min(zsh.stdout.len())]);
    let bad = bramka(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);

    let man = bramka(&["man"]);
    assert_eq!(man.code, 0, "{}", man.all());
    assert!(man.stdout.contains(".TH bramka 1"), "{}", &man.stdout[..200]);
    for word in ["bramka\\-send", "bramka\\-accounts", "bramka\\-config"] {
        assert!(man.stdout.contains(word), "man page lacks {word}");
    }
}
