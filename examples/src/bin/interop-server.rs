//! The interop fixture server over stdio (see `interop/README.md` for the contract).
//! Logs go to stderr; stdout carries only MCP messages.

use oxmcp::serve_server;
use oxmcp::transport::stdio::stdio;
use oxmcp_examples::fixture_server::{FixtureServer, config};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let server = serve_server(stdio(), config(), FixtureServer::default());
    let end = server.wait().await;
    tracing::debug!(?end, "session ended");
}
