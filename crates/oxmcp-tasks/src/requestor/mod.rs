//! The requestor side of tasks, for both roles: the `tasks/*` requests ([`TaskRequests`]),
//! a client's tool calls as tasks ([`ClientTaskRequests`], [`McpClientTasksExt`]), a
//! server's task-augmented sampling and elicitation ([`ServerTaskRequests`]), and the
//! [`TaskHandle`] that follows a task: polls paced by [`PollPolicy`] merged with the
//! [`TaskStatusFeed`] into a [`TaskStatusStream`].

mod feed;
mod handle;
mod mcp_client;
mod methods;
mod poll;
mod server;
mod status;
mod timestamp;
mod tool_call;

pub use feed::TaskStatusFeed;
pub use handle::TaskHandle;
pub use mcp_client::McpClientTasksExt;
pub use methods::TaskRequests;
pub use poll::{
    DEFAULT_MAX_POLL_INTERVAL, DEFAULT_MIN_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, PollPolicy,
};
pub use server::{ElicitTask, ServerTaskRequests};
pub use status::TaskStatusStream;
pub use tool_call::{ClientTaskRequests, TaskCallError};
