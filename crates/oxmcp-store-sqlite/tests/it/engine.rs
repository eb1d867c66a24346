//! The task engine over SQLite, through the protocol: a tool run as a task to its result,
//! listed and cancelled; and a cancellation written by another process (another store on
//! the same file) reaching the running work, since the store says it is shared.

use oxmcp_tasks::TasksServerBuilderExt as _;
use std::sync::Arc;
use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::ToolRoute;
use oxmcp_core::transport::memory;
use oxmcp_core::{ClientConfig, NoHandler, RequestError, RunningClient, RunningServer, connect};
use oxmcp_store_sqlite::SqliteTaskStore;
use oxmcp_tasks::{TaskConfig, TaskEngine, TaskStore, TaskUpdate};
use oxmcp_types::tasks::TaskStatus;
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{ErrorCode, Implementation};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::support::TempDir;

const GUARD: Duration = Duration::from_secs(20);

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Text {
    text: String,
}

/// What the `wait` tool reports: runs started, runs that saw their cancellation.
struct Events {
    started: Semaphore,
    cancelled: Semaphore,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            started: Semaphore::new(0),
            cancelled: Semaphore::new(0),
        }
    }
}

async fn next(events: &Semaphore) {
    let permit = tokio::time::timeout(GUARD, events.acquire()).await;
    permit.expect("no event").unwrap().forget();
}

/// A server whose `wait` tool (optional task) waits for `gate` or its cancellation, over
/// `store`.
fn server(store: SqliteTaskStore, gate: &Arc<Semaphore>, events: &Arc<Events>) -> McpServer {
    let (gate, events) = (gate.clone(), events.clone());
    let wait = ToolRoute::new("wait", move |t: Text, cx| {
        let (gate, events) = (gate.clone(), events.clone());
        async move {
            events.started.add_permits(1);
            tokio::select! {
                permit = gate.acquire() => permit.unwrap().forget(),
                () = cx.cancellation_token().cancelled() => {
                    events.cancelled.add_permits(1);
                    return "cancelled".to_owned();
                }
            }
            format!("waited for {}", t.text)
        }
    })
    .with_task_support(TaskSupport::Optional);
    let config = TaskConfig::default()
        .with_poll_interval(Duration::from_millis(50))
        .with_store_poll_interval(Duration::from_millis(20));
    McpServer::builder(Implementation::new("sqlite-engine", "1"))
        .tool(wait)
        .tasks(TaskEngine::new(store, config))
        .build()
        .unwrap()
}

async fn client(server: &McpServer) -> (RunningServer, RunningClient) {
    let (a, b) = memory::duplex(64);
    let running = server.serve(a);
    let config = ClientConfig::new(Implementation::new("sqlite-engine-test", "1"));
    let client = connect(b, config, NoHandler).await.unwrap();
    (running, client)
}

async fn request(
    client: &RunningClient,
    method: &str,
    params: Value,
) -> Result<Value, RequestError> {
    let params = serde_json::value::to_raw_value(&params).unwrap();
    let answer = client
        .peer()
        .request_raw(method, Some(params), Default::default());
    let raw = tokio::time::timeout(GUARD, answer)
        .await
        .expect("answered")?;
    Ok(serde_json::from_str(raw.get()).unwrap())
}

async fn start(client: &RunningClient, text: &str) -> String {
    let call = json!({ "name": "wait", "arguments": { "text": text }, "task": { "ttl": 60_000 } });
    let created = request(client, "tools/call", call).await.unwrap();
    assert_eq!(created["task"]["status"], "working");
    created["task"]["taskId"].as_str().unwrap().to_owned()
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_runs_to_its_result_and_another_is_cancelled() {
    let dir = TempDir::new();
    let store = SqliteTaskStore::open(dir.db()).await.unwrap();
    let (gate, events) = (Arc::new(Semaphore::new(0)), Arc::new(Events::default()));
    let server = server(store, &gate, &events);
    let (running, client) = client(&server).await;

    let id = start(&client, "the file").await;
    next(&events.started).await;
    let task = request(&client, "tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(task["status"], "working");
    gate.add_permits(1);
    let result = request(&client, "tasks/result", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(result["content"][0]["text"], "waited for the file");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );

    let other = start(&client, "nothing").await;
    next(&events.started).await;
    let cancelled = request(&client, "tasks/cancel", json!({ "taskId": other }))
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    next(&events.cancelled).await;
    let listed = request(&client, "tasks/list", json!({})).await.unwrap();
    let statuses: Vec<&Value> = listed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["status"])
        .collect();
    assert_eq!(statuses, [&json!("completed"), &json!("cancelled")]);
    client.close().await;
    running.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_written_by_another_process_reaches_the_work() {
    let dir = TempDir::new();
    let path = dir.db();
    let store = SqliteTaskStore::open(&path).await.unwrap();
    let (gate, events) = (Arc::new(Semaphore::new(0)), Arc::new(Events::default()));
    let server = server(store, &gate, &events);
    let (running, client) = client(&server).await;
    let id = start(&client, "ever").await;
    next(&events.started).await;

    // Another process opens the same file and cancels the task there.
    let elsewhere = SqliteTaskStore::open(&path).await.unwrap();
    let record = elsewhere.unfinished(now_ms()).await.unwrap().remove(0);
    assert_eq!(record.task.task_id, id);
    let cancel = TaskUpdate::new(TaskStatus::Cancelled, now_ms()).with_message("elsewhere");
    elsewhere.update(&record.owner, &id, cancel).await.unwrap();

    next(&events.cancelled).await;
    match request(&client, "tasks/result", json!({ "taskId": id })).await {
        Err(RequestError::Remote(e)) => assert_eq!(e.code, ErrorCode::INTERNAL_ERROR),
        other => panic!("expected the cancelled task's error, got {other:?}"),
    }
    let task = request(&client, "tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        (&task["status"], &task["statusMessage"]),
        (&json!("cancelled"), &json!("elsewhere"))
    );
    client.close().await;
    running.wait().await;
}
