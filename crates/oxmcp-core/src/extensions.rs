//! Typed extensions: values keyed by their type, carried by every request and every session.
//!
//! A transport, a middleware or the host puts values here; a handler reads them back by type.
//! The Streamable HTTP server puts the HTTP request's parts and the authenticated
//! [`Principal`](crate::Principal) on each request; a stdio server can be given a principal
//! for its one session. Extensions of the engine (tasks, for example) keep per-session state
//! in [`SessionExtensions`] instead of process-global maps.
//!
//! - [`Extensions`]: one request's values (owned by its [`RequestContext`](crate::RequestContext);
//!   cheap to clone: the values are shared, not copied).
//! - [`SessionExtensions`]: one session's values, shared by all its requests and handles, and
//!   changeable while it runs.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::session::state::lock;

type Value = Arc<dyn Any + Send + Sync>;

/// A map of values keyed by their type (at most one value per type), like
/// `http::Extensions`. An empty map allocates nothing, and clones share the values and the
/// map itself (a clone costs a reference count; the first insert into a shared map copies
/// it). A request carries a handful of values at most, so lookups scan a short list.
///
/// ```
/// use oxmcp_core::Extensions;
///
/// #[derive(Debug, PartialEq)]
/// struct TenantId(u32);
///
/// let mut ext = Extensions::new();
/// assert!(ext.insert(TenantId(7)).is_none());
/// assert_eq!(ext.get::<TenantId>(), Some(&TenantId(7)));
/// let copy = ext.clone();
/// assert_eq!(copy.get::<TenantId>(), Some(&TenantId(7)));
/// assert!(ext.remove::<TenantId>().is_some());
/// assert!(ext.is_empty() && !copy.is_empty());
/// ```
#[derive(Clone, Default)]
pub struct Extensions {
    entries: Option<Arc<[(TypeId, Value)]>>,
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are opaque (and may be secrets): only how many there are.
        f.debug_struct("Extensions")
            .field("len", &self.len())
            .finish()
    }
}

/// One value ready to go into an [`Extensions`] map, for
/// [`Extensions::from_entries`].
#[derive(Clone)]
pub struct ExtensionEntry {
    id: TypeId,
    value: Value,
}

impl ExtensionEntry {
    /// An entry holding `value` under its type.
    pub fn new<T: Send + Sync + 'static>(value: Arc<T>) -> Self {
        Self {
            id: TypeId::of::<T>(),
            value,
        }
    }
}

impl fmt::Debug for ExtensionEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionEntry").finish_non_exhaustive()
    }
}

impl Extensions {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> &[(TypeId, Value)] {
        self.entries.as_deref().unwrap_or_default()
    }

    fn find(&self, id: TypeId) -> Option<&Value> {
        self.entries()
            .iter()
            .find_map(|(key, value)| (*key == id).then_some(value))
    }

    /// Inserts `value`, returning the value of the same type it replaces.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) -> Option<Arc<T>> {
        self.insert_arc(Arc::new(value))
    }

    /// Inserts a shared value, returning the value of the same type it replaces.
    pub fn insert_arc<T: Send + Sync + 'static>(&mut self, value: Arc<T>) -> Option<Arc<T>> {
        self.put(TypeId::of::<T>(), value)?.downcast().ok()
    }

    /// Puts `value` under `id`, returning the value it replaces. One allocation: the new
    /// slice is built at its final length.
    fn put(&mut self, id: TypeId, value: Value) -> Option<Value> {
        let previous = self.find(id).cloned();
        let entries: Arc<[(TypeId, Value)]> = match previous {
            Some(_) => self
                .entries()
                .iter()
                .map(|(key, old)| {
                    let kept = if *key == id { &value } else { old };
                    (*key, kept.clone())
                })
                .collect(),
            None => self
                .entries()
                .iter()
                .cloned()
                .chain(std::iter::once((id, value)))
                .collect(),
        };
        self.entries = Some(entries);
        previous
    }

    /// A map of `entries`, a later entry replacing an earlier one of the same type. When the
    /// iterator knows its exact length (an array, an `Option`, chains of them), the map is
    /// built in one allocation, which matters on a transport's per-message path.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use oxmcp_core::{ExtensionEntry, Extensions};
    ///
    /// let tenant: Option<Arc<u32>> = Some(Arc::new(7));
    /// let ext = Extensions::from_entries(
    ///     std::iter::once(ExtensionEntry::new(Arc::new("request")))
    ///         .chain(tenant.map(ExtensionEntry::new)),
    /// );
    /// assert_eq!((ext.get::<&str>(), ext.get::<u32>()), (Some(&"request"), Some(&7)));
    /// ```
    pub fn from_entries<I: IntoIterator<Item = ExtensionEntry>>(entries: I) -> Self {
        Self::from_slice(entries.into_iter().map(|e| (e.id, e.value)).collect())
    }

    /// This map with `more` entries, a later entry replacing an earlier one of the same
    /// type; in one allocation when `more` knows its exact length, as in
    /// [`from_entries`](Self::from_entries).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use oxmcp_core::{ExtensionEntry, Extensions};
    ///
    /// let base = Extensions::from_entries([ExtensionEntry::new(Arc::new(1u8))]);
    /// let more = base.extended([ExtensionEntry::new(Arc::new(2u8)), ExtensionEntry::new(Arc::new("x"))]);
    /// assert_eq!((more.get::<u8>(), more.get::<&str>()), (Some(&2), Some(&"x")));
    /// assert_eq!((base.get::<u8>(), base.len()), (Some(&1), 1));
    /// ```
    #[must_use]
    pub fn extended<I: IntoIterator<Item = ExtensionEntry>>(&self, more: I) -> Self {
        let more = more.into_iter().map(|e| (e.id, e.value));
        Self::from_slice(self.entries().iter().cloned().chain(more).collect())
    }

    fn from_slice(entries: Arc<[(TypeId, Value)]>) -> Self {
        let unique = entries
            .iter()
            .enumerate()
            .all(|(i, (id, _))| entries[..i].iter().all(|(other, _)| other != id));
        if unique {
            return Self {
                entries: (!entries.is_empty()).then_some(entries),
            };
        }
        let mut map = Self::new();
        for (id, value) in entries.iter() {
            map.put(*id, value.clone());
        }
        map
    }

    /// The value of type `T`, if there is one.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.find(TypeId::of::<T>())?.downcast_ref()
    }

    /// The value of type `T` as a shared handle, if there is one.
    pub fn get_arc<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.find(TypeId::of::<T>())?.clone().downcast().ok()
    }

    /// Removes and returns the value of type `T`.
    pub fn remove<T: Send + Sync + 'static>(&mut self) -> Option<Arc<T>> {
        let id = TypeId::of::<T>();
        let removed = self.find(id)?.clone();
        let rest: Vec<(TypeId, Value)> = self
            .entries()
            .iter()
            .filter(|(key, _)| *key != id)
            .cloned()
            .collect();
        self.entries = (!rest.is_empty()).then(|| rest.into());
        removed.downcast().ok()
    }

    /// Whether there is a value of type `T`.
    pub fn contains<T: Send + Sync + 'static>(&self) -> bool {
        self.find(TypeId::of::<T>()).is_some()
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds every value of `other`, replacing values of the same types.
    pub fn extend(&mut self, other: Self) {
        if self.is_empty() {
            *self = other;
            return;
        }
        for (id, value) in other.entries() {
            let mut entries: Vec<(TypeId, Value)> = self.entries().to_vec();
            match entries.iter_mut().find(|(key, _)| key == id) {
                Some(entry) => entry.1 = value.clone(),
                None => entries.push((*id, value.clone())),
            }
            self.entries = Some(entries.into());
        }
    }
}

/// One session's extensions: shared by its requests and handles, changeable while it runs
/// (an extension of the engine keeps its per-session state here, created on first use and
/// dropped with the session).
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use oxmcp_core::SessionExtensions;
///
/// #[derive(Default)]
/// struct Calls(AtomicU32);
///
/// let session = SessionExtensions::default();
/// session.get_or_insert_with(Calls::default).0.fetch_add(1, Ordering::Relaxed);
/// session.get_or_insert_with(Calls::default).0.fetch_add(1, Ordering::Relaxed);
/// assert_eq!(session.get::<Calls>().unwrap().0.load(Ordering::Relaxed), 2);
/// ```
#[derive(Default)]
pub struct SessionExtensions {
    map: Mutex<Extensions>,
}

impl fmt::Debug for SessionExtensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionExtensions")
            .field("len", &lock(&self.map).len())
            .finish()
    }
}

impl SessionExtensions {
    /// Extensions that start with the values of `initial`.
    pub fn with(initial: Extensions) -> Self {
        Self {
            map: Mutex::new(initial),
        }
    }

    /// The value of type `T`, if there is one.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        lock(&self.map).get_arc()
    }

    /// Inserts `value`, returning the value of the same type it replaces.
    pub fn insert<T: Send + Sync + 'static>(&self, value: T) -> Option<Arc<T>> {
        lock(&self.map).insert(value)
    }

    /// The value of type `T`, inserting what `make` returns if there is none (`make` runs
    /// under the lock: keep it short, and do not touch these extensions from it).
    pub fn get_or_insert_with<T: Send + Sync + 'static>(&self, make: impl FnOnce() -> T) -> Arc<T> {
        let mut map = lock(&self.map);
        if let Some(value) = map.get_arc() {
            return value;
        }
        let value = Arc::new(make());
        map.insert_arc(value.clone());
        value
    }

    /// Removes and returns the value of type `T`.
    pub fn remove<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        lock(&self.map).remove()
    }

    /// A copy of the current values.
    pub fn snapshot(&self) -> Extensions {
        lock(&self.map).clone()
    }

    /// How many values there are.
    pub(crate) fn len(&self) -> usize {
        lock(&self.map).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_type_and_replacements_are_returned() {
        let mut ext = Extensions::new();
        assert!(ext.is_empty() && ext.get::<u32>().is_none());
        assert!(ext.insert(1u32).is_none());
        assert!(ext.insert("text").is_none());
        assert_eq!(ext.insert(2u32).as_deref(), Some(&1));
        assert_eq!(ext.get::<u32>(), Some(&2));
        assert_eq!(ext.len(), 2);
        assert!(ext.contains::<&str>() && !ext.contains::<u64>());
        let mut other = Extensions::new();
        other.insert(3u32);
        other.insert(9u64);
        ext.extend(other);
        assert_eq!((ext.get::<u32>(), ext.get::<u64>()), (Some(&3), Some(&9)));
        assert_eq!(format!("{ext:?}"), "Extensions { len: 3 }");
    }

    #[test]
    fn maps_built_from_entries_keep_the_last_value_of_each_type() {
        let ext = Extensions::from_entries([
            ExtensionEntry::new(Arc::new(1u32)),
            ExtensionEntry::new(Arc::new("a")),
            ExtensionEntry::new(Arc::new(2u32)),
        ]);
        assert_eq!(
            (ext.len(), ext.get::<u32>(), ext.get::<&str>()),
            (2, Some(&2), Some(&"a"))
        );
        assert!(Extensions::from_entries(None).is_empty());
        let one = Extensions::from_entries(Some(ExtensionEntry::new(Arc::new(5u8))));
        assert_eq!(one.get::<u8>(), Some(&5));
    }

    #[test]
    fn session_values_are_created_once() {
        let session = SessionExtensions::with(Extensions::new());
        let a = session.get_or_insert_with(|| String::from("first"));
        let b = session.get_or_insert_with(|| String::from("second"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(
            session.snapshot().get::<String>().map(String::as_str),
            Some("first")
        );
        assert!(session.remove::<String>().is_some());
        assert!(session.get::<String>().is_none());
    }
}
