//! Tasks (SEP-1686): durable, pollable requests, for both roles.
//!
//! A receiver (the server for `tools/call`, the client for `sampling/createMessage` and
//! `elicitation/create`) answers a task-augmented request with a `CreateTaskResult` at once
//! and runs the work in the background; the requestor polls `tasks/get`, waits on
//! `tasks/result`, lists with `tasks/list` and cancels with `tasks/cancel`.
//!
//! [`TaskEngine`] does this for either role (the server wires it with
//! [`TasksServerBuilderExt::tasks`]), within the limits
//! of a [`TaskConfig`]; [`TaskEngine::recover`] is the startup step for a store that
//! outlived its process.
//!
//! State lives in a [`TaskStore`]: [`MemoryTaskStore`] here, the durable SQLite store in
//! `oxmcp-store-sqlite`.

mod client;
mod clock;
mod config;
mod cursor;
mod engine;
mod inner;
pub(crate) mod link;
mod live;
mod memory;
mod owner;
pub(crate) mod payload;
mod recovery;
mod requests;
mod runner;
mod server;
mod store;
#[cfg(feature = "store-contract")]
#[path = "contract.rs"]
pub mod store_contract;
mod work;

pub use client::TasksClientExt;
pub use config::{
    DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_TASKS_PER_OWNER, DEFAULT_MAX_TTL,
    DEFAULT_MAX_UNFINISHED, DEFAULT_MAX_UNFINISHED_PER_OWNER, DEFAULT_STORE_RETRY, DEFAULT_TTL,
    MIN_TTL, TaskConfig,
};
pub use engine::TaskEngine;
pub use memory::MemoryTaskStore;
pub use owner::OwnerPolicy;
pub use recovery::{Recovery, ResumeWork};
pub use requests::{CANCELLED_MESSAGE, SESSION_ENDED_MESSAGE};
pub use server::{TasksServerBuilderExt, TasksServerExt};
pub use store::{
    CreateLimits, LimitKind, ListPosition, StoreError, StoreFuture, TaskOutcome, TaskOwner,
    TaskPage, TaskRecord, TaskStore, TaskUpdate, wire_timestamp,
};
pub use work::{NewTask, WorkResult};

use crate::context::RequestContext;
use crate::role::Role;

impl<R: Role> RequestContext<R> {
    /// The id of the task this context's work runs as, when the request was task-augmented
    /// and is being run by a [`TaskEngine`]; `None` otherwise.
    pub fn task_id(&self) -> Option<&str> {
        self.extensions()
            .get::<link::RunningTask>()
            .map(|t| t.0.as_str())
    }
}
