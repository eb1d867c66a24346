//! The server with every feature, built with [`McpServer`]: the `everything-server` binary
//! serves it, and the end-to-end and interop tests run against it.
//!
//! - tools ([`tools`]): `echo`, `add` (structured output), `progress`, `log` (the `tracing`
//!   bridge and `ctx.log`), `slow` and `cancelled_count` (cancellation), `ask_model`
//!   (sampling with tools), `elicit_profile` (form elicitation into a Rust struct),
//!   `elicit_url` (URL elicitation and `notifications/elicitation/complete`),
//!   `connect_account` (the -32042 URL-elicitation-required error), `list_roots`,
//!   `update_note` (resource update notifications to subscribers), `toggle_extras`
//!   (`list_changed` of tools, resources and prompts);
//! - task tools ([`tasks`]): `long_running` (progress, cancellation, resumable after a
//!   restart), `confirm_task` (form elicitation while the task is `input_required`),
//!   `failing_task` (a tool error: the task ends `failed`). Tasks are on: in memory by
//!   default ([`build`]), or in any store ([`build_with_tasks`]; the binary's `--db PATH`
//!   uses SQLite and recovers the tasks of a previous process at startup, and over stdio
//!   gives all tasks one fixed owner, so that a restarted server serves them again);
//! - resources ([`catalog`]): `info://about` (text), `info://pixels` (blob), the template
//!   `note://{id}` with completion of `id`, subscriptions;
//! - prompts ([`catalog`]): `greet` (typed arguments, one required) and `code_review`
//!   (completion that uses `context.arguments`);
//! - logging: `logging/setLevel` (answered by the engine) and `notifications/message`;
//! - roots: `notifications/roots/list_changed` makes the server ask the roots again and log
//!   what it got.

pub mod catalog;
pub mod sampling;
pub mod tasks;
pub mod tools;

use oxmcp::tasks::TasksServerBuilderExt as _;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use oxmcp::McpServer;
use oxmcp::Peer;
use oxmcp::RegistrationError;
use oxmcp::core::server::mrtr::RoundTripConfig;
use oxmcp::role::Server;
use oxmcp::tasks::{MemoryTaskStore, TaskConfig, TaskEngine};
use oxmcp::types::methods::{NotificationMethod, RootsListChangedNotification};
use oxmcp::types::{Implementation, LoggingLevel};
use serde_json::json;

/// The name the server reports in `serverInfo`.
pub const SERVER_NAME: &str = "oxmcp-everything-server";

/// The instructions sent in `initialize`.
pub const INSTRUCTIONS: &str =
    "Every MCP feature in one server: call `echo` or `add` first, read `info://about`.";

/// What the tools, resources and prompts share.
#[derive(Debug, Default)]
pub struct State {
    notes: Mutex<BTreeMap<String, String>>,
    cancelled: AtomicU64,
    extras: AtomicBool,
    authorized: Mutex<BTreeSet<u64>>,
    elicitations: AtomicU64,
    /// The server itself, set once it is built, for the tools that change it or notify
    /// through it (it lives as long as the process).
    server: OnceLock<McpServer>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// A state with the two notes the examples read: `note://1` and `note://2`.
    pub fn new() -> Self {
        let state = Self::default();
        {
            let mut notes = lock(&state.notes);
            notes.insert("1".to_owned(), "Buy milk".to_owned());
            notes.insert("2".to_owned(), "Call Ada".to_owned());
        }
        state
    }

    /// The text of note `id`.
    pub fn note(&self, id: &str) -> Option<String> {
        lock(&self.notes).get(id).cloned()
    }

    /// The ids of the notes.
    pub fn note_ids(&self) -> Vec<String> {
        lock(&self.notes).keys().cloned().collect()
    }

    fn set_note(&self, id: &str, text: &str) {
        lock(&self.notes).insert(id.to_owned(), text.to_owned());
    }

    fn server(&self) -> Option<&McpServer> {
        self.server.get()
    }

    fn next_elicitation_id(&self, prefix: &str) -> String {
        let n = self.elicitations.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}-{n}")
    }
}

/// The task settings of the everything server: the defaults, with a `pollInterval` of
/// 250 ms (its tasks are short) and expired tasks purged every 2 s (so that expiry is quick
/// to observe).
pub fn task_config() -> TaskConfig {
    TaskConfig::default()
        .with_poll_interval(Duration::from_millis(250))
        .with_purge_interval(Duration::from_secs(2))
}

/// Builds the server: every tool, resource, prompt and completer registered, tasks kept in
/// memory.
pub fn build() -> Result<(McpServer, Arc<State>), RegistrationError> {
    build_with_tasks(TaskEngine::new(MemoryTaskStore::new(), task_config()))
}

/// [`build`] with the task engine `engine` (over a durable store, for example). Call
/// [`recover_tasks`](oxmcp::tasks::TasksServerExt::recover_tasks) before serving when its store may hold tasks of an earlier
/// process.
pub fn build_with_tasks(engine: TaskEngine) -> Result<(McpServer, Arc<State>), RegistrationError> {
    build_with(engine, RoundTripConfig::default())
}

/// [`build_with_tasks`], with multi round-trip requests (2026-07-28) run as `round_trips`
/// says (the `requestState` keys shared by the instances of one deployment, for example).
pub fn build_with(
    engine: TaskEngine,
    round_trips: RoundTripConfig,
) -> Result<(McpServer, Arc<State>), RegistrationError> {
    let state = Arc::new(State::new());
    let server = McpServer::builder(
        Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
            .with_title("oxmcp everything server"),
    )
    .instructions(INSTRUCTIONS)
    .tools(tools::routes(&state))
    .tools(tasks::routes())
    .tasks(engine)
    .resource(catalog::about())
    .resource(catalog::pixels())
    .resource_template(catalog::notes(&state))
    .prompt(catalog::greet())
    .prompt(catalog::code_review())
    .round_trips(round_trips)
    .on_notification(|n, cx| async move {
        if n.method == RootsListChangedNotification::METHOD {
            // Asking the client is a request: do it outside the in-order notification path.
            tokio::spawn(report_roots(cx.peer().clone()));
        }
    })
    .build()?;
    // Set once, right after building: this cannot already be set.
    let _ = state.server.set(server.clone());
    Ok((server, state))
}

/// Asks the client for its roots and tells it, in a log message, what came back.
async fn report_roots(peer: Peer<Server>) {
    let data = match peer.list_roots().await {
        Ok(roots) => {
            let uris: Vec<&str> = roots.iter().map(|r| r.uri.as_str()).collect();
            json!({ "message": "roots changed", "roots": uris })
        }
        Err(e) => {
            json!({ "message": "roots changed, but listing them failed", "error": e.to_string() })
        }
    };
    if let Err(e) = peer.log(LoggingLevel::Info, Some("roots"), data).await {
        tracing::debug!(error = %e, "could not log the new roots");
    }
}
