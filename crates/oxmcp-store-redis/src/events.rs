//! [`RedisEventStore`]: the events of resumable SSE streams in Redis Streams, so that a
//! client whose stream was held by one instance resumes it on any other with
//! `Last-Event-ID`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{EventId, EventStore, EventStoreError};
use redis::Script;

use crate::connection::RedisConnection;
use crate::error::RedisStoreError;
use crate::options::RedisOptions;

/// The default bound on the events kept per stream (`MAXLEN`).
pub const DEFAULT_EVENTS_PER_STREAM: usize = 1024;
/// The default bound on the streams kept by the whole store (the least recently appended
/// ones are dropped past it).
pub const DEFAULT_MAX_STREAMS: usize = 10_000;
/// The default time a session's events are kept after its last event.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(3600);

/// Appends one event. KEYS 1 the stream, 2 the index of all streams (by last append,
/// Redis time), 3 the set of the session's streams; ARGV 1 the entry id, 2 the message,
/// 3 MAXLEN, 4 the TTL in ms, 5 the most streams. An id already there (a retried append)
/// is a success that adds nothing.
const APPEND: &str = r#"
local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[3], ARGV[1], 'm', ARGV[2])
if type(added) == 'table' and added.err then
  if string.find(added.err, 'equal or smaller', 1, true) then return 0 end
  return added
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('SADD', KEYS[3], KEYS[1])
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('ZADD', KEYS[2], now, KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.0f', now - ttl))
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  for _, old in ipairs(redis.call('ZPOPMIN', KEYS[2], over)) do
    if old ~= KEYS[1] and string.sub(old, 1, 1) == '{' then redis.call('DEL', old) end
  end
end
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
"#;

/// Deletes a session's streams. KEYS 1 the set of its streams, 2 the index of all streams.
const REMOVE: &str = r#"
local streams = redis.call('SMEMBERS', KEYS[1])
for _, s in ipairs(streams) do
  redis.call('DEL', s)
  redis.call('ZREM', KEYS[2], s)
end
redis.call('DEL', KEYS[1])
return #streams
"#;

/// An [`EventStore`] on Redis Streams, shared by every instance of a server.
///
/// Each SSE stream of a session is one Redis stream, `{prefix}:e:<session>:<stream>`,
/// whose entry ids are the event's sequence number (`<seq>-1`): an append is `XADD` with
/// `MAXLEN` (at most [`with_max_events`](Self::with_max_events) events per stream, the
/// oldest dropped first), and a replay `XRANGE` after the client's `Last-Event-ID`. A
/// replay from an instance that did not write the stream sees exactly what the writer
/// appended. Bounds: per stream by `MAXLEN`; in all by
/// [`with_max_streams`](Self::with_max_streams) (past it the streams appended to least
/// recently are dropped: their clients get `410 Gone` on resumption, never a gap); in
/// time by [`with_session_ttl`](Self::with_session_ttl) (a session's events expire that
/// long after its last one, and all of them go when the session ends).
#[derive(Clone)]
pub struct RedisEventStore {
    conn: RedisConnection,
    base: Arc<str>,
    max_events: usize,
    max_streams: usize,
    ttl: Duration,
    append: Arc<Script>,
    remove: Arc<Script>,
}

impl fmt::Debug for RedisEventStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisEventStore")
            .field("base", &self.base)
            .field("max_events", &self.max_events)
            .field("max_streams", &self.max_streams)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RedisEventStore {
    /// Connects to the Redis of `options`, with the default bounds.
    pub async fn connect(options: &RedisOptions) -> Result<Self, RedisStoreError> {
        let conn = options.connect().await?;
        Self::with_connection(conn, options)
    }

    /// A store on an existing connection, with the default bounds.
    pub fn with_connection(
        conn: RedisConnection,
        options: &RedisOptions,
    ) -> Result<Self, RedisStoreError> {
        Ok(Self {
            conn,
            base: options.key_base()?.into(),
            max_events: DEFAULT_EVENTS_PER_STREAM,
            max_streams: DEFAULT_MAX_STREAMS,
            ttl: DEFAULT_SESSION_TTL,
            append: Arc::new(Script::new(APPEND)),
            remove: Arc::new(Script::new(REMOVE)),
        })
    }

    /// Keeps at most `max` events per stream (default [`DEFAULT_EVENTS_PER_STREAM`]; at
    /// least 1).
    #[must_use]
    pub fn with_max_events(mut self, max: usize) -> Self {
        self.max_events = max.max(1);
        self
    }

    /// Keeps at most `max` streams in all (default [`DEFAULT_MAX_STREAMS`]; at least 1).
    #[must_use]
    pub fn with_max_streams(mut self, max: usize) -> Self {
        self.max_streams = max.max(1);
        self
    }

    /// Keeps a session's events `ttl` after its last one (default
    /// [`DEFAULT_SESSION_TTL`]; at least 1 ms).
    #[must_use]
    pub fn with_session_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_millis(1));
        self
    }

    fn stream_key(&self, session: &str, stream: u64) -> String {
        format!("{}e:{session}:{stream}", self.base)
    }

    fn session_key(&self, session: &str) -> String {
        format!("{}es:{session}", self.base)
    }

    fn index_key(&self) -> String {
        format!("{}ei", self.base)
    }

    async fn append_event(
        &self,
        session: &str,
        id: EventId,
        message: Bytes,
    ) -> Result<(), RedisStoreError> {
        let ttl = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let _: i64 = self
            .append
            .key(self.stream_key(session, id.stream))
            .key(self.index_key())
            .key(self.session_key(session))
            .arg(format!("{}-1", id.seq))
            .arg(message.as_ref())
            .arg(self.max_events)
            .arg(ttl)
            .arg(self.max_streams)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    async fn replay_events(
        &self,
        session: &str,
        stream: u64,
        after: u64,
    ) -> Result<Vec<(u64, Bytes)>, RedisStoreError> {
        let entries: Vec<StreamEntry> = redis::cmd("XRANGE")
            .arg(self.stream_key(session, stream))
            .arg(format!("({after}-1"))
            .arg("+")
            .query_async(&mut self.conn.clone())
            .await?;
        let mut events = Vec::with_capacity(entries.len());
        for (id, fields) in entries {
            let seq = id
                .strip_suffix("-1")
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    RedisStoreError::Corrupt(format!("a stream entry with id {id:?}"))
                })?;
            let message = fields
                .into_iter()
                .find(|(name, _)| name == "m")
                .ok_or_else(|| {
                    RedisStoreError::Corrupt(format!("stream entry {id} has no message"))
                })?;
            events.push((seq, Bytes::from(message.1)));
        }
        Ok(events)
    }
}

/// One entry of an `XRANGE` reply: its id and its field/value pairs.
type StreamEntry = (String, Vec<(String, Vec<u8>)>);

fn event_error(e: RedisStoreError) -> EventStoreError {
    EventStoreError(Box::new(e))
}

impl EventStore for RedisEventStore {
    fn append<'a>(
        &'a self,
        session: &'a str,
        id: EventId,
        message: Bytes,
    ) -> BoxFuture<'a, Result<(), EventStoreError>> {
        Box::pin(async move {
            self.append_event(session, id, message)
                .await
                .map_err(event_error)
        })
    }

    fn replay<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> BoxFuture<'a, Result<Vec<(u64, Bytes)>, EventStoreError>> {
        Box::pin(async move {
            self.replay_events(session, stream, after)
                .await
                .map_err(event_error)
        })
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let removed: Result<i64, _> = self
                .remove
                .key(self.session_key(session))
                .key(self.index_key())
                .invoke_async(&mut self.conn.clone())
                .await;
            if let Err(e) = removed {
                // The keys expire with the session's TTL anyway.
                tracing::warn!(error = %RedisStoreError::from(e), "could not delete the events of an ended session");
            }
        })
    }
}
