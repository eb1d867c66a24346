//! `oxmcp`: a command-line client for MCP servers (see `oxmcp --help` and the crate
//! README). Built on the oxmcp SDK: the engine's `McpClient`, the Streamable HTTP client
//! transport, and oxmcp-auth for logging in.

mod args;
mod bridge;
mod cli;
mod commands;
mod connect;
mod error;
mod hosts;
mod interact;
mod jsonc;
mod login;
mod output;
mod witness;

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser as _;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::error::{Exit, Failure};

/// How long a command may take to wind down after Ctrl-C (sending
/// `notifications/cancelled`, stopping a child) before the process exits anyway.
const INTERRUPT_GRACE: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return ExitCode::from(if usage {
                Exit::Usage as u8
            } else {
                Exit::Ok as u8
            });
        }
    };
    let json = cli.global.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return report(
                &Failure::new(Exit::Connection, format!("cannot start: {e}")),
                json,
            );
        }
    };
    let outcome = runtime.block_on(run(cli));
    // A stdio child, a progress bar's thread: nothing may keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(200));
    match outcome {
        Ok(done) => {
            let mut out = std::io::stdout().lock();
            let written = if json && !done.json.is_null() {
                writeln!(out, "{}", output::pretty(&done.json))
            } else {
                write!(out, "{}", done.human)
            };
            if written.and_then(|()| out.flush()).is_err() {
                // stdout closed (a pipe to `head`): nothing more to say.
                return ExitCode::from(Exit::Connection as u8);
            }
            ExitCode::from(done.exit as u8)
        }
        Err(failure) => report(&failure, json),
    }
}

/// Runs the command; Ctrl-C cancels the request in flight and ends with exit 130.
async fn run(cli: cli::Cli) -> Result<commands::Done, Failure> {
    let cancel = CancellationToken::new();
    let work = commands::run(cli, cancel.clone());
    tokio::pin!(work);
    tokio::select! {
        done = &mut work => done,
        _ = tokio::signal::ctrl_c() => {
            cancel.cancel();
            let _ = tokio::time::timeout(INTERRUPT_GRACE, &mut work).await;
            Err(Failure::new(Exit::Interrupted, "interrupted"))
        }
    }
}

/// One line on stderr (one JSON object with `--json`), and the exit code.
fn report(failure: &Failure, json: bool) -> ExitCode {
    if json {
        let error = json!({"error": {
            "kind": failure.exit.kind(),
            "exitCode": failure.exit as u8,
            "message": failure.message,
            "code": failure.code,
        }});
        eprintln!("{error}");
    } else {
        eprintln!("oxmcp: {}", failure.message);
    }
    ExitCode::from(failure.exit as u8)
}
