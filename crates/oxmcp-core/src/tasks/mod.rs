//! Tasks (SEP-1686): durable, pollable requests, for both roles.
//!
//! A receiver (the server for `tools/call`, the client for `sampling/createMessage` and
//! `elicitation/create`) answers a task-augmented request with a `CreateTaskResult` at once
//! and runs the work in the background; the requestor polls `tasks/get`, waits on
//! `tasks/result`, lists with `tasks/list` and cancels with `tasks/cancel`.
//!
//! State lives in a [`TaskStore`]: [`MemoryTaskStore`] here, the durable SQLite store in
//! `oxmcp-store-sqlite`.

mod memory;
mod store;
#[cfg(feature = "store-contract")]
#[path = "contract.rs"]
pub mod store_contract;

pub use memory::MemoryTaskStore;
pub use store::{
    ListPosition, StoreError, StoreFuture, TaskOutcome, TaskOwner, TaskPage, TaskRecord, TaskStore,
    TaskUpdate, wire_timestamp,
};
