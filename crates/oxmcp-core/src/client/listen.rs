//! `subscriptions/listen` behind the client's notification streams (2026-07-28): a modern
//! session keeps one listen request open for the list changes the server declares and the
//! resources the host subscribed to, so that [`ServerNotifications`](super::ServerNotifications)
//! gets `notifications/tools/list_changed`, `notifications/resources/updated` and the rest
//! as a legacy session's stream gives them. `resources/subscribe` and
//! `resources/unsubscribe` change the filter: a new listen request is opened and, once the
//! server acknowledged it, the old one is cancelled: no change is missed in between. Only
//! the notifications of the last acknowledged listen request reach the streams (they are
//! told apart by their `io.modelcontextprotocol/subscriptionId`), so none comes twice and
//! none comes for a resource unsubscribed from.

use std::time::Duration;

use oxmcp_types::Meta;
use oxmcp_types::modern::meta::{SUBSCRIPTION_ID_KEY, subscription_id};
use oxmcp_types::modern::{SubscriptionFilter, SubscriptionsAcknowledgedNotificationParams};
use oxmcp_types::{JsonObject, RequestId, ServerCapabilities};
use serde_json::value::RawValue;
use tokio::sync::{Mutex, oneshot, watch};
use tokio_util::sync::CancellationToken;

use crate::error::RequestError;
use crate::handler::IncomingNotification;
use crate::role::Client;
use crate::session::state::lock;
use crate::session::{Peer, RequestOptions};

/// The `subscriptions/listen` method.
const LISTEN: &str = "subscriptions/listen";
/// The notification acknowledging a listen request.
const ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
/// A listen request stays open until cancelled: its timeout is far away.
const FOREVER: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// An acknowledgment: the subscription's id and what the server agreed to send.
type Ack = Option<(RequestId, SubscriptionFilter)>;

/// The session's listen request.
pub(crate) struct Listener {
    state: Mutex<State>,
    /// The subscription whose notifications are delivered (the last acknowledged).
    current: std::sync::Mutex<Option<RequestId>>,
    acks: watch::Sender<Ack>,
    ack_timeout: Duration,
}

#[derive(Default)]
struct State {
    filter: SubscriptionFilter,
    running: Option<CancellationToken>,
    tapped: bool,
}

impl Listener {
    /// A listener that waits `ack_timeout` for each acknowledgment.
    pub(crate) fn new(ack_timeout: Duration) -> Self {
        Self {
            state: Mutex::new(State::default()),
            current: std::sync::Mutex::new(None),
            acks: watch::channel(None).0,
            ack_timeout,
        }
    }

    /// Opens the listen request for the list changes `server` declares, if any.
    pub(crate) async fn start(
        &self,
        peer: &Peer<Client>,
        server: &ServerCapabilities,
        open: impl FnOnce(&SubscriptionFilter, CancellationToken) -> Result<Failed, RequestError>,
    ) -> Result<(), RequestError> {
        let mut filter = SubscriptionFilter::default();
        let declared = |c: Option<bool>| c == Some(true);
        if declared(server.tools.as_ref().and_then(|t| t.list_changed)) {
            filter = filter.with_tools_list_changed();
        }
        if declared(server.prompts.as_ref().and_then(|p| p.list_changed)) {
            filter = filter.with_prompts_list_changed();
        }
        if declared(server.resources.as_ref().and_then(|r| r.list_changed)) {
            filter = filter.with_resources_list_changed();
        }
        self.change(peer, open, |f| *f = filter).await.map(drop)
    }

    /// Changes the filter with `edit` and has `open` send a listen request for it (none for
    /// an empty filter) until its token is cancelled; returns what the server acknowledged.
    pub(crate) async fn change(
        &self,
        peer: &Peer<Client>,
        open: impl FnOnce(&SubscriptionFilter, CancellationToken) -> Result<Failed, RequestError>,
        edit: impl FnOnce(&mut SubscriptionFilter),
    ) -> Result<SubscriptionFilter, RequestError> {
        let mut state = self.state.lock().await;
        if !state.tapped {
            state.tapped = true;
            let acks = self.acks.clone();
            peer.tap_notifications(move |n| {
                if n.method == ACKNOWLEDGED
                    && let Ok(ack) = n.params::<SubscriptionsAcknowledgedNotificationParams>()
                    && let Some(id) = ack.meta.as_ref().and_then(subscription_id)
                {
                    acks.send_replace(Some((id, ack.notifications)));
                }
            });
        }
        let mut filter = state.filter.clone();
        edit(&mut filter);
        let previous = state.running.take();
        let acknowledged = if is_empty(&filter) {
            SubscriptionFilter::default()
        } else {
            let cancel = CancellationToken::new();
            let mut acks = self.acks.subscribe();
            acks.mark_unchanged();
            let acknowledged = match open(&filter, cancel.clone()) {
                Ok(mut failed) => {
                    let ack = async {
                        tokio::select! {
                            changed = acks.changed() => changed.map_err(|_| RequestError::Closed),
                            failure = &mut failed => Err(failure.unwrap_or(RequestError::Closed)),
                        }
                    };
                    tokio::time::timeout(self.ack_timeout, ack)
                        .await
                        .unwrap_or(Err(RequestError::Timeout(self.ack_timeout)))
                }
                Err(e) => Err(e),
            };
            if let Err(e) = acknowledged {
                cancel.cancel();
                state.running = previous;
                return Err(e);
            }
            state.running = Some(cancel);
            let ack = acks.borrow().clone();
            let (id, acknowledged) = ack.unzip();
            *lock(&self.current) = id;
            acknowledged.unwrap_or_default()
        };
        if is_empty(&filter) {
            *lock(&self.current) = None;
        }
        if let Some(previous) = previous {
            previous.cancel();
        }
        state.filter = filter;
        Ok(acknowledged)
    }
}

impl Listener {
    /// Whether a notification is delivered: acknowledgments and notifications outside any
    /// subscription are, those of a subscription only while it is the current one.
    pub(crate) fn accepts(&self, notification: &IncomingNotification) -> bool {
        #[derive(serde::Deserialize)]
        struct MetaOnly {
            #[serde(rename = "_meta", default)]
            meta: Option<Meta>,
        }
        if notification.method == ACKNOWLEDGED {
            return true;
        }
        let tagged = notification
            .params
            .as_deref()
            .filter(|p| p.get().contains(SUBSCRIPTION_ID_KEY))
            .and_then(|p| serde_json::from_str::<MetaOnly>(p.get()).ok())
            .and_then(|p| p.meta)
            .and_then(|m| subscription_id(&m));
        match tagged {
            None => true,
            Some(id) => lock(&self.current).as_ref() == Some(&id),
        }
    }
}

fn is_empty(filter: &SubscriptionFilter) -> bool {
    filter.tools_list_changed != Some(true)
        && filter.prompts_list_changed != Some(true)
        && filter.resources_list_changed != Some(true)
        && filter
            .resource_subscriptions
            .as_ref()
            .is_none_or(Vec::is_empty)
        && filter.extra.is_empty()
}

/// The params of a listen request for `filter`, before the era's `_meta` is added.
pub(crate) fn listen_params(filter: &SubscriptionFilter) -> Result<JsonObject, RequestError> {
    let value = serde_json::to_value(filter).map_err(RequestError::Serialize)?;
    let mut params = JsonObject::new();
    params.insert("notifications".to_owned(), value);
    Ok(params)
}

/// Where a listen request that fails (before or after its acknowledgment) says why.
pub(crate) type Failed = oneshot::Receiver<RequestError>;

/// Sends one listen request and waits for its end (cancelled, the server's closing
/// result, or the session's end); an error goes to `failed`.
pub(crate) async fn run(
    peer: Peer<Client>,
    params: Box<RawValue>,
    cancel: CancellationToken,
    failed: oneshot::Sender<RequestError>,
) {
    let options = RequestOptions::new()
        .timeout(FOREVER)
        .max_total_timeout(FOREVER)
        .cancel_on(cancel);
    match peer
        .send_request_unchecked(LISTEN, Some(params), options)
        .await
    {
        Ok(_) | Err(RequestError::Cancelled | RequestError::Closed) => {}
        Err(e) => {
            tracing::warn!(error = %e, "subscriptions/listen ended");
            let _ = failed.send(e);
        }
    }
}
