//! The oxmcp server with every feature (see `oxmcp_examples::everything_server`).
//!
//! Usage: `everything-server stdio`, or `everything-server http --port P` (Streamable HTTP on
//! `http://127.0.0.1:P/mcp`, until Ctrl-C). Logs go to stderr (`RUST_LOG` filters them); the
//! `tracing` events of request handlers also reach the client as `notifications/message`.

use std::process::ExitCode;

use oxmcp::core::server::tracing_bridge::McpLoggingLayer;
use oxmcp::transport::stdio::stdio;
use oxmcp_examples::everything_server::build;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const USAGE: &str = "usage: everything-server stdio | everything-server http --port P";

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
        Some("stdio") if args.len() == 1 => report(serve_stdio().await),
        Some("http") => match args[1..] {
            [ref flag, ref port] if flag == "--port" => match port.parse::<u16>() {
                Ok(port) => report(serve_http(port).await),
                Err(_) => {
                    eprintln!("everything-server: invalid port {port:?}\n{USAGE}");
                    ExitCode::from(2)
                }
            },
            _ => {
                eprintln!("{USAGE}");
                ExitCode::from(2)
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

/// Serves every client that connects to `http://127.0.0.1:PORT/mcp`, until Ctrl-C.
async fn serve_http(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let (server, _state) = build()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let http = oxmcp::http::serve(addr, move |t| server.serve(t)).await?;
    eprintln!("everything-server: listening on {}", http.url());
    tokio::signal::ctrl_c().await?;
    http.shutdown().await;
    Ok(())
}

fn report(outcome: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("everything-server: {e}");
            ExitCode::FAILURE
        }
    }
}
