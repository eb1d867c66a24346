//! The task tools of the everything server (MCP 2025-11-25 tasks, SEP-1686).
//!
//! - `long_running` (`taskSupport: optional`): works for `seconds`, reporting progress at
//!   every step, stops when cancelled (`tasks/cancel`, or `notifications/cancelled` for a
//!   plain call), and returns a text result. Resumable: when the server stops while one
//!   runs and restarts on the same durable store (`--db`), it runs again from its stored
//!   arguments.
//! - `confirm_task` (`taskSupport: required`): asks the user to confirm by form
//!   elicitation while it runs, so the task passes through `input_required`, and returns
//!   what the user answered.
//! - `failing_task` (`taskSupport: optional`): fails with a tool error (`isError: true`);
//!   as a task it ends `failed`, and `tasks/result` returns the `isError` result.

use std::time::Duration;

use oxmcp::ElicitOutcome;
use oxmcp::RequestContext;
use oxmcp::role::Server;
use oxmcp::types::tools::TaskSupport;
use oxmcp::{ToolError, ToolRoute};
use schemars::JsonSchema;
use serde::Deserialize;

/// The longest `long_running` may work.
pub const MAX_SECONDS: f64 = 3600.0;

/// How often `long_running` reports progress.
pub const STEP: Duration = Duration::from_millis(250);

/// The text `failing_task` fails with when no `reason` is given.
pub const DEFAULT_FAILURE: &str = "the task failed on purpose";

/// Arguments of `long_running`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LongRunningArgs {
    /// How long to work, in seconds (0 to 3600).
    #[schemars(range(min = 0, max = 3600))]
    pub seconds: f64,
}

/// Arguments of `confirm_task`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ConfirmArgs {
    /// What to ask the user to confirm.
    pub action: String,
}

/// The form `confirm_task` shows the user.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Confirmation {
    /// Whether to go ahead.
    pub confirmed: bool,
    /// Anything to add.
    pub comment: Option<String>,
}

/// Arguments of `failing_task`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FailingArgs {
    /// The error text (default: "the task failed on purpose").
    pub reason: Option<String>,
}

/// The task tools.
pub fn routes() -> Vec<ToolRoute> {
    vec![
        ToolRoute::new("long_running", long_running)
            .with_description(
                "Works for `seconds`, reporting progress every 250 ms; cancellable; may run as a task, and resumes after a restart on a durable store.",
            )
            .with_task_support(TaskSupport::Optional)
            .resumable()
            .with_immediate_response("The work has started; its result will follow."),
        ToolRoute::new("confirm_task", confirm_task)
            .with_description(
                "Asks the user to confirm `action` (form elicitation) while it runs as a task (input_required); returns the answer.",
            )
            .with_task_support(TaskSupport::Required),
        ToolRoute::new("failing_task", failing_task)
            .with_description("Fails with a tool error (isError); as a task it ends `failed`.")
            .with_task_support(TaskSupport::Optional),
    ]
}

/// `long_running`: one progress notification per step, until `seconds` passed or the call
/// (or task) is cancelled.
async fn long_running(
    args: LongRunningArgs,
    cx: RequestContext<Server>,
) -> Result<String, ToolError> {
    if !(0.0..=MAX_SECONDS).contains(&args.seconds) {
        return Err(ToolError::execution(format_args!(
            "`seconds` must be between 0 and {MAX_SECONDS}, got {}",
            args.seconds
        )));
    }
    let total = Duration::from_secs_f64(args.seconds);
    let steps = total.as_millis().div_ceil(STEP.as_millis()).max(1);
    let steps = u32::try_from(steps).unwrap_or(u32::MAX);
    let cancelled = cx.cancellation_token();
    let started = tokio::time::Instant::now();
    for step in 1..=steps {
        let until = started + total.mul_f64(f64::from(step) / f64::from(steps));
        tokio::select! {
            () = tokio::time::sleep_until(until) => {}
            () = cancelled.cancelled() => {
                return Err(ToolError::execution(format_args!("cancelled after step {} of {steps}", step - 1)));
            }
        }
        let message = format!("step {step} of {steps}");
        // A resumed task has no client to report to: progress is best effort.
        if let Err(e) = cx
            .progress(f64::from(step), Some(f64::from(steps)), Some(message))
            .await
        {
            tracing::debug!(error = %e, "progress not sent");
        }
    }
    Ok(format!("worked for {:.1} s in {steps} steps", args.seconds))
}

/// `confirm_task`: one form elicitation, answered by the user.
async fn confirm_task(args: ConfirmArgs, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let question = format!("Confirm: {}?", args.action);
    let outcome = cx
        .elicit::<Confirmation>(question)
        .await
        .map_err(|e| ToolError::execution(format_args!("elicitation failed: {e}")))?;
    Ok(match outcome {
        ElicitOutcome::Accepted(answer) => format!(
            "{} {}: confirmed={}, comment={}",
            args.action,
            if answer.confirmed {
                "confirmed"
            } else {
                "not confirmed"
            },
            answer.confirmed,
            answer.comment.as_deref().unwrap_or("-")
        ),
        ElicitOutcome::Declined => format!("{}: declined", args.action),
        ElicitOutcome::Cancelled => format!("{}: cancelled", args.action),
    })
}

/// `failing_task`: a tool error, always.
async fn failing_task(args: FailingArgs, _cx: RequestContext<Server>) -> Result<String, ToolError> {
    Err(ToolError::execution(
        args.reason.as_deref().unwrap_or(DEFAULT_FAILURE),
    ))
}
