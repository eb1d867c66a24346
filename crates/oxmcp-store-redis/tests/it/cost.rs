//! The cost of a task transition and of a stored event against Redis on loopback, one
//! caller after another (latency) and 32 at once (throughput), next to one plain GET round
//! trip. Run alone (`cost`) for meaningful numbers: other tests running at once skew them. Prints the numbers (run
//! with `--release --nocapture` to read them); fails only when an operation is absurdly
//! slow (over 20 ms on average), which would mean a round trip too many or a scan.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use oxmcp_http::{EventId, EventStore};
use oxmcp_tasks::{CreateLimits, TaskOwner, TaskRecord, TaskStore, TaskUpdate, wire_timestamp};
use oxmcp_types::tasks::{Task, TaskStatus};

use crate::leases::now_ms;
use crate::server::RedisServer;
use crate::support::{event_store, fresh_options, task_store};

const N: usize = 2000;
const CALLERS: usize = 32;

fn per_op(what: &str, n: usize, took: Duration) -> Duration {
    let each = took / u32::try_from(n).unwrap();
    println!(
        "{what}: {:.1} µs per operation ({n} in {took:?})",
        each.as_secs_f64() * 1e6
    );
    assert!(
        each < Duration::from_millis(20),
        "{what}: {each:?} per operation"
    );
    each
}

fn record(owner: &TaskOwner, id: &str) -> TaskRecord {
    let now = now_ms();
    let task = Task::new(id, TaskStatus::Working, wire_timestamp(now)).with_ttl(Some(600_000));
    TaskRecord::new(task, owner.clone(), "tools/call", now)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_of_task_transitions_and_stored_events() {
    let server = RedisServer::start().await;
    let options = fresh_options(&server);
    let store = Arc::new(task_store(&options).await);
    let owner = TaskOwner::new("principal:bench");
    let limits = CreateLimits::new(N * 2, N * 4);

    let started = Instant::now();
    for i in 0..N {
        store
            .create(record(&owner, &format!("t{i}")), limits)
            .await
            .unwrap();
    }
    per_op("task create, sequential", N, started.elapsed());
    let started = Instant::now();
    for i in 0..N {
        let to = TaskUpdate::new(TaskStatus::InputRequired, now_ms());
        store.update(&owner, &format!("t{i}"), to).await.unwrap();
    }
    per_op("task transition, sequential", N, started.elapsed());
    let started = Instant::now();
    for i in 0..N {
        store
            .get_summary(&owner, &format!("t{i}"), now_ms())
            .await
            .unwrap();
    }
    per_op("task get_summary, sequential", N, started.elapsed());

    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|c| {
            let (store, owner) = (store.clone(), owner.clone());
            tokio::spawn(async move {
                for i in (c..N).step_by(CALLERS) {
                    let to = TaskUpdate::new(TaskStatus::Working, now_ms());
                    store.update(&owner, &format!("t{i}"), to).await.unwrap();
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    per_op("task transition, 32 callers", N, started.elapsed());

    let events = Arc::new(event_store(&options).await);
    let message = Bytes::from(format!(
        r#"{{"jsonrpc":"2.0","method":"notifications/progress","params":{{"progressToken":"t","progress":1,"message":"{}"}}}}"#,
        "x".repeat(100)
    ));
    let started = Instant::now();
    for seq in 1..=N as u64 {
        events
            .append("bench", EventId::new(1, seq), message.clone())
            .await
            .unwrap();
    }
    per_op("event append (200 B), sequential", N, started.elapsed());
    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS as u64)
        .map(|stream| {
            let (events, message) = (events.clone(), message.clone());
            tokio::spawn(async move {
                for seq in 1..=(N / CALLERS) as u64 {
                    let id = EventId::new(100 + stream, seq);
                    events.append("bench", id, message.clone()).await.unwrap();
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    per_op(
        "event append (200 B), 32 streams at once",
        N / CALLERS * CALLERS,
        started.elapsed(),
    );
    let started = Instant::now();
    let replays: usize = 200;
    for i in 0..replays {
        let kept = events
            .replay("bench", 1, N as u64 - 10 - (i as u64 % 5))
            .await
            .unwrap();
        assert!(kept.len() >= 10);
    }
    per_op("replay of the last ~12 events", replays, started.elapsed());

    // The floor: one round trip of a plain command on the same kind of connection.
    let client = redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let started = Instant::now();
    for _ in 0..N {
        let _: Option<String> = redis::cmd("GET")
            .arg("nothing")
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    per_op("baseline: one GET round trip", N, started.elapsed());
}
