//! Running one of the peer's requests: admission, its context, its handler in a task of its
//! own, and its answer.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, LazyLock};

use futures_util::FutureExt;
use memchr::memmem::Finder;
use oxmcp_types::jsonrpc::{ErrorResponse, Request, Response};
use oxmcp_types::{ErrorData, Message, ProgressToken, RequestId};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::dispatch::reply;
use super::state::{Inner, RequestState, lock};
use super::{Peer, SessionInfo};
use crate::context::RequestContext;
use crate::extensions::Extensions;
use crate::handler::{HandlerResult, IncomingRequest};
use crate::role::Role;
use crate::transport::{OutboundMessage, Route};

/// The encoded answer to request `id`.
pub(super) fn answer(id: RequestId, result: HandlerResult) -> OutboundMessage {
    let message = match result {
        Ok(raw) => Message::Response(Response::new(id.clone(), raw)),
        Err(error) => Message::Error(ErrorResponse::new(Some(id.clone()), error)),
    };
    OutboundMessage::new(message.to_vec(), Route::Response(id))
}

/// `_meta.progressToken`, read only when the params mention it at all: a string or an
/// integer of at most `max_bytes` bytes, else -32602 (params that are not an object with a
/// `_meta` object are left to the handler, which sees them whole).
fn find_progress_token(
    params: Option<&RawValue>,
    max_bytes: usize,
) -> Result<Option<ProgressToken>, ErrorData> {
    #[derive(Deserialize)]
    struct MetaOnly<'a> {
        #[serde(rename = "_meta", borrow)]
        meta: Option<ProgressMeta<'a>>,
    }
    #[derive(Deserialize)]
    struct ProgressMeta<'a> {
        #[serde(rename = "progressToken", borrow)]
        progress_token: Option<&'a RawValue>,
    }
    let Some(text) = params.map(RawValue::get) else {
        return Ok(None);
    };
    // Built once: a searcher costs more to build than to run over a request's params.
    static PROGRESS_TOKEN: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new(b"progressToken"));
    // Its capital letter first, which most params have none of; a `\u` escape could spell
    // the name, so params with one are read.
    let bytes = text.as_bytes();
    let named = memchr::memchr(b'T', bytes).is_some() && PROGRESS_TOKEN.find(bytes).is_some();
    if !named && !oxmcp_types::raw::may_spell_in_escapes(bytes) {
        return Ok(None);
    }
    let Ok(MetaOnly { meta: Some(meta) }) = serde_json::from_str::<MetaOnly<'_>>(text) else {
        return Ok(None);
    };
    let Some(raw) = meta.progress_token else {
        return Ok(None);
    };
    if raw.get().len() > max_bytes {
        return Err(ErrorData::invalid_params(format!(
            "_meta.progressToken is longer than {max_bytes} bytes"
        )));
    }
    serde_json::from_str::<ProgressToken>(raw.get())
        .map(Some)
        .map_err(|_| {
            ErrorData::invalid_params("_meta.progressToken must be a string or an integer")
        })
}

/// Registers a request as in flight, unless the limit is reached, its id is taken, or the
/// session is closing (checked under the lock that closing takes to cancel the requests).
fn admit<R: Role>(
    inner: &Inner<R>,
    id: &RequestId,
    state: &Arc<RequestState>,
) -> Option<ErrorData> {
    let mut in_flight = lock(&inner.in_flight);
    if inner.closed.is_cancelled() {
        return Some(ErrorData::internal_error("the session is closing"));
    }
    let limit = inner.config.max_in_flight_requests;
    if in_flight.len() >= limit {
        return Some(ErrorData::internal_error(format!(
            "too many requests in flight (the limit is {limit})"
        )));
    }
    if in_flight.contains_key(id) {
        return Some(ErrorData::invalid_request(format!(
            "request id {id} is already in use by a request in flight"
        )));
    }
    in_flight.insert(id.clone(), state.clone());
    None
}

/// Starts the handler of `request` in a task of its own, or in this one when the transport
/// runs requests inline: then, with `direct`, its answer may come back instead of going to
/// the writer (see [`run`]).
pub(super) async fn start<R: Role>(
    inner: &Arc<Inner<R>>,
    request: Request,
    session: Arc<SessionInfo<R>>,
    extensions: Extensions,
    direct: bool,
) -> Option<OutboundMessage> {
    let id = request.id;
    let max_id = inner.config.max_id_bytes;
    let token = match find_progress_token(request.params.as_deref(), max_id) {
        Ok(token) => token,
        Err(refusal) => {
            reply(inner, id, Err(refusal)).await;
            return None;
        }
    };
    let state = RequestState::new(CancellationToken::new());
    if let Some(refusal) = admit(inner, &id, &state) {
        reply(inner, id, Err(refusal)).await;
        return None;
    }
    // A session negotiated per request, and a modern request in a dual-era session, hand
    // the request's state to its peer too.
    let own =
        (inner.source.is_some() || session.protocol_version.is_modern()).then(|| session.clone());
    let peer = Peer::new(inner.clone(), Route::Related(id.clone())).with_info(own);
    let context = RequestContext::new(id.clone(), token, state.clone(), peer, session, extensions);
    let incoming = IncomingRequest::new(request.method, request.params);
    if inner.runs_inline() {
        // The pushing task waits for the answer anyway: it runs the handler itself.
        let _in_flight = InFlight {
            inner,
            id: &id,
            state: &state,
        };
        return run(
            inner.clone(),
            id.clone(),
            state.clone(),
            incoming,
            context,
            direct,
        )
        .await;
    }
    // Boxed: the task itself stays small, and the future is an ordinary allocation.
    let run = run(inner.clone(), id, state, incoming, context, false);
    inner.tasks.spawn(Box::pin(run));
    None
}

/// Removes a request run inline from the requests in flight if its run is dropped before
/// it ends (the pushing task gave up: its client left); [`run`] removes it otherwise.
struct InFlight<'a, R: Role> {
    inner: &'a Inner<R>,
    id: &'a RequestId,
    state: &'a Arc<RequestState>,
}

impl<R: Role> Drop for InFlight<'_, R> {
    fn drop(&mut self) {
        if self.state.completed.load(Ordering::Acquire) {
            return;
        }
        let mut in_flight = lock(&self.inner.in_flight);
        if in_flight
            .get(self.id)
            .is_some_and(|s| Arc::ptr_eq(s, self.state))
        {
            in_flight.remove(self.id);
        }
        drop(in_flight);
        // Whatever the handler started for it is told, as a cancellation would.
        self.state.cancel.cancel();
    }
}

/// Runs the handler until it answers or the request is cancelled, then sends the answer;
/// with `direct`, returns it instead when nothing of the session waits to be written (so
/// that it overtakes nothing): the caller delivers it.
async fn run<R: Role>(
    inner: Arc<Inner<R>>,
    id: RequestId,
    state: Arc<RequestState>,
    incoming: IncomingRequest,
    context: RequestContext<R>,
    direct: bool,
) -> Option<OutboundMessage> {
    let result = handle(&inner, &id, &state, incoming, context).await?;
    let out = answer(id, result);
    if direct && inner.outbound.is_quiet() {
        return Some(out);
    }
    send_answer(&inner, out).await;
    None
}

/// Runs the handler until it answers (`None`: the request was cancelled, and is not
/// answered).
async fn handle<R: Role>(
    inner: &Arc<Inner<R>>,
    id: &RequestId,
    state: &Arc<RequestState>,
    incoming: IncomingRequest,
    context: RequestContext<R>,
) -> Option<HandlerResult> {
    let modern = context.protocol_version().is_modern();
    let work = AssertUnwindSafe(inner.handler.handle_request(incoming, context)).catch_unwind();
    // The handler first: one that finishes at once never registers a cancellation waiter. A
    // request cancelled meanwhile is not answered, whichever finished first.
    let outcome = tokio::select! {
        biased;
        outcome = work => Some(outcome),
        () = state.cancel.cancelled() => None,
    }
    .filter(|_| !state.cancel.is_cancelled());
    state.completed.store(true, Ordering::Release);
    lock(&inner.in_flight).remove(id);
    let answer = match outcome {
        None => return None,
        Some(Ok(answer)) => answer,
        Some(Err(panic)) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(role = R::NAME, %id, panic = %what, "request handler panicked");
            Err(ErrorData::internal_error(
                "internal error: the request handler panicked",
            ))
        }
    };
    // The errors only the modern era defines do not reach a legacy peer.
    Some(match answer {
        Err(e) if !modern => Err(crate::server::missing_capability::for_legacy(e)),
        other => other,
    })
}

/// Sends a request's answer from its handler's task, writing to the transport if nobody
/// else is; gives up if the session closes meanwhile.
async fn send_answer<R: Role>(inner: &Inner<R>, out: OutboundMessage) {
    // The send first: one that completes at once never registers a waiter on `closed`.
    tokio::select! {
        biased;
        _ = inner.outbound.send(out) => {}
        () = inner.closed.cancelled() => {}
    }
}
