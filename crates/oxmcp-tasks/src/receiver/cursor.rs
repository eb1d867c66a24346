//! Cursors of `tasks/list`: a [`ListPosition`] (creation time and id of the last task of
//! the previous page), authenticated with HMAC-SHA-256 under a key drawn when the engine is
//! built, bound to the owner who listed, in unpadded base64url. A cursor that was altered,
//! issued by another engine, or issued to another owner is refused; cursors do not survive
//! a restart (the key changes), which the spec allows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{ListPosition, TaskOwner};
use oxmcp_core::cursor_key::CursorKey;

const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
/// Longer cursors are refused before decoding (a task id is at most this long too).
const MAX_CURSOR_LEN: usize = 512;

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CursorError {
    /// Not base64url, too long or too short, or of an unknown version.
    #[error("the cursor is malformed")]
    Malformed,
    /// The tag does not match: altered, from another engine, or of another owner.
    #[error("the cursor was not issued to this requestor by this server")]
    Forged,
}

/// Encodes and checks `tasks/list` cursors under one secret key.
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

    fn tag(&self, owner: &TaskOwner, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.key.mac();
        let owner = owner.as_str().as_bytes();
        mac.update(&(owner.len() as u64).to_be_bytes());
        mac.update(owner);
        mac.update(body);
        mac
    }

    /// The cursor that continues the listing of `owner` after `position`.
    pub(crate) fn encode(&self, owner: &TaskOwner, position: &ListPosition) -> String {
        let mut bytes = Vec::with_capacity(1 + 8 + position.task_id.len() + TAG_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&position.created_at_ms.to_be_bytes());
        bytes.extend_from_slice(position.task_id.as_bytes());
        let full = self.tag(owner, &bytes).finalize().into_bytes();
        bytes.extend_from_slice(&full[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The position a cursor of `owner` continues after.
    pub(crate) fn decode(
        &self,
        owner: &TaskOwner,
        cursor: &str,
    ) -> Result<ListPosition, CursorError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(CursorError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| CursorError::Malformed)?;
        if bytes.len() < 1 + 8 + TAG_LEN || bytes[0] != VERSION {
            return Err(CursorError::Malformed);
        }
        let (body, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        self.tag(owner, body)
            .verify_truncated_left(tag)
            .map_err(|_| CursorError::Forged)?;
        let mut created = [0u8; 8];
        created.copy_from_slice(&body[1..9]);
        let task_id = String::from_utf8(body[9..].to_vec()).map_err(|_| CursorError::Malformed)?;
        Ok(ListPosition {
            created_at_ms: i64::from_be_bytes(created),
            task_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position() -> ListPosition {
        ListPosition {
            created_at_ms: 1_764_066_600_123,
            task_id: "0123456789abcdef0123456789abcdef".to_owned(),
        }
    }

    #[test]
    fn round_trip() {
        let codec = CursorCodec::random();
        let owner = TaskOwner::new("session:a:1");
        let cursor = codec.encode(&owner, &position());
        assert_eq!(codec.decode(&owner, &cursor), Ok(position()));
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn altered_foreign_and_malformed_cursors_are_refused() {
        let codec = CursorCodec::random();
        let owner = TaskOwner::new("session:a:1");
        let cursor = codec.encode(&owner, &position());
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        bytes[3] ^= 1;
        let altered = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(codec.decode(&owner, &altered), Err(CursorError::Forged));
        let other_owner = TaskOwner::new("session:a:2");
        assert_eq!(
            codec.decode(&other_owner, &cursor),
            Err(CursorError::Forged)
        );
        let other_engine = CursorCodec::random();
        assert_eq!(
            other_engine.decode(&owner, &cursor),
            Err(CursorError::Forged)
        );
        let long = "A".repeat(MAX_CURSOR_LEN + 1);
        for garbage in ["", "!!!", "AAAA", &cursor[1..], &long] {
            assert_eq!(
                codec.decode(&owner, garbage),
                Err(CursorError::Malformed),
                "{garbage}"
            );
        }
    }
}
