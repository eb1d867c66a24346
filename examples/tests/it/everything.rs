//! The everything server and client: the oxmcp client against the oxmcp server (binaries
//! over stdio, and the library over an in-memory transport), every method and notification
//! in both directions.

use std::process::Stdio;
use std::time::Duration;

use oxmcp::ClientConfig;
use oxmcp::McpClient;
use oxmcp::server::tracing_bridge::McpLoggingLayer;
use oxmcp::transport::memory;
use oxmcp::types::Implementation;
use oxmcp_examples::everything_client::{Report, against_oxmcp, host};
use oxmcp_examples::everything_server::build;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_everything-client");

/// Runs `program args`, returning (success, stdout, stderr) within 60 s.
pub(crate) async fn run(program: &str, args: &[&str]) -> (bool, String, String) {
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("finished within 60 s")
        .expect("ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stdout, stderr)
}

/// The check names every run against the oxmcp everything server reports.
pub(crate) const CHECKS: [&str; 29] = [
    "tools/list",
    "resources/list",
    "resources/templates/list",
    "prompts/list",
    "logging/setLevel",
    "ping",
    "tools/call echo",
    "tools/call add",
    "invalid arguments",
    "unknown tool",
    "progress",
    "logging",
    "cancellation",
    "sampling with tools",
    "elicitation (form)",
    "elicitation (url)",
    "url elicitation -32042",
    "roots",
    "resources/read",
    "resource subscriptions",
    "prompts/get",
    "completion/complete",
    "list_changed",
    "task: long_running",
    "task: input_required",
    "task: failed",
    "task: cancel",
    "task: required",
    "tasks/list",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_client_binary_against_everything_server_binary() {
    let (ok, stdout, stderr) = run(CLIENT, &["--", SERVER, "stdio"]).await;
    assert!(ok, "everything-client failed:\n{stdout}\n{stderr}");
    for check in CHECKS {
        let line = format!("[ok  ] {check:<26}");
        assert!(stdout.contains(&line), "no `{line}` in:\n{stdout}");
    }
    assert!(
        stdout.contains("initialized: oxmcp-everything-server"),
        "{stdout}"
    );
    assert!(
        stdout.contains("tools [\"get_weather\"]; the fake model answers: tool_use get_weather"),
        "{stdout}"
    );
    assert!(
        stdout.contains("URL: https://example.com/connect/"),
        "{stdout}"
    );
    assert!(stdout.contains("29 checks, 0 failed"), "{stdout}");
    assert!(stdout.contains("server exited: exit status: 0"), "{stdout}");
}

/// The same checks over Streamable HTTP on 127.0.0.1, through the library.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_over_http() {
    let _ = tracing_subscriber::registry()
        .with(McpLoggingLayer::new())
        .try_init();
    let (server, _state) = build().expect("the server builds");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let http = oxmcp::http::serve(addr, move |t| server.serve(t))
        .await
        .expect("bind 127.0.0.1");
    let report = oxmcp_examples::everything_client::run_http(&http.url())
        .await
        .expect("connect over HTTP");
    assert!(report.passed(), "{:#?}", report.failures());
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, CHECKS);
    http.shutdown().await;
}

#[tokio::test]
async fn binaries_refuse_bad_usage() {
    let (ok, _, stderr) = run(SERVER, &[]).await;
    assert!(
        !ok && stderr.contains("usage: everything-server stdio"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(CLIENT, &[SERVER]).await;
    assert!(
        !ok && stderr.contains("usage: everything-client -- CMD"),
        "{stderr}"
    );
}

/// The same checks through the library, over an in-memory transport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_in_memory() {
    // The tracing bridge needs its layer in the global subscriber (requests run on any thread).
    let _ = tracing_subscriber::registry()
        .with(McpLoggingLayer::new())
        .try_init();
    let (server, state) = build().expect("the server builds");
    let (a, b) = memory::duplex(64);
    let running = server.serve(a);
    let config = ClientConfig::new(Implementation::new("in-memory", "1"));
    let client = McpClient::connect(b, config, host::handler())
        .await
        .expect("connect");
    let mut report = Report::default();
    against_oxmcp::run(&client, &mut report).await;
    assert!(report.passed(), "{:#?}", report.failures());
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, CHECKS);
    // What the checks changed on the server side.
    assert_eq!(state.note("1").as_deref(), Some("Buy milk"));
    assert!(server.tool_names().iter().all(|t| t != "extra"));
    client.close().await;
    tokio::time::timeout(Duration::from_secs(10), running.wait())
        .await
        .expect("the server session ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minimal_server_binary() {
    use oxmcp::transport::child::{ChildProcess, StderrMode};
    use oxmcp::types::CallToolRequestParams;

    let (transport, child) = ChildProcess::new(env!("CARGO_BIN_EXE_minimal-server"))
        .stderr(StderrMode::capture())
        .spawn()
        .expect("spawn");
    let config = ClientConfig::new(Implementation::new("test", "1"));
    let client = McpClient::connect(transport, config, oxmcp::ClientHandler::new())
        .await
        .expect("connect");
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["add", "read"]);
    assert_eq!(tools[0].description.as_deref(), Some("Adds two numbers."));
    let args = serde_json::from_value(serde_json::json!({ "a": 1, "b": 2 })).unwrap();
    let sum = client
        .peer()
        .call_tool(CallToolRequestParams::new("add").with_arguments(args))
        .await
        .unwrap();
    assert_eq!(sum.structured_content.unwrap()["sum"], 3.0);
    let args = serde_json::from_value(serde_json::json!({ "path": "/no/such/file" })).unwrap();
    let read = client
        .peer()
        .call_tool(CallToolRequestParams::new("read").with_arguments(args))
        .await
        .unwrap();
    assert_eq!(
        read.is_error,
        Some(true),
        "an io::Error is a tool execution error"
    );
    client.close().await;
    assert!(child.shutdown().await.unwrap().success());
}

#[tokio::test]
async fn everything_client_auth_option_is_checked() {
    let output = tokio::process::Command::new(CLIENT)
        .args(["--auth", "bogus", "http://127.0.0.1:9/mcp"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown --auth mode"));
    let output = tokio::process::Command::new(CLIENT)
        .args(["--auth", "client-credentials", "http://127.0.0.1:9/mcp"])
        .env_remove("OXMCP_CLIENT_ID")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("OXMCP_CLIENT_ID"), "{stderr}");
}
