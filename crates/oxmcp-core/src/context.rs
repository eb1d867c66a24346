//! What a handler knows and can do while it answers one request.

use std::sync::Arc;

use oxmcp_types::methods::{LoggingMessageNotification, NotificationMethod, ProgressNotification};
use oxmcp_types::{
    LoggingLevel, LoggingMessageNotificationParams, ProgressNotificationParams, ProgressToken,
    ProtocolVersion, RequestId,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::error::NotifyError;
use crate::role::{Role, Server};
use crate::session::state::lock;
use crate::session::{Peer, RequestState, SessionInfo};
use crate::tasks::link::TaskLink;

/// The context of one incoming request: its id, the negotiated session, cancellation,
/// progress, logging, and a [`Peer`] whose messages are related to this request.
#[derive(Debug)]
pub struct RequestContext<R: Role> {
    id: RequestId,
    progress_token: Option<ProgressToken>,
    state: Arc<RequestState>,
    peer: Peer<R>,
    session: Arc<SessionInfo<R>>,
}

impl<R: Role> RequestContext<R> {
    pub(crate) fn new(
        id: RequestId,
        progress_token: Option<ProgressToken>,
        state: Arc<RequestState>,
        peer: Peer<R>,
        session: Arc<SessionInfo<R>>,
    ) -> Self {
        Self {
            id,
            progress_token,
            state,
            peer,
            session,
        }
    }

    /// The context of a task's work, derived from the context of the request that created
    /// the task: the same id, session and progress token, the task's state (its
    /// cancellation token), and a peer that sends for the task.
    pub(crate) fn for_task(&self, state: Arc<RequestState>, link: Arc<TaskLink>) -> Self {
        Self {
            id: self.id.clone(),
            progress_token: self.progress_token.clone(),
            state,
            peer: self.peer.for_task(link),
            session: self.session.clone(),
        }
    }

    /// A copy of this context (same id, state, peer and session), for work that outlives
    /// the borrow it was given in.
    pub(crate) fn duplicate(&self) -> Self {
        Self {
            id: self.id.clone(),
            progress_token: self.progress_token.clone(),
            state: self.state.clone(),
            peer: self.peer.clone(),
            session: self.session.clone(),
        }
    }

    /// The context of work without a connection (a task resumed after a restart), over a
    /// detached peer and its negotiated state.
    pub(crate) fn detached(
        id: RequestId,
        state: Arc<RequestState>,
        (peer, session): (Peer<R>, Arc<SessionInfo<R>>),
    ) -> Self {
        Self {
            id,
            progress_token: None,
            state,
            peer,
            session,
        }
    }

    /// The id of the request being handled.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The id of the task this context's work runs as, when the request was task-augmented
    /// and is being run by a [`TaskEngine`](crate::tasks::TaskEngine); `None` otherwise.
    pub fn task_id(&self) -> Option<&str> {
        self.peer.task_id()
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
    /// Sends a log message to the client (`notifications/message`) if the server declared
    /// `logging` and `level` is at least the level the client set (or the configured default
    /// before it set one). Returns whether it was sent.
    pub async fn log(
        &self,
        level: LoggingLevel,
        logger: Option<&str>,
        data: Value,
    ) -> Result<bool, NotifyError> {
        if level < self.inner.log_level() {
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
}

impl<R: Role> NotificationContext<R> {
    pub(crate) fn new(peer: Peer<R>) -> Self {
        Self { peer }
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
