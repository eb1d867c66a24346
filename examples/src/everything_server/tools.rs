//! The tools of the everything server.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use oxmcp::role::Server;
use oxmcp::types::elicitation::{ElicitAction, ElicitRequestUrlParams};
use oxmcp::types::{LoggingLevel, ToolAnnotations};
use oxmcp::{Json, NoArguments, ToolError, ToolRoute};
use oxmcp::{Peer, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{State, lock, sampling};

/// Arguments of `echo`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EchoArgs {
    /// The text to send back.
    pub text: String,
}

/// Arguments of `add`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddArgs {
    /// The first number.
    pub a: f64,
    /// The second number.
    pub b: f64,
}

/// The result of `add`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Sum {
    /// `a + b`.
    pub sum: f64,
}

/// Arguments of `progress`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProgressArgs {
    /// How many steps to report (at most 100).
    pub steps: u32,
}

/// Arguments of `log`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LogArgs {
    /// The level of the message sent with `ctx.log`: `debug`, `info`, `notice`, `warning`,
    /// `error`, `critical`, `alert` or `emergency`.
    pub level: String,
    /// The message.
    pub message: String,
}

/// Arguments of `slow`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SlowArgs {
    /// How long to wait, unless cancelled.
    pub seconds: f64,
}

/// The result of `cancelled_count`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CancelledCount {
    /// How many `slow` calls were cancelled by the client.
    pub cancelled: u64,
}

/// Arguments of `update_note`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateNoteArgs {
    /// The note (`note://{id}`).
    pub id: String,
    /// Its new text.
    pub text: String,
}

/// How the user describes themselves in `elicit_profile`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Profile {
    /// Your name.
    pub name: String,
    /// Your age.
    #[schemars(range(min = 0, max = 150))]
    pub age: Option<u32>,
    /// Your favourite colour.
    pub color: Color,
    /// Whether to receive the newsletter.
    pub newsletter: bool,
}

/// A colour.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// Red.
    Red,
    /// Green.
    Green,
    /// Blue.
    Blue,
}

fn read_only() -> ToolAnnotations {
    ToolAnnotations::default().read_only(true)
}

/// Every tool of the server.
pub fn routes(state: &Arc<State>) -> Vec<ToolRoute> {
    vec![
        ToolRoute::new("echo", |args: EchoArgs, _cx| async move { args.text })
            .with_description("Returns its `text` argument.")
            .with_annotations(read_only()),
        ToolRoute::new("add", |args: AddArgs, _cx| async move {
            Json(Sum {
                sum: args.a + args.b,
            })
        })
        .with_title("Add")
        .with_description("Adds `a` and `b`; structured output `{sum}`.")
        .with_annotations(read_only()),
        ToolRoute::new("progress", progress)
            .with_description("Reports progress `steps` times (ask with a progress token)."),
        ToolRoute::new("log", log).with_description(
            "Logs `message` with `tracing` (at info) and with `ctx.log` (at `level`).",
        ),
        slow(state),
        cancelled_count(state),
        ToolRoute::new("ask_model", sampling::ask_model).with_description(
            "Asks the client's model a question (sampling); offers it a `get_weather` tool when the client can sample with tools.",
        ),
        ToolRoute::new("elicit_profile", elicit_profile)
            .with_description("Asks the user for a profile (form-mode elicitation)."),
        elicit_url(state),
        connect_account(state),
        ToolRoute::new("list_roots", list_roots)
            .with_description("Lists the client's roots.")
            .with_annotations(read_only()),
        update_note(state),
        toggle_extras(state),
    ]
}

async fn progress(args: ProgressArgs, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let steps = args.steps.min(100);
    for step in 1..=steps {
        let message = format!("step {step} of {steps}");
        cx.progress(f64::from(step), Some(f64::from(steps)), Some(message))
            .await
            .map_err(|e| ToolError::execution(format_args!("progress failed: {e}")))?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(format!("done in {steps} steps"))
}

async fn log(args: LogArgs, cx: RequestContext<Server>) -> Result<String, ToolError> {
    // Through the tracing bridge (McpLoggingLayer), to the client of this request.
    let level: LoggingLevel = serde_json::from_value(json!(args.level))
        .map_err(|_| ToolError::execution(format_args!("unknown level `{}`", args.level)))?;
    tracing::info!(target: "everything", message = %args.message, "log tool called");
    let sent = cx
        .log(
            level,
            Some("everything"),
            json!({ "message": args.message }),
        )
        .await
        .map_err(|e| ToolError::execution(format_args!("logging failed: {e}")))?;
    Ok(format!("logged (ctx.log sent: {sent})"))
}

/// Counts the call as cancelled when it is dropped before it finished.
struct CancelGuard {
    state: Arc<State>,
    finished: bool,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.state.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn slow(state: &Arc<State>) -> ToolRoute {
    let state = state.clone();
    ToolRoute::new("slow", move |args: SlowArgs, cx: RequestContext<Server>| {
        let state = state.clone();
        async move {
            // Dropped unfinished when the client cancels (the engine drops the call).
            let mut guard = CancelGuard {
                state,
                finished: false,
            };
            let wait = Duration::from_secs_f64(args.seconds.clamp(0.0, 60.0));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = cx.cancellation_token().cancelled() => return "cancelled".to_owned(),
            }
            guard.finished = true;
            format!("waited {:.1} s", args.seconds)
        }
    })
    .with_description("Waits `seconds` unless the client cancels the call.")
}

fn cancelled_count(state: &Arc<State>) -> ToolRoute {
    let state = state.clone();
    ToolRoute::new("cancelled_count", move |_: NoArguments, _cx| {
        let cancelled = state.cancelled.load(Ordering::SeqCst);
        async move { Json(CancelledCount { cancelled }) }
    })
    .with_description("How many `slow` calls the client cancelled.")
    .with_annotations(read_only())
}

async fn elicit_profile(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    use oxmcp::ElicitOutcome;
    let outcome = cx
        .elicit::<Profile>("Tell us about yourself.")
        .await
        .map_err(|e| ToolError::execution(format_args!("elicitation failed: {e}")))?;
    Ok(match outcome {
        ElicitOutcome::Accepted(p) => format!(
            "accepted: name={}, age={}, color={:?}, newsletter={}",
            p.name,
            p.age.map_or_else(|| "-".to_owned(), |a| a.to_string()),
            p.color,
            p.newsletter
        ),
        ElicitOutcome::Declined => "declined".to_owned(),
        ElicitOutcome::Cancelled => "cancelled".to_owned(),
    })
}

/// Sends `notifications/elicitation/complete` for `id` to this client after `delay`, as the
/// web page behind the URL would once the user finished there.
fn complete_later(
    peer: &Peer<Server>,
    id: String,
    delay: Duration,
    then: impl FnOnce() + Send + 'static,
) {
    let peer = peer.unrelated();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        then();
        if let Err(e) = peer.notify_elicitation_complete(id).await {
            tracing::debug!(error = %e, "could not send elicitation/complete");
        }
    });
}

fn elicit_url(state: &Arc<State>) -> ToolRoute {
    let state = state.clone();
    ToolRoute::new(
        "elicit_url",
        move |_: NoArguments, cx: RequestContext<Server>| {
            let id = state.next_elicitation_id("authorize");
            async move {
                let url = format!("https://example.com/authorize/{id}");
                let action = cx
                    .elicit_url("Authorize the example app.", url, id.clone())
                    .await
                    .map_err(|e| ToolError::execution(format_args!("elicitation failed: {e}")))?;
                if action == ElicitAction::Accept {
                    complete_later(cx.peer(), id.clone(), Duration::from_millis(50), || {});
                }
                Ok::<_, ToolError>(format!("{action:?} (elicitation {id})").to_lowercase())
            }
        },
    )
    .with_description(
        "Asks the user to open a URL (URL-mode elicitation), then reports it complete.",
    )
}

fn connect_account(state: &Arc<State>) -> ToolRoute {
    let state = state.clone();
    ToolRoute::new(
        "connect_account",
        move |_: NoArguments, cx: RequestContext<Server>| {
            let state = state.clone();
            async move {
                let session = cx.peer().session_id();
                if lock(&state.authorized).contains(&session) {
                    return Ok("account connected".to_owned());
                }
                let id = state.next_elicitation_id("connect");
                let url = format!("https://example.com/connect/{id}");
                let params = ElicitRequestUrlParams::new("Connect your account.", id.clone(), url);
                let error = cx
                    .peer()
                    .url_elicitation_required("This tool needs a connected account.", vec![params])
                    .map_err(|e| ToolError::execution(format_args!("{e}")))?;
                // Pretend the user completes the flow in a browser shortly after.
                let authorized = state.clone();
                complete_later(cx.peer(), id, Duration::from_millis(300), move || {
                    lock(&authorized.authorized).insert(session);
                });
                Err(ToolError::protocol(error))
            }
        },
    )
    .with_description(
        "Fails with -32042 (URL elicitation required) until the user connected an account.",
    )
}

async fn list_roots(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let roots = cx
        .list_roots()
        .await
        .map_err(|e| ToolError::execution(format_args!("roots/list failed: {e}")))?;
    let listed: Vec<String> = roots
        .iter()
        .map(|r| match &r.name {
            Some(name) => format!("{} ({name})", r.uri),
            None => r.uri.clone(),
        })
        .collect();
    Ok(format!("{} root(s): {}", roots.len(), listed.join(", ")))
}

fn update_note(state: &Arc<State>) -> ToolRoute {
    let state = state.clone();
    ToolRoute::new("update_note", move |args: UpdateNoteArgs, _cx| {
        state.set_note(&args.id, &args.text);
        let uri = format!("note://{}", args.id);
        let told = state
            .server()
            .map_or(0, |s| s.notify_resource_updated(&uri));
        async move { format!("updated {uri}; {told} subscriber(s) told") }
    })
    .with_description("Changes a note; subscribers of `note://{id}` are notified.")
}

fn toggle_extras(state: &Arc<State>) -> ToolRoute {
    let state = state.clone();
    ToolRoute::new("toggle_extras", move |_: NoArguments, _cx| {
        let state = state.clone();
        async move {
            let server = state
                .server()
                .ok_or_else(|| ToolError::execution("the server is not built yet"))?;
            if state.extras.fetch_xor(true, Ordering::SeqCst) {
                server.remove_tool("extra");
                server.remove_resource(super::catalog::EXTRA_URI);
                server.remove_prompt("extra");
                return Ok("extras removed".to_owned());
            }
            let extra = ToolRoute::new("extra", |_: NoArguments, _cx| async { "extra!" })
                .with_description("Exists while the extras are on.");
            let added = server
                .add_tool(extra)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    server
                        .add_resource(super::catalog::extra_resource())
                        .map_err(|e| e.to_string())
                })
                .and_then(|()| {
                    server
                        .add_prompt(super::catalog::extra_prompt())
                        .map_err(|e| e.to_string())
                });
            added.map_err(ToolError::execution)?;
            Ok::<_, ToolError>("extras added".to_owned())
        }
    })
    .with_description(
        "Adds (or removes) the tool, resource and prompt `extra`: list_changed notifications.",
    )
}
