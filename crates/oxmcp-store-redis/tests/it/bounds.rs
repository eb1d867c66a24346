//! Every key of the task store has a TTL (its task's expiry plus the grace), except those
//! holding a task that never expires; what Redis expires on its own leaves nothing behind
//! that a read would trip on.

use std::time::Duration;

use oxmcp_store_redis::redis;
use oxmcp_tasks::{CreateLimits, TaskOwner, TaskRecord, TaskStore, TaskUpdate, wire_timestamp};
use oxmcp_types::tasks::{Task, TaskStatus};

use crate::leases::now_ms;
use crate::server::RedisServer;
use crate::support::{fresh_options, task_store};

fn record(owner: &TaskOwner, id: &str, ttl: Option<u64>) -> TaskRecord {
    let now = now_ms();
    let task = Task::new(id, TaskStatus::Working, wire_timestamp(now)).with_ttl(ttl);
    TaskRecord::new(task, owner.clone(), "tools/call", now)
}

fn ttls(conn: &mut redis::Connection, prefix: &str) -> Vec<(String, i64)> {
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{{{prefix}}}:*"))
        .query(conn)
        .unwrap();
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let ttl: i64 = redis::cmd("PTTL").arg(&key).query(conn).unwrap();
            (key, ttl)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_has_a_ttl_unless_it_holds_a_task_that_never_expires() {
    let server = RedisServer::start().await;
    let options = fresh_options(&server).key_grace(Duration::from_millis(300));
    let store = task_store(&options).await;
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let (alice, bob) = (
        TaskOwner::new("principal:alice"),
        TaskOwner::new("principal:bob"),
    );
    store
        .create(record(&alice, "a1", Some(200)), CreateLimits::UNLIMITED)
        .await
        .unwrap();
    store
        .create(record(&alice, "a2", Some(60_000)), CreateLimits::UNLIMITED)
        .await
        .unwrap();
    let done = TaskUpdate::new(TaskStatus::Cancelled, now_ms());
    store.update(&alice, "a2", done).await.unwrap();
    let keys = ttls(&mut conn, &options.prefix);
    assert_eq!(keys.len(), 7, "{keys:?}"); // 2 tasks, 3 owner indexes, expiry, unfinished
    for (key, ttl) in &keys {
        assert!(*ttl > 0, "{key} has no TTL");
    }
    let a1 = keys.iter().find(|(k, _)| k.ends_with(":t:a1")).unwrap().1;
    assert!(a1 <= 500, "a1's TTL is its ttl plus the grace: {a1}");
    let index = keys.iter().find(|(k, _)| k.contains(":ol:")).unwrap().1;
    assert!(
        index > 50_000,
        "an index lives as long as its longest-lived task: {index}"
    );

    // A task that never expires keeps its keys (bounded by the per-owner limits).
    store
        .create(record(&bob, "b1", None), CreateLimits::new(1, 1))
        .await
        .unwrap();
    let full = store
        .create(record(&bob, "b2", None), CreateLimits::new(1, 1))
        .await;
    assert!(full.is_err(), "{full:?}");
    for (key, ttl) in ttls(&mut conn, &options.prefix) {
        let forever =
            key.ends_with(":t:b1") || key.ends_with("principal:bob") || key.ends_with(":u");
        assert_eq!(ttl == -1, forever, "{key}: {ttl}");
    }

    // Redis drops a1's hash on its own (ttl + grace) before any purge: reads skip what its
    // indexes still name, and the purge clears those.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let page = store.list(&alice, None, 10, now_ms()).await.unwrap();
    let ids: Vec<&str> = page
        .records
        .iter()
        .map(|r| r.task.task_id.as_str())
        .collect();
    assert_eq!(ids, ["a2"]);
    assert!(
        store
            .unfinished(now_ms())
            .await
            .unwrap()
            .iter()
            .all(|r| r.task.task_id == "b1")
    );
    assert_eq!(
        store.purge_expired(now_ms()).await.unwrap(),
        0,
        "a1 was gone already"
    );
    let expiry: i64 = redis::cmd("ZCARD")
        .arg(format!("{{{}}}:x", options.prefix))
        .query(&mut conn)
        .unwrap();
    assert_eq!(expiry, 1, "only a2 is left to expire");
}
