//! The oxmcp client and the tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`)
//! over memory: with `ClientConfig::with_tasks_extension`, `call_tool` follows a task the
//! server made of the call to its result (polling `tasks/get` at the task's pace, answering
//! its input requests with the host's handler through `tasks/update`, cancelling it when the
//! call is cancelled); `call_tool_or_task` keeps the handle.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::client::{ClientHandler, McpClient, ModernTask, TaskPolling, ToolCallOutcome};
use oxmcp_core::handler::{HandlerResult, IncomingRequest};
use oxmcp_core::middleware::{Middleware, Next};
use oxmcp_core::server::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::transport::memory;
use oxmcp_core::{ClientConfig, RequestContext, RequestError, RequestOptions};
use oxmcp_core::{role::Server, serve_server};
use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TaskEngine, TasksServerBuilderExt as _};
use oxmcp_types::elicitation::{ElicitResult, ElicitValue};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{CallToolRequestParams, CallToolResult, ContentBlock, Era, TaskStatus};
use tokio_util::sync::CancellationToken;

use crate::router_support::info;

/// Counts the `tasks/*` requests the server receives, by method.
#[derive(Clone, Default)]
struct Counts(Arc<std::sync::Mutex<BTreeMap<String, usize>>>);

impl Counts {
    fn of(&self, method: &str) -> usize {
        self.0.lock().unwrap().get(method).copied().unwrap_or(0)
    }
}

impl Middleware<Server> for Counts {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
        next: Next<Server>,
    ) -> HandlerResult {
        if request.method.starts_with("tasks/") {
            *self
                .0
                .lock()
                .unwrap()
                .entry(request.method.clone())
                .or_default() += 1;
        }
        next.run(request, cx).await
    }
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Seconds {
    seconds: u64,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// `sleep` works `seconds` (until cancelled); `greet` asks a name as a task; `boom` fails
/// with -32602; `plain` never runs as a task. Tasks are polled every 250 ms.
fn server(counts: &Counts, cancelled: &Arc<AtomicUsize>) -> McpServer {
    let stopped = cancelled.clone();
    let sleep = ToolRoute::new("sleep", move |a: Seconds, cx: RequestContext<Server>| {
        let stopped = stopped.clone();
        async move {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(a.seconds)) => {}
                () = cx.cancellation_token().cancelled() => {
                    stopped.fetch_add(1, Ordering::SeqCst);
                    return Err(ToolError::execution("cancelled"));
                }
            }
            Ok(format!("slept {} s", a.seconds))
        }
    })
    .with_task_support(TaskSupport::Optional);
    let greet = ToolRoute::new(
        "greet",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            match cx.elicit::<Name>("Name?").await? {
                ElicitOutcome::Accepted(n) => Ok::<_, ToolError>(format!("Hello, {}!", n.name)),
                _ => Ok("Hello!".to_owned()),
            }
        },
    )
    .with_task_support(TaskSupport::Required);
    let boom = ToolRoute::new("boom", |_: NoArguments, _cx| async {
        Err::<String, _>(ToolError::protocol(oxmcp_types::ErrorData::invalid_params(
            "boom",
        )))
    })
    .with_task_support(TaskSupport::Optional);
    let plain = ToolRoute::new("plain", |_: NoArguments, _cx| async { "at once" });
    let config = TaskConfig::default().with_poll_interval(Duration::from_millis(250));
    McpServer::builder(info())
        .layer(counts.clone())
        .tools([sleep, greet, boom, plain])
        .tasks(TaskEngine::new(MemoryTaskStore::new(), config))
        .build()
        .unwrap()
}

/// A host that answers forms with the name "Ada", counting them.
fn host(asked: &Arc<AtomicUsize>) -> ClientHandler {
    let asked = asked.clone();
    ClientHandler::new().with_form_elicitation(move |_form| {
        asked.fetch_add(1, Ordering::SeqCst);
        let content = BTreeMap::from([("name".to_owned(), ElicitValue::String("Ada".into()))]);
        async move { Ok(ElicitResult::accept(content)) }
    })
}

async fn client(server: &McpServer, tasks: bool, asked: &Arc<AtomicUsize>) -> McpClient {
    let (a, b) = memory::duplex(64);
    serve_server(a, server.server_config(), server.clone());
    let mut config = ClientConfig::new(info()).with_era(Era::Modern);
    if tasks {
        config = config.with_tasks_extension();
    }
    McpClient::connect(b, config, host(asked)).await.unwrap()
}

fn call(tool: &str, arguments: serde_json::Value) -> CallToolRequestParams {
    CallToolRequestParams::new(tool).with_arguments(match arguments {
        serde_json::Value::Object(map) => map,
        other => panic!("arguments must be an object: {other}"),
    })
}

fn text_of(result: &CallToolResult) -> &str {
    match result.content.first() {
        Some(ContentBlock::Text(t)) => &t.text,
        other => panic!("not text: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn call_tool_follows_a_task_at_its_pace_to_the_result() {
    let (counts, cancelled, asked) = (Counts::default(), Arc::default(), Arc::default());
    let server = server(&counts, &cancelled);
    let client = client(&server, true, &asked).await;
    let started = tokio::time::Instant::now();
    let result = client
        .peer()
        .call_tool(call("sleep", serde_json::json!({ "seconds": 2 })))
        .await
        .unwrap();
    assert_eq!(text_of(&result), "slept 2 s");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(2), "{took:?}");
    // Polled every 250 ms (the task's pollIntervalMs): 8 or 9 times for 2 s of work.
    let polls = counts.of("tasks/get");
    assert!((8..=9).contains(&polls), "{polls} polls in {took:?}");
    // A tool that is not a task answers at once; so does everything without the extension.
    let result = client
        .peer()
        .call_tool(call("plain", serde_json::json!({})))
        .await;
    assert_eq!(text_of(&result.unwrap()), "at once");
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn input_requests_of_a_task_are_answered_by_the_host_once() {
    let (counts, cancelled, asked) = (Counts::default(), Arc::default(), Arc::default());
    let server = server(&counts, &cancelled);
    let client = client(&server, true, &asked).await;
    let result = client
        .peer()
        .call_tool(call("greet", serde_json::json!({})))
        .await
        .unwrap();
    assert_eq!(text_of(&result), "Hello, Ada!");
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the question is answered once"
    );
    assert_eq!(counts.of("tasks/update"), 1);
    // A failed task is the server's JSON-RPC error.
    let failed = client
        .peer()
        .call_tool(call("boom", serde_json::json!({})))
        .await;
    match failed {
        Err(RequestError::Remote(e)) => assert_eq!(e.code.0, -32602, "{e:?}"),
        other => panic!("{other:?}"),
    }
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn call_tool_or_task_keeps_the_handle() {
    let (counts, cancelled, asked) = (Counts::default(), Arc::default(), Arc::default());
    let server = server(&counts, &cancelled);
    let client = client(&server, true, &asked).await;
    let outcome = client
        .peer()
        .call_tool_or_task(call("sleep", serde_json::json!({ "seconds": 1 })))
        .await
        .unwrap();
    let ToolCallOutcome::Task(task) = outcome else {
        panic!("a task: {outcome:?}")
    };
    assert_eq!(counts.of("tasks/get"), 0, "the handle is not followed");
    let created = task.created().unwrap();
    assert_eq!(created.status, TaskStatus::Working);
    assert_eq!(created.poll_interval_ms, Some(250));
    assert_eq!(task.get().await.unwrap().task.status, TaskStatus::Working);
    // Another handle on the same task, by id, reads the same result.
    let again: ModernTask<CallToolResult> =
        ModernTask::attach(client.peer().clone(), task.task_id())
            .with_polling(TaskPolling::default().with_interval(Duration::from_millis(100)));
    assert_eq!(text_of(&again.result().await.unwrap()), "slept 1 s");
    assert_eq!(text_of(&task.result().await.unwrap()), "slept 1 s");
    // Not a task: the result at once.
    let outcome = client
        .peer()
        .call_tool_or_task(call("plain", serde_json::json!({})))
        .await
        .unwrap();
    assert!(matches!(outcome, ToolCallOutcome::Complete(ref r) if text_of(r) == "at once"));
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_call_cancels_the_task_and_a_cancelled_task_has_no_result() {
    let (counts, cancelled, asked) = (Counts::default(), Arc::default(), Arc::default());
    let server = server(&counts, &cancelled);
    let client = client(&server, true, &asked).await;
    let token = CancellationToken::new();
    let options = RequestOptions::new().cancel_on(token.clone());
    let peer = client.peer().clone();
    let params = call("sleep", serde_json::json!({ "seconds": 60 }));
    let running = tokio::spawn(async move { peer.call_tool_with(params, options).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    token.cancel();
    let outcome = running.await.unwrap();
    assert!(
        matches!(outcome, Err(RequestError::Cancelled)),
        "{outcome:?}"
    );
    assert_eq!(counts.of("tasks/cancel"), 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(cancelled.load(Ordering::SeqCst), 1, "the work was stopped");
    // A handle's result() ends with TaskCancelled when the task is cancelled.
    let outcome = client
        .peer()
        .call_tool_or_task(call("sleep", serde_json::json!({ "seconds": 60 })))
        .await
        .unwrap();
    let ToolCallOutcome::Task(task) = outcome else {
        panic!("a task")
    };
    task.cancel().await.unwrap();
    match task.result().await {
        Err(RequestError::TaskCancelled { task_id, .. }) => assert_eq!(task_id, task.task_id()),
        other => panic!("{other:?}"),
    }
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn without_the_extension_a_required_tool_is_refused() {
    let (counts, cancelled, asked) = (Counts::default(), Arc::default(), Arc::default());
    let server = server(&counts, &cancelled);
    let client = client(&server, false, &asked).await;
    let refused = client
        .peer()
        .call_tool(call("greet", serde_json::json!({})))
        .await;
    match refused {
        Err(RequestError::Remote(e)) => assert_eq!(e.code.0, -32021, "{e:?}"),
        other => panic!("{other:?}"),
    }
    // An optional one runs directly.
    let result = client
        .peer()
        .call_tool(call("sleep", serde_json::json!({ "seconds": 1 })))
        .await
        .unwrap();
    assert_eq!(text_of(&result), "slept 1 s");
    assert_eq!(counts.of("tasks/get"), 0);
    client.close().await;
}
