//! [`ReplayGuard`]: makes each `requestState` good for one retry.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::state::RequestStateError;
use crate::session::state::lock;

/// What one remembered state costs, in bytes: its 32-byte digest twice (map and queue),
/// its expiry twice, and the containers' overhead, rounded up.
pub const ENTRY_BYTES: usize = 128;

/// The default budget of a replay guard: 4 MiB, 32,768 states (at the default ten-minute
/// lifetime, about 55 accepted states a second).
pub const DEFAULT_REPLAY_GUARD_BYTES: usize = 4 * 1024 * 1024;

type StateDigest = [u8; 32];

#[derive(Debug, Default)]
struct Seen {
    /// When each remembered state expires (ms since the Unix epoch).
    expiry: HashMap<StateDigest, u64>,
    /// The same, in the order accepted (which is nearly the order of expiry).
    order: VecDeque<(u64, StateDigest)>,
}

/// Makes each `requestState` good for one retry, for servers whose states must be consumed
/// at most once.
///
/// The spec asks servers to bind a state to its caller, its request and a short expiry
/// (oxmcp's states always are), and notes that those measures do not make a state
/// single-use: a server for which a state must be consumed at most once must enforce that
/// itself. The guard does, in one process: it remembers the digest of every state accepted
/// until the state expires, and refuses it a second time (-32602, `data.requestState:
/// "replayed"`). It is off by default: a client that retries the same retry (after a lost
/// answer, say) is refused and must start the request again without the state.
///
/// Memory is bounded: each remembered state costs [`ENTRY_BYTES`], and the guard holds at
/// most its budget's worth. Expired entries are dropped first; when the guard is still
/// full, a new state is refused (`data.requestState: "replay_guard_full"`) rather than
/// forgetting one that has not expired, which would let it be replayed. Instances that
/// share keys do not share the guard: route a request's retries to one instance, or
/// enforce single use in the handler, where that must hold across instances.
#[derive(Debug)]
pub struct ReplayGuard {
    capacity: usize,
    seen: Mutex<Seen>,
}

impl ReplayGuard {
    /// A guard of at most `max_bytes` (at least one state).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            capacity: (max_bytes / ENTRY_BYTES).max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// How many states the guard can remember.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many states it remembers now.
    pub fn len(&self) -> usize {
        lock(&self.seen).expiry.len()
    }

    /// Whether it remembers none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Accepts `state`, valid until `expires_ms`, unless it was accepted before or the
    /// guard is full of unexpired states.
    pub(crate) fn accept(
        &self,
        state: &str,
        expires_ms: u64,
        now_ms: u64,
    ) -> Result<(), RequestStateError> {
        let digest: StateDigest = Sha256::digest(state.as_bytes()).into();
        let mut seen = lock(&self.seen);
        seen.forget_expired(now_ms);
        if seen.expiry.contains_key(&digest) {
            return Err(RequestStateError::Replayed);
        }
        if seen.expiry.len() >= self.capacity {
            return Err(RequestStateError::GuardFull);
        }
        seen.expiry.insert(digest, expires_ms);
        seen.order.push_back((expires_ms, digest));
        Ok(())
    }
}

impl Seen {
    /// Drops the states that expired by `now_ms`, oldest first; one that expires later
    /// than a younger one waits for it (states of one server share a lifetime, so the
    /// order is nearly that of expiry).
    fn forget_expired(&mut self, now_ms: u64) {
        while let Some(&(expires, digest)) = self.order.front() {
            if expires > now_ms {
                break;
            }
            self.order.pop_front();
            self.expiry.remove(&digest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_accepted_once_until_it_expires() {
        let guard = ReplayGuard::new(DEFAULT_REPLAY_GUARD_BYTES);
        assert_eq!(guard.capacity(), 32_768);
        assert_eq!(guard.accept("s1", 100, 10), Ok(()));
        assert_eq!(
            guard.accept("s1", 100, 50),
            Err(RequestStateError::Replayed)
        );
        assert_eq!(guard.accept("s2", 100, 50), Ok(()));
        // After expiry the entry is forgotten (the state itself is refused as expired
        // before it reaches the guard).
        assert_eq!(guard.accept("s3", 200, 100), Ok(()));
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn a_full_guard_refuses_rather_than_forgets() {
        let guard = ReplayGuard::new(2 * ENTRY_BYTES);
        assert_eq!(guard.capacity(), 2);
        assert_eq!(guard.accept("a", 100, 0), Ok(()));
        assert_eq!(guard.accept("b", 100, 0), Ok(()));
        assert_eq!(guard.accept("c", 100, 0), Err(RequestStateError::GuardFull));
        assert_eq!(guard.accept("a", 100, 0), Err(RequestStateError::Replayed));
        // Room again once the first ones expire.
        assert_eq!(guard.accept("c", 200, 100), Ok(()));
        assert_eq!(ReplayGuard::new(0).capacity(), 1);
    }
}
