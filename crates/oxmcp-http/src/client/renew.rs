//! A new session after the server ended ours (a 404 to a message that carried
//! `Mcp-Session-Id`), started by the transport without the engine seeing it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderValue, StatusCode, header};
use oxmcp_types::jsonrpc;
use oxmcp_types::{Message, RequestId};
use serde::Deserialize;

use super::auth;
use super::exchange::{is_sse, read_limited, with_custom_headers};
use super::{Shared, lock};
use crate::server::{PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER};
use crate::sse::SseReader;

const INITIALIZED: &[u8] = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// Makes sure a session other than `stale` is current: starts one unless another task did
/// already. False when renewal is off, the transport is closing, or the new session could
/// not be started (the caller then ends the session).
pub(crate) async fn renew(shared: &Arc<Shared>, stale: &HeaderValue) -> bool {
    if !shared.config.reinitialize || shared.closed.is_cancelled() {
        return false;
    }
    let _turn = shared.renewing.lock().await;
    if lock(&shared.session_id).as_ref() != Some(stale) {
        // Another message met the 404 first and started the new session.
        return lock(&shared.session_id).is_some();
    }
    let started = tokio::select! {
        () = shared.closed.cancelled() => return false,
        started = start_session(shared) => started,
    };
    match started {
        Ok(()) => {
            tracing::info!("the server ended the MCP session; a new one was started");
            true
        }
        Err(why) => {
            tracing::warn!(%why, "the server ended the MCP session; no new one could be started");
            *lock(&shared.session_id) = None;
            false
        }
    }
}

/// Starts a new session within `reinitialize_timeout` and makes it current; a session the
/// server made but the client will not use (a refused version, a failed
/// `notifications/initialized`, the deadline) is ended with DELETE.
async fn start_session(shared: &Shared) -> Result<(), String> {
    let limit = shared.config.reinitialize_timeout;
    let mut created = None;
    let outcome = tokio::time::timeout(limit, new_session(shared, &mut created)).await;
    let why = match outcome {
        Ok(Ok(session)) => {
            // Published only now: nothing else uses the session before it is initialized.
            *lock(&shared.session_id) = Some(session);
            return Ok(());
        }
        Ok(Err(why)) => why,
        Err(_) => format!("no new session within {limit:?}"),
    };
    if let Some(session) = created
        && tokio::time::timeout(limit, discard(shared, session))
            .await
            .is_err()
    {
        tracing::debug!("DELETE of an unused session timed out");
    }
    Err(why)
}

/// Sends the first `initialize` again with a fresh id, checks the version and sends
/// `notifications/initialized` with the new session id; `created` is the id as soon as the
/// server assigned one.
async fn new_session(
    shared: &Shared,
    created: &mut Option<HeaderValue>,
) -> Result<HeaderValue, String> {
    let first = lock(&shared.initialize_body)
        .clone()
        .ok_or("no initialize was sent")?;
    let Ok(Message::Request(mut request)) = jsonrpc::decode(&first, usize::MAX) else {
        return Err("the initialize sent first cannot be read back".to_owned());
    };
    let n = shared.renewals.fetch_add(1, Ordering::Relaxed) + 1;
    let id = RequestId::String(format!("oxmcp-reinitialize-{n}").into());
    request.id = id.clone();
    let body = Bytes::from(Message::Request(request).to_vec());
    let build = || {
        let builder = shared
            .http
            .post(shared.url.clone())
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        with_custom_headers(shared, builder)
    };
    let response = auth::send(shared, build)
        .await
        .map_err(|e| format!("the new initialize failed: {e}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!(
            "the server answered {} to the new initialize",
            response.status()
        ));
    }
    let session = response
        .headers()
        .get(SESSION_ID_HEADER)
        .cloned()
        .ok_or("the server assigned no session id")?;
    *created = Some(session.clone());
    let answer = answer_of(shared, response, &id).await?;
    check_version(shared, &answer)?;
    let build = || {
        let mut builder = shared
            .http
            .post(shared.url.clone())
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header(header::CONTENT_TYPE, "application/json")
            .header(SESSION_ID_HEADER, session.clone())
            .body(Bytes::from_static(INITIALIZED));
        if let Some(version) = lock(&shared.protocol_version).clone() {
            builder = builder.header(PROTOCOL_VERSION_HEADER, version);
        }
        with_custom_headers(shared, builder)
    };
    match auth::send(shared, build).await {
        Ok(r) if r.status().is_success() => Ok(session),
        Ok(r) => Err(format!(
            "the server answered {} to notifications/initialized",
            r.status()
        )),
        Err(e) => Err(format!("notifications/initialized failed: {e}")),
    }
}

/// The response to request `id`, from a JSON body or an SSE stream.
async fn answer_of(
    shared: &Shared,
    response: reqwest::Response,
    id: &RequestId,
) -> Result<Vec<u8>, String> {
    if !is_sse(&response) {
        return read_limited(response, shared.config.max_body_bytes).await;
    }
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<RequestId>,
    }
    let mut reader = SseReader::new(shared.config.max_event_bytes);
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("reading the answer failed: {e}"))?;
        for event in reader.feed(&chunk).map_err(|e| e.to_string())? {
            let answers = serde_json::from_str::<IdOnly>(&event.data)
                .is_ok_and(|m| m.id.as_ref() == Some(id));
            if event.event == "message" && answers {
                return Ok(event.data.into_bytes());
            }
        }
    }
    Err("the stream ended without an answer to the new initialize".to_owned())
}

/// Checks that the new session speaks the version the engine negotiated.
fn check_version(shared: &Shared, answer: &[u8]) -> Result<(), String> {
    #[derive(Deserialize)]
    struct VersionOnly {
        #[serde(rename = "protocolVersion")]
        protocol_version: String,
    }
    let result = match Message::from_slice(answer) {
        Ok(Message::Response(response)) => response.result,
        Ok(Message::Error(e)) => {
            return Err(format!(
                "the server refused the new initialize: {}",
                e.error.message
            ));
        }
        _ => return Err("the answer to the new initialize is not a response".to_owned()),
    };
    let version = serde_json::from_str::<VersionOnly>(result.get())
        .map_err(|e| format!("the answer to the new initialize has no version: {e}"))?
        .protocol_version;
    let agreed = lock(&shared.protocol_version).clone();
    let agreed = agreed.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("");
    if version != agreed {
        return Err(format!(
            "the new session speaks protocol version {version}, the engine negotiated {agreed}"
        ));
    }
    Ok(())
}

/// Ends a session the client will not use (best effort).
async fn discard(shared: &Shared, session: HeaderValue) {
    let build = || {
        let builder = shared
            .http
            .delete(shared.url.clone())
            .header(SESSION_ID_HEADER, session.clone());
        with_custom_headers(shared, builder)
    };
    let sent = auth::send(shared, build);
    if let Err(e) = sent.await {
        tracing::debug!(error = %e, "DELETE of an unused session failed");
    }
}
