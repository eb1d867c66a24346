//! Who sees which task: isolation between sessions, `tasks/list` pages and cursors, ttl
//! expiry and the purge timer.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use oxmcp_core::role::Server;
use oxmcp_tasks::{MemoryTaskStore, TaskEngine};
use oxmcp_types::ErrorCode;
use serde_json::{Value, json};

use crate::router_support::open;
use crate::tasks_doubles::TestStore;
use crate::tasks_support::*;

fn ids(list: &Value) -> Vec<String> {
    list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn another_session_sees_exactly_what_an_unknown_id_gives() {
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let server = task_server(memory_engine(), &gate, &probe);
    let alice = open(&server).await;
    let mallory = open(&server).await;
    let id = start(&alice, "held", "secret").await;
    let unknown_id = "0123456789abcdef0123456789abcdef";
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let theirs = mallory
            .err(method, json!({ "taskId": id }), ErrorCode::INVALID_PARAMS)
            .await;
        let nobodys = mallory
            .err(
                method,
                json!({ "taskId": unknown_id }),
                ErrorCode::INVALID_PARAMS,
            )
            .await;
        assert_eq!(theirs, nobodys, "{method}");
    }
    unknown(&mallory, &id).await;
    assert!(ids(&mallory.ok("tasks/list", json!({})).await).is_empty());
    assert_eq!(
        ids(&alice.ok("tasks/list", json!({})).await),
        vec![id.clone()]
    );
    // Mallory's attempt changed nothing.
    assert_eq!(get(&alice, &id).await["status"], "working");
    gate.open();
    assert!(result(&alice, &id).await.unwrap().contains("held secret"));
    alice.close().await;
    mallory.close().await;
}

#[tokio::test(start_paused = true)]
async fn lists_are_paged_in_creation_order_and_cursors_are_tamper_proof() {
    let engine = TaskEngine::new(MemoryTaskStore::new(), fast_config().with_page_size(2));
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let server = task_server(engine, &gate, &probe);
    let s = open(&server).await;
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(start(&s, "echo", &n.to_string()).await);
    }
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let params = match &cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        };
        let page = s.ok("tasks/list", params).await;
        pages.push(ids(&page).len());
        listed.extend(ids(&page));
        for task in page["tasks"].as_array().unwrap() {
            assert!(task["createdAt"].is_string() && task["lastUpdatedAt"].is_string());
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, vec![2, 2, 1]);
    // Ids are random, so order by (creation time, id) is creation order within a millisecond
    // only up to ties; every task is listed once.
    let mut sorted_listed = listed.clone();
    sorted_listed.sort();
    let mut sorted_created = created.clone();
    sorted_created.sort();
    assert_eq!(sorted_listed, sorted_created);

    let first = s.ok("tasks/list", json!({})).await;
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "garbage!", ""] {
        let e = s
            .err(
                "tasks/list",
                json!({ "cursor": bad }),
                ErrorCode::INVALID_PARAMS,
            )
            .await;
        assert!(
            e["message"].as_str().unwrap().starts_with("invalid cursor"),
            "{e}"
        );
    }
    // A cursor is bound to its requestor.
    let other = open(&server).await;
    other
        .err(
            "tasks/list",
            json!({ "cursor": cursor }),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    other.close().await;
    s.close().await;
}

// Real time: a task's ttl runs on the system clock, which paused time does not move.
#[tokio::test]
async fn expired_tasks_are_gone_for_every_request_and_purged() {
    let store = MemoryTaskStore::new();
    let config = fast_config().with_purge_interval(Duration::from_millis(20));
    let engine = TaskEngine::new(store.clone(), config);
    let (gate, probe) = (Gate::default(), Arc::new(Probe::default()));
    let s = open(&task_server(engine, &gate, &probe)).await;
    let short =
        json!({ "name": "echo", "arguments": { "text": "brief" }, "task": { "ttl": 1000 } });
    let created = s.ok("tools/call", short).await;
    assert_eq!(created["task"]["ttl"], 1000);
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    result(&s, &id).await.unwrap();
    assert_eq!(ids(&s.ok("tasks/list", json!({})).await), vec![id.clone()]);
    // The ttl runs on the wall clock: wait it out.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    unknown(&s, &id).await;
    for method in ["tasks/result", "tasks/cancel"] {
        s.err(method, json!({ "taskId": id }), ErrorCode::INVALID_PARAMS)
            .await;
    }
    assert!(ids(&s.ok("tasks/list", json!({})).await).is_empty());
    tokio::time::timeout(Duration::from_secs(5), async {
        while !store.is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the purge timer deleted the expired task");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn the_purge_timer_runs_on_its_interval_and_stops_with_the_engine() {
    let store = TestStore::new();
    let purges = store.purges.clone();
    let config = fast_config().with_purge_interval(Duration::from_secs(60));
    let engine = TaskEngine::new(store, config);
    tokio::time::sleep(Duration::from_secs(181)).await;
    // At start, then every 60 s.
    assert_eq!(purges.load(Ordering::SeqCst), 4);
    drop(engine);
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(purges.load(Ordering::SeqCst), 4);
}

#[test]
fn the_purge_timer_starts_again_when_its_runtime_is_gone() {
    let paused = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    };
    let store = TestStore::new();
    let purges = store.purges.clone();
    let config = fast_config().with_purge_interval(Duration::from_secs(60));
    // The engine is built on a runtime that does not last (a setup step, a test).
    let first = paused();
    let engine = first.block_on(async {
        let engine = TaskEngine::new(store, config);
        while purges.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        engine
    });
    drop(first);
    assert_eq!(purges.load(Ordering::SeqCst), 1);
    // The next task operation, on the runtime that serves, starts the timer again.
    paused().block_on(async {
        engine.recover::<Server>(|_| None).await.unwrap();
        tokio::time::sleep(Duration::from_secs(121)).await;
    });
    // Once at the restart, then every 60 s.
    assert_eq!(purges.load(Ordering::SeqCst), 4);
}
