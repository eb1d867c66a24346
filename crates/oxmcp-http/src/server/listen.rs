//! `subscriptions/listen` (2026-07-28) over HTTP: the request's SSE response is the stream
//! of change notifications, open as long as the client keeps it.
//!
//! What the HTTP side bounds: how many listen streams one client (counted as for
//! [`max_sessions_per_client`](super::HttpServerConfig::max_sessions_per_client)) has open
//! at once ([`max_listen_streams_per_client`](super::HttpServerConfig::max_listen_streams_per_client),
//! 429 past it), and how many bytes wait on one stream for a client that does not read
//! ([`listen_queue_bytes`](super::HttpServerConfig::listen_queue_bytes): past it the stream
//! is closed, which ends the subscription; the client opens a new one and lists again).
//! The engine bounds the streams of the whole server
//! ([`McpServerBuilder::max_listen_streams`](oxmcp_core::server::McpServerBuilder::max_listen_streams)).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use http::{HeaderValue, Response, StatusCode, header};
use oxmcp_types::jsonrpc::ErrorResponse;
use oxmcp_types::methods::{RequestMethod, SubscriptionsListenRequest};
use oxmcp_types::{ErrorData, Message, RequestId};

use oxmcp_types::jsonrpc::Request;

use super::ServiceInner;
use super::body::{self, McpBody};
use super::client::ClientKey;
use super::inbound::Origin;
use super::session::Session;

/// Whether `method` opens a listen stream.
pub(crate) fn is_listen(method: &str) -> bool {
    method == SubscriptionsListenRequest::METHOD
}

/// The open listen streams: how many each client has, and their sessions (closed when
/// the service closes all its sessions: a listen stream never ends by itself).
#[derive(Clone, Default)]
pub(crate) struct ListenStreams {
    open: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    per_client: HashMap<ClientKey, usize>,
    sessions: HashMap<u64, Weak<Session>>,
    next: u64,
}

impl std::fmt::Debug for ListenStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenStreams")
            .field("open", &lock(&self.open).sessions.len())
            .finish()
    }
}

fn lock(open: &Mutex<Open>) -> MutexGuard<'_, Open> {
    open.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One open listen stream; given back when dropped (with the response body).
pub(crate) struct ListenSlot {
    open: Arc<Mutex<Open>>,
    /// The client, when counted (clients of unknown address are not).
    client: Option<ClientKey>,
    id: u64,
}

impl ListenStreams {
    /// Takes a slot for `client`, unless it has `cap` streams open. Clients of unknown
    /// address are not counted.
    pub(crate) fn take(&self, client: ClientKey, cap: usize) -> Option<ListenSlot> {
        let mut open = lock(&self.open);
        let client = if client == ClientKey::Unknown {
            None
        } else {
            let count = open.per_client.get(&client).copied().unwrap_or(0);
            if count >= cap {
                return None;
            }
            open.per_client.insert(client.clone(), count + 1);
            Some(client)
        };
        open.next += 1;
        Some(ListenSlot {
            open: self.open.clone(),
            client,
            id: open.next,
        })
    }

    /// Closes the session of every open stream (their subscriptions end).
    pub(crate) fn close_all(&self) {
        let sessions: Vec<Weak<Session>> = lock(&self.open).sessions.values().cloned().collect();
        for session in sessions.iter().filter_map(Weak::upgrade) {
            if let Some(handle) = session.handle.get() {
                handle.close();
            }
        }
    }

    /// How many streams `client` has open.
    #[cfg(test)]
    pub(crate) fn of(&self, client: &ClientKey) -> usize {
        lock(&self.open)
            .per_client
            .get(client)
            .copied()
            .unwrap_or(0)
    }
}

impl ListenSlot {
    /// Notes the session that serves the stream.
    fn attach(&self, session: &Arc<Session>) {
        lock(&self.open)
            .sessions
            .insert(self.id, Arc::downgrade(session));
    }
}

impl Drop for ListenSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        open.sessions.remove(&self.id);
        if let Some(client) = &self.client
            && let Some(count) = open.per_client.get_mut(client)
        {
            *count -= 1;
            if *count == 0 {
                open.per_client.remove(client);
            }
        }
    }
}

/// The slot a modern request needs before it is served: `Ok(None)` for any request but
/// `subscriptions/listen`, and for a listen stream of a client not counted; `Err` with the
/// 429 for a client with `max_listen_streams_per_client` open.
pub(crate) fn admit(
    inner: &ServiceInner,
    request: &Request,
    origin: &Origin<'_>,
) -> Result<Option<ListenSlot>, Box<Response<McpBody>>> {
    if !is_listen(&request.method) {
        return Ok(None);
    }
    let cap = inner.settings.config.max_listen_streams_per_client;
    inner
        .listens
        .take(origin.client_key(), cap)
        .map(Some)
        .ok_or_else(|| Box::new(too_many(inner, request.id.clone())))
}

/// Closes a one-request session when dropped.
struct CloseOnDrop(Arc<Session>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = self.0.handle.get() {
            handle.close();
        }
    }
}

/// Ties the one-request session of a modern request, and its listen slot, to its
/// response: when the response is an SSE stream, the end of its connection (the client
/// closed it, or it was closed for a slow reader) closes the session, which cancels the
/// request if it is still running (in 2026-07-28, closing a request's stream is its
/// cancellation) and ends a listen stream's subscription.
pub(crate) fn tie(
    response: Response<McpBody>,
    session: Arc<Session>,
    slot: Option<ListenSlot>,
) -> Response<McpBody> {
    if !response.body().is_sse() {
        return response;
    }
    if let Some(slot) = &slot {
        slot.attach(&session);
    }
    response.map(|body| body.holding(CloseOnDrop(session)).holding(slot))
}

/// 429 for a client with too many listen streams open.
pub(crate) fn too_many(inner: &ServiceInner, id: RequestId) -> Response<McpBody> {
    let cap = inner.settings.config.max_listen_streams_per_client;
    let error = ErrorData::internal_error(format!(
        "too many subscriptions/listen streams open from this client (the limit is {cap}); \
         close one and retry"
    ));
    let message = Message::Error(ErrorResponse::new(Some(id), error));
    let mut response = body::json(StatusCode::TOO_MANY_REQUESTS, message.to_vec());
    let secs = inner.settings.config.retry_after.as_secs().max(1);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    #[test]
    fn counted_per_client_and_given_back() {
        let counts = ListenStreams::default();
        let a = ClientKey::Addr(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let b = ClientKey::Addr(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        let first = counts.take(a.clone(), 2).expect("room");
        let second = counts.take(a.clone(), 2).expect("room");
        assert!(counts.take(a.clone(), 2).is_none(), "two open");
        assert!(counts.take(b.clone(), 2).is_some(), "another client");
        assert_eq!(counts.of(&b), 0, "its slot went with it");
        drop(first);
        assert_eq!(counts.of(&a), 1);
        assert!(counts.take(a.clone(), 2).is_some());
        drop(second);
        assert_eq!(counts.of(&a), 0);
        assert!(counts.take(ClientKey::Unknown, 0).is_some(), "not counted");
        assert!(counts.take(a, 0).is_none(), "a cap of 0 refuses all");
    }
}
