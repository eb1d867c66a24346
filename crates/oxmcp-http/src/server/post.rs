//! POST: one JSON-RPC message from the client.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::BodyExt;
use oxmcp_core::session::ModernState;
use oxmcp_types::era::{ParamsLayout, RequestEra, RequestProbe};
use oxmcp_types::jsonrpc::{self, ErrorResponse, Request};
use oxmcp_types::{
    CancelledNotificationParams, ErrorData, InitializeRequestParams, Message, ProtocolVersion,
    RequestId,
};
use tokio::sync::oneshot;

use super::body::{self, McpBody};
use super::client::ClientKey;
use super::guard::{self, SESSION_ID_HEADER};
use super::inbound::{Inbound, Origin, RemoteAddr};
use super::mcp_headers::McpHeaders;
use super::modern;
use super::refusal::{
    bad_version, client_busy, no_session_id, not_json, session_not_found, too_large,
    too_many_sessions, undecodable,
};
use super::registered::Registered;
use super::session::{Answer, NotRegistered, Session, SessionKind, stateless_session};
use super::shared;
use super::{Principal, ServiceInner, batch, refused_request, rejected};
use oxmcp_core::transport::SharedSessionName;

pub(crate) const INITIALIZE: &str = "initialize";
pub(crate) const CANCELLED: &str = "notifications/cancelled";

/// Answers a POST on the Streamable HTTP endpoint: the checks, then one message (or a
/// batch) for a new session (`initialize`), an existing one, or a stateless one.
pub(crate) async fn post<B>(
    inner: &ServiceInner,
    mut parts: Parts,
    body: B,
    remote: Option<Arc<RemoteAddr>>,
) -> Response<McpBody>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let config = &inner.settings.config;
    if guard::declared_over(&parts.headers, config.max_body_bytes) {
        return too_large(config.max_body_bytes);
    }
    let principal = match inner.auth.authenticate(&parts).await {
        Ok(principal) => principal.map(Arc::new),
        Err(rejection) => return rejected(rejection),
    };
    if let Err(refusal) = checked_headers(&parts) {
        return *refusal;
    }
    let bytes = match read_body(body, config.max_body_bytes, config).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    super::inbound::strip_credentials(&mut parts, principal.as_ref());
    let parts = Arc::new(parts);
    let mcp = McpHeaders::of(&parts.headers);
    // The version header's version, `Err` with the text of one oxmcp does not know (refused
    // with 400 unless the request turns out to be modern: then -32022).
    let header = guard::protocol_version_of(mcp.protocol_version);
    let header_version = match &header {
        Ok(version) => *version,
        Err(_) => None,
    };
    let origin = Origin {
        parts: &parts,
        principal: principal.as_ref(),
        remote: remote.as_ref(),
    };
    if is_batch(&bytes) {
        let inbound = origin.inbound();
        if let Err(unknown) = &header {
            return bad_version(unknown);
        }
        let caller = principal.as_ref();
        let batch = batch::post(inner, &parts, caller, &inbound, header_version, &bytes);
        return Box::pin(batch).await;
    }
    let message = match jsonrpc::decode(&bytes, config.max_json_depth) {
        Ok(message) => message,
        Err(e) => return undecodable(&e),
    };
    if let Some(refusal) = refused_request(inner, principal.as_deref(), [&message]) {
        return refusal;
    }
    let session_id = mcp.session_id;
    let message = match message {
        Message::Request(request) if session_id.is_none() => {
            // The usual layout, with a `_meta` read before: nothing to read.
            if let Some((layout, state)) = known_state(inner, &request) {
                let checked = modern::check_known(&mcp, &request, &layout, state);
                return modern::serve(inner, &parts, request, checked, &origin, &mcp).await;
            }
            let probe = RequestProbe::of(&request.method, request.params.as_deref());
            let era = &probe.era;
            // A modern version header (or, but on `initialize`, one oxmcp does not know)
            // makes the request modern too: it is answered in JSON-RPC with its id (-32602
            // without `_meta`, -32022 for a version not spoken), not taken for a legacy
            // request.
            let modern_header = match &header {
                Ok(version) => version.is_some_and(ProtocolVersion::is_modern),
                // `initialize` with a version nobody knows stays a refused handshake.
                Err(_) => *era != RequestEra::Handshake,
            };
            if era.is_modern() || modern_header {
                let checked = modern::check(inner, &mcp, &request, &probe);
                return modern::serve(inner, &parts, request, checked, &origin, &mcp).await;
            }
            Message::Request(request)
        }
        other => other,
    };
    match &header {
        // A modern or unknown version on anything but a modern request: the client is to
        // fall back to `initialize` (or fix its header).
        Err(unknown) => return bad_version(unknown),
        Ok(Some(modern)) if modern.is_modern() => return bad_version(modern.as_str()),
        _ => {}
    }
    let inbound = origin.inbound();
    if config.stateless {
        return stateless(inner, message, &inbound, header_version).await;
    }
    match (message, session_id) {
        (Message::Request(request), None) if request.method == INITIALIZE => {
            let client = ClientKey::of(principal.as_deref(), remote.as_deref());
            Box::pin(initialize(
                inner,
                request,
                principal.as_ref(),
                client,
                &inbound,
            ))
            .await
        }
        (_, None) => NoSession::Missing.response(),
        (message, Some(id)) if config.session_store.is_some() => {
            let caller = principal.as_ref();
            let found = shared::find(inner, Some(id), caller, header_version, || inbound.clone());
            match Box::pin(found).await {
                Ok(session) => {
                    let inbound = inbound.with(SharedSessionName(session.id.clone()));
                    existing(inner, &session, message, &inbound).await
                }
                Err(refusal) => refusal,
            }
        }
        (message, Some(id)) => {
            match lookup(inner, Some(id), principal.as_deref(), header_version) {
                Ok(session) => existing(inner, &session, message, &inbound).await,
                Err(refusal) => refusal.response(),
            }
        }
    }
}

/// The state of a modern request whose params are laid out as usual (see
/// [`RequestProbe::layout`]) and whose `_meta` was read before, with that layout.
fn known_state<'r>(
    inner: &ServiceInner,
    request: &'r Request,
) -> Option<(ParamsLayout<'r>, ModernState)> {
    if request.method == INITIALIZE {
        return None;
    }
    let layout = RequestProbe::layout(&request.method, request.params.as_deref())?;
    let state = inner.modern_states.by_text(layout.meta)?.at(layout.place);
    Some((layout, state))
}

/// The header checks of a POST after auth: `Accept` (406) and `Content-Type` (415).
fn checked_headers(parts: &Parts) -> Result<(), Box<Response<McpBody>>> {
    if !guard::accepts_json_and_sse(&parts.headers) {
        return Err(Box::new(body::invalid(
            StatusCode::NOT_ACCEPTABLE,
            "not acceptable: Accept must list application/json and text/event-stream",
        )));
    }
    if !guard::is_json_content(&parts.headers) {
        return Err(Box::new(not_json()));
    }
    Ok(())
}

/// Whether a POSTed body is a JSON array (a JSON-RPC batch).
pub(crate) fn is_batch(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Why a request names no usable Streamable HTTP session.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NoSession {
    /// No `Mcp-Session-Id` header: 400.
    Missing,
    /// An unknown or ended session (or a legacy one, which is not reachable here): 404.
    Unknown,
    /// An `MCP-Protocol-Version` header naming another version than the session's: 400.
    WrongVersion {
        /// The session's version.
        session: ProtocolVersion,
        /// The header's.
        header: ProtocolVersion,
    },
}

impl NoSession {
    pub(crate) fn response(self) -> Response<McpBody> {
        match self {
            Self::Missing => body::invalid(
                StatusCode::BAD_REQUEST,
                "bad request: missing Mcp-Session-Id header",
            ),
            Self::Unknown => session_not_found(),
            Self::WrongVersion { session, header } => body::invalid(
                StatusCode::BAD_REQUEST,
                format!(
                    "bad request: MCP-Protocol-Version {header} is not the version of this \
                     session ({session})"
                ),
            ),
        }
    }
}

/// The Streamable HTTP session named by `Mcp-Session-Id`, if it belongs to `principal`
/// and (with [`strict_version_header`](super::HttpServerConfig::strict_version_header))
/// speaks the version `MCP-Protocol-Version` names, when it names one.
pub(crate) fn lookup(
    inner: &ServiceInner,
    header: Option<&HeaderValue>,
    principal: Option<&Principal>,
    version: Option<ProtocolVersion>,
) -> Result<Arc<Session>, NoSession> {
    let id = header.ok_or(NoSession::Missing)?;
    let session = id
        .to_str()
        .ok()
        .and_then(|id| inner.registry.get(id))
        .filter(|session| !session.is_legacy() && session.belongs_to(principal))
        .ok_or(NoSession::Unknown)?;
    match version {
        Some(header)
            if header != session.version && inner.settings.config.strict_version_header =>
        {
            Err(NoSession::WrongVersion {
                session: session.version,
                header,
            })
        }
        _ => Ok(session),
    }
}

/// Reads a body of at most `limit` bytes within the configured time: 408 when it takes
/// too long, 413 over the limit, 400 when it cannot be read.
pub(crate) async fn read_body<B>(
    body: B,
    limit: usize,
    config: &super::HttpServerConfig,
) -> Result<Bytes, Response<McpBody>>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limited = http_body_util::Limited::new(body, limit);
    match tokio::time::timeout(config.body_read_timeout, limited.collect()).await {
        Err(_) => Err(body::invalid(
            StatusCode::REQUEST_TIMEOUT,
            "request timeout: the body took too long",
        )),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Ok(Err(e)) => Err(body::invalid(
            StatusCode::BAD_REQUEST,
            format!("bad request: could not read the body: {e}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// A 128-bit (or larger) session id from the operating system's CSPRNG, as hex.
pub(crate) fn new_session_id() -> Result<Arc<str>, getrandom::Error> {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw)?;
    let mut id = String::with_capacity(32);
    for b in raw {
        id.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        id.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    Ok(Arc::from(id))
}

fn answer_error(id: RequestId, error: ErrorData) -> Response<McpBody> {
    let body = Message::Error(ErrorResponse::new(Some(id), error)).to_vec();
    body::json(StatusCode::OK, body)
}

/// The params of an `initialize` request; 400 with a JSON-RPC error when they do not
/// parse.
fn initialize_params(request: &Request) -> Result<InitializeRequestParams, Box<Response<McpBody>>> {
    let params = request.params.as_deref().map_or("null", |p| p.get());
    match serde_json::from_str::<InitializeRequestParams>(params) {
        Ok(params) => Ok(params),
        Err(e) => {
            let error = ErrorData::invalid_params(format!("invalid initialize params: {e}"));
            let body = Message::Error(ErrorResponse::new(Some(request.id.clone()), error));
            Err(Box::new(body::json(StatusCode::BAD_REQUEST, body.to_vec())))
        }
    }
}

/// `initialize` without `Mcp-Session-Id`: a new Streamable HTTP session, whose id the
/// response carries; none is left behind when the engine answers with an error.
async fn initialize(
    inner: &ServiceInner,
    request: Request,
    principal: Option<&Arc<Principal>>,
    client: ClientKey,
    inbound: &Inbound,
) -> Response<McpBody> {
    let params = match initialize_params(&request) {
        Ok(params) => params,
        Err(refusal) => return *refusal,
    };
    let version = ProtocolVersion::negotiate(&params.protocol_version);
    let Ok(id) = new_session_id() else {
        return no_session_id();
    };
    let (session, transport) = Session::new(
        id.clone(),
        version,
        inner.settings.clone(),
        Arc::downgrade(&inner.registry),
        SessionKind::Streamable,
    );
    session.bind(principal);
    if inner.settings.config.session_store.is_some() {
        session.set_first_stream(shared::first_stream());
    }
    if let Err(full) = inner.registry.try_insert(session.clone(), client) {
        return too_many_sessions(inner, full);
    }
    inner.registry.ensure_reaper();
    inner.registry.ensure_inbox();
    let running = inner.factory.start(transport);
    let _ = session.handle.set(running.handle().clone());
    let rx = match session.begin_exchange(request.id.clone()) {
        Ok(rx) => rx,
        Err(refused) => {
            session.end().await;
            return match refused {
                NotRegistered::ClientBusy => client_busy(inner, Some(request.id)),
                NotRegistered::Closed | NotRegistered::InUse => session_not_found(),
            };
        }
    };
    if session
        .forward(inbound.frame(Message::Request(request)))
        .await
        .is_err()
    {
        session.end().await;
        return session_not_found();
    }
    let answer = rx.await;
    if let Ok(Answer::Json(body)) = &answer
        && matches!(Message::from_slice(body), Ok(Message::Error(_)))
    {
        // Initialization failed: no session is left behind.
        session.end().await;
        return body::json(StatusCode::OK, body.clone());
    }
    if inner.settings.config.session_store.is_some()
        && let Err(refusal) =
            shared::created(inner, &session, params, principal.map(|p| &**p)).await
    {
        session.end().await;
        return refusal;
    }
    let mut response = respond(inner, &session, answer);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(SESSION_ID_HEADER, value);
    }
    response
}

/// The id of a `notifications/cancelled` notification's request, if it is one.
pub(crate) fn cancelled_id(notification: &jsonrpc::Notification) -> Option<RequestId> {
    (notification.method == CANCELLED)
        .then(|| notification.params.as_deref().map_or("{}", |p| p.get()))
        .and_then(|p| serde_json::from_str::<CancelledNotificationParams>(p).ok())
        .and_then(|p| p.request_id)
}

/// One message for an existing Streamable HTTP session: a request is answered on this
/// POST, anything else gets 202 once the engine took it.
async fn existing(
    inner: &ServiceInner,
    session: &Arc<Session>,
    message: Message,
    inbound: &Inbound,
) -> Response<McpBody> {
    session.touch();
    let message = if inner.settings.config.bus.is_some() && session.is_shared() {
        match shared::route_elsewhere(inner, session, message).await {
            Ok(Some(message)) => message,
            Ok(None) => return body::status(StatusCode::ACCEPTED),
            Err(refusal) => return refusal,
        }
    } else {
        message
    };
    match message {
        Message::Request(request) => {
            if session.is_shared() {
                // Boxed, as the other rare paths of a POST: what a future holds for the
                // await it is in counts for every request (hyper moves it whole).
                if let Err(refusal) = Box::pin(shared::note(inner, session, &request)).await {
                    return refusal;
                }
                shared::initialized_elsewhere(session, inbound).await;
            }
            let rx = match session.begin_exchange(request.id.clone()) {
                Ok(rx) => rx,
                Err(NotRegistered::Closed) => return session_not_found(),
                Err(NotRegistered::ClientBusy) => return client_busy(inner, Some(request.id)),
                Err(NotRegistered::InUse) => {
                    return answer_error(
                        request.id,
                        ErrorData::invalid_request(
                            "request id already in use by a request in flight",
                        ),
                    );
                }
            };
            let registered = Registered::one(session, request.id.clone());
            if session
                .forward(inbound.frame(Message::Request(request)))
                .await
                .is_err()
            {
                return session_not_found();
            }
            let answer = rx.await;
            registered.answered();
            respond(inner, session, answer)
        }
        Message::Notification(notification) => {
            let cancelled = cancelled_id(&notification);
            let message = Message::Notification(notification);
            if session.forward(inbound.frame(message)).await.is_err() {
                return session_not_found();
            }
            if let Some(id) = cancelled {
                session.cancelled(&id);
            }
            body::status(StatusCode::ACCEPTED)
        }
        other => {
            if session.forward(inbound.frame(other)).await.is_err() {
                return session_not_found();
            }
            body::status(StatusCode::ACCEPTED)
        }
    }
}

/// When the SSE connections of `session`'s answers are closed early (SSE polling), and the
/// `retry` hint they get.
pub(crate) fn polling(inner: &ServiceInner, session: &Session) -> Option<(Duration, Duration)> {
    let config = &inner.settings.config;
    config
        .sse_polling
        .filter(|_| {
            config.event_store.is_some()
                && !config.stateless
                && session.version >= ProtocolVersion::V2025_11_25
                // The modern era has no resumption: its streams are never closed early.
                && !session.version.is_modern()
        })
        .map(|p| (p.close_after, p.retry))
}

/// The HTTP response for a request's first message.
pub(crate) fn respond(
    inner: &ServiceInner,
    session: &Session,
    answer: Result<Answer, oneshot::error::RecvError>,
) -> Response<McpBody> {
    let config = &inner.settings.config;
    let polling = polling(inner, session);
    match answer {
        Ok(Answer::Json(bytes)) => body::json(StatusCode::OK, bytes),
        Ok(Answer::Sse(open)) => body::sse_response(McpBody::sse(
            open.first,
            Some(open.rx),
            0,
            config.sse_keep_alive,
            polling,
        )),
        Ok(Answer::Cancelled) => {
            body::sse_response(McpBody::sse(VecDeque::new(), None, 0, None, None))
        }
        Err(_) => session_not_found(),
    }
}

/// Stateless mode: a short-lived session under a fixed context (the version of the request,
/// a client that declared nothing) serves one message; an `initialize` is answered and
/// changes nothing.
async fn stateless(
    inner: &ServiceInner,
    message: Message,
    inbound: &Inbound,
    header_version: Option<ProtocolVersion>,
) -> Response<McpBody> {
    let (request, is_initialize) = match &message {
        Message::Request(r) => (Some(r.id.clone()), r.method == INITIALIZE),
        Message::Notification(_) => (None, false),
        // Nothing is waiting for an answer: there is no session to deliver it to.
        _ => return body::status(StatusCode::ACCEPTED),
    };
    let version = match &message {
        Message::Request(r) if is_initialize => r
            .params
            .as_deref()
            .and_then(|p| serde_json::from_str::<InitializeRequestParams>(p.get()).ok())
            .map_or(ProtocolVersion::LATEST, |p| {
                ProtocolVersion::negotiate(&p.protocol_version)
            }),
        _ => header_version.unwrap_or(ProtocolVersion::V2025_03_26),
    };
    let session = stateless_session(inner, version);
    // A stateless session has no client budget: nothing but `Closed` can refuse it, and
    // it is new.
    let rx = request
        .clone()
        .and_then(|id| session.begin_exchange(id).ok());
    // Ends the session's input if the client leaves before the answer.
    let registered = Registered::new(&session, request.into_iter().collect());
    if session.forward(inbound.frame(message)).await.is_err() {
        return session_not_found();
    }
    match rx {
        Some(rx) => {
            let answer = rx.await;
            registered.answered();
            respond(inner, &session, answer)
        }
        None => {
            registered.answered();
            session.close_input();
            body::status(StatusCode::ACCEPTED)
        }
    }
}
