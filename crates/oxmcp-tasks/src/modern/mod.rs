//! The tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`, SEP-2663) on the
//! server, on the same [`TaskEngine`](crate::TaskEngine) and store as the 2025-11-25 task
//! protocol, with the same durability (recovery after a restart, leases).
//!
//! - A modern `tools/call` whose client declared the extension in its request's
//!   capabilities runs as a task when its tool allows tasks (`execution.taskSupport`
//!   `optional` or `required`): the server decides, and the answer is the task's handle
//!   (`resultType: "task"`). A `required` tool called without the extension is -32021.
//!   A tool marked `ToolRoute::with_input_before_task` asks its first questions by multi
//!   round-trip requests of the call and becomes a task at `RequestContext::continue_as_task`
//!   (the engine's part is in `oxmcp-core`; the task's work is the handler run again, with
//!   the answers of the rounds replayed).
//! - `tasks/get` returns the task, with the result or error once it is done;
//!   `tasks/update` answers the task's `inputRequests` (what its work asked the client:
//!   the server sends no requests of its own in this era); `tasks/cancel`. Without the
//!   extension declared on the request they are -32021. There is no `tasks/list` nor
//!   `tasks/result` (-32601).
//! - Owners are those of the 2025-11-25 protocol: the request's principal when it has
//!   one. A modern request without one has no session that could own the task (over HTTP
//!   each request is a session of its own), so its tasks have one owner, `bearer:`: the
//!   task id (128 random bits) is then the credential, as the extension allows.
//!
//! Limits: the `inputRequests` of a task live in the process that runs its work; another
//! process sharing the store shows such a task `input_required` with no requests, and
//! `tasks/update` there delivers nothing. Status notifications (`notifications/tasks` on
//! `subscriptions/listen`) are not offered: the acknowledgement lists no `taskIds`.

mod hook;
pub(crate) mod inbox;
mod requests;
mod runner;
mod wire;

pub(crate) use hook::ModernHook;
pub(crate) use requests::handles;
pub(crate) use runner::ModernRunner;

use oxmcp_core::context::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_types::ErrorData;
use oxmcp_types::ext_tasks::EXTENSION_ID;

/// Whether the request of `cx` declared the extension in its client capabilities.
pub(crate) fn declared(cx: &RequestContext<Server>) -> bool {
    cx.session()
        .peer_capabilities
        .extensions
        .as_ref()
        .is_some_and(|e| e.contains_key(EXTENSION_ID))
}

/// -32021 naming the extension, for a request that needs it.
pub(crate) fn extension_required(method: &str) -> ErrorData {
    let mut required = oxmcp_types::ClientCapabilities::default();
    let mut extensions = oxmcp_types::JsonObject::new();
    extensions.insert(EXTENSION_ID.to_owned(), serde_json::json!({}));
    required.extensions = Some(extensions);
    let mut error = ErrorData::missing_required_client_capability(required);
    error.message = format!("`{method}` needs the client capability `{EXTENSION_ID}`");
    error
}
