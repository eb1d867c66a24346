//! The state a session shares between its tasks and its handles.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use oxmcp_types::{
    ErrorData, Implementation, InitializeRequestParams, LoggingLevel, ProgressNotificationParams,
    RequestId,
};
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::SessionInfo;
use super::driver::Life;
use super::notifications::Notifications;
use super::outbound::{ChannelWriter, Control, DynWriter, Outbound};
use super::source::ContextSource;
use crate::config::SessionConfig;
use crate::extensions::{Extensions, SessionExtensions};
use crate::handler::{DynHandler, IncomingNotification};
use crate::role::Role;
use crate::transport::OutboundMessage;

/// Where a session is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum Phase {
    /// Nothing negotiated yet.
    New = 0,
    /// `initialize` answered (server) or sent (client); `notifications/initialized` pending.
    Initializing = 1,
    /// Fully initialized.
    Operating = 2,
}

/// An outgoing request waiting for its answer.
pub(crate) struct Pending {
    pub(crate) answer: oneshot::Sender<Result<Box<RawValue>, ErrorData>>,
    pub(crate) progress: Option<mpsc::Sender<ProgressNotificationParams>>,
}

/// Why an outgoing request could not wait for its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotPending {
    /// The session can no longer receive answers.
    Closed,
    /// As many requests as allowed already wait.
    Full { limit: usize },
}

/// One of the peer's requests while it runs.
#[derive(Debug)]
pub(crate) struct RequestState {
    pub(crate) cancel: CancellationToken,
    pub(crate) completed: AtomicBool,
    /// The last progress value sent for this request.
    pub(crate) last_progress: Mutex<Option<f64>>,
}

impl RequestState {
    pub(crate) fn new(cancel: CancellationToken) -> Arc<Self> {
        Arc::new(Self {
            cancel,
            completed: AtomicBool::new(false),
            last_progress: Mutex::new(None),
        })
    }

    pub(crate) fn is_active(&self) -> bool {
        !self.completed.load(Ordering::Acquire) && !self.cancel.is_cancelled()
    }
}

/// Everything a session's tasks and handles share.
pub(crate) struct Inner<R: Role> {
    /// Unique among the sessions of this process.
    pub(crate) id: u64,
    pub(crate) config: SessionConfig,
    pub(crate) own_info: Implementation,
    pub(crate) own_capabilities: R::OwnCapabilities,
    /// The server's instructions (server side only).
    pub(crate) instructions: Option<String>,
    pub(crate) info: OnceLock<Arc<SessionInfo<R>>>,
    phase: AtomicU8,
    next_id: AtomicI64,
    /// Outgoing requests waiting for answers; `None` once the session can no longer get any.
    pending: Mutex<Option<HashMap<RequestId, Pending>>>,
    pub(crate) in_flight: Mutex<HashMap<RequestId, Arc<RequestState>>>,
    /// The outbound queue and the transport's writer.
    pub(crate) outbound: Arc<Outbound>,
    /// The peer's notifications, waiting for in-order handling.
    pub(crate) notifications: Notifications,
    log_level: AtomicU8,
    /// Cancelled when the session ends, for whatever reason.
    pub(crate) closed: CancellationToken,
    pub(crate) handler: Arc<dyn DynHandler<R>>,
    /// Where requests get their negotiated state when it is not `initialize`.
    pub(crate) source: Option<Arc<dyn ContextSource<R>>>,
    /// Where a request that carries its own state in `_meta` (2026-07-28) gets it, in a
    /// session that otherwise negotiates in `initialize` (a dual-era server).
    pub(crate) per_request: Option<Arc<dyn ContextSource<R>>>,
    /// The session's extensions.
    pub(crate) extensions: SessionExtensions,
    /// How many values the session's extensions started with (see
    /// [`SessionHandle::is_reusable`](super::SessionHandle::is_reusable)).
    pub(crate) initial_extensions: usize,
    /// Set when this side's requests are shaped and retried by an era of the protocol that
    /// is not the handshake's (a 2026-07-28 client: `_meta` on each request, multi
    /// round-trip requests).
    pub(crate) exchange: OnceLock<Arc<dyn super::Exchange<R>>>,
    /// Called with each of the peer's notifications, before its handler.
    taps: Mutex<Vec<NotificationTap>>,
    /// The requests running, and the frames being handed over by a pushing transport.
    pub(crate) tasks: TaskTracker,
    /// Why the session ended, and who waits for it (shared with its handles).
    pub(crate) life: Arc<Life>,
    /// Where tasks started from synchronous code run.
    pub(crate) runtime: Option<tokio::runtime::Handle>,
    /// What the ids of this side's requests start with, if anything (see
    /// [`Transport::request_id_prefix`](crate::transport::Transport::request_id_prefix)).
    id_prefix: OnceLock<Arc<str>>,
    /// The transport pushes its frames (no reader task).
    push: AtomicBool,
    /// Requests run in the task that pushed them (see
    /// [`Transport::runs_requests_inline`](crate::transport::Transport::runs_requests_inline)).
    inline: AtomicBool,
    /// A pushing transport's input has ended.
    input_ended: AtomicBool,
}

/// Sees each notification of the peer (see [`Peer::tap_notifications`](super::Peer::tap_notifications)).
pub(crate) type NotificationTap = Arc<dyn Fn(&IncomingNotification) + Send + Sync>;

/// The logging levels, least severe first.
const LEVELS: [LoggingLevel; 8] = [
    LoggingLevel::Debug,
    LoggingLevel::Info,
    LoggingLevel::Notice,
    LoggingLevel::Warning,
    LoggingLevel::Error,
    LoggingLevel::Critical,
    LoggingLevel::Alert,
    LoggingLevel::Emergency,
];

fn level_index(level: LoggingLevel) -> u8 {
    LEVELS
        .iter()
        .position(|l| *l == level)
        .map_or(0, |i| i as u8)
}

/// Locks a mutex whose data stays consistent even if a holder panicked (every critical
/// section here is a single map operation).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) struct InnerParts<R: Role> {
    pub(crate) config: SessionConfig,
    pub(crate) own_info: Implementation,
    pub(crate) own_capabilities: R::OwnCapabilities,
    pub(crate) instructions: Option<String>,
    pub(crate) handler: Arc<dyn DynHandler<R>>,
    pub(crate) source: Option<Arc<dyn ContextSource<R>>>,
    pub(crate) extensions: Extensions,
}

impl<R: Role> Inner<R> {
    /// A session whose outgoing messages go to `outbound` (the other end of the channel
    /// reads them).
    pub(crate) fn new(parts: InnerParts<R>, outbound: mpsc::Sender<OutboundMessage>) -> Arc<Self> {
        Self::with_writer(parts, Box::new(ChannelWriter::new(outbound)))
    }

    /// A session whose outgoing messages go to `writer`.
    pub(crate) fn with_writer(parts: InnerParts<R>, writer: Box<dyn DynWriter>) -> Arc<Self> {
        let level = parts.config.default_log_level;
        static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);
        let closed = CancellationToken::new();
        // A session with a context source handles requests from the start.
        let (phase, info) = match &parts.source {
            Some(source) => (Phase::Operating, source.session()),
            None => (Phase::New, None),
        };
        let info = info.map_or_else(OnceLock::new, OnceLock::from);
        let limits = (parts.config.outbound_queue, parts.config.max_outbound_bytes);
        let per_request = (parts.source.is_none() && parts.config.modern_requests)
            .then(R::per_request_source)
            .flatten();
        Arc::new_cyclic(|me: &Weak<Self>| {
            let control: Weak<dyn Control> = me.clone();
            let outbound = Outbound::new(writer, limits, closed.clone(), control);
            Self {
                id: NEXT_SESSION.fetch_add(1, Ordering::Relaxed),
                notifications: Notifications::new(parts.config.notification_queue),
                config: parts.config,
                own_info: parts.own_info,
                own_capabilities: parts.own_capabilities,
                instructions: parts.instructions,
                info,
                phase: AtomicU8::new(phase as u8),
                next_id: AtomicI64::new(0),
                pending: Mutex::new(Some(HashMap::new())),
                in_flight: Mutex::new(HashMap::new()),
                outbound,
                log_level: AtomicU8::new(level_index(level)),
                life: Life::new(closed.clone()),
                closed,
                handler: parts.handler,
                per_request,
                source: parts.source,
                initial_extensions: parts.extensions.len(),
                extensions: SessionExtensions::with(parts.extensions),
                exchange: OnceLock::new(),
                taps: Mutex::new(Vec::new()),
                tasks: TaskTracker::new(),
                runtime: tokio::runtime::Handle::try_current().ok(),
                id_prefix: OnceLock::new(),
                push: AtomicBool::new(false),
                inline: AtomicBool::new(false),
                input_ended: AtomicBool::new(false),
            }
        })
    }

    pub(crate) fn add_tap(&self, tap: NotificationTap) {
        lock(&self.taps).push(tap);
    }

    /// Shows `notification` to the taps (outside the lock: a tap may add another).
    pub(crate) fn run_taps(&self, notification: &IncomingNotification) {
        let taps = {
            let taps = lock(&self.taps);
            if taps.is_empty() {
                return;
            }
            taps.clone()
        };
        for tap in taps {
            tap(notification);
        }
    }

    pub(crate) fn set_push(&self, push: bool) {
        self.push.store(push, Ordering::Release);
    }

    /// Whether the transport pushes its frames.
    pub(crate) fn is_push(&self) -> bool {
        self.push.load(Ordering::Acquire)
    }

    pub(crate) fn set_inline(&self, inline: bool) {
        self.inline.store(inline, Ordering::Release);
    }

    /// Whether requests run in the task that pushed them: only when the transport asks
    /// for it and pushes its frames.
    pub(crate) fn runs_inline(&self) -> bool {
        self.inline.load(Ordering::Acquire) && self.is_push()
    }

    /// Marks a pushing transport's input as ended; true the first time.
    pub(crate) fn take_input_end(&self) -> bool {
        !self.input_ended.swap(true, Ordering::AcqRel)
    }

    /// Whether a pushing transport's input has ended.
    pub(crate) fn input_ended(&self) -> bool {
        self.input_ended.load(Ordering::Acquire)
    }

    pub(crate) fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            0 => Phase::New,
            1 => Phase::Initializing,
            _ => Phase::Operating,
        }
    }

    pub(crate) fn set_phase(&self, phase: Phase) {
        self.phase.fetch_max(phase as u8, Ordering::AcqRel);
    }

    /// Puts a new session in the state answering `params` would have left it in, fully
    /// initialized (see [`Negotiated::initialized`](crate::transport::Negotiated::initialized)).
    /// Does nothing when the role answers no `initialize` or the session is past `New`.
    pub(crate) fn restore(&self, params: &InitializeRequestParams) {
        let Some((_, info)) = R::answer_initialize(
            &self.own_info,
            &self.own_capabilities,
            self.instructions.as_deref(),
            params.clone(),
        ) else {
            return;
        };
        if self.begin_initialize() {
            let _ = self.info.set(info);
            self.set_phase(Phase::Operating);
        }
    }

    /// Moves from `New` to `Initializing`; false if the session was past `New`.
    pub(crate) fn begin_initialize(&self) -> bool {
        self.phase
            .compare_exchange(
                Phase::New as u8,
                Phase::Initializing as u8,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    pub(crate) fn next_request_id(&self) -> RequestId {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        match self.id_prefix.get() {
            None => RequestId::Number(n),
            Some(prefix) => RequestId::String(format!("{prefix}{n}").into()),
        }
    }

    /// Makes the ids of this side's requests strings starting with `prefix`.
    pub(crate) fn set_id_prefix(&self, prefix: Arc<str>) {
        let _ = self.id_prefix.set(prefix);
    }

    pub(crate) fn log_level(&self) -> LoggingLevel {
        LEVELS[usize::from(self.log_level.load(Ordering::Relaxed)).min(LEVELS.len() - 1)]
    }

    pub(crate) fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(level_index(level), Ordering::Relaxed);
    }

    /// The session is closing: cancels `closed` and every request of the peer still running
    /// (their tokens are not children of `closed`, which would cost a lock on `closed` for
    /// every request). A request admitted afterwards is refused (see `admit`).
    pub(crate) fn close_now(&self) {
        self.closed.cancel();
        self.cancel_in_flight();
    }

    /// Cancels every request of the peer still running.
    pub(crate) fn cancel_in_flight(&self) {
        for state in lock(&self.in_flight).values() {
            state.cancel.cancel();
        }
    }

    /// Fails every outgoing request still waiting, and every later one at once: the session
    /// can no longer receive answers.
    pub(crate) fn fail_pending(&self) {
        let pending = lock(&self.pending).take();
        drop(pending);
    }

    /// Registers an outgoing request, unless the session can no longer get answers or as
    /// many requests as allowed already wait.
    pub(crate) fn add_pending(&self, id: RequestId, pending: Pending) -> Result<(), NotPending> {
        let mut pending_map = lock(&self.pending);
        let Some(map) = pending_map.as_mut() else {
            return Err(NotPending::Closed);
        };
        let limit = self.config.max_outgoing_requests;
        if map.len() >= limit {
            return Err(NotPending::Full { limit });
        }
        map.insert(id, pending);
        Ok(())
    }

    /// Forgets an outgoing request, returning it if it was still waiting.
    pub(crate) fn take_pending(&self, id: &RequestId) -> Option<Pending> {
        lock(&self.pending).as_mut()?.remove(id)
    }

    /// Where progress for the outgoing request `id` goes, if it asked for progress.
    pub(crate) fn progress_sink(
        &self,
        id: &RequestId,
    ) -> Option<mpsc::Sender<ProgressNotificationParams>> {
        lock(&self.pending).as_ref()?.get(id)?.progress.clone()
    }
}
