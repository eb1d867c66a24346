//! `serve demo` (the oxmcp everything server) and `serve mock FILE`.

use std::path::Path;

use oxmcp::server::tracing_bridge::McpLoggingLayer;
use oxmcp::tasks::{MemoryTaskStore, TaskEngine};
use oxmcp::transport::stdio::stdio;
use oxmcp_core::McpServer;
use oxmcp_core::server::mrtr::{RequestStateKeys, RoundTripConfig};
use oxmcp_examples::everything_server;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use super::Done;
use crate::error::{Exit, Failure};

/// Serves the everything server, its `requestState` signed with `keys` when given (see
/// `RequestStateKeys::from_config`).
pub(super) async fn demo(
    http: Option<u16>,
    keys: Option<&str>,
    cancel: &CancellationToken,
) -> Result<Done, Failure> {
    // The `tracing` events of the tools reach the client as log messages.
    let _ = tracing_subscriber::registry()
        .with(McpLoggingLayer::new())
        .try_init();
    let round_trips = round_trips(keys)?;
    let engine = TaskEngine::new(MemoryTaskStore::new(), everything_server::task_config());
    let (server, _state) = everything_server::build_with(engine, round_trips)
        .map_err(|e| Failure::new(Exit::Protocol, format!("cannot build the demo server: {e}")))?;
    serve(server, http, cancel).await
}

/// Multi round-trip requests signed with `keys`, else with a random key. An error never
/// quotes the keys.
fn round_trips(keys: Option<&str>) -> Result<RoundTripConfig, Failure> {
    let Some(text) = keys else {
        return Ok(RoundTripConfig::default());
    };
    let keys = RequestStateKeys::from_config(text)
        .map_err(|e| Failure::usage(format!("invalid --request-state-keys: {e}")))?;
    Ok(RoundTripConfig::default().with_keys(keys))
}

/// Serves the canned tools, resources and prompts of `file` (see [`super::mock`]).
pub(super) async fn mock(
    file: &Path,
    http: Option<u16>,
    cancel: &CancellationToken,
) -> Result<Done, Failure> {
    let server = super::mock::load(file).map_err(Failure::usage)?;
    serve(server, http, cancel).await
}

/// Serves `server` over stdio (until stdin closes) or over HTTP on `127.0.0.1:PORT`
/// (until Ctrl-C).
async fn serve(
    server: McpServer,
    http: Option<u16>,
    cancel: &CancellationToken,
) -> Result<Done, Failure> {
    let Some(port) = http else {
        let running = server.serve(stdio());
        tokio::select! {
            _ = running.wait() => {}
            () = cancel.cancelled() => {}
        }
        return Ok(Done {
            json: Value::Null,
            human: String::new(),
            exit: Exit::Ok,
        });
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let running = oxmcp::http::serve(addr, move |t| server.serve(t))
        .await
        .map_err(|e| Failure::new(Exit::Connection, format!("cannot serve on {addr}: {e}")))?;
    let url = running.url();
    eprintln!("oxmcp: the server listens on {url} (Ctrl-C stops it)");
    cancel.cancelled().await;
    running.shutdown().await;
    Ok(Done {
        json: json!({"url": url}),
        human: String::new(),
        exit: Exit::Ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_state_keys_are_read_and_never_quoted() {
        assert_eq!(
            round_trips(Some(&"ab".repeat(32)))
                .unwrap()
                .keys
                .signing()
                .id()
                .len(),
            13
        );
        let short = "0123456789abcdef";
        let failure = round_trips(Some(short)).unwrap_err();
        let message = format!("{failure:?}");
        assert!(
            message.contains("invalid --request-state-keys"),
            "{message}"
        );
        assert!(!message.contains(short), "{message}");
    }
}
