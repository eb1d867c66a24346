//! Tasks on [`McpServer`]: the task engine option, task-augmented `tools/call`, the
//! `tasks/*` requests, and recovery at startup.

use std::sync::Arc;

use oxmcp_types::methods::{CallToolRequest, RequestMethod};
use oxmcp_types::tasks::TaskMetadata;
use oxmcp_types::{
    AdaptToVersion, CallToolRequestParams, CallToolResult, ContentBlock, ErrorData, ProtocolVersion,
};

use super::{McpServer, McpServerBuilder, reply};
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest, to_result};
use crate::role::Server;
use crate::server::tools::RegisteredTool;
use crate::server::tracing_bridge;
use crate::tasks::{
    NewTask, Recovery, ResumeWork, StoreError, TaskConfig, TaskEngine, TaskRecord, TaskStore,
    WorkResult,
};

/// The longest tool text quoted in the `statusMessage` of a failed task.
const MAX_DIAGNOSTIC_CHARS: usize = 200;

impl McpServerBuilder {
    /// Receives task-augmented `tools/call` with `engine`: the server declares
    /// `tasks: {list, cancel, requests: {tools: {call}}}` (to 2025-11-25 sessions; older
    /// revisions have no tasks) and answers `tasks/get`, `tasks/result`, `tasks/list` and
    /// `tasks/cancel`. Each tool's `execution.taskSupport` decides how it may be called:
    ///
    /// - absent or `forbidden`: a call with `task` is answered with -32601;
    /// - `optional`: either way;
    /// - `required`: a call without `task` is answered with -32601. The tool-level rules of
    ///   the spec say -32601; its error section allows -32600 instead; oxmcp follows the
    ///   tool-level rules (a client should accept either).
    ///
    /// Without an engine, a `task` member is ignored and the call is answered normally, as
    /// the spec requires of receivers that do not declare tasks (a `required` tool cannot
    /// be called then: -32601).
    pub fn tasks(mut self, engine: TaskEngine) -> Self {
        self.tasks = Some(engine);
        self
    }

    /// [`tasks`](Self::tasks) with a new engine over `store`.
    pub fn task_store(self, store: impl TaskStore, config: TaskConfig) -> Self {
        self.tasks(TaskEngine::new(store, config))
    }
}

impl McpServer {
    /// The task engine, if the server receives tasks.
    pub fn task_engine(&self) -> Option<&TaskEngine> {
        self.shared.tasks.as_ref()
    }

    /// The startup step for a durable task store: every task that was running when the
    /// previous server process stopped is run again when its tool is
    /// [`resumable`](crate::server::tools::ToolRoute::resumable), and otherwise moved to
    /// `failed` ("interrupted: the server stopped while the task was running"). Call it once,
    /// before serving, and only when no other live process serves tasks from the same
    /// store. A resumed result is reachable only with a fixed task owner (see
    /// [`TaskEngine::recover`]). Without an engine it does nothing.
    pub async fn recover_tasks(&self) -> Result<Recovery, StoreError> {
        let Some(engine) = &self.shared.tasks else {
            return Ok(Recovery::default());
        };
        let catalog = self.shared.tools.snapshot();
        engine
            .recover::<Server>(|record| {
                let (tool, params) = resumable_call(record, |name| catalog.get(name).cloned())?;
                Some(ResumeWork::new(move |cx| {
                    run_tool(tool, params, cx, ProtocolVersion::V2025_11_25)
                }))
            })
            .await
    }

    /// The engine for a session that may use tasks (2025-11-25), if the server has one.
    pub(super) fn tasks_for(&self, cx: &RequestContext<Server>) -> Option<&TaskEngine> {
        self.shared
            .tasks
            .as_ref()
            .filter(|_| cx.protocol_version() >= ProtocolVersion::V2025_11_25)
    }

    pub(super) async fn answer_tasks(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        match &self.shared.tasks {
            Some(engine) => engine.answer(request, cx).await,
            None => Err(ErrorData::method_not_found(&request.method)),
        }
    }

    /// Starts `tool` as a task and answers with its `CreateTaskResult`.
    pub(super) async fn call_tool_as_task(
        &self,
        engine: &TaskEngine,
        tool: Arc<RegisteredTool>,
        params: CallToolRequestParams,
        task: TaskMetadata,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let version = cx.protocol_version();
        let stored = to_result(&params)?;
        let immediate = tool.task_options.immediate_response.clone();
        let new = NewTask::new(CallToolRequest::METHOD, Some(stored), task);
        let work = move |cx: RequestContext<Server>| run_tool(tool, params, cx, version);
        let mut created = engine.start(&cx, new, work).await?;
        if let Some(text) = immediate {
            created = created.with_model_immediate_response(text);
        }
        reply(created, &cx)
    }
}

/// The tool and params of a stored `tools/call` task whose tool is resumable.
fn resumable_call(
    record: &TaskRecord,
    find: impl Fn(&str) -> Option<Arc<RegisteredTool>>,
) -> Option<(Arc<RegisteredTool>, CallToolRequestParams)> {
    if record.method != CallToolRequest::METHOD {
        return None;
    }
    let params: CallToolRequestParams = serde_json::from_str(record.params.as_ref()?.get()).ok()?;
    let tool = find(&params.name)?;
    tool.task_options.resumable.then_some((tool, params))
}

/// Runs a tool call as a task's work: the outcome is what the call would have answered.
async fn run_tool(
    tool: Arc<RegisteredTool>,
    params: CallToolRequestParams,
    cx: RequestContext<Server>,
    version: ProtocolVersion,
) -> WorkResult {
    let peer = cx.peer().clone();
    let result = tracing_bridge::scope(peer, tool.call(params.arguments, cx)).await;
    tool_outcome(result, version)
}

/// A tool's answer as a task outcome: a result with `isError: true` fails the task with a
/// diagnostic status message, and `tasks/result` still returns it.
fn tool_outcome(result: Result<CallToolResult, ErrorData>, version: ProtocolVersion) -> WorkResult {
    let mut result = match result {
        Ok(result) => result,
        Err(e) => return WorkResult::Error(e),
    };
    result.adapt_to(version);
    let failed = result.is_error == Some(true);
    let message = failed.then(|| diagnostic(&result));
    match (to_result(&result), message) {
        (Err(e), _) => WorkResult::Error(e),
        (Ok(raw), None) => WorkResult::Completed(raw),
        (Ok(raw), Some(message)) => WorkResult::Failed {
            result: raw,
            message,
        },
    }
}

/// "tool execution failed: <the first text block, cut>".
fn diagnostic(result: &CallToolResult) -> String {
    let text = result.content.iter().find_map(|block| match block {
        ContentBlock::Text(t) => Some(t.text.as_str()),
        _ => None,
    });
    match text {
        Some(text) if text.chars().count() > MAX_DIAGNOSTIC_CHARS => {
            let cut: String = text.chars().take(MAX_DIAGNOSTIC_CHARS).collect();
            format!("tool execution failed: {cut}…")
        }
        Some(text) => format!("tool execution failed: {text}"),
        None => "tool execution failed".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_tool_results_fail_the_task_with_a_diagnostic() {
        let failed = tool_outcome(
            Ok(CallToolResult::error_text("rate limited")),
            ProtocolVersion::LATEST,
        );
        match failed {
            WorkResult::Failed { result, message } => {
                assert_eq!(message, "tool execution failed: rate limited");
                assert!(result.get().contains(r#""isError":true"#));
            }
            other => panic!("{other:?}"),
        }
        let long = "x".repeat(500);
        let message = diagnostic(&CallToolResult::error_text(long));
        assert_eq!(
            message.chars().count(),
            "tool execution failed: ".len() + 201
        );
        let ok = tool_outcome(Ok(CallToolResult::text("fine")), ProtocolVersion::LATEST);
        assert!(matches!(ok, WorkResult::Completed(_)));
        let error = tool_outcome(
            Err(ErrorData::invalid_params("no")),
            ProtocolVersion::LATEST,
        );
        assert!(matches!(error, WorkResult::Error(e) if e.message == "no"));
    }
}
