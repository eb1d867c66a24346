//! Version adaptation (being written).

use crate::version::ProtocolVersion;

/// Strips or converts what is newer than a negotiated protocol revision.
pub trait AdaptToVersion {
    /// Makes `self` valid for `version`.
    fn adapt_to(&mut self, version: ProtocolVersion);
}
