//! The client's task-augmented `tools/call` ([`ClientTaskRequests`]) and why one may be
//! refused ([`TaskCallError`]).

use std::future::Future;

use oxmcp_core::error::RequestError;
use oxmcp_core::role::Client;
use oxmcp_core::session::{Peer, RequestOptions};
use oxmcp_types::methods::{CallToolRequest, RequestMethod};
use oxmcp_types::{
    AdaptToVersion, CallToolRequestParams, CallToolResult, ProtocolVersion, TaskMetadata, Tool,
    tools::TaskSupport,
};

use super::TaskHandle;
use super::methods::{create_task, to_raw};

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
    /// The session speaks the 2026-07-28 era, where the 2025-11-25 task protocol does not
    /// exist (its tasks are the `io.modelcontextprotocol/tasks` extension).
    #[error("the 2025-11-25 task protocol does not exist in the session's {negotiated}")]
    ModernEra {
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

/// Tools called as tasks, on [`Peer<Client>`].
pub trait ClientTaskRequests {
    /// Calls `tool` as a task (`tools/call` with `task`, the params' own `task` member or an
    /// empty one) and returns a handle on the task the server created. Refused locally
    /// before 2025-11-25, when the server did not declare `tasks.requests.tools.call`, and
    /// when the tool's `execution.taskSupport` is `forbidden` or absent. `tool` is the
    /// definition from `tools/list`; `params` must call it.
    ///
    /// ```no_run
    /// # async fn f(peer: oxmcp_core::Peer<oxmcp_core::role::Client>, tool: oxmcp_types::Tool)
    /// # -> Result<(), oxmcp_tasks::TaskCallError> {
    /// use oxmcp_tasks::ClientTaskRequests;
    /// use oxmcp_types::{CallToolRequestParams, TaskMetadata};
    /// let params = CallToolRequestParams::new(tool.name.clone()).with_task(TaskMetadata::with_ttl(60_000));
    /// let task = peer.call_tool_as_task(&tool, params).await?;
    /// println!("task {} is {:?}", task.task_id(), task.wait().await?.status);
    /// let result = task.result().await?;
    /// # Ok(()) }
    /// ```
    fn call_tool_as_task(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> impl Future<Output = Result<TaskHandle<Client, CallToolResult>, TaskCallError>> + Send;

    /// [`call_tool_as_task`](Self::call_tool_as_task) with options for the `tools/call`
    /// request that creates the task.
    fn call_tool_as_task_with(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
        options: RequestOptions,
    ) -> impl Future<Output = Result<TaskHandle<Client, CallToolResult>, TaskCallError>> + Send;
}

impl ClientTaskRequests for Peer<Client> {
    async fn call_tool_as_task(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> Result<TaskHandle<Client, CallToolResult>, TaskCallError> {
        self.call_tool_as_task_with(tool, params, RequestOptions::default())
            .await
    }

    async fn call_tool_as_task_with(
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
        let created = create_task(self, CallToolRequest::METHOD, raw, options).await?;
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
    if info.protocol_version.is_modern() {
        return Err(TaskCallError::ModernEra {
            negotiated: info.protocol_version,
        });
    }
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
