//! How the Redis stores fail: [`RedisStoreError`], and how it becomes the error types of
//! the traits they implement.

use oxmcp_tasks::StoreError;

/// Why an operation of a Redis store failed.
///
/// [`is_unavailable`](Self::is_unavailable) tells the failures that are expected to pass
/// (Redis down, restarting, loading its data, a failover): the HTTP layer answers those
/// with 503 and the caller may try again later.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// Redis cannot be reached now: connection refused or dropped, a timeout, or Redis is
    /// loading its data or failing over. The connection manager reconnects with backoff.
    #[error("redis is unavailable: {0}")]
    Unavailable(#[source] redis::RedisError),
    /// Redis answered with an error (out of memory, a key of another type under this
    /// store's prefix, a script refused).
    #[error("redis refused the operation: {0}")]
    Redis(#[source] redis::RedisError),
    /// A value under this store's prefix cannot be read back (written by something else).
    #[error("redis holds a value this store cannot read: {0}")]
    Corrupt(String),
    /// A value longer than the store's bound was not written.
    #[error("a value of {len} bytes, over the bound of {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The settings are not usable (a URL that is not a Redis URL, a bad key prefix).
    #[error("invalid redis store settings: {0}")]
    Config(String),
}

impl RedisStoreError {
    /// Whether the failure is Redis being unreachable or not ready (worth trying later).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<redis::RedisError> for RedisStoreError {
    fn from(e: redis::RedisError) -> Self {
        use redis::{ErrorKind, ServerErrorKind};
        let transient = e.is_io_error()
            || e.is_timeout()
            || e.is_connection_dropped()
            || e.is_connection_refusal()
            || matches!(
                e.kind(),
                ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::TryAgain
                        | ServerErrorKind::ClusterDown
                        | ServerErrorKind::MasterDown
                ) | ErrorKind::ClusterConnectionNotFound
            );
        if transient {
            Self::Unavailable(e)
        } else {
            Self::Redis(e)
        }
    }
}

impl From<RedisStoreError> for StoreError {
    fn from(e: RedisStoreError) -> Self {
        if e.is_unavailable() {
            Self::Unavailable(e.to_string())
        } else {
            Self::Backend(e.to_string())
        }
    }
}

/// A Redis error of a task store operation.
pub(crate) fn store_error(e: redis::RedisError) -> StoreError {
    RedisStoreError::from(e).into()
}

/// A stored task value that cannot be read back.
pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    RedisStoreError::Corrupt(what.into()).into()
}
