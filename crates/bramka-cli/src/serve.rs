//! `bramka serve`: runs the SMS service (bramka-server) from one TOML file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use bramka_server::config::process_env;
use bramka_server::{Server, Settings};
use clap::{Args, ValueEnum};

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Arguments of `bramka serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The configuration file (else ./bramka.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen on this address instead of the file's [server] listen.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Validate the file and exit (0 valid, 2 invalid).
    #[arg(long)]
    check: bool,
    /// Print every account's webhook URLs (with their secret path segments) and exit.
    #[arg(long)]
    print_hooks: bool,
    /// Serve the local SMS operator sandbox (SMSAPI, Infobip and Twilio protocols under
    /// /sandbox/, what it received at /api/v1/sandbox/messages), and print replies and forwards
    /// (console://) instead of sending them through the accounts. Needs no configuration file.
    #[arg(long)]
    sandbox: bool,
    /// Log format; the level comes from BRAMKA_LOG (error, warn, info, debug, trace; info).
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

fn init_logs(format: LogFormat) {
    let level = std::env::var("BRAMKA_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let b = tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).with_target(false);
    let _ = match format {
        LogFormat::Json => b.json().try_init(),
        LogFormat::Text => b.with_ansi(false).try_init(),
    };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no new connections; finishing requests in flight");
}

pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    let path = args.config.clone().unwrap_or_else(|| PathBuf::from("bramka.toml"));
    // `--sandbox` needs no file: without one it runs in memory with no account.
    let loaded = if args.sandbox && args.config.is_none() && !path.exists() {
        Settings::from_toml("(no file, --sandbox)", bramka_server::sandbox::NO_FILE_CONFIG, process_env())
    } else {
        Settings::load(&path, process_env())
    };
    let mut settings = match loaded {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(addr) = args.listen {
        settings.override_listen(addr);
    }
    settings.sandbox = args.sandbox;
    if args.check {
        crate::out::outln!(
            "{}: valid ({} account(s), {} number(s), {} poll(s), {} flow(s))",
            path.display(),
            settings.accounts.iter().count(),
            settings.definitions.numbers.len(),
            settings.definitions.polls.len(),
            settings.flows.len()
        );
        return ExitCode::SUCCESS;
    }
    if !args.print_hooks {
        init_logs(args.log_format);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match Server::open(settings).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        if args.print_hooks {
            for h in server.hook_urls() {
                crate::out::outln!(
                    "{} ({})\n  inbound: {}\n  status:  {}",
                    h.account,
                    h.provider,
                    h.inbound,
                    h.status
                );
            }
            return ExitCode::SUCCESS;
        }
        let addr = server.listen_addr();
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        if args.sandbox {
            let base = listener.local_addr().map(|a| format!("http://{a}")).unwrap_or_default();
            tracing::info!(
                smsapi = %format!("{base}/sandbox/smsapi/"),
                infobip = %format!("{base}/sandbox/infobip/"),
                twilio = %format!("{base}/sandbox/twilio/"),
                received = %format!("{base}/api/v1/sandbox/messages"),
                "sandbox operators: point base URLs here"
            );
        }
        match server.serve(listener, shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
