//! The oxmcp client against a server on the official Python SDK v2 (`mcp` 2.x from the
//! venv-v2 of `scripts/setup-interop`; `interop/python/modern_server.py`) over Streamable
//! HTTP: the probing client speaks 2026-07-28 with it, lists and calls tools, answers its
//! multi round-trip request (the SDK's resolvers) with the host's handler, and follows the
//! tasks of its tasks extension (`io.modelcontextprotocol/tasks`, written on the SDK's
//! extension interface): `call_tool` polls them to their results, answering a task's input
//! request through `tasks/update`; `call_tool_or_task` keeps the handle, which cancels.

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
use super::interop::repo;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oxmcp_client_against_the_python_v2_server() {
    let script = repo().join("interop/python/modern_server.py");
    let mut child = tokio::process::Command::new(python_v2())
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run the Python v2 server");
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    tokio::time::timeout(
        Duration::from_secs(60),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the Python v2 server listens within 60 s")
    .unwrap();
    let url = line.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");

    let client = connect(url, true).await;
    assert_eq!(client.running().era(), Era::Modern);
    let info = &client.running().initialize_result().server_info;
    assert_eq!(info.name, "py-v2-server");
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

    // Without the extension declared, the server refuses its task tools.
    let plain = connect(url, false).await;
    match plain.peer().call_tool(call("ask_task", json!({}))).await {
        Err(RequestError::Remote(e)) => assert_eq!(e.code.0, -32021, "{e:?}"),
        other => panic!("{other:?}"),
    }
    plain.close().await;
}
