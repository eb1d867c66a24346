//! Redis unreachable or restarted: clear errors while it is down (never a hang or a
//! panic), full service once it is back, and with persistence on nothing accepted lost.

use std::time::{Duration, Instant};

use bytes::Bytes;
use oxmcp_http::{EventId, EventStore};
use oxmcp_store_redis::{RedisOptions, RedisStoreError, RedisTaskStore};
use oxmcp_tasks::{CreateLimits, StoreError, TaskOwner, TaskRecord, TaskStore, wire_timestamp};
use oxmcp_types::tasks::{Task, TaskStatus};

use crate::leases::now_ms;
use crate::server::RedisServer;
use crate::support::{event_store, fresh_options, task_store};

/// An append-only file synced on every write: what Redis acknowledged survives kill -9.
const PERSISTENT: &[&str] = &[
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--save",
    "",
];

fn record(id: &str) -> TaskRecord {
    let now = now_ms();
    let task = Task::new(id, TaskStatus::Working, wire_timestamp(now)).with_ttl(Some(600_000));
    TaskRecord::new(task, TaskOwner::new("o"), "tools/call", now)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_nothing_is_an_unavailable_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let options = RedisOptions::new(format!("redis://127.0.0.1:{port}/"))
        .connect_timeout(Duration::from_millis(300))
        .reconnect(Duration::from_millis(50), 1);
    let started = Instant::now();
    let error = RedisTaskStore::connect(&options).await.unwrap_err();
    assert!(error.is_unavailable(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let bad = RedisTaskStore::connect(&RedisOptions::new("http://x/"))
        .await
        .unwrap_err();
    assert!(matches!(bad, RedisStoreError::Config(_)), "{bad:?}");
    let prefix = RedisOptions::new(format!("redis://127.0.0.1:{port}/")).prefix("a}b");
    let bad = RedisTaskStore::connect(&prefix).await;
    assert!(matches!(
        bad,
        Err(RedisStoreError::Config(_)) | Err(RedisStoreError::Unavailable(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_is_down_operations_fail_clearly_and_recover_after() {
    let mut server = RedisServer::start_with(PERSISTENT).await;
    let options = fresh_options(&server);
    let (tasks, events) = (task_store(&options).await, event_store(&options).await);
    tasks
        .create(record("before"), CreateLimits::UNLIMITED)
        .await
        .unwrap();
    events
        .append("s", EventId::new(1, 1), Bytes::from("one"))
        .await
        .unwrap();

    server.kill();
    let started = Instant::now();
    let down = tasks
        .create(record("during"), CreateLimits::UNLIMITED)
        .await;
    assert!(matches!(down, Err(StoreError::Unavailable(_))), "{down:?}");
    let down = tasks.get(&TaskOwner::new("o"), "before", now_ms()).await;
    assert!(matches!(down, Err(StoreError::Unavailable(_))), "{down:?}");
    let down = events
        .append("s", EventId::new(1, 2), Bytes::from("two"))
        .await
        .unwrap_err();
    let cause = down
        .0
        .downcast_ref::<RedisStoreError>()
        .expect("a RedisStoreError");
    assert!(cause.is_unavailable(), "{cause:?}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );

    server.restart(PERSISTENT).await;
    // The connection manager reconnects with backoff: service comes back by itself.
    let deadline = Instant::now() + Duration::from_secs(20);
    let back = loop {
        match tasks.get(&TaskOwner::new("o"), "before", now_ms()).await {
            Ok(record) => break record,
            Err(StoreError::Unavailable(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("after the restart: {e:?}"),
        }
    };
    // What was accepted before the crash is still there (append-only file, fsync always).
    assert_eq!(back.task.status, TaskStatus::Working);
    tasks
        .create(record("after"), CreateLimits::UNLIMITED)
        .await
        .unwrap();
    let replayed = loop {
        match events.replay("s", 1, 0).await {
            Ok(events) => break events,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(replayed, [(1, Bytes::from("one"))]);
    events
        .append("s", EventId::new(1, 2), Bytes::from("two"))
        .await
        .unwrap();
    assert_eq!(events.replay("s", 1, 0).await.unwrap().len(), 2);
}
