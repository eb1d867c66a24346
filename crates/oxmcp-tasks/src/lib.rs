//! Tasks (SEP-1686, MCP 2025-11-25) for oxmcp: durable, pollable requests, for both roles,
//! as an extension of the peer engine (`oxmcp-core`) built on its public extension points.
//!
//! A receiver (the server for `tools/call`, the client for `sampling/createMessage` and
//! `elicitation/create`) answers a task-augmented request with a `CreateTaskResult` at once
//! and runs the work in the background; the requestor polls `tasks/get`, waits on
//! `tasks/result`, lists with `tasks/list` and cancels with `tasks/cancel`.
//!
//! # Receiving tasks
//!
//! [`TaskEngine`] does this for either role, within the limits of a [`TaskConfig`]. It is
//! installed as middleware: on a server with [`TasksServerBuilderExt::tasks`] (task-augmented
//! `tools/call`, for tools that allow it), on a client's handler with
//! [`TasksClientExt::with_tasks`] (task-augmented sampling and elicitation). The work of a
//! task sees its id through [`TaskContextExt::task_id`]. [`TaskEngine::recover`] (or
//! [`TasksServerExt::recover_tasks`]) is the startup step for a store that outlived its
//! process. State lives in a [`TaskStore`]: [`MemoryTaskStore`] here, the durable SQLite
//! store in `oxmcp-store-sqlite`; with the `store-contract` feature, [`store_contract`]
//! holds the tests every store must pass. The engine keeps no process-global state: what a
//! session needs lives in its session extensions.
//!
//! # Requesting tasks
//!
//! A task-augmented request is answered at once with a `CreateTaskResult`; the work goes
//! on at the receiver. A [`TaskHandle`] then follows it: `tasks/get` polls paced by the
//! receiver's `pollInterval` ([`PollPolicy`]), merged with `notifications/tasks/status`
//! ([`TaskStatusFeed`]) into one de-duplicated, ordered [`TaskStatusStream`]; `tasks/result`
//! gives exactly what the request returned (its JSON-RPC error included); `tasks/cancel`
//! cancels it. `tasks/list` pages through the requestor's tasks
//! ([`TaskRequests::list_tasks`]). A client calls tools as tasks with
//! [`McpClientTasksExt::call_tool_as_task`] (or [`ClientTaskRequests`] on its peer); a
//! server sends task-augmented sampling and elicitation with [`ServerTaskRequests`].
//!
//! ```no_run
//! use oxmcp_core::client::McpClient;
//! use oxmcp_tasks::McpClientTasksExt;
//! use oxmcp_types::CallToolRequestParams;
//!
//! # async fn f(client: McpClient) -> Result<(), Box<dyn std::error::Error>> {
//! let tools = client.peer().list_tools().collect_all().await?;
//! let report = tools.iter().find(|t| t.name == "long_report").ok_or("no such tool")?;
//! let task = client
//!     .call_tool_as_task(report, CallToolRequestParams::new("long_report"))
//!     .await?;
//! let mut changes = task.status_stream();
//! while let Some(status) = changes.next().await {
//!     println!("{:?}", status?.status);
//! }
//! let result = task.result().await?;
//! # Ok(()) }
//! ```

mod client;
mod context;
pub(crate) mod modern;
mod receiver;
mod requestor;
mod server;
#[cfg(feature = "store-contract")]
pub mod store_contract;

pub use client::TasksClientExt;
pub use context::TaskContextExt;
pub use receiver::*;
pub use requestor::*;
pub use server::{TasksServerBuilderExt, TasksServerExt};

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `m`, whether or not a thread panicked while holding it (the data is still valid:
/// every critical section of this crate leaves it consistent).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
