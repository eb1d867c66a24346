//! The 2026-07-28 ("modern") era on the server side: no `initialize`, every request names
//! its protocol version and the client's capabilities in its `_meta`, and `server/discover`
//! tells a client what the server supports.
//!
//! [`ModernContext`] is the [`ContextSource`] that reads each request's `_meta`; a
//! transport asks for it with [`Negotiated::per_request`](crate::transport::Negotiated).

use std::sync::Arc;

use oxmcp_types::era::{RequestEra, classify_request};
use oxmcp_types::modern::{DiscoverResult, RequestMeta};
use oxmcp_types::{
    AdaptToVersion, ErrorData, Implementation, JsonObject, ProtocolVersion, ServerCapabilities,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::SessionInfo;
use super::source::{ContextSource, RequestHead};
use crate::role::Server;

/// The `clientInfo` of a modern request that names none (it SHOULD, but need not).
pub const UNNAMED_CLIENT: &str = "unnamed-client";

/// Gives each modern request the state its `_meta` declares: its protocol version (one
/// this server speaks, else -32022 listing those it does), the client's capabilities for
/// this request, and the client's info. Every request carries them, `server/discover`
/// included (-32602 otherwise).
///
/// ```
/// use oxmcp_core::role::Server;
/// use oxmcp_core::session::{ContextSource, ModernContext, RequestHead};
/// use oxmcp_core::Extensions;
/// use oxmcp_types::ProtocolVersion;
/// use serde_json::value::RawValue;
///
/// let params = RawValue::from_string(r#"{"_meta":{
///     "io.modelcontextprotocol/protocolVersion":"2026-07-28",
///     "io.modelcontextprotocol/clientCapabilities":{"sampling":{}}}}"#.to_owned()).unwrap();
/// let extensions = Extensions::new();
/// let mut head = RequestHead::new("tools/list", Some(&params), &extensions);
/// let info = ContextSource::<Server>::negotiate(&ModernContext, &head).unwrap();
/// assert_eq!(info.protocol_version, ProtocolVersion::V2026_07_28);
/// assert!(info.peer_capabilities.sampling.is_some());
/// head = RequestHead::new("tools/list", None, &extensions);
/// assert!(ContextSource::<Server>::negotiate(&ModernContext, &head).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ModernContext;

#[derive(Deserialize)]
struct MetaOnly {
    #[serde(rename = "_meta", default)]
    meta: Option<JsonObject>,
}

impl ModernContext {
    /// The state of a request whose `_meta` names `version`.
    fn from_meta(
        version: ProtocolVersion,
        params: Option<&RawValue>,
    ) -> Result<Arc<SessionInfo<Server>>, ErrorData> {
        let raw = params.map_or("{}", RawValue::get);
        let meta = serde_json::from_str::<MetaOnly>(raw)
            .map_err(|e| ErrorData::invalid_params(format!("invalid params: {e}")))?
            .meta
            .unwrap_or_default();
        let meta = RequestMeta::from_meta(&meta)
            .map_err(|e| ErrorData::invalid_params(format!("invalid `_meta`: {e}")))?;
        let client = meta
            .client_info
            .unwrap_or_else(|| Implementation::new(UNNAMED_CLIENT, "0"));
        Ok(
            SessionInfo::new(version, meta.client_capabilities, client, None)
                .with_log_level(meta.log_level),
        )
    }
}

impl ContextSource<Server> for ModernContext {
    fn negotiate(&self, request: &RequestHead<'_>) -> Result<Arc<SessionInfo<Server>>, ErrorData> {
        // Read by the transport already (see `ModernStateCache`).
        if let Some(state) = request.extensions.get::<super::ModernState>() {
            return Ok(state.0.clone());
        }
        // A well-formed `_meta` in one pass; the general path names what is wrong.
        match super::modern_fast::negotiate(request.method, request.params) {
            Some(info) => Ok(info),
            None => Self::general(request),
        }
    }
}

impl ModernContext {
    /// The state of any request: the era of its params first, then its `_meta` read into
    /// a map and checked member by member.
    pub(super) fn general(
        request: &RequestHead<'_>,
    ) -> Result<Arc<SessionInfo<Server>>, ErrorData> {
        match classify_request(request.method, request.params) {
            RequestEra::Modern(Ok(version)) => Self::from_meta(version, request.params),
            RequestEra::Modern(Err(unsupported)) => Err(ErrorData::unsupported_protocol_version(
                &unsupported.0,
                &ProtocolVersion::MODERN,
            )),
            RequestEra::Malformed(reason) => Err(ErrorData::invalid_params(reason)),
            _ => Err(ErrorData::invalid_params(format!(
                "`{}` names no protocol version in `_meta`: a request without a session \
                 must carry `io.modelcontextprotocol/protocolVersion` and \
                 `io.modelcontextprotocol/clientCapabilities`",
                request.method
            ))),
        }
    }
}

/// The answer to `server/discover`: every revision this server speaks (the modern ones
/// first, then those `initialize` negotiates), its capabilities as of the newest revision,
/// its instructions, and who it is (in `_meta`, as `io.modelcontextprotocol/serverInfo`).
pub(crate) fn discover(
    own_info: &Implementation,
    own: &ServerCapabilities,
    instructions: Option<&str>,
) -> DiscoverResult {
    // Both lists are newest first.
    let versions: Vec<ProtocolVersion> = ProtocolVersion::MODERN
        .into_iter()
        .chain(ProtocolVersion::ALL)
        .collect();
    let mut capabilities = own.clone();
    capabilities.adapt_to(ProtocolVersion::LATEST_MODERN);
    let mut result = DiscoverResult::new(&versions, capabilities);
    result.instructions = instructions.map(str::to_owned);
    let mut meta = JsonObject::new();
    if let Ok(info) = serde_json::to_value(own_info) {
        meta.insert("io.modelcontextprotocol/serverInfo".to_owned(), info);
    }
    result.meta = Some(meta);
    result
}
