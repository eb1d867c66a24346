//! [`RedisSessionStore`]: the sessions of a scaled-out server in Redis, so that any
//! instance serves any request of a session (see [`oxmcp_http::session_store`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use oxmcp_http::session_store::BoxFuture;
use oxmcp_http::{Replaced, SessionStore, SessionStoreError};

use crate::connection::RedisConnection;
use crate::error::RedisStoreError;
use crate::options::RedisOptions;

/// Replaces the record `KEYS[1]` with `ARGV[2]` (TTL `ARGV[3]` ms) if it is `ARGV[1]`:
/// 1 when replaced, 0 when it is another, -1 when there is none.
static REPLACE: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        r"
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
",
    )
});

/// The default bound on the length of one session record in Redis.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 64 << 10;

/// A [`SessionStore`] on Redis: one string key per session, `{prefix}:s:<session id>`,
/// holding its encoded record, with a TTL (the service's idle timeout) that every request
/// of the session refreshes: `SET PX` to create, `GETEX PX` to load, `SET XX PX` to
/// update, a script that compares then sets to replace, `PEXPIRE` to touch, `DEL` to end. Every key expires; a record longer than
/// [`with_max_record_bytes`](Self::with_max_record_bytes) is refused before it is sent.
#[derive(Clone)]
pub struct RedisSessionStore {
    conn: RedisConnection,
    base: Arc<str>,
    max_record_bytes: usize,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("base", &self.base)
            .field("max_record_bytes", &self.max_record_bytes)
            .finish_non_exhaustive()
    }
}

/// A TTL in milliseconds, at least 1.
fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn failure(e: impl Into<RedisStoreError>) -> SessionStoreError {
    SessionStoreError(Box::new(e.into()))
}

impl RedisSessionStore {
    /// Connects to the Redis of `options`.
    pub async fn connect(options: &RedisOptions) -> Result<Self, RedisStoreError> {
        let conn = options.connect().await?;
        Self::with_connection(conn, options)
    }

    /// A store on an existing connection (shared with the other stores, for one).
    pub fn with_connection(
        conn: RedisConnection,
        options: &RedisOptions,
    ) -> Result<Self, RedisStoreError> {
        Ok(Self {
            conn,
            base: options.key_base()?.into(),
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        })
    }

    /// Refuses records longer than `max` bytes (default [`DEFAULT_MAX_RECORD_BYTES`]);
    /// the HTTP layer bounds them first with
    /// [`max_session_record_bytes`](oxmcp_http::HttpServerConfig::max_session_record_bytes).
    #[must_use]
    pub fn with_max_record_bytes(mut self, max: usize) -> Self {
        self.max_record_bytes = max;
        self
    }

    fn key(&self, id: &str) -> String {
        format!("{}s:{id}", self.base)
    }

    fn check(&self, record: &Bytes) -> Result<(), SessionStoreError> {
        if record.len() > self.max_record_bytes {
            return Err(failure(RedisStoreError::TooLarge {
                len: record.len(),
                max: self.max_record_bytes,
            }));
        }
        Ok(())
    }

    /// `SET key record PX ttl`, with `XX` (only if it exists) when `existing`.
    async fn set(
        &self,
        id: &str,
        record: Bytes,
        ttl: Duration,
        existing: bool,
    ) -> Result<bool, SessionStoreError> {
        self.check(&record)?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(id))
            .arg(record.as_ref())
            .arg("PX")
            .arg(millis(ttl));
        if existing {
            cmd.arg("XX");
        }
        let reply: Option<String> = cmd
            .query_async(&mut self.conn.clone())
            .await
            .map_err(failure)?;
        Ok(reply.is_some())
    }
}

impl SessionStore for RedisSessionStore {
    fn create<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        Box::pin(async move { self.set(id, record, ttl, false).await.map(|_| ()) })
    }

    fn load<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, SessionStoreError>> {
        Box::pin(async move {
            let reply: Option<Vec<u8>> = redis::cmd("GETEX")
                .arg(self.key(id))
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut self.conn.clone())
                .await
                .map_err(failure)?;
            Ok(reply.map(Bytes::from))
        })
    }

    fn update<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        Box::pin(self.set(id, record, ttl, true))
    }

    fn replace<'a>(
        &'a self,
        id: &'a str,
        expected: Bytes,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Replaced, SessionStoreError>> {
        Box::pin(async move {
            self.check(&record)?;
            let outcome: i64 = REPLACE
                .key(self.key(id))
                .arg(expected.as_ref())
                .arg(record.as_ref())
                .arg(millis(ttl))
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(failure)?;
            Ok(match outcome {
                1 => Replaced::Done,
                0 => Replaced::Changed,
                _ => Replaced::Missing,
            })
        })
    }

    fn touch<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        Box::pin(async move {
            let kept: i64 = redis::cmd("PEXPIRE")
                .arg(self.key(id))
                .arg(millis(ttl))
                .query_async(&mut self.conn.clone())
                .await
                .map_err(failure)?;
            Ok(kept == 1)
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        Box::pin(async move {
            let _: i64 = redis::cmd("DEL")
                .arg(self.key(id))
                .query_async(&mut self.conn.clone())
                .await
                .map_err(failure)?;
            Ok(())
        })
    }
}
