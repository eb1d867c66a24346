//! `tools/list`, `tools/call`, and adding and removing tools while serving.

use oxmcp_types::methods::{NotificationMethod, ToolListChangedNotification};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{
    CallToolRequestParams, ErrorCode, ErrorData, ListToolsResult, PaginatedRequestParams,
};

use super::{McpServer, reply};
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest};
use crate::role::Server;
use crate::server::pagination::ListKind;
use crate::server::tools::{RegisteredTool, ToolRegistrationError, ToolRoute};

impl McpServer {
    /// Registers a tool while serving, then sends `notifications/tools/list_changed` to
    /// every session. Fails if the name is taken, breaks the naming rule under
    /// [`ToolNamePolicy::Refuse`](crate::server::tools::ToolNamePolicy::Refuse), or a schema
    /// is unusable.
    ///
    /// ```
    /// use oxmcp_core::server::{McpServer, tools::ToolRoute};
    /// use oxmcp_types::Implementation;
    ///
    /// # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Args { text: String }
    /// let server = McpServer::builder(Implementation::new("demo", "1.0")).build().unwrap();
    /// let echo = || ToolRoute::new("echo", |a: Args, _cx| async move { a.text });
    /// server.add_tool(echo()).unwrap();
    /// assert!(server.add_tool(echo()).is_err(), "names are unique");
    /// assert!(server.remove_tool("echo"));
    /// ```
    pub fn add_tool(&self, route: ToolRoute) -> Result<(), ToolRegistrationError> {
        self.add_tools([route])
    }

    /// Registers several tools at once (all or none), with one `list_changed` notification.
    pub fn add_tools(
        &self,
        routes: impl IntoIterator<Item = ToolRoute>,
    ) -> Result<(), ToolRegistrationError> {
        let policy = self.shared.options.tool_name_policy;
        let compiled = routes
            .into_iter()
            .map(|route| route.compile(policy))
            .collect::<Result<Vec<_>, _>>()?;
        self.shared
            .tools
            .update(|catalog| catalog.insert_all(compiled, |t| &t.tool.name))
            .map_err(ToolRegistrationError::Duplicate)?;
        self.tools_changed();
        Ok(())
    }

    /// Removes a tool while serving; returns whether it existed. Sends
    /// `notifications/tools/list_changed` when it did.
    pub fn remove_tool(&self, name: &str) -> bool {
        let removed = self
            .shared
            .tools
            .update(|catalog| catalog.remove(name).is_some());
        if removed {
            self.tools_changed();
        }
        removed
    }

    /// The names of the registered tools, in registration order.
    pub fn tool_names(&self) -> Vec<String> {
        let tools = self.shared.tools.snapshot();
        tools.iter().map(|t| t.tool.name.clone()).collect()
    }

    fn tools_changed(&self) {
        self.shared
            .sessions
            .broadcast(ToolListChangedNotification::METHOD);
    }

    pub(super) fn list_tools(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        let params: PaginatedRequestParams = request.params()?;
        let after = self.decode_cursor(ListKind::Tools, params.cursor.as_deref())?;
        let catalog = self.shared.tools.snapshot();
        let page = catalog.page(after, self.shared.options.page_size);
        let tools = page.items.iter().map(|t| t.tool.clone()).collect();
        let mut result = ListToolsResult::new(tools);
        result.next_cursor = self.next_cursor(ListKind::Tools, page.next_after);
        reply(result, cx)
    }

    pub(super) async fn call_tool(
        &self,
        request: &IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let mut params: CallToolRequestParams = request.params()?;
        let catalog = self.shared.tools.snapshot();
        let Some(tool) = catalog.get(&params.name).cloned() else {
            return Err(ErrorData::invalid_params(format!(
                "unknown tool: {}",
                params.name
            )));
        };
        drop(catalog);
        let engine = self.tasks_for(&cx);
        let task = params.task.take();
        check_task_mode(&tool, &params.name, engine.is_some(), task.is_some())?;
        if let (Some(engine), Some(task)) = (engine, task) {
            return self.call_tool_as_task(engine, tool, params, task, cx).await;
        }
        let version = cx.protocol_version();
        let result = tool.call(params.arguments, cx).await?;
        super::reply_version(result, version)
    }
}

/// Applies the tool's `execution.taskSupport` (-32601 on a mismatch, as the tool-level
/// rules of the spec say). A server that receives tasks (`tasks`: it has an engine and the
/// session speaks 2025-11-25) refuses a `task` for a tool that forbids it, and a call
/// without one for a tool that requires it. A server without tasks ignores `task`, as the
/// spec says for a receiver that did not declare task support, so a tool that requires a
/// task cannot be called there at all.
fn check_task_mode(
    tool: &RegisteredTool,
    name: &str,
    tasks: bool,
    task_requested: bool,
) -> Result<(), ErrorData> {
    let support = tool.tool.task_support();
    if !tasks && task_requested {
        tracing::debug!(tool = %name, "ignoring `task`: tasks are not declared to this session");
    }
    let as_task = tasks && task_requested;
    if as_task && support == TaskSupport::Forbidden {
        return Err(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("tool `{name}` does not support task-augmented calls"),
        ));
    }
    if !as_task && support == TaskSupport::Required {
        return Err(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("tool `{name}` must be called as a task"),
        ));
    }
    Ok(())
}
