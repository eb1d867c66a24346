//! The engine over a store that answers asynchronously, as a database does: an operation
//! takes effect once handed over, even if its caller stops waiting. A dropped `start`
//! leaves no record without work; a store that fails to write an outcome is retried, then
//! the task fails, never stays `working`; a request future dropped while the task's status
//! is being written leaves the task `working` again once it is answered.

use oxmcp_tasks::TasksServerBuilderExt as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::ToolRoute;
use oxmcp_core::{RequestError, RequestOptions, SessionConfig};
use oxmcp_tasks::{SESSION_ENDED_MESSAGE, TaskEngine, TaskRecord, TaskStore};
use oxmcp_types::tasks::TaskStatus;
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{ErrorCode, TaskMetadata};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::router_support::{EchoArgs, Session, info, open};
use crate::tasks_doubles::{Hold, TestStore};
use crate::tasks_support::*;

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// The one unfinished task in `store`, once its create was handed over.
async fn held_record(store: &TestStore, hold: &Hold) -> TaskRecord {
    hold.entered().await;
    let mut unfinished = store.inner.unfinished(now_ms()).await.unwrap();
    assert_eq!(unfinished.len(), 1, "the create took effect");
    unfinished.remove(0)
}

/// Waits (up to 10 s) until the task of `like` is terminal in `store`, and returns it.
async fn until_terminal(store: &TestStore, like: &TaskRecord) -> TaskRecord {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let record = store
                .inner
                .get(&like.owner, &like.task.task_id, now_ms())
                .await
                .unwrap();
            if record.task.status.is_terminal() {
                return record;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the task was left unfinished with no work behind it")
}

/// Sends `tools/call` of `tool` as a task in the background, cancellable with `cancel`.
fn call_in_background(
    s: &Session,
    tool: &str,
    cancel: &CancellationToken,
) -> tokio::task::JoinHandle<Result<Box<serde_json::value::RawValue>, RequestError>> {
    let params = serde_json::value::to_raw_value(&task_call(tool, "x")).unwrap();
    let peer = s.client.peer().clone();
    let options = RequestOptions::new().cancel_on(cancel.clone());
    tokio::spawn(async move { peer.request_raw("tools/call", Some(params), options).await })
}

#[tokio::test(start_paused = true)]
async fn a_start_dropped_with_its_session_still_ends_its_task() {
    let store = TestStore::new();
    let config = fast_config().with_cancel_grace(Duration::from_millis(50));
    let engine = TaskEngine::new(store.clone(), config);
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let mut session = SessionConfig::default();
    session.drain_timeout = Duration::from_millis(50);
    let server = McpServer::builder(info())
        .tools(task_tools(&gate, &probe))
        .tasks(engine.clone())
        .session_config(session)
        .build()
        .unwrap();
    let s = open(&server).await;
    let hold = store.hold_create();
    let call = call_in_background(&s, "gated", &CancellationToken::new());
    let record = held_record(&store, &hold).await;
    // The session ends while the record is being written: the server drops the handler of
    // the tools/call (after the drain time) before the store answers.
    s.close().await;
    assert!(call.await.unwrap().is_err(), "the session closed");
    hold.release();
    // The task's work ran anyway, and the end of its session cancelled it.
    let ended = until_terminal(&store, &record).await;
    assert_eq!(ended.task.status, TaskStatus::Cancelled);
    assert_eq!(
        ended.task.status_message.as_deref(),
        Some(SESSION_ENDED_MESSAGE)
    );
    probe.wait_event().await; // started
    tokio::time::timeout(Duration::from_secs(10), async {
        while engine.running() > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("the work was stopped");
    assert_eq!(probe.saw_cancel.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_start_still_runs_its_task() {
    let store = TestStore::new();
    let engine = TaskEngine::new(store.clone(), fast_config());
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine, &gate, &probe)).await;
    let hold = store.hold_create();
    let cancel = CancellationToken::new();
    let call = call_in_background(&s, "echo", &cancel);
    let record = held_record(&store, &hold).await;
    // The requestor cancels the tools/call while the record is being written; the server
    // drops its handler. (A ping after the cancellation lets the server act on it first.)
    cancel.cancel();
    assert!(matches!(call.await.unwrap(), Err(RequestError::Cancelled)));
    s.client.peer().ping().await.unwrap();
    hold.release();
    let ended = until_terminal(&store, &record).await;
    assert_eq!(ended.task.status, TaskStatus::Completed, "the work ran");
    let payload = result(&s, &record.task.task_id).await.unwrap();
    assert!(payload.contains(r#""text":"x""#), "{payload}");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn an_outcome_the_store_fails_to_write_is_written_again() {
    let store = TestStore::new();
    let engine = TaskEngine::new(store.clone(), fast_config());
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine, &gate, &probe)).await;
    store.fail_updates(TaskStatus::Completed, 3);
    let id = start(&s, "echo", "again").await;
    let payload = result(&s, &id).await.expect("the outcome was stored");
    assert!(payload.contains("again"), "{payload}");
    assert_eq!(store.failed_writes.load(Ordering::SeqCst), 3);
    assert_eq!(get(&s, &id).await["status"], "completed");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn an_outcome_the_store_never_takes_fails_the_task() {
    let store = TestStore::new();
    let config = fast_config().with_store_retry(Duration::from_millis(100));
    let engine = TaskEngine::new(store.clone(), config);
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine, &gate, &probe)).await;
    store.fail_updates(TaskStatus::Completed, usize::MAX);
    let id = start(&s, "echo", "lost").await;
    let e = result(&s, &id).await.expect_err("the task failed");
    let message = "internal error: the task's outcome could not be stored";
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::INTERNAL_ERROR, message)
    );
    let task = get(&s, &id).await;
    assert_eq!(task["status"], "failed");
    assert_eq!(task["statusMessage"], message);
    assert!(store.failed_writes.load(Ordering::SeqCst) >= 2, "retried");
    s.close().await;
}

/// `ask_twice` sends the client two requests (`test/ask`, which it answers with an
/// error); it drops the first once the store has the task's `input_required` status in hand
/// (the tool gave up waiting), reports after the second is answered, and waits for the gate
/// before it returns.
fn ask_twice(hold: &Hold, gate: &Gate, probe: &Arc<Probe>) -> ToolRoute {
    let (hold, gate, probe) = (hold.clone(), gate.clone(), probe.clone());
    ToolRoute::new("ask_twice", move |_: EchoArgs, cx| {
        let (hold, gate, probe) = (hold.clone(), gate.clone(), probe.clone());
        async move {
            let ask = || {
                cx.peer()
                    .request_raw("test/ask", None, RequestOptions::new())
            };
            tokio::select! {
                _ = ask() => panic!("the first request must not be answered"),
                () = hold.entered() => {}
            }
            // The first request future is dropped here, its status write still under way.
            hold.release();
            let second = ask().await;
            probe.events.add_permits(1);
            gate.pass().await;
            format!(
                "second answered: {}",
                matches!(second, Err(RequestError::Remote(_)))
            )
        }
    })
    .with_task_support(TaskSupport::Optional)
}

#[tokio::test(start_paused = true)]
async fn a_request_dropped_during_its_status_write_leaves_the_task_working() {
    let store = TestStore::new();
    let engine = TaskEngine::new(store.clone(), fast_config());
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let hold = store.hold_update(TaskStatus::InputRequired);
    let server = McpServer::builder(info())
        .tool(ask_twice(&hold, &gate, &probe))
        .tasks(engine)
        .build()
        .unwrap();
    let s = open(&server).await;
    let params = json!({ "name": "ask_twice", "arguments": { "text": "x" }, "task": TaskMetadata::with_ttl(60_000) });
    let created = s.ok("tools/call", params).await;
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    probe.wait_event().await; // the second request was answered
    let task = get(&s, &id).await;
    assert_eq!(
        task["status"], "working",
        "no request is outstanding: {task}"
    );
    gate.open();
    let payload = result(&s, &id).await.unwrap();
    assert!(payload.contains("second answered: true"), "{payload}");
    s.close().await;
}
