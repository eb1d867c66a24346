//! The SSE streams of a session, shared by Streamable HTTP sessions and legacy ones.
//!
//! Every SSE response (to a POST, or a GET) is a stream with an id unique in the session.
//! Messages of a stream get sequence numbers 1, 2, ...; with an event store they carry the
//! SSE id `<stream>-<seq>` and are appended to the store before they are queued for the
//! connection, so a client that lost the connection resumes with `Last-Event-ID`
//! ([`Session::resume`]). The connection queue is bounded in messages and in bytes: when a
//! slow reader lets it fill up, the connection is closed (its body ends after what is
//! queued) and later messages of the stream only go to the store, from where the client
//! gets them by resuming. Without an event store they are dropped (with a warning): the
//! client sees its stream end early, without the response.

use std::collections::VecDeque;

use bytes::Bytes;
use oxmcp_types::ProtocolVersion;

use super::{Session, State, lock};
use crate::event_store::EventId;
use crate::server::body::SseItem;
use crate::server::queue::{self, QueueRx, QueueTx, Refused};
use crate::sse;

/// A stream just opened for a connection.
#[derive(Debug)]
pub(crate) struct OpenStream {
    pub(crate) first: VecDeque<Bytes>,
    pub(crate) rx: QueueRx,
    /// The sequence number of the last event in `first` (live events up to it are dropped).
    pub(crate) last_seq: u64,
}

/// One stream of a session.
pub(super) struct StreamRecord {
    /// The last sequence number assigned.
    pub(super) last_seq: u64,
    /// The last sequence number whose event is in the store and was offered to the
    /// connection (at most one event, the one being delivered, lies between the two).
    pub(super) stored_seq: u64,
    /// Whether the stream ended (no more messages go to it).
    pub(super) complete: bool,
    /// The queue of the connection that carries the stream, while one does.
    pub(super) conn: Option<QueueTx>,
}

/// Why a resumption was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResumeError {
    /// The id names no stream or event this session issued.
    Unknown,
    /// The events after the id are no longer kept.
    Gone,
    /// Resumption is off (no event store).
    Unsupported,
}

impl Session {
    /// A connection queue of the configured bounds.
    fn queue(&self) -> (QueueTx, QueueRx) {
        let config = &self.settings.config;
        let bytes = self.queue_bytes.load(std::sync::atomic::Ordering::Relaxed);
        queue::channel(config.sse_queue, bytes)
    }

    /// Opens a new stream with a connection (its first event is the priming event, when the
    /// session is resumable and on 2025-11-25 or later).
    pub(super) fn open_stream(&self, state: &mut State) -> (u64, OpenStream) {
        let stream = state.next_stream;
        state.next_stream += 1;
        let (tx, rx) = self.queue();
        state.streams.insert(
            stream,
            StreamRecord {
                last_seq: 0,
                stored_seq: 0,
                complete: false,
                conn: Some(tx),
            },
        );
        let mut first = VecDeque::new();
        if self.resumable()
            && self.version >= ProtocolVersion::V2025_11_25
            && !self.version.is_modern()
        {
            let id = EventId::new(stream, 0).to_string();
            first.push_back(sse::event(Some(&id), b""));
        }
        (
            stream,
            OpenStream {
                first,
                rx,
                last_seq: 0,
            },
        )
    }

    /// Ends a stream: no more messages go to it, its connection ends after what is queued.
    pub(super) fn finish_stream(&self, state: &mut State, stream: u64) {
        if let Some(record) = state.streams.get_mut(&stream) {
            record.complete = true;
            record.conn = None;
        }
        if !self.resumable() {
            state.streams.remove(&stream);
            return;
        }
        state.completed.push_back(stream);
        while state.completed.len() > self.settings.config.completed_streams {
            if let Some(old) = state.completed.pop_front() {
                state.streams.remove(&old);
            }
        }
    }

    /// Opens the standalone stream of a GET, replacing the previous one (whose undelivered
    /// messages stay resumable by its own event ids).
    pub(crate) async fn open_standalone(&self) -> Option<OpenStream> {
        let (stream, open, backlog) = {
            let mut state = lock(&self.state);
            if state.closed {
                return None;
            }
            if let Some(old) = state.standalone.take() {
                self.finish_stream(&mut state, old);
            }
            let (stream, open) = self.open_stream(&mut state);
            state.standalone = Some(stream);
            let backlog = std::mem::take(&mut state.backlog);
            (stream, open, backlog)
        };
        for message in backlog {
            self.deliver(stream, message, false).await;
        }
        Some(open)
    }

    /// Puts a message on a stream: event store first, then the connection if one is open.
    pub(super) async fn deliver(&self, stream: u64, bytes: Bytes, last: bool) {
        let seq = {
            let mut state = lock(&self.state);
            let Some(record) = state.streams.get_mut(&stream) else {
                return;
            };
            record.last_seq += 1;
            record.last_seq
        };
        let id = EventId::new(stream, seq);
        let resumable = self.resumable();
        if resumable
            && let Some(store) = &self.settings.config.event_store
            && let Err(e) = store.append(&self.id, id, bytes.clone()).await
        {
            tracing::warn!(error = %e, "could not keep an event for resumption");
        }
        let event_id = resumable.then(|| id.to_string());
        let item = SseItem {
            seq: if resumable { seq } else { 0 },
            bytes: if self.is_legacy() {
                sse::named_event("message", &bytes)
            } else {
                sse::event(event_id.as_deref(), &bytes)
            },
        };
        let mut state = lock(&self.state);
        let mut cancel = false;
        if let Some(record) = state.streams.get_mut(&stream) {
            record.stored_seq = seq;
        }
        if let Some(record) = state.streams.get_mut(&stream)
            && let Some(conn) = &record.conn
        {
            match conn.try_send(item) {
                Ok(()) => {}
                Err(Refused::Full) if resumable => {
                    tracing::debug!(stream, "slow SSE reader: closing its connection");
                    record.conn = None;
                }
                Err(Refused::Full) if self.is_stateless() => {
                    // A POST's own session: its stream can never be resumed, so its
                    // request is cancelled (a listen stream's subscription ends).
                    tracing::warn!(
                        stream,
                        "slow SSE reader: closing its connection and its request's session"
                    );
                    record.conn = None;
                    cancel = true;
                }
                Err(Refused::Full) => {
                    tracing::warn!(
                        session = %self.id,
                        stream,
                        "slow SSE reader: closing its connection; without an event store the \
                         rest of this stream is dropped"
                    );
                    record.conn = None;
                }
                Err(Refused::Closed) => record.conn = None,
            }
        }
        if last {
            self.finish_stream(&mut state, stream);
        }
        drop(state);
        if cancel && let Some(handle) = self.handle.get() {
            handle.close();
        }
    }

    /// Attaches a new connection to stream `after.stream` and returns the events after
    /// `after`, then everything that follows live.
    pub(crate) async fn resume(&self, after: EventId) -> Result<OpenStream, ResumeError> {
        let Some(store) = self
            .settings
            .config
            .event_store
            .as_ref()
            .filter(|_| self.resumable())
        else {
            return Err(ResumeError::Unsupported);
        };
        let (stored_seq, rx) = match self.attach(after) {
            Ok(attached) => attached,
            Err(_) if self.is_shared() && !self.numbered_here(after.stream) => {
                return self.resume_elsewhere(after).await;
            }
            Err(refused) => return Err(refused),
        };
        let events = match store.replay(&self.id, after.stream, after.seq).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "event store failed during a resumption");
                return Err(ResumeError::Gone);
            }
        };
        let (first, last_seq) = replayed(after, events, stored_seq)?;
        // A stream that was complete ends after its replay.
        let rx = rx.unwrap_or_else(QueueRx::ended);
        Ok(OpenStream {
            first,
            rx,
            last_seq,
        })
    }

    /// Whether this instance numbered stream `stream` (see
    /// [`set_first_stream`](Session::set_first_stream)).
    fn numbered_here(&self, stream: u64) -> bool {
        let state = lock(&self.state);
        (state.first_stream..state.next_stream).contains(&stream)
    }

    /// Resumes a stream of a shared session that another instance opened (one that died,
    /// or that the client's connection no longer reaches): the events of the shared event
    /// store after `after`, then a `retry` hint and the end of the connection; the client
    /// resumes again from there for what comes later (SSE polling, SEP-1699), on any
    /// instance. `Gone` when the store has lost events after `after`.
    async fn resume_elsewhere(&self, after: EventId) -> Result<OpenStream, ResumeError> {
        let config = &self.settings.config;
        let store = config
            .event_store
            .as_ref()
            .ok_or(ResumeError::Unsupported)?;
        let events = match store.replay(&self.id, after.stream, after.seq).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "event store failed during a resumption");
                return Err(ResumeError::Gone);
            }
        };
        if events.first().is_some_and(|(seq, _)| *seq != after.seq + 1) {
            return Err(ResumeError::Gone);
        }
        let (mut first, last_seq) = replayed(after, events, 0)?;
        let retry = config
            .sse_polling
            .map_or(std::time::Duration::from_secs(1), |p| p.retry);
        first.push_back(sse::retry(
            u64::try_from(retry.as_millis()).unwrap_or(u64::MAX),
        ));
        Ok(OpenStream {
            first,
            rx: QueueRx::ended(),
            last_seq,
        })
    }

    /// The first step of [`resume`](Self::resume): checks that `after` names an event of
    /// this session and, unless its stream is complete, attaches a new connection to the
    /// stream. Returns the stream's `stored_seq` and the connection's receiver.
    fn attach(&self, after: EventId) -> Result<(u64, Option<QueueRx>), ResumeError> {
        let mut state = lock(&self.state);
        if after.stream == 0 || after.stream >= state.next_stream {
            return Err(ResumeError::Unknown);
        }
        let Some(record) = state.streams.get_mut(&after.stream) else {
            return Err(ResumeError::Gone);
        };
        if after.seq > record.last_seq {
            return Err(ResumeError::Unknown);
        }
        let rx = if record.complete {
            None
        } else {
            let (tx, rx) = self.queue();
            record.conn = Some(tx);
            Some(rx)
        };
        Ok((record.stored_seq, rx))
    }
}

/// The SSE events to replay after `after`, from the `events` the store returned, and the
/// sequence number of the last one. Every event stored before the connection was attached
/// (up to `stored_seq`) must be there, or the stream cannot be resumed.
fn replayed(
    after: EventId,
    events: Vec<(u64, Bytes)>,
    stored_seq: u64,
) -> Result<(VecDeque<Bytes>, u64), ResumeError> {
    // The one being delivered meanwhile (if any) comes live, and may be in the replay too:
    // the body drops live events up to the last one replayed.
    let replayed: Vec<_> = events
        .into_iter()
        .enumerate()
        .take_while(|(i, (seq, _))| *seq == after.seq + 1 + *i as u64)
        .map(|(_, event)| event)
        .collect();
    let last_seq = replayed.last().map_or(after.seq, |(seq, _)| *seq);
    if last_seq < stored_seq {
        return Err(ResumeError::Gone);
    }
    let first = replayed
        .into_iter()
        .map(|(seq, bytes)| sse::event(Some(&EventId::new(after.stream, seq).to_string()), &bytes))
        .collect();
    Ok((first, last_seq))
}
