//! Tasks from an [`McpClient`]: tool calls as tasks whose handles also hear the server's
//! `notifications/tasks/status`.

use oxmcp_types::{CallToolRequestParams, CallToolResult, Tool};
use serde::de::DeserializeOwned;

use super::McpClient;
use crate::client::tasks::{PollPolicy, TaskCallError, TaskHandle};
use crate::role::Client;

impl McpClient {
    /// Sets how the task handles of this client poll `tasks/get`.
    #[must_use]
    pub fn with_task_poll_policy(mut self, policy: PollPolicy) -> Self {
        self.task_poll = policy;
        self
    }

    /// Calls `tool` as a task (see [`Peer::call_tool_as_task`](crate::Peer::call_tool_as_task)
    /// for the local checks). The handle follows both polls and the server's
    /// `notifications/tasks/status`.
    pub async fn call_tool_as_task(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> Result<TaskHandle<Client, CallToolResult>, TaskCallError> {
        let handle = self.peer().call_tool_as_task(tool, params).await?;
        Ok(self.equip(handle))
    }

    /// Calls `tool` as a task and waits for its result, however long it runs (see
    /// [`TaskHandle::wait_for_result`]). Requests the server sends for the task meanwhile
    /// (elicitation, sampling) reach the handler as usual, with their related task id.
    pub async fn call_tool_as_task_and_wait(
        &self,
        tool: &Tool,
        params: CallToolRequestParams,
    ) -> Result<CallToolResult, TaskCallError> {
        let task = self.call_tool_as_task(tool, params).await?;
        Ok(task.wait_for_result().await?)
    }

    /// A handle on the task `task_id` this client created earlier, whose request returns
    /// `T` (`CallToolResult` for a tool call).
    pub fn task<T: DeserializeOwned>(&self, task_id: impl Into<String>) -> TaskHandle<Client, T> {
        self.equip(self.peer().task_handle(task_id))
    }

    fn equip<T: DeserializeOwned>(&self, handle: TaskHandle<Client, T>) -> TaskHandle<Client, T> {
        handle
            .with_poll_policy(self.task_poll)
            .with_status_feed(self.notifications().task_status_feed())
    }
}
