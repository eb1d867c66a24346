//! `roots/list` with at most one request in flight per session: callers that ask while one
//! waits for the client share its answer, and no more of them wait than
//! [`SessionConfig::max_outgoing_requests`](crate::SessionConfig) (the others fail at once
//! with [`RequestError::TooManyOutgoing`]). A client that sends
//! `notifications/roots/list_changed` in a loop, with a server that refreshes its roots on
//! each, costs one outstanding request and a bounded number of waiters, not one request per
//! notification.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use oxmcp_types::methods::ListRootsRequest;
use oxmcp_types::{RequestParams, Root};
use tokio::sync::watch;

use crate::error::RequestError;
use crate::role::Server;
use crate::session::Peer;
use crate::session::state::lock;

/// The answer of the request in flight, shared with the callers that joined it.
type Shared = Result<Arc<Vec<Root>>, Arc<RequestError>>;

/// The session's `roots/list` in flight, if any (kept in its session extensions).
#[derive(Default)]
struct InFlight {
    current: Mutex<Option<watch::Receiver<Option<Shared>>>>,
    /// How many callers wait on the request in flight.
    joined: AtomicUsize,
}

/// Counts a caller among the waiters until dropped.
struct Joined<'a>(&'a AtomicUsize);

impl Drop for Joined<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Either the request in flight to wait on, or the sender of a new one.
enum Turn {
    Join(watch::Receiver<Option<Shared>>),
    Lead(watch::Sender<Option<Shared>>),
}

/// `roots/list` to the client of `peer`, joined to the one in flight if there is one.
pub(super) async fn list_roots(peer: &Peer<Server>) -> Result<Vec<Root>, RequestError> {
    let in_flight = peer
        .session_extensions()
        .get_or_insert_with(InFlight::default);
    // A request whose sender went away without an answer (its caller stopped waiting) is
    // started again by whoever comes next.
    loop {
        let role = {
            let mut current = lock(&in_flight.current);
            match current.as_ref() {
                Some(rx) if rx.has_changed().is_ok() => Turn::Join(rx.clone()),
                _ => {
                    let (tx, rx) = watch::channel(None);
                    *current = Some(rx);
                    Turn::Lead(tx)
                }
            }
        };
        match role {
            Turn::Lead(tx) => return lead(peer, &in_flight, tx).await,
            Turn::Join(rx) => {
                let limit = peer_limit(peer);
                let joined = Joined(&in_flight.joined);
                if joined.0.fetch_add(1, Ordering::AcqRel) >= limit {
                    return Err(RequestError::TooManyOutgoing { limit });
                }
                if let Some(shared) = join(rx).await {
                    return unshare(shared);
                }
            }
        }
    }
}

/// How many callers may wait on one request.
fn peer_limit(peer: &Peer<Server>) -> usize {
    peer.inner.config.max_outgoing_requests
}

/// Sends the request, shares its answer, and clears the slot (also when dropped early).
async fn lead(
    peer: &Peer<Server>,
    in_flight: &InFlight,
    tx: watch::Sender<Option<Shared>>,
) -> Result<Vec<Root>, RequestError> {
    struct Clear<'a>(&'a InFlight, &'a watch::Sender<Option<Shared>>);
    impl Drop for Clear<'_> {
        fn drop(&mut self) {
            let mut current = lock(&self.0.current);
            if current
                .as_ref()
                .is_some_and(|rx| rx.same_channel(&self.1.subscribe()))
            {
                *current = None;
            }
        }
    }
    let clear = Clear(in_flight, &tx);
    let outcome = peer
        .request::<ListRootsRequest>(&RequestParams::default())
        .await
        .map(|result| result.roots);
    drop(clear);
    let shared = match &outcome {
        Ok(roots) => Ok(Arc::new(roots.clone())),
        Err(e) => Err(Arc::new(e.duplicate())),
    };
    tx.send_replace(Some(shared));
    outcome
}

/// Waits for the answer of the request in flight; `None` when it went away unanswered.
async fn join(mut rx: watch::Receiver<Option<Shared>>) -> Option<Shared> {
    loop {
        if let Some(shared) = rx.borrow_and_update().clone() {
            return Some(shared);
        }
        rx.changed().await.ok()?;
    }
}

fn unshare(shared: Shared) -> Result<Vec<Root>, RequestError> {
    match shared {
        Ok(roots) => Ok(roots.as_ref().clone()),
        Err(e) => Err(e.duplicate()),
    }
}
