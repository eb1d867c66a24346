//! The HTTP exchanges of the client: POSTs, the SSE streams they open, the GET stream,
//! resumption, and DELETE.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use oxmcp_core::transport::{Frame, TransportError};
use oxmcp_types::jsonrpc::ErrorResponse;
use oxmcp_types::{ErrorData, Message, RequestId};
use serde::Deserialize;
use tokio::sync::oneshot;

use super::auth::{self, SendError};
use super::failure::HttpFailure;
use super::{Shared, legacy, lock, renew};
use crate::server::{LAST_EVENT_ID_HEADER, PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER};
use crate::sse::SseReader;

/// The session id sent with a request (`None` without one), to tell which session a 404
/// was about.
pub(crate) type SentSession = Option<HeaderValue>;

/// Adds the custom headers.
pub(crate) fn with_custom_headers(
    shared: &Shared,
    mut builder: reqwest::RequestBuilder,
) -> reqwest::RequestBuilder {
    for (name, value) in &shared.config.headers {
        builder = builder.header(name, value);
    }
    builder
}

/// Adds the custom headers, the session id and the protocol version.
fn with_headers(
    shared: &Shared,
    builder: reqwest::RequestBuilder,
) -> (reqwest::RequestBuilder, SentSession) {
    let mut builder = with_custom_headers(shared, builder);
    let session = lock(&shared.session_id).clone();
    if let Some(id) = &session {
        builder = builder.header(SESSION_ID_HEADER, id);
    }
    if let Some(version) = lock(&shared.protocol_version).clone() {
        builder = builder.header(PROTOCOL_VERSION_HEADER, version);
    }
    (builder, session)
}

/// POSTs one message to the MCP endpoint.
pub(crate) async fn send_post(
    shared: &Shared,
    body: Bytes,
    extra: &HeaderMap,
) -> (Result<reqwest::Response, SendError>, SentSession) {
    let session = lock(&shared.session_id).clone();
    let build = || {
        let builder = shared
            .http
            .post(shared.url.clone())
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .headers(extra.clone());
        with_headers(shared, builder).0
    };
    (auth::send(shared, build).await, session)
}

pub(crate) fn transport_error(message: String) -> TransportError {
    TransportError::Io(std::io::Error::other(message))
}

/// Fails the whole transport: the session is gone.
pub(crate) async fn session_ended(shared: &Shared, why: &str) {
    let _ = shared
        .inbound
        .send(Err(transport_error(format!(
            "the MCP session ended: {why}"
        ))))
        .await;
}

/// Makes a pending request fail now, with a JSON-RPC error, rather than time out.
pub(crate) async fn fail_request(shared: &Shared, id: RequestId, error: ErrorData) {
    let message = Message::Error(ErrorResponse::new(Some(id), error));
    let _ = shared
        .inbound
        .send(Ok(Frame::Message(message.to_vec())))
        .await;
}

/// Hands one received message to the engine; true when it answers `awaited`.
pub(crate) async fn incoming(shared: &Shared, bytes: Vec<u8>, awaited: Option<&RequestId>) -> bool {
    #[derive(Deserialize)]
    struct Peek {
        id: Option<RequestId>,
        method: Option<serde::de::IgnoredAny>,
        result: Option<Box<serde_json::value::RawValue>>,
    }
    #[derive(Deserialize)]
    struct VersionOnly {
        #[serde(rename = "protocolVersion")]
        protocol_version: Option<String>,
    }
    let peek: Option<Peek> = serde_json::from_slice(&bytes).ok();
    let mut answers = false;
    if let Some(peek) = peek
        && peek.method.is_none()
        && let Some(id) = peek.id
    {
        answers = awaited == Some(&id);
        if let Some(result) = &peek.result {
            shared.param_headers.observe(&id, result);
        }
        let is_initialize = lock(&shared.initialize_id).as_ref() == Some(&id);
        if is_initialize
            && let Some(version) = peek
                .result
                .and_then(|r| serde_json::from_str::<VersionOnly>(r.get()).ok())
                .and_then(|r| r.protocol_version)
            && let Ok(value) = HeaderValue::from_str(&version)
        {
            *lock(&shared.protocol_version) = Some(value);
        }
    }
    let _ = shared.inbound.send(Ok(Frame::Message(bytes))).await;
    answers
}

/// The JSON-RPC error in an HTTP error body, if it has one.
async fn error_of(response: reqwest::Response) -> ErrorData {
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    match Message::from_slice(&body) {
        Ok(Message::Error(e)) => e.error,
        _ => HttpFailure::Status {
            status: status.as_u16(),
        }
        .error(format!("the server answered HTTP {status}")),
    }
}

/// POSTs a request (with `extra` headers) and delivers its answer (JSON or SSE, resumed
/// when cut). A 404 for the session the request carried starts a new session and sends the
/// request again, once.
pub(crate) async fn request(shared: Arc<Shared>, body: Bytes, id: RequestId, extra: HeaderMap) {
    let mut renewed = false;
    let response = loop {
        let (response, sent) = tokio::select! {
            () = shared.closed.cancelled() => return,
            r = send_post(&shared, body.clone(), &extra) => r,
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let e = e.failure().error(format!("HTTP request failed: {e}"));
                return fail_request(&shared, id, e).await;
            }
        };
        if response.status() == StatusCode::NOT_FOUND
            && let Some(stale) = sent
        {
            if !renewed && renew::renew(&shared, &stale).await {
                renewed = true;
                continue;
            }
            let e = HttpFailure::SessionNotFound.error("session not found");
            fail_request(&shared, id, e).await;
            return session_ended(&shared, "the server answered 404").await;
        }
        break response;
    };
    let is_initialize = lock(&shared.initialize_id).as_ref() == Some(&id);
    if let Some(session) = response.headers().get(SESSION_ID_HEADER)
        && is_initialize
    {
        *lock(&shared.session_id) = Some(session.clone());
    }
    let status = response.status();
    if is_initialize && legacy::refused(&shared, status) {
        if status != StatusCode::BAD_REQUEST {
            return legacy::fall_back(&shared, body, id, status).await;
        }
        // A 400 with a JSON-RPC error is the server's real answer (say, invalid params);
        // any other 400 may be an older server's refusal of the POST.
        let answer = read_limited(response, shared.config.max_body_bytes).await;
        return match answer.as_deref().map(Message::from_slice) {
            Ok(Ok(Message::Error(refusal))) => fail_request(&shared, id, refusal.error).await,
            _ => legacy::fall_back(&shared, body, id, status).await,
        };
    }
    if !status.is_success() || status == StatusCode::ACCEPTED {
        let error = error_of(response).await;
        return fail_request(&shared, id, error).await;
    }
    if is_sse(&response) {
        let mut stream = StreamState::default();
        read_sse(&shared, response, &mut stream, Some(&id)).await;
        if !stream.answered {
            resume_request(&shared, stream, id).await;
        }
        return;
    }
    match read_limited(response, shared.config.max_body_bytes).await {
        Ok(bytes) => {
            incoming(&shared, bytes, Some(&id)).await;
        }
        Err(why) => fail_request(&shared, id, HttpFailure::Body.error(why)).await,
    }
}

pub(crate) fn is_sse(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("text/event-stream"))
}

pub(crate) async fn read_limited(
    response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("reading the response failed: {e}"))?;
        if body.len() + chunk.len() > limit {
            return Err(format!("response larger than the limit of {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Where a stream is, for resuming it.
#[derive(Debug, Default)]
struct StreamState {
    last_event_id: Option<String>,
    retry: Option<Duration>,
    answered: bool,
}

/// Reads an SSE body until it ends (or breaks), handing each message to the engine.
async fn read_sse(
    shared: &Shared,
    response: reqwest::Response,
    stream: &mut StreamState,
    awaited: Option<&RequestId>,
) {
    let mut reader = SseReader::new(shared.config.max_event_bytes);
    let mut chunks = response.bytes_stream();
    loop {
        let chunk = tokio::select! {
            () = shared.closed.cancelled() => return,
            chunk = chunks.next() => chunk,
        };
        let Some(Ok(chunk)) = chunk else { return };
        let events = reader.feed(&chunk);
        if let Some(id) = reader.last_event_id() {
            stream.last_event_id = Some(id.to_owned());
        }
        if let Some(ms) = reader.retry_ms() {
            stream.retry = Some(Duration::from_millis(ms));
        }
        let events = match events {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "dropping an SSE stream");
                return;
            }
        };
        for event in events {
            if event.event != "message" {
                continue;
            }
            if incoming(shared, event.data.into_bytes(), awaited).await {
                stream.answered = true;
            }
        }
    }
}

async fn send_get(
    shared: &Shared,
    last_event_id: Option<&str>,
) -> (Result<reqwest::Response, SendError>, SentSession) {
    let session = lock(&shared.session_id).clone();
    let build = || {
        let mut builder = shared
            .http
            .get(shared.url.clone())
            .header(header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            builder = builder.header(LAST_EVENT_ID_HEADER, id);
        }
        with_headers(shared, builder).0
    };
    (auth::send(shared, build).await, session)
}

/// Waits the server's `retry` (or the default) unless the transport closes first.
async fn wait_retry(shared: &Shared, stream: &StreamState) -> bool {
    let delay = stream.retry.unwrap_or(shared.config.default_retry);
    tokio::select! {
        () = shared.closed.cancelled() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

/// Resumes the stream of request `id` with GET and `Last-Event-ID` until its answer came.
/// A 404 (the session ended on the server while the request ran) fails the request, which
/// is not sent again (it may have had effects), and starts a new session for what follows.
async fn resume_request(shared: &Arc<Shared>, mut stream: StreamState, id: RequestId) {
    let mut failures = 0;
    while !stream.answered {
        if lock(&shared.cancelled).remove(&id) {
            return;
        }
        let Some(last) = stream.last_event_id.clone() else {
            let e = HttpFailure::Stream.error("the server closed the stream without an answer");
            return fail_request(shared, id, e).await;
        };
        if !wait_retry(shared, &stream).await {
            return;
        }
        let (response, sent) = send_get(shared, Some(&last)).await;
        match response {
            Ok(response) if response.status().is_success() && is_sse(&response) => {
                failures = 0;
                read_sse(shared, response, &mut stream, Some(&id)).await;
            }
            Ok(response) if response.status() == StatusCode::NOT_FOUND && sent.is_some() => {
                let e = HttpFailure::SessionNotFound.error(
                    "the session ended on the server while the request ran; it was not sent again",
                );
                fail_request(shared, id, e).await;
                if let Some(stale) = sent
                    && renew::renew(shared, &stale).await
                {
                    return;
                }
                return session_ended(shared, "the server answered 404").await;
            }
            Ok(response) if response.status().is_client_error() => {
                let error = error_of(response).await;
                return fail_request(shared, id, error).await;
            }
            _ => {
                failures += 1;
                if failures > shared.config.max_reconnects {
                    let e = HttpFailure::Stream.error("could not resume the answer's stream");
                    return fail_request(shared, id, e).await;
                }
            }
        }
    }
}

/// POSTs a notification or a response; the server answers 202. A 404 for the session it
/// carried starts a new session and sends it again, once; when that fails, the end of the
/// session is reported through the reader, so the engine ends with a transport error.
pub(crate) async fn post_one_way(
    shared: &Arc<Shared>,
    body: Bytes,
    extra: &HeaderMap,
) -> Result<(), TransportError> {
    let mut renewed = false;
    loop {
        let (response, sent) = send_post(shared, body.clone(), extra).await;
        let response =
            response.map_err(|e| transport_error(format!("HTTP request failed: {e}")))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND
            && let Some(stale) = sent
        {
            if !renewed && renew::renew(shared, &stale).await {
                renewed = true;
                continue;
            }
            session_ended(shared, "the server answered 404").await;
            return Ok(());
        }
        if !status.is_success() {
            tracing::warn!(%status, "the server refused a notification or response");
        }
        return Ok(());
    }
}

/// Opens the standalone GET stream once, and keeps it open until the transport closes.
/// The receiver is told when the server answered the first GET (whatever the answer), or
/// dropped if it never does.
pub(crate) fn start_get_stream(shared: &Arc<Shared>) -> Option<oneshot::Receiver<()>> {
    if !shared.config.standalone_stream || shared.get_started.swap(true, Ordering::AcqRel) {
        return None;
    }
    let (answered, first_answer) = oneshot::channel();
    let mut answered = Some(answered);
    let shared = shared.clone();
    shared.clone().tasks.spawn(async move {
        let mut stream = StreamState::default();
        let mut failures = 0;
        let mut renewed = false;
        loop {
            let (response, sent) = tokio::select! {
                () = shared.closed.cancelled() => return,
                r = send_get(&shared, stream.last_event_id.as_deref()) => r,
            };
            if let Some(answered) = answered.take() {
                let _ = answered.send(());
            }
            match response {
                Ok(r) if r.status().is_success() && is_sse(&r) => {
                    failures = 0;
                    renewed = false;
                    read_sse(&shared, r, &mut stream, None).await;
                }
                Ok(r) if r.status() == StatusCode::METHOD_NOT_ALLOWED => return,
                Ok(r) if r.status() == StatusCode::NOT_FOUND && sent.is_some() => {
                    // The session ended on the server: a new one gets a new stream (at once),
                    // unless the new one was already refused.
                    if let Some(stale) = sent
                        && !renewed
                        && renew::renew(&shared, &stale).await
                    {
                        renewed = true;
                        stream = StreamState::default();
                        continue;
                    }
                    return session_ended(&shared, "the server answered 404").await;
                }
                Ok(r)
                    if stream.last_event_id.is_some()
                        && (r.status() == StatusCode::GONE || r.status() == StatusCode::BAD_REQUEST) =>
                {
                    tracing::warn!(status = %r.status(), "the GET stream cannot be resumed; opening a new one");
                    stream.last_event_id = None;
                    failures += 1;
                }
                Ok(r) if r.status().is_client_error() && r.status() != StatusCode::TOO_MANY_REQUESTS => {
                    // Not 405, but the same meaning for a server outside the spec (a
                    // stateless server without a GET route answers 404, others 400).
                    tracing::debug!(status = %r.status(), "the server offers no GET stream");
                    return;
                }
                _ => failures += 1,
            }
            if failures > shared.config.max_reconnects || !wait_retry(&shared, &stream).await {
                return;
            }
        }
    });
    Some(first_answer)
}

/// Ends the session on the server (a 405 means the server does not allow it).
pub(crate) async fn delete(shared: &Shared) {
    if lock(&shared.session_id).is_none() {
        return;
    }
    let build = || with_headers(shared, shared.http.delete(shared.url.clone())).0;
    match tokio::time::timeout(Duration::from_secs(5), auth::send(shared, build)).await {
        Ok(Ok(r)) if r.status().is_success() || r.status() == StatusCode::METHOD_NOT_ALLOWED => {}
        Ok(Ok(r)) => tracing::debug!(status = %r.status(), "DELETE of the session refused"),
        Ok(Err(e)) => tracing::debug!(error = %e, "DELETE of the session failed"),
        Err(_) => tracing::debug!("DELETE of the session timed out"),
    }
}
