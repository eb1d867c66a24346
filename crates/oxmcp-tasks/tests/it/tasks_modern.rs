//! The tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`) on the engine of the
//! 2025-11-25 task protocol: a modern `tools/call` of a client that declared the extension
//! becomes a task handle; `tasks/get` returns the result, error or `inputRequests`;
//! `tasks/update` answers them; `tasks/cancel`; no `tasks/list` nor `tasks/result`; -32021
//! without the extension; another principal's task is not found.

use std::sync::Arc;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::transport::memory::{self, MemoryTransport};
use oxmcp_core::{Principal, RequestContext, role::Server, serve_server};
use oxmcp_tasks::TasksServerBuilderExt as _;
use oxmcp_types::tools::TaskSupport;
use serde_json::{Value, json};

use crate::router_support::info;
use crate::support::RawPeer;
use crate::tasks_support::{Gate, Probe, memory_engine, task_tools};

type Raw = RawPeer<MemoryTransport>;

const EXTENSION: &str = "io.modelcontextprotocol/tasks";

fn meta(with_extension: bool) -> Value {
    let mut capabilities = json!({ "elicitation": {} });
    if with_extension {
        capabilities["extensions"] = json!({ EXTENSION: {} });
    }
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    })
}

/// The answer the user gives in a form.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// The task tools, and `greet`, which asks the user's name while it runs as a task.
fn server(gate: &Gate) -> McpServer {
    let greet = ToolRoute::new(
        "greet",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            match cx.elicit::<Name>("Name?").await? {
                ElicitOutcome::Accepted(n) => Ok::<_, ToolError>(format!("Hello, {}!", n.name)),
                _ => Ok("Hello!".to_owned()),
            }
        },
    )
    .with_task_support(TaskSupport::Optional);
    McpServer::builder(info())
        .tools(task_tools(gate, &Arc::new(Probe::default())))
        .tool(greet)
        .tasks(memory_engine())
        .build()
        .unwrap()
}

/// A modern client of `server` (no `initialize`), as `principal` when given.
fn connect(server: &McpServer, principal: Option<&str>) -> Raw {
    let (a, b) = memory::duplex(64);
    let mut config = server.server_config();
    if let Some(who) = principal {
        config = config.with_principal(Principal::new(who));
    }
    serve_server(a, config, server.clone());
    RawPeer::new(b)
}

async fn ask(raw: &mut Raw, method: &str, mut params: Value, extension: bool) -> Value {
    params["_meta"] = meta(extension);
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .await;
    loop {
        let message = raw.recv().await;
        if message.get("id").is_some() {
            return message;
        }
    }
}

async fn call(raw: &mut Raw, tool: &str, arguments: Value, extension: bool) -> Value {
    let params = json!({ "name": tool, "arguments": arguments });
    ask(raw, "tools/call", params, extension).await
}

/// Polls `tasks/get` until the task shows `status`.
async fn until(raw: &mut Raw, id: &str, status: &str) -> Value {
    for _ in 0..200 {
        let got = ask(raw, "tasks/get", json!({ "taskId": id }), true).await;
        assert_eq!(got["result"]["resultType"], "complete", "{got}");
        if got["result"]["status"] == status {
            return got["result"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("task {id} never became {status}");
}

async fn task_of(raw: &mut Raw, tool: &str, text: &str) -> String {
    let handle = call(raw, tool, json!({ "text": text }), true).await;
    let result = &handle["result"];
    assert_eq!(result["resultType"], "task", "{handle}");
    assert_eq!(result["status"], "working", "{handle}");
    assert!(
        result.get("ttlMs").is_some() && result.get("ttl").is_none(),
        "{handle}"
    );
    result["taskId"].as_str().unwrap().to_owned()
}

#[tokio::test(start_paused = true)]
async fn a_call_becomes_a_task_and_tasks_get_returns_its_result() {
    let gate = Gate::default();
    let server = server(&gate);
    // The extension is declared in discovery.
    let mut raw = connect(&server, None);
    let discovered = ask(&mut raw, "server/discover", json!({}), false).await;
    let capabilities = &discovered["result"]["capabilities"];
    assert_eq!(
        capabilities["extensions"][EXTENSION],
        json!({}),
        "{discovered}"
    );
    assert!(capabilities.get("tasks").is_none(), "{discovered}");
    let id = task_of(&mut raw, "echo", "hi").await;
    let done = until(&mut raw, &id, "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "hi", "{done}");
    // A tool error is a completed task; a JSON-RPC error a failed one.
    let id = task_of(&mut raw, "fail", "x").await;
    let done = until(&mut raw, &id, "completed").await;
    assert_eq!(done["result"]["isError"], true, "{done}");
    let id = task_of(&mut raw, "error", "x").await;
    let failed = until(&mut raw, &id, "failed").await;
    assert_eq!(failed["error"]["code"], -32602, "{failed}");
    // The 2025-11-25 methods do not exist here.
    for method in ["tasks/list", "tasks/result"] {
        let answer = ask(&mut raw, method, json!({ "taskId": id }), true).await;
        assert_eq!(answer["error"]["code"], -32601, "{method}: {answer}");
    }
    let answer = ask(&mut raw, "tasks/get", json!({ "taskId": "nope" }), true).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
}

#[tokio::test(start_paused = true)]
async fn without_the_extension_calls_are_plain_and_task_methods_refused() {
    let server = server(&Gate::default());
    let mut raw = connect(&server, None);
    let plain = call(&mut raw, "echo", json!({ "text": "now" }), false).await;
    assert_eq!(plain["result"]["resultType"], "complete", "{plain}");
    assert_eq!(plain["result"]["content"][0]["text"], "now");
    let refused = call(&mut raw, "echo_required", json!({ "text": "x" }), false).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    let required = &refused["error"]["data"]["requiredCapabilities"];
    assert_eq!(required["extensions"][EXTENSION], json!({}), "{refused}");
    let refused = ask(&mut raw, "tasks/get", json!({ "taskId": "x" }), false).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    let listen = json!({ "notifications": { "taskIds": ["x"] } });
    let refused = ask(&mut raw, "subscriptions/listen", listen, false).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    // A tool that forbids tasks is answered directly even with the extension.
    let plain = call(&mut raw, "echo_plain", json!({ "text": "p" }), true).await;
    assert_eq!(plain["result"]["resultType"], "complete", "{plain}");
}

#[tokio::test(start_paused = true)]
async fn input_requests_are_answered_with_tasks_update() {
    let server = server(&Gate::default());
    let mut raw = connect(&server, None);
    let handle = call(&mut raw, "greet", json!({}), true).await;
    let id = handle["result"]["taskId"].as_str().unwrap().to_owned();
    let waiting = until(&mut raw, &id, "input_required").await;
    let requests = waiting["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1, "{waiting}");
    let (key, request) = requests.iter().next().unwrap();
    assert_eq!(request["method"], "elicitation/create", "{waiting}");
    assert_eq!(request["params"]["message"], "Name?");
    // An answer of the wrong shape is refused; an unknown key is ignored.
    let wrong = json!({ "taskId": id, "inputResponses": { key.clone(): { "roots": 1 } } });
    let refused = ask(&mut raw, "tasks/update", wrong, true).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let answer = json!({ "taskId": id, "inputResponses": {
        key.clone(): { "action": "accept", "content": { "name": "Luca" } },
        "unknown-1": { "action": "decline" } } });
    let ack = ask(&mut raw, "tasks/update", answer, true).await;
    assert_eq!(ack["result"], json!({ "resultType": "complete" }), "{ack}");
    let done = until(&mut raw, &id, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Hello, Luca!",
        "{done}"
    );
    let unknown = json!({ "taskId": "nope", "inputResponses": {} });
    let refused = ask(&mut raw, "tasks/update", unknown, true).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
}

#[tokio::test(start_paused = true)]
async fn another_principals_task_is_not_found_and_cancel_acknowledges() {
    let gate = Gate::default();
    let server = server(&gate);
    let mut alice = connect(&server, Some("alice"));
    let mut bob = connect(&server, Some("bob"));
    let id = task_of(&mut alice, "held", "mine").await;
    for (method, params) in [
        ("tasks/get", json!({ "taskId": id })),
        ("tasks/cancel", json!({ "taskId": id })),
        (
            "tasks/update",
            json!({ "taskId": id, "inputResponses": {} }),
        ),
    ] {
        let answer = ask(&mut bob, method, params, true).await;
        assert_eq!(answer["error"]["code"], -32602, "{method}: {answer}");
    }
    let ack = ask(&mut alice, "tasks/cancel", json!({ "taskId": id }), true).await;
    assert_eq!(ack["result"], json!({ "resultType": "complete" }), "{ack}");
    let cancelled = until(&mut alice, &id, "cancelled").await;
    assert!(cancelled.get("result").is_none(), "{cancelled}");
    // A task that is done already: acknowledged all the same.
    let ack = ask(&mut alice, "tasks/cancel", json!({ "taskId": id }), true).await;
    assert_eq!(ack["result"], json!({ "resultType": "complete" }), "{ack}");
    gate.open();
}

/// The answer to request `id`, past any notification.
async fn answer(raw: &mut Raw, id: u64) -> Value {
    loop {
        let message = raw.recv().await;
        if message.get("id") == Some(&json!(id)) {
            return message;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_legacy_session_keeps_the_2025_11_25_protocol() {
    let server = server(&Gate::default());
    let mut raw = crate::router_support::open_raw(&server, "2025-11-25").await;
    let call = json!({ "name": "echo", "arguments": { "text": "old" }, "task": { "ttl": 60000 } });
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call}))
        .await;
    let created = answer(&mut raw, 1).await;
    let task = &created["result"]["task"];
    assert_eq!(task["status"], "working", "{created}");
    assert!(created["result"].get("resultType").is_none(), "{created}");
    let id = task["taskId"].clone();
    let params = json!({ "taskId": id });
    raw.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tasks/result", "params": params}))
        .await;
    let result = answer(&mut raw, 2).await;
    assert_eq!(result["result"]["content"][0]["text"], "old", "{result}");
    let params = json!({ "taskId": id, "inputResponses": {} });
    raw.send(json!({"jsonrpc": "2.0", "id": 3, "method": "tasks/update", "params": params}))
        .await;
    let refused = answer(&mut raw, 3).await;
    assert_eq!(refused["error"]["code"], -32601, "{refused}");
}
