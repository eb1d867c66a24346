//! Restart recovery: a second engine on the store of a first one that stopped resumes the
//! resumable tasks it left running and fails the others; none stays `working`; with a
//! fixed owner a session of the second reads both through the protocol.

use oxmcp_tasks::TasksServerExt as _;
use std::sync::Arc;
use std::time::Duration;

use oxmcp_tasks::{
    MemoryTaskStore, OwnerPolicy, Recovery, TaskConfig, TaskEngine, TaskOutcome, TaskRecord,
    TaskStore,
};
use oxmcp_types::ErrorCode;
use oxmcp_types::tasks::TaskStatus;
use serde_json::json;

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

async fn record(store: &MemoryTaskStore, like: &TaskRecord) -> TaskRecord {
    store
        .get(&like.owner, &like.task.task_id, now_ms())
        .await
        .unwrap()
}

/// The settings of both "processes": one fixed owner (the tasks outlive the session that
/// created them, and a session of the restarted server may read them).
fn fixed_owner() -> TaskConfig {
    fast_config().with_owner(OwnerPolicy::Fixed("single-user".into()))
}

#[tokio::test(start_paused = true)]
async fn a_restarted_server_resumes_resumable_tasks_and_fails_the_others() {
    let store = MemoryTaskStore::new();
    // The first server: one resumable task and one that is not are running, one completed,
    // one cancelled. Its gate never opens: its work never finishes on its own. Its store
    // says it is shared between processes, as a database file is.
    let (gate1, probe1) = (Gate::default(), Arc::new(Probe::default()));
    let config1 = fixed_owner().with_cancel_grace(Duration::from_millis(50));
    let engine1 = TaskEngine::new(TestStore::shared(store.clone()), config1);
    let first = task_server(engine1.clone(), &gate1, &probe1);
    let s = open(&first).await;
    let resumable = start(&s, "gated", "again").await;
    let interrupted = start(&s, "held", "lost").await;
    let done = start(&s, "echo", "kept").await;
    result(&s, &done).await.unwrap();
    let cancelled = start(&s, "held", "stopped").await;
    s.ok("tasks/cancel", json!({ "taskId": cancelled })).await;
    s.close().await;
    drop(first);

    let unfinished = store.unfinished(now_ms()).await.unwrap();
    let mut ids: Vec<_> = unfinished.iter().map(|r| r.task.task_id.clone()).collect();
    ids.sort();
    let mut expected = vec![resumable.clone(), interrupted.clone()];
    expected.sort();
    assert_eq!(
        ids, expected,
        "with a fixed owner, tasks outlive their session"
    );
    let by_id = |id: &str| {
        unfinished
            .iter()
            .find(|r| r.task.task_id == id)
            .unwrap()
            .clone()
    };

    // The second server starts on the same store.
    let (gate2, probe2) = (Gate::default(), Arc::new(Probe::default()));
    let engine2 = TaskEngine::new(TestStore::shared(store.clone()), fixed_owner());
    let second = task_server(engine2.clone(), &gate2, &probe2);
    let recovery = second.recover_tasks().await.unwrap();
    let mut want = Recovery::default();
    want.resumed = vec![resumable.clone()];
    want.failed = vec![interrupted.clone()];
    assert_eq!(recovery, want);

    let failed = record(&store, &by_id(&interrupted)).await;
    assert_eq!(failed.task.status, TaskStatus::Failed);
    let message = "interrupted: the server stopped while the task was running";
    assert_eq!(failed.task.status_message.as_deref(), Some(message));
    match failed.outcome {
        Some(TaskOutcome::Error(e)) => {
            assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
            assert_eq!(e.message, message);
        }
        other => panic!("{other:?}"),
    }

    // The resumed task runs the tool again with its stored arguments.
    probe2.wait_event().await;
    assert_eq!(engine2.running(), 1);
    let resumed = by_id(&resumable);
    assert_eq!(
        record(&store, &resumed).await.task.status,
        TaskStatus::Working
    );

    // A session of the restarted server reads both through the protocol.
    let s2 = open(&second).await;
    assert_eq!(get(&s2, &resumable).await["status"], "working");
    let failure = result(&s2, &interrupted).await.unwrap_err();
    assert_eq!(
        (failure.code, failure.message.as_str()),
        (ErrorCode::INTERNAL_ERROR, message)
    );
    let waiting = {
        let peer = s2.client.peer().clone();
        let id = resumable.clone();
        tokio::spawn(async move {
            let params = serde_json::value::to_raw_value(&json!({ "taskId": id })).unwrap();
            peer.request_raw("tasks/result", Some(params), Default::default())
                .await
                .map(|raw| raw.get().to_owned())
        })
    };
    gate2.open();
    let payload = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("tasks/result answered")
        .unwrap()
        .expect("the resumed task's result");
    let payload = without_related_task(&payload, &resumable);
    assert_eq!(payload["content"][0]["text"], "gated again");
    assert_eq!(get(&s2, &resumable).await["status"], "completed");
    s2.close().await;

    let finished = record(&store, &resumed).await;
    assert_eq!(finished.task.status, TaskStatus::Completed);
    assert_eq!(finished.owner, resumed.owner, "the owner is kept");
    assert_eq!(
        finished.expires_at_ms, resumed.expires_at_ms,
        "the ttl is kept"
    );
    // Nothing is left unfinished, and a second recovery finds nothing.
    assert!(store.unfinished(now_ms()).await.unwrap().is_empty());
    assert_eq!(second.recover_tasks().await.unwrap(), Recovery::default());
    // The first engine (here still alive, as another process sharing the store would be)
    // saw in the store that its tasks ended elsewhere, and cancelled its own work.
    tokio::time::timeout(Duration::from_secs(10), async {
        while engine1.running() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the first engine's work was cancelled");
    assert_eq!(
        probe1.saw_cancel.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn recovery_does_not_touch_tasks_running_in_its_own_engine() {
    let store = MemoryTaskStore::new();
    let engine = TaskEngine::new(store.clone(), fast_config());
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let server = task_server(engine, &gate, &probe);
    let s = open(&server).await;
    let id = start(&s, "held", "mine").await;
    assert_eq!(server.recover_tasks().await.unwrap(), Recovery::default());
    assert_eq!(get(&s, &id).await["status"], "working");
    gate.open();
    result(&s, &id).await.unwrap();
    s.close().await;
}
