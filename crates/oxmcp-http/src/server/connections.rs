//! The open connections of [`serve`](super::serve): a cap, and which connection goes first
//! when a new one needs room.
//!
//! Near the cap (or when the process runs out of file descriptors) the server keeps
//! accepting by closing an idle connection: first those that have never sent a whole
//! request header (a slowloris, or a client that connected and went quiet), oldest first;
//! then those waiting between requests, longest idle first. A connection with a request
//! in flight (an SSE stream included, until its body ends) is never closed for room; when
//! every connection is busy, the new one is closed instead.
//!
//! One client (an address; IPv6 by its /64) may hold a share of the connections at most,
//! so that a client whose connections are all busy (long calls, SSE streams) cannot lock
//! the others out: past its share, its new connection takes room from its own idle ones,
//! or is closed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What the accept loop knows of one connection.
#[derive(Debug)]
pub(crate) struct ConnState {
    /// Its client's bucket (see [`bucket`](super::client::bucket)).
    client: IpAddr,
    /// When it was accepted.
    accepted: Instant,
    /// Requests whose header was received.
    requests: AtomicU64,
    /// Requests (and response bodies) in flight.
    busy: AtomicUsize,
    /// When it last became idle, in milliseconds after `accepted`.
    idle_since_ms: AtomicU64,
    /// Cancelled to close it.
    pub(crate) close: CancellationToken,
}

impl ConnState {
    /// A request header arrived: the connection is busy until the guard is dropped (with
    /// the response body).
    pub(crate) fn begin(self: &Arc<Self>) -> BusyGuard {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.busy.fetch_add(1, Ordering::AcqRel);
        BusyGuard(self.clone())
    }

    /// Whether a request (or its response body) is in flight.
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire) > 0
    }

    /// How eager we are to close it: `None` while busy; else `(1, age)` before its first
    /// whole header, `(0, idle time)` between requests. The largest goes first.
    fn victim_rank(&self, now: Instant) -> Option<(u8, u64)> {
        if self.is_busy() {
            return None;
        }
        let age = u64::try_from(now.duration_since(self.accepted).as_millis()).unwrap_or(u64::MAX);
        if self.requests.load(Ordering::Relaxed) == 0 {
            return Some((1, age));
        }
        let idle_since = self.idle_since_ms.load(Ordering::Relaxed);
        Some((0, age.saturating_sub(idle_since)))
    }
}

/// Marks a connection busy while it lives.
#[derive(Debug)]
pub(crate) struct BusyGuard(Arc<ConnState>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let state = &self.0;
        let now = u64::try_from(state.accepted.elapsed().as_millis()).unwrap_or(u64::MAX);
        state.idle_since_ms.store(now, Ordering::Relaxed);
        state.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its connection counted as busy until it ends.
#[derive(Debug)]
pub(crate) struct Tracked<B> {
    body: B,
    _busy: BusyGuard,
}

impl<B> Tracked<B> {
    pub(crate) fn new(body: B, busy: BusyGuard) -> Self {
        Self { body, _busy: busy }
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for Tracked<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The open connections and their caps.
#[derive(Debug)]
pub(crate) struct Connections {
    cap: usize,
    per_client: usize,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    next: u64,
    open: HashMap<u64, Arc<ConnState>>,
    /// Open connections per client bucket (entries at zero are removed).
    by_client: HashMap<IpAddr, usize>,
}

impl Table {
    fn remove(&mut self, id: u64) -> Option<Arc<ConnState>> {
        let state = self.open.remove(&id)?;
        if let Some(count) = self.by_client.get_mut(&state.client) {
            *count -= 1;
            if *count == 0 {
                self.by_client.remove(&state.client);
            }
        }
        Some(state)
    }
}

/// Removes its connection from the table when the connection's task ends.
#[derive(Debug)]
pub(crate) struct Registration {
    connections: Arc<Connections>,
    id: u64,
    pub(crate) state: Arc<ConnState>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.connections.table().remove(self.id);
    }
}

impl Connections {
    /// At most `cap` connections, `per_client` of them from one client.
    pub(crate) fn new(cap: usize, per_client: usize) -> Self {
        Self {
            cap: cap.max(1),
            per_client: per_client.max(1),
            table: Mutex::new(Table::default()),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many connections are open.
    pub(crate) fn len(&self) -> usize {
        self.table().open.len()
    }

    /// Closes the idle connection that should go first; false when every one is busy.
    pub(crate) fn close_one(&self) -> bool {
        self.close_idle(None)
    }

    /// Closes the idle connection (of `client`, when given) that should go first; false
    /// when every such connection is busy.
    fn close_idle(&self, client: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let mut table = self.table();
        let victim = table
            .open
            .iter()
            .filter(|(_, state)| client.is_none_or(|c| state.client == c))
            .filter_map(|(id, state)| state.victim_rank(now).map(|rank| (rank, *id)))
            .max()
            .map(|(_, id)| id);
        let Some(state) = victim.and_then(|id| table.remove(id)) else {
            return false;
        };
        drop(table);
        tracing::debug!("connection cap: closing an idle connection");
        state.close.cancel();
        true
    }

    fn of_client(&self, client: IpAddr) -> usize {
        self.table().by_client.get(&client).copied().unwrap_or(0)
    }

    /// Counts a new connection from `client` (its bucket), closing an idle one first when
    /// at a cap (one of the client's own at its share); `None` (the new connection is to
    /// be closed) when at a cap with every such connection busy.
    pub(crate) fn admit(
        self: &Arc<Self>,
        client: IpAddr,
        stop: &CancellationToken,
    ) -> Option<Registration> {
        if self.of_client(client) >= self.per_client && !self.close_idle(Some(client)) {
            tracing::warn!(
                cap = self.per_client,
                %client,
                "per-client connection cap reached, every connection of the client busy"
            );
            return None;
        }
        if self.len() >= self.cap && !self.close_one() {
            tracing::warn!(
                cap = self.cap,
                "connection cap reached, every connection busy"
            );
            return None;
        }
        let state = Arc::new(ConnState {
            client,
            accepted: Instant::now(),
            requests: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
            close: stop.child_token(),
        });
        let mut table = self.table();
        let id = table.next;
        table.next += 1;
        table.open.insert(id, state.clone());
        *table.by_client.entry(client).or_default() += 1;
        Some(Registration {
            connections: self.clone(),
            id,
            state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[tokio::test(start_paused = true)]
    async fn idle_connections_go_first_and_busy_ones_never() {
        let stop = CancellationToken::new();
        let conns = Arc::new(Connections::new(3, 3));
        let served = conns.admit(HOME, &stop).unwrap();
        drop(served.state.begin());
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        let busy = conns.admit(HOME, &stop).unwrap();
        let _busy_guard = busy.state.begin();
        let silent = conns.admit(HOME, &stop).unwrap();
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        // At the cap: the one that never sent a header goes first, though it is the youngest.
        let fourth = conns.admit(HOME, &stop).unwrap();
        assert!(silent.state.close.is_cancelled());
        assert!(!served.state.close.is_cancelled());
        // Then the one idle between requests.
        let fifth = conns.admit(HOME, &stop).unwrap();
        assert!(fourth.state.close.is_cancelled(), "never sent a header");
        let _fifth_busy = fifth.state.begin();
        let sixth = conns.admit(HOME, &stop).unwrap();
        assert!(served.state.close.is_cancelled());
        // Every connection busy: the next one is refused.
        let _sixth_busy = sixth.state.begin();
        assert!(conns.admit(HOME, &stop).is_none());
        assert!(!busy.state.close.is_cancelled());
        assert_eq!(conns.len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn one_client_holds_its_share_at_most() {
        let stop = CancellationToken::new();
        let conns = Arc::new(Connections::new(4, 2));
        let first = conns.admit(HOME, &stop).unwrap();
        let _first_busy = first.state.begin();
        let idle = conns.admit(HOME, &stop).unwrap();
        // At its share, the client's new connection takes room from its own idle one...
        let third = conns.admit(HOME, &stop).unwrap();
        assert!(idle.state.close.is_cancelled());
        drop(idle);
        // ...and with both busy it is refused, while another client still gets in.
        let _third_busy = third.state.begin();
        assert!(conns.admit(HOME, &stop).is_none());
        assert!(!first.state.close.is_cancelled() && !third.state.close.is_cancelled());
        let away = conns.admit(AWAY, &stop).unwrap();
        assert_eq!((conns.of_client(HOME), conns.of_client(AWAY)), (2, 1));
        // Closed connections free their client's share.
        drop((first, third, away));
        assert_eq!((conns.of_client(HOME), conns.len()), (0, 0));
        assert!(conns.table().by_client.is_empty());
    }
}
