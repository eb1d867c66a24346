//! GET (the standalone stream, and resumption with `Last-Event-ID`) and DELETE.

use std::sync::Arc;

use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};

use super::body::{self, McpBody};
use super::guard::{self, LAST_EVENT_ID_HEADER, SESSION_ID_HEADER};
use super::inbound::Inbound;
use super::post::{NoSession, lookup, polling};
use super::refusal::{bad_version, session_not_found};
use super::session::{OpenStream, ResumeError, Session};
use super::shared;
use super::{ServiceInner, rejected};
use crate::event_store::EventId;

/// Auth, `MCP-Protocol-Version` and session checks shared by GET and DELETE.
async fn session_of(
    inner: &ServiceInner,
    parts: &Parts,
) -> Result<Arc<Session>, Response<McpBody>> {
    let principal = inner.auth.authenticate(parts).await.map_err(rejected)?;
    let version = guard::protocol_version(&parts.headers).map_err(|value| bad_version(&value))?;
    let header = parts.headers.get(SESSION_ID_HEADER);
    let session = if inner.settings.config.session_store.is_some() {
        let principal = principal.map(Arc::new);
        let caller = principal.as_ref();
        let inbound = || Inbound::new(&Arc::new(parts.clone()), caller, None);
        shared::find(inner, header, caller, version, inbound).await?
    } else {
        lookup(inner, header, principal.as_ref(), version).map_err(NoSession::response)?
    };
    session.touch();
    Ok(session)
}

/// DELETE of a shared session: it ends everywhere, whether this instance holds it or not.
async fn delete_shared(inner: &ServiceInner, parts: &Parts) -> Response<McpBody> {
    let principal = match inner.auth.authenticate(parts).await {
        Ok(principal) => principal,
        Err(rejection) => return rejected(rejection),
    };
    if let Err(value) = guard::protocol_version(&parts.headers) {
        return bad_version(&value);
    }
    let Some(id) = parts.headers.get(SESSION_ID_HEADER) else {
        return NoSession::Missing.response();
    };
    let Ok(id) = id.to_str() else {
        return session_not_found();
    };
    let local = inner
        .registry
        .get(id)
        .filter(|s| !s.is_legacy() && s.belongs_to(principal.as_ref()));
    match shared::delete(inner, id, local.as_deref(), principal.as_ref()).await {
        Ok(true) => body::status(StatusCode::OK),
        Ok(false) => session_not_found(),
        Err(refusal) => refusal,
    }
}

/// GET: resumes a stream after `Last-Event-ID`, or opens the session's standalone stream.
pub(crate) async fn get(inner: &ServiceInner, parts: Parts) -> Response<McpBody> {
    let config = &inner.settings.config;
    if config.stateless {
        return body::invalid(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: this server has no sessions and no GET stream",
        );
    }
    if !guard::accepts(&parts.headers, "text/event-stream") {
        return body::invalid(
            StatusCode::NOT_ACCEPTABLE,
            "not acceptable: Accept must list text/event-stream",
        );
    }
    let session = match session_of(inner, &parts).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    if let Some(last) = parts.headers.get(LAST_EVENT_ID_HEADER) {
        return resume(inner, &session, last).await;
    }
    if !config.standalone_stream {
        return body::invalid(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: this server offers no standalone GET stream",
        );
    }
    match session.open_standalone().await {
        Some(open) => {
            if let Some(bus) = config.bus.as_ref().filter(|_| session.is_shared())
                && let Err(e) = bus.hold_stream(&session.id, config.idle_timeout).await
            {
                tracing::warn!(error = %e, "bus: the standalone stream's holder was not noted");
            }
            stream_response(inner, &session, open)
        }
        None => session_not_found(),
    }
}

/// GET with `Last-Event-ID`: the stream of that event, from the event after it.
async fn resume(inner: &ServiceInner, session: &Session, last: &HeaderValue) -> Response<McpBody> {
    let Some(after) = last
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<EventId>().ok())
    else {
        return body::invalid(
            StatusCode::BAD_REQUEST,
            "bad request: malformed Last-Event-ID",
        );
    };
    match session.resume(after).await {
        Ok(open) => stream_response(inner, session, open),
        Err(ResumeError::Unknown) => body::invalid(
            StatusCode::BAD_REQUEST,
            "bad request: Last-Event-ID names no event of this session",
        ),
        Err(ResumeError::Gone) => body::invalid(
            StatusCode::GONE,
            "gone: the events after Last-Event-ID are no longer kept; they cannot be replayed",
        ),
        Err(ResumeError::Unsupported) => body::invalid(
            StatusCode::BAD_REQUEST,
            "bad request: this server does not keep events for resumption",
        ),
    }
}

/// The SSE response of a GET (live events after those of `open.last_seq` only).
fn stream_response(inner: &ServiceInner, session: &Session, open: OpenStream) -> Response<McpBody> {
    let config = &inner.settings.config;
    body::sse_response(McpBody::sse(
        open.first,
        Some(open.rx),
        open.last_seq,
        config.sse_keep_alive,
        polling(inner, session),
    ))
}

/// DELETE: the client ends its session (405 when the server does not allow it).
pub(crate) async fn delete(inner: &ServiceInner, parts: Parts) -> Response<McpBody> {
    let config = &inner.settings.config;
    if config.stateless || !config.allow_delete {
        return body::invalid(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: sessions cannot be ended by the client",
        );
    }
    if config.session_store.is_some() {
        return delete_shared(inner, &parts).await;
    }
    match session_of(inner, &parts).await {
        Ok(session) => {
            session.end().await;
            body::status(StatusCode::OK)
        }
        Err(response) => response,
    }
}
