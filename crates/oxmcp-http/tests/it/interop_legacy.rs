//! The legacy HTTP+SSE transport against a real legacy peer, the official TypeScript SDK
//! (`@modelcontextprotocol/sdk` from the interop cache, see `interop/README.md`): its
//! `SSEClientTransport` against the oxmcp legacy server endpoints, and the oxmcp client,
//! falling back from Streamable HTTP, against its `SSEServerTransport`.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::{RequestOptions, RunningClient};
use oxmcp_http::{HttpClientConfig, HttpServerConfig, LegacySseConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::client_e2e::connect_to;
use crate::support::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `node`, once the official TypeScript SDK is in the interop cache.
fn node() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is set");
    let sdk = PathBuf::from(home)
        .join(".cache/oxmcp/interop/node/node_modules/@modelcontextprotocol/sdk/package.json");
    assert!(
        sdk.exists(),
        "{} is missing: run scripts/setup-interop",
        sdk.display()
    );
    PathBuf::from("node")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_sse_client_against_the_legacy_endpoints() {
    let config = HttpServerConfig::default().with_legacy_sse(Some(LegacySseConfig::default()));
    let (server, seen) = start(config).await;
    let url = format!("http://{}/sse", server.local_addr());
    let child = tokio::process::Command::new(node())
        .arg(repo().join("interop/ts/sse-client.mjs"))
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run the TypeScript SSE client");
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the TypeScript client finished within 60 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let checks: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let passed: Vec<&str> = checks
        .iter()
        .filter(|c| c["ok"] == true)
        .filter_map(|c| c["check"].as_str())
        .collect();
    assert!(
        output.status.success() && passed.len() == checks.len() && checks.len() == 8,
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The client's close ended the session.
    let service = server.service().clone();
    eventually(|| service.session_count() == 0).await;
    assert_eq!(
        seen.sessions_started
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    server.shutdown().await;
}

/// The TypeScript SDK's legacy server, and its SSE URL once it listens.
async fn start_ts_server() -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(node())
        .arg(repo().join("interop/ts/sse-server.mjs"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run the TypeScript SSE server");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the TypeScript server listens within 20 s")
    .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    (child, url)
}

async fn tool(
    client: &RunningClient,
    name: &str,
    arguments: Value,
    options: RequestOptions,
) -> Value {
    let params =
        serde_json::value::to_raw_value(&json!({"name": name, "arguments": arguments})).unwrap();
    let answer = client
        .peer()
        .request_raw("tools/call", Some(params), options)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let result: Value = serde_json::from_str(answer.get()).unwrap();
    assert_ne!(result["isError"], true, "{name}: {result}");
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oxmcp_client_falls_back_to_the_typescript_sse_server() {
    let (mut ts, url) = start_ts_server().await;
    let (client, handler, session) = connect_to(&url, HttpClientConfig::default()).await;
    assert_eq!(client.session().peer_info.name, "ts-sdk-sse-server");
    let endpoint = session.legacy_endpoint().expect("the client fell back");
    let base = url.strip_suffix("/sse").unwrap();
    assert!(
        endpoint.starts_with(&format!("{base}/messages?sessionId=")),
        "{endpoint}"
    );
    client.peer().ping().await.unwrap();
    let tools = client
        .peer()
        .request_raw("tools/list", None, RequestOptions::new())
        .await
        .unwrap();
    let tools: Value = serde_json::from_str(tools.get()).unwrap();
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["echo", "add", "progress", "log", "roots"]);
    let echo = tool(
        &client,
        "echo",
        json!({"text": "legacy"}),
        RequestOptions::new(),
    )
    .await;
    assert_eq!(echo["content"][0]["text"], "legacy");
    let add = tool(
        &client,
        "add",
        json!({"a": 2, "b": 3}),
        RequestOptions::new(),
    )
    .await;
    assert_eq!(add["structuredContent"], json!({"sum": 5}));
    let updates = Arc::new(Mutex::new(Vec::new()));
    let sink = updates.clone();
    let options = RequestOptions::new().on_progress(move |p| sink.lock().unwrap().push(p.progress));
    let done = tool(&client, "progress", json!({"steps": 3}), options).await;
    assert_eq!(done["content"][0]["text"], "done in 3");
    assert_eq!(*updates.lock().unwrap(), vec![1.0, 2.0, 3.0]);
    tool(
        &client,
        "log",
        json!({"message": "over sse"}),
        RequestOptions::new(),
    )
    .await;
    let logged = handler
        .notifications
        .lock()
        .unwrap()
        .iter()
        .any(|(method, params)| method == "notifications/message" && params["data"] == "over sse");
    assert!(
        logged,
        "the log message came on the stream before the result"
    );
    let roots = tool(&client, "roots", json!({}), RequestOptions::new()).await;
    assert_eq!(roots["content"][0]["text"], "tmp");
    client.close().await;
    ts.kill().await.unwrap();
}
