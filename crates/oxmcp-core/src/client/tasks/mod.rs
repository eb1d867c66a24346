//! The requestor side of tasks (SEP-1686), for both roles: a client calling a tool as a
//! task, a server sending a task-augmented sampling or elicitation request
//! ([`server::task_requests`](crate::server::task_requests)).
//!
//! A task-augmented request is answered at once with a `CreateTaskResult`; the work goes
//! on at the receiver. A [`TaskHandle`] then follows it: `tasks/get` polls paced by the
//! receiver's `pollInterval` ([`PollPolicy`]), merged with `notifications/tasks/status`
//! ([`TaskStatusFeed`]) into one de-duplicated, ordered [`TaskStatusStream`]; `tasks/result`
//! gives exactly what the request returned (its JSON-RPC error included); `tasks/cancel`
//! cancels it. `tasks/list` pages through the requestor's tasks ([`Peer::list_tasks`]).
//!
//! ```no_run
//! use oxmcp_core::client::McpClient;
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
//!
//! [`Peer::list_tasks`]: crate::Peer::list_tasks

mod handle;
mod methods;
mod status;
mod timestamp;

pub use handle::TaskHandle;
pub use methods::TaskCallError;
pub use status::{
    DEFAULT_MAX_POLL_INTERVAL, DEFAULT_MIN_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, PollPolicy,
    TaskStatusFeed, TaskStatusStream,
};

pub(crate) use methods::to_raw;
