//! `subscriptions/listen`: one long-lived request whose response stream carries the
//! notifications a client opted in to; it replaces the HTTP GET stream and
//! `resources/subscribe`/`unsubscribe`.

use serde::{Deserialize, Serialize};

use super::meta::SUBSCRIPTION_ID_KEY;
use super::result::ResultType;
use crate::jsonrpc::RequestId;
use crate::meta::{JsonObject, Meta};

/// The notifications a client opts in to, or a server agrees to send
/// (`SubscriptionFilter`). Extensions add members (the tasks extension: `taskIds`);
/// they are kept in `extra`.
///
/// ```
/// use oxmcp_types::modern::SubscriptionFilter;
/// let f = SubscriptionFilter::default().with_tools_list_changed().with_resource("file:///a");
/// assert_eq!(
///     serde_json::to_string(&f).unwrap(),
///     r#"{"toolsListChanged":true,"resourceSubscriptions":["file:///a"]}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_list_changed: Option<bool>,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts_list_changed: Option<bool>,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_list_changed: Option<bool>,
    /// `notifications/resources/updated` for these URIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subscriptions: Option<Vec<String>>,
    /// Members of extensions, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionFilter {
    /// Opts in to tool list changes.
    #[must_use]
    pub fn with_tools_list_changed(mut self) -> Self {
        self.tools_list_changed = Some(true);
        self
    }

    /// Opts in to prompt list changes.
    #[must_use]
    pub fn with_prompts_list_changed(mut self) -> Self {
        self.prompts_list_changed = Some(true);
        self
    }

    /// Opts in to resource list changes.
    #[must_use]
    pub fn with_resources_list_changed(mut self) -> Self {
        self.resources_list_changed = Some(true);
        self
    }

    /// Subscribes to updates of one resource.
    #[must_use]
    pub fn with_resource(mut self, uri: impl Into<String>) -> Self {
        self.resource_subscriptions
            .get_or_insert_with(Vec::new)
            .push(uri.into());
        self
    }

    /// The subset of `self` that `offered` allows: flags both have, URIs both list,
    /// extension members `offered` has. A server acknowledges `requested.intersect(&own)`.
    #[must_use]
    pub fn intersect(&self, offered: &Self) -> Self {
        let both =
            |a: Option<bool>, b: Option<bool>| (a == Some(true) && b == Some(true)).then_some(true);
        let uris = match (
            &self.resource_subscriptions,
            &offered.resource_subscriptions,
        ) {
            (Some(a), Some(b)) => Some(a.iter().filter(|u| b.contains(u)).cloned().collect()),
            _ => None,
        };
        Self {
            tools_list_changed: both(self.tools_list_changed, offered.tools_list_changed),
            prompts_list_changed: both(self.prompts_list_changed, offered.prompts_list_changed),
            resources_list_changed: both(
                self.resources_list_changed,
                offered.resources_list_changed,
            ),
            resource_subscriptions: uris,
            extra: self
                .extra
                .iter()
                .filter(|(k, _)| offered.extra.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// Params of `subscriptions/listen` (`SubscriptionsListenRequestParams`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscriptionsListenRequestParams {
    /// What the client opts in to.
    pub notifications: SubscriptionFilter,
    /// Metadata (the modern request `_meta`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionsListenRequestParams {
    /// Params opting in to `notifications`.
    pub fn new(notifications: SubscriptionFilter) -> Self {
        Self {
            notifications,
            ..Self::default()
        }
    }
}

/// Params of `notifications/subscriptions/acknowledged`
/// (`SubscriptionsAcknowledgedNotificationParams`): what the server agreed to send. The
/// first message of a subscription; its `_meta` names the subscription.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscriptionsAcknowledgedNotificationParams {
    /// The honoured subset of the request's filter.
    pub notifications: SubscriptionFilter,
    /// Metadata (`subscriptionId`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionsAcknowledgedNotificationParams {
    /// The acknowledgement of subscription `id` (the `subscriptions/listen` request id).
    pub fn new(id: &RequestId, notifications: SubscriptionFilter) -> Self {
        Self {
            notifications,
            meta: Some(subscription_meta(id)),
            extra: JsonObject::new(),
        }
    }
}

/// The result that ends a subscription gracefully (`SubscriptionsListenResult`); its
/// `_meta` names the subscription.
///
/// ```
/// use oxmcp_types::modern::SubscriptionsListenResult;
/// use oxmcp_types::RequestId;
/// let r = SubscriptionsListenResult::new(&RequestId::from(4));
/// assert_eq!(
///     serde_json::to_string(&r).unwrap(),
///     r#"{"resultType":"complete","_meta":{"io.modelcontextprotocol/subscriptionId":4}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionsListenResult {
    /// Always `complete`.
    pub result_type: ResultType,
    /// Metadata: `subscriptionId` (required) and `serverInfo`.
    #[serde(rename = "_meta")]
    pub meta: Meta,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionsListenResult {
    /// The end of subscription `id`.
    pub fn new(id: &RequestId) -> Self {
        Self {
            result_type: ResultType::Complete,
            meta: subscription_meta(id),
            extra: JsonObject::new(),
        }
    }
}

/// A `_meta` object naming subscription `id`.
pub fn subscription_meta(id: &RequestId) -> Meta {
    let mut meta = Meta::new();
    meta.insert(
        SUBSCRIPTION_ID_KEY.to_owned(),
        serde_json::to_value(id).unwrap_or_default(),
    );
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acknowledged_filter_is_the_intersection() {
        let mut asked = SubscriptionFilter::default()
            .with_tools_list_changed()
            .with_prompts_list_changed()
            .with_resource("file:///a")
            .with_resource("file:///b");
        asked
            .extra
            .insert("taskIds".into(), serde_json::json!(["t1"]));
        let own = SubscriptionFilter::default()
            .with_tools_list_changed()
            .with_resource("file:///b");
        let ack = asked.intersect(&own);
        assert_eq!(ack.tools_list_changed, Some(true));
        assert_eq!(ack.prompts_list_changed, None);
        assert_eq!(
            ack.resource_subscriptions,
            Some(vec!["file:///b".to_owned()])
        );
        assert!(ack.extra.is_empty());
    }
}
