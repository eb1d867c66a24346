//! POST of a JSON-RPC batch (a JSON array), for sessions on 2025-03-26, the one revision
//! with batches.
//!
//! The rules are the engine's: [`ProtocolVersion::allows_batches`] says which sessions take
//! them, and [`jsonrpc::decode_batch`] decodes them (an empty array is -32600; each element
//! is decoded on its own, so one bad element does not spoil the others, and gets its own
//! error response). What HTTP adds: `initialize` may not be part of a batch (400); a batch
//! longer than `max_batch_messages` gets 400; a batch of only notifications and responses
//! gets 202; with requests, their responses come back as one JSON array (in
//! [`ResponseMode::Json`](super::ResponseMode::Json)) or on one SSE stream that carries every
//! message related to them and ends after the last response (the other modes).

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use http::request::Parts;
use http::{Response, StatusCode};
use oxmcp_types::jsonrpc::{self, DecodeError, ErrorResponse};
use oxmcp_types::{ErrorData, Message, ProtocolVersion, RequestId};

use super::Principal;
use super::ServiceInner;
use super::body::{self, McpBody};
use super::guard::SESSION_ID_HEADER;
use super::inbound::Inbound;
use super::post::{INITIALIZE, NoSession, cancelled_id, lookup, polling};
use super::refusal::{client_busy, session_not_found};
use super::registered::Registered;
use super::session::{Answer, BatchAnswers, NotRegistered, Session, stateless_session};
use super::shared;
use crate::sse;

/// Answers a POSTed JSON array.
pub(crate) async fn post(
    inner: &ServiceInner,
    parts: &Parts,
    principal: Option<&Arc<Principal>>,
    inbound: &Inbound,
    header_version: Option<ProtocolVersion>,
    bytes: &[u8],
) -> Response<McpBody> {
    let config = &inner.settings.config;
    let items = match checked_items(config, bytes) {
        Ok(items) => items,
        Err(refusal) => return *refusal,
    };
    let decoded = items.iter().filter_map(|item| item.as_ref().ok());
    if let Some(refusal) = super::refused_request(inner, principal.map(|p| &**p), decoded) {
        return refusal;
    }
    if config.stateless {
        let version = header_version.unwrap_or(ProtocolVersion::V2025_03_26);
        if !version.allows_batches() {
            return not_allowed(version);
        }
        let session = stateless_session(inner, version);
        return run(inner, &session, items, inbound, true).await;
    }
    let id = parts.headers.get(SESSION_ID_HEADER);
    let found = if config.session_store.is_some() {
        shared::find(inner, id, principal, header_version, || inbound.clone()).await
    } else {
        lookup(inner, id, principal.map(|p| &**p), header_version).map_err(NoSession::response)
    };
    let session = match found {
        Ok(session) => session,
        Err(refusal) => return refusal,
    };
    if !session.version.allows_batches() {
        return not_allowed(session.version);
    }
    session.touch();
    let named;
    let inbound = if session.is_shared() {
        named = inbound
            .clone()
            .with(oxmcp_core::transport::SharedSessionName(session.id.clone()));
        &named
    } else {
        inbound
    };
    if session.is_shared() {
        shared::initialized_elsewhere(&session, inbound).await;
        for item in &items {
            if let Ok(Message::Request(request)) = item
                && let Err(refusal) = shared::note(inner, &session, request).await
            {
                return refusal;
            }
        }
    }
    run(inner, &session, items, inbound, false).await
}

pub(crate) fn not_allowed(version: ProtocolVersion) -> Response<McpBody> {
    body::invalid(
        StatusCode::BAD_REQUEST,
        format!(
            "bad request: JSON-RPC batches are accepted only on sessions with protocol version \
             2025-03-26; this session uses {version}"
        ),
    )
}

/// The elements of a POSTed batch, after the HTTP checks: at most `max_batch_messages`
/// (counted before anything is decoded, so a long batch costs no allocation) and no
/// `initialize`. A refusal is the 400 to answer.
pub(crate) fn checked_items(
    config: &super::HttpServerConfig,
    bytes: &[u8],
) -> Result<Vec<Result<Message, DecodeError>>, Box<Response<McpBody>>> {
    let max = config.max_batch_messages;
    if jsonrpc::batch_len(bytes, max.saturating_add(1)) > max {
        return Err(Box::new(body::invalid(
            StatusCode::BAD_REQUEST,
            format!("bad request: a batch of more than {max} messages; the limit is {max}"),
        )));
    }
    let items = jsonrpc::decode_batch(bytes, config.max_json_depth).map_err(|e| {
        let body = Message::Error(e.to_error_response()).to_vec();
        Box::new(body::json(StatusCode::BAD_REQUEST, body))
    })?;
    if items
        .iter()
        .any(|item| matches!(item, Ok(Message::Request(r)) if r.method == INITIALIZE))
    {
        return Err(Box::new(body::invalid(
            StatusCode::BAD_REQUEST,
            "bad request: initialize may not be part of a JSON-RPC batch",
        )));
    }
    Ok(items)
}

/// Forwards the elements in order and answers once their responses are known (JSON) or
/// right away (SSE). A `stateless` session's input ends when a batch has no request.
async fn run(
    inner: &ServiceInner,
    session: &Arc<Session>,
    items: Vec<Result<Message, DecodeError>>,
    inbound: &Inbound,
    stateless: bool,
) -> Response<McpBody> {
    let ids: Vec<RequestId> = items
        .iter()
        .filter_map(|item| match item {
            Ok(Message::Request(r)) => Some(r.id.clone()),
            _ => None,
        })
        .collect();
    let (answers, accepted) = match session.begin_batch(&ids) {
        Ok(registered) => registered,
        Err(NotRegistered::ClientBusy) => return client_busy(inner, None),
        Err(NotRegistered::Closed | NotRegistered::InUse) => return session_not_found(),
    };
    let taken = ids
        .iter()
        .zip(&accepted)
        .filter(|(_, ok)| **ok)
        .map(|(id, _)| id.clone())
        .collect();
    let registered = Registered::new(session, taken);
    let any_request = accepted.contains(&true);
    let Ok(early) = forward(session, items, accepted, inbound).await else {
        return session_not_found();
    };
    if stateless && !any_request {
        // A stateless batch without requests: nothing more will come for its session.
        session.close_input();
    }
    answer(inner, session, answers, early, registered).await
}

/// The session ended while the batch's elements were forwarded.
struct Gone;

/// Forwards the elements in order, except the requests the session did not accept
/// (`accepted`, one per request) and the elements that did not decode: those get their
/// error responses, returned to go first in the answer.
async fn forward(
    session: &Session,
    items: Vec<Result<Message, DecodeError>>,
    accepted: Vec<bool>,
    inbound: &Inbound,
) -> Result<Vec<Vec<u8>>, Gone> {
    let mut accepted = accepted.into_iter();
    let mut early = Vec::new();
    for item in items {
        let message = match item {
            Ok(Message::Request(request)) if !accepted.next().unwrap_or(false) => {
                let error =
                    ErrorData::invalid_request("request id already in use by a request in flight");
                early.push(Message::Error(ErrorResponse::new(Some(request.id), error)).to_vec());
                continue;
            }
            Ok(message) => message,
            Err(e) => {
                early.push(Message::Error(e.to_error_response()).to_vec());
                continue;
            }
        };
        let cancelled = match &message {
            Message::Notification(n) => cancelled_id(n),
            _ => None,
        };
        if session.forward(inbound.frame(message)).await.is_err() {
            return Err(Gone);
        }
        if let Some(id) = cancelled {
            session.cancelled(&id);
        }
    }
    Ok(early)
}

/// The answer to a forwarded batch: the `early` errors and the responses as one JSON array
/// (202 when there is none), or the SSE stream of the batch with the `early` errors first.
async fn answer(
    inner: &ServiceInner,
    session: &Session,
    answers: BatchAnswers,
    early: Vec<Vec<u8>>,
    registered: Registered<'_>,
) -> Response<McpBody> {
    match answers {
        BatchAnswers::Json(receivers) => {
            let mut parts: Vec<Bytes> = early.into_iter().map(Bytes::from).collect();
            for rx in receivers {
                if let Ok(Answer::Json(bytes)) = rx.await {
                    parts.push(bytes);
                }
            }
            registered.answered();
            if parts.is_empty() {
                return body::status(StatusCode::ACCEPTED);
            }
            body::json(StatusCode::OK, json_array(&parts))
        }
        BatchAnswers::Sse(mut open) => {
            registered.answered();
            for bytes in early {
                open.first.push_back(sse::event(None, &bytes));
            }
            let config = &inner.settings.config;
            body::sse_response(McpBody::sse(
                open.first,
                Some(open.rx),
                0,
                config.sse_keep_alive,
                polling(inner, session),
            ))
        }
    }
}

/// `[a,b,...]` from encoded messages.
fn json_array(parts: &[Bytes]) -> Bytes {
    let len = parts.iter().map(Bytes::len).sum::<usize>() + parts.len() + 1;
    let mut out = BytesMut::with_capacity(len);
    out.put_u8(b'[');
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.extend_from_slice(part);
    }
    out.put_u8(b']');
    out.freeze()
}

#[cfg(test)]
mod tests {
    use oxmcp_types::jsonrpc;

    #[test]
    fn counts_top_level_elements_only() {
        assert_eq!(jsonrpc::batch_len(b"[]", 10), 0);
        assert_eq!(jsonrpc::batch_len(b" [ ] ", 10), 0);
        assert_eq!(jsonrpc::batch_len(b"[1]", 10), 1);
        assert_eq!(jsonrpc::batch_len(br#"[{"a":[1,2,3]},"x,y",[4,5]]"#, 10), 3);
        assert_eq!(jsonrpc::batch_len(br#"["a\",b",{"c":"]"},3]"#, 10), 3);
    }

    #[test]
    fn stops_at_the_limit_without_reading_on() {
        assert_eq!(jsonrpc::batch_len(b"[0,0,0,0,0,0]", 3), 3);
        // What follows the limit is never looked at, valid or not.
        assert_eq!(jsonrpc::batch_len(b"[0,0,0,\xff{{{", 3), 3);
    }
}
