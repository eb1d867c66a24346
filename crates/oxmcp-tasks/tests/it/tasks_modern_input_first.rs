//! A tool that asks before it becomes a task (`ToolRoute::with_input_before_task`, the
//! composition of multi round-trip requests and the tasks extension, SEP-2663): its
//! questions before `continue_as_task` are `input_required` rounds of the call itself; the
//! call becomes a task once they are answered; later questions are the task's
//! `inputRequests`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use oxmcp_core::server::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::transport::memory::{self, MemoryTransport};
use oxmcp_core::{RequestContext, role::Server, serve_server};
use oxmcp_tasks::TasksServerBuilderExt as _;
use oxmcp_types::tools::TaskSupport;
use serde_json::{Value, json};

use crate::router_support::info;
use crate::support::RawPeer;
use crate::tasks_support::memory_engine;

type Raw = RawPeer<MemoryTransport>;

const EXTENSION: &str = "io.modelcontextprotocol/tasks";

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Confirm {
    ok: bool,
}

/// How often each part of `ask_then_work` ran.
#[derive(Default)]
struct Runs {
    before: AtomicUsize,
    after: AtomicUsize,
}

/// `ask_then_work` (tasks required) and `ask_optional` ask a name (synchronously),
/// continue as a task, then ask a confirmation (as the task's input request); `quick` and
/// `quick_optional` ask a name and return without reaching `continue_as_task`.
fn server(runs: &Arc<Runs>) -> McpServer {
    let ask_then_work = |name: &str, support| {
        let counted = runs.clone();
        ToolRoute::new(name, move |_: NoArguments, cx: RequestContext<Server>| {
            let runs = counted.clone();
            async move {
                runs.before.fetch_add(1, Ordering::SeqCst);
                let keyed = cx.with_input_key("user_name");
                let name = match keyed.elicit::<Name>("Name?").await? {
                    ElicitOutcome::Accepted(n) => n.name,
                    _ => "nobody".to_owned(),
                };
                cx.continue_as_task()?;
                runs.after.fetch_add(1, Ordering::SeqCst);
                let keyed = cx.with_input_key("go_on");
                let ok = matches!(
                    keyed.elicit::<Confirm>("Go on?").await?,
                    ElicitOutcome::Accepted(Confirm { ok: true })
                );
                Ok::<_, ToolError>(format!("{name}: ok={ok}"))
            }
        })
        .with_task_support(support)
        .with_input_before_task()
    };
    let quick = |name: &str, support| {
        ToolRoute::new(
            name,
            |_: NoArguments, cx: RequestContext<Server>| async move {
                match cx.elicit::<Name>("Name?").await? {
                    ElicitOutcome::Accepted(n) => Ok::<_, ToolError>(format!("hi {}", n.name)),
                    _ => Ok("hi".to_owned()),
                }
            },
        )
        .with_task_support(support)
        .with_input_before_task()
    };
    McpServer::builder(info())
        .tool(ask_then_work("ask_then_work", TaskSupport::Required))
        .tool(ask_then_work("ask_optional", TaskSupport::Optional))
        .tool(quick("quick", TaskSupport::Required))
        .tool(quick("quick_optional", TaskSupport::Optional))
        .tasks(memory_engine())
        .build()
        .unwrap()
}

fn connect(server: &McpServer) -> Raw {
    let (a, b) = memory::duplex(64);
    serve_server(a, server.server_config(), server.clone());
    RawPeer::new(b)
}

async fn ask(raw: &mut Raw, method: &str, mut params: Value, extension: bool) -> Value {
    let mut capabilities = json!({ "elicitation": {} });
    if extension {
        capabilities["extensions"] = json!({ EXTENSION: {} });
    }
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    });
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .await;
    loop {
        let message = raw.recv().await;
        if message.get("id").is_some() {
            return message;
        }
    }
}

/// Polls `tasks/get` until the task shows `status`.
async fn until(raw: &mut Raw, id: &str, status: &str) -> Value {
    for _ in 0..200 {
        let got = ask(raw, "tasks/get", json!({ "taskId": id }), true).await;
        if got["result"]["status"] == status {
            return got["result"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("task {id} never became {status}");
}

/// The first round of `tool`: `input_required`, one question, no task; its key and state.
async fn first_round(raw: &mut Raw, tool: &str, extension: bool) -> (String, Value) {
    let params = json!({ "name": tool, "arguments": {} });
    let round = ask(raw, "tools/call", params, extension).await;
    let result = &round["result"];
    assert_eq!(result["resultType"], "input_required", "{round}");
    assert!(result.get("taskId").is_none(), "{round}");
    let requests = result["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1, "{round}");
    let key = requests.keys().next().unwrap().clone();
    (key, result["requestState"].clone())
}

fn retry(tool: &str, key: &str, state: &Value, name: &str) -> Value {
    json!({
        "name": tool, "arguments": {},
        "inputResponses": { key: { "action": "accept", "content": { "name": name } } },
        "requestState": state,
    })
}

#[tokio::test(start_paused = true)]
async fn questions_before_the_boundary_are_rounds_then_the_call_becomes_a_task() {
    let runs = Arc::new(Runs::default());
    let server = server(&runs);
    let mut raw = connect(&server);
    let (key, state) = first_round(&mut raw, "ask_then_work", true).await;
    assert_eq!(key, "user_name");
    let handle = ask(
        &mut raw,
        "tools/call",
        retry("ask_then_work", &key, &state, "Ada"),
        true,
    )
    .await;
    let result = &handle["result"];
    assert_eq!(result["resultType"], "task", "{handle}");
    assert_eq!(result["status"], "working", "{handle}");
    assert!(result.get("requestState").is_none(), "{handle}");
    assert!(result.get("inputRequests").is_none(), "{handle}");
    let id = result["taskId"].as_str().unwrap().to_owned();
    // After the boundary, the question is the task's: the name is not asked again.
    let waiting = until(&mut raw, &id, "input_required").await;
    let requests = waiting["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1, "{waiting}");
    let (task_key, request) = requests.iter().next().unwrap();
    assert_eq!(request["params"]["message"], "Go on?", "{waiting}");
    let answer = json!({ "taskId": id, "inputResponses": {
        task_key.clone(): { "action": "accept", "content": { "ok": true } } } });
    let ack = ask(&mut raw, "tasks/update", answer, true).await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let done = until(&mut raw, &id, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Ada: ok=true",
        "{done}"
    );
    // Before the boundary: once per round and once in the task; after it: once.
    assert_eq!(runs.before.load(Ordering::SeqCst), 3);
    assert_eq!(runs.after.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_changed_answer_is_refused_before_any_task_exists() {
    let runs = Arc::new(Runs::default());
    let server = server(&runs);
    let mut raw = connect(&server);
    let (key, state) = first_round(&mut raw, "ask_then_work", true).await;
    // A malformed answer refuses the call: no task.
    let mut params = retry("ask_then_work", &key, &state, "x");
    params["inputResponses"][&key] = json!(42);
    let refused = ask(&mut raw, "tools/call", params, true).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert_eq!(runs.after.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_handler_done_before_the_boundary_is_answered_directly_or_as_a_held_task() {
    let runs = Arc::new(Runs::default());
    let server = server(&runs);
    let mut raw = connect(&server);
    // Tasks optional: the answer of the last round is the result.
    let (key, state) = first_round(&mut raw, "quick_optional", true).await;
    let direct = ask(
        &mut raw,
        "tools/call",
        retry("quick_optional", &key, &state, "Bo"),
        true,
    )
    .await;
    assert_eq!(direct["result"]["resultType"], "complete", "{direct}");
    assert_eq!(direct["result"]["content"][0]["text"], "hi Bo", "{direct}");
    // Tasks required: a task that holds that result.
    let (key, state) = first_round(&mut raw, "quick", true).await;
    let handle = ask(
        &mut raw,
        "tools/call",
        retry("quick", &key, &state, "Cy"),
        true,
    )
    .await;
    assert_eq!(handle["result"]["resultType"], "task", "{handle}");
    let id = handle["result"]["taskId"].as_str().unwrap().to_owned();
    let done = until(&mut raw, &id, "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "hi Cy", "{done}");
}

#[tokio::test(start_paused = true)]
async fn without_the_extension_the_boundary_does_nothing() {
    let runs = Arc::new(Runs::default());
    let server = server(&runs);
    let mut raw = connect(&server);
    // A required tool still needs the extension.
    let params = json!({ "name": "ask_then_work", "arguments": {} });
    let refused = ask(&mut raw, "tools/call", params, false).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    // An optional one runs through its boundary as a plain multi round-trip request.
    let (key, state) = first_round(&mut raw, "ask_optional", false).await;
    let params = retry("ask_optional", &key, &state, "Di");
    let second = ask(&mut raw, "tools/call", params.clone(), false).await;
    let result = &second["result"];
    assert_eq!(result["resultType"], "input_required", "{second}");
    assert!(result["inputRequests"].get("go_on").is_some(), "{second}");
    let mut params = params;
    params["inputResponses"] =
        json!({ "go_on": { "action": "accept", "content": { "ok": false } } });
    params["requestState"] = result["requestState"].clone();
    let done = ask(&mut raw, "tools/call", params, false).await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Di: ok=false",
        "{done}"
    );
    assert_eq!(
        runs.after.load(Ordering::SeqCst),
        2,
        "both rounds passed the boundary"
    );
}
