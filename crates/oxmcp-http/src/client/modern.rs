//! The headers of the 2026-07-28 era on the client's POSTs: a request whose `_meta` names a
//! modern protocol version carries it in `MCP-Protocol-Version`, its method in `Mcp-Method`
//! and, for `tools/call`, `prompts/get`, `resources/read` and the task methods, the name or
//! URI it targets in `Mcp-Name` (encoded as the revision says). Notifications sent while no
//! session is open, after a modern request, carry the version and their method too. Legacy
//! requests (no version in `_meta`) get none of them.
//!
//! `tools/call` also carries an `Mcp-Param-{Name}` header for each argument its tool marks
//! `x-mcp-header` (SEP-2243), as the tool's schema in the last `tools/list` answer says
//! ([`ParamHeaders`]); an argument that is absent or `null` has none.
//!
//! A modern request is cancelled by closing its stream (the revision has no other way over
//! HTTP): the engine's `notifications/cancelled` for it is not POSTed, the exchange reading
//! its answer is dropped instead.

use std::future::Future;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use oxmcp_types::era::{RequestEra, classify_request};
use oxmcp_types::jsonrpc::Request;
use oxmcp_types::modern::headers::{MCP_METHOD_HEADER, MCP_NAME_HEADER, encode_value, mcp_name};
use oxmcp_types::modern::headers::{ParamHeader, param_headers};
use oxmcp_types::{JsonObject, RequestId};
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::{Shared, lock};
use crate::server::PROTOCOL_VERSION_HEADER;

/// Adds a header (names are the spec's mixed-case constants; values that cannot travel as
/// a header are left out, and the server then says what is missing).
fn insert(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(name, value);
    }
}

/// The modern headers of a request (none for a legacy one), remembering the version for
/// the notifications that follow.
pub(crate) fn request_headers(shared: &Shared, request: &Request) -> HeaderMap {
    let (method, params) = (request.method.as_str(), request.params.as_deref());
    let mut headers = HeaderMap::new();
    let RequestEra::Modern(Ok(version)) = classify_request(method, params) else {
        return headers;
    };
    insert(&mut headers, PROTOCOL_VERSION_HEADER, version.as_str());
    insert(&mut headers, MCP_METHOD_HEADER, method);
    if let Ok(Some(name)) = mcp_name(method, params) {
        insert(&mut headers, MCP_NAME_HEADER, &encode_value(&name));
        if method == "tools/call" {
            shared.param_headers.add(&mut headers, &name, params);
        }
    }
    if method == "tools/list" {
        shared.param_headers.expect(request.id.clone());
    }
    if let Ok(value) = HeaderValue::from_str(version.as_str()) {
        *lock(&shared.modern_version) = Some(value);
    }
    headers
}

/// The modern headers of a notification: the version of the last modern request and the
/// method, while no legacy session is open.
pub(crate) fn notification_headers(shared: &Shared, method: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if lock(&shared.session_id).is_some() {
        return headers;
    }
    let Some(version) = lock(&shared.modern_version).clone() else {
        return headers;
    };
    if let Ok(version) = version.to_str() {
        insert(&mut headers, PROTOCOL_VERSION_HEADER, version);
    }
    insert(&mut headers, MCP_METHOD_HEADER, method);
    headers
}

/// A modern request's exchange, which [`close`] ends.
pub(crate) struct Tracked {
    shared: Arc<Shared>,
    id: RequestId,
    token: CancellationToken,
}

impl Tracked {
    /// Runs `exchange` until it ends or the request is closed, then forgets the request.
    pub(crate) async fn run(self, exchange: impl Future<Output = ()>) {
        tokio::select! {
            () = self.token.cancelled() => {}
            () = exchange => {}
        }
        lock(&self.shared.modern_streams).remove(&self.id);
    }
}

/// Tracks the request `id` when its `headers` make it a modern one.
pub(crate) fn track(shared: &Arc<Shared>, headers: &HeaderMap, id: RequestId) -> Option<Tracked> {
    if !headers.contains_key(PROTOCOL_VERSION_HEADER) {
        return None;
    }
    let token = CancellationToken::new();
    lock(&shared.modern_streams).insert(id.clone(), token.clone());
    Some(Tracked {
        shared: shared.clone(),
        id,
        token,
    })
}

/// Closes the stream of modern request `id`; false when it is no modern request under way.
pub(crate) fn close(shared: &Shared, id: &RequestId) -> bool {
    match lock(&shared.modern_streams).remove(id) {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
    }
}

/// The `Mcp-Param-*` headers of each tool, learnt from the `tools/list` answers the
/// transport carries (a tool whose annotations are invalid has none: the client leaves it
/// out of its list).
#[derive(Default)]
pub(crate) struct ParamHeaders {
    /// The `tools/list` requests waiting for their answers.
    lists: std::sync::Mutex<std::collections::HashSet<RequestId>>,
    by_tool: std::sync::Mutex<std::collections::HashMap<String, Vec<ParamHeader>>>,
}

impl ParamHeaders {
    fn expect(&self, id: RequestId) {
        lock(&self.lists).insert(id);
    }

    /// Reads the tools of an answer to a `tools/list` request.
    pub(crate) fn observe(&self, id: &RequestId, result: &RawValue) {
        #[derive(serde::Deserialize)]
        struct Listed {
            #[serde(default)]
            tools: Vec<ToolSchema>,
        }
        #[derive(serde::Deserialize)]
        struct ToolSchema {
            name: String,
            #[serde(rename = "inputSchema", default)]
            input_schema: JsonObject,
        }
        if !lock(&self.lists).remove(id) {
            return;
        }
        let Ok(listed) = serde_json::from_str::<Listed>(result.get()) else {
            return;
        };
        let mut by_tool = lock(&self.by_tool);
        for tool in listed.tools {
            match param_headers(&tool.input_schema) {
                Ok(headers) if !headers.is_empty() => {
                    by_tool.insert(tool.name, headers);
                }
                _ => {
                    by_tool.remove(&tool.name);
                }
            }
        }
    }

    /// Adds the headers of a call of `tool` with the arguments in `params`.
    fn add(&self, headers: &mut HeaderMap, tool: &str, params: Option<&RawValue>) {
        #[derive(serde::Deserialize)]
        struct Arguments {
            #[serde(default)]
            arguments: JsonObject,
        }
        let by_tool = lock(&self.by_tool);
        let Some(params_headers) = by_tool.get(tool) else {
            return;
        };
        let Some(Ok(call)) = params.map(|p| serde_json::from_str::<Arguments>(p.get())) else {
            return;
        };
        for header in params_headers {
            match header.value_in(&call.arguments) {
                Ok(Some(value)) => insert(headers, &header.header_name(), &value),
                Ok(None) => {}
                Err(e) => tracing::warn!(tool, error = %e, "an argument cannot go in its header"),
            }
        }
    }
}
