//! The fixtures of the suite's tasks-extension scenarios (`io.modelcontextprotocol/tasks`,
//! SEP-2663; `tasks-*`, marked `[extension]`), served with a task engine in memory.
//!
//! - `greet` (no tasks): `Hello, {name}!`;
//! - `slow_compute` (tasks optional): sleeps `seconds`, stops when the task is cancelled;
//! - `failing_job` (tasks required): a tool execution error after ~1 s;
//! - `protocol_error_job` (tasks optional): a JSON-RPC error (-32603);
//! - `confirm_delete` (tasks optional): asks to confirm deleting `filename`, then done;
//! - `multi_input` (tasks optional): two elicitations at once;
//! - `test_tool_with_task` (tasks required): asks `user_name` before it becomes a task (a
//!   multi round-trip request of the call: `tasks-mrtr-composition`), answers with it.

use std::time::Duration;

use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::{RequestContext, role::Server};
use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TaskEngine};
use oxmcp_types::ErrorData;
use oxmcp_types::tools::TaskSupport;
use schemars::JsonSchema;
use serde::Deserialize;

/// Arguments of `greet`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct GreetArgs {
    /// Who to greet.
    name: String,
}

/// Arguments of `slow_compute`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ComputeArgs {
    /// How long to work (0 to 600 s).
    #[schemars(range(min = 0, max = 600))]
    seconds: f64,
    /// A label echoed in the result.
    label: Option<String>,
}

/// Arguments of `confirm_delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct DeleteArgs {
    /// The file to delete.
    filename: Option<String>,
}

/// A confirmation form.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Confirm {
    /// Whether to go ahead.
    confirm: Option<bool>,
}

/// A name form.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct UserName {
    /// The user's name.
    name: Option<String>,
}

/// The task engine of the fixture: tasks in memory, polled every 200 ms.
pub(crate) fn engine() -> TaskEngine {
    let config = TaskConfig::default().with_poll_interval(Duration::from_millis(200));
    TaskEngine::new(MemoryTaskStore::new(), config)
}

pub(crate) fn routes() -> Vec<ToolRoute> {
    vec![
        ToolRoute::new("greet", |a: GreetArgs, _cx| async move {
            format!("Hello, {}!", a.name)
        })
        .with_description("Greets `name` at once (never a task)."),
        ToolRoute::new("slow_compute", slow_compute)
            .with_description("Works for `seconds`; a task when the client declares the extension.")
            .with_task_support(TaskSupport::Optional),
        ToolRoute::new("failing_job", |_: NoArguments, _cx| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Err::<String, _>(ToolError::execution("the job failed on purpose"))
        })
        .with_description("Fails with a tool error after a second; runs only as a task.")
        .with_task_support(TaskSupport::Required),
        ToolRoute::new("protocol_error_job", |_: NoArguments, _cx| async {
            Err::<String, _>(ToolError::protocol(ErrorData::internal_error(
                "the job hit an internal error on purpose",
            )))
        })
        .with_description("Fails with a JSON-RPC error (-32603).")
        .with_task_support(TaskSupport::Optional),
        ToolRoute::new("confirm_delete", confirm_delete)
            .with_description("Asks the user to confirm deleting `filename`.")
            .with_task_support(TaskSupport::Optional),
        ToolRoute::new("multi_input", multi_input)
            .with_description("Asks the user two questions at once.")
            .with_task_support(TaskSupport::Optional),
        ToolRoute::new("test_tool_with_task", user_name)
            .with_description(
                "Asks the user's name, then greets them as a task (runs only as a task).",
            )
            .with_task_support(TaskSupport::Required)
            .with_input_before_task(),
    ]
}

async fn slow_compute(a: ComputeArgs, cx: RequestContext<Server>) -> Result<String, ToolError> {
    if !(0.0..=600.0).contains(&a.seconds) {
        return Err(ToolError::execution("`seconds` must be between 0 and 600"));
    }
    tokio::select! {
        () = tokio::time::sleep(Duration::from_secs_f64(a.seconds)) => {}
        () = cx.cancellation_token().cancelled() => {
            return Err(ToolError::execution("cancelled"));
        }
    }
    let label = a.label.unwrap_or_default();
    Ok(format!("computed {label} in {} s", a.seconds))
}

async fn confirm_delete(a: DeleteArgs, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let file = a.filename.unwrap_or_else(|| "the file".to_owned());
    Ok(
        match cx.elicit::<Confirm>(format!("Delete {file}?")).await? {
            ElicitOutcome::Accepted(c) if c.confirm != Some(false) => format!("deleted {file}"),
            _ => format!("kept {file}"),
        },
    )
}

async fn multi_input(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let first = cx.elicit::<UserName>("First name?");
    let second = cx.elicit::<UserName>("Last name?");
    let (first, second) = tokio::join!(first, second);
    let name = |o: ElicitOutcome<UserName>| match o {
        ElicitOutcome::Accepted(n) => n.name.unwrap_or_default(),
        _ => String::new(),
    };
    Ok(format!("{} {}", name(first?), name(second?)))
}

/// Asks the name synchronously (the call's `input_required` round), then continues as a
/// task that greets.
async fn user_name(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let keyed = cx.with_input_key("user_name");
    let name = match keyed.elicit::<UserName>("What is your name?").await? {
        ElicitOutcome::Accepted(n) => n.name,
        _ => None,
    };
    cx.continue_as_task()?;
    Ok(match name {
        Some(name) => format!("Hello, {name}!"),
        None => "Hello!".to_owned(),
    })
}
