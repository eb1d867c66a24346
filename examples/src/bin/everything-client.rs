//! A client that exercises every feature of an MCP server and prints what happens (see
//! `oxmcp_examples::everything_client`). Exits 0 only if every check passed.
//!
//! Usage: `everything-client -- CMD [ARGS...]` (spawns the server and talks stdio).

use std::process::ExitCode;

use oxmcp::transport::child::StderrMode;
use oxmcp_examples::everything_client::run;

const USAGE: &str = "usage: everything-client -- CMD [ARGS...]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.split_first() {
        Some((dashes, command)) if dashes == "--" && !command.is_empty() => command,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command, StderrMode::Inherit).await {
        Ok(report) if report.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("everything-client: {e}");
            ExitCode::FAILURE
        }
    }
}
