//! [`TaskContextExt`]: which task a request context's work runs as.

use oxmcp_core::context::RequestContext;
use oxmcp_core::role::Role;

use crate::receiver::link::RunningTask;

/// Tasks on [`RequestContext`]: the id of the task a context's work runs as (the engine
/// puts it in the extensions of the context it gives the work).
pub trait TaskContextExt {
    /// The id of the task this context's work runs as, when the request was task-augmented
    /// and is being run by a [`TaskEngine`](crate::TaskEngine); `None` otherwise.
    fn task_id(&self) -> Option<&str>;
}

impl<R: Role> TaskContextExt for RequestContext<R> {
    fn task_id(&self) -> Option<&str> {
        self.extensions().get::<RunningTask>().map(|t| t.0.as_str())
    }
}
