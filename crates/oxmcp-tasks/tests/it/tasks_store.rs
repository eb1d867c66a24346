//! The in-memory task store: the shared store contract (feature `store-contract`, which
//! CI turns on with `--all-features`) and what is particular to memory (purge frees the
//! records, clones share them, records are handed out as copies).

use oxmcp_tasks::{
    CreateLimits, MemoryTaskStore, StoreError, TaskOwner, TaskRecord, TaskStore, TaskUpdate,
};
use oxmcp_types::tasks::{Task, TaskStatus};

/// One test per contract property, each on a fresh memory store, on a multi-threaded
/// runtime so that the concurrency properties run in parallel.
#[cfg(feature = "store-contract")]
mod contract {
    use oxmcp_tasks::MemoryTaskStore;
    use oxmcp_tasks::store_contract as c;

    macro_rules! contract_tests {
        ($($name:ident),* $(,)?) => {$(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                c::$name(&|| async { MemoryTaskStore::new() }).await;
            }
        )*};
    }

    contract_tests!(
        create_get_round_trip,
        summary_leaves_out_params_and_outcome,
        owner_isolation,
        transitions,
        terminal_stays_terminal,
        outcome_only_when_finished,
        limit_per_owner,
        concurrent_creates_respect_limit,
        limit_of_all_tasks_per_owner,
        time_never_goes_back,
        duplicate_ids,
        paging,
        paging_with_concurrent_creates,
        expiry,
        purge_expired,
        unfinished,
        concurrent_cancel,
    );

    #[tokio::test(flavor = "current_thread")]
    async fn run_all_on_one_thread() {
        c::run_all(&|| async { MemoryTaskStore::new() }).await;
    }
}

const T0: i64 = 1_764_064_800_000;

/// At most `n` unfinished tasks per owner, and `n` in all.
fn limits(n: usize) -> CreateLimits {
    CreateLimits::new(n, n)
}

fn working(owner: &TaskOwner, id: &str, expires_at_ms: Option<i64>) -> TaskRecord {
    let task = Task::new(id, TaskStatus::Working, "2025-11-25T10:00:00.000Z");
    TaskRecord::new(task, owner.clone(), "tools/call", T0).with_expires_at_ms(expires_at_ms)
}

#[tokio::test(start_paused = true)]
async fn purge_frees_the_records_and_clones_share_them() {
    let store = MemoryTaskStore::new();
    let clone = store.clone();
    let owner = TaskOwner::new("session:1");
    for i in 0..10_u32 {
        let expires = i.is_multiple_of(2).then_some(T0 + 10);
        clone
            .create(working(&owner, &format!("t{i}"), expires), limits(100))
            .await
            .unwrap();
    }
    assert_eq!(store.len(), 10, "a clone writes to the same records");
    assert_eq!(store.purge_expired(T0 + 10).await, Ok(5));
    assert_eq!(store.len(), 5, "purged records are freed");
    assert_eq!(clone.purge_expired(T0 + 10).await, Ok(0));
    let debug = format!("{store:?}");
    assert!(debug.contains("records: 5"), "{debug}");
}

#[tokio::test(start_paused = true)]
async fn an_owner_with_no_task_left_is_forgotten() {
    let store = MemoryTaskStore::new();
    let owner = TaskOwner::new("session:gone");
    store
        .create(working(&owner, "only", Some(T0 + 1)), limits(1))
        .await
        .unwrap();
    assert_eq!(store.purge_expired(T0 + 1).await, Ok(1));
    assert!(store.is_empty());
    // The owner's slot is free again, and listing it finds nothing.
    store
        .create(working(&owner, "again", None), limits(1))
        .await
        .unwrap();
    let page = store.list(&owner, None, 10, T0).await.unwrap();
    assert_eq!(page.records.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn records_are_copies() {
    let store = MemoryTaskStore::new();
    let owner = TaskOwner::new("session:1");
    store
        .create(working(&owner, "t", None), limits(1))
        .await
        .unwrap();
    let mut copy = store.get(&owner, "t", T0).await.unwrap();
    copy.task.status = TaskStatus::Cancelled;
    let stored = store.get(&owner, "t", T0).await.unwrap();
    assert_eq!(
        stored.task.status,
        TaskStatus::Working,
        "changing a copy changes nothing"
    );
    let update = TaskUpdate::new(TaskStatus::Cancelled, T0 + 1);
    store.update(&owner, "t", update.clone()).await.unwrap();
    let again = store.update(&owner, "t", update).await.unwrap_err();
    assert!(matches!(again, StoreError::InvalidTransition { .. }));
}

#[tokio::test(start_paused = true)]
async fn an_unpolled_future_changes_nothing() {
    let store = MemoryTaskStore::new();
    let owner = TaskOwner::new("session:1");
    drop(store.create(working(&owner, "lazy", None), limits(1)));
    assert!(store.is_empty(), "store futures do their work when polled");
}
