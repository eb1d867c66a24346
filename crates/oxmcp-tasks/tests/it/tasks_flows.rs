//! Task-augmented `tools/call` end to end: results, errors and failed results equal to the
//! plain answers, `execution.taskSupport`, capabilities per version, ttl and pollInterval,
//! status notifications, and progress after the `CreateTaskResult`.

use oxmcp_tasks::TasksServerBuilderExt as _;
use std::sync::Arc;

use oxmcp_core::server::McpServer;
use oxmcp_tasks::{MemoryTaskStore, TaskEngine};
use oxmcp_types::ErrorCode;
use serde_json::{Value, json};

use crate::router_support::{call, open, open_raw};
use crate::tasks_support::*;

fn server() -> (McpServer, Gate, Arc<Probe>) {
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    (task_server(memory_engine(), &gate, &probe), gate, probe)
}

/// The plain answer with the related-task `_meta` appended: what `tasks/result` must send.
fn with_meta(plain: &str, id: &str) -> String {
    let body = plain.strip_suffix('}').unwrap();
    format!(r#"{body},"_meta":{{"io.modelcontextprotocol/related-task":{{"taskId":"{id}"}}}}}}"#)
}

#[tokio::test(start_paused = true)]
async fn results_and_failed_results_are_the_plain_answers_byte_for_byte() {
    let (server, _, _) = server();
    let s = open(&server).await;
    for (tool, status) in [("echo", "completed"), ("fail", "failed")] {
        let plain = raw(&s, "tools/call", call(tool, json!({"text": "hi"})))
            .await
            .unwrap();
        let id = start(&s, tool, "hi").await;
        let payload = result(&s, &id).await.expect("a result");
        assert_eq!(payload, with_meta(&plain, &id), "{tool}");
        assert_eq!(
            without_related_task(&payload, &id),
            serde_json::from_str::<Value>(&plain).unwrap()
        );
        let task = get(&s, &id).await;
        assert_eq!(task["status"], status, "{tool}: {task}");
        assert!(
            task.get("_meta").is_none(),
            "tasks/get carries no related-task meta"
        );
        if tool == "fail" {
            assert_eq!(
                task["statusMessage"],
                "tool execution failed: the API rate limit was exceeded"
            );
        }
    }
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn json_rpc_errors_and_panics_fail_the_task_with_the_same_error() {
    let (server, _, _) = server();
    let s = open(&server).await;
    let plain = s
        .err(
            "tools/call",
            call("error", json!({"text": "x"})),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    let id = start(&s, "error", "x").await;
    let error = result(&s, &id).await.expect_err("an error");
    assert_eq!(serde_json::to_value(&error).unwrap(), plain);
    let task = get(&s, &id).await;
    assert_eq!(task["status"], "failed");
    assert_eq!(task["statusMessage"], "no such city");

    let id = start(&s, "panic", "x").await;
    let error = result(&s, &id).await.expect_err("an error");
    assert_eq!(error.code, ErrorCode::INTERNAL_ERROR);
    assert_eq!(get(&s, &id).await["status"], "failed");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn task_support_decides_how_a_tool_may_be_called() {
    let (server, _, _) = server();
    let s = open(&server).await;
    let e = s
        .err(
            "tools/call",
            call("echo_required", json!({"text": "a"})),
            ErrorCode::METHOD_NOT_FOUND,
        )
        .await;
    assert_eq!(
        e["message"],
        "tool `echo_required` must be called as a task"
    );
    let id = start(&s, "echo_required", "a").await;
    assert!(result(&s, &id).await.is_ok());
    let e = s
        .err(
            "tools/call",
            task_call("echo_plain", "a"),
            ErrorCode::METHOD_NOT_FOUND,
        )
        .await;
    assert_eq!(
        e["message"],
        "tool `echo_plain` does not support task-augmented calls"
    );
    let plain = s
        .ok("tools/call", call("echo_plain", json!({"text": "a"})))
        .await;
    assert_eq!(plain["content"][0]["text"], "a");
    let optional = s.ok("tools/call", call("echo", json!({"text": "b"}))).await;
    assert_eq!(optional["content"][0]["text"], "b");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn tasks_are_declared_to_2025_11_25_sessions_only() {
    let (server, _, _) = server();
    let caps = serde_json::to_value(server.capabilities()).unwrap();
    assert_eq!(
        caps["tasks"],
        json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}})
    );
    let mut old = open_raw(&server, "2025-06-18").await;
    old.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": task_call("echo", "old")}))
        .await;
    let answer = old.recv().await;
    assert_eq!(answer["result"]["content"][0]["text"], "old", "{answer}");
    old.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tasks/get",
        "params": {"taskId": "x"}}))
        .await;
    assert_eq!(old.recv().await["error"]["code"], -32601);
    old.send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": task_call("echo_required", "old")}))
        .await;
    assert_eq!(old.recv().await["error"]["code"], -32601);

    let mut new = open_raw(&server, "2025-11-25").await;
    new.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    let list = new.recv().await;
    let required = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo_required")
        .unwrap();
    assert_eq!(required["execution"]["taskSupport"], "required");
}

#[tokio::test(start_paused = true)]
async fn a_server_without_an_engine_ignores_task() {
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let server = McpServer::builder(crate::router_support::info())
        .tools(task_tools(&gate, &probe))
        .build()
        .unwrap();
    assert!(server.capabilities().tasks.is_none());
    let s = open(&server).await;
    let answer = s.ok("tools/call", task_call("echo", "plain")).await;
    assert_eq!(answer["content"][0]["text"], "plain");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn ttl_is_capped_and_reported_with_poll_interval_and_immediate_response() {
    let config = fast_config().with_max_ttl(Some(std::time::Duration::from_secs(30)));
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let engine = TaskEngine::new(MemoryTaskStore::new(), config);
    let server = task_server(engine, &gate, &probe);
    let s = open(&server).await;
    let created = s.ok("tools/call", task_call("gated", "t")).await;
    assert_eq!(
        created["task"]["ttl"], 30_000,
        "60 s requested, 30 s allowed"
    );
    assert_eq!(created["task"]["pollInterval"], 100);
    assert_eq!(
        created["_meta"]["io.modelcontextprotocol/model-immediate-response"],
        "started; poll for the result"
    );
    let created_at = created["task"]["createdAt"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "{created_at}"
    );
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let task = get(&s, &id).await;
    assert_eq!(task["ttl"], 30_000);
    assert_eq!(task["createdAt"], created["task"]["createdAt"]);
    let none_requested = s
        .ok(
            "tools/call",
            json!({"name": "echo", "arguments": {"text": "d"}, "task": {}}),
        )
        .await;
    assert_eq!(none_requested["task"]["ttl"], 30_000, "the default, capped");
    gate.open();
    let done = result(&s, &id).await.unwrap();
    assert!(done.contains("gated t"), "{done}");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn status_changes_are_notified_to_the_creating_session() {
    let (server, gate, _) = server();
    let s = open(&server).await;
    let id = start(&s, "gated", "n").await;
    gate.open();
    let note = s.notification("notifications/tasks/status").await;
    assert_eq!(note["taskId"], id.as_str());
    assert_eq!(note["status"], "completed");
    assert!(note.get("_meta").is_none());
    s.close().await;

    let quiet = TaskEngine::new(
        MemoryTaskStore::new(),
        fast_config().with_status_notifications(false),
    );
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(quiet, &gate, &probe)).await;
    let id = start(&s, "gated", "q").await;
    gate.open();
    result(&s, &id).await.unwrap();
    s.no_notification("notifications/tasks/status").await;
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn progress_tokens_stay_valid_after_the_create_task_result() {
    let (server, gate, probe) = server();
    let mut raw = open_raw(&server, "2025-11-25").await;
    let mut params = task_call("gated", "p");
    params["_meta"] = json!({"progressToken": "tok"});
    raw.send(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}))
        .await;
    // The answer and the first progress may come in either order; collect until both.
    let mut seen = Vec::new();
    let mut id = None;
    while id.is_none() || seen.is_empty() {
        let m = raw.recv().await;
        if m["id"] == 7 {
            id = m["result"]["task"]["taskId"].as_str().map(str::to_owned);
        } else if m["method"] == "notifications/progress" {
            seen.push(m);
        }
    }
    let id = id.unwrap();
    probe.wait_event().await;
    gate.open();
    loop {
        let m = raw.recv().await;
        if m["method"] == "notifications/tasks/status" && m["params"]["status"] == "completed" {
            break;
        }
        if m["method"] == "notifications/progress" {
            seen.push(m);
        }
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (n, progress) in seen.iter().enumerate() {
        let p = &progress["params"];
        assert_eq!(p["progressToken"], "tok");
        assert_eq!(p["progress"], n as f64 + 1.0);
        assert_eq!(
            p["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
            id.as_str()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_limit_of_unfinished_tasks_per_requestor_applies() {
    let config = fast_config().with_max_unfinished_per_owner(2);
    let gates = KeyedGates::default();
    let server = McpServer::builder(crate::router_support::info())
        .tool(keyed_tool(&gates))
        .tasks(TaskEngine::new(MemoryTaskStore::new(), config))
        .build()
        .unwrap();
    let s = open(&server).await;
    let first = start(&s, "keyed", "1").await;
    start(&s, "keyed", "2").await;
    let e = s
        .err(
            "tools/call",
            task_call("keyed", "3"),
            ErrorCode::INTERNAL_ERROR,
        )
        .await;
    assert_eq!(
        e["message"],
        "too many unfinished tasks: the limit per requestor is 2"
    );
    // Another session is another requestor.
    let other = open(&server).await;
    start(&other, "keyed", "4").await;
    // A finished task no longer counts.
    gates.gate("1").open();
    assert!(result(&s, &first).await.unwrap().contains("done 1"));
    start(&s, "keyed", "5").await;
    for key in ["2", "4", "5"] {
        gates.gate(key).open();
    }
    s.close().await;
    other.close().await;
}
