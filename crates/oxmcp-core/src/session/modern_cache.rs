//! The states of modern requests a server has read, kept by the `_meta` text they were read
//! from. Clients send the same capabilities and info with every request, so the state of
//! most requests is one read already: a transport that probed a request's params
//! ([`RequestProbe`](oxmcp_types::era::RequestProbe)) looks its `_meta` up here and hands
//! the engine the state as a [`ModernState`] extension, which [`ModernContext`] takes
//! instead of reading the params again.
//!
//! [`ModernContext`]: super::ModernContext

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use oxmcp_types::era::ModernMeta;
use oxmcp_types::raw::MetaPlace;
use oxmcp_types::{
    ClientCapabilities, Implementation, LoggingLevel, ProgressToken, ProtocolVersion,
};

use super::SessionInfo;
use super::modern::UNNAMED_CLIENT;
use super::state::lock;
use crate::role::Server;

/// The state of a modern request, read from its `_meta` by its transport before the
/// engine got it (see [`ModernStateCache::state`]): the engine's
/// [`ModernContext`](super::ModernContext) takes it from the request's extensions instead
/// of reading the params again.
#[derive(Debug, Clone)]
pub struct ModernState(pub(crate) Arc<SessionInfo<Server>>, Option<MetaPlace>);

impl ModernState {
    /// The state.
    pub fn info(&self) -> &Arc<SessionInfo<Server>> {
        &self.0
    }

    /// Where the request's `_meta` lies in its params, when that is known (a state found
    /// [`by_text`](ModernStateCache::by_text) for the `_meta` the params' layout gave,
    /// then placed [`at`](Self::at) it). The engine then reads the params without it.
    pub fn meta_place(&self) -> Option<MetaPlace> {
        self.1
    }

    /// This state, for a request whose `_meta` the params' layout found at `place`
    /// ([`ParamsLayout::place`](oxmcp_types::era::ParamsLayout::place)).
    #[must_use]
    pub fn at(mut self, place: MetaPlace) -> Self {
        self.1 = Some(place);
        self
    }
}

/// A bounded memo of modern request states, keyed by the raw text of the `_meta` members
/// they are made of (the version, the client's capabilities and info, the log level), shared
/// by all the requests of a server.
///
/// It holds at most `capacity` states by their members' texts, and as many by the whole
/// `_meta` text they were read from, of at most `max_entry_bytes` each (a longer `_meta` is
/// read every time, never kept); a new state past the capacity replaces an old one. Keys are hashed with a per-process random seed, and a hit is compared byte for
/// byte, so a client can neither predict nor forge another's entry; a client that sends a
/// new `_meta` each time only makes its own requests (and, by eviction, others') read their
/// `_meta` as they would without the memo.
///
/// ```
/// use oxmcp_core::session::ModernStateCache;
/// use oxmcp_types::era::RequestProbe;
/// use serde_json::value::RawValue;
///
/// let cache = ModernStateCache::new(16, 4096);
/// let params = RawValue::from_string(r#"{"_meta":{
///     "io.modelcontextprotocol/protocolVersion":"2026-07-28",
///     "io.modelcontextprotocol/clientCapabilities":{"sampling":{}}}}"#.to_owned()).unwrap();
/// let meta = RequestProbe::of("tools/list", Some(&params)).meta.unwrap();
/// let first = cache.state(&meta).unwrap();
/// assert!(first.info().peer_capabilities.sampling.is_some());
/// // The second time, nothing is read: the same state is shared.
/// let second = cache.state(&meta).unwrap();
/// assert!(std::sync::Arc::ptr_eq(first.info(), second.info()));
/// assert_eq!(cache.len(), 1);
/// // Nor is anything read for the same `_meta` text found by the params' layout.
/// let layout = RequestProbe::layout("tools/list", Some(&params)).unwrap();
/// let third = cache.by_text(layout.meta).unwrap();
/// assert!(std::sync::Arc::ptr_eq(first.info(), third.info()));
/// ```
pub struct ModernStateCache {
    entries: Mutex<Maps>,
    seed: foldhash::fast::RandomState,
    capacity: usize,
    max_entry_bytes: usize,
}

type Map = HashMap<u64, Entry, BuildHasherDefault<Prehashed>>;

/// The states by their members' texts, and by the whole `_meta` text they were read from
/// (for [`ModernStateCache::by_text`]).
#[derive(Default)]
struct Maps {
    by_members: Map,
    by_text: Map,
}

struct Entry {
    /// The members' texts, each followed by [`SEPARATOR`] (an absent one empty).
    key: Box<str>,
    state: ModernState,
}

/// Never in JSON text outside a string, and escaped inside one.
const SEPARATOR: char = '\u{1}';

impl fmt::Debug for ModernStateCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModernStateCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("max_entry_bytes", &self.max_entry_bytes)
            .finish()
    }
}

impl ModernStateCache {
    /// A memo of at most `capacity` states (0: none kept, every `_meta` is read), each from
    /// at most `max_entry_bytes` of `_meta` text.
    pub fn new(capacity: usize, max_entry_bytes: usize) -> Self {
        Self {
            entries: Mutex::new(Maps::default()),
            seed: foldhash::fast::RandomState::default(),
            capacity,
            max_entry_bytes,
        }
    }

    /// How many states are kept.
    pub fn len(&self) -> usize {
        lock(&self.entries).by_members.len()
    }

    /// The state read before from a `_meta` whose whole text is `text`, if it is kept:
    /// no reading at all, for a transport that found the text by the params' layout
    /// ([`RequestProbe::layout`](oxmcp_types::era::RequestProbe::layout)). A text that is
    /// not exactly one read before (including one that is not a single JSON value) finds
    /// nothing.
    pub fn by_text(&self, text: &str) -> Option<ModernState> {
        if self.capacity == 0 || text.len() > self.max_entry_bytes {
            return None;
        }
        let hash = self.hash(&[text]);
        let entries = lock(&self.entries);
        let entry = entries.by_text.get(&hash)?;
        (*entry.key == *text).then(|| entry.state.clone())
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The state of a modern request whose `_meta` has these members: the kept one when the
    /// same text was read before, else read now (and kept). `None` when the members do not
    /// make a valid state (a version this server does not speak, capabilities missing, a
    /// member of the wrong type, a `progressToken` that is not one): the engine's general
    /// path then reads the params and names what is wrong.
    pub fn state(&self, meta: &ModernMeta<'_>) -> Option<ModernState> {
        if let Some(token) = meta.progress_token {
            serde_json::from_str::<ProgressToken>(token).ok()?;
        }
        let parts = parts(meta);
        let bytes: usize = parts.iter().map(|p| p.len() + 1).sum();
        if self.capacity == 0 || bytes > self.max_entry_bytes {
            return read(meta);
        }
        let hash = self.hash(&parts);
        let kept = lock(&self.entries)
            .by_members
            .get(&hash)
            .filter(|entry| matches(&entry.key, &parts))
            .map(|entry| entry.state.clone());
        let state = match kept {
            Some(state) => state,
            None => {
                let state = read(meta)?;
                let mut key = String::with_capacity(bytes);
                for part in parts {
                    key.push_str(part);
                    key.push(SEPARATOR);
                }
                let mut entries = lock(&self.entries);
                put(&mut entries.by_members, self.capacity, hash, key, &state);
                state
            }
        };
        if meta.text.len() <= self.max_entry_bytes {
            let hash = self.hash(&[meta.text]);
            let mut entries = lock(&self.entries);
            let known = entries
                .by_text
                .get(&hash)
                .is_some_and(|entry| *entry.key == *meta.text);
            if !known {
                put(
                    &mut entries.by_text,
                    self.capacity,
                    hash,
                    meta.text.to_owned(),
                    &state,
                );
            }
        }
        Some(state)
    }

    fn hash(&self, parts: &[&str]) -> u64 {
        let mut hasher = self.seed.build_hasher();
        for part in parts {
            hasher.write(part.as_bytes());
            hasher.write_u8(1);
        }
        hasher.finish()
    }
}

/// Keeps `state` under `hash` and `key`, replacing an old entry when `map` is full.
fn put(map: &mut Map, capacity: usize, hash: u64, key: String, state: &ModernState) {
    if map.len() >= capacity && !map.contains_key(&hash) {
        let old = map.keys().next().copied();
        if let Some(old) = old {
            map.remove(&old);
        }
    }
    let entry = Entry {
        key: key.into_boxed_str(),
        state: state.clone(),
    };
    map.insert(hash, entry);
}

/// The texts a state is made of, an absent member empty (a present one never is).
fn parts<'a>(meta: &ModernMeta<'a>) -> [&'a str; 4] {
    [
        meta.protocol_version,
        meta.client_capabilities.unwrap_or_default(),
        meta.client_info.unwrap_or_default(),
        meta.log_level.unwrap_or_default(),
    ]
}

/// Whether `key` is `parts`, each followed by the separator.
fn matches(key: &str, parts: &[&str; 4]) -> bool {
    let mut rest = key.as_bytes();
    for part in parts {
        let Some(after) = rest.strip_prefix(part.as_bytes()) else {
            return false;
        };
        let Some((&sep, after)) = after.split_first() else {
            return false;
        };
        if sep != SEPARATOR as u8 {
            return false;
        }
        rest = after;
    }
    rest.is_empty()
}

/// Reads the state the members make, as the engine's one-pass read of `_meta` does.
fn read(meta: &ModernMeta<'_>) -> Option<ModernState> {
    let version = ProtocolVersion::parse_modern(meta.protocol_version).ok()?;
    let capabilities: ClientCapabilities = serde_json::from_str(meta.client_capabilities?).ok()?;
    let client = match meta.client_info {
        Some(raw) => serde_json::from_str::<Implementation>(raw).ok()?,
        None => Implementation::new(UNNAMED_CLIENT, "0"),
    };
    let log_level = match meta.log_level {
        Some(raw) => Some(serde_json::from_str::<LoggingLevel>(raw).ok()?),
        None => None,
    };
    let info = SessionInfo::new(version, capabilities, client, None).with_log_level(log_level);
    Some(ModernState(info, None))
}

/// Keys are hashes already: passes them through.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the keys are `u64`); fold anything else in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use oxmcp_types::era::RequestProbe;
    use serde_json::value::RawValue;

    use super::*;

    fn params(meta: &str) -> Box<RawValue> {
        RawValue::from_string(format!(
            r#"{{"name":"t","_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28",{meta}}}}}"#
        ))
        .unwrap()
    }

    fn state(cache: &ModernStateCache, meta: &str) -> Option<ModernState> {
        let params = params(meta);
        let probe = RequestProbe::of("tools/call", Some(&params));
        cache.state(probe.meta.as_ref().unwrap())
    }

    const CAPS: &str = r#""io.modelcontextprotocol/clientCapabilities":{"roots":{}}"#;

    #[test]
    fn a_meta_seen_before_is_not_read_again() {
        let cache = ModernStateCache::new(8, 4096);
        let a = state(&cache, CAPS).unwrap();
        let again = state(&cache, &format!(r#"{CAPS},"progressToken":9"#)).unwrap();
        assert!(
            Arc::ptr_eq(a.info(), again.info()),
            "the token is not the state's"
        );
        let info = r#""io.modelcontextprotocol/clientInfo":{"name":"x","version":"2"}"#;
        let b = state(&cache, &format!("{CAPS},{info}")).unwrap();
        assert!(!Arc::ptr_eq(a.info(), b.info()));
        assert_eq!(b.info().peer_info.name, "x");
        assert_eq!(a.info().peer_info.name, UNNAMED_CLIENT);
        assert_eq!(cache.len(), 2);
        // By the whole text: each `_meta` read, the token included, and nothing else.
        let text = |meta: &str| {
            format!(r#"{{"io.modelcontextprotocol/protocolVersion":"2026-07-28",{meta}}}"#)
        };
        let by_text = cache.by_text(&text(CAPS)).unwrap();
        assert!(Arc::ptr_eq(a.info(), by_text.info()));
        let with_token = cache.by_text(&text(&format!(r#"{CAPS},"progressToken":9"#)));
        assert!(Arc::ptr_eq(a.info(), with_token.unwrap().info()));
        assert!(cache.by_text(&text(r#""progressToken":9"#)).is_none());
        assert!(
            cache
                .by_text(&format!(
                    "{},\"x\":1}}",
                    &text(CAPS)[..text(CAPS).len() - 1]
                ))
                .is_none()
        );
    }

    #[test]
    fn the_capacity_and_the_entry_bytes_bound_what_is_kept() {
        let cache = ModernStateCache::new(2, 200);
        for level in ["debug", "info", "error"] {
            let meta = format!(r#"{CAPS},"io.modelcontextprotocol/logLevel":"{level}""#);
            let kept = state(&cache, &meta).unwrap();
            assert_eq!(
                serde_json::to_value(kept.info().log_level).unwrap(),
                serde_json::json!(level)
            );
        }
        assert_eq!(cache.len(), 2);
        assert_eq!(lock(&cache.entries).by_text.len(), 2);
        let long = format!(
            r#""io.modelcontextprotocol/clientCapabilities":{{"experimental":{{"pad":"{}"}}}}"#,
            "x".repeat(300)
        );
        let unkept = ModernStateCache::new(8, 200);
        let first = state(&unkept, &long).unwrap();
        let second = state(&unkept, &long).unwrap();
        assert!(!Arc::ptr_eq(first.info(), second.info()));
        assert!(unkept.is_empty());
        assert!(lock(&unkept.entries).by_text.is_empty());
        let none = ModernStateCache::new(0, 4096);
        state(&none, CAPS).unwrap();
        assert!(none.is_empty());
        assert!(lock(&none.entries).by_text.is_empty());
    }

    #[test]
    fn what_the_engine_would_refuse_is_left_to_its_general_path() {
        let cache = ModernStateCache::new(8, 4096);
        for meta in [
            r#""x":1"#,
            r#""io.modelcontextprotocol/clientCapabilities":null"#,
            r#""io.modelcontextprotocol/clientCapabilities":[]"#,
            &format!(r#"{CAPS},"io.modelcontextprotocol/clientInfo":null"#),
            &format!(r#"{CAPS},"io.modelcontextprotocol/clientInfo":{{"name":"x"}}"#),
            &format!(r#"{CAPS},"io.modelcontextprotocol/logLevel":"loud""#),
            &format!(r#"{CAPS},"progressToken":{{}}"#),
            &format!(r#"{CAPS},"progressToken":null"#),
        ] {
            assert!(state(&cache, meta).is_none(), "{meta}");
            let params = params(meta);
            assert!(
                super::super::modern_fast::negotiate("tools/call", Some(&params)).is_none(),
                "the one pass refuses {meta} too"
            );
        }
        let old = RawValue::from_string(format!(
            r#"{{"_meta":{{"io.modelcontextprotocol/protocolVersion":"2025-11-25",{CAPS}}}}}"#
        ))
        .unwrap();
        let probe = RequestProbe::of("tools/list", Some(&old));
        assert!(cache.state(probe.meta.as_ref().unwrap()).is_none());
        assert!(cache.is_empty());
        assert!(lock(&cache.entries).by_text.is_empty());
    }

    #[test]
    fn the_state_is_the_one_the_engine_reads() {
        let cache = ModernStateCache::new(8, 4096);
        for meta in [
            CAPS.to_owned(),
            format!(
                r#"{CAPS},"io.modelcontextprotocol/clientInfo":{{"name":"c","version":"1","title":"T"}},"io.modelcontextprotocol/logLevel":"warning","progressToken":"p""#
            ),
            r#""io.modelcontextprotocol/clientCapabilities":{"sampling":{"tools":{}},"elicitation":{"url":{}},"extensions":{"io.modelcontextprotocol/tasks":{}}}"#.to_owned(),
        ] {
            let ours = state(&cache, &meta).unwrap();
            let params = params(&meta);
            let engine = super::super::modern_fast::negotiate("tools/call", Some(&params)).unwrap();
            let (a, b) = (ours.info(), &engine);
            assert_eq!(a.protocol_version, b.protocol_version);
            assert_eq!(
                serde_json::to_value(&a.peer_capabilities).unwrap(),
                serde_json::to_value(&b.peer_capabilities).unwrap()
            );
            assert_eq!(a.peer_info, b.peer_info);
            assert_eq!(a.log_level, b.log_level);
        }
    }
}
