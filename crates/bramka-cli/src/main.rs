//! The `bramka` command line: count SMS parts, send through any gateway, query balance and
//! status, cancel, and debug webhooks.
//!
//! ```text
//! bramka send --to "+48 600 100 200" "Zażółć gęślą jaźń"        # console://: prints, sends nothing
//! bramka send --gateway 'smsapi://TOKEN@default' --to 600100200 --default-prefix 48 "Hi"
//! bramka send --account shop --to-file numbers.csv --from Shop "Sale today"
//! bramka balance --gateway "$DSN"; bramka status --gateway "$DSN" ID; bramka cancel --gateway "$DSN" ID
//! bramka scheduled --gateway "$DSN"; bramka numbers --gateway "$DSN"   # waiting messages, receiving numbers
//! bramka senders list|add NAME|default NAME|delete NAME --account shop
//! bramka webhook parse --provider smsapi --url 'https://x/cb?MsgId=A&status=403' < /dev/null
//! bramka serve --config bramka.toml                                # the SMS service (feature `serve`)
//! bramka webhook verify --provider twilio --url https://x/tw --header 'X-Twilio-Signature: …' --twilio-token T < body
//! ```
//!
//! The gateway is `--gateway DSN`, else `--account NAME`, else `BRAMKA_DSN`, else the accounts
//! file's `default_account`, else `console://default`. The accounts file is `--config PATH`, else
//! `BRAMKA_CONFIG`, else `./bramka.toml`, else `accounts.toml` in the user configuration directory
//! (`bramka config path` says which).
//!
//! Webhooks: SMSAPI and Infobip do not sign theirs (nothing to verify); Twilio's
//! `X-Twilio-Signature` is verified with `--twilio-token` (or `BRAMKA_TWILIO_TOKEN`), and parsing
//! an unverified Twilio request needs `--insecure-skip-signature`; Dynmark has no webhook parser
//! (its forwarding formats are undocumented).
//!
//! Exit codes: 0 success; 1 the operation failed (a request failed, a recipient was rejected, a
//! webhook did not verify or parse, `count`'s text is over the part cap); 2 bad usage or
//! configuration (unknown flag, bad DSN, bad number, bad `--at`, missing accounts file), found
//! before any request. Errors are one `error:` line on stderr, with a `hint:` line where useful.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod account_lists;
mod accounts_cmd;
mod campaign;
mod config_file;
mod count;
mod docs_cmd;
mod failure;
mod inbox_cmd;
mod input;
mod ledger_cmd;
mod ops;
mod out;
mod personalise;
mod progress;
mod schedule;
mod scheduled_cmd;
mod send;
#[cfg(feature = "serve")]
mod serve;
mod target;
mod terminal;
mod webhook;

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the operation failed: a request failed, a recipient was rejected, a webhook did not verify
     or parse, or (count) the text is over the part cap
  2  bad usage or configuration, found before any request

Gateway: --gateway DSN, else --account NAME, else BRAMKA_DSN, else the accounts file's
default_account, else console://default (prints messages instead of sending them).
Accounts file: --config PATH, else BRAMKA_CONFIG, else ./bramka.toml, else accounts.toml in the
user configuration directory (~/.config/bramka on Linux); `bramka config path` shows which.";

/// SMS gateway tools: count parts, send, balance, status, cancel, webhooks.
#[derive(Debug, Parser)]
#[command(name = "bramka", version, about, propagate_version = true, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show how a text will be encoded (GSM-7 or UCS-2) and split into SMS parts.
    #[command(after_help = EXIT_CODES)]
    Count(count::CountArgs),
    /// Send an SMS to a list of recipients or a CSV file of numbers.
    #[command(after_help = EXIT_CODES)]
    Send(Box<send::SendArgs>),
    /// Show the account balance.
    #[command(after_help = EXIT_CODES)]
    Balance(ops::BalanceArgs),
    /// Show the delivery status of a sent message by the operator's message id.
    #[command(after_help = EXIT_CODES)]
    Status(ops::IdArgs),
    /// Cancel a scheduled message or bulk by id.
    #[command(after_help = EXIT_CODES)]
    Cancel(ops::IdArgs),
    /// Pause a scheduled message or bulk by id (where the operator offers it).
    #[command(after_help = EXIT_CODES)]
    Pause(ops::IdArgs),
    /// Resume a paused message or bulk by id.
    #[command(after_help = EXIT_CODES)]
    Resume(ops::IdArgs),
    /// Move a scheduled message or bulk to another time.
    #[command(after_help = EXIT_CODES)]
    Reschedule(ops::RescheduleArgs),
    /// List the messages waiting for their send time (ids for cancel, pause, reschedule): from the
    /// operator, or with --ledger from the ledger (SMSAPI, Infobip).
    #[command(after_help = EXIT_CODES)]
    Scheduled(scheduled_cmd::ScheduledArgs),
    /// List the account's numbers that receive messages.
    #[command(after_help = EXIT_CODES)]
    Numbers(account_lists::ListArgs),
    /// Sender names at the operator: list, add (request), default, delete.
    #[command(subcommand)]
    Senders(account_lists::SendersCommand),
    /// Parse or verify an operator's webhook request (body on standard input).
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// The accounts of the accounts file: list, test SMS, activate, deactivate.
    #[command(subcommand)]
    Accounts(accounts_cmd::AccountsCommand),
    /// Received messages from an inbound store, as CSV (or per day).
    Inbox(inbox_cmd::InboxArgs),
    /// Poll results from an inbound store: statistics or every answer as CSV.
    #[command(subcommand)]
    Poll(inbox_cmd::PollCommand),
    /// Query the ledger: messages by date, state, campaign; per-day counts; CSV export.
    #[command(subcommand)]
    Ledger(ledger_cmd::LedgerCommand),
    /// Print a shell completion script (`bramka completions bash > /etc/bash_completion.d/bramka`).
    Completions(docs_cmd::CompletionsArgs),
    /// Print the man page (`bramka man > bramka.1; man ./bramka.1`).
    Man,
    /// Where the accounts file is found.
    #[command(subcommand)]
    Config(config_file::ConfigCommand),
    /// Run the SMS service: webhooks, polls, the JSON API (configured by bramka.toml).
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
    /// Not in this build: says how to get it rather than "unrecognized subcommand".
    #[cfg(not(feature = "serve"))]
    #[command(hide = true, disable_help_flag = true)]
    Serve {
        /// Whatever followed `serve`, ignored.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Count(args) => count::run(&args),
        Command::Send(args) => send::run(&args),
        Command::Balance(args) => ops::balance(&args),
        Command::Status(args) => ops::status(&args),
        Command::Cancel(args) => ops::cancel(&args),
        Command::Pause(args) => ops::hold(&args, ops::Hold::Pause),
        Command::Resume(args) => ops::hold(&args, ops::Hold::Resume),
        Command::Reschedule(args) => ops::reschedule(&args),
        Command::Scheduled(args) => scheduled_cmd::run(&args),
        Command::Numbers(args) => account_lists::numbers(&args),
        Command::Senders(cmd) => account_lists::senders(&cmd),
        Command::Webhook(cmd) => webhook::run(&cmd),
        Command::Config(cmd) => config_file::run(&cmd),
        Command::Completions(args) => docs_cmd::completions(&args),
        Command::Man => docs_cmd::man(),
        Command::Ledger(cmd) => ledger_cmd::run(&cmd),
        Command::Inbox(args) => inbox_cmd::inbox(&args),
        Command::Poll(cmd) => inbox_cmd::poll(&cmd),
        Command::Accounts(cmd) => accounts_cmd::run(&cmd),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(&args),
        #[cfg(not(feature = "serve"))]
        Command::Serve { .. } => {
            eprintln!(
                "error: this bramka was built without `serve` (the SMS service); install it with `cargo install bramka-cli --features serve` (add `postgres` for PostgreSQL storage), or from a checkout `cargo run -p bramka-cli --features serve -- serve`"
            );
            ExitCode::from(2)
        }
    }
}
