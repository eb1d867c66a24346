//! The end-to-end demo: spawns an oxmcp server (this same program, with `--server`) as a child
//! process, connects to it over stdio, exercises the protocol, prints what happens, and shuts
//! the child down the way the spec says.
//!
//! Run: `cargo run -p oxmcp-examples --bin demo`

use std::process::ExitCode;

use oxmcp::transport::child::{ChildProcess, StderrMode};
use oxmcp::transport::stdio::stdio;
use oxmcp::types::Implementation;
use oxmcp::{ClientConfig, connect, serve_server};
use oxmcp_examples::fixture_client::{LogCollector, run_checks};
use oxmcp_examples::fixture_server::{FixtureServer, config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--server") {
        let server = serve_server(stdio(), config(), FixtureServer::default());
        server.wait().await;
        return ExitCode::SUCCESS;
    }
    match client().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn client() -> Result<bool, Box<dyn std::error::Error>> {
    let me = std::env::current_exe()?;
    println!("spawning {} --server", me.display());
    let (transport, child) = ChildProcess::new(me)
        .arg("--server")
        .stderr(StderrMode::Inherit)
        .spawn()?;
    println!("child pid {}", child.pid());
    let logs = LogCollector::default();
    let config = ClientConfig::new(Implementation::new(
        "oxmcp-demo-client",
        env!("CARGO_PKG_VERSION"),
    ));
    let client = connect(transport, config, logs.clone()).await?;
    let session = client.session();
    println!(
        "initialized: server {} {} speaking MCP {}",
        session.peer_info.name, session.peer_info.version, session.protocol_version
    );
    if let Some(instructions) = &session.instructions {
        println!("instructions: {instructions}");
    }
    let checks = run_checks(&client, &logs, "oxmcp-interop-server", |check| {
        let mark = if check.ok { "ok  " } else { "FAIL" };
        println!("[{mark}] {:<18} {}", check.name, check.detail);
    })
    .await;
    println!("closing the session (closes the child's stdin)");
    client.close().await;
    let status = child.shutdown().await?;
    println!("child exited: {status}");
    let failed = checks.iter().filter(|c| !c.ok).count();
    println!("{} checks, {failed} failed", checks.len());
    Ok(failed == 0)
}
