//! bramka's side of `bench/compare.sh`: one binary, four subcommands, each printing one JSON
//! line on stdout (the script collects them into the table).
//!
//! ```text
//! bramka-bench seg CORPUS MIN_SECS                 segmentation per category and the floor, one thread
//! bramka-bench seg-work CORPUS CATEGORY TOOL REPS  fixed work for an instruction count (bench/profile.sh)
//! bramka-bench mock                                fast mock of the three send endpoints (prints "PORT n")
//! bramka-bench send GATEWAY BASE_URL N CONCURRENCY sends to N recipients through a gateway
//! bramka-bench inbound STORE POLLS N DUP_PCT DIR   ingestion through bramka-inbound
//! ```
//!
//! Every address is 127.0.0.1: `send` refuses any other base URL.

mod alloc;
mod inbound;
mod measure;
mod mock;
mod seg;
mod send;

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  bramka-bench seg CORPUS MIN_SECS\n  bramka-bench seg-work CORPUS CATEGORY bramka|floor REPS\n  \
         bramka-bench mock\n  \
         bramka-bench send smsapi|infobip|twilio BASE_URL N CONCURRENCY\n  \
         bramka-bench inbound memory|sqlite POLLS(0|1) N DUP_PCT WORKDIR"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("seg") if args.len() == 3 => seg::run(&args[1], &args[2]),
        Some("seg-work") if args.len() == 5 => seg::work(&args[1], &args[2], &args[3], &args[4]),
        Some("mock") if args.len() == 1 => mock::run(),
        Some("send") if args.len() == 5 => send::run(&args[1], &args[2], &args[3], &args[4]),
        Some("inbound") if args.len() == 6 => inbound::run(&args[1], &args[2], &args[3], &args[4], &args[5]),
        _ => return usage(),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bramka-bench {}: {e}", args.first().map(String::as_str).unwrap_or(""));
            ExitCode::FAILURE
        }
    }
}

/// Parses a number argument with a clear error.
pub(crate) fn num<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{what} must be a number, got {s:?}"))
}
