//! [`TaskHandle`]: what a requestor holds on a task it created.

use std::fmt;
use std::marker::PhantomData;

use oxmcp_types::tasks::CreateTaskResult;
use oxmcp_types::{Task, TaskStatus};
use serde::de::DeserializeOwned;

use oxmcp_core::error::RequestError;
use oxmcp_core::role::Role;
use oxmcp_core::session::{Peer, RequestOptions, WaitHold};

use super::{PollPolicy, TaskRequests, TaskStatusFeed, TaskStatusStream};

/// A task this side created on the peer (a client's tool call, a server's sampling or
/// elicitation request), whose request returns `T`: its status (`tasks/get`), a wait
/// paced by `pollInterval`, a stream of its status changes, its result (`tasks/result`)
/// and its cancellation (`tasks/cancel`). Cheap to clone.
///
/// When the handle's peer is the peer of a task's work (a tool running as a task that
/// asked its client for sampling as a task), that outer task shows `input_required` while
/// [`wait`](Self::wait), [`result`](Self::result) or
/// [`wait_for_result`](Self::wait_for_result) waits on the inner one, with one status
/// change at the start of the wait and one at its end, however often it polls.
///
/// ```no_run
/// # async fn f(task: oxmcp_tasks::TaskHandle<oxmcp_core::role::Client, oxmcp_types::CallToolResult>)
/// # -> Result<(), oxmcp_core::RequestError> {
/// let mut changes = task.status_stream();
/// while let Some(status) = changes.next().await {
///     let status = status?;
///     println!("{:?} {}", status.status, status.status_message.unwrap_or_default());
/// }
/// let result = task.result().await?; // the tool's CallToolResult, or the tool's JSON-RPC error
/// # Ok(()) }
/// ```
pub struct TaskHandle<R: Role, T> {
    peer: Peer<R>,
    task_id: String,
    created: Option<CreateTaskResult>,
    policy: PollPolicy,
    feed: Option<TaskStatusFeed>,
    _result: PhantomData<fn() -> T>,
}

impl<R: Role, T> Clone for TaskHandle<R, T> {
    fn clone(&self) -> Self {
        Self {
            peer: self.peer.clone(),
            task_id: self.task_id.clone(),
            created: self.created.clone(),
            policy: self.policy,
            feed: self.feed.clone(),
            _result: PhantomData,
        }
    }
}

impl<R: Role, T> fmt::Debug for TaskHandle<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("role", &R::NAME)
            .field("task_id", &self.task_id)
            .field("policy", &self.policy)
            .field("notifications", &self.feed.is_some())
            .finish()
    }
}

impl<R: Role, T: DeserializeOwned> TaskHandle<R, T> {
    /// A handle on the task `task_id` of the peer behind `peer`.
    pub fn attach(peer: Peer<R>, task_id: impl Into<String>) -> Self {
        Self {
            peer,
            task_id: task_id.into(),
            created: None,
            policy: PollPolicy::default(),
            feed: None,
            _result: PhantomData,
        }
    }

    /// A handle on the task of a `CreateTaskResult` the peer answered.
    pub(crate) fn from_created(peer: Peer<R>, created: CreateTaskResult) -> Self {
        let mut handle = Self::attach(peer, created.task.task_id.clone());
        handle.created = Some(created);
        handle
    }

    /// Sets how `tasks/get` is paced.
    #[must_use]
    pub fn with_poll_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Also follows the peer's `notifications/tasks/status` from `feed` (polling goes on:
    /// the notifications are optional).
    #[must_use]
    pub fn with_status_feed(mut self, feed: TaskStatusFeed) -> Self {
        self.feed = Some(feed);
        self
    }

    /// The task's id.
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// The task as the peer created it (absent for [`attach`](Self::attach)ed handles).
    pub fn created(&self) -> Option<&Task> {
        self.created.as_ref().map(|c| &c.task)
    }

    /// The provisional text the receiver offered for the model while the task runs
    /// (`io.modelcontextprotocol/model-immediate-response`), if any.
    pub fn model_immediate_response(&self) -> Option<&str> {
        self.created.as_ref()?.model_immediate_response()
    }

    /// The pacing of `tasks/get`.
    pub fn poll_policy(&self) -> PollPolicy {
        self.policy
    }

    /// The peer the task lives on.
    pub fn peer(&self) -> &Peer<R> {
        &self.peer
    }

    /// `tasks/get`: the task's state now.
    pub async fn get(&self) -> Result<Task, RequestError> {
        self.peer.get_task(self.task_id.clone()).await
    }

    /// The task's status changes, starting with its status now (see [`TaskStatusStream`]).
    pub fn status_stream(&self) -> TaskStatusStream<R> {
        let updates = self.feed.as_ref().map(TaskStatusFeed::subscribe);
        TaskStatusStream::new(
            self.peer.clone(),
            self.task_id.clone(),
            self.policy,
            updates,
        )
    }

    /// Follows the task until it is terminal or needs input (`input_required`, when the
    /// receiver waits for an answer to a request it sent this side), and returns it then.
    pub async fn wait(&self) -> Result<Task, RequestError> {
        let input = self.peer.hold().await;
        let task = self.follow().await;
        finish(input).await;
        task
    }

    async fn follow(&self) -> Result<Task, RequestError> {
        let mut stream = self.status_stream();
        while let Some(task) = stream.next().await {
            let task = task?;
            if task.status.is_terminal() || task.status == TaskStatus::InputRequired {
                return Ok(task);
            }
        }
        // The stream only ends after a terminal status or an error, both returned above.
        Err(RequestError::Closed)
    }

    /// `tasks/result`: exactly what the task's request returned, typed; its JSON-RPC error
    /// as [`RequestError::Remote`]. The receiver answers once the task is terminal, within
    /// the session's request timeout: call it after [`wait`](Self::wait) saw a terminal
    /// status, or use [`wait_for_result`](Self::wait_for_result).
    pub async fn result(&self) -> Result<T, RequestError> {
        self.result_with(RequestOptions::default()).await
    }

    /// [`result`](Self::result) with request options (a longer timeout, a cancellation
    /// token). Cancelling this request does not cancel the task: use [`cancel`](Self::cancel).
    pub async fn result_with(&self, options: RequestOptions) -> Result<T, RequestError> {
        let input = self.peer.hold().await;
        let result = self
            .peer
            .get_task_result_with(self.task_id.clone(), options)
            .await;
        finish(input).await;
        result
    }

    /// `tasks/cancel`: the task as it is once cancelled. A task that is already terminal
    /// gives the receiver's -32602 error (as [`RequestError::Remote`]).
    pub async fn cancel(&self) -> Result<Task, RequestError> {
        self.peer.cancel_task(self.task_id.clone()).await
    }

    /// Waits for the task's outcome however long it runs: polls until the task is terminal
    /// or needs input, then asks for the result (`tasks/result`, which also carries the
    /// receiver's requests for input on transports that need it). A `tasks/result` that
    /// times out while the task still runs goes back to polling.
    pub async fn wait_for_result(&self) -> Result<T, RequestError> {
        let input = self.peer.hold().await;
        let result = loop {
            let task = match self.wait().await {
                Ok(task) => task,
                Err(e) => break Err(e),
            };
            match self.result().await {
                Err(RequestError::Timeout(_)) if !task.status.is_terminal() => {
                    tracing::debug!(task = %self.task_id, "tasks/result timed out; polling again");
                }
                outcome => break outcome,
            }
        };
        finish(input).await;
        result
    }
}

/// Ends the wait of a task's work on its requestor (see [`Peer::hold`]).
async fn finish(input: Option<WaitHold>) {
    if let Some(input) = input {
        input.release().await;
    }
}
