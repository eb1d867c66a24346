//! The shared contract tests of [`TaskStore`] implementations (feature `store-contract`).
//!
//! Every store must behave the same way, so every store crate runs these checks in its own
//! tests. Each property is one async function that takes a [`StoreFactory`] (called once
//! for a fresh, empty store per property) and panics with a message naming the property
//! when the store breaks it; [`run_all`] runs them all. They need a Tokio runtime (the
//! concurrency checks spawn tasks); a multi-threaded one exercises real parallelism.
//!
//! ```
//! use oxmcp_tasks::{MemoryTaskStore, store_contract};
//!
//! # tokio::runtime::Builder::new_multi_thread().build().unwrap().block_on(async {
//! store_contract::run_all(&|| async { MemoryTaskStore::new() }).await;
//! # });
//! ```

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{Task, TaskStatus};
use serde_json::json;
use serde_json::value::RawValue;

use super::{
    CreateLimits, LimitKind, ListPosition, StoreError, TaskOutcome, TaskOwner, TaskPage,
    TaskRecord, TaskStore, TaskUpdate, wire_timestamp,
};

/// Makes a fresh, empty store for one property. Implemented by every `Fn() -> impl Future`
/// returning a store, such as `|| async { MemoryTaskStore::new() }`.
pub trait StoreFactory {
    /// The store under test.
    type Store: TaskStore;

    /// A new, empty store.
    fn make(&self) -> impl Future<Output = Self::Store>;
}

impl<F, Fut, S> StoreFactory for F
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: TaskStore,
{
    type Store = S;

    fn make(&self) -> impl Future<Output = S> {
        self()
    }
}

/// The time the checks start at (2025-11-25T10:00:00Z), ms since the Unix epoch.
pub const T0: i64 = 1_764_064_800_000;

/// Every status, in declaration order.
pub const ALL_STATUSES: [TaskStatus; 5] = [
    TaskStatus::Working,
    TaskStatus::InputRequired,
    TaskStatus::Completed,
    TaskStatus::Failed,
    TaskStatus::Cancelled,
];

/// The limits of the checks that are not about limits.
const ROOMY: CreateLimits = CreateLimits::new(10_000, 10_000);

/// At most `n` unfinished tasks per owner (and no limit on all of them).
fn unfinished_max(n: usize) -> CreateLimits {
    CreateLimits::new(n, usize::MAX)
}

/// The error of the limit of `n` unfinished tasks per owner.
fn unfinished_full(n: usize) -> StoreError {
    StoreError::LimitReached {
        kind: LimitKind::UnfinishedPerOwner,
        limit: n,
    }
}

/// The error of the limit of `n` tasks in all per owner.
fn all_full(n: usize) -> StoreError {
    StoreError::LimitReached {
        kind: LimitKind::PerOwner,
        limit: n,
    }
}

/// Runs every property, each on a fresh store.
pub async fn run_all<F: StoreFactory>(factory: &F) {
    create_get_round_trip(factory).await;
    summary_leaves_out_params_and_outcome(factory).await;
    owner_isolation(factory).await;
    transitions(factory).await;
    terminal_stays_terminal(factory).await;
    outcome_only_when_finished(factory).await;
    limit_per_owner(factory).await;
    concurrent_creates_respect_limit(factory).await;
    limit_of_all_tasks_per_owner(factory).await;
    time_never_goes_back(factory).await;
    duplicate_ids(factory).await;
    paging(factory).await;
    paging_with_concurrent_creates(factory).await;
    expiry(factory).await;
    purge_expired(factory).await;
    unfinished(factory).await;
    concurrent_cancel(factory).await;
}

/// An owner named `key`.
pub fn owner(key: &str) -> TaskOwner {
    TaskOwner::new(key)
}

/// A `tools/call` record of `owner` with id `id` and status `status`, created at
/// `created_at_ms` without ttl (no outcome: give one for completed and failed).
pub fn record(owner: &TaskOwner, id: &str, created_at_ms: i64, status: TaskStatus) -> TaskRecord {
    let task = Task::new(id, status, wire_timestamp(created_at_ms));
    TaskRecord::new(task, owner.clone(), "tools/call", created_at_ms)
}

/// JSON text kept as it is (not re-serialized).
pub fn raw(json: &str) -> Box<RawValue> {
    RawValue::from_string(json.to_owned()).expect("the checks' JSON is valid")
}

/// An outcome fitting `status`: a result for completed, an error for failed, none otherwise.
pub fn outcome_for(status: TaskStatus) -> Option<TaskOutcome> {
    match status {
        TaskStatus::Completed => Some(TaskOutcome::Result(raw(
            r#"{"content":[{"type":"text","text":"done"}] ,"isError":false}"#,
        ))),
        TaskStatus::Failed => Some(TaskOutcome::Error(
            ErrorData::internal_error("boom").with_data(json!({"why": [1, 2.5, "x"]})),
        )),
        _ => None,
    }
}

/// An update to `status` at `now_ms` with a message and the fitting outcome.
pub fn update_to(status: TaskStatus, now_ms: i64) -> TaskUpdate {
    let update = TaskUpdate::new(status, now_ms).with_message(format!("now {status:?}"));
    match outcome_for(status) {
        Some(outcome) => update.with_outcome(outcome),
        None => update,
    }
}

/// A record in `status`, with the fitting outcome.
fn finished(owner: &TaskOwner, id: &str, created_at_ms: i64, status: TaskStatus) -> TaskRecord {
    let record = record(owner, id, created_at_ms, status);
    match outcome_for(status) {
        Some(outcome) => record.with_outcome(outcome),
        None => record,
    }
}

/// Creates a working task and moves it to `status` through the store.
async fn task_in<S: TaskStore>(store: &S, owner: &TaskOwner, id: &str, status: TaskStatus) {
    store
        .create(record(owner, id, T0, TaskStatus::Working), ROOMY)
        .await
        .expect("create a working task");
    if status != TaskStatus::Working {
        store
            .update(owner, id, update_to(status, T0 + 1))
            .await
            .expect("move a working task on");
    }
}

async fn get<S: TaskStore>(store: &S, owner: &TaskOwner, id: &str) -> TaskRecord {
    store
        .get(owner, id, T0 + 5)
        .await
        .unwrap_or_else(|e| panic!("get {id}: {e}"))
}

/// Records come back exactly as they went in: params and results byte for byte (odd
/// spacing, escapes, `1.50`), errors equal, every field and timestamp kept.
pub async fn create_get_round_trip<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let alice = owner("principal:alice \u{e9}");
    let params = raw(r#"{"name":"echo" , "arguments":{"text":"h\u00e9llo \"q\" é","n":1.50}}"#);
    let task = Task::new("r-1", TaskStatus::Working, "2025-11-25T10:00:00Z")
        .with_ttl(Some(60_000))
        .with_poll_interval(250)
        .with_status_message("starting");
    let working = TaskRecord::new(task, alice.clone(), "tools/call", T0).with_params(params);
    let big = "x".repeat(200_000);
    let completed = finished(&alice, "r-2", T0 + 1, TaskStatus::Completed)
        .with_params(raw(&format!(r#"{{"big":"{big}"}}"#)))
        .with_updated_at_ms(T0 + 3);
    let failed = finished(&alice, "r-3", T0 + 2, TaskStatus::Failed).with_expires_at_ms(None);
    for record in [&working, &completed, &failed] {
        store.create(record.clone(), ROOMY).await.expect("create");
        let got = get(&store, &alice, &record.task.task_id).await;
        assert_eq!(&got, record, "round trip: the record read differs");
        let bytes = |r: &TaskRecord| r.params.as_ref().map(|p| p.get().to_owned());
        assert_eq!(
            bytes(&got),
            bytes(record),
            "round trip: params not byte-identical"
        );
    }
    assert_eq!(working.expires_at_ms, Some(T0 + 60_000));

    let result = raw("{ \"content\" : [],\n \"structuredContent\":{\"v\":1.0e3} }");
    let update = TaskUpdate::new(TaskStatus::Completed, T0 + 9)
        .with_outcome(TaskOutcome::Result(result.clone()));
    let updated = store.update(&alice, "r-1", update).await.expect("complete");
    let got = get(&store, &alice, "r-1").await;
    assert_eq!(got, updated, "round trip: update's answer differs from get");
    match &got.outcome {
        Some(TaskOutcome::Result(r)) => assert_eq!(r.get(), result.get(), "result bytes changed"),
        other => panic!("round trip: expected the result, got {other:?}"),
    }
    assert_eq!(got.task.status_message, None, "a None message clears it");
    assert_eq!(
        got.task.created_at, "2025-11-25T10:00:00Z",
        "createdAt kept"
    );
    assert_eq!(got.task.last_updated_at, wire_timestamp(T0 + 9));
    assert_eq!((got.created_at_ms, got.updated_at_ms), (T0, T0 + 9));
    assert_eq!(
        (got.task.ttl, got.task.poll_interval),
        (Some(60_000), Some(250))
    );
}

/// `get_summary` is `get` without params and outcome, for every status, and refuses what
/// `get` refuses (unknown, foreign, expired).
pub async fn summary_leaves_out_params_and_outcome<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let (alice, bob) = (owner("principal:alice"), owner("principal:bob"));
    for (i, status) in ALL_STATUSES.into_iter().enumerate() {
        let id = format!("s{i}");
        let full = finished(&alice, &id, T0, status)
            .with_params(raw(r#"{"name":"big","arguments":{"text":"x"}}"#))
            .with_expires_at_ms(Some(T0 + 100));
        store.create(full.clone(), ROOMY).await.expect("create");
        let summary = store
            .get_summary(&alice, &id, T0 + 5)
            .await
            .unwrap_or_else(|e| panic!("summary of {id}: {e}"));
        let mut expected = full;
        expected.params = None;
        expected.outcome = None;
        assert_eq!(summary, expected, "summary of a {status:?} task");
        let refused = [
            store.get_summary(&bob, &id, T0 + 5).await,
            store.get_summary(&alice, "nope", T0 + 5).await,
            store.get_summary(&alice, &id, T0 + 100).await,
        ];
        for answer in refused {
            assert_eq!(answer, Err(StoreError::NotFound), "summary of {id}");
        }
    }
}

/// Another owner's task is reported exactly like an unknown id, and cannot be changed.
pub async fn owner_isolation<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let (a, b) = (owner("session:1"), owner("session:10"));
    task_in(&store, &a, "iso", TaskStatus::Working).await;
    let foreign = store
        .get(&b, "iso", T0 + 5)
        .await
        .expect_err("b reads a's task");
    let unknown = store.get(&b, "nope", T0 + 5).await.expect_err("unknown id");
    assert_eq!(
        foreign,
        StoreError::NotFound,
        "isolation: get by another owner"
    );
    assert_eq!(
        foreign, unknown,
        "isolation: another owner's task differs from unknown"
    );
    let cancel = || update_to(TaskStatus::Cancelled, T0 + 6);
    let foreign = store
        .update(&b, "iso", cancel())
        .await
        .expect_err("b cancels");
    let unknown = store
        .update(&b, "nope", cancel())
        .await
        .expect_err("unknown");
    assert_eq!(
        (&foreign, &unknown),
        (&StoreError::NotFound, &StoreError::NotFound)
    );
    assert_eq!(
        get(&store, &a, "iso").await.task.status,
        TaskStatus::Working
    );
    let page = store.list(&b, None, 10, T0 + 5).await.expect("list b");
    assert!(
        page.records.is_empty() && !page.more,
        "isolation: b lists a's task"
    );
    let page = store.list(&a, None, 10, T0 + 5).await.expect("list a");
    assert_eq!(ids(&page), ["iso"]);
}

/// All 25 pairs of statuses: exactly those [`TaskStatus::can_become`] allows succeed, and
/// a refused one names the current status and leaves the record unchanged.
pub async fn transitions<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let alice = owner("principal:alice");
    let mut allowed = 0;
    for from in ALL_STATUSES {
        for to in ALL_STATUSES {
            let id = format!("{from:?}->{to:?}");
            task_in(&store, &alice, &id, from).await;
            let before = get(&store, &alice, &id).await;
            let now = T0 + 10;
            let result = store.update(&alice, &id, update_to(to, now)).await;
            let after = get(&store, &alice, &id).await;
            if from.can_become(to) {
                allowed += 1;
                let record = result.unwrap_or_else(|e| panic!("{id}: refused: {e}"));
                assert_eq!(record, after, "{id}: update's answer differs from get");
                assert_eq!(after.task.status, to, "{id}: status");
                assert_eq!(after.task.status_message, Some(format!("now {to:?}")));
                assert_eq!(after.updated_at_ms, now, "{id}: updated_at_ms");
                assert_eq!(after.task.last_updated_at, wire_timestamp(now));
                assert_eq!(after.outcome, outcome_for(to), "{id}: outcome");
                assert_eq!(after.created_at_ms, before.created_at_ms);
            } else {
                let expected = StoreError::InvalidTransition {
                    current: from,
                    requested: to,
                };
                assert_eq!(result.expect_err(&id), expected, "{id}: wrong error");
                assert_eq!(after, before, "{id}: a refused update changed the record");
            }
        }
    }
    assert_eq!(allowed, 8, "the spec allows 8 of the 25 transitions");
}

/// A completed, failed or cancelled task refuses every later update, repeatedly, and keeps
/// its outcome, message and time.
pub async fn terminal_stays_terminal<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let alice = owner("principal:alice");
    for end in [
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ] {
        let id = format!("end-{end:?}");
        task_in(&store, &alice, &id, end).await;
        let before = get(&store, &alice, &id).await;
        for round in 0..2 {
            for to in ALL_STATUSES {
                let result = store
                    .update(&alice, &id, update_to(to, T0 + 20 + round))
                    .await;
                let expected = StoreError::InvalidTransition {
                    current: end,
                    requested: to,
                };
                assert_eq!(result.expect_err("terminal"), expected, "{id} -> {to:?}");
            }
        }
        assert_eq!(get(&store, &alice, &id).await, before, "{id} changed");
    }
}

/// An outcome goes with completed and failed only, and they need one: in updates and in
/// created records ([`StoreError::InvalidOutcome`]); a refused update changes nothing.
pub async fn outcome_only_when_finished<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let alice = owner("principal:alice");
    task_in(&store, &alice, "o", TaskStatus::Working).await;
    let before = get(&store, &alice, "o").await;
    let some = outcome_for(TaskStatus::Completed).expect("an outcome");
    let bad = [
        TaskUpdate::new(TaskStatus::Completed, T0 + 2),
        TaskUpdate::new(TaskStatus::Failed, T0 + 2),
        TaskUpdate::new(TaskStatus::Cancelled, T0 + 2).with_outcome(some.clone()),
        TaskUpdate::new(TaskStatus::InputRequired, T0 + 2).with_outcome(some.clone()),
    ];
    for update in bad {
        let status = update.status;
        let err = store
            .update(&alice, "o", update)
            .await
            .expect_err("bad outcome");
        assert_eq!(
            err,
            StoreError::InvalidOutcome { status },
            "update to {status:?}"
        );
    }
    assert_eq!(
        get(&store, &alice, "o").await,
        before,
        "a refused update changed it"
    );
    let working = record(&alice, "c1", T0, TaskStatus::Working).with_outcome(some);
    let completed = record(&alice, "c2", T0, TaskStatus::Completed);
    for bad in [working, completed] {
        let status = bad.task.status;
        let id = bad.task.task_id.clone();
        let err = store.create(bad, ROOMY).await.expect_err("bad record");
        assert_eq!(
            err,
            StoreError::InvalidOutcome { status },
            "create {status:?}"
        );
        let missing = store
            .get(&alice, &id, T0 + 5)
            .await
            .expect_err("not stored");
        assert_eq!(missing, StoreError::NotFound);
    }
}

/// `max_unfinished_per_owner` counts the owner's unexpired unfinished tasks (working and
/// input_required) only; other owners, finished and expired tasks do not count.
pub async fn limit_per_owner<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let (a, b) = (owner("session:a"), owner("session:b"));
    let working = |o: &TaskOwner, id: &str, at: i64| record(o, id, at, TaskStatus::Working);
    for i in 0..3 {
        store
            .create(working(&a, &format!("a{i}"), T0), unfinished_max(3))
            .await
            .expect("under the limit");
    }
    let full = store
        .create(working(&a, "a3", T0), unfinished_max(3))
        .await
        .expect_err("at the limit");
    assert_eq!(full, unfinished_full(3));
    store
        .create(working(&b, "b0", T0), unfinished_max(3))
        .await
        .expect("other owners do not count");
    store
        .update(&a, "a0", update_to(TaskStatus::InputRequired, T0 + 1))
        .await
        .expect("input_required");
    let full = store
        .create(working(&a, "a3", T0 + 2), unfinished_max(3))
        .await
        .expect_err("still full");
    assert_eq!(full, unfinished_full(3), "input_required counts");
    store
        .update(&a, "a1", update_to(TaskStatus::Completed, T0 + 3))
        .await
        .expect("complete");
    store
        .create(working(&a, "a3", T0 + 4), unfinished_max(3))
        .await
        .expect("a finished task frees a slot");

    let c = owner("session:c");
    for (i, end) in [
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ]
    .into_iter()
    .enumerate()
    {
        let done = finished(&c, &format!("c{i}"), T0, end);
        store
            .create(done, unfinished_max(1))
            .await
            .expect("finished tasks do not count");
    }
    store
        .create(working(&c, "c3", T0), unfinished_max(1))
        .await
        .expect("first unfinished");
    let full = store
        .create(working(&c, "c4", T0), unfinished_max(1))
        .await
        .expect_err("second");
    assert_eq!(full, unfinished_full(1));

    let d = owner("session:d");
    let short = working(&d, "d0", T0).with_expires_at_ms(Some(T0 + 1000));
    store.create(short, unfinished_max(1)).await.expect("first");
    let early = store
        .create(working(&d, "d1", T0 + 999), unfinished_max(1))
        .await;
    assert_eq!(early, Err(unfinished_full(1)), "not expired yet");
    store
        .create(working(&d, "d1", T0 + 1000), unfinished_max(1))
        .await
        .expect("expired tasks do not count");
    let zero = store
        .create(working(&owner("session:e"), "e0", T0), unfinished_max(0))
        .await;
    assert_eq!(zero, Err(unfinished_full(0)));
}

/// `max_per_owner` counts every unexpired task of the owner, finished ones included; other
/// owners and expired tasks do not count; the unfinished limit is checked first; 30
/// concurrent creates with `max_per_owner` 7 store exactly 7.
pub async fn limit_of_all_tasks_per_owner<F: StoreFactory>(factory: &F) {
    let store = Arc::new(factory.make().await);
    let (a, b) = (owner("session:a"), owner("session:b"));
    let limits = CreateLimits::new(10, 3);
    let done = finished(&a, "a0", T0, TaskStatus::Completed);
    store.create(done, limits).await.expect("a0");
    let cancelled = finished(&a, "a1", T0, TaskStatus::Cancelled);
    store.create(cancelled, limits).await.expect("a1");
    let short = record(&a, "a2", T0, TaskStatus::Working).with_expires_at_ms(Some(T0 + 100));
    store.create(short, limits).await.expect("a2");
    let full = store
        .create(record(&a, "a3", T0 + 99, TaskStatus::Working), limits)
        .await;
    assert_eq!(full, Err(all_full(3)), "finished tasks count");
    store
        .create(record(&b, "b0", T0, TaskStatus::Working), limits)
        .await
        .expect("other owners do not count");
    store
        .create(record(&a, "a3", T0 + 100, TaskStatus::Working), limits)
        .await
        .expect("expired tasks do not count");
    let tight = CreateLimits::new(1, 3);
    let first = store
        .create(record(&a, "a4", T0 + 101, TaskStatus::Working), tight)
        .await;
    assert_eq!(first, Err(unfinished_full(1)), "the unfinished limit first");

    let carol = owner("session:carol");
    let barrier = Arc::new(tokio::sync::Barrier::new(30));
    let handles: Vec<_> = (0..30)
        .map(|i| {
            let (store, carol, barrier) = (store.clone(), carol.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let done = finished(&carol, &format!("f{i:02}"), T0, TaskStatus::Failed);
                store.create(done, CreateLimits::new(1, 7)).await
            })
        })
        .collect();
    let mut ok = 0;
    for handle in handles {
        match handle.await.expect("create task panicked") {
            Ok(()) => ok += 1,
            Err(e) => assert_eq!(e, all_full(7)),
        }
    }
    assert_eq!(
        ok, 7,
        "concurrent creates: the limit of all tasks was not atomic"
    );
}

/// An update dated before the record's last change (a clock stepped back) is dated at that
/// change: `updated_at_ms` and `lastUpdatedAt` never go back.
pub async fn time_never_goes_back<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let alice = owner("principal:alice");
    task_in(&store, &alice, "clock", TaskStatus::InputRequired).await;
    let before = get(&store, &alice, "clock").await;
    assert_eq!(before.updated_at_ms, T0 + 1);
    let earlier = TaskUpdate::new(TaskStatus::Working, T0 - 60_000);
    let after = store
        .update(&alice, "clock", earlier)
        .await
        .expect("an update dated earlier");
    assert_eq!(after.updated_at_ms, T0 + 1, "updated_at_ms went back");
    assert_eq!(after.task.last_updated_at, wire_timestamp(T0 + 1));
    assert_eq!(get(&store, &alice, "clock").await, after);
}

/// 50 concurrent creates for one owner with `max_unfinished_per_owner` 10: exactly 10 succeed.
pub async fn concurrent_creates_respect_limit<F: StoreFactory>(factory: &F) {
    let store = Arc::new(factory.make().await);
    let alice = owner("principal:alice");
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let handles: Vec<_> = (0..50)
        .map(|i| {
            let (store, alice, barrier) = (store.clone(), alice.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let record = record(&alice, &format!("l{i:02}"), T0, TaskStatus::Working);
                store.create(record, unfinished_max(10)).await
            })
        })
        .collect();
    let mut ok = 0;
    for handle in handles {
        match handle.await.expect("create task panicked") {
            Ok(()) => ok += 1,
            Err(e) => assert_eq!(e, unfinished_full(10)),
        }
    }
    assert_eq!(ok, 10, "concurrent creates: the limit was not atomic");
    let page = store.list(&alice, None, 100, T0 + 1).await.expect("list");
    assert_eq!(page.records.len(), 10);
}

/// Ids are unique across owners; a taken id gives [`StoreError::Duplicate`] and leaves the
/// first record alone; the id of an expired task (judged at the new record's
/// `created_at_ms`) may be used again.
pub async fn duplicate_ids<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let (a, b) = (owner("session:a"), owner("session:b"));
    task_in(&store, &a, "dup", TaskStatus::InputRequired).await;
    let first = get(&store, &a, "dup").await;
    for o in [&a, &b] {
        let again = record(o, "dup", T0 + 7, TaskStatus::Working);
        assert_eq!(store.create(again, ROOMY).await, Err(StoreError::Duplicate));
    }
    assert_eq!(
        get(&store, &a, "dup").await,
        first,
        "a duplicate changed the first"
    );
    let gone = store.get(&b, "dup", T0 + 5).await;
    assert_eq!(
        gone.expect_err("b"),
        StoreError::NotFound,
        "the duplicate was stored"
    );

    let short = record(&a, "reused", T0, TaskStatus::Working).with_expires_at_ms(Some(T0 + 10));
    store.create(short, ROOMY).await.expect("create");
    let early = record(&b, "reused", T0 + 9, TaskStatus::Working);
    assert_eq!(store.create(early, ROOMY).await, Err(StoreError::Duplicate));
    let late = record(&b, "reused", T0 + 10, TaskStatus::Working);
    store
        .create(late.clone(), ROOMY)
        .await
        .expect("an expired id is free");
    assert_eq!(store.get(&b, "reused", T0 + 11).await, Ok(late));
    let old = store.get(&a, "reused", T0 + 1).await;
    assert_eq!(
        old,
        Err(StoreError::NotFound),
        "the expired task was replaced"
    );
}

fn ids(page: &TaskPage) -> Vec<&str> {
    page.records
        .iter()
        .map(|r| r.task.task_id.as_str())
        .collect()
}

fn position(record: &TaskRecord) -> ListPosition {
    ListPosition {
        created_at_ms: record.created_at_ms,
        task_id: record.task.task_id.clone(),
    }
}

/// Every page of `owner`'s tasks at `now_ms`, `limit` at a time.
async fn list_all<S: TaskStore>(store: &S, o: &TaskOwner, limit: usize, now: i64) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<ListPosition> = None;
    loop {
        let page = store
            .list(o, after.as_ref(), limit, now)
            .await
            .expect("list");
        assert!(page.records.len() <= limit, "a page longer than its limit");
        seen.extend(ids(&page).into_iter().map(str::to_owned));
        match (page.more, page.records.last()) {
            (true, Some(last)) => after = Some(position(last)),
            (false, _) => return seen,
            (true, None) => panic!("paging: an empty page says more follow"),
        }
    }
}

/// Pages follow `(created_at_ms, task_id)`, ties included; `more` is exact; a position
/// that names no task still works; expired tasks are skipped without breaking `more`.
pub async fn paging<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let (a, b) = (owner("session:a"), owner("session:b"));
    let mut expected = Vec::new();
    for i in 0..25 {
        let (at, id) = (T0 + i / 3, format!("p{:02}", (i * 7) % 25));
        store
            .create(record(&a, &id, at, TaskStatus::Working), ROOMY)
            .await
            .expect("a");
        let other = record(&b, &format!("q{i:02}"), at, TaskStatus::Working);
        store.create(other, ROOMY).await.expect("b");
        expected.push((at, id));
    }
    let late = record(&a, "zz-expires", T0 + 100, TaskStatus::Working);
    store
        .create(late.with_expires_at_ms(Some(T0 + 200)), ROOMY)
        .await
        .expect("late");
    expected.sort();
    let pairs = expected;
    let expected: Vec<String> = pairs.iter().map(|(_, id)| id.clone()).collect();

    let first = store.list(&a, None, 10, T0 + 300).await.expect("page 1");
    assert_eq!(
        ids(&first),
        expected[..10].to_vec(),
        "paging: first page order"
    );
    assert!(first.more, "paging: more after the first page");
    let after_first = first.records.last().map(position);
    let last_full = store.list(&a, after_first.as_ref(), 15, T0 + 300).await;
    let last_full = last_full.expect("page 2");
    assert_eq!(ids(&last_full), expected[10..].to_vec());
    assert!(!last_full.more, "paging: only an expired task follows");
    for limit in [1, 4, 25, 26] {
        assert_eq!(
            list_all(&store, &a, limit, T0 + 300).await,
            expected,
            "limit {limit}"
        );
    }
    let mut with_late = expected.clone();
    with_late.push("zz-expires".to_owned());
    assert_eq!(
        list_all(&store, &a, 7, T0 + 150).await,
        with_late,
        "unexpired included"
    );

    let between = ListPosition {
        created_at_ms: T0 + 2,
        task_id: "p10".to_owned(),
    };
    let page = store
        .list(&a, Some(&between), 100, T0 + 300)
        .await
        .expect("resume");
    let key = (between.created_at_ms, between.task_id.clone());
    let rest: Vec<&str> = pairs
        .iter()
        .filter(|p| **p > key)
        .map(|(_, id)| id.as_str())
        .collect();
    assert!(
        !rest.is_empty() && rest.len() < pairs.len(),
        "the position is inside"
    );
    assert_eq!(
        ids(&page),
        rest,
        "resume after a position that names no task"
    );
}

/// Tasks created concurrently are each listed once, in order; a task created between pages
/// shows up later if it sorts after the position, and is never listed twice.
pub async fn paging_with_concurrent_creates<F: StoreFactory>(factory: &F) {
    let store = Arc::new(factory.make().await);
    let alice = owner("principal:alice");
    let handles: Vec<_> = (0..60)
        .map(|i| {
            let (store, alice) = (store.clone(), alice.clone());
            tokio::spawn(async move {
                let record = record(&alice, &format!("c{i:02}"), T0 + i % 5, TaskStatus::Working);
                store.create(record, ROOMY).await
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("create task panicked").expect("create");
    }
    let mut expected: Vec<(i64, String)> =
        (0..60).map(|i| (T0 + i % 5, format!("c{i:02}"))).collect();
    expected.sort();
    let ordered: Vec<String> = expected.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(list_all(store.as_ref(), &alice, 7, T0 + 10).await, ordered);

    let first = store.list(&alice, None, 7, T0 + 10).await.expect("page 1");
    let after = first.records.last().map(position).expect("a full page");
    let before_pos = record(&alice, "a-early", T0 - 1, TaskStatus::Working);
    let after_pos = record(&alice, "z-late", T0 + 50, TaskStatus::Working);
    store.create(before_pos, ROOMY).await.expect("early");
    store.create(after_pos, ROOMY).await.expect("late");
    let mut seen: Vec<String> = ids(&first).into_iter().map(str::to_owned).collect();
    let mut next = Some(after);
    while let Some(pos) = next.take() {
        let page = store
            .list(&alice, Some(&pos), 7, T0 + 10)
            .await
            .expect("page");
        seen.extend(ids(&page).into_iter().map(str::to_owned));
        if page.more {
            next = page.records.last().map(position);
        }
    }
    let mut wanted = ordered;
    wanted.push("z-late".to_owned());
    assert_eq!(seen, wanted, "paging: a task created between pages");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "paging: a task listed twice");
}

/// At and after `expires_at_ms`, get, update and list see nothing; before it, everything.
pub async fn expiry<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let alice = owner("principal:alice");
    let task = Task::new("e", TaskStatus::Working, wire_timestamp(T0)).with_ttl(Some(1000));
    let expiring = TaskRecord::new(task, alice.clone(), "tools/call", T0);
    assert_eq!(
        expiring.expires_at_ms,
        Some(T0 + 1000),
        "expiry is created + ttl"
    );
    store.create(expiring, ROOMY).await.expect("create");
    task_in(&store, &alice, "forever", TaskStatus::Working).await;
    assert!(
        store.get(&alice, "e", T0 + 999).await.is_ok(),
        "alive before expiry"
    );
    let gone = store.get(&alice, "e", T0 + 1000).await;
    assert_eq!(gone, Err(StoreError::NotFound), "get at expiry");
    let update = store.update(&alice, "e", update_to(TaskStatus::Cancelled, T0 + 1000));
    assert_eq!(update.await, Err(StoreError::NotFound), "update at expiry");
    let still = store
        .get(&alice, "e", T0 + 999)
        .await
        .expect("an expired update changed nothing");
    assert_eq!(still.task.status, TaskStatus::Working);
    let page = store.list(&alice, None, 10, T0 + 1000).await.expect("list");
    assert_eq!(ids(&page), ["forever"], "list at expiry");
    let page = store.list(&alice, None, 10, T0 + 999).await.expect("list");
    assert_eq!(ids(&page), ["e", "forever"], "list before expiry");
    let unfinished = store.unfinished(T0 + 1000).await.expect("unfinished");
    let unfinished: Vec<&str> = unfinished.iter().map(|r| r.task.task_id.as_str()).collect();
    assert_eq!(unfinished, ["forever"], "unfinished at expiry");
}

/// `purge_expired` deletes exactly the tasks expired at `now_ms`, of every owner and
/// status, and says how many.
pub async fn purge_expired<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let (a, b) = (owner("session:a"), owner("session:b"));
    let cases = [
        (&a, "a-working", TaskStatus::Working, Some(T0 + 100)),
        (&a, "a-done", TaskStatus::Completed, Some(T0 + 200)),
        (&b, "b-failed", TaskStatus::Failed, Some(T0 + 200)),
        (&b, "b-late", TaskStatus::Cancelled, Some(T0 + 300)),
        (&a, "a-forever", TaskStatus::Working, None),
    ];
    for (o, id, status, expires) in cases {
        let record = finished(o, id, T0, status).with_expires_at_ms(expires);
        store.create(record, ROOMY).await.expect("create");
    }
    assert_eq!(
        store.purge_expired(T0 + 99).await,
        Ok(0),
        "nothing expired yet"
    );
    assert_eq!(store.purge_expired(T0 + 200).await, Ok(3), "three expired");
    assert_eq!(store.purge_expired(T0 + 200).await, Ok(0), "purged once");
    for id in ["a-working", "a-done"] {
        assert_eq!(
            store.get(&a, id, T0).await,
            Err(StoreError::NotFound),
            "{id} purged"
        );
    }
    assert_eq!(
        store.get(&b, "b-failed", T0).await,
        Err(StoreError::NotFound)
    );
    assert!(
        store.get(&b, "b-late", T0).await.is_ok(),
        "not expired: kept"
    );
    assert!(store.get(&a, "a-forever", T0).await.is_ok(), "no ttl: kept");
    assert_eq!(
        store.purge_expired(i64::MAX).await,
        Ok(1),
        "no ttl: never purged"
    );
}

/// `unfinished` returns every unexpired working or input_required task of every owner.
pub async fn unfinished<F: StoreFactory>(factory: &F) {
    let store = factory.make().await;
    let (a, b) = (owner("session:a"), owner("session:b"));
    for (o, prefix) in [(&a, "a"), (&b, "b")] {
        for status in ALL_STATUSES {
            task_in(&store, o, &format!("{prefix}-{status:?}"), status).await;
        }
    }
    let short = record(&a, "a-expired", T0, TaskStatus::Working).with_expires_at_ms(Some(T0 + 50));
    store.create(short, ROOMY).await.expect("create");
    let records = store.unfinished(T0 + 50).await.expect("unfinished");
    let mut found: Vec<&str> = records.iter().map(|r| r.task.task_id.as_str()).collect();
    found.sort_unstable();
    let wanted = [
        "a-InputRequired",
        "a-Working",
        "b-InputRequired",
        "b-Working",
    ];
    assert_eq!(found, wanted, "unfinished tasks");
    for record in &records {
        assert_eq!(
            &get(&store, &record.owner, &record.task.task_id).await,
            record
        );
    }
    assert_eq!(store.unfinished(T0 + 49).await.map(|r| r.len()), Ok(5));
}

/// 100 concurrent cancels of one working task: exactly one succeeds, 99 see
/// `InvalidTransition` from `cancelled`.
pub async fn concurrent_cancel<F: StoreFactory>(factory: &F) {
    let store = Arc::new(factory.make().await);
    let alice = owner("principal:alice");
    task_in(store.as_ref(), &alice, "race", TaskStatus::Working).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let handles: Vec<_> = (0..100)
        .map(|i| {
            let (store, alice, barrier) = (store.clone(), alice.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let update = TaskUpdate::new(TaskStatus::Cancelled, T0 + 100 + i)
                    .with_message(format!("cancel {i}"));
                store.update(&alice, "race", update).await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for handle in handles {
        match handle.await.expect("cancel task panicked") {
            Ok(record) => winners.push(record),
            Err(e) => assert_eq!(
                e,
                StoreError::InvalidTransition {
                    current: TaskStatus::Cancelled,
                    requested: TaskStatus::Cancelled,
                },
                "concurrent cancel: a loser's error"
            ),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "concurrent cancel: exactly one transition"
    );
    assert_eq!(get(store.as_ref(), &alice, "race").await, winners[0]);
}
