//! Opaque, tamper-proof pagination cursors.
//!
//! A cursor names the list it belongs to and the registration sequence number of the last
//! item of the previous page; it is authenticated with HMAC-SHA-256 under a key drawn at
//! random when the server is built, and written in unpadded base64url. Because it records a
//! position in registration order rather than an offset, adding or removing items between
//! two pages neither repeats nor skips the items that stayed. Cursors do not survive a
//! restart of the server (the key changes), which the spec allows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::cursor_key::CursorKey;

/// The default number of items per page.
pub const DEFAULT_PAGE_SIZE: usize = 100;

const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
const BODY_LEN: usize = 1 + 1 + 8;

/// The lists that are paginated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListKind {
    Tools = 1,
    Resources = 2,
    ResourceTemplates = 3,
    Prompts = 4,
}

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CursorError {
    /// Not base64url, or not the right length or version.
    #[error("the cursor is malformed")]
    Malformed,
    /// The authentication tag does not match: altered, or from another server instance.
    #[error("the cursor was not issued by this server")]
    Forged,
    /// A valid cursor of another list.
    #[error("the cursor belongs to another list")]
    WrongList,
}

/// Encodes and checks cursors under one secret key.
#[derive(Debug)]
pub(crate) struct CursorCodec {
    key: CursorKey,
}

impl CursorCodec {
    /// A codec with a fresh random key.
    pub(crate) fn random() -> Self {
        Self {
            key: CursorKey::random(),
        }
    }

    fn tag(&self, body: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = self.key.mac();
        mac.update(body);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    /// The cursor that continues `kind` after the item with sequence number `after`.
    pub(crate) fn encode(&self, kind: ListKind, after: u64) -> String {
        let mut bytes = Vec::with_capacity(BODY_LEN + TAG_LEN);
        bytes.push(VERSION);
        bytes.push(kind as u8);
        bytes.extend_from_slice(&after.to_be_bytes());
        let tag = self.tag(&bytes);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The position a cursor of `kind` continues after.
    pub(crate) fn decode(&self, kind: ListKind, cursor: &str) -> Result<u64, CursorError> {
        // Longer than any cursor we make: refused before anything is decoded or allocated.
        if cursor.len() > (BODY_LEN + TAG_LEN).div_ceil(3) * 4 {
            return Err(CursorError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| CursorError::Malformed)?;
        if bytes.len() != BODY_LEN + TAG_LEN || bytes[0] != VERSION {
            return Err(CursorError::Malformed);
        }
        let (body, tag) = bytes.split_at(BODY_LEN);
        let mut mac = self.key.mac();
        mac.update(body);
        mac.verify_truncated_left(tag)
            .map_err(|_| CursorError::Forged)?;
        if body[1] != kind as u8 {
            return Err(CursorError::WrongList);
        }
        let mut position = [0u8; 8];
        position.copy_from_slice(&body[2..]);
        Ok(u64::from_be_bytes(position))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let codec = CursorCodec::random();
        let cursor = codec.encode(ListKind::Tools, 42);
        assert_eq!(codec.decode(ListKind::Tools, &cursor), Ok(42));
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn tampering_is_detected() {
        let codec = CursorCodec::random();
        let cursor = codec.encode(ListKind::Prompts, 7);
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        bytes[9] ^= 1;
        let forged = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(
            codec.decode(ListKind::Prompts, &forged),
            Err(CursorError::Forged)
        );
    }

    #[test]
    fn cursors_longer_than_ours_are_refused_before_decoding() {
        let codec = CursorCodec::random();
        let cursor = codec.encode(ListKind::Tools, 3);
        assert_eq!(codec.decode(ListKind::Tools, &cursor), Ok(3));
        let long = format!("{cursor}{}", "A".repeat(1 << 20));
        assert_eq!(
            codec.decode(ListKind::Tools, &long),
            Err(CursorError::Malformed)
        );
    }

    #[test]
    fn other_lists_servers_and_garbage_are_refused() {
        let codec = CursorCodec::random();
        let cursor = codec.encode(ListKind::Resources, 1);
        assert_eq!(
            codec.decode(ListKind::ResourceTemplates, &cursor),
            Err(CursorError::WrongList)
        );
        let other = CursorCodec::random();
        assert_eq!(
            other.decode(ListKind::Resources, &cursor),
            Err(CursorError::Forged)
        );
        for garbage in ["", "!!!", "AAAA", &cursor[1..]] {
            assert_eq!(
                codec.decode(ListKind::Resources, garbage),
                Err(CursorError::Malformed),
                "{garbage}"
            );
        }
    }
}
