//! What survives: dropping and reopening, two stores on one file, and a writer process
//! killed with SIGKILL.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oxmcp_store_sqlite::SqliteTaskStore;
use oxmcp_tasks::{CreateLimits, LimitKind, StoreError, TaskRecord, TaskStore, TaskUpdate};
use oxmcp_types::tasks::TaskStatus;

use crate::support::{T0, TempDir, mixed_owner, mixed_record, mixed_status, mixed_update};

/// Creates task `i` of the mixed set and moves it to its status; returns the final record.
async fn write_mixed(store: &SqliteTaskStore, i: usize) -> TaskRecord {
    let record = mixed_record(i);
    store
        .create(record.clone(), CreateLimits::new(1000, usize::MAX))
        .await
        .expect("create");
    match mixed_update(i) {
        Some(update) => store
            .update(&record.owner, &record.task.task_id, update)
            .await
            .expect("update"),
        None => record,
    }
}

/// Every record read back equals the one written (params and results byte for byte).
async fn assert_all_there(store: &SqliteTaskStore, written: &[TaskRecord]) {
    for record in written {
        let got = store
            .get(&record.owner, &record.task.task_id, T0 + 5000)
            .await
            .expect("get after reopening");
        assert_eq!(
            &got, record,
            "{} changed across a reopen",
            record.task.task_id
        );
        let bytes = |r: &TaskRecord| r.params.as_ref().map(|p| p.get().to_owned());
        assert_eq!(bytes(&got), bytes(record), "params bytes");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopen_after_drop_keeps_everything_byte_identical() {
    let dir = TempDir::new();
    let path = dir.db();
    let store = SqliteTaskStore::open(&path).await.expect("open");
    let mut written = Vec::new();
    for i in 0..100 {
        written.push(write_mixed(&store, i).await);
    }
    let before_list = store
        .list(&mixed_owner(0), None, 1000, T0 + 5000)
        .await
        .expect("list");
    let before_unfinished = store.unfinished(T0 + 5000).await.expect("unfinished");
    drop(store);

    let reopened = SqliteTaskStore::open(&path).await.expect("reopen");
    assert_all_there(&reopened, &written).await;
    let list = reopened
        .list(&mixed_owner(0), None, 1000, T0 + 5000)
        .await
        .expect("list");
    assert_eq!(list, before_list);
    assert_eq!(
        reopened.unfinished(T0 + 5000).await.expect("unfinished"),
        before_unfinished
    );
    assert_eq!(
        before_unfinished.len(),
        40,
        "working and input_required: 2 of every 5"
    );
    // Expiry is stored too: half the tasks had a one-day ttl.
    assert_eq!(reopened.purge_expired(T0 + 86_400_000 + 1000).await, Ok(50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_stay_consistent() {
    let dir = TempDir::new();
    let path = dir.db();
    let a = Arc::new(SqliteTaskStore::open(&path).await.expect("open a"));
    let b = Arc::new(SqliteTaskStore::open(&path).await.expect("open b"));
    let record = mixed_record(0);
    let owner = record.owner.clone();
    a.create(record.clone(), CreateLimits::new(10, usize::MAX))
        .await
        .expect("create in a");
    assert_eq!(
        b.get(&owner, "task-000", T0).await,
        Ok(record),
        "b sees a's task"
    );
    assert_eq!(
        b.create(mixed_record(0), CreateLimits::new(10, usize::MAX))
            .await,
        Err(StoreError::Duplicate)
    );

    // 100 cancels, half through each store: exactly one wins.
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let handles: Vec<_> = (0..100_usize)
        .map(|i| {
            let store = if i.is_multiple_of(2) {
                a.clone()
            } else {
                b.clone()
            };
            let (owner, barrier) = (owner.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let update = TaskUpdate::new(TaskStatus::Cancelled, T0 + 100);
                store.update(&owner, "task-000", update).await
            })
        })
        .collect();
    let mut won = 0;
    for handle in handles {
        match handle.await.expect("join") {
            Ok(_) => won += 1,
            Err(e) => assert!(matches!(e, StoreError::InvalidTransition { .. }), "{e}"),
        }
    }
    assert_eq!(won, 1, "exactly one cancel across two stores");

    // The per-owner limit holds across stores: 20 creates, max 5 unfinished.
    let handles: Vec<_> = (0..20_usize)
        .map(|i| {
            let store = if i.is_multiple_of(2) {
                a.clone()
            } else {
                b.clone()
            };
            let mut record = mixed_record(3 * (i + 10));
            record.task.task_id = format!("limit-{i}");
            tokio::spawn(
                async move { store.create(record, CreateLimits::new(5, usize::MAX)).await },
            )
        })
        .collect();
    let mut created = 0;
    for handle in handles {
        match handle.await.expect("join") {
            Ok(()) => created += 1,
            Err(e) => assert_eq!(
                e,
                StoreError::LimitReached {
                    kind: LimitKind::UnfinishedPerOwner,
                    limit: 5
                }
            ),
        }
    }
    assert_eq!(created, 5, "the limit across two stores");
    let seen_by_a = a.list(&owner, None, 100, T0).await.expect("list a");
    let seen_by_b = b.list(&owner, None, 100, T0).await.expect("list b");
    assert_eq!(seen_by_a, seen_by_b);
    assert_eq!(seen_by_a.records.len(), 6);
}

/// The environment variable that makes [`killed_writer`] write into a database.
const CHILD_DB: &str = "OXMCP_STORE_SQLITE_CHILD_DB";

/// Not a test of its own: the process that [`a_killed_writer_loses_no_acknowledged_task`]
/// starts and kills. Writes the mixed set one task at a time, printing each index once the
/// store acknowledged it, then keeps writing until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run as a child process by a_killed_writer_loses_no_acknowledged_task"]
async fn killed_writer() {
    let path = std::env::var(CHILD_DB).expect("run by a_killed_writer_loses_no_acknowledged_task");
    let store = SqliteTaskStore::open(path).await.expect("open");
    // Bounded, in case the parent died before killing this process.
    for i in 0..10_000 {
        write_mixed(&store, i).await;
        println!("acknowledged {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_writer_loses_no_acknowledged_task() {
    let dir = TempDir::new();
    let path = dir.db();
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--ignored",
            "--exact",
            "durability::killed_writer",
            "--nocapture",
        ])
        .env(CHILD_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the writer");
    let stdout = child.stdout.take().expect("piped");
    let acknowledged = tokio::task::spawn_blocking(move || {
        let mut last = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read the writer");
            if let Some(i) = line.strip_prefix("acknowledged ") {
                last = Some(i.parse::<usize>().expect("an index"));
                if last >= Some(120) {
                    break;
                }
            }
        }
        last
    });
    let started = Instant::now();
    let acknowledged = tokio::time::timeout(Duration::from_secs(300), acknowledged)
        .await
        .expect("the writer acknowledged 120 tasks in time")
        .expect("join")
        .expect("the writer acknowledged tasks");
    child.kill().expect("SIGKILL the writer"); // Child::kill sends SIGKILL on Unix.
    child.wait().expect("reap the writer");
    eprintln!(
        "killed the writer after {acknowledged} acknowledged tasks in {:?}",
        started.elapsed()
    );

    let store = SqliteTaskStore::open(&path)
        .await
        .expect("reopen after SIGKILL");
    let written: Vec<TaskRecord> = (0..=acknowledged).map(expected_after).collect();
    assert_all_there(&store, &written).await;
    // A task the writer was busy with is there whole or not at all: created and, if its
    // update committed too, in its final state.
    let next = mixed_record(acknowledged + 1);
    if let Ok(found) = store.get(&next.owner, &next.task.task_id, T0 + 5000).await {
        let status = found.task.status;
        assert!(status == TaskStatus::Working || status == mixed_status(acknowledged + 1));
    }
}

/// Task `i` of the mixed set as [`write_mixed`] leaves it, without a store.
fn expected_after(i: usize) -> TaskRecord {
    let mut record = mixed_record(i);
    if let Some(update) = mixed_update(i) {
        record.apply(update).expect("a valid transition");
    }
    record
}
