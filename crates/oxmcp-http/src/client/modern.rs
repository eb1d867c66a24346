//! The headers of the 2026-07-28 era on the client's POSTs: a request whose `_meta` names a
//! modern protocol version carries it in `MCP-Protocol-Version`, its method in `Mcp-Method`
//! and, for `tools/call`, `prompts/get`, `resources/read` and the task methods, the name or
//! URI it targets in `Mcp-Name` (encoded as the revision says). Notifications sent while no
//! session is open, after a modern request, carry the version and their method too. Legacy
//! requests (no version in `_meta`) get none of them.
//!
//! A modern request is cancelled by closing its stream (the revision has no other way over
//! HTTP): the engine's `notifications/cancelled` for it is not POSTed, the exchange reading
//! its answer is dropped instead.

use std::future::Future;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use oxmcp_types::RequestId;
use oxmcp_types::era::{RequestEra, classify_request};
use oxmcp_types::modern::headers::{MCP_METHOD_HEADER, MCP_NAME_HEADER, encode_value, mcp_name};
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
pub(crate) fn request_headers(
    shared: &Shared,
    method: &str,
    params: Option<&RawValue>,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let RequestEra::Modern(Ok(version)) = classify_request(method, params) else {
        return headers;
    };
    insert(&mut headers, PROTOCOL_VERSION_HEADER, version.as_str());
    insert(&mut headers, MCP_METHOD_HEADER, method);
    if let Ok(Some(name)) = mcp_name(method, params) {
        insert(&mut headers, MCP_NAME_HEADER, &encode_value(&name));
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
