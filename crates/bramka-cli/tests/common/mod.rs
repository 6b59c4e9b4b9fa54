//! Running `bramka` as a process in a fresh temporary directory with no `BRAMKA_*` environment.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a run printed and returned.
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
    /// Both streams, for leak checks and messages.
    pub(crate) fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A fresh empty directory under the system temp directory.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "bramka-cli-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `bramka args` in `dir` with `stdin`, extra environment `env`, and no `BRAMKA_*` or
/// proxy variables from the test's environment.
pub(crate) fn bramka_in(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bramka"));
    cmd.args(args).current_dir(dir).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        let upper = k.to_ascii_uppercase();
        if upper.starts_with("BRAMKA_") || upper.ends_with("_PROXY") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("NO_PROXY", "127.0.0.1,localhost");
    // No accounts file from the user's own configuration directory.
    cmd.env("HOME", dir).env_remove("XDG_CONFIG_HOME").env_remove("APPDATA");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn bramka");
    {
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs `bramka args` in a fresh temporary directory.
pub(crate) fn bramka(args: &[&str]) -> Run {
    bramka_in(&temp_dir("run"), args, "", &[])
}

/// Runs `bramka args` with `stdin` in a fresh temporary directory.
pub(crate) fn bramka_stdin(args: &[&str], stdin: &str) -> Run {
    bramka_in(&temp_dir("run"), args, stdin, &[])
}

/// Runs `bramka args` in `dir` with standard output a pipe whose reader is already closed (as
/// after `bramka ... | head` has read its lines): the exit code and standard error.
pub(crate) fn bramka_closed_stdout(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bramka"));
    cmd.args(args).current_dir(dir).stdin(Stdio::null()).stdout(writer).stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.to_ascii_uppercase().starts_with("BRAMKA_") {
            cmd.env_remove(&k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status.code().expect("exited normally, not by a signal"), String::from_utf8(out.stderr).unwrap())
}
