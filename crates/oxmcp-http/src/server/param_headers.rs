//! `Mcp-Param-*` headers (2026-07-28, SEP-2243): the HTTP side collects them for each
//! modern `tools/call` and hands them to the engine in the request's extensions
//! ([`ParamHeaders`]), where the server checks them against the parameters the tool marks
//! `x-mcp-header` (-32020 on a mismatch, which is answered with 400).

use std::sync::{Arc, LazyLock};

use http::HeaderMap;
use oxmcp_core::ExtensionEntry;
use oxmcp_core::server::tools::ParamHeaders;
use oxmcp_core::session::ModernState;
use oxmcp_types::jsonrpc::Request;
use oxmcp_types::methods::{CallToolRequest, RequestMethod};
use oxmcp_types::modern::headers::MCP_PARAM_HEADER_PREFIX;

use super::inbound::{Inbound, Origin};
use super::mcp_headers::McpHeaders;

/// The `Mcp-Param-*` headers of `headers` (all of them, even none, so that a missing one
/// is noticed).
pub(crate) fn collect(headers: &HeaderMap) -> ParamHeaders {
    let mut found = ParamHeaders::new();
    for (name, value) in headers {
        // Header names are lowercase here.
        let name = name.as_str();
        let prefix = MCP_PARAM_HEADER_PREFIX.len();
        if name.len() > prefix && name[..prefix].eq_ignore_ascii_case(MCP_PARAM_HEADER_PREFIX) {
            found.insert(&name[prefix..], value.as_bytes());
        }
    }
    found
}

/// What a modern request from `origin` brings the engine: its `state` when its `_meta`
/// was read already, and for `tools/call` its `Mcp-Param-*` headers too.
pub(crate) fn with_state(
    origin: &Origin<'_>,
    mcp: &McpHeaders<'_>,
    headers: &HeaderMap,
    request: &Request,
    state: Option<ModernState>,
) -> Inbound {
    // Most calls have none: they share one empty set.
    static NONE: LazyLock<Arc<ParamHeaders>> = LazyLock::new(|| Arc::new(ParamHeaders::new()));
    let params = (request.method == CallToolRequest::METHOD).then(|| match mcp.any_param {
        true => collect(headers),
        false => ParamHeaders::new(),
    });
    let params = params.map(|p| match p.is_empty() {
        true => ExtensionEntry::new(NONE.clone()),
        false => ExtensionEntry::new(Arc::new(p)),
    });
    let state = state.map(|s| ExtensionEntry::new(Arc::new(s)));
    origin.inbound_with(params.into_iter().chain(state))
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn only_mcp_param_headers_are_collected() {
        let mut headers = HeaderMap::new();
        headers.insert("mcp-param-region", HeaderValue::from_static("us-west1"));
        headers.append("Mcp-Param-Rows", HeaderValue::from_static("1"));
        headers.append("mcp-param-rows", HeaderValue::from_static("2"));
        headers.insert("mcp-param-", HeaderValue::from_static("nameless"));
        headers.insert("mcp-name", HeaderValue::from_static("tool"));
        assert_eq!(collect(&headers).len(), 3);
        assert!(collect(&HeaderMap::new()).is_empty());
    }
}
