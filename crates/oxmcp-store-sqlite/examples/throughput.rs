//! Creates/s, updates/s and gets/s of the SQLite task store (both durability settings) and,
//! for comparison, of the in-memory store: one caller awaiting each operation, then 64
//! callers at once. Run with
//! `cargo run --release -p oxmcp-store-sqlite --example throughput [-- OPERATIONS]`
//! (default 4000 operations per measurement). Writes to a temporary directory it removes.

use std::sync::Arc;
use std::time::Instant;

use oxmcp_store_sqlite::{SqliteOptions, SqliteTaskStore, Synchronous};
use oxmcp_tasks::{CreateLimits, MemoryTaskStore, TaskOwner, TaskRecord, TaskStore, TaskUpdate};
use oxmcp_types::tasks::{Task, TaskStatus};
use serde_json::value::RawValue;

const T0: i64 = 1_764_064_800_000;
const CALLERS: usize = 64;

fn record(i: usize) -> TaskRecord {
    let task = Task::new(
        format!("task-{i:08}"),
        TaskStatus::Working,
        "2025-11-25T10:00:00.000Z",
    )
    .with_ttl(Some(3_600_000));
    let params = RawValue::from_string(format!(
        r#"{{"name":"long_running","arguments":{{"seconds":{i}}}}}"#
    ))
    .expect("valid JSON");
    TaskRecord::new(task, owner(i), "tools/call", T0).with_params(params)
}

fn owner(i: usize) -> TaskOwner {
    TaskOwner::new(format!("session:{}", i % CALLERS))
}

/// Each task is updated once per measurement: working to input_required.
fn update() -> TaskUpdate {
    TaskUpdate::new(TaskStatus::InputRequired, T0 + 1)
}

/// Runs `op(i)` for `i` in `0..n` with `callers` concurrent callers; returns ops/s.
async fn measure<S, F>(store: &Arc<S>, n: usize, callers: usize, op: F) -> f64
where
    S: TaskStore,
    F: Fn(Arc<S>, usize) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
        + Send
        + Sync
        + 'static,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let handles: Vec<_> = (0..callers)
        .map(|c| {
            let (store, op) = (store.clone(), op.clone());
            tokio::spawn(async move {
                for i in (c..n).step_by(callers) {
                    op(store.clone(), i).await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("a caller panicked");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn bench<S: TaskStore>(name: &str, store: S, n: usize) {
    let store = Arc::new(store);
    for callers in [1, CALLERS] {
        let base = if callers == 1 { 0 } else { n };
        let creates = measure(&store, n, callers, move |s, i| {
            Box::pin(async move {
                s.create(record(base + i), CreateLimits::UNLIMITED)
                    .await
                    .expect("create")
            })
        })
        .await;
        let updates = measure(&store, n, callers, move |s, i| {
            Box::pin(async move {
                let id = format!("task-{:08}", base + i);
                s.update(&owner(base + i), &id, update())
                    .await
                    .expect("update");
            })
        })
        .await;
        let gets = measure(&store, n, callers, move |s, i| {
            Box::pin(async move {
                let id = format!("task-{:08}", base + i);
                s.get(&owner(base + i), &id, T0 + 2).await.expect("get");
            })
        })
        .await;
        println!(
            "{name:<24} callers {callers:>2}: {creates:>9.0} creates/s {updates:>9.0} updates/s {gets:>9.0} gets/s"
        );
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("OPERATIONS is a number"))
        .unwrap_or(4000);
    let dir = std::env::temp_dir().join(format!("oxmcp-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the directory");
    println!(
        "{n} operations per measurement, {} cores",
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    bench("memory", MemoryTaskStore::new(), n).await;
    for (name, sync) in [
        ("sqlite synchronous=FULL", Synchronous::Full),
        ("sqlite synchronous=NORMAL", Synchronous::Normal),
    ] {
        let path = dir.join(format!("{sync:?}.db"));
        let options = SqliteOptions::new().synchronous(sync);
        let store = SqliteTaskStore::open_with(&path, options)
            .await
            .expect("open");
        bench(name, store, n).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
