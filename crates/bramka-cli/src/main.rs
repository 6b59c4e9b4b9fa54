//! The `bramka` command line.
//!
//! Subcommands live in their own modules; `main` only parses and dispatches. Exit codes:
//! 0 success, 1 the command ran but the answer is "no" (for `count`: over the part cap),
//! 2 bad usage (clap's own code for argument errors).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod count;

/// SMS gateway tools: count segments now; send, status and balance to come.
#[derive(Debug, Parser)]
#[command(name = "bramka", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show how a text will be encoded (GSM-7 or UCS-2) and split into SMS parts.
    Count(count::CountArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Count(args) => count::run(&args),
    }
}
