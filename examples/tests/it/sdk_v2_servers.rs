//! The oxmcp client against servers on the official SDKs' v2 lines over Streamable HTTP, in
//! the 2026-07-28 era: the Python SDK v2 (`mcp` 2.x from the venv-v2 of
//! `scripts/setup-interop`; `interop/python/modern_server.py`) and the TypeScript SDK v2
//! (`@modelcontextprotocol/server`; `interop/ts/v2-server.mjs http --tasks`). The probing
//! client speaks 2026-07-28 with each, lists and calls tools, answers its multi round-trip
//! request with the host's handler, and follows the tasks of the tasks extension
//! (`io.modelcontextprotocol/tasks`), which neither SDK implements and each script writes on
//! its SDK's public surface (Python: the `Extension` interface; TypeScript: custom request
//! handlers): `call_tool` polls them to their results, answering a task's input request
//! through `tasks/update`; `call_tool_or_task` keeps the handle, which cancels.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use oxmcp::client::{ClientHandler, ToolCallOutcome};
use oxmcp::types::elicitation::{ElicitResult, ElicitValue};
use oxmcp::types::{CallToolRequestParams, CallToolResult, ContentBlock, Era, Implementation};
use oxmcp::{ClientConfig, McpClient, RequestError};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::eras_interop::python_v2;
use super::interop::{node_ready, repo};

/// A host that confirms and gives the name "Ada".
fn host() -> ClientHandler {
    ClientHandler::new().with_form_elicitation(|form| async move {
        let content = match form.params.message.as_str() {
            "Go ahead?" => BTreeMap::from([("confirm".to_owned(), ElicitValue::Boolean(true))]),
            "What is your name?" => {
                BTreeMap::from([("name".to_owned(), ElicitValue::String("Ada".into()))])
            }
            other => panic!("unexpected question {other:?}"),
        };
        Ok(ElicitResult::accept(content))
    })
}

fn call(tool: &str, arguments: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(tool).with_arguments(match arguments {
        Value::Object(map) => map,
        other => panic!("arguments must be an object: {other}"),
    })
}

fn text(result: &CallToolResult) -> String {
    assert_ne!(result.is_error, Some(true), "{result:?}");
    match result.content.first() {
        Some(ContentBlock::Text(t)) => t.text.clone(),
        other => panic!("not text: {other:?}"),
    }
}

async fn connect(url: &str, tasks: bool) -> McpClient {
    let mut config = ClientConfig::new(Implementation::new("oxmcp-interop", "1")).with_era_probe();
    if tasks {
        config = config.with_tasks_extension();
    }
    let transport = oxmcp::http::HttpClientTransport::new(url).unwrap();
    McpClient::connect(transport, config, host()).await.unwrap()
}

/// Starts `program args` and returns it with the URL it prints first (within 60 s).
async fn start(program: &str, args: &[&str]) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run the SDK server");
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    tokio::time::timeout(
        Duration::from_secs(60),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the SDK server listens within 60 s")
    .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    (child, url)
}

/// The checks, against the server `name` at `url`.
async fn against(url: &str, name: &str) {
    let client = connect(url, true).await;
    assert_eq!(client.running().era(), Era::Modern);
    let info = &client.running().initialize_result().server_info;
    assert_eq!(info.name, name);
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    let mut names: Vec<_> = tools.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["ask_task", "confirm", "echo", "slow_task"]);
    let peer = client.peer();
    let echoed = peer.call_tool(call("echo", json!({ "text": "hi" }))).await;
    assert_eq!(text(&echoed.unwrap()), "hi");
    let confirmed = peer.call_tool(call("confirm", json!({}))).await;
    assert_eq!(text(&confirmed.unwrap()), "confirmed");
    let slept = peer
        .call_tool(call("slow_task", json!({ "seconds": 0.3 })))
        .await;
    assert_eq!(text(&slept.unwrap()), "slept 0.3 s");
    let greeted = peer.call_tool(call("ask_task", json!({}))).await;
    assert_eq!(text(&greeted.unwrap()), "Hello, Ada!");

    let outcome = peer.call_tool_or_task(call("slow_task", json!({ "seconds": 30 })));
    let ToolCallOutcome::Task(task) = outcome.await.unwrap() else {
        panic!("slow_task is a task")
    };
    assert_eq!(task.created().unwrap().poll_interval_ms, Some(100));
    task.cancel().await.unwrap();
    match task.result().await {
        Err(RequestError::TaskCancelled { task_id, .. }) => assert_eq!(task_id, task.task_id()),
        other => panic!("{other:?}"),
    }
    client.close().await;
}

/// Without the extension declared, the server refuses its task tools: -32021, or (the
/// TypeScript SDK turns what a tool throws into a tool error) an `isError` result.
async fn refused_without_the_extension(url: &str) {
    let plain = connect(url, false).await;
    match plain.peer().call_tool(call("ask_task", json!({}))).await {
        Err(RequestError::Remote(e)) => assert_eq!(e.code.0, -32021, "{e:?}"),
        Ok(result) => {
            assert_eq!(result.is_error, Some(true), "{result:?}");
            let Some(ContentBlock::Text(t)) = result.content.first() else {
                panic!("{result:?}")
            };
            assert!(t.text.contains("io.modelcontextprotocol/tasks"), "{t:?}");
        }
        Err(other) => panic!("{other:?}"),
    }
    plain.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oxmcp_client_against_the_python_v2_server() {
    let script = repo().join("interop/python/modern_server.py");
    let (_server, url) = start(&python_v2(), &[script.to_str().unwrap()]).await;
    against(&url, "py-v2-server").await;
    refused_without_the_extension(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oxmcp_client_against_the_typescript_v2_server() {
    node_ready();
    let script = repo().join("interop/ts/v2-server.mjs");
    let (_server, url) = start("node", &[script.to_str().unwrap(), "http", "--tasks"]).await;
    against(&url, "ts-v2-server").await;
    refused_without_the_extension(&url).await;
}
