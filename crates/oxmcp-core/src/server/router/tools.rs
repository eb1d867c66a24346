//! `tools/list`, `tools/call`, and adding and removing tools while serving.

use std::sync::Arc;

use oxmcp_types::methods::{CallToolRequest, RequestMethod};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{
    CallToolRequestParams, ErrorCode, ErrorData, ListToolsResult, PaginatedRequestParams,
    TaskMetadata,
};

use super::ServerChange;
use super::call_params::CallParams;
use super::{McpServer, reply};
use crate::augment::{AugmentedRequest, TaskAugmentation};
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest, to_result};
use crate::role::Server;
use crate::server::pagination::ListKind;
use crate::server::scope::{self, Guarded};
use crate::server::tools::{
    ParamHeaders, RegisteredTool, ToolRegistrationError, ToolRoute, ToolTaskOptions,
};
use crate::server::tracing_bridge;
use crate::session::ModernState;

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

    /// How the tool `name` behaves as a task, if it is registered.
    pub fn tool_task_options(&self, name: &str) -> Option<ToolTaskOptions> {
        let tools = self.shared.tools.snapshot();
        tools.get(name).map(|t| t.task_options.clone())
    }

    /// Calls a tool as `tools/call` does (arguments checked, output checked, the result
    /// adapted to the version of `cx`), without the middleware and ignoring any `task`
    /// member: for extensions that run tool calls later, such as a task resumed after a
    /// restart.
    pub async fn call_tool_directly(
        &self,
        mut params: CallToolRequestParams,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        params.task = None;
        let tool = self.find_tool(&params.name)?;
        run_tool(tool, params, cx).await
    }

    fn find_tool(&self, name: &str) -> Result<Arc<RegisteredTool>, ErrorData> {
        let catalog = self.shared.tools.snapshot();
        catalog
            .get(name)
            .cloned()
            .ok_or_else(|| ErrorData::invalid_params(format!("unknown tool: {name}")))
    }

    /// The scopes of each registered tool that needs any, in registration order: what a
    /// resource server's scope policy needs to refuse a call with 403 before it reaches
    /// the engine.
    pub fn tool_scopes(&self) -> Vec<(String, Vec<String>)> {
        let tools = self.shared.tools.snapshot();
        tools
            .iter()
            .filter(|t| !t.scopes.is_empty())
            .map(|t| (t.tool.name.clone(), t.scopes.clone()))
            .collect()
    }

    /// The names of the registered tools, in registration order.
    pub fn tool_names(&self) -> Vec<String> {
        let tools = self.shared.tools.snapshot();
        tools.iter().map(|t| t.tool.name.clone()).collect()
    }

    fn tools_changed(&self) {
        self.changed(&ServerChange::ToolListChanged);
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
        let hide = self.shared.options.hide_unauthorized;
        let principal = cx.principal();
        let tools = page
            .items
            .iter()
            .filter(|t| !hide || scope::allowed(&t.scopes, principal.as_deref()))
            .map(|t| t.tool.clone())
            .collect();
        let mut result = ListToolsResult::new(tools);
        result.next_cursor = self.next_cursor(ListKind::Tools, page.next_after);
        reply(result, cx)
    }

    pub(super) async fn call_tool(
        &self,
        request: &IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let place = cx
            .extensions()
            .get::<ModernState>()
            .and_then(ModernState::meta_place);
        let mut params = CallParams::read(request.params.as_deref(), place)?;
        let tool = self.find_tool(&params.name)?;
        scope::check(
            Guarded::Tool,
            &params.name,
            &tool.scopes,
            cx.principal().as_deref(),
            self.shared.options.hide_unauthorized,
        )?;
        // Over HTTP in 2026-07-28, the parameters mirrored into headers must agree.
        if let Some(received) = cx.extensions().get::<ParamHeaders>() {
            tool.check_param_headers(params.arguments.as_ref(), received)?;
        }
        let task = params.task.take();
        // The task paths are boxed: what this future holds for the await it is in counts
        // for every call (the engine boxes it whole), and a plain call is the usual one.
        if cx.protocol_version().is_modern() {
            // 2026-07-28 has no `task` member: with the tasks extension the server decides.
            if let Some(runner) = modern_task_runner(&tool, &params.name, &cx)? {
                let params = params.into_params()?;
                if tool.task_options.input_before_task {
                    let call = super::input_first::call_input_first(&runner, tool, params, cx);
                    return Box::pin(call).await;
                }
                let task = TaskMetadata::default();
                return Box::pin(call_tool_as_task(&runner, tool, params, task, cx)).await;
            }
        } else {
            // Taken as a task only when an extension offers to run it as one.
            let runner = task.as_ref().and_then(|_| TaskAugmentation::of(&cx));
            check_task_mode(&tool, &params.name, runner.is_some(), task.is_some())?;
            if let (Some(runner), Some(task)) = (runner, task) {
                let params = params.into_params()?;
                return Box::pin(call_tool_as_task(&runner, tool, params, task, cx)).await;
            }
        }
        let version = cx.protocol_version();
        let result = tool.call(params.arguments, cx).await?;
        super::reply_version(result, version)
    }
}

/// Hands a task-augmented call to the task runner: its answer (a `CreateTaskResult`) is
/// the call's, and the tool runs as the task's work.
pub(super) async fn call_tool_as_task(
    runner: &TaskAugmentation<Server>,
    tool: Arc<RegisteredTool>,
    params: CallToolRequestParams,
    task: TaskMetadata,
    cx: RequestContext<Server>,
) -> HandlerResult {
    let request = augmented(&tool, &params, task)?;
    let work = Box::new(move |cx: RequestContext<Server>| {
        Box::pin(run_tool(tool, params, cx)) as crate::BoxFuture<'static, HandlerResult>
    });
    runner.0.run(cx, request, work).await
}

/// The call of `tool` with `params` as the task runner gets it.
pub(super) fn augmented(
    tool: &RegisteredTool,
    params: &CallToolRequestParams,
    task: TaskMetadata,
) -> Result<AugmentedRequest, ErrorData> {
    let stored = to_result(params)?;
    let immediate = tool.task_options.immediate_response.clone();
    Ok(
        AugmentedRequest::new(CallToolRequest::METHOD, Some(stored), task)
            .with_immediate_response(immediate),
    )
}

/// Runs a tool call to the answer `tools/call` would give.
pub(super) async fn run_tool(
    tool: Arc<RegisteredTool>,
    params: CallToolRequestParams,
    cx: RequestContext<Server>,
) -> HandlerResult {
    let version = cx.protocol_version();
    let peer = cx.peer().clone();
    let result = tracing_bridge::scope(peer, tool.call(params.arguments, cx)).await?;
    super::reply_version(result, version)
}

/// The runner of a modern `tools/call` that becomes a task (the tasks extension,
/// `io.modelcontextprotocol/tasks`, whose middleware offers a runner when the request's
/// client declared the extension): a tool whose `execution.taskSupport` is `optional` or
/// `required` runs as a task then, one that forbids tasks never does. A `required` tool
/// without a runner is -32021 naming the extension, as the extension says of a server
/// that can only answer with a task.
fn modern_task_runner(
    tool: &RegisteredTool,
    name: &str,
    cx: &RequestContext<Server>,
) -> Result<Option<TaskAugmentation<Server>>, ErrorData> {
    let support = tool.tool.task_support();
    if support == TaskSupport::Forbidden {
        return Ok(None);
    }
    let runner = TaskAugmentation::of(cx);
    if runner.is_none() && support == TaskSupport::Required {
        let mut required = oxmcp_types::ClientCapabilities::default();
        let mut extensions = oxmcp_types::JsonObject::new();
        extensions.insert(TASKS_EXTENSION.to_owned(), serde_json::json!({}));
        required.extensions = Some(extensions);
        let mut error = ErrorData::missing_required_client_capability(required);
        error.message = format!(
            "tool `{name}` runs only as a task: the client must declare `{TASKS_EXTENSION}`"
        );
        return Err(error);
    }
    Ok(runner)
}

/// The identifier of the tasks extension of 2026-07-28.
const TASKS_EXTENSION: &str = oxmcp_types::ext_tasks::EXTENSION_ID;

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
