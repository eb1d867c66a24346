//! Tasks and the sessions that create them: a task owned by its session is cancelled when
//! the session ends (nobody could read it afterwards), its work's token fires; with a fixed
//! owner the task runs on and a later session reads it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use oxmcp_tasks::{OwnerPolicy, SESSION_ENDED_MESSAGE, TaskEngine, TaskStore};
use oxmcp_types::tasks::TaskStatus;

use crate::router_support::open;
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

#[tokio::test(start_paused = true)]
async fn the_tasks_of_a_session_are_cancelled_when_it_ends() {
    let store = TestStore::new();
    let engine = TaskEngine::new(store.clone(), fast_config());
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let server = task_server(engine.clone(), &gate, &probe);
    let s = open(&server).await;
    let id = start(&s, "gated", "orphan").await;
    probe.wait_event().await; // started
    let done = start(&s, "echo", "kept").await;
    result(&s, &done).await.unwrap();
    let running = store.inner.unfinished(now_ms()).await.unwrap();
    assert_eq!(running.len(), 1);
    let owner = running[0].owner.clone();

    s.close().await;
    probe.wait_event().await; // the work saw its cancellation
    assert_eq!(probe.saw_cancel.load(Ordering::SeqCst), 1);
    let record = store.inner.get(&owner, &id, now_ms()).await.unwrap();
    assert_eq!(record.task.status, TaskStatus::Cancelled);
    assert_eq!(
        record.task.status_message.as_deref(),
        Some(SESSION_ENDED_MESSAGE)
    );
    let finished = store.inner.get(&owner, &done, now_ms()).await.unwrap();
    assert_eq!(
        finished.task.status,
        TaskStatus::Completed,
        "finished tasks stay"
    );
    // The work ends as cancelled work does (it returns late here; that is discarded).
    gate.open();
    probe.wait_event().await;
    assert_eq!(probe.returned_late.load(Ordering::SeqCst), 1);
    let record = store.inner.get(&owner, &id, now_ms()).await.unwrap();
    assert_eq!(record.task.status, TaskStatus::Cancelled);
}

#[tokio::test(start_paused = true)]
async fn with_a_fixed_owner_tasks_outlive_their_session() {
    let config = fast_config().with_owner(OwnerPolicy::Fixed("local".into()));
    let engine = TaskEngine::new(TestStore::new(), config);
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let server = task_server(engine.clone(), &gate, &probe);
    let first = open(&server).await;
    let id = start(&first, "gated", "lasting").await;
    probe.wait_event().await; // started
    first.close().await;

    let second = open(&server).await;
    assert_eq!(get(&second, &id).await["status"], "working");
    gate.open();
    let payload = result(&second, &id).await.unwrap();
    assert!(payload.contains("gated lasting"), "{payload}");
    assert_eq!(probe.saw_cancel.load(Ordering::SeqCst), 0);
    second.close().await;
}
