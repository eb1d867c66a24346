//! `conformance-server --port P`: the conformance fixture over Streamable HTTP at
//! `http://127.0.0.1:P/mcp` (port 0 picks a free one). Prints the URL on stdout once it
//! listens (its SIGINT and SIGTERM handlers are in place by then), serves until SIGINT or
//! SIGTERM, then ends every session.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: conformance-server --port PORT";

fn port_from(args: &[String]) -> Result<u16, String> {
    match args {
        [flag, port] if flag == "--port" => port
            .parse()
            .map_err(|e| format!("invalid port `{port}`: {e}\n{USAGE}")),
        [] => Err(format!("missing --port\n{USAGE}")),
        _ => Err(USAGE.to_owned()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match port_from(&args) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    // The handlers exist before the URL is printed: whoever reads it may signal at once.
    let (mut interrupt, mut terminate) = match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(i), Ok(t)) => (i, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("conformance-server: cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let server = match oxmcp_conformance::server::serve(addr).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("conformance-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", server.url());
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}
