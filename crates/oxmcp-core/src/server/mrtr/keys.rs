//! The secret keys that sign and check `requestState`: named, rotating, shareable.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The shortest secret a [`RequestStateKey`] accepts, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
/// The longest key id, in bytes.
pub const MAX_KEY_ID_LEN: usize = 64;
/// How many bytes a random key has.
const RANDOM_SECRET_LEN: usize = 32;

/// Why a key or a key list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The id is empty, too long, or has characters other than `A-Z a-z 0-9 - _`.
    #[error(
        "key id `{0}` is invalid: 1 to {MAX_KEY_ID_LEN} characters of A-Z, a-z, 0-9, `-` and `_`"
    )]
    InvalidId(String),
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes.
    #[error("the secret of key `{id}` has {len} bytes; at least {MIN_SECRET_LEN} are needed")]
    TooShort {
        /// The key's id.
        id: String,
        /// The secret's length.
        len: usize,
    },
    /// The secret is not unpadded base64url.
    #[error("the secret of key `{0}` is not base64url")]
    NotBase64(String),
    /// An entry of a key list (named by its position, never by its text, which may be a
    /// secret) is not `id:secret`.
    #[error("key list {0} is not `id:secret`")]
    Entry(String),
    /// A key list names no key.
    #[error("the key list is empty")]
    Empty,
    /// Two keys share an id.
    #[error("two keys have the id `{0}`")]
    DuplicateId(String),
    /// A key list from configuration could not be read (the text says why, without any
    /// secret).
    #[error("{0}")]
    Encoding(String),
}

/// One HMAC-SHA-256 key for `requestState`, with the id that names it in the states it
/// signs. The secret is never printed.
///
/// ```
/// use oxmcp_core::server::mrtr::RequestStateKey;
///
/// let key = RequestStateKey::new("2026-12", [7u8; 32]).unwrap();
/// assert_eq!(key.id(), "2026-12");
/// assert!(RequestStateKey::new("2026-12", [7u8; 16]).is_err());
/// assert!(RequestStateKey::new("no.dots", [7u8; 32]).is_err());
/// ```
#[derive(Clone)]
pub struct RequestStateKey {
    id: String,
    secret: Vec<u8>,
}

impl fmt::Debug for RequestStateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestStateKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl RequestStateKey {
    /// A key named `id` (1 to 64 characters of `A-Z a-z 0-9 - _`) with `secret` (at least
    /// 32 bytes; give every key its own random secret).
    pub fn new(id: impl Into<String>, secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let id = id.into();
        let valid = !id.is_empty()
            && id.len() <= MAX_KEY_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(KeyError::InvalidId(id));
        }
        let secret = secret.as_ref().to_vec();
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::TooShort {
                id,
                len: secret.len(),
            });
        }
        Ok(Self { id, secret })
    }

    /// A key whose secret is written in unpadded base64url (as [`RequestStateKeys::parse`]
    /// reads it).
    pub fn from_base64url(id: impl Into<String>, secret: &str) -> Result<Self, KeyError> {
        let id = id.into();
        match URL_SAFE_NO_PAD.decode(secret.trim()) {
            Ok(bytes) => Self::new(id, bytes),
            Err(_) => Err(KeyError::NotBase64(id)),
        }
    }

    /// A key with a fresh random secret from the operating system.
    pub fn random(id: impl Into<String>) -> Result<Self, KeyError> {
        Self::new(id, random_secret())
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A MAC under this key.
    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()))
    }

    /// Whether `tag` is the MAC of `data` under this key (compared in constant time).
    pub(crate) fn verifies(&self, data: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.mac();
        mac.update(data);
        mac.verify_slice(tag).is_ok()
    }

    /// The MAC of `data` under this key.
    pub(crate) fn sign(&self, data: &[u8]) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
}

/// 32 random bytes; should the operating system have none, the per-process seeds of std's
/// hasher (see [`crate::cursor_key::CursorKey::random`]).
fn random_secret() -> [u8; RANDOM_SECRET_LEN] {
    let mut secret = [0u8; RANDOM_SECRET_LEN];
    if let Err(e) = getrandom::fill(&mut secret) {
        tracing::warn!(error = %e, "no OS randomness for the request-state key; using hasher seeds");
        let fallback = crate::cursor_key::fallback_key();
        secret.copy_from_slice(&fallback[..RANDOM_SECRET_LEN]);
    }
    secret
}

/// The keys of `requestState` (multi round-trip requests): one signs the states this server
/// sends, and every key of the list is accepted on a retry. Rotate by putting a new key
/// first and keeping the old one behind it until the states it signed have expired.
///
/// Servers behind a load balancer share the list (from configuration): a retry can then
/// reach any of them. By default a server draws one random key, so its states are
/// accepted by that server process only.
///
/// ```
/// use oxmcp_core::server::mrtr::{RequestStateKey, RequestStateKeys};
///
/// // `new-key` signs; states signed with `old-key` are still accepted.
/// let keys = RequestStateKeys::parse(
///     "new-key:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8, \
///      old-key:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8",
/// )
/// .unwrap();
/// assert_eq!(keys.signing().id(), "new-key");
/// assert!(keys.get("old-key").is_some());
/// let rotated = RequestStateKeys::new(RequestStateKey::random("newer").unwrap())
///     .with_key(keys.signing().clone());
/// assert_eq!(rotated.ids().collect::<Vec<_>>(), ["newer", "new-key"]);
/// ```
#[derive(Debug, Clone)]
pub struct RequestStateKeys {
    /// The signing key first, then the keys only accepted.
    keys: Vec<RequestStateKey>,
}

impl Default for RequestStateKeys {
    /// One random key (id `random`): states are accepted by this process only.
    fn default() -> Self {
        Self::random()
    }
}

impl RequestStateKeys {
    /// A list with `signing` as its only key.
    pub fn new(signing: RequestStateKey) -> Self {
        Self {
            keys: vec![signing],
        }
    }

    /// One random key (id `random`).
    pub fn random() -> Self {
        Self::new(RequestStateKey {
            id: "random".to_owned(),
            secret: random_secret().to_vec(),
        })
    }

    /// Also accepts states signed with `key` (an older key, during a rotation, or a key of
    /// another instance). A key with the id of one already accepted replaces it; one with
    /// the signing key's id is ignored.
    #[must_use]
    pub fn with_key(mut self, key: RequestStateKey) -> Self {
        if self.keys[0].id == key.id {
            return self;
        }
        match self.keys.iter_mut().find(|k| k.id == key.id) {
            Some(existing) => *existing = key,
            None => self.keys.push(key),
        }
        self
    }

    /// Reads a key list from configuration: `id:secret` entries separated by commas (or
    /// whitespace), secrets in unpadded base64url of at least 32 bytes. The first entry
    /// signs; all are accepted. A secret can be made with
    /// `openssl rand -base64 32 | tr '+/' '-_' | tr -d '='`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys: Vec<RequestStateKey> = Vec::new();
        let entries = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty());
        for (n, entry) in entries.enumerate() {
            // Named by position: an entry without `:` may be a bare secret.
            let (id, secret) = entry
                .split_once(':')
                .ok_or_else(|| KeyError::Entry(format!("entry {}", n + 1)))?;
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyError::DuplicateId(id.to_owned()));
            }
            keys.push(RequestStateKey::from_base64url(id, secret)?);
        }
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self { keys })
    }

    /// The key that signs.
    pub fn signing(&self) -> &RequestStateKey {
        &self.keys[0]
    }

    /// The key with id `id`, if the list has it.
    pub fn get(&self, id: &str) -> Option<&RequestStateKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The ids of the keys, the signing key first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lists_are_read_and_checked() {
        let a = URL_SAFE_NO_PAD.encode([1u8; 32]);
        let keys = RequestStateKeys::parse(&format!("a:{a}\nb:{a}")).unwrap();
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(RequestStateKeys::parse(" , ").unwrap_err(), KeyError::Empty);
        assert_eq!(
            RequestStateKeys::parse(&format!("a:{a},a:{a}")).unwrap_err(),
            KeyError::DuplicateId("a".into())
        );
        assert_eq!(
            RequestStateKeys::parse("a").unwrap_err(),
            KeyError::Entry("entry 1".into())
        );
        assert_eq!(
            RequestStateKeys::parse("a:***").unwrap_err(),
            KeyError::NotBase64("a".into())
        );
        let short = URL_SAFE_NO_PAD.encode([1u8; 31]);
        assert!(matches!(
            RequestStateKeys::parse(&format!("a:{short}")),
            Err(KeyError::TooShort { len: 31, .. })
        ));
        assert!(RequestStateKey::new("x".repeat(MAX_KEY_ID_LEN + 1), [0u8; 32]).is_err());
        assert!(!format!("{keys:?}").contains(&a));
    }

    #[test]
    fn random_keys_differ_and_sign_what_they_verify() {
        let (a, b) = (RequestStateKeys::random(), RequestStateKeys::random());
        let tag = a.signing().sign(b"data");
        assert!(a.signing().verifies(b"data", &tag));
        assert!(!b.signing().verifies(b"data", &tag));
        assert!(!a.signing().verifies(b"datA", &tag));
        let same_id = RequestStateKey::new("random", [9u8; 32]).unwrap();
        let kept = a.with_key(same_id);
        assert_eq!(kept.ids().count(), 1, "the signing key is not replaced");
    }
}
