//! [`Peer`]: the handle that sends requests and notifications to the other side.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oxmcp_types::jsonrpc::{Notification, Request};
use oxmcp_types::methods::{
    CancelledNotification, NotificationMethod, PingRequest, ProgressNotification, RequestMethod,
};
use oxmcp_types::{
    CancelledNotificationParams, EmptyParams, ErrorData, Implementation, Message,
    ProgressNotificationParams, ProtocolVersion, RequestId,
};
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::SessionInfo;
use super::hook::{OutboundHook, WaitHold, release};
use super::state::{Inner, InnerParts, NotPending, Pending, Phase};
use crate::capability::Support;
use crate::error::{NotifyError, RequestError};
use crate::extensions::SessionExtensions;
use crate::role::Role;
use crate::server::mrtr::RoundHandle;
use crate::transport::{OutboundMessage, Route};

/// Called with each progress notification the peer sends for a request.
pub type ProgressCallback = Arc<dyn Fn(ProgressNotificationParams) + Send + Sync>;

/// Per-request settings of an outgoing request.
///
/// ```
/// use std::time::Duration;
/// use oxmcp_core::RequestOptions;
///
/// let opts = RequestOptions::new()
///     .timeout(Duration::from_secs(5))
///     .on_progress(|p| eprintln!("{} / {:?}", p.progress, p.total));
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Timeout; the session's default when `None`.
    pub timeout: Option<Duration>,
    /// Hard maximum even when progress extends the timeout; the session's default when `None`.
    pub max_total_timeout: Option<Duration>,
    /// Whether each progress notification restarts the timeout (default true).
    pub reset_timeout_on_progress: Option<bool>,
    /// Asks the peer for progress (`_meta.progressToken`) and receives it.
    pub on_progress: Option<ProgressCallback>,
    /// Cancels the request (sending `notifications/cancelled`) when this token is cancelled.
    pub cancel: Option<CancellationToken>,
    /// In the 2026-07-28 era, returns a task handle (`resultType: "task"`, the tasks
    /// extension) as the server sent it instead of following the task to its result
    /// (default false; see [`Peer::call_tool_or_task`](crate::Peer::call_tool_or_task)).
    pub keep_task_handle: bool,
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_total_timeout", &self.max_total_timeout)
            .field("reset_timeout_on_progress", &self.reset_timeout_on_progress)
            .field("on_progress", &self.on_progress.is_some())
            .field("cancel", &self.cancel)
            .field("keep_task_handle", &self.keep_task_handle)
            .finish()
    }
}

impl RequestOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the hard maximum.
    #[must_use]
    pub fn max_total_timeout(mut self, max: Duration) -> Self {
        self.max_total_timeout = Some(max);
        self
    }

    /// Whether progress restarts the timeout.
    #[must_use]
    pub fn reset_timeout_on_progress(mut self, reset: bool) -> Self {
        self.reset_timeout_on_progress = Some(reset);
        self
    }

    /// Requests progress notifications and passes each to `f`.
    #[must_use]
    pub fn on_progress(
        mut self,
        f: impl Fn(ProgressNotificationParams) + Send + Sync + 'static,
    ) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Cancels the request when `token` is cancelled.
    #[must_use]
    pub fn cancel_on(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Returns a task handle as the server sent it (see
    /// [`keep_task_handle`](Self::keep_task_handle)).
    #[must_use]
    pub fn keep_task_handle(mut self) -> Self {
        self.keep_task_handle = true;
        self
    }
}

/// Sends requests and notifications to the other side of a session. Cheap to clone.
///
/// A `Peer` obtained from a [`RequestContext`](crate::RequestContext) sends its messages as
/// related to the request being handled (Streamable HTTP puts them on that request's stream).
///
/// A peer with an [`OutboundHook`] ([`with_hook`](Self::with_hook)) lets the hook decorate
/// what it sends: the task extension's peer for a task's work adds the related-task `_meta`
/// to every request and notification, sends them with a `tasks/result` that waits on the
/// task, and holds the task in `input_required` while a request of it is outstanding.
pub struct Peer<R: Role> {
    pub(crate) inner: Arc<Inner<R>>,
    pub(crate) route: Route,
    /// Set only for a peer that sends on behalf of some work; `None` costs nothing on the
    /// other paths.
    hook: Option<Arc<dyn OutboundHook>>,
    /// The negotiated state of the request this peer belongs to, when it is not the
    /// session's (a per-request context source).
    info: Option<Arc<SessionInfo<R>>>,
    /// The input recorder that answers this peer's requests instead of the other side (a
    /// modern request's multi round-trip requests; see [`crate::server::mrtr`]).
    rounds: Option<RoundHandle>,
}

impl<R: Role> Clone for Peer<R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            route: self.route.clone(),
            hook: self.hook.clone(),
            info: self.info.clone(),
            rounds: self.rounds.clone(),
        }
    }
}

impl<R: Role> fmt::Debug for Peer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer")
            .field("role", &R::NAME)
            .field("route", &self.route)
            .field("hook", &self.hook.as_ref().map(|h| h.label()))
            .finish()
    }
}

const PROGRESS_QUEUE: usize = 64;

impl<R: Role> Peer<R> {
    pub(crate) fn new(inner: Arc<Inner<R>>, route: Route) -> Self {
        Self {
            inner,
            route,
            hook: None,
            info: None,
            rounds: None,
        }
    }

    /// This peer for a request handled under `info` rather than the session's state.
    pub(crate) fn with_info(mut self, info: Option<Arc<SessionInfo<R>>>) -> Self {
        self.info = info;
        self
    }

    /// This peer, with `hook` deciding where its messages go and what they carry (see
    /// [`OutboundHook`]). Replaces any hook it had.
    #[must_use]
    pub fn with_hook(&self, hook: Arc<dyn OutboundHook>) -> Self {
        Self {
            inner: self.inner.clone(),
            route: self.route.clone(),
            hook: Some(hook),
            info: self.info.clone(),
            rounds: self.rounds.clone(),
        }
    }

    /// This peer, answering its requests from `rounds` instead of the other side.
    pub(crate) fn with_rounds(mut self, rounds: RoundHandle) -> Self {
        self.rounds = Some(rounds);
        self
    }

    /// This peer, with its next request to the other side named `key` in an
    /// `inputRequests` map (see [`RequestContext::with_input_key`](crate::RequestContext::with_input_key));
    /// unchanged when its requests go to the other side.
    #[must_use]
    pub fn with_input_key(&self, key: impl Into<String>) -> Self {
        let mut peer = self.clone();
        if let Some(rounds) = &mut peer.rounds {
            rounds.key = Some(Arc::from(key.into()));
        }
        peer
    }

    /// Whether this peer's requests are answered by the rounds of a multi round-trip request
    /// rather than sent.
    pub(crate) fn has_rounds(&self) -> bool {
        self.rounds.is_some()
    }

    /// The rounds that answer this peer's requests, if any.
    pub(crate) fn rounds(&self) -> Option<&RoundHandle> {
        self.rounds.as_ref()
    }

    /// The hook of this peer, if it has one.
    pub fn hook(&self) -> Option<&Arc<dyn OutboundHook>> {
        self.hook.as_ref()
    }

    /// A peer without a connection, for work that runs after its session is gone (a task
    /// resumed after a restart): it negotiated the latest version with a peer that declared
    /// nothing, and everything it sends fails as on a closed session. Returns the peer and
    /// the negotiated state it reports.
    pub fn detached() -> (Self, Arc<SessionInfo<R>>)
    where
        R::OwnCapabilities: Default,
        R::PeerCapabilities: Default,
    {
        let (outbound, _) = mpsc::channel(1);
        let parts = InnerParts {
            config: crate::config::SessionConfig::default(),
            own_info: Implementation::new("oxmcp", env!("CARGO_PKG_VERSION")),
            own_capabilities: R::OwnCapabilities::default(),
            instructions: None,
            handler: Arc::new(crate::handler::NoHandler),
            source: None,
            extensions: crate::Extensions::new(),
        };
        let inner = Inner::new(parts, outbound);
        let info = SessionInfo::new(
            ProtocolVersion::LATEST,
            R::PeerCapabilities::default(),
            Implementation::new("(disconnected)", "0"),
            None,
        );
        let _ = inner.info.set(info.clone());
        inner.set_phase(Phase::Operating);
        inner.fail_pending();
        inner.closed.cancel();
        let peer = Self::new(inner, Route::Unrelated);
        (peer, info)
    }

    /// Runs `callback` once the session has ended (at once if it already has): for state
    /// kept beside the session that must go with it.
    pub fn on_session_end(&self, callback: impl FnOnce() + Send + 'static) {
        self.inner.life.on_end(callback);
    }

    /// Calls `tap` with each notification the peer sends from now on (after
    /// initialization), in arrival order, before the handler gets it: for extensions that
    /// follow a kind of notification (task status changes, for example) whatever the
    /// session's handler is. Keep it short and non-blocking; it stays until the session
    /// ends.
    pub fn tap_notifications(
        &self,
        tap: impl Fn(&crate::IncomingNotification) + Send + Sync + 'static,
    ) {
        self.inner.add_tap(Arc::new(tap));
    }

    /// The session's [extensions](SessionExtensions): values shared by all its requests.
    pub fn session_extensions(&self) -> &SessionExtensions {
        &self.inner.extensions
    }

    /// Tells this peer's [`OutboundHook`] that the work waits on the other side for a while
    /// (a task shows `input_required`), until the returned hold is released or dropped.
    /// `None` without a hook, or when the hook shows nothing.
    pub async fn hold(&self) -> Option<WaitHold> {
        match &self.hook {
            Some(hook) => hook.hold().await,
            None => None,
        }
    }

    /// Where this peer's messages go now: its request's stream, unless its hook says
    /// otherwise.
    fn current_route(&self) -> Route {
        match &self.hook {
            None => self.route.clone(),
            Some(hook) => hook.route(self.inner.id, &self.route),
        }
    }

    /// `params` as this peer's hook decorates them for `method`.
    fn hooked_params(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
    ) -> Result<Option<Box<RawValue>>, serde_json::Error> {
        match &self.hook {
            None => Ok(params),
            Some(hook) => hook.params(method, params),
        }
    }

    /// An id for this session, unique within the process (for keeping per-session state,
    /// such as resource subscriptions, in shared structures).
    pub fn session_id(&self) -> u64 {
        self.inner.id
    }

    /// A handle that does not keep the session alive.
    pub fn downgrade(&self) -> WeakPeer<R> {
        WeakPeer {
            inner: Arc::downgrade(&self.inner),
            id: self.inner.id,
        }
    }

    /// This peer, with its messages marked as unrelated to any request (and to any task).
    pub fn unrelated(&self) -> Self {
        Self::new(self.inner.clone(), Route::Unrelated)
    }

    /// What was negotiated, once the session is initialized (for the peer of a request:
    /// what that request is handled under).
    pub fn session(&self) -> Option<&Arc<SessionInfo<R>>> {
        self.info.as_ref().or_else(|| self.inner.info.get())
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_cancelled()
    }

    /// Sends a typed request and waits for its typed result.
    pub async fn request<M: RequestMethod>(
        &self,
        params: &M::Params,
    ) -> Result<M::Result, RequestError> {
        self.request_with::<M>(params, RequestOptions::default())
            .await
    }

    /// Sends a typed request with options (timeout, progress, cancellation).
    pub async fn request_with<M: RequestMethod>(
        &self,
        params: &M::Params,
        options: RequestOptions,
    ) -> Result<M::Result, RequestError> {
        let raw = serde_json::value::to_raw_value(params).map_err(RequestError::Serialize)?;
        let result = self.request_raw(M::METHOD, Some(raw), options).await?;
        serde_json::from_str(result.get()).map_err(|source| RequestError::InvalidResult {
            method: M::METHOD.to_owned(),
            source,
        })
    }

    /// Sends `ping` and waits for the answer.
    pub async fn ping(&self) -> Result<(), RequestError> {
        self.request::<PingRequest>(&EmptyParams::default())
            .await
            .map(drop)
    }

    /// Sends a request with raw params (any method, including custom ones) and returns the
    /// raw result. The capability and lifecycle rules apply as for typed requests.
    pub async fn request_raw(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, RequestError> {
        self.check_request(method)?;
        // Answers gathered before a call continued as a task come first.
        if let Some(answer) = self
            .rounds
            .as_ref()
            .and_then(|r| r.replay(method, params.as_deref()))
        {
            return answer;
        }
        if let Some(answer) = self
            .hook
            .as_ref()
            .and_then(|h| h.answer(method, params.as_deref()))
        {
            return answer.await;
        }
        if let Some(exchange) = self.inner.exchange.get() {
            return exchange.request(self, method, params, options).await;
        }
        if let Some(rounds) = &self.rounds {
            return rounds.answer(method, params.as_deref()).await;
        }
        // A modern request's server sends nothing of its own (multi round-trip requests).
        if R::ANSWERS_INITIALIZE
            && self
                .info
                .as_ref()
                .is_some_and(|i| i.protocol_version.is_modern())
        {
            return Err(RequestError::NoRoundTrip {
                method: method.to_owned(),
            });
        }
        self.send_request_unchecked(method, params, options).await
    }

    fn check_request(&self, method: &str) -> Result<(), RequestError> {
        if method == PingRequest::METHOD {
            return Ok(());
        }
        let info = match self.session() {
            Some(info) if self.operating(info) => info,
            _ => return Err(RequestError::NotInitialized(method.to_owned())),
        };
        match R::peer_handles(method, &info.peer_capabilities) {
            Support::Yes | Support::Unknown => Ok(()),
            Support::Missing(capability) => Err(RequestError::CapabilityNotNegotiated {
                method: method.to_owned(),
                capability,
            }),
            Support::WrongDirection => Err(RequestError::WrongDirection {
                method: method.to_owned(),
                role: R::NAME,
            }),
        }
    }

    pub(crate) async fn send_request_unchecked(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, RequestError> {
        let id = self.inner.next_request_id();
        let params = match &options.on_progress {
            Some(_) => Some(with_progress_token(params.as_deref(), &id)?),
            None => params,
        };
        let (params, hold) = match &self.hook {
            Some(hook) => {
                let params = hook
                    .params(method, params)
                    .map_err(RequestError::Serialize)?;
                // Held before the request is sent, released once it is answered.
                (params, hook.request_hold(method).await)
            }
            None => (params, None),
        };
        let (answer_tx, answer_rx) = oneshot::channel();
        let (progress_tx, progress_rx) = match options.on_progress {
            Some(_) => {
                let (tx, rx) = mpsc::channel(PROGRESS_QUEUE);
                (Some(tx), Some(rx))
            }
            None => (None, None),
        };
        let registered = self.inner.add_pending(
            id.clone(),
            Pending {
                answer: answer_tx,
                progress: progress_tx,
            },
        );
        match registered {
            Ok(()) => {}
            Err(NotPending::Closed) => return Err(RequestError::Closed),
            Err(NotPending::Full { limit }) => {
                return Err(RequestError::TooManyOutgoing { limit });
            }
        }
        // Whatever happens to this future, an entry still pending when it ends is removed
        // and the peer told; answered, timed-out and cancelled requests are already gone.
        let _guard = PendingGuard {
            peer: self,
            id: Some(id.clone()),
        };
        let message = Message::Request(Request::new(id.clone(), method, params));
        self.send(&message)
            .await
            .map_err(|_| RequestError::Closed)?;
        let answer = self
            .await_answer(&id, answer_rx, progress_rx, options)
            .await;
        release(hold).await;
        answer
    }

    async fn await_answer(
        &self,
        id: &RequestId,
        mut answer: oneshot::Receiver<Result<Box<RawValue>, ErrorData>>,
        mut progress: Option<mpsc::Receiver<ProgressNotificationParams>>,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, RequestError> {
        let config = &self.inner.config;
        let timeout = options.timeout.unwrap_or(config.request_timeout);
        let hard = options
            .max_total_timeout
            .unwrap_or(config.max_request_timeout)
            .max(timeout);
        let reset = options.reset_timeout_on_progress.unwrap_or(true);
        let start = Instant::now();
        let hard_deadline = start + hard;
        let mut deadline = start + timeout;
        let cancel = options.cancel.unwrap_or_default();
        let mut last_progress: Option<f64> = None;
        loop {
            tokio::select! {
                biased;
                answer = &mut answer => {
                    // Progress the peer sent before its answer is already queued: deliver it.
                    if let (Some(rx), Some(callback)) = (&mut progress, &options.on_progress) {
                        while let Ok(p) = rx.try_recv() {
                            if last_progress.is_none_or(|last| p.progress > last) {
                                last_progress = Some(p.progress);
                                callback(p);
                            }
                        }
                    }
                    return match answer {
                        Ok(Ok(raw)) => Ok(raw),
                        Ok(Err(error)) => Err(RequestError::Remote(error)),
                        Err(_) => Err(RequestError::Closed),
                    };
                }
                Some(p) = next_progress(&mut progress) => {
                    if last_progress.is_some_and(|last| p.progress <= last) {
                        tracing::debug!(request = %id, progress = p.progress, "ignoring progress that does not increase");
                        continue;
                    }
                    last_progress = Some(p.progress);
                    if let Some(callback) = &options.on_progress {
                        callback(p);
                    }
                    if reset {
                        deadline = (Instant::now() + timeout).min(hard_deadline);
                    }
                }
                () = tokio::time::sleep_until(deadline) => {
                    let elapsed = start.elapsed();
                    self.cancel_remote(id, format!("timed out after {elapsed:?}")).await;
                    return Err(RequestError::Timeout(elapsed));
                }
                () = cancel.cancelled() => {
                    self.cancel_remote(id, "cancelled by the requester".to_owned()).await;
                    return Err(RequestError::Cancelled);
                }
            }
        }
    }

    /// Forgets a pending request and tells the peer it was cancelled.
    async fn cancel_remote(&self, id: &RequestId, reason: String) {
        if self.inner.take_pending(id).is_none() {
            return;
        }
        if let Some(message) = self.cancelled_message(id.clone(), reason) {
            let _ = self.send(&message).await;
        }
    }

    /// The `notifications/cancelled` message for our request `id` (decorated by the hook,
    /// as every other message of this peer).
    fn cancelled_message(&self, id: RequestId, reason: String) -> Option<Message> {
        let params = CancelledNotificationParams::new(id, Some(reason));
        let raw = serde_json::value::to_raw_value(&params).ok()?;
        let raw = self
            .hooked_params(CancelledNotification::METHOD, Some(raw))
            .ok()?;
        Some(Message::Notification(Notification::new(
            CancelledNotification::METHOD,
            raw,
        )))
    }

    /// Sends a typed notification.
    pub async fn notify<M: NotificationMethod>(
        &self,
        params: &M::Params,
    ) -> Result<(), NotifyError> {
        let raw = serde_json::value::to_raw_value(params).map_err(NotifyError::Serialize)?;
        self.notify_raw(M::METHOD, Some(raw)).await
    }

    /// Sends a notification with raw params. Capability and lifecycle rules apply.
    pub async fn notify_raw(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
    ) -> Result<(), NotifyError> {
        self.check_notification(method)?;
        if !self.keeps(method) {
            return Ok(());
        }
        self.notify_unchecked(method, params).await
    }

    /// Whether this peer's hook lets the notification `method` out.
    fn keeps(&self, method: &str) -> bool {
        self.hook.as_ref().is_none_or(|h| h.keeps(method))
    }

    /// Sends a notification without waiting: for synchronous contexts (a `tracing` layer,
    /// a `Drop`). Fails with [`NotifyError::QueueFull`] when the outbound queue is full.
    pub fn try_notify_raw(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
    ) -> Result<(), NotifyError> {
        self.check_notification(method)?;
        if !self.keeps(method) {
            return Ok(());
        }
        let params = self
            .hooked_params(method, params)
            .map_err(NotifyError::Serialize)?;
        let message = Message::Notification(Notification::new(method, params));
        let out = OutboundMessage::new(message.to_vec(), self.current_route());
        self.inner.outbound.try_send(out).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => NotifyError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => NotifyError::Closed,
        })
    }

    pub(crate) async fn notify_unchecked(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
    ) -> Result<(), NotifyError> {
        let params = self
            .hooked_params(method, params)
            .map_err(NotifyError::Serialize)?;
        let message = Message::Notification(Notification::new(method, params));
        self.send(&message).await.map_err(|_| NotifyError::Closed)
    }

    /// Whether this peer may send what needs an operating session: its session is past
    /// `initialize`, or it answers a modern request (which needs none, and may come
    /// before any `initialize` in a dual-era session).
    fn operating(&self, info: &SessionInfo<R>) -> bool {
        self.inner.phase() == Phase::Operating || info.protocol_version.is_modern()
    }

    fn check_notification(&self, method: &str) -> Result<(), NotifyError> {
        let utility = matches!(
            method,
            CancelledNotification::METHOD | ProgressNotification::METHOD
        );
        let Some(info) = self.session() else {
            return Err(NotifyError::NotInitialized(method.to_owned()));
        };
        if !self.operating(info) && !utility && method != "notifications/message" {
            return Err(NotifyError::NotInitialized(method.to_owned()));
        }
        match R::may_notify(
            method,
            &self.inner.own_capabilities,
            &info.peer_capabilities,
        ) {
            Support::Yes | Support::Unknown => Ok(()),
            Support::Missing(capability) => Err(NotifyError::CapabilityNotNegotiated {
                method: method.to_owned(),
                capability,
            }),
            Support::WrongDirection => Err(NotifyError::WrongDirection {
                method: method.to_owned(),
                role: R::NAME,
            }),
        }
    }

    /// Encodes and queues one message on this peer's route.
    pub(crate) async fn send(&self, message: &Message) -> Result<(), Closed> {
        send_on(&self.inner, message, self.current_route()).await
    }
}

/// A [`Peer`] that does not keep its session alive: shared registries hold these.
pub struct WeakPeer<R: Role> {
    inner: std::sync::Weak<Inner<R>>,
    id: u64,
}

impl<R: Role> Clone for WeakPeer<R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            id: self.id,
        }
    }
}

impl<R: Role> fmt::Debug for WeakPeer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakPeer")
            .field("session_id", &self.id)
            .finish()
    }
}

impl<R: Role> WeakPeer<R> {
    /// The session's id (see [`Peer::session_id`]).
    pub fn session_id(&self) -> u64 {
        self.id
    }

    /// The peer, if its session still exists and is not closed.
    pub fn upgrade(&self) -> Option<Peer<R>> {
        let inner = self.inner.upgrade()?;
        (!inner.closed.is_cancelled()).then(|| Peer::new(inner, Route::Unrelated))
    }
}

/// The session's outbound queue is gone.
#[derive(Debug)]
pub(crate) struct Closed;

pub(crate) async fn send_on<R: Role>(
    inner: &Inner<R>,
    message: &Message,
    route: Route,
) -> Result<(), Closed> {
    let out = OutboundMessage::new(message.to_vec(), route);
    // A full queue (a peer that stopped reading) must not keep a closing session waiting.
    tokio::select! {
        sent = inner.outbound.send(out) => sent.map_err(|_| Closed),
        () = inner.closed.cancelled() => Err(Closed),
    }
}

async fn next_progress(
    rx: &mut Option<mpsc::Receiver<ProgressNotificationParams>>,
) -> Option<ProgressNotificationParams> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Adds `_meta.progressToken` (the request id) to the params.
fn with_progress_token(
    params: Option<&RawValue>,
    id: &RequestId,
) -> Result<Box<RawValue>, RequestError> {
    let mut object: serde_json::Map<String, serde_json::Value> = match params {
        Some(raw) => serde_json::from_str(raw.get()).map_err(RequestError::Serialize)?,
        None => serde_json::Map::new(),
    };
    let meta = object
        .entry("_meta")
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    if let serde_json::Value::Object(meta) = meta {
        meta.insert(
            oxmcp_types::meta::PROGRESS_TOKEN_KEY.to_owned(),
            serde_json::json!(id),
        );
    }
    serde_json::value::to_raw_value(&object).map_err(RequestError::Serialize)
}

/// Cancels the request on the peer if the waiting future is dropped before it finished
/// (the caller gave up, for example with a `select!` or an abort).
struct PendingGuard<'a, R: Role> {
    peer: &'a Peer<R>,
    id: Option<RequestId>,
}

impl<R: Role> Drop for PendingGuard<'_, R> {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        if self.peer.inner.take_pending(&id).is_none() {
            return;
        }
        let reason = "the requester stopped waiting".to_owned();
        let Some(message) = self.peer.cancelled_message(id, reason) else {
            return;
        };
        let out = OutboundMessage::new(message.to_vec(), self.peer.current_route());
        let _ = self.peer.inner.outbound.try_send(out);
    }
}
