//! A store double for the engine tests: a memory store that behaves like an asynchronous
//! database (an operation, once handed over, completes even if its caller stops waiting),
//! can hold an operation until the test releases it, fail writes the way a busy database
//! does, say it is shared between processes, and count what it is asked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_tasks::{
    CreateLimits, ListPosition, MemoryTaskStore, StoreError, StoreFuture, TaskOwner, TaskPage,
    TaskRecord, TaskStore, TaskUpdate,
};
use oxmcp_types::tasks::TaskStatus;
use tokio::sync::Semaphore;

/// One held operation: `entered` gets a permit when the operation has been handed over
/// (and has already taken effect); the caller is answered once `release` gets one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hold {
    entered: Arc<HoldSignal>,
    release: Arc<HoldSignal>,
}

#[derive(Debug)]
struct HoldSignal(Semaphore);

impl Default for HoldSignal {
    fn default() -> Self {
        Self(Semaphore::new(0))
    }
}

impl HoldSignal {
    fn give(&self) {
        self.0.add_permits(1);
    }

    async fn take(&self) {
        self.0.acquire().await.expect("never closed").forget();
    }
}

impl Hold {
    /// Waits (up to 10 s) until the held operation was handed over.
    pub(crate) async fn entered(&self) {
        tokio::time::timeout(Duration::from_secs(10), self.entered.take())
            .await
            .expect("the held operation never came");
    }

    /// Answers the caller of the held operation (if it still waits).
    pub(crate) fn release(&self) {
        self.release.give();
    }
}

#[derive(Default)]
struct Plan {
    /// Hold the next create.
    create: Option<Hold>,
    /// Hold the next update to this status.
    update: Option<(TaskStatus, Hold)>,
    /// Fail this many of the next updates to this status.
    fail: Option<(TaskStatus, usize)>,
}

/// The double. Cheap to clone; clones share everything.
#[derive(Clone, Default)]
pub(crate) struct TestStore {
    pub(crate) inner: MemoryTaskStore,
    shared: bool,
    plan: Arc<Mutex<Plan>>,
    /// Calls of `get`.
    pub(crate) gets: Arc<AtomicUsize>,
    /// Calls of `purge_expired`.
    pub(crate) purges: Arc<AtomicUsize>,
    /// Updates refused with a simulated backend failure.
    pub(crate) failed_writes: Arc<AtomicUsize>,
}

impl TestStore {
    /// A double over a fresh memory store.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A double over `inner` that says it is shared between processes.
    pub(crate) fn shared(inner: MemoryTaskStore) -> Self {
        Self {
            inner,
            shared: true,
            ..Self::default()
        }
    }

    /// Holds the next create until the returned hold is released.
    pub(crate) fn hold_create(&self) -> Hold {
        let hold = Hold::default();
        self.plan.lock().unwrap().create = Some(hold.clone());
        hold
    }

    /// Holds the next update to `status` until the returned hold is released.
    pub(crate) fn hold_update(&self, status: TaskStatus) -> Hold {
        let hold = Hold::default();
        self.plan.lock().unwrap().update = Some((status, hold.clone()));
        hold
    }

    /// Fails the next `times` updates to `status` as a busy database does.
    pub(crate) fn fail_updates(&self, status: TaskStatus, times: usize) {
        self.plan.lock().unwrap().fail = Some((status, times));
    }

    fn take_update_hold(&self, status: TaskStatus) -> Option<Hold> {
        let mut plan = self.plan.lock().unwrap();
        match &plan.update {
            Some((held, _)) if *held == status => plan.update.take().map(|(_, hold)| hold),
            _ => None,
        }
    }

    fn should_fail(&self, status: TaskStatus) -> bool {
        let mut plan = self.plan.lock().unwrap();
        match &mut plan.fail {
            Some((failing, left)) if *failing == status && *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Runs `op` at once, like a database thread given the operation, and answers after
/// `hold` (if any) is released.
fn handed_over<T: Send + 'static>(
    op: StoreFuture<'static, T>,
    hold: Option<Hold>,
) -> StoreFuture<'static, T> {
    let done = tokio::spawn(op);
    Box::pin(async move {
        if let Some(hold) = hold {
            hold.entered.give();
            hold.release.take().await;
        }
        done.await.expect("the store operation panicked")
    })
}

impl TaskStore for TestStore {
    fn create(&self, record: TaskRecord, limits: CreateLimits) -> StoreFuture<'_, ()> {
        let hold = self.plan.lock().unwrap().create.take();
        let inner = self.inner.clone();
        handed_over(
            Box::pin(async move { inner.create(record, limits).await }),
            hold,
        )
    }

    fn shared(&self) -> bool {
        self.shared
    }

    fn get<'a>(&'a self, o: &'a TaskOwner, id: &'a str, now: i64) -> StoreFuture<'a, TaskRecord> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(o, id, now)
    }

    fn update<'a>(
        &'a self,
        o: &'a TaskOwner,
        id: &'a str,
        u: TaskUpdate,
    ) -> StoreFuture<'a, TaskRecord> {
        if self.should_fail(u.status) {
            self.failed_writes.fetch_add(1, Ordering::SeqCst);
            let busy = StoreError::Backend("simulated: the database is busy".to_owned());
            return Box::pin(async move { Err(busy) });
        }
        let hold = self.take_update_hold(u.status);
        let (inner, o, id) = (self.inner.clone(), o.clone(), id.to_owned());
        handed_over(
            Box::pin(async move { inner.update(&o, &id, u).await }),
            hold,
        )
    }

    fn list<'a>(
        &'a self,
        o: &'a TaskOwner,
        after: Option<&'a ListPosition>,
        limit: usize,
        now: i64,
    ) -> StoreFuture<'a, TaskPage> {
        self.inner.list(o, after, limit, now)
    }

    fn unfinished(&self, now: i64) -> StoreFuture<'_, Vec<TaskRecord>> {
        self.inner.unfinished(now)
    }

    fn purge_expired(&self, now: i64) -> StoreFuture<'_, usize> {
        self.purges.fetch_add(1, Ordering::SeqCst);
        self.inner.purge_expired(now)
    }
}
