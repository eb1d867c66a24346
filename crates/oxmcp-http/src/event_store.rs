//! The event log used to resume SSE streams: the [`EventStore`] trait and the bounded
//! in-memory [`MemoryEventStore`].
//!
//! Every message the server sends on an SSE stream gets an [`EventId`] naming its stream and
//! its place in that stream (`"<stream>-<seq>"`, sequence numbers counting from 1 in each
//! stream; 0 is the priming event). The server appends each message to the store before it
//! writes it to the connection, so a client that lost the connection can come back with
//! `Last-Event-ID` and get exactly the rest of that stream.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

/// A boxed future, as the [`EventStore`] methods return (so the trait is object safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The id of one SSE event: its stream and its sequence number in that stream.
///
/// ```
/// use oxmcp_http::EventId;
///
/// let id: EventId = "12-3".parse().unwrap();
/// assert_eq!((id.stream, id.seq), (12, 3));
/// assert_eq!(id.to_string(), "12-3");
/// assert!("12".parse::<EventId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct EventId {
    /// The stream, unique within its session.
    pub stream: u64,
    /// The place in the stream: 0 for the priming event, then 1, 2, ...
    pub seq: u64,
}

impl EventId {
    /// An event id.
    pub fn new(stream: u64, seq: u64) -> Self {
        Self { stream, seq }
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.stream, self.seq)
    }
}

/// A `Last-Event-ID` that is not of the form `<stream>-<seq>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed event id `{0}`")]
pub struct MalformedEventId(pub String);

impl FromStr for EventId {
    type Err = MalformedEventId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MalformedEventId(s.chars().take(64).collect());
        let (stream, seq) = s.split_once('-').ok_or_else(bad)?;
        let digits =
            |t: &str| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(stream) || !digits(seq) {
            return Err(bad());
        }
        Ok(Self {
            stream: stream.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

/// A failure of the store's backend.
#[derive(Debug, thiserror::Error)]
#[error("event store failure: {0}")]
pub struct EventStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Where SSE events are kept for resumption.
///
/// The server calls [`append`](Self::append) for every message of a stream, in order, and
/// [`replay`](Self::replay) when a client resumes. A store may forget old events (it should,
/// to stay bounded); the server notices a gap (a sequence number missing from a replay) and
/// answers the client with `410 Gone` instead of silently skipping messages.
pub trait EventStore: Send + Sync + fmt::Debug + 'static {
    /// Keeps one message (the JSON text) of a session's stream.
    fn append<'a>(
        &'a self,
        session: &'a str,
        id: EventId,
        message: Bytes,
    ) -> BoxFuture<'a, Result<(), EventStoreError>>;

    /// The kept messages of `stream` with a sequence number above `after`, in order.
    fn replay<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> BoxFuture<'a, Result<Vec<(u64, Bytes)>, EventStoreError>>;

    /// Forgets everything of a session (it ended).
    fn remove_session<'a>(&'a self, session: &'a str) -> BoxFuture<'a, ()>;
}

/// The default bound on the number of events kept per session.
pub const DEFAULT_EVENTS_PER_SESSION: usize = 1024;
/// The default bound on the bytes of events kept per session.
pub const DEFAULT_BYTES_PER_SESSION: usize = 4 << 20;
/// The default bound on the bytes of events kept by one store, all sessions together.
pub const DEFAULT_TOTAL_BYTES: usize = 64 << 20;

/// An [`EventStore`] in memory, bounded per session (past either bound the oldest events of
/// the session are dropped, whatever their stream) and as a whole (past
/// [`with_max_total_bytes`](Self::with_max_total_bytes) the oldest events of the store are
/// dropped, whatever their session). Memory stays bounded however many sessions there are;
/// a client resuming after a dropped event gets `410 Gone`, never a silent gap.
///
/// ```
/// use oxmcp_http::{EventId, EventStore, MemoryEventStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = MemoryEventStore::new(2, 1 << 20);
/// for seq in 1..=3 {
///     store.append("s", EventId::new(1, seq), format!("{seq}").into()).await.unwrap();
/// }
/// let kept = store.replay("s", 1, 0).await.unwrap();
/// assert_eq!(kept.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3]);
/// # }
/// ```
#[derive(Debug)]
pub struct MemoryEventStore {
    max_events: usize,
    max_bytes: usize,
    max_total_bytes: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    sessions: HashMap<Arc<str>, SessionLog>,
    /// The oldest event of each session that has any, by its order in the whole store: the
    /// first entry is the oldest event kept.
    fronts: BTreeMap<u64, Arc<str>>,
    /// The order of the next event appended.
    next_order: u64,
    bytes: usize,
    events: usize,
}

#[derive(Debug, Default)]
struct SessionLog {
    events: VecDeque<Stored>,
    bytes: usize,
}

#[derive(Debug)]
struct Stored {
    id: EventId,
    /// The place of the event in the whole store.
    order: u64,
    message: Bytes,
}

impl State {
    /// Drops the oldest event of `session` (a session left without events is forgotten).
    fn drop_oldest(&mut self, session: &Arc<str>) {
        let Some(log) = self.sessions.get_mut(session) else {
            return;
        };
        let Some(old) = log.events.pop_front() else {
            return;
        };
        log.bytes -= old.message.len();
        self.bytes -= old.message.len();
        self.events -= 1;
        self.fronts.remove(&old.order);
        match log.events.front() {
            Some(next) => {
                self.fronts.insert(next.order, session.clone());
            }
            None => {
                self.sessions.remove(session);
            }
        }
    }
}

impl Default for MemoryEventStore {
    fn default() -> Self {
        Self::new(DEFAULT_EVENTS_PER_SESSION, DEFAULT_BYTES_PER_SESSION)
    }
}

impl MemoryEventStore {
    /// A store keeping at most `max_events` events and `max_bytes` bytes per session, and
    /// [`DEFAULT_TOTAL_BYTES`] in all.
    pub fn new(max_events: usize, max_bytes: usize) -> Self {
        Self {
            max_events: max_events.max(1),
            max_bytes,
            max_total_bytes: DEFAULT_TOTAL_BYTES,
            state: Mutex::new(State::default()),
        }
    }

    /// Sets the bound on the bytes kept by the whole store (default [`DEFAULT_TOTAL_BYTES`]).
    /// Past it, the oldest events of the store are dropped, whichever session they belong
    /// to (the newest event is always kept).
    #[must_use]
    pub fn with_max_total_bytes(mut self, max_total_bytes: usize) -> Self {
        self.max_total_bytes = max_total_bytes;
        self
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// How many events are kept for `session`.
    pub fn len(&self, session: &str) -> usize {
        self.with_state(|s| s.sessions.get(session).map_or(0, |log| log.events.len()))
    }

    /// Whether nothing is kept for `session`.
    pub fn is_empty(&self, session: &str) -> bool {
        self.len(session) == 0
    }

    /// How many sessions have events kept.
    pub fn session_count(&self) -> usize {
        self.with_state(|s| s.sessions.len())
    }

    /// The bytes of all the events kept.
    pub fn total_bytes(&self) -> usize {
        self.with_state(|s| s.bytes)
    }
}

impl EventStore for MemoryEventStore {
    fn append<'a>(
        &'a self,
        session: &'a str,
        id: EventId,
        message: Bytes,
    ) -> BoxFuture<'a, Result<(), EventStoreError>> {
        self.with_state(|state| {
            let key = match state.sessions.get_key_value(session) {
                Some((key, _)) => key.clone(),
                None => Arc::from(session),
            };
            let order = state.next_order;
            state.next_order += 1;
            state.bytes += message.len();
            state.events += 1;
            let log = state.sessions.entry(key.clone()).or_default();
            if log.events.is_empty() {
                state.fronts.insert(order, key.clone());
            }
            log.bytes += message.len();
            log.events.push_back(Stored { id, order, message });
            loop {
                let log = &state.sessions[&key];
                let over = log.events.len() > self.max_events
                    || (log.bytes > self.max_bytes && log.events.len() > 1);
                if !over {
                    break;
                }
                state.drop_oldest(&key);
            }
            while state.bytes > self.max_total_bytes && state.events > 1 {
                let Some((_, oldest)) = state.fronts.first_key_value() else {
                    break;
                };
                let oldest = oldest.clone();
                state.drop_oldest(&oldest);
            }
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn replay<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> BoxFuture<'a, Result<Vec<(u64, Bytes)>, EventStoreError>> {
        let events = self.with_state(|state| {
            state.sessions.get(session).map_or_else(Vec::new, |log| {
                log.events
                    .iter()
                    .filter(|e| e.id.stream == stream && e.id.seq > after)
                    .map(|e| (e.id.seq, e.message.clone()))
                    .collect()
            })
        });
        Box::pin(std::future::ready(Ok(events)))
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> BoxFuture<'a, ()> {
        self.with_state(|state| {
            if let Some(log) = state.sessions.remove(session) {
                state.bytes -= log.bytes;
                state.events -= log.events.len();
                if let Some(front) = log.events.front() {
                    state.fronts.remove(&front.order);
                }
            }
        });
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_parse_strictly() {
        for bad in [
            "",
            "-",
            "1-",
            "-1",
            "a-1",
            "1-b",
            "1-2-3",
            "+1-2",
            "1 -2",
            "99999999999999999999999-1",
        ] {
            assert!(bad.parse::<EventId>().is_err(), "{bad}");
        }
        assert_eq!("0-0".parse::<EventId>().unwrap(), EventId::new(0, 0));
    }

    #[tokio::test]
    async fn replays_one_stream_only_and_stays_bounded() {
        let store = MemoryEventStore::new(4, 1 << 20);
        for seq in 1..=3 {
            store
                .append("a", EventId::new(1, seq), Bytes::from("x"))
                .await
                .unwrap();
            store
                .append("a", EventId::new(2, seq), Bytes::from("y"))
                .await
                .unwrap();
        }
        store
            .append("b", EventId::new(1, 1), Bytes::from("z"))
            .await
            .unwrap();
        assert_eq!(store.len("a"), 4);
        let one = store.replay("a", 1, 1).await.unwrap();
        assert_eq!(one.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3]);
        assert!(one.iter().all(|e| e.1 == "x"));
        assert_eq!(store.replay("b", 1, 0).await.unwrap().len(), 1);
        store.remove_session("a").await;
        assert!(store.is_empty("a"));
        assert!(store.replay("a", 1, 0).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn byte_bound_drops_oldest() {
        let store = MemoryEventStore::new(100, 10);
        for seq in 1..=4 {
            store
                .append("s", EventId::new(1, seq), Bytes::from("abcd"))
                .await
                .unwrap();
        }
        let kept = store.replay("s", 1, 0).await.unwrap();
        assert_eq!(kept.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 4]);
    }

    #[tokio::test]
    async fn the_whole_store_stays_within_its_byte_budget_dropping_the_oldest_events() {
        // Per session the bounds are loose; the store-wide budget is 40 bytes.
        let store = MemoryEventStore::new(100, 1 << 20).with_max_total_bytes(40);
        for seq in 1..=6 {
            for session in ["a", "b"] {
                store
                    .append(session, EventId::new(1, seq), Bytes::from("0123456789"))
                    .await
                    .unwrap();
                assert!(store.total_bytes() <= 40, "{}", store.total_bytes());
            }
        }
        // 12 events of 10 bytes were appended: the 4 newest are kept, 2 of each session.
        assert_eq!(store.total_bytes(), 40);
        for session in ["a", "b"] {
            let kept = store.replay(session, 1, 0).await.unwrap();
            assert_eq!(kept.iter().map(|e| e.0).collect::<Vec<_>>(), [5, 6]);
        }
        // A session whose every event was dropped is forgotten; one event is always kept.
        store
            .append("c", EventId::new(1, 1), Bytes::from(vec![b'x'; 100]))
            .await
            .unwrap();
        assert_eq!(store.session_count(), 1);
        assert_eq!(store.total_bytes(), 100);
        assert_eq!(store.replay("c", 1, 0).await.unwrap().len(), 1);
        store.remove_session("c").await;
        assert_eq!((store.total_bytes(), store.session_count()), (0, 0));
    }

    #[tokio::test]
    async fn the_default_store_has_a_store_wide_budget() {
        let store = MemoryEventStore::default();
        assert_eq!(store.max_total_bytes, DEFAULT_TOTAL_BYTES);
        // Many sessions, each within its own bounds, cannot grow the store past the budget.
        let store = MemoryEventStore::default().with_max_total_bytes(1 << 16);
        let event = Bytes::from(vec![b'e'; 1000]);
        for session in 0..500 {
            let session = session.to_string();
            for seq in 1..=3 {
                store
                    .append(&session, EventId::new(1, seq), event.clone())
                    .await
                    .unwrap();
            }
        }
        assert!(store.total_bytes() <= 1 << 16);
        assert_eq!(store.replay("499", 1, 0).await.unwrap().len(), 3);
        assert!(store.replay("0", 1, 0).await.unwrap().is_empty());
    }
}
