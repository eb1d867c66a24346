//! [`EngineRunner`]: a [`TaskEngine`] as the [`TaskRunner`] of task-augmented requests, and
//! how a request's answer becomes a task's outcome.

use oxmcp_types::methods::{CallToolRequest, RequestMethod};
use oxmcp_types::{AdaptToVersion, CallToolResult, ContentBlock};
use serde_json::value::RawValue;

use super::{NewTask, TaskEngine, WorkResult};
use oxmcp_core::augment::{AugmentedRequest, AugmentedWork, TaskRunner};
use oxmcp_core::context::RequestContext;
use oxmcp_core::handler::{BoxFuture, HandlerResult, to_result};
use oxmcp_core::role::Role;

/// The longest tool text quoted in the `statusMessage` of a failed task.
const MAX_DIAGNOSTIC_CHARS: usize = 200;

/// Runs task-augmented requests as tasks of an engine.
pub(crate) struct EngineRunner(pub(crate) TaskEngine);

impl<R: Role> TaskRunner<R> for EngineRunner {
    fn run(
        &self,
        cx: RequestContext<R>,
        request: AugmentedRequest,
        work: AugmentedWork<R>,
    ) -> BoxFuture<'static, HandlerResult> {
        let engine = self.0.clone();
        Box::pin(async move {
            let AugmentedRequest {
                method,
                params,
                task,
                immediate_response,
                ..
            } = request;
            let new = NewTask::new(method.clone(), params, task);
            let work = move |cx: RequestContext<R>| async move { outcome(&method, work(cx).await) };
            let mut created = engine.start(&cx, new, work).await?;
            if let Some(text) = immediate_response {
                created = created.with_model_immediate_response(text);
            }
            created.adapt_to(cx.protocol_version());
            to_result(&created)
        })
    }
}

/// A request's answer as a task's outcome: a tool result with `isError: true` fails the task
/// with a diagnostic status message, and `tasks/result` still returns it.
pub(crate) fn outcome(method: &str, answer: HandlerResult) -> WorkResult {
    let raw = match answer {
        Ok(raw) => raw,
        Err(e) => return WorkResult::Error(e),
    };
    match failed_tool_call(method, &raw) {
        Some(message) => WorkResult::Failed {
            result: raw,
            message,
        },
        None => WorkResult::Completed(raw),
    }
}

/// The diagnostic of a `tools/call` result with `isError: true`; `None` for anything else.
fn failed_tool_call(method: &str, raw: &RawValue) -> Option<String> {
    if method != CallToolRequest::METHOD || !raw.get().contains("\"isError\"") {
        return None;
    }
    let result: CallToolResult = serde_json::from_str(raw.get()).ok()?;
    (result.is_error == Some(true)).then(|| diagnostic(&result))
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
    use oxmcp_types::ErrorData;

    use super::*;

    fn answer(result: &CallToolResult) -> HandlerResult {
        to_result(result)
    }

    #[test]
    fn failed_tool_results_fail_the_task_with_a_diagnostic() {
        let call = CallToolRequest::METHOD;
        match outcome(call, answer(&CallToolResult::error_text("rate limited"))) {
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
        let ok = outcome(call, answer(&CallToolResult::text("fine")));
        assert!(matches!(ok, WorkResult::Completed(_)));
        let error = outcome(call, Err(ErrorData::invalid_params("no")));
        assert!(matches!(error, WorkResult::Error(e) if e.message == "no"));
        // Only tool results fail a task this way.
        let other = outcome(
            "sampling/createMessage",
            answer(&CallToolResult::error_text("x")),
        );
        assert!(matches!(other, WorkResult::Completed(_)));
    }
}
