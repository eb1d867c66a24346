//! Tasks from an [`McpClient`] ([`McpClientTasksExt`]): tool calls as tasks whose handles
//! also hear the server's `notifications/tasks/status`, paced by the client's poll policy.

use std::future::Future;

use oxmcp_core::client::McpClient;
use oxmcp_core::role::Client;
use oxmcp_types::{CallToolRequestParams, CallToolResult, Tool};
use serde::de::DeserializeOwned;

use super::{ClientTaskRequests, PollPolicy, TaskCallError, TaskHandle, TaskRequests};

/// Tasks on [`McpClient`].
pub trait McpClientTasksExt: Sized {
    /// Sets how the task handles of this client poll `tasks/get` (kept in the client's
    /// [extensions](McpClient::with_extension); default [`PollPolicy::default`]).
    #[must_use]
    fn with_task_poll_policy(self, policy: PollPolicy) -> Self;

    /// How the task handles of this client poll `tasks/get`.
    fn task_poll_policy(&self) -> PollPolicy;

    /// Calls `tool` as a task (see [`ClientTaskRequests::call_tool_as_task`] for the local
    /// checks). The handle follows both polls and the server's `notifications/tasks/status`.
    fn call_tool_as_task(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> impl Future<Output = Result<TaskHandle<Client, CallToolResult>, TaskCallError>> + Send;

    /// Calls `tool` as a task and waits for its result, however long it runs (see
    /// [`TaskHandle::wait_for_result`]). Requests the server sends for the task meanwhile
    /// (elicitation, sampling) reach the handler as usual, with their related task id.
    fn call_tool_as_task_and_wait(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> impl Future<Output = Result<CallToolResult, TaskCallError>> + Send;

    /// A handle on the task `task_id` this client created earlier, whose request returns
    /// `T` (`CallToolResult` for a tool call).
    fn task<T: DeserializeOwned>(&self, task_id: impl Into<String>) -> TaskHandle<Client, T>;
}

impl McpClientTasksExt for McpClient {
    fn with_task_poll_policy(self, policy: PollPolicy) -> Self {
        self.with_extension(policy)
    }

    fn task_poll_policy(&self) -> PollPolicy {
        self.extension::<PollPolicy>().copied().unwrap_or_default()
    }

    async fn call_tool_as_task(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> Result<TaskHandle<Client, CallToolResult>, TaskCallError> {
        let handle = ClientTaskRequests::call_tool_as_task(self.peer(), tool, params).await?;
        Ok(handle
            .with_poll_policy(self.task_poll_policy())
            .with_status_feed(self.peer().task_status_feed()))
    }

    async fn call_tool_as_task_and_wait(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> Result<CallToolResult, TaskCallError> {
        let task = McpClientTasksExt::call_tool_as_task(self, tool, params).await?;
        Ok(task.wait_for_result().await?)
    }

    fn task<T: DeserializeOwned>(&self, task_id: impl Into<String>) -> TaskHandle<Client, T> {
        self.peer()
            .task_handle(task_id)
            .with_poll_policy(self.task_poll_policy())
            .with_status_feed(self.peer().task_status_feed())
    }
}
