//! [`EngineInner`]: what the engine's handles, its running work and its timer share: the
//! store, the tasks whose work runs here, the sessions that own some of them, and the
//! writes that must not be lost (an outcome, a cancellation), retried with backoff.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{Task, TaskStatus};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::clock::now_ms;
use super::config::TaskConfig;
use super::cursor::CursorCodec;
use super::live::LiveTask;
use super::owner::new_task_id;
use super::requests::SESSION_ENDED_MESSAGE;
use super::work::NewTask;
use super::{
    LimitKind, StoreError, TaskOutcome, TaskOwner, TaskRecord, TaskStore, TaskUpdate,
    wire_timestamp,
};
use crate::lock;

/// The first wait before a failed store write is tried again; it doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// The longest wait between two tries of a store write.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// What the engine's handles, its running work and its timer share.
pub(crate) struct EngineInner {
    pub(crate) store: Arc<dyn TaskStore>,
    pub(crate) config: TaskConfig,
    pub(crate) cursors: CursorCodec,
    /// The tasks whose work runs in this process, by id.
    live: Mutex<HashMap<String, Arc<LiveTask>>>,
    /// How many tasks hold a [`Slot`] (unfinished tasks of this engine, and creations
    /// under way).
    slots: AtomicUsize,
    /// The live tasks owned by each session (by session id), while the session lasts.
    sessions: Mutex<HashMap<u64, HashSet<String>>>,
    /// The purge timer, restarted when it is found finished (its runtime was shut down).
    purger: Mutex<Option<JoinHandle<()>>>,
    /// Cancelled when the engine is dropped: stops the purge timer.
    stop: CancellationToken,
}

impl Drop for EngineInner {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A place among the [`TaskConfig::max_unfinished`] tasks of the engine, given back when
/// dropped (when the task's work ended, or its creation failed).
#[derive(Debug)]
pub(crate) struct Slot {
    engine: Weak<EngineInner>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(engine) = self.engine.upgrade() {
            engine.slots.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl EngineInner {
    pub(crate) fn new(store: Arc<dyn TaskStore>, config: TaskConfig) -> Arc<Self> {
        Arc::new(Self {
            store,
            config,
            cursors: CursorCodec::random(),
            live: Mutex::new(HashMap::new()),
            slots: AtomicUsize::new(0),
            sessions: Mutex::new(HashMap::new()),
            purger: Mutex::new(None),
            stop: CancellationToken::new(),
        })
    }

    /// How many tasks run here.
    pub(crate) fn running(&self) -> usize {
        lock(&self.live).len()
    }

    /// A slot for a new task, unless [`TaskConfig::max_unfinished`] are taken (-32603
    /// naming `role`, the receiver).
    pub(crate) fn reserve(self: &Arc<Self>, role: &str) -> Result<Slot, ErrorData> {
        let limit = self.config.max_unfinished;
        let taken = self
            .slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(self.slot()),
            Err(_) => Err(ErrorData::internal_error(format!(
                "too many unfinished tasks: this {role} runs at most {limit} at a time"
            ))),
        }
    }

    /// A slot whatever the limit (for tasks resumed at startup, which exist already).
    pub(crate) fn force_slot(self: &Arc<Self>) -> Slot {
        self.slots.fetch_add(1, Ordering::AcqRel);
        self.slot()
    }

    fn slot(self: &Arc<Self>) -> Slot {
        Slot {
            engine: Arc::downgrade(self),
        }
    }

    /// Refuses params larger than [`TaskConfig::max_payload_bytes`] (-32603).
    pub(crate) fn check_params(&self, task: &NewTask) -> Result<(), ErrorData> {
        let size = task.params.as_ref().map_or(0, |p| p.get().len());
        let limit = self.config.max_payload_bytes;
        if size > limit {
            return Err(ErrorData::internal_error(format!(
                "the request is too large to run as a task: its params are {size} bytes, \
                 the limit is {limit}"
            )));
        }
        Ok(())
    }

    /// Records a new task (with a fresh id; a collision, which 128 random bits make
    /// practically impossible, is retried once).
    pub(crate) async fn create(
        &self,
        owner: TaskOwner,
        task: NewTask,
    ) -> Result<TaskRecord, ErrorData> {
        let now = now_ms();
        let ttl = self.config.effective_ttl(task.metadata.ttl);
        let mut last = None;
        for _ in 0..2 {
            let id = new_task_id().map_err(|e| ErrorData::internal_error(e.to_string()))?;
            let wire = Task::new(id, TaskStatus::Working, wire_timestamp(now))
                .with_ttl(ttl)
                .with_poll_interval(self.config.poll_interval_ms());
            let record = TaskRecord {
                task: wire,
                owner: owner.clone(),
                method: task.method.clone(),
                params: task.params.clone(),
                created_at_ms: now,
                updated_at_ms: now,
                expires_at_ms: ttl
                    .map(|t| now.saturating_add(i64::try_from(t).unwrap_or(i64::MAX))),
                outcome: None,
            };
            match self
                .store
                .create(record.clone(), self.config.create_limits())
                .await
            {
                Ok(()) => return Ok(record),
                Err(StoreError::Duplicate) => last = Some(StoreError::Duplicate),
                Err(StoreError::LimitReached { kind, limit }) => {
                    return Err(ErrorData::internal_error(limit_message(kind, limit)));
                }
                Err(e) => return Err(store_failure(&e)),
            }
        }
        Err(store_failure(&last.unwrap_or(StoreError::Duplicate)))
    }

    /// The task `id` if its work runs here.
    pub(crate) fn live_task(&self, id: &str) -> Option<Arc<LiveTask>> {
        lock(&self.live).get(id).cloned()
    }

    pub(crate) fn add_live(&self, live: Arc<LiveTask>) {
        lock(&self.live).insert(live.id.clone(), live);
    }

    /// Forgets a task whose work ended, and wakes its waiters a last time.
    pub(crate) fn forget(&self, live: &LiveTask) {
        lock(&self.live).remove(&live.id);
        if let Some(session) = live.session
            && let Some(ids) = lock(&self.sessions).get_mut(&session)
        {
            ids.remove(&live.id);
        }
        live.bump();
    }

    /// After a change of a live task's record: wakes its waiters and notifies its session.
    pub(crate) fn changed(&self, live: &LiveTask, record: &TaskRecord) {
        live.bump();
        live.notify(&super::engine::to_wire(record));
    }

    /// Moves a live task to `status` (in or out of `input_required`). A task that became
    /// terminal, or disappeared, in the meantime stays as it is. Returns false when the
    /// store failed (nothing was written; a later call may try again).
    pub(crate) async fn set_status(&self, live: &LiveTask, status: TaskStatus) -> bool {
        let update = TaskUpdate::new(status, now_ms());
        match self.store.update(&live.owner, &live.id, update).await {
            Ok(record) => self.changed(live, &record),
            Err(StoreError::InvalidTransition { current, .. }) => {
                tracing::debug!(task = %live.id, ?current, ?status, "status not changed");
            }
            Err(StoreError::NotFound) => {
                tracing::debug!(task = %live.id, "the task expired while running");
            }
            Err(e) => {
                tracing::error!(task = %live.id, error = %e, "could not change the task's status");
                return false;
            }
        }
        true
    }

    /// Stores the outcome of work that ended, unless the task was cancelled or expired
    /// first (then the outcome is discarded: a cancelled task stays cancelled). An outcome
    /// larger than [`TaskConfig::max_payload_bytes`] fails the task instead; one the store
    /// keeps failing to write for [`TaskConfig::store_retry`] fails it too, so that no
    /// task stays `working` with no work behind it.
    pub(crate) async fn finish(&self, live: &LiveTask, update: TaskUpdate) {
        let update = self.fit(update);
        let status = update.status;
        match self.update_retrying(live, update).await {
            Ok(record) => {
                tracing::debug!(task = %live.id, ?status, "task finished");
                self.changed(live, &record);
                return;
            }
            Err(StoreError::InvalidTransition { current, .. }) => {
                tracing::debug!(task = %live.id, ?current, "late outcome discarded");
                return;
            }
            Err(StoreError::NotFound) => {
                tracing::debug!(task = %live.id, "outcome discarded: the task expired");
                return;
            }
            Err(e) => {
                tracing::error!(task = %live.id, error = %e, "could not store the task's outcome; failing the task");
            }
        }
        let failure = failed("internal error: the task's outcome could not be stored");
        match self.update_retrying(live, failure).await {
            Ok(record) => self.changed(live, &record),
            Err(StoreError::InvalidTransition { .. } | StoreError::NotFound) => {}
            Err(e) => {
                tracing::error!(task = %live.id, error = %e, "could not fail the task either; it stays as stored");
            }
        }
    }

    /// `update`, or a failure saying its outcome is too large to store.
    fn fit(&self, update: TaskUpdate) -> TaskUpdate {
        let size = match &update.outcome {
            Some(TaskOutcome::Result(raw)) => raw.get().len(),
            Some(TaskOutcome::Error(e)) => serde_json::to_string(e).map_or(0, |text| text.len()),
            None => 0,
        };
        let limit = self.config.max_payload_bytes;
        if size <= limit {
            return update;
        }
        failed(&format!(
            "internal error: the task's result is too large to store ({size} bytes; the \
             limit is {limit})"
        ))
    }

    /// Applies `update` to the record of `live`, trying again with backoff (each time at
    /// the current time) while the store fails, for up to [`TaskConfig::store_retry`].
    async fn update_retrying(
        &self,
        live: &LiveTask,
        update: TaskUpdate,
    ) -> Result<TaskRecord, StoreError> {
        let deadline = Instant::now() + self.config.store_retry;
        let mut wait = FIRST_BACKOFF;
        loop {
            let mut attempt = update.clone();
            attempt.now_ms = now_ms();
            match self.store.update(&live.owner, &live.id, attempt).await {
                Err(StoreError::Backend(cause) | StoreError::Unavailable(cause))
                    if Instant::now() + wait <= deadline =>
                {
                    tracing::warn!(task = %live.id, %cause, "task store write failed; trying again in {wait:?}");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_BACKOFF);
                }
                other => return other,
            }
        }
    }

    /// Counts the live task `live` among the tasks of its session (`live.session`), so
    /// that they are cancelled when the session ends (see [`session_ended`]). The first
    /// task of a session registers the end hook with `on_end`, which runs it at once if
    /// the session is over already.
    ///
    /// [`session_ended`]: Self::session_ended
    pub(crate) fn track_session(
        self: &Arc<Self>,
        live: &LiveTask,
        on_end: impl FnOnce(Box<dyn FnOnce() + Send>),
    ) {
        let Some(session) = live.session else { return };
        let first = {
            let mut sessions = lock(&self.sessions);
            let first = !sessions.contains_key(&session);
            sessions.entry(session).or_default().insert(live.id.clone());
            first
        };
        if !first {
            return;
        }
        let engine = Arc::downgrade(self);
        let runtime = tokio::runtime::Handle::try_current().ok();
        on_end(Box::new(move || {
            if let (Some(engine), Some(runtime)) = (engine.upgrade(), runtime) {
                engine.session_ended(session, &runtime);
            }
        }));
    }

    /// The session `session` ended: its unfinished tasks move to `cancelled` ("the
    /// session that created the task ended") and their work's token fires. Nobody could
    /// read them otherwise: they belong to the session.
    fn session_ended(self: &Arc<Self>, session: u64, runtime: &tokio::runtime::Handle) {
        let ids = lock(&self.sessions).remove(&session).unwrap_or_default();
        let tasks: Vec<Arc<LiveTask>> = ids.iter().filter_map(|id| self.live_task(id)).collect();
        if tasks.is_empty() {
            return;
        }
        tracing::debug!(
            session,
            tasks = tasks.len(),
            "the session ended: cancelling its tasks"
        );
        let engine = self.clone();
        runtime.spawn(async move {
            for live in tasks {
                engine.cancel_orphan(&live).await;
            }
        });
    }

    async fn cancel_orphan(&self, live: &LiveTask) {
        let update =
            TaskUpdate::new(TaskStatus::Cancelled, now_ms()).with_message(SESSION_ENDED_MESSAGE);
        match self.update_retrying(live, update).await {
            Ok(record) => {
                live.cancel.cancel();
                self.changed(live, &record);
            }
            Err(StoreError::InvalidTransition { .. } | StoreError::NotFound) => {}
            Err(e) => {
                // The work goes on and stores its outcome when it ends.
                tracing::error!(task = %live.id, error = %e, "could not cancel the task of an ended session");
            }
        }
    }

    /// Starts the purge timer if it is not running (never started, or its runtime was
    /// shut down), when a Tokio runtime is running (otherwise the next task operation,
    /// which runs in one, starts it). For a store with leases
    /// ([`TaskStore::lease_renewal`]) the same timer renews the leases of the tasks that
    /// run here.
    pub(crate) fn ensure_purger(self: &Arc<Self>) {
        let mut purger = lock(&self.purger);
        if purger.as_ref().is_some_and(|timer| !timer.is_finished()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let engine = Arc::downgrade(self);
        let store = self.store.clone();
        let stop = self.stop.clone();
        let every = self.config.purge_interval;
        let mut renewal = store.lease_renewal().map(|period| {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick
        });
        *purger = Some(runtime.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let renew = async {
                    match renewal.as_mut() {
                        Some(renewal) => renewal.tick().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = tick.tick() => purge(store.as_ref()).await,
                    _ = renew => {
                        let Some(engine) = engine.upgrade() else { return };
                        engine.renew_leases().await;
                    }
                }
            }
        }));
    }

    /// Renews the leases of the tasks that run here; stops the work of those another
    /// process took over (this one's lease ran out), without writing anything.
    async fn renew_leases(&self) {
        let ids: Vec<String> = lock(&self.live).keys().cloned().collect();
        if ids.is_empty() {
            return;
        }
        match self.store.renew_leases(&ids).await {
            Ok(lost) => {
                for id in lost {
                    if let Some(live) = self.live_task(&id) {
                        tracing::warn!(task = %id, "the task's lease was taken over by another process; stopping its work here");
                        live.lease_lost.store(true, Ordering::Release);
                        live.cancel.cancel();
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "renewing the leases of running tasks failed"),
        }
    }
}

async fn purge(store: &dyn TaskStore) {
    match store.purge_expired(now_ms()).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(purged = n, "expired tasks deleted"),
        Err(e) => tracing::warn!(error = %e, "purging expired tasks failed"),
    }
}

/// The update that fails a task with -32603 `message`.
fn failed(message: &str) -> TaskUpdate {
    TaskUpdate::new(TaskStatus::Failed, now_ms())
        .with_message(message)
        .with_outcome(TaskOutcome::Error(ErrorData::internal_error(message)))
}

/// The -32603 message of a refused creation.
fn limit_message(kind: LimitKind, limit: usize) -> String {
    match kind {
        LimitKind::PerOwner => format!(
            "too many tasks: the limit per requestor is {limit}, finished ones included \
             until they expire"
        ),
        _ => format!("too many unfinished tasks: the limit per requestor is {limit}"),
    }
}

/// -32603 for a store failure; the cause goes to the log, not to the requestor.
pub(crate) fn store_failure(e: &StoreError) -> ErrorData {
    tracing::error!(error = %e, "task store failure");
    ErrorData::internal_error("internal error: the task store failed")
}
