#![doc = include_str!("../README.md")]

mod bus;
mod changes;
mod connection;
mod error;
mod events;
mod options;
mod sessions;
mod tasks;

pub use bus::{DEFAULT_INBOX_LEN, DEFAULT_LIVENESS, RedisBus};
pub use changes::{DEFAULT_CHANGE_FEED_LEN, DEFAULT_CHANGE_QUEUE};
pub use connection::RedisConnection;
pub use error::RedisStoreError;
pub use events::{
    DEFAULT_EVENTS_PER_STREAM, DEFAULT_MAX_STREAMS, DEFAULT_SESSION_TTL, RedisEventStore,
};
pub use options::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEY_GRACE, DEFAULT_LEASE, DEFAULT_MAX_BACKOFF, DEFAULT_PREFIX,
    DEFAULT_RECONNECT_TRIES, DEFAULT_RESPONSE_TIMEOUT, RedisOptions,
};
/// The Redis client this crate uses (for its connection types and errors).
pub use redis;
pub use sessions::{DEFAULT_MAX_RECORD_BYTES, RedisSessionStore};
pub use tasks::RedisTaskStore;
