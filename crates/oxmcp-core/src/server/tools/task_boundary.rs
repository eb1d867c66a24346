//! [`RequestContext::continue_as_task`]: where a 2026-07-28 call of a tool that asks its
//! questions before it becomes a task ([`ToolRoute::with_input_before_task`]) stops being
//! a multi round-trip request and becomes a task of the tasks extension.
//!
//! [`ToolRoute::with_input_before_task`]: super::ToolRoute::with_input_before_task

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::context::RequestContext;
use crate::role::Server;

/// The handler reached [`RequestContext::continue_as_task`] in a run whose call becomes a
/// task there: pass it on with `?`, so that the handler stops; it runs again from the start
/// as the task's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the call continues as a task: the handler stops here and runs again as the task's work")]
#[non_exhaustive]
pub struct ContinuesAsTask;

/// Put into the extensions of the run of a handler whose call becomes a task at
/// [`RequestContext::continue_as_task`]; records that the handler got there.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskBoundary(Arc<AtomicBool>);

impl TaskBoundary {
    /// Whether the handler called [`RequestContext::continue_as_task`].
    pub(crate) fn reached(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl RequestContext<Server> {
    /// Where the call of a tool with
    /// [`with_input_before_task`](super::ToolRoute::with_input_before_task) becomes a task:
    /// in a 2026-07-28 call whose client declared the tasks extension, before this point
    /// the handler's questions to the client are multi round-trip requests of the call
    /// itself; here, with all of them answered, the call is answered with a task handle,
    /// and the handler fails with [`ContinuesAsTask`] (pass it on with `?`). It then runs
    /// again from the start as the task's work: its earlier questions get the answers of
    /// the rounds at once, this call returns `Ok`, and later questions go to the task's
    /// `inputRequests`.
    ///
    /// Returns `Ok(())` at once everywhere else: in the task's work, in a call that does
    /// not run as a task (no extension declared, a tool whose `taskSupport` is
    /// `forbidden`, or one without `with_input_before_task`), and in legacy sessions, whose
    /// task-augmented calls are tasks from the start.
    pub fn continue_as_task(&self) -> Result<(), ContinuesAsTask> {
        match self.extensions().get::<TaskBoundary>() {
            Some(boundary) => {
                boundary.0.store(true, Ordering::Release);
                Err(ContinuesAsTask)
            }
            None => Ok(()),
        }
    }
}
