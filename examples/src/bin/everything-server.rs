//! The oxmcp server with every feature (see `oxmcp_examples::everything_server`).
//!
//! Usage: `everything-server stdio`. Logs go to stderr (`RUST_LOG` filters them); the
//! `tracing` events of request handlers also reach the client as `notifications/message`.

use std::process::ExitCode;

use oxmcp::core::server::tracing_bridge::McpLoggingLayer;
use oxmcp::transport::stdio::stdio;
use oxmcp_examples::everything_server::build;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const USAGE: &str = "usage: everything-server stdio";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(tracing_subscriber::EnvFilter::from_default_env()),
        )
        .with(McpLoggingLayer::new())
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("stdio") if args.len() == 1 => match serve_stdio().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("everything-server: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Serves one client on stdin/stdout until it closes stdin.
async fn serve_stdio() -> Result<(), Box<dyn std::error::Error>> {
    let (server, _state) = build()?;
    let running = server.serve(stdio());
    let end = running.wait().await;
    tracing::debug!(?end, "session ended");
    Ok(())
}
