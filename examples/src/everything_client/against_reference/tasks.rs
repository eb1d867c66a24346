//! The task checks against the official TypeScript everything server: its task tool
//! `simulate-research-query` (`taskSupport: required`), plain and with the clarification it
//! asks for when the topic is ambiguous.
//!
//! That server queues the clarification (`elicitation/create` for the task) and delivers it
//! only through a `tasks/result` request: the requestor has to ask for the result as soon
//! as it sees `input_required`, which [`TaskHandle::wait_for_result`] does.
//!
//! The other way round, `trigger-sampling-request-async` and
//! `trigger-elicitation-request-async` send this client task-augmented requests, which it
//! receives as tasks (the host's handler is a task receiver) while the server polls them.
//!
//! [`TaskHandle::wait_for_result`]: oxmcp::tasks::TaskHandle::wait_for_result

use oxmcp::McpClient;
use oxmcp::types::tasks::TaskStatus;
use serde_json::json;

use crate::everything_client::against_oxmcp::tasks::{
    check_related, start, status_name, stream_statuses,
};
use crate::everything_client::against_oxmcp::{call, text};
use crate::everything_client::{Outcome, ensure, failed, host};

/// The task tool of the reference server.
pub const RESEARCH_TOOL: &str = "simulate-research-query";

/// A research query as a task: status streamed to `completed`, then the report.
pub(super) async fn research(client: &McpClient) -> Outcome {
    let task = start(client, RESEARCH_TOOL, json!({ "topic": "rust" })).await?;
    let statuses = stream_statuses(&task).await?;
    ensure(statuses.last() == Some(&TaskStatus::Completed), || {
        format!("statuses {statuses:?}")
    })?;
    let result = task.result().await.map_err(failed)?;
    let report = text(&result)?;
    ensure(report.contains("# Research Report: rust"), || {
        report.clone()
    })?;
    check_related(&result, task.task_id())?;
    let names: Vec<String> = statuses.iter().map(|s| status_name(*s)).collect();
    Ok(format!(
        "task {}: {}; the report came with tasks/result",
        task.task_id(),
        names.join(" -> ")
    ))
}

/// An ambiguous query: the task goes `input_required`, the clarification arrives through
/// `tasks/result` for the task, the host answers it, and the report uses the answer.
pub(super) async fn clarification(client: &McpClient) -> Outcome {
    let task = start(
        client,
        RESEARCH_TOOL,
        json!({ "topic": "python", "ambiguous": true }),
    )
    .await?;
    let asked = task.wait().await.map_err(failed)?;
    ensure(asked.status == TaskStatus::InputRequired, || {
        format!("the task went {:?} instead of input_required", asked.status)
    })?;
    let result = task.wait_for_result().await.map_err(failed)?;
    let report = text(&result)?;
    // The form filler picks the first interpretation offered.
    ensure(
        report.contains("# Research Report: python (programming)"),
        || report.clone(),
    )?;
    ensure(host::asked_for_task(task.task_id()), || {
        format!(
            "the clarification did not carry the related-task _meta of {}",
            task.task_id()
        )
    })?;
    let done = task.get().await.map_err(failed)?;
    ensure(done.status == TaskStatus::Completed, || {
        format!("tasks/get says {:?}", done.status)
    })?;
    Ok(format!(
        "task {}: input_required, clarification answered through tasks/result, completed with \"programming\"",
        task.task_id()
    ))
}

/// The tool that makes this client run a sampling request as a task.
pub const SAMPLING_TASK_TOOL: &str = "trigger-sampling-request-async";
/// The tool that makes this client run an elicitation request as a task.
pub const ELICITATION_TASK_TOOL: &str = "trigger-elicitation-request-async";

/// The server sends `sampling/createMessage` with `task`: this client (a task receiver)
/// answers with a `CreateTaskResult`, runs the fake model in the background, and the
/// server polls `tasks/get` and fetches `tasks/result` from it.
pub(super) async fn sampling_as_task(client: &McpClient) -> Outcome {
    let arguments = json!({ "prompt": "hello as a task", "maxTokens": 50 });
    let said = text(&call(client, SAMPLING_TASK_TOOL, arguments).await?)?;
    ensure(
        said.starts_with("[COMPLETED] Async sampling completed!"),
        || said.clone(),
    )?;
    ensure(said.contains("Task created: "), || said.clone())?;
    ensure(said.contains(host::MODEL), || said.clone())?;
    let polls = said.lines().filter(|l| l.starts_with("Poll ")).count();
    Ok(format!(
        "the server polled our task {polls} time(s), then fetched the fake model's answer"
    ))
}

/// The server sends `elicitation/create` with `task`: this client answers with a
/// `CreateTaskResult`, fills the form in the background, and the server fetches the answer
/// from `tasks/result`.
pub(super) async fn elicitation_as_task(client: &McpClient) -> Outcome {
    let said = text(&call(client, ELICITATION_TASK_TOOL, json!({})).await?)?;
    ensure(
        said.starts_with("[COMPLETED] User provided the requested information!"),
        || said.clone(),
    )?;
    ensure(
        said.contains("- Name: Ada") && said.contains("- Favorite Color: Red"),
        || said.clone(),
    )?;
    Ok("the server fetched the form answer from our task".to_owned())
}
