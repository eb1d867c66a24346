//! The startup step for a store that outlived a process: every task that was running when
//! the process stopped is resumed, when its handler says it can be, and otherwise failed
//! with a message that says why. None is left `working` for ever.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use oxmcp_types::tasks::TaskStatus;
use oxmcp_types::{ErrorData, RequestId};

use super::clock::now_ms;
use super::engine::{Era, TaskEngine};
use super::link::{RunningTask, TaskLink};
use super::live::LiveTask;
use super::work::{WorkResult, supervise};
use super::{StoreError, TaskOutcome, TaskRecord, TaskUpdate};
use oxmcp_core::context::RequestContext;
use oxmcp_core::handler::BoxFuture;
use oxmcp_core::role::Role;

type ResumeFn<R> = Box<dyn FnOnce(RequestContext<R>) -> BoxFuture<'static, WorkResult> + Send>;

/// The work that resumes an interrupted task (see [`TaskEngine::recover`]).
pub struct ResumeWork<R: Role>(ResumeFn<R>);

impl<R: Role> fmt::Debug for ResumeWork<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResumeWork")
    }
}

impl<R: Role> ResumeWork<R> {
    /// Work that runs `f` with the resumed task's context.
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: FnOnce(RequestContext<R>) -> Fut + Send + 'static,
        Fut: Future<Output = WorkResult> + Send + 'static,
    {
        Self(Box::new(move |cx| Box::pin(f(cx))))
    }
}

/// What [`TaskEngine::recover`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// The ids of the tasks whose work runs again.
    pub resumed: Vec<String>,
    /// The ids of the tasks moved to `failed`.
    pub failed: Vec<String>,
    /// The ids of the unfinished tasks left alone because another live process holds
    /// their lease (a store with leases only).
    pub held_elsewhere: Vec<String>,
}

impl TaskEngine {
    /// Resumes or fails every unfinished task in the store: call it once at startup, before
    /// serving, when the store may hold tasks of a process that stopped (a durable store
    /// after a crash or restart).
    ///
    /// For each task that is `working` or `input_required` (and not running in this
    /// engine), `resume` decides: `Some(work)` runs `work` again with the task's id, owner,
    /// ttl and stored params (an `input_required` task goes back to `working` first);
    /// `None` moves it to `failed` with the statusMessage "interrupted: the server stopped
    /// while the task was running" (`client` for a client), and `tasks/result` returns
    /// that as a -32603 error. A resumed task's context has no connection: the session
    /// that created the task is gone, so its requests and notifications to the other side
    /// fail and progress is not sent.
    ///
    /// A resumed task keeps its owner. Its result can be read (`tasks/get`, `tasks/result`,
    /// `tasks/list`) only by a requestor that has that owner now: with a fixed
    /// [`OwnerPolicy`](super::OwnerPolicy), or as the same authenticated
    /// [`Principal`](oxmcp_core::Principal). A task owned by a session of the stopped process belongs
    /// to nobody who can still ask: it runs to its end and expires unread.
    ///
    /// Several processes may share a store. With a store that keeps leases
    /// ([`TaskStore::lease_renewal`](super::TaskStore::lease_renewal), such as the Redis store), `recover` takes over only
    /// the tasks whose lease ran out ([`TaskStore::claim`](super::TaskStore::claim)): it is safe while other
    /// processes run, and meant to be called again from time to time (every lease period)
    /// so that the tasks of a process that died are taken over by the live ones. With a
    /// store without leases (a SQLite file) it must run only when no other live process
    /// serves tasks from it: it takes every unfinished task in the store for one
    /// interrupted by a stopped process, so it would resume or fail the running tasks of
    /// the others.
    pub async fn recover<R>(
        &self,
        mut resume: impl FnMut(&TaskRecord) -> Option<ResumeWork<R>>,
    ) -> Result<Recovery, StoreError>
    where
        R: Role,
        R::OwnCapabilities: Default,
        R::PeerCapabilities: Default,
    {
        self.inner.ensure_purger();
        let mut recovery = Recovery::default();
        for record in self.inner.store.unfinished(now_ms()).await? {
            let id = record.task.task_id.clone();
            if self.inner.live_task(&id).is_some() {
                continue;
            }
            if !self.inner.store.claim(&id).await? {
                recovery.held_elsewhere.push(id);
                continue;
            }
            let done = match resume(&record) {
                Some(work) => self.resume(record, work).await?,
                None => self.fail_interrupted::<R>(&record).await?,
            };
            match done {
                Some(true) => recovery.resumed.push(id),
                Some(false) => recovery.failed.push(id),
                None => {}
            }
        }
        tracing::info!(
            resumed = recovery.resumed.len(),
            failed = recovery.failed.len(),
            held_elsewhere = recovery.held_elsewhere.len(),
            "task recovery done"
        );
        Ok(recovery)
    }

    /// `Some(false)` when failed, `None` when the task ended or vanished meanwhile.
    async fn fail_interrupted<R: Role>(
        &self,
        record: &TaskRecord,
    ) -> Result<Option<bool>, StoreError> {
        let message = format!(
            "interrupted: the {} stopped while the task was running",
            R::NAME
        );
        let update = TaskUpdate::new(TaskStatus::Failed, now_ms())
            .with_message(message.clone())
            .with_outcome(TaskOutcome::Error(ErrorData::internal_error(message)));
        let id = &record.task.task_id;
        match self.inner.store.update(&record.owner, id, update).await {
            Ok(_) => Ok(Some(false)),
            Err(StoreError::NotFound | StoreError::InvalidTransition { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `Some(true)` when the work runs again, `None` when the task ended or vanished.
    async fn resume<R>(
        &self,
        record: TaskRecord,
        work: ResumeWork<R>,
    ) -> Result<Option<bool>, StoreError>
    where
        R: Role,
        R::OwnCapabilities: Default,
        R::PeerCapabilities: Default,
    {
        let id = record.task.task_id.clone();
        if record.task.status == TaskStatus::InputRequired {
            let update = TaskUpdate::new(TaskStatus::Working, now_ms());
            match self.inner.store.update(&record.owner, &id, update).await {
                Ok(_) => {}
                Err(StoreError::NotFound | StoreError::InvalidTransition { .. }) => {
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
        let slot = self.inner.force_slot();
        let live = LiveTask::new(id.clone(), record.owner.clone(), None, None);
        self.inner.add_live(live.clone());
        let link = Arc::new(TaskLink::new(self.inner.clone(), live.clone()));
        let detached =
            RequestContext::<R>::detached(RequestId::String(id.into()), live.cancel.clone());
        let peer = detached.peer().with_hook(era_of(&record).hook(link, &live));
        let mut context = detached.with_peer(peer);
        context
            .extensions_mut()
            .insert(RunningTask(live.id.clone()));
        let completion = context.completion();
        let engine = self.inner.clone();
        tracing::debug!(task = %live.id, method = %record.method, "task resumed");
        let future = (work.0)(context);
        tokio::spawn(supervise(engine, live, completion, future, slot));
        Ok(Some(true))
    }
}

/// The era of the request a stored task wraps: a 2026-07-28 request keeps the protocol
/// version in its params' `_meta`, and its resumed work asks its questions as that era's
/// tasks do (as `inputRequests`).
fn era_of(record: &TaskRecord) -> Era {
    let params = record.params.as_deref();
    match oxmcp_types::era::classify_request(&record.method, params) {
        oxmcp_types::era::RequestEra::Modern(Ok(_)) => Era::Modern,
        _ => Era::Legacy,
    }
}
