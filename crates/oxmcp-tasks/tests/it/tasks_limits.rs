//! The limits on what tasks may hold: all the tasks of one requestor (finished ones
//! included), the unfinished tasks of the whole engine, and the size of what a task stores
//! (params refused, a too-large outcome fails the task).

use oxmcp_tasks::TasksServerBuilderExt as _;
use std::sync::Arc;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::ToolRoute;
use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TaskEngine};
use oxmcp_types::ErrorCode;
use oxmcp_types::tools::TaskSupport;
use serde_json::json;

use crate::router_support::{EchoArgs, Session, info, open};
use crate::tasks_support::*;

/// The task tools, `keyed`, and `grow` (optional), which returns its text ten times.
fn keyed_server(config: TaskConfig, gates: &KeyedGates) -> McpServer {
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let grow = ToolRoute::new("grow", |a: EchoArgs, _cx| async move { a.text.repeat(10) })
        .with_task_support(TaskSupport::Optional);
    McpServer::builder(info())
        .tools(task_tools(&gate, &probe))
        .tool(keyed_tool(gates))
        .tool(grow)
        .tasks(TaskEngine::new(MemoryTaskStore::new(), config))
        .build()
        .unwrap()
}

/// The -32603 message of a refused task-augmented call.
async fn refused(s: &Session, tool: &str, text: &str) -> String {
    let e = s
        .err(
            "tools/call",
            task_call(tool, text),
            ErrorCode::INTERNAL_ERROR,
        )
        .await;
    e["message"].as_str().unwrap().to_owned()
}

#[tokio::test(start_paused = true)]
async fn finished_tasks_count_toward_the_limit_per_requestor() {
    let config = fast_config().with_max_tasks_per_owner(2);
    let server = keyed_server(config, &KeyedGates::default());
    let s = open(&server).await;
    for text in ["a", "b"] {
        let id = start(&s, "echo", text).await;
        result(&s, &id).await.unwrap();
    }
    assert_eq!(
        refused(&s, "echo", "c").await,
        "too many tasks: the limit per requestor is 2, finished ones included until they expire"
    );
    // Another requestor has its own count.
    let other = open(&server).await;
    let id = start(&other, "echo", "d").await;
    result(&other, &id).await.unwrap();
    // A plain call is no task: it is not limited.
    other
        .ok(
            "tools/call",
            json!({ "name": "echo", "arguments": { "text": "e" } }),
        )
        .await;
    s.close().await;
    other.close().await;
}

#[tokio::test(start_paused = true)]
async fn the_engine_limits_the_unfinished_tasks_of_all_requestors() {
    let gates = KeyedGates::default();
    let config = fast_config().with_max_unfinished(2);
    let server = keyed_server(config, &gates);
    let (a, b) = (open(&server).await, open(&server).await);
    let first = start(&a, "keyed", "1").await;
    start(&b, "keyed", "2").await;
    let message = "too many unfinished tasks: this server runs at most 2 at a time";
    assert_eq!(refused(&a, "keyed", "3").await, message);
    assert_eq!(refused(&b, "keyed", "3").await, message);
    // The place of a task whose work ended is free again.
    gates.gate("1").open();
    result(&a, &first).await.unwrap();
    let third = start(&b, "keyed", "3").await;
    for key in ["2", "3"] {
        gates.gate(key).open();
    }
    result(&b, &third).await.unwrap();
    a.close().await;
    b.close().await;
}

#[tokio::test(start_paused = true)]
async fn params_too_large_to_store_are_refused() {
    let config = fast_config().with_max_payload_bytes(100);
    let server = keyed_server(config, &KeyedGates::default());
    let s = open(&server).await;
    let message = refused(&s, "echo", &"p".repeat(100)).await;
    assert!(
        message.starts_with("the request is too large to run as a task: its params are "),
        "{message}"
    );
    assert!(message.ends_with("bytes, the limit is 100"), "{message}");
    // Within the limit, the same tool runs as a task.
    let id = start(&s, "echo", "short").await;
    result(&s, &id).await.unwrap();
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn an_outcome_too_large_to_store_fails_the_task() {
    let config = fast_config().with_max_payload_bytes(200);
    let server = keyed_server(config, &KeyedGates::default());
    let s = open(&server).await;
    // The params fit; the result (the text ten times) does not.
    let id = start(&s, "grow", &"r".repeat(30)).await;
    let e = result(&s, &id).await.expect_err("no result stored");
    assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
    assert!(
        e.message
            .starts_with("internal error: the task's result is too large to store ("),
        "{}",
        e.message
    );
    assert!(
        e.message.ends_with("bytes; the limit is 200)"),
        "{}",
        e.message
    );
    let task = get(&s, &id).await;
    assert_eq!(task["status"], "failed");
    assert_eq!(task["statusMessage"], e.message.as_str());
    s.close().await;
}
