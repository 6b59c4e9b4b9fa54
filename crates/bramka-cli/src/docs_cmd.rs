//! `bramka completions SHELL` and `bramka man`: shell completion scripts and the man page,
//! generated from the command definitions so they never fall behind.

use std::process::ExitCode;

use clap::{Args, CommandFactory};

/// Arguments of `bramka completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    shell: clap_complete::Shell,
}

/// Prints the completion script for the shell.
pub(crate) fn completions(args: &CompletionsArgs) -> ExitCode {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "bramka", &mut buf);
    crate::out::print(format_args!("{}", String::from_utf8_lossy(&buf)));
    ExitCode::SUCCESS
}

/// Prints the man page (roff) of `bramka`.
pub(crate) fn man() -> ExitCode {
    let mut buf = Vec::new();
    if let Err(e) = clap_mangen::Man::new(crate::Cli::command()).render(&mut buf) {
        return crate::failure::Failure::failed(format!("cannot render the man page: {e}")).report();
    }
    crate::out::print(format_args!("{}", String::from_utf8_lossy(&buf)));
    ExitCode::SUCCESS
}
