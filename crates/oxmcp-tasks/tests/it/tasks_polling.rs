//! Who reads the store on a timer: nobody, for a task whose work runs in this engine on a
//! store of this process alone (its waiters are woken by the engine); the running work, on
//! a store shared between processes, to see a cancellation made by another process.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use oxmcp_core::{RequestError, RequestOptions};
use oxmcp_tasks::{MemoryTaskStore, TaskEngine, TaskStore, TaskUpdate};
use oxmcp_types::ErrorCode;
use oxmcp_types::tasks::TaskStatus;
use serde_json::json;

use crate::router_support::{Session, open};
use crate::tasks_doubles::TestStore;
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

/// Sends `tasks/result` of `id` in the background.
fn wait_for_result(
    s: &Session,
    id: &str,
) -> tokio::task::JoinHandle<Result<Box<serde_json::value::RawValue>, RequestError>> {
    let peer = s.client.peer().clone();
    let params = serde_json::value::to_raw_value(&json!({ "taskId": id })).unwrap();
    tokio::spawn(async move {
        peer.request_raw("tasks/result", Some(params), RequestOptions::new())
            .await
    })
}

/// Waits until a `tasks/result` waits on `id` in `engine`.
async fn until_waiting(engine: &TaskEngine, id: &str) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while engine.waiting(id) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("tasks/result never waited");
}

#[tokio::test(start_paused = true)]
async fn a_task_running_here_on_an_unshared_store_is_never_polled() {
    let store = TestStore::new();
    // The store would be read every 20 ms if anything polled it.
    let engine = TaskEngine::new(store.clone(), fast_config());
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine.clone(), &gate, &probe)).await;
    let id = start(&s, "gated", "quiet").await;
    probe.wait_event().await; // started
    let waiting = wait_for_result(&s, &id);
    until_waiting(&engine, &id).await;
    let before = store.gets.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        store.gets.load(Ordering::SeqCst),
        before,
        "nothing read the store on a timer"
    );
    gate.open();
    let payload = waiting.await.unwrap().expect("the result");
    assert!(payload.get().contains("gated quiet"), "{payload}");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn running_work_on_a_shared_store_sees_a_cancellation_made_elsewhere() {
    let memory = MemoryTaskStore::new();
    let engine = TaskEngine::new(TestStore::shared(memory.clone()), fast_config());
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine.clone(), &gate, &probe)).await;
    let id = start(&s, "gated", "elsewhere").await;
    probe.wait_event().await; // started
    let waiting = wait_for_result(&s, &id);
    until_waiting(&engine, &id).await;
    // Another process sharing the store cancels the task.
    let record = memory.unfinished(now_ms()).await.unwrap().remove(0);
    let cancel = TaskUpdate::new(TaskStatus::Cancelled, now_ms()).with_message("elsewhere");
    memory.update(&record.owner, &id, cancel).await.unwrap();
    probe.wait_event().await; // the work saw its cancellation
    assert_eq!(probe.saw_cancel.load(Ordering::SeqCst), 1);
    match waiting.await.unwrap() {
        Err(RequestError::Remote(e)) => assert_eq!(e.code, ErrorCode::INTERNAL_ERROR),
        other => panic!("expected the cancelled task's error, got {other:?}"),
    }
    gate.open();
    s.close().await;
}
