//! The task methods of a requestor, for both roles: `tasks/get`, `tasks/result`,
//! `tasks/list`, `tasks/cancel`, as [`TaskRequests`] on [`Peer`].

use std::future::Future;

use oxmcp_core::client::Paginator;
use oxmcp_core::error::RequestError;
use oxmcp_core::role::Role;
use oxmcp_core::session::{Peer, RequestOptions};
use oxmcp_types::Task;
use oxmcp_types::methods::{
    CancelTaskRequest, GetTaskPayloadRequest, GetTaskRequest, ListTasksRequest, RequestMethod,
};
use oxmcp_types::tasks::{CreateTaskResult, TaskRequestParams};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{TaskHandle, TaskStatusFeed};

/// The `tasks/*` requests of a requestor (either role) to its peer, and handles on the
/// tasks it created there.
///
/// ```no_run
/// use oxmcp_core::{Peer, role::Client};
/// use oxmcp_tasks::TaskRequests;
///
/// # async fn f(peer: Peer<Client>) -> Result<(), Box<dyn std::error::Error>> {
/// for task in peer.list_tasks().collect_all().await? {
///     println!("{} is {:?}", task.task_id, task.status);
/// }
/// # Ok(()) }
/// ```
pub trait TaskRequests<R: Role> {
    /// `tasks/get`: the task's current state.
    fn get_task(
        &self,
        task_id: impl Into<String> + Send,
    ) -> impl Future<Output = Result<Task, RequestError>> + Send;

    /// `tasks/result`: what the task's request returned, as `T` (for example
    /// `CallToolResult`). Blocks on the receiver's side until the task is terminal, so the
    /// session's request timeout applies: wait for a terminal status first, or pass a longer
    /// timeout with [`get_task_result_with`](Self::get_task_result_with). A JSON-RPC error of
    /// the task's request comes back as [`RequestError::Remote`], as the receiver sent it.
    fn get_task_result<T: DeserializeOwned>(
        &self,
        task_id: impl Into<String> + Send,
    ) -> impl Future<Output = Result<T, RequestError>> + Send;

    /// [`get_task_result`](Self::get_task_result) with request options.
    fn get_task_result_with<T: DeserializeOwned>(
        &self,
        task_id: impl Into<String> + Send,
        options: RequestOptions,
    ) -> impl Future<Output = Result<T, RequestError>> + Send;

    /// `tasks/cancel`: the task as it is once cancelled. A task that is already terminal
    /// gives the receiver's -32602 error.
    fn cancel_task(
        &self,
        task_id: impl Into<String> + Send,
    ) -> impl Future<Output = Result<Task, RequestError>> + Send;

    /// `tasks/list`, page by page (needs the peer's `tasks.list`).
    fn list_tasks(&self) -> Paginator<ListTasksRequest, R>;

    /// A handle on a task this side created earlier (known by id, for example from
    /// [`list_tasks`](Self::list_tasks)), whose request returns `T`.
    fn task_handle<T: DeserializeOwned>(&self, task_id: impl Into<String>) -> TaskHandle<R, T>;

    /// The session's feed of the peer's `notifications/tasks/status` (created on first
    /// use, gone with the session), which the handles of this crate's task-augmented
    /// requests follow. It hears the peer's notifications through a tap on the session
    /// ([`Peer::tap_notifications`]), whatever the session's handler is.
    fn task_status_feed(&self) -> TaskStatusFeed;
}

impl<R: Role> TaskRequests<R> for Peer<R> {
    async fn get_task(&self, task_id: impl Into<String> + Send) -> Result<Task, RequestError> {
        self.request::<GetTaskRequest>(&TaskRequestParams::new(task_id))
            .await
    }

    async fn get_task_result<T: DeserializeOwned>(
        &self,
        task_id: impl Into<String> + Send,
    ) -> Result<T, RequestError> {
        self.get_task_result_with(task_id, RequestOptions::default())
            .await
    }

    async fn get_task_result_with<T: DeserializeOwned>(
        &self,
        task_id: impl Into<String> + Send,
        options: RequestOptions,
    ) -> Result<T, RequestError> {
        let raw = to_raw(&TaskRequestParams::new(task_id))?;
        let result = self
            .request_raw(GetTaskPayloadRequest::METHOD, Some(raw), options)
            .await?;
        serde_json::from_str(result.get()).map_err(|source| RequestError::InvalidResult {
            method: GetTaskPayloadRequest::METHOD.to_owned(),
            source,
        })
    }

    async fn cancel_task(&self, task_id: impl Into<String> + Send) -> Result<Task, RequestError> {
        self.request::<CancelTaskRequest>(&TaskRequestParams::new(task_id))
            .await
    }

    fn list_tasks(&self) -> Paginator<ListTasksRequest, R> {
        Paginator::new(self.clone())
    }

    fn task_handle<T: DeserializeOwned>(&self, task_id: impl Into<String>) -> TaskHandle<R, T> {
        TaskHandle::attach(self.clone(), task_id)
    }

    fn task_status_feed(&self) -> TaskStatusFeed {
        TaskStatusFeed::of_session(self)
    }
}

/// Sends a task-augmented request and reads its `CreateTaskResult`.
pub(crate) async fn create_task<R: Role>(
    peer: &Peer<R>,
    method: &str,
    params: Box<RawValue>,
    options: RequestOptions,
) -> Result<CreateTaskResult, RequestError> {
    let result = peer.request_raw(method, Some(params), options).await?;
    serde_json::from_str(result.get()).map_err(|source| RequestError::InvalidResult {
        method: method.to_owned(),
        source,
    })
}

pub(crate) fn to_raw<T: serde::Serialize>(value: &T) -> Result<Box<RawValue>, RequestError> {
    serde_json::value::to_raw_value(value).map_err(RequestError::Serialize)
}
