//! Official SDK clients against the oxmcp fixture server, and the oxmcp fixture client against
//! official SDK servers.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use oxmcp::transport::child::{ChildProcess, StderrMode};
use oxmcp::types::Implementation;
use oxmcp::{ClientConfig, connect};
use oxmcp_examples::fixture_client::{LogCollector, run_checks};

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn cache() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".cache/oxmcp/interop")
}

pub(crate) fn python() -> PathBuf {
    let python = cache().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-interop",
        python.display()
    );
    python
}

pub(crate) fn node_ready() {
    let sdk = cache().join("node/node_modules/@modelcontextprotocol/sdk/package.json");
    assert!(
        sdk.exists(),
        "{} is missing: run scripts/setup-interop",
        sdk.display()
    );
}

/// Runs an official-SDK client script against the oxmcp fixture server; every check must pass.
async fn sdk_client_against_oxmcp(program: PathBuf, script: &str) {
    let server = env!("CARGO_BIN_EXE_interop-server");
    let child = tokio::process::Command::new(program)
        .arg(repo().join(script))
        .arg("--")
        .arg(server)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the SDK client");
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the SDK client finished within 60 s")
        .expect("the SDK client ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":false") || l.contains("\"ok\": false"))
        .collect();
    assert!(
        output.status.success() && failed.is_empty(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let passed = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":true") || l.contains("\"ok\": true"))
        .count();
    assert!(passed >= 15, "only {passed} checks ran:\n{stdout}");
}

/// Runs the oxmcp fixture client against an official-SDK server; every check must pass.
async fn oxmcp_against_sdk_server(program: PathBuf, script: &str) {
    let (transport, child) = ChildProcess::new(program)
        .arg(repo().join(script))
        .stderr(StderrMode::capture())
        .spawn()
        .expect("spawn the SDK server");
    let logs = LogCollector::default();
    let config = ClientConfig::new(Implementation::new("oxmcp-interop-client", "0"));
    let client = tokio::time::timeout(
        Duration::from_secs(30),
        connect(transport, config, logs.clone()),
    )
    .await
    .expect("initialize within 30 s")
    .expect("initialize");
    let mut lines = Vec::new();
    let checks = tokio::time::timeout(
        Duration::from_secs(60),
        run_checks(&client, &logs, "interop-fixture", |c| {
            lines.push(format!("{} {} {}", c.ok, c.name, c.detail))
        }),
    )
    .await
    .expect("checks within 60 s");
    client.close().await;
    let status = child.shutdown().await.expect("shutdown");
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok).collect();
    assert!(
        failed.is_empty(),
        "{script}: {failed:#?}\nall: {lines:#?}\nserver stderr: {}",
        child.stderr().unwrap_or_default()
    );
    assert_eq!(checks.len(), 15);
    // The SDK server exits on its own when its stdin closes: no signal was needed.
    assert!(status.success(), "{script} exited with {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_sdk_client_against_oxmcp_server() {
    node_ready();
    sdk_client_against_oxmcp(PathBuf::from("node"), "interop/ts/client.mjs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_client_against_oxmcp_server() {
    sdk_client_against_oxmcp(python(), "interop/python/client.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oxmcp_client_against_typescript_sdk_server() {
    node_ready();
    oxmcp_against_sdk_server(PathBuf::from("node"), "interop/ts/server.mjs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oxmcp_client_against_python_sdk_server() {
    oxmcp_against_sdk_server(python(), "interop/python/server.py").await;
}
