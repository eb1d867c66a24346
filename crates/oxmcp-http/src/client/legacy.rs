//! The client side of the legacy HTTP+SSE transport (2024-11-05), reached by falling back
//! when the server refuses the `initialize` POST with 404 or 405, or with 400 and a body
//! that is not a JSON-RPC error response (the spec's backwards-compatibility procedure; a
//! JSON-RPC error is the server's real answer to the `initialize`, and is kept).

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{StatusCode, header};
use oxmcp_core::transport::TransportError;
use oxmcp_types::{Message, RequestId};

use super::auth;
use super::exchange::{fail_request, incoming, is_sse, session_ended, with_custom_headers};
use super::failure::HttpFailure;
use super::{Shared, lock};
use crate::server::PROTOCOL_VERSION_HEADER;
use crate::sse::{SseEvent, SseReader};

/// Whether the answer to the `initialize` POST calls for the fallback.
pub(crate) fn refused(shared: &Shared, status: StatusCode) -> bool {
    shared.config.legacy_fallback
        && shared.legacy.get().is_none()
        && lock(&shared.session_id).is_none()
        && matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        )
}

/// Opens the legacy stream, then POSTs the `initialize` (`body`) to the endpoint it names;
/// the answer comes on the stream. When either fails, the `initialize` fails.
pub(crate) async fn fall_back(
    shared: &Arc<Shared>,
    body: Bytes,
    id: RequestId,
    status: StatusCode,
) {
    let opened = tokio::select! {
        () = shared.closed.cancelled() => return,
        opened = open(shared) => opened,
    };
    let result = match opened {
        Ok(()) => post(shared, body).await.map_err(|refusal| refusal.why),
        Err(why) => Err(why),
    };
    if let Err(why) = result {
        let message = format!(
            "the server refused the initialize POST with {status}, and the legacy HTTP+SSE \
             transport failed too: {why}"
        );
        let failure = HttpFailure::Status {
            status: status.as_u16(),
        };
        fail_request(shared, id, failure.error(message)).await;
    }
}

/// GETs the server URL, waits for the `endpoint` event, and keeps reading the stream.
async fn open(shared: &Arc<Shared>) -> Result<(), String> {
    let build = || {
        let builder = shared
            .http
            .get(shared.url.clone())
            .header(header::ACCEPT, "text/event-stream");
        with_custom_headers(shared, builder)
    };
    let wait = shared.config.legacy_endpoint_timeout;
    let response = tokio::time::timeout(wait, auth::send(shared, build))
        .await
        .map_err(|_| format!("no answer to the GET within {wait:?}"))?
        .map_err(|e| format!("the GET failed: {e}"))?;
    if !response.status().is_success() || !is_sse(&response) {
        return Err(format!(
            "the GET was answered {} without an event stream",
            response.status()
        ));
    }
    let mut chunks = response.bytes_stream();
    let mut reader = SseReader::new(shared.config.max_event_bytes);
    let mut events = tokio::time::timeout(wait, first_events(&mut chunks, &mut reader))
        .await
        .map_err(|_| format!("no endpoint event within {wait:?}"))??;
    let first = events.remove(0);
    if first.event != "endpoint" {
        return Err(format!(
            "the stream began with a `{}` event, not `endpoint`",
            first.event
        ));
    }
    let endpoint = shared
        .url
        .join(first.data.trim())
        .map_err(|e| format!("the endpoint `{}` is not a URL: {e}", first.data))?;
    if endpoint.origin() != shared.url.origin() {
        return Err(format!(
            "the endpoint {endpoint} is not on the server's origin"
        ));
    }
    let _ = shared.legacy.set(endpoint);
    let reading = shared.clone();
    shared
        .tasks
        .spawn(async move { read_stream(&reading, chunks, reader, events).await });
    Ok(())
}

/// Reads until at least one event was dispatched.
async fn first_events(
    chunks: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
    reader: &mut SseReader,
) -> Result<Vec<SseEvent>, String> {
    loop {
        let chunk = match chunks.next().await {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => return Err(format!("the stream broke: {e}")),
            None => return Err("the stream ended before the endpoint event".to_owned()),
        };
        let events = reader.feed(&chunk).map_err(|e| e.to_string())?;
        if !events.is_empty() {
            return Ok(events);
        }
    }
}

/// Hands every `message` event to the engine until the stream ends, which ends the session.
async fn read_stream(
    shared: &Shared,
    mut chunks: impl Stream<Item = reqwest::Result<Bytes>> + Unpin,
    mut reader: SseReader,
    mut events: Vec<SseEvent>,
) {
    loop {
        for event in events.drain(..) {
            if event.event == "message" {
                incoming(shared, event.data.into_bytes(), None).await;
            }
        }
        let chunk = tokio::select! {
            () = shared.closed.cancelled() => return,
            chunk = chunks.next() => chunk,
        };
        let Some(Ok(chunk)) = chunk else { break };
        match reader.feed(&chunk) {
            Ok(more) => events = more,
            Err(e) => {
                tracing::warn!(error = %e, "dropping the legacy SSE stream");
                break;
            }
        }
    }
    if !shared.closed.is_cancelled() {
        session_ended(shared, "the legacy SSE stream ended").await;
    }
}

/// Why the server did not accept a POST.
struct Refusal {
    gone: bool,
    failure: HttpFailure,
    why: String,
}

/// POSTs one message to the legacy endpoint; the server answers 202.
async fn post(shared: &Shared, body: Bytes) -> Result<(), Refusal> {
    let Some(endpoint) = shared.legacy.get() else {
        return Err(Refusal {
            gone: false,
            failure: HttpFailure::Unreachable,
            why: "no legacy endpoint".to_owned(),
        });
    };
    let build = || {
        let mut builder = shared
            .http
            .post(endpoint.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        if let Some(version) = lock(&shared.protocol_version).clone() {
            builder = builder.header(PROTOCOL_VERSION_HEADER, version);
        }
        with_custom_headers(shared, builder)
    };
    let response = auth::send(shared, build).await.map_err(|e| Refusal {
        gone: false,
        failure: e.failure(),
        why: format!("HTTP request failed: {e}"),
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    Err(Refusal {
        gone: status == StatusCode::NOT_FOUND,
        failure: HttpFailure::Status {
            status: status.as_u16(),
        },
        why: format!("the server answered {status}"),
    })
}

/// Sends one message of the engine in legacy mode. A refused request fails at once; a 404
/// (the server forgot the session) ends the session.
pub(crate) async fn send(
    shared: &Shared,
    bytes: Bytes,
    message: Option<Message>,
) -> Result<(), TransportError> {
    if shared.closed.is_cancelled() {
        return Err(TransportError::Closed);
    }
    let Err(refusal) = post(shared, bytes).await else {
        return Ok(());
    };
    if let Some(Message::Request(request)) = message {
        let e = refusal.failure.error(&refusal.why);
        fail_request(shared, request.id, e).await;
    } else {
        tracing::warn!(why = %refusal.why, "the server refused a notification or response");
    }
    if refusal.gone {
        session_ended(shared, "the server answered 404").await;
    }
    Ok(())
}
