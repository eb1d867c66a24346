//! A client that exercises every feature of an MCP server and prints what happens (see
//! `oxmcp_examples::everything_client`). Exits 0 only if every check passed.
//!
//! Usage: `everything-client -- CMD [ARGS...]` (spawns the server and talks stdio), or
//! `everything-client http://127.0.0.1:P/mcp` (Streamable HTTP).

use std::process::ExitCode;

use oxmcp::transport::child::StderrMode;
use oxmcp_examples::everything_client::{run, run_http};

const USAGE: &str = "usage: everything-client -- CMD [ARGS...] | everything-client URL";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.split_first() {
        Some((dashes, command)) if dashes == "--" && !command.is_empty() => {
            run(command, StderrMode::Inherit).await
        }
        Some((url, [])) if url.starts_with("http://") || url.starts_with("https://") => {
            run_http(url).await
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(report) if report.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("everything-client: {e}");
            ExitCode::FAILURE
        }
    }
}
