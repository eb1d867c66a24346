//! A copy-on-write registry of named items in registration order: readers take a snapshot
//! (one `Arc` clone under a read lock) and never wait for writers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

/// Named items in registration order.
#[derive(Debug)]
pub(crate) struct Catalog<T> {
    items: BTreeMap<u64, Arc<T>>,
    index: HashMap<String, u64>,
    next: u64,
}

impl<T> Clone for Catalog<T> {
    fn clone(&self) -> Self {
        Self {
            items: self.items.clone(),
            index: self.index.clone(),
            next: self.next,
        }
    }
}

impl<T> Default for Catalog<T> {
    fn default() -> Self {
        Self {
            items: BTreeMap::new(),
            index: HashMap::new(),
            next: 1,
        }
    }
}

/// One page of a catalog.
pub(crate) struct Page<'a, T> {
    pub(crate) items: Vec<&'a Arc<T>>,
    /// The sequence number of the last item, when more items follow.
    pub(crate) next_after: Option<u64>,
}

impl<T> Catalog<T> {
    pub(crate) fn get(&self, key: &str) -> Option<&Arc<T>> {
        self.index.get(key).and_then(|seq| self.items.get(seq))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items in registration order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<T>> {
        self.items.values()
    }

    /// Adds an item; `false` (and no change) when the key is taken.
    pub(crate) fn insert(&mut self, key: String, item: T) -> bool {
        if self.index.contains_key(&key) {
            return false;
        }
        let seq = self.next;
        self.next += 1;
        self.index.insert(key, seq);
        self.items.insert(seq, Arc::new(item));
        true
    }

    /// Inserts every item, or none: when a key is already taken (here or twice among the
    /// items), nothing changes and that key is returned.
    pub(crate) fn insert_all(
        &mut self,
        items: Vec<T>,
        key: impl Fn(&T) -> &str,
    ) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for item in &items {
            let k = key(item);
            if self.get(k).is_some() || !seen.insert(k) {
                return Err(k.to_owned());
            }
        }
        for item in items {
            let k = key(&item).to_owned();
            self.insert(k, item);
        }
        Ok(())
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<Arc<T>> {
        let seq = self.index.remove(key)?;
        self.items.remove(&seq)
    }

    /// Up to `size` items registered after `after` (from the start when `None`).
    pub(crate) fn page(&self, after: Option<u64>, size: usize) -> Page<'_, T> {
        let start = after.map_or(0, |a| a.saturating_add(1));
        let mut range = self.items.range(start..);
        let mut items = Vec::with_capacity(size.min(self.items.len()));
        let mut last = None;
        for (seq, item) in range.by_ref().take(size.max(1)) {
            items.push(item);
            last = Some(*seq);
        }
        let more = range.next().is_some();
        Page {
            items,
            next_after: last.filter(|_| more),
        }
    }
}

/// A [`Catalog`] shared between sessions.
#[derive(Debug)]
pub(crate) struct Shared<T> {
    current: RwLock<Arc<Catalog<T>>>,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Self {
            current: RwLock::new(Arc::new(Catalog::default())),
        }
    }
}

impl<T> Shared<T> {
    /// The catalog as it is now.
    pub(crate) fn snapshot(&self) -> Arc<Catalog<T>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the catalog; readers see the old or the new version, never a mix.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut Catalog<T>) -> R) -> R {
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = Catalog::clone(&guard);
        let result = f(&mut next);
        *guard = Arc::new(next);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_survive_changes_between_them() {
        let mut c = Catalog::default();
        for name in ["a", "b", "c", "d", "e"] {
            assert!(c.insert(name.to_owned(), name));
        }
        assert!(!c.insert("a".to_owned(), "again"));
        let first = c.page(None, 2);
        assert_eq!(
            first.items.iter().map(|i| ***i).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let after = first.next_after.unwrap();
        c.remove("a");
        c.remove("c");
        c.insert("f".to_owned(), "f");
        let second = c.page(Some(after), 2);
        assert_eq!(
            second.items.iter().map(|i| ***i).collect::<Vec<_>>(),
            ["d", "e"]
        );
        let third = c.page(second.next_after, 2);
        assert_eq!(third.items.iter().map(|i| ***i).collect::<Vec<_>>(), ["f"]);
        assert!(third.next_after.is_none());
    }
}
