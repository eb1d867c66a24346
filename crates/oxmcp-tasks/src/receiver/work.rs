//! The work of a task: what it is asked to do ([`NewTask`]), what it returns
//! ([`WorkResult`]), and the supervisor that runs it to its outcome, cancellation or expiry.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{TaskMetadata, TaskStatus};
use serde_json::value::RawValue;

use super::clock::now_ms;
use super::inner::{EngineInner, Slot};
use super::live::LiveTask;
use super::{StoreError, TaskOutcome, TaskUpdate};
use oxmcp_core::context::Completion;
use oxmcp_core::handler::{BoxFuture, HandlerResult};

/// A request to run as a task: its method and params (kept in the store, so that a
/// resumable handler can run it again after a restart) and the requestor's `task` member.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewTask {
    /// The method of the request (`tools/call`, `sampling/createMessage`, ...).
    pub method: String,
    /// Its params, without the `task` member.
    pub params: Option<Box<RawValue>>,
    /// The `task` member the requestor sent (its requested ttl).
    pub metadata: TaskMetadata,
}

impl NewTask {
    /// A task for `method` with `params`, as requested by `metadata`.
    pub fn new(
        method: impl Into<String>,
        params: Option<Box<RawValue>>,
        metadata: TaskMetadata,
    ) -> Self {
        Self {
            method: method.into(),
            params,
            metadata,
        }
    }
}

/// How a task's work ended: what `tasks/result` will return, and the task's final status.
#[derive(Debug)]
#[non_exhaustive]
pub enum WorkResult {
    /// The request's result: the task is `completed`.
    Completed(Box<RawValue>),
    /// A result that reports a failure (a `CallToolResult` with `isError: true`): the task
    /// is `failed` with `message` as its `statusMessage`, and `tasks/result` still returns
    /// the result.
    Failed {
        /// The result, returned by `tasks/result`.
        result: Box<RawValue>,
        /// The diagnostic `statusMessage`.
        message: String,
    },
    /// The request's JSON-RPC error: the task is `failed` with the error's message as its
    /// `statusMessage`, and `tasks/result` returns the same error.
    Error(ErrorData),
}

impl From<HandlerResult> for WorkResult {
    fn from(result: HandlerResult) -> Self {
        match result {
            Ok(raw) => Self::Completed(raw),
            Err(e) => Self::Error(e),
        }
    }
}

impl WorkResult {
    fn into_update(self) -> TaskUpdate {
        let now = now_ms();
        match self {
            Self::Completed(raw) => {
                TaskUpdate::new(TaskStatus::Completed, now).with_outcome(TaskOutcome::Result(raw))
            }
            Self::Failed { result, message } => TaskUpdate::new(TaskStatus::Failed, now)
                .with_message(message)
                .with_outcome(TaskOutcome::Result(result)),
            Self::Error(e) => TaskUpdate::new(TaskStatus::Failed, now)
                .with_message(e.message.clone())
                .with_outcome(TaskOutcome::Error(e)),
        }
    }
}

/// The outcome of work that panicked.
fn panicked(panic: &(dyn std::any::Any + Send)) -> TaskUpdate {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "task handler panicked");
    let message = "internal error: the task's handler panicked";
    TaskUpdate::new(TaskStatus::Failed, now_ms())
        .with_message(message)
        .with_outcome(TaskOutcome::Error(ErrorData::internal_error(message)))
}

/// Runs a task's work to its end: stores its outcome, or, when the task was cancelled (by
/// `tasks/cancel`, at the end of its session, or by another process sharing the store) or
/// expired, fires its cancellation token, gives it
/// [`cancel_grace`](super::TaskConfig::cancel_grace) to stop, and discards what it
/// returns. `slot` is its place among the engine's unfinished tasks, given back when the
/// work is over.
pub(crate) async fn supervise(
    engine: Arc<EngineInner>,
    live: Arc<LiveTask>,
    completion: Completion,
    work: BoxFuture<'static, WorkResult>,
    slot: Slot,
) {
    let mut work = AssertUnwindSafe(work).catch_unwind();
    let ended = tokio::select! {
        biased;
        ended = &mut work => Some(ended),
        () = live.cancel.cancelled() => None,
        () = watch_store(&engine, &live) => None,
    };
    match ended {
        Some(ended) => {
            completion.complete();
            // The work is over: its place among the engine's unfinished tasks is free
            // before anyone hears of its outcome.
            drop(slot);
            if live.lease_lost.load(std::sync::atomic::Ordering::Acquire) {
                tracing::debug!(task = %live.id, "outcome discarded: the task runs in another process now");
                engine.forget(&live);
                return;
            }
            let update = match ended {
                Ok(result) => result.into_update(),
                Err(panic) => panicked(panic.as_ref()),
            };
            engine.finish(&live, update).await;
        }
        None => {
            live.cancel.cancel();
            let grace = engine.config.cancel_grace;
            if tokio::time::timeout(grace, work).await.is_err() {
                tracing::debug!(task = %live.id, "cancelled work did not stop within {grace:?}; dropped");
            }
            completion.complete();
            drop(slot);
        }
    }
    engine.forget(&live);
}

/// Returns when the store says the task ended without this process (cancelled by another
/// process sharing the store) or no longer exists (expired); reads it every
/// [`store_poll_interval`](super::TaskConfig::store_poll_interval). Only a store
/// [shared](super::TaskStore::shared) between processes can change behind this engine's
/// back: for the others this never returns (expiry is seen by the next write, and a
/// `tasks/result` finds an expired task gone).
async fn watch_store(engine: &EngineInner, live: &LiveTask) {
    if !engine.store.shared() {
        return std::future::pending().await;
    }
    let every = engine.config.store_poll_interval;
    loop {
        tokio::time::sleep(every).await;
        match engine
            .store
            .get_summary(&live.owner, &live.id, now_ms())
            .await
        {
            Ok(record) if record.task.status.is_terminal() => return,
            Ok(_) => {}
            Err(StoreError::NotFound) => return,
            Err(e) => tracing::warn!(task = %live.id, error = %e, "could not read the task"),
        }
    }
}
