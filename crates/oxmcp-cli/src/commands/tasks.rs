//! Tasks (MCP 2025-11-25): `call --task` shows the task's live status and fetches its
//! result; `tasks list|get|result|cancel` work on tasks by id.
//!
//! A server keeps tasks per owner: over stdio the server lives as long as one command, and
//! over HTTP an anonymous session owns its own tasks, so `tasks` commands see the tasks of
//! earlier commands only on servers that tie tasks to an authenticated principal.

use std::sync::{Arc, Mutex, PoisonError};

use oxmcp::tasks::{McpClientTasksExt as _, TaskCallError, TaskRequests as _};
use oxmcp_core::client::McpClient;
use oxmcp_types::tasks::Task;
use oxmcp_types::{CallToolRequestParams, CallToolResult, Tool};
use serde_json::{Value, json};

use super::{Ctx, Done};
use crate::cli::TasksCommand;
use crate::connect::split_words;
use crate::error::{Exit, Failure};
use crate::output;

/// Calls `tool` as a task, printing its status changes on stderr, and returns its result.
pub(super) async fn call_as_task(
    client: &McpClient,
    cx: &Ctx,
    tool: &Value,
    params: CallToolRequestParams,
) -> Result<CallToolResult, Failure> {
    let tool: Tool = serde_json::from_value(tool.clone()).map_err(|e| {
        Failure::new(
            Exit::Protocol,
            format!("the tool's definition is invalid: {e}"),
        )
    })?;
    let handle = client
        .call_tool_as_task(&tool, params)
        .await
        .map_err(|e| match e {
            TaskCallError::Request(r) => {
                Failure::request(&format!("calling `{}` as a task", tool.name), &r)
            }
            other => Failure::usage(other.to_string()),
        })?;
    let id = handle.task_id().to_owned();
    // The last status line printed, shared with the watcher.
    let shown = Arc::new(Mutex::new(None));
    if let Some(task) = handle.created() {
        show(&shown, task);
    }
    let mut stream = handle.status_stream();
    let watching = shown.clone();
    let watcher = tokio::spawn(async move {
        while let Some(Ok(task)) = stream.next().await {
            show(&watching, &task);
        }
    });
    let outcome = tokio::select! {
        result = handle.wait_for_result() => result.map_err(|e| Failure::request(&format!("task {id}"), &e)),
        () = cx.cancel.cancelled() => {
            watcher.abort();
            let cancelled = handle.cancel().await;
            eprintln!("task {id}: cancel requested ({})", if cancelled.is_ok() { "done" } else { "refused" });
            return Err(Failure::new(Exit::Interrupted, "interrupted"));
        }
    };
    watcher.abort();
    // The result can come before the watcher saw the final status: it is shown here then
    // (asked briefly: the result is what matters).
    if let Ok(Ok(task)) = tokio::time::timeout(FINAL_STATUS_WAIT, handle.get()).await {
        show(&shown, &task);
    }
    outcome
}

/// How long `call --task` waits for the task's final status once it has the result.
const FINAL_STATUS_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Prints `task`'s status line unless it is the one printed last.
fn show(shown: &Mutex<Option<String>>, task: &Task) {
    let line = status_line(task);
    let mut last = shown.lock().unwrap_or_else(PoisonError::into_inner);
    if last.as_ref() != Some(&line) {
        eprintln!("{line}");
        *last = Some(line);
    }
}

/// `task ID: status (message)`.
fn status_line(task: &Task) -> String {
    let status = serde_json::to_value(task.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match &task.status_message {
        Some(m) => format!("task {}: {status} ({m})", task.task_id),
        None => format!("task {}: {status}", task.task_id),
    }
}

/// The target and the task id of `tasks get|result|cancel`.
fn target_and_id<'a>(
    words: &'a [String],
    command: &'a [String],
) -> Result<(Option<&'a str>, &'a str), Failure> {
    let (target, rest) = split_words(words, command)?;
    match rest {
        [id] => Ok((target, id)),
        _ => Err(Failure::usage("give one task id")),
    }
}

/// Runs `tasks ...`.
pub(super) async fn run(cx: &Ctx, action: &TasksCommand) -> Result<Done, Failure> {
    let (words, command) = action.words();
    if let TasksCommand::List(_) = action {
        let (target, rest) = split_words(words, command)?;
        if !rest.is_empty() {
            return Err(Failure::usage("tasks list takes only a target"));
        }
        return super::with_session(cx, target, command, |c| list(c, cx)).await;
    }
    let (target, id) = target_and_id(words, command)?;
    let id = id.to_owned();
    super::with_session(cx, target, command, |client| async move {
        let peer = client.peer();
        let what = format!("task {id}");
        let json = match action {
            TasksCommand::Get(_) => peer.get_task(id.clone()).await.map(task_json),
            TasksCommand::Cancel(_) => peer.cancel_task(id.clone()).await.map(task_json),
            _ => peer.get_task_result::<Value>(id.clone()).await,
        }
        .map_err(|e| Failure::request(&what, &e))?;
        let human = match json.get("taskId") {
            Some(_) => serde_json::from_value::<Task>(json.clone())
                .map(|t| status_line(&t) + "\n")
                .unwrap_or_default(),
            None => output::pretty(&json) + "\n",
        };
        Ok(Done::ok(json, human))
    })
    .await
}

fn task_json(task: Task) -> Value {
    serde_json::to_value(task).unwrap_or(Value::Null)
}

async fn list(client: McpClient, cx: &Ctx) -> Result<Done, Failure> {
    let tasks = client
        .peer()
        .list_tasks()
        .collect_all()
        .await
        .map_err(|e| super::pagination_failure("tasks", &e))?;
    let rows: Vec<(String, String)> = tasks
        .iter()
        .map(|t| {
            let line = status_line(t);
            (
                t.task_id.clone(),
                line.split_once(": ")
                    .map_or(line.clone(), |(_, s)| s.to_owned()),
            )
        })
        .collect();
    let human = if rows.is_empty() {
        "(no tasks)\n".to_owned()
    } else {
        output::table(cx.style, &rows)
    };
    Ok(Done::ok(json!({ "tasks": tasks }), human))
}
