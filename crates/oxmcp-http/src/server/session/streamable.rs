//! The exchanges of Streamable HTTP: each POSTed request is answered on its own POST, and
//! each outgoing message goes to exactly one stream. Stateless POSTs use them too.
//!
//! A request waits for its first message: a result that comes first is a JSON body
//! ([`Answer::Json`]); a related message that comes first (or any message, in
//! [`ResponseMode::Sse`]) switches the POST to an SSE stream
//! ([`Answer::Sse`]) that carries every message related to the request and ends with its
//! response. The requests of a JSON-RPC batch share one stream ([`BatchAnswers`]). A message
//! related to no open request goes to the standalone stream of a GET, or waits in a bounded
//! backlog until a GET opens one.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use oxmcp_core::transport::{OutboundMessage, Route};
use oxmcp_types::{ProtocolVersion, RequestId};
use tokio::sync::oneshot;

use super::streams::OpenStream;
use super::{Session, SessionKind, State, lock};
use crate::bus::{Delivery, Envelope};
use crate::server::body::SseItem;
use crate::server::{HttpServerConfig, ResponseMode};
use crate::sse;

/// What a POST waiting for its request's first message gets.
#[derive(Debug)]
pub(crate) enum Answer {
    /// The result came first: a JSON body.
    Json(Bytes),
    /// A related message came first (or the mode is SSE): an SSE stream.
    Sse(OpenStream),
    /// The client cancelled the request: the stream ends without a result.
    Cancelled,
}

/// How an open request is answered.
pub(super) enum Exchange {
    /// The POST waits for the request's first message.
    Waiting(oneshot::Sender<Answer>),
    /// The POST's SSE stream carries the request's messages.
    Stream(u64),
    /// One request of a JSON-RPC batch answered on a stream shared by the batch: the stream
    /// ends with the last of their responses.
    Batch(u64),
}

/// How the requests of a batch are answered.
#[derive(Debug)]
pub(crate) enum BatchAnswers {
    /// One waiting answer per accepted request (JSON mode).
    Json(Vec<oneshot::Receiver<Answer>>),
    /// One SSE stream for all of them.
    Sse(OpenStream),
}

/// Whether a request of the batch answered on `stream` is still waiting for its response.
fn batch_open(state: &State, stream: u64) -> bool {
    state
        .exchanges
        .values()
        .any(|e| matches!(e, Exchange::Batch(s) if *s == stream))
}

/// Keeps `bytes` in the standalone backlog, dropping the oldest messages past its bounds
/// in messages and in bytes (the newest is always kept, unless the backlog is off).
fn backlog(backlog: &mut VecDeque<Bytes>, bytes: Bytes, config: &HttpServerConfig) {
    if config.standalone_backlog == 0 {
        return;
    }
    let mut total: usize = backlog.iter().map(Bytes::len).sum::<usize>() + bytes.len();
    backlog.push_back(bytes);
    while backlog.len() > config.standalone_backlog
        || (backlog.len() > 1 && total > config.standalone_backlog_bytes)
    {
        if let Some(dropped) = backlog.pop_front() {
            total -= dropped.len();
            tracing::debug!("standalone backlog full: dropped the oldest message");
        }
    }
}

/// Why a POSTed request was not registered with its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotRegistered {
    /// The session has ended.
    Closed,
    /// A request with the same id is still running.
    InUse,
    /// The client has [`max_requests_per_client`](crate::HttpServerConfig::max_requests_per_client)
    /// requests in flight over all its sessions.
    ClientBusy,
}

impl Session {
    /// Registers a POSTed request before it is forwarded (the caller answers a refusal
    /// itself).
    pub(crate) fn begin_exchange(
        &self,
        id: RequestId,
    ) -> Result<oneshot::Receiver<Answer>, NotRegistered> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err(NotRegistered::Closed);
        }
        if state.exchanges.contains_key(&id) {
            return Err(NotRegistered::InUse);
        }
        if !state.exchanges.reserve(1) {
            return Err(NotRegistered::ClientBusy);
        }
        let (tx, rx) = oneshot::channel();
        if self.settings.config.response_mode == ResponseMode::Sse {
            let (stream, open) = self.open_stream(&mut state);
            state.exchanges.insert(id, Exchange::Stream(stream));
            let _ = tx.send(Answer::Sse(open));
        } else {
            state.exchanges.insert(id, Exchange::Waiting(tx));
        }
        Ok(rx)
    }

    /// Whether the client's request `id` is open on this instance.
    pub(crate) fn has_exchange(&self, id: &RequestId) -> bool {
        lock(&self.state).exchanges.contains_key(id)
    }

    /// The client cancelled request `id`: its POST ends without a result.
    pub(crate) fn cancelled(&self, id: &RequestId) {
        let mut state = lock(&self.state);
        match state.exchanges.remove(id) {
            Some(Exchange::Waiting(tx)) => {
                let _ = tx.send(Answer::Cancelled);
            }
            Some(Exchange::Stream(stream)) => self.finish_stream(&mut state, stream),
            Some(Exchange::Batch(stream)) if !batch_open(&state, stream) => {
                self.finish_stream(&mut state, stream);
            }
            Some(Exchange::Batch(_)) | None => {}
        }
    }

    /// Forgets requests whose POST went away before their answers came (see
    /// [`Registered`](crate::server::registered::Registered)). A stateless session with
    /// nothing left to answer ends its input.
    pub(crate) fn abandon(&self, ids: &[RequestId]) {
        let mut state = lock(&self.state);
        for id in ids {
            match state.exchanges.remove(id) {
                Some(Exchange::Stream(stream)) => self.finish_stream(&mut state, stream),
                Some(Exchange::Batch(stream)) if !batch_open(&state, stream) => {
                    self.finish_stream(&mut state, stream);
                }
                _ => {}
            }
        }
        let ended = self.is_stateless() && state.exchanges.is_empty();
        drop(state);
        if ended {
            self.close_input();
        }
    }

    /// Registers the requests of a JSON-RPC batch before they are forwarded: one waiting
    /// answer each in JSON mode, otherwise one SSE stream for the whole batch. Returns, in
    /// the order of `ids`, whether each was accepted (an id in flight, or repeated in the
    /// batch, is not). Refused whole once the session has ended, or when the client has
    /// no room for all of the batch's requests.
    pub(crate) fn begin_batch(
        &self,
        ids: &[RequestId],
    ) -> Result<(BatchAnswers, Vec<bool>), NotRegistered> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err(NotRegistered::Closed);
        }
        let accepted: Vec<bool> = {
            let mut seen = std::collections::HashSet::new();
            ids.iter()
                .map(|id| !state.exchanges.contains_key(id) && seen.insert(id))
                .collect()
        };
        let new = accepted.iter().filter(|ok| **ok).count();
        if !state.exchanges.reserve(new) {
            return Err(NotRegistered::ClientBusy);
        }
        let mut taken = ids.iter().zip(&accepted).filter(|(_, ok)| **ok);
        if self.settings.config.response_mode == ResponseMode::Json || !accepted.contains(&true) {
            let mut answers = Vec::new();
            for (id, _) in taken {
                let (tx, rx) = oneshot::channel();
                state.exchanges.insert(id.clone(), Exchange::Waiting(tx));
                answers.push(rx);
            }
            return Ok((BatchAnswers::Json(answers), accepted));
        }
        let (stream, open) = self.open_stream(&mut state);
        for (id, _) in &mut taken {
            state.exchanges.insert(id.clone(), Exchange::Batch(stream));
        }
        Ok((BatchAnswers::Sse(open), accepted))
    }

    /// Routes the response to request `id`: to its waiting POST, or as the last message of
    /// its stream (of the batch's stream, for the last response of a batch).
    pub(super) async fn respond(&self, id: &RequestId, bytes: Bytes) {
        let (exchange, batch_done) = {
            let mut state = lock(&self.state);
            let exchange = state.exchanges.remove(id);
            let done = match exchange {
                Some(Exchange::Batch(stream)) => !batch_open(&state, stream),
                _ => false,
            };
            (exchange, done)
        };
        let answered = exchange.is_some();
        match exchange {
            Some(Exchange::Waiting(tx)) => {
                if tx.send(Answer::Json(bytes)).is_err() {
                    tracing::debug!(%id, "the client left before the response");
                }
            }
            Some(Exchange::Stream(stream)) => self.deliver(stream, bytes, true).await,
            Some(Exchange::Batch(stream)) => self.deliver(stream, bytes, batch_done).await,
            None => tracing::debug!(%id, "dropping a response to no open request"),
        }
        if self.ends_with_its_answers() && answered && lock(&self.state).exchanges.is_empty() {
            // The POST's last request is answered: end the engine's input. Not on the
            // answer to the built-in `initialize` (no exchange): the POST's own messages
            // still have to come in.
            self.close_input();
        }
    }

    /// Delivers an answer the engine handed back instead of writing it (see
    /// [`FrameSink::push_for_answer`](oxmcp_core::transport::FrameSink::push_for_answer)):
    /// its bytes, taken from the request's exchange, when the POST still waits for its first
    /// message; otherwise (`None`) it is routed as the writer would have routed it, and the
    /// POST's answer is what its exchange got.
    pub(super) async fn take_answer(&self, message: OutboundMessage) -> Option<Bytes> {
        if let Route::Response(id) = &message.route {
            let taken = {
                let mut state = lock(&self.state);
                let taken = state.exchanges.remove_waiting(id);
                if taken && self.ends_with_its_answers() && state.exchanges.is_empty() {
                    drop(state);
                    self.close_input();
                }
                taken
            };
            if taken {
                return Some(Bytes::from(message.bytes));
            }
        }
        // Boxed: the rare path, kept out of the future of every modern POST.
        Box::pin(self.route(message)).await;
        None
    }

    /// The stream of request `id`, switching a POST still waiting for its first message to
    /// SSE (unless the mode is JSON). `None` when the request has no open exchange.
    fn stream_of(&self, state: &mut State, id: &RequestId) -> Option<u64> {
        match state.exchanges.get(id) {
            Some(Exchange::Stream(stream) | Exchange::Batch(stream)) => Some(*stream),
            Some(Exchange::Waiting(_))
                if self.settings.config.response_mode != ResponseMode::Json =>
            {
                let (stream, open) = self.open_stream(state);
                if let Some(Exchange::Waiting(tx)) =
                    state.exchanges.insert(id.clone(), Exchange::Stream(stream))
                {
                    let _ = tx.send(Answer::Sse(open));
                }
                Some(stream)
            }
            _ => None,
        }
    }

    /// Routes a message sent on behalf of request `id`: on its stream, or (when it has none)
    /// as an unrelated message.
    pub(super) async fn related(&self, id: &RequestId, bytes: Bytes) {
        let stream = self.stream_of(&mut lock(&self.state), id);
        match stream {
            Some(stream) => self.deliver(stream, bytes, false).await,
            None => self.unrelated(bytes).await,
        }
    }

    /// Routes a message related to no request: on the standalone stream while a connection
    /// carries it (or it is resumable); for a shared session whose standalone stream
    /// another instance holds, to that instance (see [`bus`](crate::bus)), except the
    /// notification of a server change when every instance hears of those (the holder
    /// tells it itself); else into the backlog the next GET receives.
    pub(super) async fn unrelated(&self, bytes: Bytes) {
        if self.is_shared()
            && let Some(bus) = &self.settings.config.bus
            && !self.holds_standalone()
        {
            match bus.stream_holder(&self.id).await {
                Ok(Some(holder)) if holder != bus.instance() => {
                    if bus.fans_out_changes() && is_change(&bytes) {
                        return;
                    }
                    let envelope = Envelope::new(&*self.id, Delivery::Unrelated, bytes.clone());
                    match bus.send(&holder, envelope).await {
                        Ok(()) => return,
                        Err(e) => tracing::warn!(error = %e, "bus: a message was not forwarded"),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "bus: the stream holder is unknown"),
            }
        }
        self.unrelated_here(bytes).await;
    }

    /// Whether this instance holds a live standalone stream of the session.
    fn holds_standalone(&self) -> bool {
        let state = lock(&self.state);
        state.standalone.is_some_and(|s| {
            state
                .streams
                .get(&s)
                .is_some_and(|r| r.conn.as_ref().is_some_and(|c| !c.is_closed()))
        })
    }

    /// [`unrelated`](Self::unrelated), on this instance only.
    pub(crate) async fn unrelated_here(&self, bytes: Bytes) {
        if matches!(self.kind, SessionKind::Pooled) {
            // No GET can reach a pooled session, and its next request is another's.
            tracing::trace!("dropping an unrelated message of a pooled session");
            return;
        }
        let target = {
            let mut state = lock(&self.state);
            let live = state.standalone.filter(|s| {
                self.resumable()
                    || state
                        .streams
                        .get(s)
                        .is_some_and(|r| r.conn.as_ref().is_some_and(|c| !c.is_closed()))
            });
            if live.is_none() {
                backlog(&mut state.backlog, bytes.clone(), &self.settings.config);
            }
            live
        };
        if let Some(stream) = target {
            self.deliver(stream, bytes, false).await;
        }
    }

    /// Ends the connection that carries request `id`'s stream after a `retry` hint, while
    /// the request goes on: the client resumes with `Last-Event-ID` and gets the rest of
    /// the stream (SEP-1699). A POST still waiting for its first message is answered with
    /// an SSE stream (its priming event, then the hint). Only for resumable sessions on
    /// 2025-11-25 or later (clients before that are not told they may resume); false when
    /// the request has no open exchange or the response mode is JSON.
    pub(crate) fn close_request_stream(&self, id: &RequestId, retry: Duration) -> bool {
        if !self.resumable()
            || self.version < ProtocolVersion::V2025_11_25
            || self.version.is_modern()
        {
            return false;
        }
        let mut state = lock(&self.state);
        let Some(stream) = self.stream_of(&mut state, id) else {
            return false;
        };
        let Some(record) = state.streams.get_mut(&stream) else {
            return false;
        };
        if let Some(conn) = record.conn.take() {
            let millis = u64::try_from(retry.as_millis()).unwrap_or(u64::MAX);
            // The hint has no sequence number: it is never replayed.
            let hint = SseItem {
                seq: 0,
                bytes: sse::retry(millis),
            };
            if conn.try_send(hint).is_err() {
                tracing::debug!(stream, "the retry hint did not fit the connection queue");
            }
        }
        true
    }
}

/// Whether `bytes` is the notification of a server change (see
/// [`ServerChange`](oxmcp_core::server::ServerChange)).
fn is_change(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Method<'a> {
        #[serde(borrow)]
        method: Option<&'a str>,
    }
    serde_json::from_slice::<Method<'_>>(bytes)
        .ok()
        .and_then(|m| m.method)
        .is_some_and(oxmcp_core::server::ServerChange::is_change_method)
}
