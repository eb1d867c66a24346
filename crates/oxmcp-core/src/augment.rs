//! Task augmentation: where a receiver hands the work of a task-augmented request to
//! whatever runs tasks.
//!
//! A request may ask to run as a task (its params carry a `task` member). The engine does not
//! run tasks itself: an extension that receives tasks (the `oxmcp-tasks` crate) puts a
//! [`TaskAugmentation`] into the [extensions](crate::RequestContext::extensions) of each
//! request it is willing to take as a task. The handler that knows the request
//! ([`McpServer`](crate::McpServer) for `tools/call`, [`ClientHandler`](crate::ClientHandler)
//! for `sampling/createMessage` and `elicitation/create`) makes its own checks first (the
//! tool exists and allows tasks, the request is valid), then gives the runner the request
//! and its work, and answers with what the runner returns: a `CreateTaskResult`, at once,
//! while the work goes on. Without a `TaskAugmentation` the `task` member is ignored and the
//! request is answered directly, as the spec says of receivers that do not take tasks.

use std::fmt;
use std::sync::Arc;

use oxmcp_types::TaskMetadata;
use serde_json::value::RawValue;

use crate::context::RequestContext;
use crate::handler::{BoxFuture, HandlerResult};
use crate::role::Role;

/// A task-augmented request, ready to run as a task.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AugmentedRequest {
    /// The method (`tools/call`, ...).
    pub method: String,
    /// The params without their `task` member, as a store keeps them (to run them again
    /// after a restart, for example).
    pub params: Option<Box<RawValue>>,
    /// The requestor's `task` member.
    pub task: TaskMetadata,
    /// The text to offer the model at once, in the `CreateTaskResult`'s
    /// `_meta["io.modelcontextprotocol/model-immediate-response"]`, if the handler has one.
    pub immediate_response: Option<String>,
}

impl AugmentedRequest {
    /// A request of `method` with `params` (without `task`) and its `task` member.
    pub fn new(
        method: impl Into<String>,
        params: Option<Box<RawValue>>,
        task: TaskMetadata,
    ) -> Self {
        Self {
            method: method.into(),
            params,
            task,
            immediate_response: None,
        }
    }

    /// Sets the immediate response offered to the model.
    #[must_use]
    pub fn with_immediate_response(mut self, text: Option<String>) -> Self {
        self.immediate_response = text;
        self
    }
}

/// The work of a task-augmented request: what the request would have been answered with,
/// computed under the context the runner gives it.
pub type AugmentedWork<R> =
    Box<dyn FnOnce(RequestContext<R>) -> BoxFuture<'static, HandlerResult> + Send>;

/// Runs the work of task-augmented requests (see the [module docs](self)).
pub trait TaskRunner<R: Role>: Send + Sync + 'static {
    /// Starts `work` as the task `request` asks for, and returns the answer to the request
    /// (a `CreateTaskResult`), or the error that refuses it.
    fn run(
        &self,
        cx: RequestContext<R>,
        request: AugmentedRequest,
        work: AugmentedWork<R>,
    ) -> BoxFuture<'static, HandlerResult>;
}

/// What an extension puts into a request's extensions to take it as a task.
pub struct TaskAugmentation<R: Role>(pub Arc<dyn TaskRunner<R>>);

impl<R: Role> Clone for TaskAugmentation<R> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<R: Role> fmt::Debug for TaskAugmentation<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskAugmentation")
    }
}

impl<R: Role> TaskAugmentation<R> {
    /// The runner of the request of `cx`, if an extension offered one.
    pub fn of(cx: &RequestContext<R>) -> Option<Self> {
        cx.extensions().get::<Self>().cloned()
    }
}
