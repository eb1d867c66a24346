//! The oxmcp client against the official TypeScript SDK v2's server
//! (`@modelcontextprotocol/server` from the interop cache, `interop/ts/v2-server.mjs`): over
//! Streamable HTTP it speaks 2026-07-28, and the client does too, answering its multi
//! round-trip request with the host's elicitation handler; over stdio it answers only the
//! handshake (`server/discover` is -32601), and the probing client falls back to it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use oxmcp_core::ClientConfig;
use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::transport::child::ChildProcess;
use oxmcp_http::HttpClientTransport;
use oxmcp_types::elicitation::{ElicitResult, ElicitValue};
use oxmcp_types::{CallToolRequestParams, ContentBlock, Era, Implementation};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/ts/v2-server.mjs")
}

fn host() -> ClientHandler {
    ClientHandler::new().with_form_elicitation(|form| async move {
        assert_eq!(form.params.message, "Go ahead?");
        let content = BTreeMap::from([("confirm".to_owned(), ElicitValue::Boolean(true))]);
        Ok(ElicitResult::accept(content))
    })
}

fn config() -> ClientConfig {
    ClientConfig::new(Implementation::new("oxmcp-interop", "1")).with_era_probe()
}

async fn text(client: &McpClient, tool: &str, arguments: serde_json::Value) -> String {
    let params = CallToolRequestParams::new(tool)
        .with_arguments(arguments.as_object().cloned().unwrap_or_default());
    let result = client.peer().call_tool(params).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{tool}: {result:?}");
    match result.content.first() {
        Some(ContentBlock::Text(t)) => t.text.clone(),
        other => panic!("{tool}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_v2_server_over_http_speaks_the_modern_era() {
    let mut child = tokio::process::Command::new("node")
        .arg(script())
        .arg("http")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run the TypeScript v2 server");
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    tokio::time::timeout(
        Duration::from_secs(20),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the TypeScript v2 server listens within 20 s")
    .unwrap();
    let url = line.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    let transport = HttpClientTransport::new(url).unwrap();
    let client = McpClient::connect(transport, config(), host())
        .await
        .unwrap();
    assert_eq!(client.running().era(), Era::Modern);
    assert_eq!(
        client.running().initialize_result().server_info.name,
        "ts-v2-server"
    );
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    assert_eq!(tools.len(), 2);
    assert_eq!(text(&client, "echo", json!({"text": "hi"})).await, "hi");
    assert_eq!(text(&client, "confirm", json!({})).await, "confirmed");
    client.peer().ping().await.unwrap();
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_stdio_the_probe_falls_back_to_initialize() {
    let (transport, child) = ChildProcess::new("node")
        .arg(script())
        .arg("stdio")
        .spawn()
        .expect("run the TypeScript v2 server");
    let client = McpClient::connect(transport, config(), host())
        .await
        .unwrap();
    assert_eq!(client.running().era(), Era::Legacy);
    assert_eq!(text(&client, "echo", json!({"text": "hi"})).await, "hi");
    client.close().await;
    let _ = child.shutdown().await;
}
