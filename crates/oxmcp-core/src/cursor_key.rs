//! The secret key of opaque cursors (list pagination and `tasks/list`): 64 random bytes drawn
//! when the server (or task engine) is built, used with HMAC-SHA-256.

use hmac::{Hmac, KeyInit};
use sha2::Sha256;

const KEY_LEN: usize = 64;

/// A random HMAC-SHA-256 key; never printed.
pub struct CursorKey([u8; KEY_LEN]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(<redacted>)")
    }
}

impl CursorKey {
    /// A fresh key from the operating system; should that fail, from the per-process random
    /// seeds of std's hasher (which it filled at startup).
    pub fn random() -> Self {
        let mut key = [0u8; KEY_LEN];
        if let Err(e) = getrandom::fill(&mut key) {
            tracing::warn!(error = %e, "no OS randomness for cursor keys; using hasher seeds");
            key = fallback_key();
        }
        Self(key)
    }

    /// A MAC keyed with one block (64 bytes), so no fallible key handling.
    pub fn mac(&self) -> Hmac<Sha256> {
        Hmac::new(&self.0.into())
    }
}

pub(crate) fn fallback_key() -> [u8; KEY_LEN] {
    use std::hash::{BuildHasher, Hasher};
    let mut key = [0u8; KEY_LEN];
    for (i, chunk) in key.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_keys_are_not_constant() {
        assert_ne!(fallback_key(), [0u8; KEY_LEN]);
    }
}
