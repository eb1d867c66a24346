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

use http::request::Parts;
use http::{HeaderValue, Method, Response, StatusCode, header};
use oxmcp_types::jsonrpc;
use oxmcp_types::{ErrorData, Message, ProtocolVersion};
use tokio_util::sync::CancellationToken;

use super::body::{self, McpBody};
use super::guard;
use super::post::{
    INITIALIZE, bad_version, decoded, new_session_id, read_body, session_not_found, too_large,
    too_many_sessions,
};
use super::session::{Session, SessionKind};
use super::{ServiceInner, batch, rejected};
use crate::sse;

/// The query parameter that names the session in the POST URL.
pub(crate) const SESSION_PARAM: &str = "sessionId";

fn method_not_allowed(allow: &'static str) -> Response<McpBody> {
    let mut response = body::invalid(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// `GET` on the SSE path: a new session and its stream.
pub(crate) async fn open(
    inner: &ServiceInner,
    parts: Parts,
    messages_path: &str,
) -> Response<McpBody> {
    if parts.method != Method::GET {
        return method_not_allowed("GET");
    }
    let principal = match inner.auth.authenticate(&parts).await {
        Ok(principal) => principal,
        Err(rejection) => return rejected(rejection),
    };
    if !guard::accepts(&parts.headers, "text/event-stream") {
        return body::invalid(
            StatusCode::NOT_ACCEPTABLE,
            "not acceptable: Accept must list text/event-stream",
        );
    }
    if let Err(value) = guard::protocol_version(&parts.headers) {
        return bad_version(&value);
    }
    let Ok(id) = new_session_id() else {
        return body::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorData::internal_error("no secure random numbers for a session id"),
        );
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
    session.bind(principal);
    if !inner.registry.try_insert(session.clone()) {
        return too_many_sessions(inner);
    }
    inner.registry.ensure_reaper();
    let Some(mut open) = session.open_standalone().await else {
        return session_not_found();
    };
    let running = inner.factory.start(transport);
    let _ = session.handle.set(running.handle().clone());
    let separator = if messages_path.contains('?') {
        '&'
    } else {
        '?'
    };
    let endpoint = format!("{messages_path}{separator}{SESSION_PARAM}={id}");
    open.first
        .push_front(sse::named_event("endpoint", endpoint.as_bytes()));
    // The end of the stream's connection ends the session.
    let closed = CancellationToken::new();
    let watch = closed.clone();
    let weak = Arc::downgrade(&session);
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

/// `POST` on the messages path: one message for a legacy session.
pub(crate) async fn message<B>(inner: &ServiceInner, parts: Parts, body: B) -> Response<McpBody>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if parts.method != Method::POST {
        return method_not_allowed("POST");
    }
    let config = &inner.settings.config;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > config.max_body_bytes as u64) {
        return too_large(config.max_body_bytes);
    }
    let principal = match inner.auth.authenticate(&parts).await {
        Ok(principal) => principal,
        Err(rejection) => return rejected(rejection),
    };
    if !guard::is_json_content(&parts.headers) {
        return body::invalid(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported media type: Content-Type must be application/json",
        );
    }
    if let Err(value) = guard::protocol_version(&parts.headers) {
        return bad_version(&value);
    }
    let Some(id) = session_param(&parts) else {
        return body::invalid(
            StatusCode::BAD_REQUEST,
            "bad request: missing sessionId query parameter",
        );
    };
    let Some(session) = inner
        .registry
        .get(id)
        .filter(|s| s.is_legacy() && s.belongs_to(principal.as_deref()))
    else {
        return session_not_found();
    };
    let bytes = match read_body(body, config.max_body_bytes, config).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    session.touch();
    let messages = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        // A batch: the same checks as on the Streamable HTTP endpoint.
        let items = match batch::checked_items(config, &bytes) {
            Ok(items) => items,
            Err(refusal) => return *refusal,
        };
        let version = session.protocol_version();
        if !version.allows_batches() {
            return batch::not_allowed(version);
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
        messages
    } else {
        match jsonrpc::decode(&bytes, config.max_json_depth) {
            Ok(message) => vec![message],
            Err(e) => {
                let body = Message::Error(e.to_error_response()).to_vec();
                return body::json(StatusCode::BAD_REQUEST, body);
            }
        }
    };
    for message in messages {
        if let Message::Request(request) = &message
            && request.method == INITIALIZE
        {
            session.legacy_initialize(&request.id);
        }
        if session.forward(decoded(message)).await.is_err() {
            return session_not_found();
        }
    }
    body::status(StatusCode::ACCEPTED)
}
