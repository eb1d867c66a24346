//! Leases: a task is run by one process at a time; another takes it over only once the
//! lease of the first ran out (the first crashed or was cut off), and the first then stops
//! its work without writing anything.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::context::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_store_redis::RedisTaskStore;
use oxmcp_store_redis::redis;
use oxmcp_tasks::{
    CreateLimits, ResumeWork, TaskConfig, TaskEngine, TaskOwner, TaskRecord, TaskStore, TaskUpdate,
    WorkResult, wire_timestamp,
};
use oxmcp_types::tasks::{Task, TaskStatus};
use serde_json::value::RawValue;
use tokio::sync::Semaphore;

use crate::server::RedisServer;
use crate::support::{fresh_options, task_store};

const LEASE: Duration = Duration::from_millis(300);
const GUARD: Duration = Duration::from_secs(20);

pub(crate) fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn owner() -> TaskOwner {
    TaskOwner::new("principal:alice")
}

/// A working task created now through `store` (whose process then holds its lease).
async fn create(store: &RedisTaskStore, id: &str) {
    let now = now_ms();
    let task = Task::new(id, TaskStatus::Working, wire_timestamp(now)).with_ttl(Some(60_000));
    let record = TaskRecord::new(task, owner(), "tools/call", now);
    store.create(record, CreateLimits::UNLIMITED).await.unwrap();
}

/// The stores of `n` processes on one Redis and one prefix, and the prefix.
async fn processes(server: &RedisServer, n: usize) -> (Vec<RedisTaskStore>, String) {
    let options = fresh_options(server).lease(LEASE);
    let mut stores = Vec::new();
    for _ in 0..n {
        stores.push(task_store(&options).await);
    }
    (stores, options.prefix)
}

async fn two_processes(server: &RedisServer) -> (RedisTaskStore, RedisTaskStore, String) {
    let (mut stores, prefix) = processes(server, 2).await;
    let (b, a) = (stores.pop().unwrap(), stores.pop().unwrap());
    assert_ne!(a.holder(), b.holder());
    (a, b, prefix)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_lease_holds_and_an_expired_one_is_taken_over_once() {
    let server = RedisServer::start().await;
    let (a, b, _) = two_processes(&server).await;
    create(&a, "t1").await;
    assert!(
        !b.claim("t1").await.unwrap(),
        "b took a task whose lease a holds"
    );
    assert!(
        !a.claim("t1").await.unwrap(),
        "a's own live lease: its work runs"
    );
    // a renews every 100 ms for three lease periods: b never gets the task.
    for _ in 0..9 {
        assert_eq!(
            a.renew_leases(&["t1".to_owned()]).await.unwrap(),
            Vec::<String>::new()
        );
        tokio::time::sleep(LEASE / 3).await;
        assert!(!b.claim("t1").await.unwrap(), "b took a renewed lease");
    }
    // a stops renewing (crashed, or cut off from Redis): once the lease ran out, b takes
    // it, and a, back, learns that it lost the task.
    tokio::time::sleep(LEASE + Duration::from_millis(100)).await;
    assert!(
        b.claim("t1").await.unwrap(),
        "b could not take an expired lease"
    );
    assert!(!a.claim("t1").await.unwrap(), "a took back b's live lease");
    assert_eq!(a.renew_leases(&["t1".to_owned()]).await.unwrap(), ["t1"]);
    assert_eq!(
        b.renew_leases(&["t1".to_owned()]).await.unwrap(),
        Vec::<String>::new()
    );
    // A finished or unknown task has no lease to take or renew.
    let done = TaskUpdate::new(TaskStatus::Cancelled, now_ms());
    b.update(&owner(), "t1", done).await.unwrap();
    assert!(!b.claim("t1").await.unwrap());
    assert!(!a.claim("nope").await.unwrap());
    let none = a
        .renew_leases(&["t1".to_owned(), "nope".to_owned()])
        .await
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
}

/// Work that counts its runs and completes.
fn counting(runs: &Arc<AtomicUsize>) -> ResumeWork<Server> {
    let runs = runs.clone();
    ResumeWork::new(move |_cx: RequestContext<Server>| async move {
        runs.fetch_add(1, Ordering::SeqCst);
        WorkResult::Completed(RawValue::from_string(r#"{"content":[]}"#.to_owned()).unwrap())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tasks_of_a_crashed_process_are_taken_over_by_exactly_one_other() {
    let server = RedisServer::start().await;
    let (mut stores, _) = processes(&server, 3).await;
    let (c, b, crashed) = (
        stores.pop().unwrap(),
        stores.pop().unwrap(),
        stores.pop().unwrap(),
    );
    let ids = ["r1", "r2", "r3", "r4", "r5", "r6"];
    for id in ids {
        create(&crashed, id).await;
    }
    drop(crashed); // nobody renews its leases from now on
    let (engine_b, engine_c) = (
        TaskEngine::new(b.clone(), TaskConfig::default()),
        TaskEngine::new(c.clone(), TaskConfig::default()),
    );
    let runs = Arc::new(AtomicUsize::new(0));
    let early = engine_b
        .recover::<Server>(|_| Some(counting(&runs)))
        .await
        .unwrap();
    assert_eq!(early.held_elsewhere.len(), ids.len(), "{early:?}");
    assert!(early.resumed.is_empty() && early.failed.is_empty());

    tokio::time::sleep(LEASE + Duration::from_millis(100)).await;
    // Both live processes recover at once: each task is taken by exactly one of them.
    let (by_b, by_c) = tokio::join!(
        engine_b.recover::<Server>(|_| Some(counting(&runs))),
        engine_c.recover::<Server>(|record| {
            // c cannot resume the even ones: it fails them.
            let n: usize = record.task.task_id[1..].parse().unwrap();
            (n % 2 == 1).then(|| counting(&runs))
        }),
    );
    let (by_b, by_c) = (by_b.unwrap(), by_c.unwrap());
    let mut taken: Vec<String> = [&by_b.resumed, &by_b.failed, &by_c.resumed, &by_c.failed]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    taken.sort();
    assert_eq!(taken, ids, "b: {by_b:?}, c: {by_c:?}");
    // Every task ends, once: completed where resumed, failed where not.
    tokio::time::timeout(GUARD, async {
        loop {
            let unfinished = b.unfinished(now_ms()).await.unwrap();
            if unfinished.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the taken-over tasks end");
    let resumed = by_b.resumed.len() + by_c.resumed.len();
    assert_eq!(runs.load(Ordering::SeqCst), resumed, "a task ran twice");
    for id in by_c.failed {
        let record = b.get(&owner(), &id, now_ms()).await.unwrap();
        assert_eq!(record.task.status, TaskStatus::Failed);
    }
    for id in by_b.resumed.iter().chain(&by_c.resumed) {
        let record = b.get(&owner(), id, now_ms()).await.unwrap();
        assert_eq!(record.task.status, TaskStatus::Completed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_renews_its_leases_and_stops_the_work_another_took_over() {
    let server = RedisServer::start().await;
    let (a, b, prefix) = two_processes(&server).await;
    create(&b, "w1").await;
    tokio::time::sleep(LEASE + Duration::from_millis(100)).await;
    // a's engine takes the task over and runs work that waits for its cancellation.
    let engine_a = TaskEngine::new(a.clone(), TaskConfig::default());
    let (started, stopped) = (Arc::new(Semaphore::new(0)), Arc::new(Semaphore::new(0)));
    let (s1, s2) = (started.clone(), stopped.clone());
    let recovery = engine_a
        .recover::<Server>(move |_| {
            let (started, stopped) = (s1.clone(), s2.clone());
            Some(ResumeWork::new(
                move |cx: RequestContext<Server>| async move {
                    started.add_permits(1);
                    cx.cancellation_token().cancelled().await;
                    stopped.add_permits(1);
                    WorkResult::Completed(RawValue::from_string("{}".to_owned()).unwrap())
                },
            ))
        })
        .await
        .unwrap();
    assert_eq!(recovery.resumed, ["w1"]);
    tokio::time::timeout(GUARD, started.acquire())
        .await
        .unwrap()
        .unwrap()
        .forget();
    // Three lease periods later the engine still holds it: it renews.
    tokio::time::sleep(LEASE * 3).await;
    assert!(
        !b.claim("w1").await.unwrap(),
        "the engine did not renew its lease"
    );
    assert_eq!(engine_a.running(), 1);
    // Another process takes the lease (as if a's had run out while a was cut off): a's
    // engine stops its work at the next renewal and writes nothing.
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let key = format!("{{{prefix}}}:t:w1");
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("lh")
        .arg(b.holder())
        .arg("lx")
        .arg("99999999999999")
        .query(&mut conn)
        .unwrap();
    tokio::time::timeout(GUARD, stopped.acquire())
        .await
        .unwrap()
        .unwrap()
        .forget();
    tokio::time::timeout(GUARD, async {
        while engine_a.running() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    let record = b.get(&owner(), "w1", now_ms()).await.unwrap();
    assert_eq!(
        record.task.status,
        TaskStatus::Working,
        "the old holder wrote an outcome"
    );
    let w1 = ["w1".to_owned()];
    assert_eq!(
        b.renew_leases(&w1).await.unwrap(),
        Vec::<String>::new(),
        "b holds it"
    );
    assert_eq!(a.renew_leases(&w1).await.unwrap(), w1, "a lost it");
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Text {
    text: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_keeps_recovering_takes_over_a_dead_process_tasks() {
    use oxmcp_core::server::McpServer;
    use oxmcp_core::server::tools::ToolRoute;
    use oxmcp_tasks::{OwnerPolicy, TaskOutcome, TasksServerBuilderExt as _, TasksServerExt as _};
    use oxmcp_types::Implementation;
    use oxmcp_types::tools::TaskSupport;

    let server = RedisServer::start().await;
    let (dead, live, _) = two_processes(&server).await;
    let now = now_ms();
    let task = Task::new("call-1", TaskStatus::Working, wire_timestamp(now)).with_ttl(Some(60_000));
    let params =
        RawValue::from_string(r#"{"name":"echo","arguments":{"text":"hi"}}"#.into()).unwrap();
    let record = TaskRecord::new(task, owner(), "tools/call", now).with_params(params);
    dead.create(record, CreateLimits::UNLIMITED).await.unwrap();
    drop(dead);

    let echo = ToolRoute::new(
        "echo",
        |t: Text, _cx| async move { format!("echo {}", t.text) },
    )
    .with_task_support(TaskSupport::Optional)
    .resumable();
    let config = TaskConfig::default().with_owner(OwnerPolicy::Fixed("principal:alice".into()));
    let mcp = McpServer::builder(Implementation::new("redis-recovery", "1"))
        .tool(echo)
        .tasks(TaskEngine::new(live.clone(), config))
        .build()
        .unwrap();
    let keeper = mcp.keep_recovering_tasks(LEASE / 3);
    let record = tokio::time::timeout(GUARD, async {
        loop {
            let record = live.get(&owner(), "call-1", now_ms()).await.unwrap();
            if record.task.status.is_terminal() {
                break record;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the task was taken over");
    keeper.abort();
    assert_eq!(record.task.status, TaskStatus::Completed);
    match record.outcome {
        Some(TaskOutcome::Result(raw)) => assert!(raw.get().contains("echo hi"), "{}", raw.get()),
        other => panic!("{other:?}"),
    }
}
