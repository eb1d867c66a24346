//! [`RedisBus`]: the [`Bus`] between the instances of a scaled-out server, on Redis
//! Streams (one inbox per instance) and keys with TTLs.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use oxmcp_http::bus::BoxFuture;
use oxmcp_http::{Bus, BusError, Delivery, Envelope};
use tokio::sync::Mutex;

use crate::connection::RedisConnection;
use crate::error::RedisStoreError;
use crate::options::RedisOptions;

/// The default bound on the envelopes kept in one inbox (`MAXLEN ~`).
pub const DEFAULT_INBOX_LEN: usize = 10_000;
/// The default time an instance counts as live after its last heartbeat (it beats every
/// third of it while it reads its inbox); its inbox expires as long after the last
/// envelope sent to it.
pub const DEFAULT_LIVENESS: Duration = Duration::from_secs(15);

/// A [`Bus`] on Redis.
///
/// - Each instance has a random id and an inbox, the stream `{prefix}:in:<id>`: `XADD`
///   with `MAXLEN ~` ([`with_inbox_len`](Self::with_inbox_len)) and a TTL refreshed by
///   each envelope, read with `XREAD BLOCK` on a connection of its own (a blocking read
///   would stall the commands of a shared one).
/// - The live instances are the sorted set `{prefix}:live`, scored by the time each one's
///   liveness ends; an instance beats while it reads its inbox, and
///   [`broadcast`](Bus::broadcast) sends to those whose liveness has not ended.
/// - The holder of a session's standalone stream is the key `{prefix}:g:<session>`, with
///   the TTL the HTTP layer gives (its idle timeout). [`stream_holder`](Bus::stream_holder)
///   names it only while it is live: a message for the stream of a holder that died stays
///   on the instance that has it, in its backlog for the next GET it serves, instead of
///   going to an inbox nobody reads (for up to the liveness after the holder's death, it
///   still goes there, and is lost with the holder).
///
/// [`stream_holder`]: Bus::stream_holder
#[derive(Clone)]
pub struct RedisBus {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The settings it connected with (the change feed's reader connects with them too).
    pub(crate) options: RedisOptions,
    pub(crate) conn: RedisConnection,
    reader: Mutex<(RedisConnection, String)>,
    pub(crate) base: String,
    pub(crate) instance: String,
    prefix: Arc<str>,
    inbox_len: usize,
    pub(crate) liveness: Duration,
    pub(crate) block: Duration,
    /// When the last heartbeat was sent, in ms since the epoch.
    last_beat: AtomicU64,
    /// Whether [`RedisBus::relay_changes`] runs.
    pub(crate) fans_out: AtomicBool,
    pub(crate) change_feed_len: usize,
    pub(crate) change_queue: usize,
}

impl fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBus")
            .field("instance", &self.inner.instance)
            .field("base", &self.inner.base)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn failure(e: impl Into<RedisStoreError>) -> BusError {
    BusError(Box::new(e.into()))
}

fn random_id() -> Result<String, RedisStoreError> {
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw)
        .map_err(|e| RedisStoreError::Config(format!("no randomness: {e}")))?;
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

impl RedisBus {
    /// Connects to the Redis of `options` (two connections: one for the inbox's blocking
    /// reads), with a new instance id. The instance joins the live ones when it first reads
    /// its inbox (see [`Bus::receive`]).
    pub async fn connect(options: &RedisOptions) -> Result<Self, RedisStoreError> {
        let conn = options.connect().await?;
        let reader = options.connect().await?;
        let instance = random_id()?;
        // A blocking read answers within the response timeout.
        let block =
            (options.response_timeout / 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let bus = Self {
            inner: Arc::new(Inner {
                options: options.clone(),
                conn,
                reader: Mutex::new((reader, "0-0".to_owned())),
                base: options.key_base()?,
                prefix: format!("{instance}~").into(),
                instance,
                inbox_len: DEFAULT_INBOX_LEN,
                liveness: DEFAULT_LIVENESS,
                block,
                last_beat: AtomicU64::new(0),
                fans_out: AtomicBool::new(false),
                change_feed_len: crate::changes::DEFAULT_CHANGE_FEED_LEN,
                change_queue: crate::changes::DEFAULT_CHANGE_QUEUE,
            }),
        };
        Ok(bus)
    }

    /// Keeps at most about `len` envelopes per inbox (default [`DEFAULT_INBOX_LEN`]).
    /// Call before the bus is shared.
    #[must_use]
    pub fn with_inbox_len(mut self, len: usize) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.inbox_len = len.max(1);
        }
        self
    }

    /// Counts an instance live for `liveness` after its last heartbeat (default
    /// [`DEFAULT_LIVENESS`]; at least 30 ms). Call before the bus is shared.
    #[must_use]
    pub fn with_liveness(mut self, liveness: Duration) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.liveness = liveness.max(Duration::from_millis(30));
        }
        self
    }

    /// Keeps at most about `len` changes in the change feed (default
    /// [`DEFAULT_CHANGE_FEED_LEN`](crate::DEFAULT_CHANGE_FEED_LEN); see
    /// [`relay_changes`](Self::relay_changes)). Call before the bus is shared.
    #[must_use]
    pub fn with_change_feed_len(mut self, len: usize) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.change_feed_len = len.max(1);
        }
        self
    }

    /// Lets at most `len` changes made here wait to be written to the change feed
    /// (default [`DEFAULT_CHANGE_QUEUE`](crate::DEFAULT_CHANGE_QUEUE); see
    /// [`relay_changes`](Self::relay_changes)). Call before the bus is shared.
    #[must_use]
    pub fn with_change_queue(mut self, len: usize) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.change_queue = len.max(1);
        }
        self
    }

    fn inbox(&self, instance: &str) -> String {
        format!("{}in:{instance}", self.inner.base)
    }

    fn live_key(&self) -> String {
        format!("{}live", self.inner.base)
    }

    fn holder_key(&self, session: &str) -> String {
        format!("{}g:{session}", self.inner.base)
    }

    /// Notes this instance live until now + liveness, and forgets the instances whose
    /// liveness ended.
    async fn beat(&self) -> Result<(), RedisStoreError> {
        let now = now_ms();
        let until = now.saturating_add(millis(self.inner.liveness));
        let _: () = redis::pipe()
            .cmd("ZADD")
            .arg(self.live_key())
            .arg(until)
            .arg(&self.inner.instance)
            .ignore()
            .cmd("ZREMRANGEBYSCORE")
            .arg(self.live_key())
            .arg("-inf")
            .arg(format!("({now}"))
            .ignore()
            .cmd("PEXPIRE")
            .arg(self.live_key())
            .arg(millis(self.inner.liveness) * 4)
            .ignore()
            .query_async(&mut self.inner.conn.clone())
            .await?;
        self.inner.last_beat.store(now, Ordering::Relaxed);
        Ok(())
    }

    fn add(&self, pipe: &mut redis::Pipeline, instance: &str, envelope: &Envelope) {
        let inbox = self.inbox(instance);
        pipe.cmd("XADD")
            .arg(&inbox)
            .arg("MAXLEN")
            .arg("~")
            .arg(self.inner.inbox_len)
            .arg("*")
            .arg("d")
            .arg(envelope.delivery.as_str())
            .arg("s")
            .arg(&envelope.session)
            .arg("m")
            .arg(envelope.message.as_ref())
            .ignore()
            .cmd("PEXPIRE")
            .arg(&inbox)
            .arg(millis(self.inner.liveness) * 4)
            .ignore();
    }

    async fn read(&self) -> Result<Vec<Envelope>, RedisStoreError> {
        let now = now_ms();
        if now.saturating_sub(self.inner.last_beat.load(Ordering::Relaxed))
            >= millis(self.inner.liveness) / 3
        {
            self.beat().await?;
        }
        let mut reader = self.inner.reader.lock().await;
        let (conn, last) = &mut *reader;
        let reply: Option<Vec<(String, Vec<Entry>)>> = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(256)
            .arg("BLOCK")
            .arg(millis(self.inner.block))
            .arg("STREAMS")
            .arg(self.inbox(&self.inner.instance))
            .arg(last.as_str())
            .query_async(conn)
            .await?;
        let mut envelopes = Vec::new();
        for (id, fields) in reply.into_iter().flatten().flat_map(|(_, entries)| entries) {
            *last = id;
            match envelope(fields) {
                Some(envelope) => envelopes.push(envelope),
                None => tracing::warn!("bus: an inbox entry this bus did not write"),
            }
        }
        Ok(envelopes)
    }
}

/// The holder of a session's standalone stream (`KEYS[1]`) when it is live (its score in
/// `KEYS[2]` is at least `ARGV[1]`, now), else nil.
static LIVE_HOLDER: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        r"
local holder = redis.call('GET', KEYS[1])
if not holder then return false end
local live = redis.call('ZSCORE', KEYS[2], holder)
if live and tonumber(live) >= tonumber(ARGV[1]) then return holder end
return false
",
    )
});

/// One stream entry: its id and its field/value pairs.
type Entry = (String, Vec<(String, Vec<u8>)>);

fn envelope(fields: Vec<(String, Vec<u8>)>) -> Option<Envelope> {
    let (mut delivery, mut session, mut message) = (None, None, None);
    for (name, value) in fields {
        match name.as_str() {
            "d" => delivery = std::str::from_utf8(&value).ok().and_then(Delivery::parse),
            "s" => session = String::from_utf8(value).ok(),
            "m" => message = Some(Bytes::from(value)),
            _ => {}
        }
    }
    Some(Envelope::new(session?, delivery?, message?))
}

impl Bus for RedisBus {
    fn instance(&self) -> &str {
        &self.inner.instance
    }

    fn request_id_prefix(&self) -> Arc<str> {
        self.inner.prefix.clone()
    }

    fn send<'a>(
        &'a self,
        instance: &'a str,
        envelope: Envelope,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(async move {
            let mut pipe = redis::pipe();
            self.add(&mut pipe, instance, &envelope);
            let _: () = pipe
                .query_async(&mut self.inner.conn.clone())
                .await
                .map_err(failure)?;
            Ok(())
        })
    }

    fn broadcast(&self, envelope: Envelope) -> BoxFuture<'_, Result<(), BusError>> {
        Box::pin(async move {
            let live: Vec<String> = redis::cmd("ZRANGEBYSCORE")
                .arg(self.live_key())
                .arg(now_ms())
                .arg("+inf")
                .query_async(&mut self.inner.conn.clone())
                .await
                .map_err(failure)?;
            let others: Vec<_> = live.iter().filter(|i| **i != self.inner.instance).collect();
            if others.is_empty() {
                return Ok(());
            }
            let mut pipe = redis::pipe();
            for instance in others {
                self.add(&mut pipe, instance, &envelope);
            }
            let _: () = pipe
                .query_async(&mut self.inner.conn.clone())
                .await
                .map_err(failure)?;
            Ok(())
        })
    }

    fn hold_stream<'a>(
        &'a self,
        session: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(async move {
            let _: () = redis::cmd("SET")
                .arg(self.holder_key(session))
                .arg(&self.inner.instance)
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut self.inner.conn.clone())
                .await
                .map_err(failure)?;
            Ok(())
        })
    }

    fn stream_holder<'a>(
        &'a self,
        session: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, BusError>> {
        Box::pin(async move {
            LIVE_HOLDER
                .key(self.holder_key(session))
                .key(self.live_key())
                .arg(now_ms())
                .invoke_async(&mut self.inner.conn.clone())
                .await
                .map_err(failure)
        })
    }

    fn receive(&self) -> BoxFuture<'_, Result<Vec<Envelope>, BusError>> {
        Box::pin(async move { self.read().await.map_err(failure) })
    }

    fn fans_out_changes(&self) -> bool {
        self.inner.fans_out.load(Ordering::Acquire)
    }
}
