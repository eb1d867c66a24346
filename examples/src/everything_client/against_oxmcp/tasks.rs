//! The task checks against the oxmcp everything server: a tool called as a task with its
//! status streamed and its result fetched, a task that needs the user's input, a task that
//! fails, a cancelled task, the `taskSupport: required` refusal, and `tasks/list`.

use oxmcp::McpClient;
use oxmcp::role::Client;
use oxmcp::tasks::CANCELLED_MESSAGE;
use oxmcp::tasks::McpClientTasksExt as _;
use oxmcp::tasks::TaskHandle;
use oxmcp::tasks::TaskRequests as _;
use oxmcp::types::tasks::{RELATED_TASK_META_KEY, TaskStatus};
use oxmcp::types::{CallToolRequestParams, CallToolResult, ErrorCode, TaskMetadata, Tool};
use serde_json::{Value, json};

use super::{next_matching, text};
use crate::everything_client::{Outcome, ensure, failed, host};
use crate::everything_server::tasks::DEFAULT_FAILURE;

/// The ttl the checks ask for (one minute).
const TTL_MS: u64 = 60_000;

/// The definition of tool `name` from `tools/list`.
pub async fn find_tool(client: &McpClient, name: &str) -> Result<Tool, String> {
    let tools = client
        .peer()
        .list_tools()
        .collect_all()
        .await
        .map_err(failed)?;
    tools
        .into_iter()
        .find(|t| t.name == name)
        .ok_or_else(|| format!("no tool `{name}`"))
}

/// Calls tool `name` with `arguments` as a task with a one-minute ttl.
pub async fn start(
    client: &McpClient,
    name: &str,
    arguments: Value,
) -> Result<TaskHandle<Client, CallToolResult>, String> {
    let tool = find_tool(client, name).await?;
    let params = CallToolRequestParams::new(name)
        .with_arguments(serde_json::from_value(arguments).map_err(failed)?)
        .with_task(TaskMetadata::with_ttl(TTL_MS));
    client
        .call_tool_as_task(&tool, params)
        .await
        .map_err(|e| format!("{name} as a task: {e}"))
}

/// The wire name of a status.
pub fn status_name(status: TaskStatus) -> String {
    match serde_json::to_value(status) {
        Ok(Value::String(name)) => name,
        _ => format!("{status:?}"),
    }
}

/// Follows the task's status stream to its end, returning the statuses seen in order.
pub async fn stream_statuses(
    task: &TaskHandle<Client, CallToolResult>,
) -> Result<Vec<TaskStatus>, String> {
    let mut stream = task.status_stream();
    let mut seen = Vec::new();
    while let Some(status) = stream.next().await {
        seen.push(status.map_err(failed)?.status);
    }
    Ok(seen)
}

/// Checks that `result` carries the related-task `_meta` of `task_id`.
pub fn check_related(result: &CallToolResult, task_id: &str) -> Result<(), String> {
    let related = result
        .meta
        .as_ref()
        .and_then(|m| m.get(RELATED_TASK_META_KEY))
        .and_then(|r| r.get("taskId"))
        .and_then(Value::as_str);
    ensure(related == Some(task_id), || {
        format!("related-task _meta {related:?}, expected {task_id}")
    })
}

fn joined(statuses: &[TaskStatus]) -> String {
    statuses
        .iter()
        .map(|s| status_name(*s))
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// `long_running` as a task: created `working` with the ttl asked for, status streamed to
/// `completed`, `tasks/result` with the tool's text and the related-task `_meta`.
pub(super) async fn long_running(client: &McpClient) -> Outcome {
    let task = start(client, "long_running", json!({ "seconds": 1 })).await?;
    let created = task
        .created()
        .ok_or("no task in the CreateTaskResult")?
        .clone();
    ensure(created.status == TaskStatus::Working, || {
        format!("created {:?}", created.status)
    })?;
    ensure(created.ttl == Some(TTL_MS), || {
        format!("ttl {:?}", created.ttl)
    })?;
    ensure(task.model_immediate_response().is_some(), || {
        "no model-immediate-response".to_owned()
    })?;
    let statuses = stream_statuses(&task).await?;
    ensure(statuses.last() == Some(&TaskStatus::Completed), || {
        format!("statuses {}", joined(&statuses))
    })?;
    let result = task.result().await.map_err(failed)?;
    let said = text(&result)?;
    ensure(said == "worked for 1.0 s in 4 steps", || said.clone())?;
    check_related(&result, task.task_id())?;
    let got = task.get().await.map_err(failed)?;
    ensure(got.status == TaskStatus::Completed, || {
        format!("tasks/get says {:?}", got.status)
    })?;
    Ok(format!(
        "task {}: {}; pollInterval {:?} ms; result {said:?}",
        task.task_id(),
        joined(&statuses),
        created.poll_interval
    ))
}

/// `confirm_task` as a task: it asks the user (the elicitation carries the related-task
/// `_meta`), the server announces `input_required` and then `completed`, and the result is
/// what the user answered.
pub(super) async fn input_required(client: &McpClient) -> Outcome {
    let mut announced = client.notifications().task_status();
    let task = start(client, "confirm_task", json!({ "action": "deploy" })).await?;
    let id = task.task_id().to_owned();
    let result = task.wait_for_result().await.map_err(failed)?;
    let said = text(&result)?;
    ensure(said.starts_with("deploy confirmed: confirmed=true"), || {
        said.clone()
    })?;
    ensure(host::asked_for_task(&id), || {
        format!("no elicitation for task {id} reached the host")
    })?;
    next_matching(
        &mut announced,
        "notifications/tasks/status input_required",
        |t| t.task_id == id && t.status == TaskStatus::InputRequired,
    )
    .await?;
    next_matching(
        &mut announced,
        "notifications/tasks/status completed",
        |t| t.task_id == id && t.status == TaskStatus::Completed,
    )
    .await?;
    Ok(format!(
        "task {id}: working -> input_required (elicitation answered) -> completed; result {said:?}"
    ))
}

/// `failing_task` as a task: the task is `failed` with the tool's text as diagnostic, and
/// `tasks/result` returns the `isError` result.
pub(super) async fn failing(client: &McpClient) -> Outcome {
    let task = start(client, "failing_task", json!({})).await?;
    let done = task.wait().await.map_err(failed)?;
    ensure(done.status == TaskStatus::Failed, || {
        format!("ended {:?}", done.status)
    })?;
    let message = done.status_message.clone().unwrap_or_default();
    ensure(message.contains(DEFAULT_FAILURE), || {
        format!("statusMessage {message:?}")
    })?;
    let result = task.result().await.map_err(failed)?;
    ensure(result.is_error == Some(true), || {
        format!("tasks/result without isError: {result:?}")
    })?;
    check_related(&result, task.task_id())?;
    Ok(format!(
        "task {}: failed ({message:?}); tasks/result has isError: true",
        task.task_id()
    ))
}

/// A long `long_running` task cancelled: `cancelled` with the cancellation message, no
/// result, and a second `tasks/cancel` refused with -32602.
pub(super) async fn cancel(client: &McpClient) -> Outcome {
    let task = start(client, "long_running", json!({ "seconds": 60 })).await?;
    let cancelled = task.cancel().await.map_err(failed)?;
    ensure(cancelled.status == TaskStatus::Cancelled, || {
        format!("tasks/cancel answered {:?}", cancelled.status)
    })?;
    ensure(
        cancelled.status_message.as_deref() == Some(CANCELLED_MESSAGE),
        || format!("statusMessage {:?}", cancelled.status_message),
    )?;
    let got = task.get().await.map_err(failed)?;
    ensure(got.status == TaskStatus::Cancelled, || {
        format!("tasks/get says {:?}", got.status)
    })?;
    let no_result = task
        .result()
        .await
        .err()
        .and_then(|e| e.as_remote().cloned());
    ensure(
        no_result
            .as_ref()
            .is_some_and(|e| e.code == ErrorCode::INTERNAL_ERROR),
        || format!("tasks/result of a cancelled task: {no_result:?}"),
    )?;
    let again = task
        .cancel()
        .await
        .err()
        .and_then(|e| e.as_remote().cloned());
    ensure(
        again
            .as_ref()
            .is_some_and(|e| e.code == ErrorCode::INVALID_PARAMS),
        || format!("second tasks/cancel: {again:?}"),
    )?;
    Ok(format!(
        "task {}: cancelled; tasks/result -32603, cancelling again -32602",
        task.task_id()
    ))
}

/// `confirm_task` requires a task: a plain call is refused with -32601.
pub(super) async fn required(client: &McpClient) -> Outcome {
    let params = CallToolRequestParams::new("confirm_task")
        .with_arguments(serde_json::from_value(json!({ "action": "x" })).map_err(failed)?);
    let error = match client.peer().call_tool(params).await {
        Ok(result) => return Err(format!("a plain call went through: {result:?}")),
        Err(e) => e,
    };
    let code = error.as_remote().map(|r| r.code);
    ensure(code == Some(ErrorCode::METHOD_NOT_FOUND), || {
        format!("{error} (code {code:?})")
    })?;
    Ok(format!(
        "a plain call of a task-required tool: -32601 ({error})"
    ))
}

/// `tasks/list`: this client's tasks, among them the ones the checks above ended.
pub(super) async fn list(client: &McpClient) -> Outcome {
    let tasks = client
        .peer()
        .list_tasks()
        .collect_all()
        .await
        .map_err(failed)?;
    let count = |status: TaskStatus| tasks.iter().filter(|t| t.status == status).count();
    let (completed, failed_, cancelled) = (
        count(TaskStatus::Completed),
        count(TaskStatus::Failed),
        count(TaskStatus::Cancelled),
    );
    ensure(completed >= 2 && failed_ >= 1 && cancelled >= 1, || {
        format!(
            "{} tasks: {completed} completed, {failed_} failed, {cancelled} cancelled",
            tasks.len()
        )
    })?;
    Ok(format!(
        "{} tasks: {completed} completed, {failed_} failed, {cancelled} cancelled",
        tasks.len()
    ))
}
