//! `subscriptions/listen` (2026-07-28): a request that stays open and carries the change
//! notifications its client asked for, in place of the GET stream and
//! `resources/subscribe`.
//!
//! The handler acknowledges first (`notifications/subscriptions/acknowledged`, with the
//! part of the client's filter this server honours), then sends each change the filter
//! names as it happens, every message tagged with the subscription's id (the request's id,
//! in `_meta` under `io.modelcontextprotocol/subscriptionId`). It runs until the client
//! cancels the request (over HTTP: closes the stream), or the server ends the stream with
//! [`McpServer::end_subscriptions`], which answers it with a result.

use oxmcp_types::methods::{
    NotificationMethod, PromptListChangedNotification, ResourceListChangedNotification,
    ResourceUpdatedNotification, SubscriptionsAcknowledgedNotification,
    ToolListChangedNotification,
};
use oxmcp_types::modern::subscriptions::subscription_meta;
use oxmcp_types::modern::{
    SubscriptionFilter, SubscriptionsAcknowledgedNotificationParams,
    SubscriptionsListenRequestParams, SubscriptionsListenResult,
};
use oxmcp_types::{ErrorData, RequestId};
use serde_json::json;

use super::McpServer;
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest, to_result};
use crate::role::Server;
use crate::server::listen::{Change, TooMany};

impl McpServer {
    /// Ends every open `subscriptions/listen` stream gracefully: each is answered with a
    /// result (`resultType: "complete"`, its subscription id in `_meta`), which tells its
    /// client the end was no transport failure. For a server that stops serving. Returns
    /// how many streams were ended.
    pub fn end_subscriptions(&self) -> usize {
        self.shared.listeners.end_all()
    }

    /// How many `subscriptions/listen` streams are open.
    pub fn listen_stream_count(&self) -> usize {
        self.shared.listeners.len()
    }

    /// The part of `requested` this server honours: the list changes of what it declares
    /// (with `listChanged`), and resource updates when it declares `resources.subscribe`,
    /// for at most [`max_subscriptions_per_session`](super::McpServerBuilder::max_subscriptions_per_session)
    /// distinct URIs (the first ones asked for). Extension members are not honoured.
    pub(super) fn acknowledged(&self, requested: &SubscriptionFilter) -> SubscriptionFilter {
        let caps = self.capabilities();
        let flag = |declared: Option<bool>| (declared == Some(true)).then_some(true);
        let resources = caps.resources.as_ref();
        let mut offered = SubscriptionFilter::default();
        offered.tools_list_changed = flag(caps.tools.as_ref().and_then(|t| t.list_changed));
        offered.prompts_list_changed = flag(caps.prompts.as_ref().and_then(|p| p.list_changed));
        offered.resources_list_changed = flag(resources.and_then(|r| r.list_changed));
        if resources.and_then(|r| r.subscribe) == Some(true) {
            let mut uris: Vec<String> = Vec::new();
            for uri in requested.resource_subscriptions.iter().flatten() {
                if uris.len() >= self.shared.options.max_subscriptions {
                    break;
                }
                if !uris.contains(uri) {
                    uris.push(uri.clone());
                }
            }
            offered.resource_subscriptions = Some(uris);
        }
        let mut honoured = requested.intersect(&offered);
        // The distinct URIs, in the order asked for, within the limit.
        honoured.resource_subscriptions = offered.resource_subscriptions.filter(|u| !u.is_empty());
        honoured
    }

    /// `subscriptions/listen`: acknowledges, then carries the changes until cancelled.
    pub(super) async fn listen(
        &self,
        request: &IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let params: SubscriptionsListenRequestParams = request.params()?;
        let honoured = self.acknowledged(&params.notifications);
        let guard = self
            .shared
            .listeners
            .open(honoured.clone())
            .map_err(|TooMany { limit }| {
                ErrorData::internal_error(format!(
                    "too many subscriptions/listen streams are open (the limit is {limit})"
                ))
            })?;
        let id = cx.id().clone();
        let ack = SubscriptionsAcknowledgedNotificationParams::new(&id, honoured);
        send(
            &cx,
            SubscriptionsAcknowledgedNotification::METHOD,
            json!(ack),
        )
        .await?;
        loop {
            let due = guard.next().await;
            for change in due.changes {
                let (method, params) = notification(&id, change);
                send(&cx, method, params).await?;
            }
            if due.ended {
                return to_result(&SubscriptionsListenResult::new(&id));
            }
        }
    }
}

/// The notification of `change` on subscription `id`.
fn notification(id: &RequestId, change: Change) -> (&'static str, serde_json::Value) {
    let meta = subscription_meta(id);
    match change {
        Change::Tools => (
            ToolListChangedNotification::METHOD,
            json!({ "_meta": meta }),
        ),
        Change::Prompts => (
            PromptListChangedNotification::METHOD,
            json!({ "_meta": meta }),
        ),
        Change::Resources => (
            ResourceListChangedNotification::METHOD,
            json!({ "_meta": meta }),
        ),
        Change::Updated(uri) => (
            ResourceUpdatedNotification::METHOD,
            json!({ "uri": uri, "_meta": meta }),
        ),
    }
}

/// Sends one notification on the request's stream; an error ends the stream.
async fn send(
    cx: &RequestContext<Server>,
    method: &str,
    params: serde_json::Value,
) -> Result<(), ErrorData> {
    let raw = serde_json::value::to_raw_value(&params)
        .map_err(|e| ErrorData::internal_error(format!("{method}: {e}")))?;
    cx.peer()
        .notify_raw(method, Some(raw))
        .await
        .map_err(|e| ErrorData::internal_error(format!("{method} could not be sent: {e}")))
}
