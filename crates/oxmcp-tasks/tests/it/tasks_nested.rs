//! A task's work that is itself a requestor: a tool running as a task asks its client for
//! sampling as a task and waits on it. The outer task shows `input_required` once for the
//! whole wait, however often it polls; its `tasks/*` requests carry no related-task meta
//! (their `taskId` names the task); and the server's handle hears the client's
//! `notifications/tasks/status` without any wiring.

use oxmcp_tasks::ServerTaskRequests as _;
use oxmcp_tasks::{TasksClientExt as _, TasksServerBuilderExt as _};
use std::sync::Arc;
use std::time::Duration;

use oxmcp_core::ClientConfig;
use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_tasks::PollPolicy;
use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TaskEngine};
use oxmcp_types::sampling::{CreateMessageRequestParams, SamplingMessage};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{
    CreateMessageResult, ErrorData, Implementation, Role, SamplingMessageContentBlock,
};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::router_support::{EchoArgs, Session, info};
use crate::tasks_support::*;

const GUARD: Duration = Duration::from_secs(20);
const RELATED: &str = "io.modelcontextprotocol/related-task";

/// `summarize` (optional) asks the client to sample as a task, polled with `polls`, and
/// returns the model's name.
fn summarize(polls: PollPolicy) -> ToolRoute {
    ToolRoute::new("summarize", move |_: EchoArgs, cx| async move {
        let params =
            CreateMessageRequestParams::new(vec![SamplingMessage::user_text("Summarize.")], 50);
        let fail = |e: String| ToolError::protocol(ErrorData::internal_error(e));
        let task = cx
            .create_message_as_task(params)
            .await
            .map_err(|e| fail(e.to_string()))?
            .with_poll_policy(polls);
        let answer = task
            .wait_for_result()
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok::<_, ToolError>(format!("sampled by {}", answer.model))
    })
    .with_task_support(TaskSupport::Optional)
}

/// A client that receives sampling as tasks (its engine suggests `poll_interval`); the
/// sampling waits for `gate`, and `started` gets a permit when it begins.
fn sampling_client(
    gate: &Arc<Semaphore>,
    started: &Arc<Semaphore>,
    poll: Duration,
) -> ClientHandler {
    let (gate, started) = (gate.clone(), started.clone());
    let config = TaskConfig::default().with_poll_interval(poll);
    ClientHandler::new()
        .with_sampling(move |_request| {
            let (gate, started) = (gate.clone(), started.clone());
            async move {
                started.add_permits(1);
                gate.acquire().await.unwrap().forget();
                let text = SamplingMessageContentBlock::text("Short.");
                Ok(CreateMessageResult::new(Role::Assistant, text, "m"))
            }
        })
        .with_tasks(TaskEngine::new(MemoryTaskStore::new(), config))
}

async fn session(server: &McpServer, handler: ClientHandler) -> (Session, McpClient, Log) {
    let (b, running, log) = serve_recorded(server);
    let client = McpClient::connect(
        b,
        ClientConfig::new(Implementation::new("host", "1")),
        handler,
    )
    .await
    .unwrap();
    client.peer().ping().await.unwrap();
    let s = Session {
        server: running,
        client: client.running().clone(),
        notes: Arc::default(),
    };
    (s, client, log)
}

fn server(polls: PollPolicy) -> McpServer {
    McpServer::builder(info())
        .tool(summarize(polls))
        .tasks(memory_engine())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn polling_another_task_is_not_input_and_carries_no_related_task() {
    let polls = PollPolicy::new()
        .with_min_interval(Duration::from_millis(5))
        .with_default_interval(Duration::from_millis(5));
    let (gate, started) = (Arc::new(Semaphore::new(0)), Arc::new(Semaphore::new(0)));
    let handler = sampling_client(&gate, &started, Duration::from_millis(5));
    let server = server(polls);
    let (s, _client, log) = session(&server, handler).await;
    let id = start(&s, "summarize", "").await;
    tokio::time::timeout(GUARD, started.acquire())
        .await
        .expect("the sampling started")
        .unwrap()
        .forget();
    // Let the server poll the client's task a few times before the sampling ends.
    tokio::time::timeout(GUARD, async {
        while sent(&log, "tasks/get").len() < 4 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("the server polled");
    gate.add_permits(1);
    let payload = result(&s, &id).await.unwrap();
    assert!(payload.contains("sampled by m"), "{payload}");

    // The sampling request is the task's: it carries the related-task meta...
    let sampling = sent(&log, "sampling/createMessage");
    assert_eq!(sampling.len(), 1);
    assert_eq!(
        sampling[0]["params"]["_meta"][RELATED],
        json!({ "taskId": id })
    );
    // ...the polls and the result request name the client's task and carry none.
    for method in ["tasks/get", "tasks/result"] {
        let requests = sent(&log, method);
        assert!(!requests.is_empty(), "no {method}");
        for request in requests {
            assert!(request["params"]["_meta"][RELATED].is_null(), "{request}");
            assert_ne!(request["params"]["taskId"], json!(id));
        }
    }
    // The outer task: input_required while the sampling request was outstanding, and
    // once more for the whole wait on the client's task, then completed.
    let statuses: Vec<Value> = sent(&log, "notifications/tasks/status")
        .iter()
        .filter(|n| n["params"]["taskId"] == json!(id))
        .map(|n| n["params"]["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [
            "input_required",
            "working",
            "input_required",
            "working",
            "completed"
        ]
        .map(Value::from)
        .to_vec()
    );
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn the_servers_handle_hears_the_clients_status_notifications() {
    // The handle polls once at the start, then not for 60 s: only the client's
    // notification can tell it that the sampling ended.
    let slow = Duration::from_secs(60);
    let polls = PollPolicy::new()
        .with_min_interval(slow)
        .with_default_interval(slow)
        .with_max_interval(slow);
    let (gate, started) = (Arc::new(Semaphore::new(0)), Arc::new(Semaphore::new(0)));
    let handler = sampling_client(&gate, &started, slow);
    let server = server(polls);
    let (s, _client, log) = session(&server, handler).await;
    let id = start(&s, "summarize", "").await;
    tokio::time::timeout(GUARD, started.acquire())
        .await
        .expect("the sampling started")
        .unwrap()
        .forget();
    tokio::time::timeout(GUARD, async {
        while sent(&log, "tasks/get").is_empty() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("the first poll");
    gate.add_permits(1);
    let payload = tokio::time::timeout(Duration::from_secs(10), result(&s, &id))
        .await
        .expect("the handle heard the end without polling")
        .unwrap();
    assert!(payload.contains("sampled by m"), "{payload}");
    assert_eq!(sent(&log, "tasks/get").len(), 1, "one poll only");
    s.close().await;
}
