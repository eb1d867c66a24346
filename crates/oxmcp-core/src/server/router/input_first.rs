//! A 2026-07-28 `tools/call` that asks its questions before it becomes a task (see
//! [`ToolRoute::with_input_before_task`](crate::server::tools::ToolRoute::with_input_before_task)):
//! the handler runs at once under the request's input recorder (its questions end the call
//! `input_required`); the task is made when it reaches
//! [`RequestContext::continue_as_task`] with every question answered.

use std::sync::Arc;

use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{CallToolRequestParams, TaskMetadata};

use super::tools::{augmented, call_tool_as_task, run_tool};
use crate::augment::TaskAugmentation;
use crate::context::RequestContext;
use crate::handler::{BoxFuture, HandlerResult};
use crate::role::Server;
use crate::server::mrtr::{InputRecorder, RoundHandle};
use crate::server::tools::{RegisteredTool, TaskBoundary};

/// Runs the call of `tool` (see the [module docs](self)); `runner` makes the task.
pub(super) async fn call_input_first(
    runner: &TaskAugmentation<Server>,
    tool: Arc<RegisteredTool>,
    params: CallToolRequestParams,
    cx: RequestContext<Server>,
) -> HandlerResult {
    // Without the rounds of an `McpServer` request there is no one to ask synchronously.
    let Some(rounds) = cx.peer().rounds().cloned() else {
        return call_tool_as_task(runner, tool, params, TaskMetadata::default(), cx).await;
    };
    let boundary = TaskBoundary::default();
    let mut asking = cx.clone();
    asking.extensions_mut().insert(boundary.clone());
    let result = run_tool(tool.clone(), params.clone(), asking).await;
    if !rounds.recorder.is_settled() {
        // Questions are open, or an answer was refused: the rounds answer the call.
        return result;
    }
    let request = augmented(&tool, &params, TaskMetadata::default())?;
    if boundary.reached() {
        let answers = rounds.recorder.used_answers();
        tracing::debug!(tool = %params.name, answers = answers.len(), "the call continues as a task");
        let work = Box::new(move |cx: RequestContext<Server>| {
            let replay = RoundHandle {
                recorder: Arc::new(InputRecorder::replaying(answers)),
                key: None,
            };
            let peer = cx.peer().clone().with_rounds(replay);
            Box::pin(run_tool(tool, params, cx.with_peer(peer))) as BoxFuture<'static, _>
        });
        return runner.0.run(cx, request, work).await;
    }
    if tool.tool.task_support() != TaskSupport::Required {
        return result;
    }
    // A tool that runs only as a task, done without reaching the boundary: a task that
    // holds its answer (the handler does not run again).
    let work = Box::new(move |_: RequestContext<Server>| {
        Box::pin(std::future::ready(result)) as BoxFuture<'static, _>
    });
    runner.0.run(cx, request, work).await
}
