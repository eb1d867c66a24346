//! `server/discover`: what a modern server supports, without a handshake.

use serde::{Deserialize, Serialize};

use super::result::{CacheScope, ResultType};
use crate::capabilities::ServerCapabilities;
use crate::meta::{JsonObject, Meta};
use crate::version::ProtocolVersion;

/// The result of `server/discover` (`DiscoverResult`). The server's info travels in
/// `_meta["io.modelcontextprotocol/serverInfo"]`, as on every modern result.
///
/// ```
/// use oxmcp_types::modern::DiscoverResult;
/// use oxmcp_types::{ProtocolVersion, ServerCapabilities};
///
/// let d = DiscoverResult::new(&ProtocolVersion::MODERN, ServerCapabilities::default());
/// let json = serde_json::to_value(&d).unwrap();
/// assert_eq!(json["supportedVersions"][0], "2026-07-28");
/// assert_eq!(json["resultType"], "complete");
/// assert_eq!((json["ttlMs"].as_u64(), json["cacheScope"].as_str()), (Some(0), Some("private")));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscoverResult {
    /// The protocol revisions the server supports; the client picks one of them for its
    /// requests. A dual-era server may list its legacy revisions too.
    pub supported_versions: Vec<String>,
    /// What the server supports.
    pub capabilities: ServerCapabilities,
    /// Guidance on using the server, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Milliseconds the answer stays fresh.
    #[serde(deserialize_with = "crate::wire::lenient_u64::deserialize")]
    pub ttl_ms: u64,
    /// Who may cache the answer.
    pub cache_scope: CacheScope,
    /// Always `complete`.
    pub result_type: ResultType,
    /// Metadata (`serverInfo`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl DiscoverResult {
    /// A result listing `versions`, not cacheable (`ttlMs` 0, private).
    pub fn new(versions: &[ProtocolVersion], capabilities: ServerCapabilities) -> Self {
        Self {
            supported_versions: versions.iter().map(|v| v.as_str().to_owned()).collect(),
            capabilities,
            instructions: None,
            ttl_ms: 0,
            cache_scope: CacheScope::Private,
            result_type: ResultType::Complete,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Sets the instructions.
    #[must_use]
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets the cache hints.
    #[must_use]
    pub fn with_cache(mut self, ttl_ms: u64, scope: CacheScope) -> Self {
        self.ttl_ms = ttl_ms;
        self.cache_scope = scope;
        self
    }

    /// The newest listed revision that oxmcp speaks too, for a client choosing one.
    ///
    /// ```
    /// use oxmcp_types::modern::DiscoverResult;
    /// use oxmcp_types::{ProtocolVersion, ServerCapabilities};
    /// let mut d = DiscoverResult::new(&ProtocolVersion::MODERN, ServerCapabilities::default());
    /// d.supported_versions.push("2099-01-01".into());
    /// assert_eq!(d.best_version(), Some(ProtocolVersion::V2026_07_28));
    /// ```
    pub fn best_version(&self) -> Option<ProtocolVersion> {
        self.supported_versions
            .iter()
            .filter_map(|s| ProtocolVersion::parse_modern(s).ok())
            .max()
    }
}
