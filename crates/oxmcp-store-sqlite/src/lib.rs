#![doc = include_str!("../README.md")]

mod error;
mod ops;
mod options;
mod rows;
mod schema;
mod store;
mod worker;

pub use error::OpenError;
pub use options::{SqliteOptions, Synchronous};
/// The SQLite bindings this crate uses (for matching on the sources of [`OpenError`]).
pub use rusqlite;
pub use store::SqliteTaskStore;
