//! The two binaries as the suite starts them.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn conformance_client_reports_an_unusable_scenario_context() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_conformance-client"))
        .arg("http://127.0.0.1:9/mcp")
        .env("MCP_CONFORMANCE_SCENARIO", "auth/pre-registration")
        .env("MCP_CONFORMANCE_CONTEXT", "not json")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("auth/pre-registration") && stderr.contains("MCP_CONFORMANCE_CONTEXT"),
        "{stderr}"
    );
}

#[tokio::test]
async fn conformance_client_refuses_unknown_scenarios() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_conformance-client"))
        .arg("http://127.0.0.1:9/mcp")
        .env("MCP_CONFORMANCE_SCENARIO", "no-such-scenario")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test]
async fn conformance_server_prints_its_loopback_url_and_stops_on_sigterm() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_conformance-server"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .await
        .unwrap();
    assert!(line.starts_with("http://127.0.0.1:") && line.trim_end().ends_with("/mcp"));
    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the server stops within 10 s")
        .unwrap();
    assert!(status.success(), "{status}");
}
