//! Message forwarding between a server session (facing a host) and a client session
//! (facing the real server, "upstream"): requests and their answers, progress,
//! cancellation, notifications, and the upstream server's requests to the host.

use std::sync::Arc;

use oxmcp_core::role::{Client, Server};
use oxmcp_core::{
    Handler, HandlerResult, IncomingNotification, IncomingRequest, NotificationContext, Peer,
    RequestContext, RequestError, RequestOptions, RunningClient,
};
use oxmcp_types::{ErrorData, LoggingLevel};
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use tokio::sync::{OnceCell, mpsc};

/// How the upstream client of a host session is obtained: connected once, on the first
/// request that needs it (so that it can declare the host's capabilities).
pub(crate) type Connector = Arc<
    dyn Fn(
            RequestContext<Server>,
        ) -> oxmcp_core::BoxFuture<'static, Result<RunningClient, ErrorData>>
        + Send
        + Sync,
>;

/// The host-facing handler: forwards what the host asks to the upstream server.
#[derive(Clone)]
pub(crate) struct ToUpstream {
    upstream: Arc<OnceCell<RunningClient>>,
    connect: Connector,
    /// When this host is the upstream session's only one: the log level last passed on to
    /// the upstream server (see [`ToUpstream::mirroring_log_level`]).
    mirror: Option<Arc<Mutex<Option<LoggingLevel>>>>,
}

impl std::fmt::Debug for ToUpstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToUpstream")
            .field("connected", &self.upstream.initialized())
            .finish_non_exhaustive()
    }
}

impl ToUpstream {
    /// Forwards to the client `connect` makes (once).
    pub(crate) fn new(connect: Connector) -> Self {
        Self {
            upstream: Arc::new(OnceCell::new()),
            connect,
            mirror: None,
        }
    }

    /// Forwards to `client`.
    pub(crate) fn to(client: RunningClient) -> Self {
        let upstream = Arc::new(OnceCell::new_with(Some(client)));
        let connect: Connector = Arc::new(|_cx| {
            Box::pin(async { Err(ErrorData::internal_error("the upstream session is gone")) })
        });
        Self {
            upstream,
            connect,
            mirror: None,
        }
    }

    /// Passes the host's log level (what it set with `logging/setLevel`, which the engine
    /// answers itself) on to the upstream server before each forwarded request, so that the
    /// upstream's own view of it (a tool that reports whether it logged, say) matches the
    /// host's. Only for an upstream session that serves this one host.
    pub(crate) fn mirroring_log_level(mut self) -> Self {
        self.mirror = Some(Arc::default());
        self
    }

    async fn client(&self, cx: &RequestContext<Server>) -> Result<&RunningClient, ErrorData> {
        self.upstream
            .get_or_try_init(|| (self.connect)(cx.clone()))
            .await
    }
}

impl Handler<Server> for ToUpstream {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let client = self.client(&cx).await?;
        if let Some(sent) = &self.mirror {
            mirror_log_level(client, cx.peer(), sent).await;
        }
        // While it runs, the upstream's notifications (log messages) go with this request.
        let related = cx
            .session_extensions()
            .get_or_insert_with(InFlight::default);
        let _entry = related.enter(cx.peer().clone());
        forward_request(client.peer(), request, &cx).await
    }

    async fn handle_notification(&self, n: IncomingNotification, _cx: NotificationContext<Server>) {
        // The engines keep lifecycle, progress and cancellation to themselves.
        if matches!(
            n.method.as_str(),
            "notifications/initialized" | "notifications/cancelled" | "notifications/progress"
        ) {
            return;
        }
        if let Some(client) = self.upstream.get()
            && let Err(e) = client.peer().notify_raw(&n.method, n.params).await
        {
            tracing::debug!(method = %n.method, error = %e, "a notification was not forwarded");
        }
    }
}

/// Sets the upstream server's log level to the host's, if it changed since it was last set.
async fn mirror_log_level(
    upstream: &RunningClient,
    host: &Peer<Server>,
    sent: &Mutex<Option<LoggingLevel>>,
) {
    if upstream.initialize_result().capabilities.logging.is_none() {
        return;
    }
    let Some(want) = host.log_level() else { return };
    if *lock(sent) == Some(want) {
        return;
    }
    match upstream.peer().set_logging_level(want).await {
        Ok(_) => *lock(sent) = Some(want),
        Err(e) => tracing::debug!(error = %e, "the host's log level was not passed on"),
    }
}

/// Sends `request` on `to` and returns its answer; progress goes back to the requester
/// with its own token, and cancelling the request cancels the forwarded one.
pub(crate) async fn forward_request<From: oxmcp_core::role::Role, To: oxmcp_core::role::Role>(
    to: &Peer<To>,
    request: IncomingRequest,
    cx: &RequestContext<From>,
) -> HandlerResult {
    let mut options = RequestOptions::new().cancel_on(cx.cancellation_token().clone());
    let mut params = request.params;
    let mut relay = None;
    if cx.progress_token().is_some() {
        params = without_progress_token(params)?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        options = options.on_progress(move |p| {
            let _ = tx.send(p);
        });
        let cx = cx.clone();
        relay = Some(tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                let _ = cx.progress(p.progress, p.total, p.message).await;
            }
        }));
    }
    let answer = to.request_raw(&request.method, params, options).await;
    if let Some(relay) = relay {
        relay.abort();
    }
    answer.map_err(|e| error_data(&e))
}

/// The error to give the requester for a failed forwarded request.
pub(crate) fn error_data(e: &RequestError) -> ErrorData {
    match e {
        RequestError::Remote(data) => data.clone(),
        other => ErrorData::internal_error(format!("the upstream request failed: {other}")),
    }
}

/// `params` without `_meta.progressToken` (the forwarding side asks for progress itself).
fn without_progress_token(
    params: Option<Box<RawValue>>,
) -> Result<Option<Box<RawValue>>, ErrorData> {
    let Some(raw) = params else { return Ok(None) };
    let mut value: Value =
        serde_json::from_str(raw.get()).map_err(|e| ErrorData::invalid_params(e.to_string()))?;
    if let Some(meta) = value.get_mut("_meta").and_then(Value::as_object_mut) {
        meta.remove("progressToken");
    }
    serde_json::value::to_raw_value(&value)
        .map(Some)
        .map_err(|e| ErrorData::internal_error(e.to_string()))
}

/// The host requests being forwarded, in the host session's extensions: while exactly one
/// is, the upstream's notifications are sent as related to it (on its response stream over
/// HTTP, before its answer); otherwise as unrelated ones.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    next: AtomicU64,
    peers: Mutex<Vec<(u64, Peer<Server>)>>,
}

impl InFlight {
    fn enter(self: &Arc<Self>, peer: Peer<Server>) -> Leave {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.peers).push((id, peer));
        Leave(self.clone(), id)
    }

    /// The related peer of the one request in flight, if there is exactly one.
    fn single(&self) -> Option<Peer<Server>> {
        match lock(&self.peers).as_slice() {
            [(_, peer)] => Some(peer.clone()),
            _ => None,
        }
    }
}

/// Takes a request out of [`InFlight`] when dropped.
struct Leave(Arc<InFlight>, u64);

impl Drop for Leave {
    fn drop(&mut self) {
        lock(&self.0.peers).retain(|(id, _)| *id != self.1);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The upstream-facing handler: forwards the upstream server's requests and notifications
/// to the host (when there is one host to ask).
#[derive(Debug, Clone, Default)]
pub(crate) struct ToHost {
    /// The host's session, once there is one; never set when several hosts share the
    /// upstream session (its requests are then refused, its notifications dropped).
    pub(crate) host: Arc<OnceLock<Peer<Server>>>,
}

impl Handler<Client> for ToHost {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Client>,
    ) -> HandlerResult {
        let Some(host) = self.host.get() else {
            return Err(ErrorData::method_not_found(&request.method));
        };
        forward_request(host, request, &cx).await
    }

    async fn handle_notification(
        &self,
        _n: IncomingNotification,
        _cx: NotificationContext<Client>,
    ) {
        // Forwarded by the tap `attach` puts on the upstream session, in arrival order.
    }
}

impl ToHost {
    /// Forwards `upstream`'s notifications to the host as they arrive, before any answer
    /// that came after them: on the reading side of the upstream session, where their order
    /// with the answers is still known (a handler would run later, on a task of its own).
    pub(crate) fn attach(&self, upstream: &RunningClient) {
        let host = self.host.clone();
        upstream.peer().tap_notifications(move |n| {
            if matches!(
                n.method.as_str(),
                "notifications/cancelled" | "notifications/progress"
            ) {
                return;
            }
            let Some(host) = host.get() else { return };
            if !host_wants(host, &n.method, n.params.as_deref()) {
                return;
            }
            let related = host.session_extensions().get::<InFlight>();
            let to = related
                .and_then(|r| r.single())
                .unwrap_or_else(|| host.clone());
            if let Err(e) = to.try_notify_raw(&n.method, n.params.clone()) {
                tracing::debug!(method = %n.method, error = %e, "a notification was not forwarded");
            }
        });
    }
}

/// Whether the host wants this notification: a log message below the level the host set
/// is not forwarded (the upstream server may log at a lower one: it serves other hosts too,
/// or has not been told the host's level yet).
fn host_wants(host: &Peer<Server>, method: &str, params: Option<&RawValue>) -> bool {
    #[derive(serde::Deserialize)]
    struct Level {
        level: LoggingLevel,
    }
    if method != "notifications/message" {
        return true;
    }
    match params.map(|p| serde_json::from_str::<Level>(p.get())) {
        Some(Ok(Level { level })) => host.logs_at(level),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_token_is_taken_out() {
        let raw = RawValue::from_string(r#"{"name":"x","_meta":{"progressToken":7,"k":1}}"#.into())
            .unwrap();
        let out = without_progress_token(Some(raw)).unwrap().unwrap();
        assert_eq!(out.get(), r#"{"_meta":{"k":1},"name":"x"}"#);
        assert!(without_progress_token(None).unwrap().is_none());
    }
}
