//! The legacy HTTP+SSE endpoints (the 2024-11-05 transport), off by default
//! ([`LegacySseConfig`](super::LegacySseConfig)).
//!
//! `GET` on the SSE path opens a session: the response is its one SSE stream, whose first
//! event is `event: endpoint` with the (relative) URL to POST to, the messages path with a
//! `sessionId` query parameter (128 bits from the CSPRNG, like `Mcp-Session-Id`). Each
//! POST carries one JSON-RPC message (or, on a session that negotiated 2025-03-26, a batch,
//! under the checks of Streamable HTTP batches: at most `max_batch_messages`, no
//! `initialize`, else 400; its elements are forwarded one by one, and an element that
//! does not decode gets its error response on the stream) and is answered `202 Accepted`; every
//! message of the server, responses included, goes on the stream as `event: message`.
//!
//! The same Host/Origin checks (done by the service), auth hook, body limits, session cap
//! (503 with `Retry-After`) and idle reaping apply. When the stream's connection ends, for
//! whatever reason, the session ends; a slow reader whose queue (`sse_queue`) fills up has
//! its connection closed, which ends its session, so memory never grows without bound.
//! An unknown `sessionId` gets 404.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http::request::Parts;
use http::{Response, StatusCode};
use oxmcp_types::jsonrpc;
use oxmcp_types::{Message, ProtocolVersion};
use tokio_util::sync::CancellationToken;

use super::body::{self, McpBody};
use super::client::ClientKey;
use super::guard;
use super::inbound::{Inbound, RemoteAddr};
use super::post::{INITIALIZE, is_batch, new_session_id, read_body};
use super::refusal::{
    bad_version, method_not_allowed, no_session_id, not_json, session_not_found, too_large,
    too_many_sessions, undecodable,
};
use super::session::{OpenStream, Session, SessionKind};
use super::{Principal, ServiceInner, batch, rejected};
use crate::sse;

/// The query parameter that names the session in the POST URL.
pub(crate) const SESSION_PARAM: &str = "sessionId";

/// `GET` on the SSE path: a new session and its stream.
pub(crate) async fn open(
    inner: &ServiceInner,
    parts: Parts,
    messages_path: &str,
    remote: Option<Arc<RemoteAddr>>,
) -> Response<McpBody> {
    if parts.method != Method::GET {
        return method_not_allowed("GET");
    }
    let principal = match checked_open(inner, &parts).await {
        Ok(principal) => principal,
        Err(refusal) => return refusal,
    };
    let Ok(id) = new_session_id() else {
        return no_session_id();
    };
    let (session, transport) = Session::new(
        id.clone(),
        // The version is negotiated by the engine later (the session learns it from the
        // engine's answer to `initialize`).
        ProtocolVersion::V2024_11_05,
        inner.settings.clone(),
        Arc::downgrade(&inner.registry),
        SessionKind::legacy(),
    );
    session.bind(principal.as_ref());
    let client = ClientKey::of(principal.as_deref(), remote.as_deref());
    if let Err(full) = inner.registry.try_insert(session.clone(), client) {
        return too_many_sessions(inner, full);
    }
    inner.registry.ensure_reaper();
    let Some(mut open) = session.open_standalone().await else {
        return session_not_found();
    };
    let running = inner.factory.start(transport);
    let _ = session.handle.set(running.handle().clone());
    let endpoint = endpoint(messages_path, &id);
    open.first
        .push_front(sse::named_event("endpoint", endpoint.as_bytes()));
    stream_response(inner, &session, open)
}

/// The checks of the `GET` that opens a session: the auth hook, `Accept` (406) and
/// `MCP-Protocol-Version` (400). Returns the principal the hook named.
async fn checked_open(
    inner: &ServiceInner,
    parts: &Parts,
) -> Result<Option<Arc<Principal>>, Response<McpBody>> {
    let principal = inner.auth.authenticate(parts).await.map_err(rejected)?;
    let principal = principal.map(Arc::new);
    if !guard::accepts(&parts.headers, "text/event-stream") {
        return Err(body::invalid(
            StatusCode::NOT_ACCEPTABLE,
            "not acceptable: Accept must list text/event-stream",
        ));
    }
    if let Err(value) = guard::protocol_version(&parts.headers) {
        return Err(bad_version(&value));
    }
    Ok(principal)
}

/// The (relative) URL the client of session `id` POSTs to.
fn endpoint(messages_path: &str, id: &str) -> String {
    let separator = if messages_path.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{messages_path}{separator}{SESSION_PARAM}={id}")
}

/// The SSE response that carries the session's one stream; the end of its connection
/// ends the session.
fn stream_response(
    inner: &ServiceInner,
    session: &Arc<Session>,
    open: OpenStream,
) -> Response<McpBody> {
    let closed = CancellationToken::new();
    let watch = closed.clone();
    let weak = Arc::downgrade(session);
    tokio::spawn(async move {
        watch.cancelled().await;
        if let Some(session) = weak.upgrade() {
            session.end().await;
        }
    });
    let config = &inner.settings.config;
    let body = McpBody::sse(open.first, Some(open.rx), 0, config.sse_keep_alive, None)
        .on_drop(closed.drop_guard());
    body::sse_response(body)
}

/// The session id in the query string, if any.
fn session_param(parts: &Parts) -> Option<&str> {
    parts
        .uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(SESSION_PARAM)?.strip_prefix('='))
}

/// `POST` on the messages path: one message (or a batch) for a legacy session, 202 once
/// the engine took it.
pub(crate) async fn message<B>(
    inner: &ServiceInner,
    parts: Parts,
    body: B,
    remote: Option<Arc<RemoteAddr>>,
) -> Response<McpBody>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if parts.method != Method::POST {
        return method_not_allowed("POST");
    }
    let config = &inner.settings.config;
    if guard::declared_over(&parts.headers, config.max_body_bytes) {
        return too_large(config.max_body_bytes);
    }
    let (session, principal) = match checked_message(inner, &parts).await {
        Ok(checked) => checked,
        Err(refusal) => return refusal,
    };
    let bytes = match read_body(body, config.max_body_bytes, config).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    session.touch();
    let mut parts = parts;
    super::inbound::strip_credentials(&mut parts, principal.as_ref());
    let inbound = Inbound::new(&Arc::new(parts), principal.as_ref(), remote.as_ref());
    let messages = match messages_of(inner, &session, &bytes).await {
        Ok(messages) => messages,
        Err(refusal) => return refusal,
    };
    if let Some(refusal) = super::refused_request(inner, principal.as_deref(), &messages) {
        return refusal;
    }
    for message in messages {
        if let Message::Request(request) = &message
            && request.method == INITIALIZE
        {
            session.legacy_initialize(&request.id);
        }
        if session.forward(inbound.frame(message)).await.is_err() {
            return session_not_found();
        }
    }
    body::status(StatusCode::ACCEPTED)
}

/// The checks of a `POST` before its body is read: the auth hook, `Content-Type` (415),
/// `MCP-Protocol-Version` (400), then the session named by the query (400 without one,
/// 404 for an unknown one or one of another principal).
async fn checked_message(
    inner: &ServiceInner,
    parts: &Parts,
) -> Result<(Arc<Session>, Option<Arc<Principal>>), Response<McpBody>> {
    let principal = inner.auth.authenticate(parts).await.map_err(rejected)?;
    let principal = principal.map(Arc::new);
    if !guard::is_json_content(&parts.headers) {
        return Err(not_json());
    }
    if let Err(value) = guard::protocol_version(&parts.headers) {
        return Err(bad_version(&value));
    }
    let Some(id) = session_param(parts) else {
        return Err(body::invalid(
            StatusCode::BAD_REQUEST,
            "bad request: missing sessionId query parameter",
        ));
    };
    let session = inner
        .registry
        .get(id)
        .filter(|s| s.is_legacy() && s.belongs_to(principal.as_deref()))
        .ok_or_else(session_not_found)?;
    Ok((session, principal))
}

/// The messages of a POSTed body, to forward in order. A batch gets the checks of
/// Streamable HTTP batches, and its elements that do not decode get their errors on the
/// session's stream.
async fn messages_of(
    inner: &ServiceInner,
    session: &Session,
    bytes: &Bytes,
) -> Result<Vec<Message>, Response<McpBody>> {
    let config = &inner.settings.config;
    if !is_batch(bytes) {
        return match jsonrpc::decode(bytes, config.max_json_depth) {
            Ok(message) => Ok(vec![message]),
            Err(e) => Err(undecodable(&e)),
        };
    }
    let items = batch::checked_items(config, bytes).map_err(|refusal| *refusal)?;
    let version = session.protocol_version();
    if !version.allows_batches() {
        return Err(batch::not_allowed(version));
    }
    let mut messages = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Ok(message) => messages.push(message),
            Err(e) => {
                let error = Message::Error(e.to_error_response()).to_vec();
                session.legacy_send(error.into()).await;
            }
        }
    }
    Ok(messages)
}
