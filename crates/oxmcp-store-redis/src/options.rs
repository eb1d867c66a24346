//! [`RedisOptions`]: where the stores keep their keys, how long leases and keys last, and
//! how the connection is kept.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::connection::RedisConnection;

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
    /// Whether [`url`](Self::url) and [`cluster_nodes`](Self::cluster_nodes) name the
    /// nodes of a Redis Cluster (feature `cluster`; default false).
    pub cluster: bool,
    /// More cluster nodes to start from, besides [`url`](Self::url).
    pub cluster_nodes: Vec<String>,
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
            cluster: false,
            cluster_nodes: Vec::new(),
        }
    }

    /// The defaults, for the Redis Cluster whose nodes include `urls` (at least one; the
    /// others are discovered). Needs the `cluster` feature to connect.
    pub fn cluster<I, S>(urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut urls = urls.into_iter().map(Into::into);
        let mut options = Self::new(urls.next().unwrap_or_default());
        options.cluster = true;
        options.cluster_nodes = urls.collect();
        options
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
    /// by the connection manager, or the cluster client, in the background, while
    /// commands fail with [`RedisStoreError::Unavailable`]).
    pub async fn connect(&self) -> Result<RedisConnection, RedisStoreError> {
        if self.cluster {
            return self.connect_cluster().await;
        }
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| RedisStoreError::Config(format!("bad redis URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.response_timeout))
            .set_connection_timeout(Some(self.connect_timeout))
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(self.max_backoff)
            .set_number_of_retries(self.reconnect_tries);
        Ok(ConnectionManager::new_with_config(client, config)
            .await?
            .into())
    }

    #[cfg(feature = "cluster")]
    async fn connect_cluster(&self) -> Result<RedisConnection, RedisStoreError> {
        let nodes: Vec<&str> = std::iter::once(self.url.as_str())
            .chain(self.cluster_nodes.iter().map(String::as_str))
            .collect();
        let max_wait = u64::try_from(self.max_backoff.as_millis()).unwrap_or(u64::MAX);
        let client = redis::cluster::ClusterClient::builder(nodes)
            .connection_timeout(self.connect_timeout)
            .response_timeout(self.response_timeout)
            .retries(u32::try_from(self.reconnect_tries).unwrap_or(u32::MAX))
            .min_retry_wait(20)
            .max_retry_wait(max_wait)
            .build()
            .map_err(|e| RedisStoreError::Config(format!("bad redis cluster URLs: {e}")))?;
        Ok(client.get_async_connection().await?.into())
    }

    #[cfg(not(feature = "cluster"))]
    async fn connect_cluster(&self) -> Result<RedisConnection, RedisStoreError> {
        Err(RedisStoreError::Config(
            "a Redis Cluster needs the `cluster` feature of oxmcp-store-redis".to_owned(),
        ))
    }
}
