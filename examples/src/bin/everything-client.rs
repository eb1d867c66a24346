//! A client that exercises every feature of an MCP server and prints what happens (see
//! `oxmcp_examples::everything_client`). Exits 0 only if every check passed.
//!
//! Usage: `everything-client -- CMD [ARGS...]` (spawns the server and talks stdio), or
//! `everything-client [--auth code|client-credentials] http://127.0.0.1:P/mcp` (Streamable
//! HTTP, with OAuth 2.1 when `--auth` is given; see
//! `oxmcp_examples::everything_client::auth` for its environment variables).

use std::process::ExitCode;

use oxmcp::transport::child::StderrMode;
use oxmcp_examples::everything_client::auth::AuthMode;
use oxmcp_examples::everything_client::{run, run_http_with};

const USAGE: &str = "usage: everything-client -- CMD [ARGS...] | everything-client [--auth code|client-credentials] URL";

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.split_first() {
        Some((dashes, command)) if dashes == "--" && !command.is_empty() => {
            run(command, StderrMode::Inherit).await
        }
        Some((url, [])) if is_url(url) => run_http_with(url, None).await,
        Some((flag, [mode, url])) if flag == "--auth" && is_url(url) => {
            match mode.parse::<AuthMode>() {
                Ok(mode) => run_http_with(url, Some(mode)).await,
                Err(e) => {
                    eprintln!("{e}\n{USAGE}");
                    return ExitCode::from(2);
                }
            }
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
