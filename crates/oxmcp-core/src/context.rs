//! What a handler knows and can do while it answers one request.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use oxmcp_types::methods::{LoggingMessageNotification, NotificationMethod, ProgressNotification};
use oxmcp_types::{
    LoggingLevel, LoggingMessageNotificationParams, ProgressNotificationParams, ProgressToken,
    ProtocolVersion, RequestId,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::error::NotifyError;
use crate::extensions::{Extensions, SessionExtensions};
use crate::principal::Principal;
use crate::role::{Role, Server};
use crate::session::state::lock;
use crate::session::{OutboundHook, Peer, RequestState, SessionInfo};

/// The context of one incoming request: its id, the negotiated session, its
/// [extensions](Self::extensions) (the caller's [`Principal`], the transport's view of the
/// request), cancellation, progress, logging, and a [`Peer`] whose messages are related to
/// this request.
///
/// Cloning it gives a second handle on the same request (same cancellation and progress),
/// for work the handler hands elsewhere.
#[derive(Debug)]
pub struct RequestContext<R: Role> {
    id: RequestId,
    progress_token: Option<ProgressToken>,
    state: Arc<RequestState>,
    peer: Peer<R>,
    session: Arc<SessionInfo<R>>,
    extensions: Extensions,
}

impl<R: Role> Clone for RequestContext<R> {
    fn clone(&self) -> Self {
        Self {
            id: self.id.clone(),
            progress_token: self.progress_token.clone(),
            state: self.state.clone(),
            peer: self.peer.clone(),
            session: self.session.clone(),
            extensions: self.extensions.clone(),
        }
    }
}

/// Marks the work of a [`RequestContext`] as over: progress reported through the context
/// afterwards is refused with [`NotifyError::RequestCompleted`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Completion {
    state: Arc<RequestState>,
}

impl Completion {
    /// The work is over.
    pub fn complete(&self) {
        self.state.completed.store(true, Ordering::Release);
    }

    /// Whether [`complete`](Self::complete) was called (or the engine answered the request).
    pub fn is_complete(&self) -> bool {
        self.state.completed.load(Ordering::Acquire)
    }
}

impl<R: Role> RequestContext<R> {
    pub(crate) fn new(
        id: RequestId,
        progress_token: Option<ProgressToken>,
        state: Arc<RequestState>,
        peer: Peer<R>,
        session: Arc<SessionInfo<R>>,
        extensions: Extensions,
    ) -> Self {
        Self {
            id,
            progress_token,
            state,
            peer,
            session,
            extensions,
        }
    }

    /// The context of work derived from this request's, that runs on after the request
    /// was answered (a task's work, for example): the same id, session, progress token and
    /// extensions, cancelled by `cancel` instead of the request's cancellation, and a peer
    /// that sends through `hook` when one is given (see [`OutboundHook`]).
    #[must_use]
    pub fn for_work(&self, cancel: CancellationToken, hook: Option<Arc<dyn OutboundHook>>) -> Self {
        let peer = match hook {
            Some(hook) => self.peer.with_hook(hook),
            None => self.peer.clone(),
        };
        Self {
            id: self.id.clone(),
            progress_token: self.progress_token.clone(),
            state: RequestState::new(cancel),
            peer,
            session: self.session.clone(),
            extensions: self.extensions.clone(),
        }
    }

    /// The context of work without a connection (a task resumed after a restart): a
    /// [detached](Peer::detached) peer, the latest version negotiated with a peer that
    /// declared nothing, no progress token, no extensions, cancelled by `cancel`.
    pub fn detached(id: RequestId, cancel: CancellationToken) -> Self
    where
        R::OwnCapabilities: Default,
        R::PeerCapabilities: Default,
    {
        let (peer, session) = Peer::detached();
        Self::new(
            id,
            None,
            RequestState::new(cancel),
            peer,
            session,
            Extensions::new(),
        )
    }

    /// This context with `peer` as its peer (for example [`Peer::with_hook`] of its own).
    #[must_use]
    pub fn with_peer(mut self, peer: Peer<R>) -> Self {
        self.peer = peer;
        self
    }

    /// The handle that marks this context's work as over (see [`Completion`]).
    pub fn completion(&self) -> Completion {
        Completion {
            state: self.state.clone(),
        }
    }

    /// The id of the request being handled.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The request's extensions: what the transport, the session and middleware attached
    /// to it (see [`crate::extensions`]).
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The request's extensions, to add to (middleware passing values on to handlers).
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// The session's extensions (see [`Peer::session_extensions`]).
    pub fn session_extensions(&self) -> &SessionExtensions {
        self.peer.session_extensions()
    }

    /// Who is calling: the [`Principal`] the transport authenticated for this request, else
    /// the one the session was started with; `None` when nobody authenticated the caller.
    pub fn principal(&self) -> Option<Arc<Principal>> {
        self.extensions
            .get_arc::<Principal>()
            .or_else(|| self.session_extensions().get::<Principal>())
    }

    /// What was negotiated.
    pub fn session(&self) -> &Arc<SessionInfo<R>> {
        &self.session
    }

    /// The negotiated protocol version.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.session.protocol_version
    }

    /// What the peer declared.
    pub fn peer_capabilities(&self) -> &R::PeerCapabilities {
        &self.session.peer_capabilities
    }

    /// What this side declared.
    pub fn own_capabilities(&self) -> &R::OwnCapabilities {
        &self.peer.inner.own_capabilities
    }

    /// Sends requests and notifications to the peer, related to this request.
    pub fn peer(&self) -> &Peer<R> {
        &self.peer
    }

    /// Cancelled when the peer cancels this request or the session ends.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.state.cancel
    }

    /// Whether the request was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.state.cancel.is_cancelled()
    }

    /// The progress token the peer sent, if it asked for progress.
    pub fn progress_token(&self) -> Option<&ProgressToken> {
        self.progress_token.as_ref()
    }

    /// Reports progress, if the peer asked for it (otherwise does nothing and returns
    /// `Ok(false)`). `progress` must increase with every call; a value that does not is
    /// refused with [`NotifyError::ProgressNotIncreasing`]. After the request completed,
    /// [`NotifyError::RequestCompleted`].
    pub async fn progress(
        &self,
        progress: f64,
        total: Option<f64>,
        message: Option<String>,
    ) -> Result<bool, NotifyError> {
        let Some(token) = &self.progress_token else {
            return Ok(false);
        };
        if !self.state.is_active() {
            return Err(NotifyError::RequestCompleted);
        }
        {
            let mut last = lock(&self.state.last_progress);
            if let Some(previous) = *last
                && progress <= previous
            {
                return Err(NotifyError::ProgressNotIncreasing {
                    previous,
                    new: progress,
                });
            }
            *last = Some(progress);
        }
        // `message` arrived in 2025-03-26.
        let message = message.filter(|_| self.protocol_version() >= ProtocolVersion::V2025_03_26);
        let params = ProgressNotificationParams::new(token.clone(), progress, total, message);
        let raw = serde_json::value::to_raw_value(&params).map_err(NotifyError::Serialize)?;
        self.peer
            .notify_unchecked(ProgressNotification::METHOD, Some(raw))
            .await
            .map(|()| true)
    }
}

impl RequestContext<Server> {
    /// Sends a log message to the client (`notifications/message`) if the server declared
    /// `logging` and `level` is at least the level the client set. Returns whether it was sent.
    pub async fn log(
        &self,
        level: LoggingLevel,
        logger: Option<&str>,
        data: Value,
    ) -> Result<bool, NotifyError> {
        self.peer.log(level, logger, data).await
    }
}

impl Peer<Server> {
    /// The level a log message must reach to go to the client: the session's (set by
    /// `logging/setLevel`, the configured default before that), or in the 2026-07-28
    /// revision the request's own, `None` when the request set none. A proxy reads it to
    /// filter what it forwards and to pass the client's choice on.
    pub fn log_level(&self) -> Option<LoggingLevel> {
        match self.session() {
            Some(info) if info.protocol_version.is_modern() => info.log_level,
            _ => Some(self.inner.log_level()),
        }
    }

    /// Whether a log message at `level` goes to the client (see [`Peer::log_level`]).
    pub fn logs_at(&self, level: LoggingLevel) -> bool {
        self.log_level().is_some_and(|min| level >= min)
    }

    /// Sends a log message to the client (`notifications/message`) if the server declared
    /// `logging` and `level` is at least the level the client set (or the configured default
    /// before it set one). In the 2026-07-28 revision the level is the request's own (its
    /// `_meta` `logLevel`), and a request that set none gets no log messages. Returns
    /// whether it was sent.
    pub async fn log(
        &self,
        level: LoggingLevel,
        logger: Option<&str>,
        data: Value,
    ) -> Result<bool, NotifyError> {
        if !self.logs_at(level) {
            return Ok(false);
        }
        let params = LoggingMessageNotificationParams::new(level, logger.map(str::to_owned), data);
        self.notify::<LoggingMessageNotification>(&params)
            .await
            .map(|()| true)
    }
}

/// The context of one incoming notification.
#[derive(Debug)]
pub struct NotificationContext<R: Role> {
    peer: Peer<R>,
    extensions: Extensions,
}

impl<R: Role> NotificationContext<R> {
    pub(crate) fn new(peer: Peer<R>, extensions: Extensions) -> Self {
        Self { peer, extensions }
    }

    /// The notification's extensions (see [`RequestContext::extensions`]).
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The notification's extensions, to add to.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// Who sent it (see [`RequestContext::principal`]).
    pub fn principal(&self) -> Option<Arc<Principal>> {
        self.extensions
            .get_arc::<Principal>()
            .or_else(|| self.peer.session_extensions().get::<Principal>())
    }

    /// What was negotiated, if the session is initialized.
    pub fn session(&self) -> Option<&Arc<SessionInfo<R>>> {
        self.peer.session()
    }

    /// Sends requests and notifications to the peer.
    pub fn peer(&self) -> &Peer<R> {
        &self.peer
    }
}
