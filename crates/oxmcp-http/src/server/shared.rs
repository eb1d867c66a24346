//! Sessions shared through the [`SessionStore`](crate::SessionStore) (see
//! [`session_store`](crate::session_store)): the record written when `initialize` is
//! answered, the session rebuilt on an instance that does not hold it, the record kept up
//! to date (`logging/setLevel`, `resources/subscribe`, `resources/unsubscribe`), and the
//! DELETE that ends a session everywhere.
//!
//! Nothing here runs without a store: the service checks for one first (one branch).
//!
//! A rebuilt session starts initialized
//! ([`Negotiated::initialized`](oxmcp_core::transport::Negotiated::initialized)); its log
//! level and its subscriptions are then restored by handing the engine the requests that
//! set them (`logging/setLevel`, `resources/subscribe`, with ids `oxmcp-restore-<n>`),
//! whose answers go nowhere.

use std::sync::{Arc, Mutex};

use http::Response;
use oxmcp_core::transport::Negotiated;
use oxmcp_types::jsonrpc::Request;
use oxmcp_types::{InitializeRequestParams, Message, ProtocolVersion, RequestId};
use serde_json::value::RawValue;

use super::body::McpBody;
use super::inbound::Inbound;
use super::refusal::{session_not_found, store_unavailable, too_many_sessions};
use super::session::{Session, SessionKind};
use super::{Principal, ServiceInner};
use crate::bus::{Delivery, Envelope};
use crate::session_store::{Replaced, SessionRecord, SessionStore};

/// The methods whose effect the record keeps.
const SET_LEVEL: &str = "logging/setLevel";
const SUBSCRIBE: &str = "resources/subscribe";
const UNSUBSCRIBE: &str = "resources/unsubscribe";

fn store(inner: &ServiceInner) -> Option<&Arc<dyn SessionStore>> {
    inner.settings.config.session_store.as_ref()
}

/// A random first stream number (see [`Session::set_first_stream`]): 2^20 streams apart
/// at the least, whichever instances share the session.
pub(crate) fn first_stream() -> u64 {
    let mut raw = [0u8; 4];
    let high = match getrandom::fill(&mut raw) {
        Ok(()) => u64::from(u32::from_le_bytes(raw)),
        Err(_) => 0,
    };
    (high << 20) | 1
}

/// Writes the record of a session whose `initialize` was just answered. On failure the
/// caller ends the session and answers with the returned refusal.
pub(crate) async fn created(
    inner: &ServiceInner,
    session: &Session,
    params: InitializeRequestParams,
    principal: Option<&Principal>,
) -> Result<(), Response<McpBody>> {
    let Some(store) = store(inner) else {
        return Ok(());
    };
    let config = &inner.settings.config;
    let record = SessionRecord::new(params, principal.map(Principal::key));
    let bytes = match record.encode(config.max_session_record_bytes) {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::debug!(error = %e, "session record refused");
            return Err(super::body::invalid(
                http::StatusCode::BAD_REQUEST,
                format!("bad request: {e}"),
            ));
        }
    };
    if let Err(e) = store.create(&session.id, bytes, config.idle_timeout).await {
        tracing::warn!(error = %e, "session store: the record of a new session was not written");
        return Err(store_unavailable(inner));
    }
    let _ = session.record.set(Box::new(Mutex::new(record)));
    Ok(())
}

/// The session of `id` (no local one: the caller looked first), rebuilt from its record;
/// `Ok(None)` when the store has none for this caller (404).
pub(crate) async fn rebuild(
    inner: &ServiceInner,
    id: &str,
    principal: Option<&Arc<Principal>>,
    inbound: &Inbound,
) -> Result<Option<Arc<Session>>, Response<McpBody>> {
    let Some(store) = store(inner) else {
        return Ok(None);
    };
    let config = &inner.settings.config;
    let bytes = match store.load(id, config.idle_timeout).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "session store: a session could not be loaded");
            return Err(store_unavailable(inner));
        }
    };
    let record = match SessionRecord::decode(&bytes, config.max_session_record_bytes) {
        Ok(record) => record,
        Err(e) => {
            tracing::warn!(error = %e, session = id, "session store: unusable record");
            return Ok(None);
        }
    };
    if record.owner != principal.map(|p| p.key()) {
        return Ok(None);
    }
    let version = ProtocolVersion::negotiate(&record.initialize.protocol_version);
    let (session, transport) = Session::new(
        Arc::from(id),
        version,
        inner.settings.clone(),
        Arc::downgrade(&inner.registry),
        SessionKind::Streamable,
    );
    session.bind(principal);
    session.set_established();
    session.set_first_stream(first_stream());
    let transport = transport.with_negotiated(Negotiated::initialized(record.initialize.clone()));
    let restore = restoring_requests(&record);
    let _ = session.record.set(Box::new(Mutex::new(record)));
    match inner.registry.adopt(session.clone(), inbound.client_key()) {
        Ok(Some(existing)) => return Ok(Some(existing)),
        Ok(None) => {}
        Err(full) => return Err(too_many_sessions(inner, full)),
    }
    inner.registry.ensure_reaper();
    inner.registry.ensure_inbox();
    let running = inner.factory.start(transport);
    let _ = session.handle.set(running.handle().clone());
    for request in restore {
        if session
            .forward(inbound.frame(Message::Request(request)))
            .await
            .is_err()
        {
            return Ok(None);
        }
    }
    tracing::debug!(session = id, "session rebuilt from the session store");
    Ok(Some(session))
}

/// The requests that put a rebuilt engine session in the state the record describes.
fn restoring_requests(record: &SessionRecord) -> Vec<Request> {
    let mut n = 0;
    let mut request = |method: &str, params: serde_json::Value| {
        n += 1;
        let id = RequestId::String(format!("oxmcp-restore-{n}").into());
        let params = RawValue::from_string(params.to_string()).ok();
        Request::new(id, method, params)
    };
    let mut requests = Vec::new();
    if let Some(level) = record.log_level {
        requests.push(request(SET_LEVEL, serde_json::json!({ "level": level })));
    }
    for uri in &record.subscriptions {
        requests.push(request(SUBSCRIBE, serde_json::json!({ "uri": uri })));
    }
    requests
}

/// Keeps a shared session alive in the store before one of its requests (at most once per
/// [`session_touch_interval`](crate::HttpServerConfig::session_touch_interval)): 404 when
/// the record is gone (a DELETE elsewhere, or expiry), and the local session is ended; 503
/// when the store cannot be reached.
pub(crate) async fn touch(
    inner: &ServiceInner,
    session: &Session,
) -> Result<(), Response<McpBody>> {
    let Some(store) = store(inner).filter(|_| session.is_shared()) else {
        return Ok(());
    };
    let config = &inner.settings.config;
    // Never so seldom that the record could expire while the session is in use.
    let interval = config.session_touch_interval.min(config.idle_timeout / 2);
    if !interval.is_zero() && session.touched_within(interval) {
        return Ok(());
    }
    match store
        .touch(&session.id, inner.settings.config.idle_timeout)
        .await
    {
        Ok(true) => {
            session.mark_touched();
            Ok(())
        }
        Ok(false) => {
            tracing::debug!(session = %session.id, "session ended elsewhere: dropped here");
            session.end().await;
            Err(session_not_found())
        }
        Err(e) => {
            tracing::warn!(error = %e, "session store: a session could not be refreshed");
            Err(store_unavailable(inner))
        }
    }
}

/// Records what `request` changes of a shared session (its log level, its
/// subscriptions) before it is handed to the engine: a refusal when the store cannot be
/// reached, or when the record would grow past its bound. A read, then a compare and set
/// ([`SessionStore::replace`]), again while another request (on any instance) changed
/// the record in between (each attempt loses only to a change that succeeded), at most
/// [`session_record_attempts`](crate::HttpServerConfig::session_record_attempts) times:
/// no change is lost.
pub(crate) async fn note(
    inner: &ServiceInner,
    session: &Session,
    request: &Request,
) -> Result<(), Response<McpBody>> {
    let (Some(store), Some(slot)) = (store(inner), session.record.get()) else {
        return Ok(());
    };
    if !matches!(request.method.as_str(), SET_LEVEL | SUBSCRIBE | UNSUBSCRIBE) {
        return Ok(());
    }
    let config = &inner.settings.config;
    for _ in 0..config.session_record_attempts.max(1) {
        // Another instance may have changed the record since: start from the stored one.
        let stored = match store.load(&session.id, config.idle_timeout).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                session.end().await;
                return Err(session_not_found());
            }
            Err(e) => {
                tracing::warn!(error = %e, "session store: a session record was not read");
                return Err(store_unavailable(inner));
            }
        };
        let mut updated = SessionRecord::decode(&stored, config.max_session_record_bytes)
            .unwrap_or_else(|_| super::session::lock(slot).clone());
        if !apply(&mut updated, request) {
            return Ok(());
        }
        let bytes = match updated.encode(config.max_session_record_bytes) {
            Ok(bytes) => bytes,
            Err(e) => return Err(refused(request, &e.to_string())),
        };
        let replaced = store
            .replace(&session.id, stored, bytes, config.idle_timeout)
            .await;
        if matches!(replaced, Ok(Replaced::Changed)) {
            continue;
        }
        return kept(inner, session, request, updated, replaced).await;
    }
    tracing::warn!(session = %session.id, "session store: the record kept changing; not updated");
    Err(store_unavailable(inner))
}

/// What [`note`] answers once its replacement is done (or failed for good).
async fn kept(
    inner: &ServiceInner,
    session: &Session,
    request: &Request,
    updated: SessionRecord,
    replaced: Result<Replaced, crate::SessionStoreError>,
) -> Result<(), Response<McpBody>> {
    let config = &inner.settings.config;
    let Some(slot) = session.record.get() else {
        return Ok(());
    };
    match replaced {
        Ok(Replaced::Done) => {
            *super::session::lock(slot) = updated;
            if let Some(bus) = &config.bus {
                let message = Message::Request(request.clone()).to_vec();
                let envelope = Envelope::new(&*session.id, Delivery::Apply, message.into());
                if let Err(e) = bus.broadcast(envelope).await {
                    tracing::warn!(error = %e, "bus: a session change was not sent to the others");
                }
            }
            Ok(())
        }
        Ok(_) => {
            session.end().await;
            Err(session_not_found())
        }
        Err(e) => {
            tracing::warn!(error = %e, "session store: a session record was not updated");
            Err(store_unavailable(inner))
        }
    }
}

/// Applies `request` to `record`; false when it changes nothing (or its params do not
/// parse: the engine refuses it then).
fn apply(record: &mut SessionRecord, request: &Request) -> bool {
    #[derive(serde::Deserialize)]
    struct Params {
        level: Option<oxmcp_types::LoggingLevel>,
        uri: Option<String>,
    }
    let Some(params) = request
        .params
        .as_deref()
        .and_then(|p| serde_json::from_str::<Params>(p.get()).ok())
    else {
        return false;
    };
    match (request.method.as_str(), params) {
        (
            SET_LEVEL,
            Params {
                level: Some(level), ..
            },
        ) => {
            record.log_level = Some(level);
            true
        }
        (SUBSCRIBE, Params { uri: Some(uri), .. }) if !record.subscriptions.contains(&uri) => {
            record.subscriptions.push(uri);
            true
        }
        (UNSUBSCRIBE, Params { uri: Some(uri), .. }) => {
            let before = record.subscriptions.len();
            record.subscriptions.retain(|s| *s != uri);
            record.subscriptions.len() != before
        }
        _ => false,
    }
}

/// A JSON-RPC error answering `request`, which was not handed to the engine.
fn refused(request: &Request, reason: &str) -> Response<McpBody> {
    let error = oxmcp_types::ErrorData::internal_error(format!("not kept: {reason}"));
    let body = Message::Error(oxmcp_types::jsonrpc::ErrorResponse::new(
        Some(request.id.clone()),
        error,
    ));
    super::body::json(http::StatusCode::OK, body.to_vec())
}

/// DELETE of a session, held here or not: its record and its events are removed from the
/// stores (503 when the session store cannot be reached: nothing ended), then the local
/// session, if any, ends. `Ok(false)` when there was no such session for this caller.
pub(crate) async fn delete(
    inner: &ServiceInner,
    id: &str,
    local: Option<&Session>,
    principal: Option<&Principal>,
) -> Result<bool, Response<McpBody>> {
    let Some(store) = store(inner) else {
        return Ok(local.is_some());
    };
    let config = &inner.settings.config;
    if local.is_none() {
        let Ok(record) = store.load(id, config.idle_timeout).await else {
            return Err(store_unavailable(inner));
        };
        let owned = record
            .and_then(|b| SessionRecord::decode(&b, config.max_session_record_bytes).ok())
            .is_some_and(|r| r.owner == principal.map(Principal::key));
        if !owned {
            return Ok(false);
        }
    }
    if let Err(e) = store.remove(id).await {
        tracing::warn!(error = %e, "session store: a session record was not removed");
        return Err(store_unavailable(inner));
    }
    if let Some(events) = &config.event_store {
        events.remove_session(id).await;
    }
    if let Some(bus) = &config.bus {
        // The instances holding a copy end it now rather than at their next refresh.
        let ended = Envelope::new(id, Delivery::Ended, bytes::Bytes::new());
        if let Err(e) = bus.broadcast(ended).await {
            tracing::warn!(error = %e, "bus: the end of a session was not told to the others");
        }
    }
    if let Some(session) = local {
        session.end().await;
    }
    Ok(true)
}

/// The Streamable HTTP session `header` names, for `principal`: the local one (kept alive
/// in the store, when shared), else the one rebuilt from the store; checked as
/// [`lookup`](super::post::lookup) checks it.
pub(crate) async fn find(
    inner: &ServiceInner,
    header: Option<&http::HeaderValue>,
    principal: Option<&Arc<Principal>>,
    version: Option<ProtocolVersion>,
    inbound: impl FnOnce() -> Inbound,
) -> Result<Arc<Session>, Response<McpBody>> {
    use super::post::{NoSession, lookup};
    match lookup(inner, header, principal.map(|p| &**p), version) {
        Ok(session) => {
            touch(inner, &session).await?;
            Ok(session)
        }
        Err(NoSession::Unknown) if store(inner).is_some() => {
            let Some(id) = header.and_then(|h| h.to_str().ok()) else {
                return Err(session_not_found());
            };
            if rebuild(inner, id, principal, &inbound()).await?.is_none() {
                return Err(session_not_found());
            }
            lookup(inner, header, principal.map(|p| &**p), version).map_err(NoSession::response)
        }
        Err(refusal) => Err(refusal.response()),
    }
}

/// Sends a message the client POSTed for a shared session to the instance it concerns,
/// when that is another one (see [`bus`](crate::bus)): an answer to a request another
/// instance sent, or a cancellation of a request not running here (to every instance).
/// Returns the message when it stays here.
pub(crate) async fn route_elsewhere(
    inner: &ServiceInner,
    session: &Session,
    message: Message,
) -> Result<Option<Message>, Response<McpBody>> {
    let Some(bus) = inner
        .settings
        .config
        .bus
        .as_ref()
        .filter(|_| session.is_shared())
    else {
        return Ok(Some(message));
    };
    let delivery = match &message {
        Message::Response(r) => crate::bus::instance_of(&r.id)
            .filter(|i| *i != bus.instance())
            .map(|i| (Delivery::Response, Some(i.to_owned()))),
        Message::Error(e) => {
            e.id.as_ref()
                .and_then(crate::bus::instance_of)
                .filter(|i| *i != bus.instance())
                .map(|i| (Delivery::Response, Some(i.to_owned())))
        }
        Message::Notification(n) => super::post::cancelled_id(n)
            .filter(|id| !session.has_exchange(id))
            .map(|_| (Delivery::Cancelled, None)),
        _ => None,
    };
    let Some((delivery, to)) = delivery else {
        return Ok(Some(message));
    };
    let envelope = Envelope::new(&*session.id, delivery, message.to_vec().into());
    let sent = match &to {
        Some(instance) => bus.send(instance, envelope).await,
        None => bus.broadcast(envelope).await,
    };
    match sent {
        Ok(()) => Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "bus: a message was not forwarded");
            Err(store_unavailable(inner))
        }
    }
}

/// Before a client request on the instance that answered a shared session's `initialize`
/// but never saw its `notifications/initialized` (another instance got it): hands the
/// engine that notification first, as the client sent it before this request.
pub(crate) async fn initialized_elsewhere(session: &Session, inbound: &Inbound) {
    if session.is_established() {
        return;
    }
    let note = oxmcp_types::jsonrpc::Notification::new("notifications/initialized", None);
    if session
        .forward(inbound.frame(Message::Notification(note)))
        .await
        .is_err()
    {
        tracing::debug!(session = %session.id, "the session ended before its initialized");
    }
}
