//! What the reader does with each decoded message.

use std::sync::Arc;

use oxmcp_types::era::{DISCOVER_METHOD, RequestEra, classify_request};
use oxmcp_types::jsonrpc::{self, ErrorResponse, Notification, Request};
use oxmcp_types::methods::{
    CancelledNotification, InitializeRequest, InitializedNotification, NotificationMethod,
    PingRequest, ProgressNotification, RequestMethod, SetLevelRequest,
};
use oxmcp_types::{
    CancelledNotificationParams, EmptyResult, ErrorData, InitializeRequestParams, Message,
    ProgressNotificationParams, ProtocolVersion, RequestId, SetLevelRequestParams,
};
use serde_json::value::RawValue;

use super::source::RequestHead;
use super::state::{Inner, Phase, lock};
use super::{SessionInfo, notifications, request};
use crate::capability::Support;
use crate::extensions::Extensions;
use crate::handler::{IncomingNotification, to_result};
use crate::role::Role;
use crate::transport::{OutboundMessage, Route};

/// Handles one frame's bytes: a message, or (under 2025-03-26) a batch of messages (whose
/// answers always go to the writer).
pub(crate) async fn on_bytes<R: Role>(
    inner: &Arc<Inner<R>>,
    bytes: &[u8],
    direct: bool,
) -> Option<OutboundMessage> {
    let max_depth = inner.config.max_depth;
    let batches = inner
        .info
        .get()
        .is_some_and(|i| i.protocol_version.allows_batches());
    if batches && bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        // Each element is answered on its own line: the transports here carry one message
        // per frame, so the responses of a batch are not gathered into an array.
        let max = inner.config.max_batch_messages;
        if jsonrpc::batch_len(bytes, max.saturating_add(1)) > max {
            let e = jsonrpc::DecodeError::Invalid {
                id: None,
                reason: format!("a batch of more than {max} messages; the limit is {max}"),
            };
            send_error(inner, e.to_error_response()).await;
            return None;
        }
        match jsonrpc::decode_batch(bytes, max_depth) {
            Ok(items) => {
                for item in items {
                    on_decoded(inner, item, Extensions::new(), false).await;
                }
            }
            Err(e) => send_error(inner, e.to_error_response()).await,
        }
        return None;
    }
    on_decoded(
        inner,
        jsonrpc::decode(bytes, max_depth),
        Extensions::new(),
        direct,
    )
    .await
}

/// Handles one decoded message (or the error that decoding it gave), with what the
/// transport attached to it.
pub(crate) async fn on_decoded<R: Role>(
    inner: &Arc<Inner<R>>,
    decoded: Result<Message, jsonrpc::DecodeError>,
    extensions: Extensions,
    direct: bool,
) -> Option<OutboundMessage> {
    match decoded {
        Ok(Message::Request(request)) => {
            return on_request(inner, request, extensions, direct).await;
        }
        Ok(Message::Notification(n)) => on_notification(inner, n, extensions).await,
        Ok(Message::Response(response)) => on_answer(inner, &response.id, Ok(response.result)),
        Ok(Message::Error(e)) => match e.id {
            Some(id) => on_answer(inner, &id, Err(e.error)),
            None => {
                tracing::warn!(role = R::NAME, error = %e.error, "the peer could not read one of our messages")
            }
        },
        Ok(_) => {}
        Err(e) => {
            tracing::debug!(role = R::NAME, error = %e, "undecodable message");
            send_error(inner, e.to_error_response()).await;
        }
    }
    None
}

fn on_answer<R: Role>(inner: &Inner<R>, id: &RequestId, answer: Result<Box<RawValue>, ErrorData>) {
    let pending = inner.take_pending(id);
    match pending {
        Some(p) => {
            let _ = p.answer.send(answer);
        }
        None => {
            tracing::debug!(role = R::NAME, %id, "ignoring an answer to no pending request (late or unknown)")
        }
    }
}

/// Sends an error from the reading side (which never waits on the transport itself).
async fn send_error<R: Role>(inner: &Inner<R>, e: ErrorResponse) {
    let route = e.id.clone().map_or(Route::Unrelated, Route::Response);
    let out = OutboundMessage::new(Message::Error(e).to_vec(), route);
    let _ = inner.outbound.send_detached(out).await;
}

/// Answers a request from the reading side (which never waits on the transport itself).
pub(super) async fn reply<R: Role>(
    inner: &Inner<R>,
    id: RequestId,
    result: Result<Box<RawValue>, ErrorData>,
) {
    let _ = inner
        .outbound
        .send_detached(request::answer(id, result))
        .await;
}

/// Runs `request` (see [`request::start`]), unless the engine answers it itself or
/// refuses it first.
async fn on_request<R: Role>(
    inner: &Arc<Inner<R>>,
    request: Request,
    extensions: Extensions,
    direct: bool,
) -> Option<OutboundMessage> {
    match screen(inner, &request, &extensions) {
        Ok(session) => request::start(inner, request, session, extensions, direct).await,
        Err(Early::Unreadable(refusal)) => {
            // Echoing a huge id would hand the peer an amplifier: the error goes with `null`.
            send_error(inner, ErrorResponse::new(None, refusal)).await;
            None
        }
        Err(Early::Answer(answer)) => {
            reply(inner, request.id, answer).await;
            None
        }
    }
}

/// How a request is answered before (instead of) its handler.
enum Early {
    /// An id too long to echo: an error without one.
    Unreadable(ErrorData),
    /// The engine's own answer (`ping`, `initialize`, `server/discover`,
    /// `logging/setLevel`) or a refusal.
    Answer(Result<Box<RawValue>, ErrorData>),
}

/// The negotiated state `request` runs under, unless the engine answers it itself.
fn screen<R: Role>(
    inner: &Arc<Inner<R>>,
    request: &Request,
    extensions: &Extensions,
) -> Result<Arc<SessionInfo<R>>, Early> {
    let method = request.method.as_str();
    if let Some(refusal) = oversized_id(&request.id, inner.config.max_id_bytes) {
        return Err(Early::Unreadable(refusal));
    }
    if method == PingRequest::METHOD {
        return Err(Early::Answer(to_result(&EmptyResult::default())));
    }
    if method == InitializeRequest::METHOD
        && R::handles(method, &inner.own_capabilities) == Support::Yes
    {
        return Err(Early::Answer(initialize(inner, request.params.as_deref())));
    }
    if method == DISCOVER_METHOD && R::ANSWERS_INITIALIZE {
        return Err(Early::Answer(discover(inner, request, extensions)));
    }
    // A server has answered `initialize` and waits for `notifications/initialized`. (A
    // client in the same phase may already be sending it: it refuses nothing.)
    if R::ANSWERS_INITIALIZE
        && inner.config.strict_lifecycle
        && inner.source.is_none()
        && inner.phase() == Phase::Initializing
        && per_request(inner, request).is_none()
    {
        let e = ErrorData::invalid_request(format!(
            "`{method}` received before notifications/initialized"
        ));
        return Err(Early::Answer(Err(e)));
    }
    let session = negotiated(inner, request, extensions).map_err(|e| Early::Answer(Err(e)))?;
    match R::handles(method, &inner.own_capabilities) {
        Support::Missing(capability) => {
            let e = ErrorData::method_not_found(method).with_data(
                serde_json::json!({ "reason": format!("capability `{capability}` not declared") }),
            );
            return Err(Early::Answer(Err(e)));
        }
        Support::WrongDirection => {
            return Err(Early::Answer(Err(ErrorData::method_not_found(method))));
        }
        Support::Yes | Support::Unknown => {}
    }
    if method == SetLevelRequest::METHOD {
        return Err(Early::Answer(set_level(inner, request.params.as_deref())));
    }
    Ok(session)
}

/// The negotiated state `request` is handled under: the session's context source's, else
/// what `initialize` agreed.
fn negotiated<R: Role>(
    inner: &Inner<R>,
    request: &Request,
    extensions: &Extensions,
) -> Result<Arc<SessionInfo<R>>, ErrorData> {
    let source = inner
        .source
        .as_ref()
        .or_else(|| per_request(inner, request));
    if let Some(source) = source {
        let head = RequestHead {
            method: &request.method,
            params: request.params.as_deref(),
            extensions,
        };
        return source.negotiate(&head);
    }
    inner.info.get().cloned().ok_or_else(|| {
        ErrorData::invalid_request(format!(
            "`{}` received before the session was initialized",
            request.method
        ))
    })
}

/// In a dual-era session (one that negotiates in `initialize` and also serves modern
/// requests), the source of `request` when it is a modern one: its `_meta` names a modern
/// revision. Before `initialize`, any version or malformed `_meta` is modern too (answered
/// -32022 or -32602 as a modern server would); after it, only a modern revision leaves
/// the legacy session, whose requests are otherwise handled as they always were.
fn per_request<'a, R: Role>(
    inner: &'a Inner<R>,
    request: &Request,
) -> Option<&'a Arc<dyn super::ContextSource<R>>> {
    let source = inner.per_request.as_ref()?;
    match classify_request(&request.method, request.params.as_deref()) {
        RequestEra::Modern(Ok(_)) => Some(source),
        RequestEra::Modern(Err(_)) | RequestEra::Malformed(_) if inner.phase() == Phase::New => {
            Some(source)
        }
        _ => None,
    }
}

/// -32600 for a request id whose JSON is longer than `max` bytes.
fn oversized_id(id: &RequestId, max: usize) -> Option<ErrorData> {
    let RequestId::String(text) = id else {
        return None;
    };
    // The JSON of a string is at least its length plus two quotes.
    (text.len() + 2 > max)
        .then(|| ErrorData::invalid_request(format!("request id longer than {max} bytes")))
}

fn initialize<R: Role>(
    inner: &Inner<R>,
    params: Option<&RawValue>,
) -> Result<Box<RawValue>, ErrorData> {
    let params: InitializeRequestParams = crate::handler::parse_params(params)?;
    if inner.source.is_some() {
        // Negotiated per request: answered, but nothing is kept.
        let (result, _) = R::answer_initialize(
            &inner.own_info,
            &inner.own_capabilities,
            inner.instructions.as_deref(),
            params,
        )
        .ok_or_else(|| ErrorData::method_not_found(InitializeRequest::METHOD))?;
        tracing::debug!(role = R::NAME, version = %result.protocol_version, "initialize answered (negotiated per request: nothing kept)");
        return to_result(&result);
    }
    if !inner.begin_initialize() {
        return Err(ErrorData::invalid_request(
            "the session is already initialized",
        ));
    }
    let (result, info) = R::answer_initialize(
        &inner.own_info,
        &inner.own_capabilities,
        inner.instructions.as_deref(),
        params,
    )
    .ok_or_else(|| ErrorData::method_not_found(InitializeRequest::METHOD))?;
    let _ = inner.info.set(info);
    tracing::debug!(role = R::NAME, version = %result.protocol_version, "initialize answered");
    to_result(&result)
}

/// `server/discover`, in either era: what the server supports. A session negotiated per
/// request checks the request as any other (a modern one must carry its `_meta`); in a
/// legacy session a version named in `_meta` must be one the server speaks (-32022).
fn discover<R: Role>(
    inner: &Inner<R>,
    request: &Request,
    extensions: &Extensions,
) -> Result<Box<RawValue>, ErrorData> {
    if inner.source.is_some() || per_request(inner, request).is_some() {
        negotiated(inner, request, extensions)?;
    } else {
        match classify_request(&request.method, request.params.as_deref()) {
            RequestEra::Modern(Err(unsupported)) => {
                return Err(ErrorData::unsupported_protocol_version(
                    &unsupported.0,
                    &ProtocolVersion::MODERN,
                ));
            }
            RequestEra::Malformed(reason) => return Err(ErrorData::invalid_params(reason)),
            _ => {}
        }
    }
    let result = R::answer_discover(
        &inner.own_info,
        &inner.own_capabilities,
        inner.instructions.as_deref(),
    )
    .ok_or_else(|| ErrorData::method_not_found(DISCOVER_METHOD))?;
    to_result(&result)
}

fn set_level<R: Role>(
    inner: &Inner<R>,
    params: Option<&RawValue>,
) -> Result<Box<RawValue>, ErrorData> {
    let params: SetLevelRequestParams = crate::handler::parse_params(params)?;
    inner.set_log_level(params.level);
    to_result(&EmptyResult::default())
}

/// `notifications/cancelled`: stops the named request if it is still running. Unknown,
/// finished or malformed cancellations are ignored, as the spec says.
fn on_cancelled<R: Role>(inner: &Inner<R>, params: Option<&RawValue>) {
    let Ok(p) = crate::handler::parse_params::<CancelledNotificationParams>(params) else {
        return;
    };
    let Some(id) = p.request_id else { return };
    let state = lock(&inner.in_flight).get(&id).cloned();
    if let Some(state) = state {
        tracing::debug!(role = R::NAME, %id, reason = ?p.reason, "the peer cancelled a request");
        state.cancel.cancel();
    }
}

/// `notifications/progress`: hands the progress to the waiting requester, if any.
fn on_progress<R: Role>(inner: &Inner<R>, params: Option<&RawValue>) {
    let Ok(p) = crate::handler::parse_params::<ProgressNotificationParams>(params) else {
        return;
    };
    let sink = inner.progress_sink(&p.progress_token);
    if let Some(sink) = sink
        && sink.try_send(p).is_err()
    {
        tracing::debug!(
            role = R::NAME,
            "progress dropped: the requester is not keeping up"
        );
    }
}

async fn on_notification<R: Role>(inner: &Arc<Inner<R>>, n: Notification, extensions: Extensions) {
    match n.method.as_str() {
        CancelledNotification::METHOD => return on_cancelled(inner, n.params.as_deref()),
        ProgressNotification::METHOD => return on_progress(inner, n.params.as_deref()),
        InitializedNotification::METHOD if inner.phase() == Phase::Initializing => {
            inner.set_phase(Phase::Operating);
        }
        _ => {}
    }
    // Before `initialize` (server: not yet answered; client: not yet sent) nothing but the
    // utilities above is meaningful. A client hands on what the server sends between its
    // `initialize` answer and `initialized` (log messages are allowed there).
    if inner.phase() == Phase::New {
        tracing::debug!(role = R::NAME, method = %n.method, "ignoring a notification received before initialization");
        return;
    }
    // In-order handling applies back-pressure to the reader when handlers fall behind, but
    // never keeps a closing session waiting.
    let notification = IncomingNotification::new(n.method, n.params);
    if let Some(exchange) = inner.exchange.get()
        && !exchange.accepts(&notification)
    {
        tracing::debug!(role = R::NAME, method = %notification.method, "dropping a notification of an ended subscription");
        return;
    }
    inner.run_taps(&notification);
    notifications::push(inner, notification, extensions).await;
}
