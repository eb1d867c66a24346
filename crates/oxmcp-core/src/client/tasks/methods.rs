//! The task methods of a requestor, for both roles (`tasks/get`, `tasks/result`,
//! `tasks/list`, `tasks/cancel`), and the client's task-augmented `tools/call`.

use oxmcp_types::methods::{
    CallToolRequest, CancelTaskRequest, GetTaskPayloadRequest, GetTaskRequest, ListTasksRequest,
    RequestMethod,
};
use oxmcp_types::tasks::{CreateTaskResult, TaskRequestParams};
use oxmcp_types::{
    AdaptToVersion, CallToolRequestParams, CallToolResult, ProtocolVersion, Task, TaskMetadata,
    Tool, tools::TaskSupport,
};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::TaskHandle;
use crate::client::pagination::Paginator;
use crate::error::RequestError;
use crate::role::{Client, Role};
use crate::session::{Peer, RequestOptions};

/// Why a tool could not be called as a task. The local refusals come before anything is
/// sent: the server never sees a task-augmented call it did not agree to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskCallError {
    /// The session is not initialized.
    #[error("the session is not initialized")]
    NotInitialized,
    /// Tasks arrived in 2025-11-25; the session speaks an older revision.
    #[error("tasks need protocol version 2025-11-25 or later; the session speaks {negotiated}")]
    VersionTooOld {
        /// The session's version.
        negotiated: ProtocolVersion,
    },
    /// The server did not declare `tasks.requests.tools.call`.
    #[error("the server did not declare the `{capability}` capability")]
    CapabilityMissing {
        /// The capability's path.
        capability: &'static str,
    },
    /// The tool's `execution.taskSupport` is `forbidden` (or absent, which means the same).
    #[error("tool `{tool}` cannot be called as a task (its execution.taskSupport is forbidden)")]
    TaskForbidden {
        /// The tool.
        tool: String,
    },
    /// The params call another tool than the definition that was checked.
    #[error("the params call `{called}`, but the tool definition given is `{defined}`")]
    ToolMismatch {
        /// The tool the params name.
        called: String,
        /// The tool whose definition was given.
        defined: String,
    },
    /// The request failed (the server's error, a timeout, a closed session...).
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl<R: Role> Peer<R> {
    /// `tasks/get`: the task's current state.
    pub async fn get_task(&self, task_id: impl Into<String>) -> Result<Task, RequestError> {
        self.request::<GetTaskRequest>(&TaskRequestParams::new(task_id))
            .await
    }

    /// `tasks/result`: what the task's request returned, as `T` (for example
    /// `CallToolResult`). Blocks on the receiver's side until the task is terminal, so the
    /// session's request timeout applies: wait for a terminal status first, or pass a longer
    /// timeout with [`get_task_result_with`](Self::get_task_result_with). A JSON-RPC error of
    /// the task's request comes back as [`RequestError::Remote`], as the receiver sent it.
    pub async fn get_task_result<T: DeserializeOwned>(
        &self,
        task_id: impl Into<String>,
    ) -> Result<T, RequestError> {
        self.get_task_result_with(task_id, RequestOptions::default())
            .await
    }

    /// [`get_task_result`](Self::get_task_result) with request options.
    pub async fn get_task_result_with<T: DeserializeOwned>(
        &self,
        task_id: impl Into<String>,
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

    /// `tasks/cancel`: the task as it is once cancelled. A task that is already terminal
    /// gives the receiver's -32602 error.
    pub async fn cancel_task(&self, task_id: impl Into<String>) -> Result<Task, RequestError> {
        self.request::<CancelTaskRequest>(&TaskRequestParams::new(task_id))
            .await
    }

    /// `tasks/list`, page by page (needs the peer's `tasks.list`).
    pub fn list_tasks(&self) -> Paginator<ListTasksRequest, R> {
        Paginator::new(self.clone())
    }

    /// A handle on a task this side created earlier (known by id, for example from
    /// [`list_tasks`](Self::list_tasks)), whose request returns `T`.
    pub fn task_handle<T: DeserializeOwned>(&self, task_id: impl Into<String>) -> TaskHandle<R, T> {
        TaskHandle::attach(self.clone(), task_id)
    }

    /// Sends a task-augmented request and reads its `CreateTaskResult`.
    pub(crate) async fn create_task(
        &self,
        method: &str,
        params: Box<RawValue>,
        options: RequestOptions,
    ) -> Result<CreateTaskResult, RequestError> {
        let result = self.request_raw(method, Some(params), options).await?;
        serde_json::from_str(result.get()).map_err(|source| RequestError::InvalidResult {
            method: method.to_owned(),
            source,
        })
    }
}

pub(crate) fn to_raw<T: serde::Serialize>(value: &T) -> Result<Box<RawValue>, RequestError> {
    serde_json::value::to_raw_value(value).map_err(RequestError::Serialize)
}

impl Peer<Client> {
    /// Calls `tool` as a task (`tools/call` with `task`, the params' own `task` member or an
    /// empty one) and returns a handle on the task the server created. Refused locally
    /// before 2025-11-25, when the server did not declare `tasks.requests.tools.call`, and
    /// when the tool's `execution.taskSupport` is `forbidden` or absent. `tool` is the
    /// definition from `tools/list`; `params` must call it.
    ///
    /// ```no_run
    /// # async fn f(peer: oxmcp_core::Peer<oxmcp_core::role::Client>, tool: oxmcp_types::Tool)
    /// # -> Result<(), oxmcp_core::client::tasks::TaskCallError> {
    /// use oxmcp_types::{CallToolRequestParams, TaskMetadata};
    /// let params = CallToolRequestParams::new(tool.name.clone()).with_task(TaskMetadata::with_ttl(60_000));
    /// let task = peer.call_tool_as_task(&tool, params).await?;
    /// println!("task {} is {:?}", task.task_id(), task.wait().await?.status);
    /// let result = task.result().await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_as_task(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> Result<TaskHandle<Client, CallToolResult>, TaskCallError> {
        self.call_tool_as_task_with(tool, params, RequestOptions::default())
            .await
    }

    /// [`call_tool_as_task`](Self::call_tool_as_task) with options for the `tools/call`
    /// request that creates the task.
    pub async fn call_tool_as_task_with(
        &self,
        tool: &Tool,
        mut params: CallToolRequestParams,
        options: RequestOptions,
    ) -> Result<TaskHandle<Client, CallToolResult>, TaskCallError> {
        check_tool_task(self, tool, &params)?;
        // Without a ttl of the caller's, the receiver's default applies.
        params.task.get_or_insert_with(TaskMetadata::default);
        let version = self.session().map(|s| s.protocol_version);
        if let Some(version) = version {
            params.adapt_to(version);
        }
        let raw = to_raw(&params)?;
        let created = self
            .create_task(CallToolRequest::METHOD, raw, options)
            .await?;
        Ok(TaskHandle::from_created(self.clone(), created))
    }
}

/// The local checks of a task-augmented `tools/call`.
fn check_tool_task(
    peer: &Peer<Client>,
    tool: &Tool,
    params: &CallToolRequestParams,
) -> Result<(), TaskCallError> {
    let info = peer.session().ok_or(TaskCallError::NotInitialized)?;
    if info.protocol_version < ProtocolVersion::V2025_11_25 {
        return Err(TaskCallError::VersionTooOld {
            negotiated: info.protocol_version,
        });
    }
    let declared = info
        .peer_capabilities
        .tasks
        .as_ref()
        .and_then(|t| t.requests.as_ref())
        .and_then(|r| r.tools.as_ref())
        .is_some_and(|t| t.call.is_some());
    if !declared {
        return Err(TaskCallError::CapabilityMissing {
            capability: "tasks.requests.tools.call",
        });
    }
    if params.name != tool.name {
        return Err(TaskCallError::ToolMismatch {
            called: params.name.clone(),
            defined: tool.name.clone(),
        });
    }
    if tool.task_support() == TaskSupport::Forbidden {
        return Err(TaskCallError::TaskForbidden {
            tool: tool.name.clone(),
        });
    }
    Ok(())
}
