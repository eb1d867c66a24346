//! The open requests of a session, counted against their client's budget of requests in
//! flight ([`max_requests_per_client`](crate::HttpServerConfig::max_requests_per_client)),
//! which all the client's sessions share.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use oxmcp_types::RequestId;

use super::streamable::Exchange;

/// How many requests one client has in flight, over all its sessions, and how many it may.
#[derive(Debug)]
pub(crate) struct ClientBudget {
    in_flight: AtomicUsize,
    cap: usize,
}

impl ClientBudget {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            cap,
        }
    }

    /// Takes `n` requests from the budget, all or none.
    fn take(&self, n: usize) -> bool {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                now.checked_add(n).filter(|total| *total <= self.cap)
            })
            .is_ok()
    }

    fn give_back(&self, n: usize) {
        self.in_flight.fetch_sub(n, Ordering::AcqRel);
    }

    /// Requests in flight now.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// The open requests of a session, by id. Each one holds a unit of its client's budget
/// (when the session has one: stateless sessions and clients of unknown address do not)
/// from [`reserve`](Self::reserve) until it is removed, or the map is cleared or dropped.
#[derive(Default)]
pub(super) struct Exchanges {
    map: HashMap<RequestId, Exchange>,
    /// Units taken by `reserve` and not yet spent on a new entry.
    reserved: usize,
    budget: Option<Arc<ClientBudget>>,
}

impl Exchanges {
    /// Counts the session's requests against `budget` from now on.
    pub(crate) fn set_budget(&mut self, budget: Arc<ClientBudget>) {
        debug_assert!(self.map.is_empty() && self.budget.is_none());
        self.budget = Some(budget);
    }

    /// Takes room for `n` new requests from the client's budget; false (nothing taken)
    /// when the client has too many in flight. Each later [`insert`](Self::insert) of a
    /// new id spends one unit; unspent units go back with [`release`](Self::release).
    pub(crate) fn reserve(&mut self, n: usize) -> bool {
        if let Some(budget) = &self.budget {
            if !budget.take(n) {
                return false;
            }
            self.reserved += n;
        }
        true
    }

    /// Gives back the units reserved and not spent.
    pub(crate) fn release(&mut self) {
        if let Some(budget) = &self.budget {
            budget.give_back(std::mem::take(&mut self.reserved));
        }
    }

    pub(crate) fn contains_key(&self, id: &RequestId) -> bool {
        self.map.contains_key(id)
    }

    pub(crate) fn get(&self, id: &RequestId) -> Option<&Exchange> {
        self.map.get(id)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Exchange> {
        self.map.values()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Puts `exchange` under `id`, returning the one it replaces. A new id spends a unit
    /// reserved with [`reserve`](Self::reserve).
    pub(crate) fn insert(&mut self, id: RequestId, exchange: Exchange) -> Option<Exchange> {
        match self.map.entry(id) {
            Entry::Occupied(mut entry) => Some(entry.insert(exchange)),
            Entry::Vacant(entry) => {
                if self.budget.is_some() {
                    debug_assert!(self.reserved > 0, "insert without reserve");
                    self.reserved = self.reserved.saturating_sub(1);
                }
                entry.insert(exchange);
                None
            }
        }
    }

    /// Removes the request `id`, giving its unit back.
    pub(crate) fn remove(&mut self, id: &RequestId) -> Option<Exchange> {
        let removed = self.map.remove(id)?;
        if let Some(budget) = &self.budget {
            budget.give_back(1);
        }
        Some(removed)
    }

    /// Removes the request `id` if its POST still waits for its first message (giving its
    /// unit back); whether it did.
    pub(crate) fn remove_waiting(&mut self, id: &RequestId) -> bool {
        match self.map.entry(id.clone()) {
            Entry::Occupied(entry) if matches!(entry.get(), Exchange::Waiting(_)) => {
                entry.remove();
                if let Some(budget) = &self.budget {
                    budget.give_back(1);
                }
                true
            }
            _ => false,
        }
    }

    /// Removes every request, giving their units back.
    pub(crate) fn clear(&mut self) {
        if let Some(budget) = &self.budget {
            budget.give_back(self.map.len());
        }
        self.map.clear();
        self.release();
    }
}

impl Drop for Exchanges {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_requests_of_every_session_of_a_client() {
        let budget = Arc::new(ClientBudget::new(3));
        let (mut a, mut b) = (Exchanges::default(), Exchanges::default());
        a.set_budget(budget.clone());
        b.set_budget(budget.clone());
        assert!(a.reserve(2));
        a.insert(RequestId::Number(1), Exchange::Stream(1));
        a.insert(RequestId::Number(2), Exchange::Stream(2));
        // Replacing an exchange spends nothing.
        a.insert(RequestId::Number(2), Exchange::Stream(3));
        assert!(!b.reserve(2), "all or none: 2 + 2 > 3");
        assert!(b.reserve(1));
        b.insert(RequestId::Number(1), Exchange::Stream(1));
        assert_eq!(budget.in_flight(), 3);
        assert!(!a.reserve(1));
        assert!(a.remove(&RequestId::Number(1)).is_some());
        assert!(a.remove(&RequestId::Number(1)).is_none(), "given back once");
        assert_eq!(budget.in_flight(), 2);
        // Reserved and unspent units go back; so do a dropped session's requests.
        assert!(a.reserve(1));
        a.release();
        drop(b);
        assert_eq!(budget.in_flight(), 1);
        a.clear();
        assert_eq!(budget.in_flight(), 0);
    }
}
