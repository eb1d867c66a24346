//! `tasks/cancel`: the work sees its cancellation, a late result is discarded, terminal
//! tasks are refused, concurrent cancels make exactly one transition, and work that ignores
//! its cancellation is dropped after the grace period.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::future::join_all;
use oxmcp_core::RequestError;
use oxmcp_tasks::{CANCELLED_MESSAGE, MemoryTaskStore, TaskEngine};
use oxmcp_types::ErrorCode;
use serde_json::json;

use crate::router_support::open;
use crate::tasks_support::*;

/// Waits (up to 10 s) until no task's work runs in `engine`.
async fn until_idle(engine: &TaskEngine) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while engine.running() > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("work still running");
}

#[tokio::test(start_paused = true)]
async fn cancel_fires_the_work_token_and_a_late_result_is_discarded() {
    let engine = memory_engine();
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine.clone(), &gate, &probe)).await;
    let id = start(&s, "gated", "c").await;
    probe.wait_event().await; // started
    let waiting = {
        let client = s.client.peer().clone();
        let id = id.clone();
        tokio::spawn(async move {
            let params = serde_json::value::to_raw_value(&json!({ "taskId": id })).unwrap();
            client
                .request_raw("tasks/result", Some(params), Default::default())
                .await
        })
    };
    let cancelled = s.ok("tasks/cancel", json!({ "taskId": id })).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["statusMessage"], CANCELLED_MESSAGE);
    assert!(cancelled.get("_meta").is_none());
    probe.wait_event().await; // saw the cancellation
    assert_eq!(probe.saw_cancel.load(Ordering::SeqCst), 1);
    // The waiting tasks/result is answered: a cancelled task has no result.
    match waiting.await.unwrap() {
        Err(RequestError::Remote(e)) => {
            assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
            assert_eq!(e.data.unwrap()["status"], "cancelled");
        }
        other => panic!("expected the cancelled error, got {other:?}"),
    }
    // The work finishes anyway; its result is discarded.
    gate.open();
    probe.wait_event().await; // returned late
    until_idle(&engine).await;
    assert_eq!(probe.returned_late.load(Ordering::SeqCst), 1);
    let task = get(&s, &id).await;
    assert_eq!(task["status"], "cancelled");
    assert!(result(&s, &id).await.is_err());
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn terminal_tasks_cannot_be_cancelled() {
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(memory_engine(), &gate, &probe)).await;
    let id = start(&s, "echo", "done").await;
    result(&s, &id).await.unwrap();
    let e = s
        .err(
            "tasks/cancel",
            json!({ "taskId": id }),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert_eq!(
        e["message"],
        "cannot cancel task: already in terminal status 'completed'"
    );
    assert_eq!(get(&s, &id).await["status"], "completed");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn of_100_concurrent_cancels_exactly_one_succeeds() {
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let engine = memory_engine();
    let s = open(&task_server(engine.clone(), &gate, &probe)).await;
    let id = start(&s, "held", "race").await;
    let cancels = (0..100).map(|_| s.request("tasks/cancel", json!({ "taskId": id })));
    let answers = join_all(cancels).await;
    let ok = answers.iter().filter(|a| a.is_ok()).count();
    let refused = answers
        .iter()
        .filter(|a| {
            matches!(a, Err(RequestError::Remote(e))
                if e.code == ErrorCode::INVALID_PARAMS
                && e.message == "cannot cancel task: already in terminal status 'cancelled'")
        })
        .count();
    assert_eq!((ok, refused), (1, 99));
    gate.open();
    until_idle(&engine).await;
    assert_eq!(get(&s, &id).await["status"], "cancelled");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn work_that_ignores_its_cancellation_is_dropped_after_the_grace() {
    let config = fast_config().with_cancel_grace(Duration::from_millis(50));
    let engine = TaskEngine::new(MemoryTaskStore::new(), config);
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine.clone(), &gate, &probe)).await;
    let id = start(&s, "gated", "stubborn").await;
    probe.wait_event().await;
    s.ok("tasks/cancel", json!({ "taskId": id })).await;
    probe.wait_event().await; // saw the cancellation, then waits on the gate for ever
    until_idle(&engine).await;
    // The engine dropped the work (it did not return: it cannot pass the closed gate).
    assert_eq!(probe.dropped.load(Ordering::SeqCst), 1);
    assert_eq!(probe.returned_late.load(Ordering::SeqCst), 0);
    assert_eq!(get(&s, &id).await["status"], "cancelled");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn unknown_tasks_cannot_be_cancelled() {
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(memory_engine(), &gate, &probe)).await;
    let e = s
        .err(
            "tasks/cancel",
            json!({ "taskId": "nope" }),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert_eq!(e["message"], "Failed to retrieve task: Task not found");
    s.close().await;
}
