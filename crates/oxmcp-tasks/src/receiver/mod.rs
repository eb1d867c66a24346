//! The receiver side of tasks: the engine that runs task-augmented requests and answers
//! `tasks/*`, its settings, the store contract and the in-memory store.

pub(crate) mod clock;
mod config;
mod cursor;
pub(crate) mod engine;
pub(crate) mod inner;
pub(crate) mod link;
mod live;
mod memory;
pub(crate) mod owner;
pub(crate) mod payload;
mod recovery;
pub(crate) mod requests;
pub(crate) mod runner;
mod store;
mod work;

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
pub use store::{
    CreateLimits, LimitKind, ListPosition, StoreError, StoreFuture, TaskOutcome, TaskOwner,
    TaskPage, TaskRecord, TaskStore, TaskUpdate, wire_timestamp,
};
pub use work::{NewTask, WorkResult};
