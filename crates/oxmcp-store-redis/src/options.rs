//! [`RedisOptions`]: where the stores keep their keys, how long leases and keys last, and
//! how the connection is kept.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::RedisStoreError;

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "oxmcp";
/// The default lease of a running task (renewed every third of it).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// The default time a task's keys outlive its expiry in Redis (so that the purge, which
/// runs every minute by default, cleans the indexes first), and the TTL of the indexes
/// past their last task.
pub const DEFAULT_KEY_GRACE: Duration = Duration::from_secs(600);
/// The default timeout of one Redis command.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// The default timeout of one connection attempt.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The default longest wait between two reconnection attempts.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(2);
/// The default number of reconnection attempts for one command before it fails.
pub const DEFAULT_RECONNECT_TRIES: usize = 3;

/// The settings of the Redis stores.
///
/// ```
/// use std::time::Duration;
/// use oxmcp_store_redis::RedisOptions;
///
/// let options = RedisOptions::new("redis://127.0.0.1:6379/")
///     .prefix("my-server")
///     .lease(Duration::from_secs(10));
/// assert_eq!(options.lease_duration(), Duration::from_secs(10));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisOptions {
    /// The Redis URL (`redis://host:port/db`, `rediss://` is not built in).
    pub url: String,
    /// The prefix of every key (default [`DEFAULT_PREFIX`]); it is the hash tag of every
    /// key (`{prefix}:...`), so that a Redis Cluster keeps one store on one shard and its
    /// scripts stay atomic.
    pub prefix: String,
    /// How long a task's lease lasts without renewal (default [`DEFAULT_LEASE`]).
    pub lease: Duration,
    /// How long keys outlive their task's expiry (default [`DEFAULT_KEY_GRACE`]).
    pub key_grace: Duration,
    /// Timeout of one command (default [`DEFAULT_RESPONSE_TIMEOUT`]).
    pub response_timeout: Duration,
    /// Timeout of one connection attempt (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// Longest wait between reconnection attempts (default [`DEFAULT_MAX_BACKOFF`]).
    pub max_backoff: Duration,
    /// Reconnection attempts before a command fails (default [`DEFAULT_RECONNECT_TRIES`]).
    pub reconnect_tries: usize,
}

impl RedisOptions {
    /// The defaults, for the Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            key_grace: DEFAULT_KEY_GRACE,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_backoff: DEFAULT_MAX_BACKOFF,
            reconnect_tries: DEFAULT_RECONNECT_TRIES,
        }
    }

    /// Sets [`prefix`](Self::prefix).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets [`lease`](Self::lease).
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The lease, at least 30 ms (so that a third of it is a usable renewal period).
    pub fn lease_duration(&self) -> Duration {
        self.lease.max(Duration::from_millis(30))
    }

    /// Sets [`key_grace`](Self::key_grace).
    #[must_use]
    pub fn key_grace(mut self, grace: Duration) -> Self {
        self.key_grace = grace;
        self
    }

    /// Sets [`response_timeout`](Self::response_timeout).
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`max_backoff`](Self::max_backoff) and [`reconnect_tries`](Self::reconnect_tries).
    #[must_use]
    pub fn reconnect(mut self, max_backoff: Duration, tries: usize) -> Self {
        self.max_backoff = max_backoff;
        self.reconnect_tries = tries;
        self
    }

    /// The key base `{prefix}:`, after checking the prefix (not empty, no braces: it is
    /// the hash tag).
    pub(crate) fn key_base(&self) -> Result<String, RedisStoreError> {
        let p = &self.prefix;
        if p.is_empty() || p.contains(['{', '}']) || p.len() > 128 {
            return Err(RedisStoreError::Config(format!(
                "the key prefix must be 1 to 128 bytes without braces, not {p:?}"
            )));
        }
        Ok(format!("{{{p}}}:"))
    }

    /// Connects (the first connection must succeed; later ones are retried with backoff
    /// by the connection manager, in the background, while commands fail with
    /// [`RedisStoreError::Unavailable`]).
    pub(crate) async fn connect(&self) -> Result<ConnectionManager, RedisStoreError> {
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| RedisStoreError::Config(format!("bad redis URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.response_timeout))
            .set_connection_timeout(Some(self.connect_timeout))
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(self.max_backoff)
            .set_number_of_retries(self.reconnect_tries);
        Ok(ConnectionManager::new_with_config(client, config).await?)
    }
}
