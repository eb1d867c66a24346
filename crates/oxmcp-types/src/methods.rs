//! Methods as types: each request and notification of the spec is a marker type that names
//! its method string, its params and (for requests) its result.
//!
//! Methods of both eras are here; which era has which is in [`crate::modern`]. The tasks
//! extension's methods are in [`crate::ext_tasks`] (their names clash with the 2025-11-25
//! task methods).
//!
//! The marker types carry the spec's names (`InitializeRequest`, `PingRequest`, ...), so that
//! `peer.request::<InitializeRequest>(params)` reads like the spec.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::completion::{CompleteRequestParams, CompleteResult};
use crate::elicitation::{
    ElicitRequestParams, ElicitResult, ElicitationCompleteNotificationParams,
};
use crate::lifecycle::{InitializeRequestParams, InitializeResult};
use crate::logging::{LoggingMessageNotificationParams, SetLevelRequestParams};
use crate::meta::{EmptyParams, EmptyResult, NotificationParams, RequestParams};
use crate::modern::{
    DiscoverResult, SubscriptionsAcknowledgedNotificationParams, SubscriptionsListenRequestParams,
    SubscriptionsListenResult,
};
use crate::pagination::PaginatedRequestParams;
use crate::prompts::{GetPromptRequestParams, GetPromptResult, ListPromptsResult};
use crate::resources::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceRequestParams,
    ReadResourceResult, ResourceUpdatedNotificationParams, SubscribeRequestParams,
    UnsubscribeRequestParams,
};
use crate::roots::ListRootsResult;
use crate::sampling::{CreateMessageRequestParams, CreateMessageResult};
use crate::tasks::{
    CancelTaskRequestParams, CancelTaskResult, GetTaskPayloadRequestParams, GetTaskPayloadResult,
    GetTaskRequestParams, GetTaskResult, ListTasksResult, TaskStatusNotificationParams,
};
use crate::tools::{CallToolRequestParams, CallToolResult, ListToolsResult};
use crate::utilities::{CancelledNotificationParams, ProgressNotificationParams};

/// Params or results that can travel in a message.
pub trait Payload: Serialize + DeserializeOwned + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Payload for T {}

/// A request method.
///
/// ```
/// use oxmcp_types::methods::{PingRequest, RequestMethod};
/// assert_eq!(PingRequest::METHOD, "ping");
/// ```
pub trait RequestMethod: Send + Sync + 'static {
    /// The method string.
    const METHOD: &'static str;
    /// The params type.
    type Params: Payload;
    /// The result type.
    type Result: Payload;
}

/// A notification method.
pub trait NotificationMethod: Send + Sync + 'static {
    /// The method string.
    const METHOD: &'static str;
    /// The params type.
    type Params: Payload;
}

/// Declares marker types for request methods.
macro_rules! request_methods {
    ($($(#[$m:meta])* $name:ident = $method:literal ($params:ty) -> $result:ty;)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;
        impl RequestMethod for $name {
            const METHOD: &'static str = $method;
            type Params = $params;
            type Result = $result;
        }
    )*};
}

/// Declares marker types for notification methods.
macro_rules! notification_methods {
    ($($(#[$m:meta])* $name:ident = $method:literal ($params:ty);)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;
        impl NotificationMethod for $name {
            const METHOD: &'static str = $method;
            type Params = $params;
        }
    )*};
}

request_methods! {
    /// `initialize`: the first request of a session (client to server).
    InitializeRequest = "initialize" (InitializeRequestParams) -> InitializeResult;
    /// `ping`: either direction, answered with an empty result.
    PingRequest = "ping" (EmptyParams) -> EmptyResult;
    /// `logging/setLevel` (client to server).
    SetLevelRequest = "logging/setLevel" (SetLevelRequestParams) -> EmptyResult;
    /// `tools/list` (client to server).
    ListToolsRequest = "tools/list" (PaginatedRequestParams) -> ListToolsResult;
    /// `tools/call` (client to server). When the params carry `task`, the answer is a
    /// [`CreateTaskResult`](crate::tasks::CreateTaskResult) instead.
    CallToolRequest = "tools/call" (CallToolRequestParams) -> CallToolResult;
    /// `resources/list` (client to server).
    ListResourcesRequest = "resources/list" (PaginatedRequestParams) -> ListResourcesResult;
    /// `resources/templates/list` (client to server).
    ListResourceTemplatesRequest = "resources/templates/list" (PaginatedRequestParams) -> ListResourceTemplatesResult;
    /// `resources/read` (client to server).
    ReadResourceRequest = "resources/read" (ReadResourceRequestParams) -> ReadResourceResult;
    /// `resources/subscribe` (client to server).
    SubscribeRequest = "resources/subscribe" (SubscribeRequestParams) -> EmptyResult;
    /// `resources/unsubscribe` (client to server).
    UnsubscribeRequest = "resources/unsubscribe" (UnsubscribeRequestParams) -> EmptyResult;
    /// `prompts/list` (client to server).
    ListPromptsRequest = "prompts/list" (PaginatedRequestParams) -> ListPromptsResult;
    /// `prompts/get` (client to server).
    GetPromptRequest = "prompts/get" (GetPromptRequestParams) -> GetPromptResult;
    /// `completion/complete` (client to server).
    CompleteRequest = "completion/complete" (CompleteRequestParams) -> CompleteResult;
    /// `sampling/createMessage` (server to client). When the params carry `task`, the answer
    /// is a [`CreateTaskResult`](crate::tasks::CreateTaskResult) instead.
    CreateMessageRequest = "sampling/createMessage" (CreateMessageRequestParams) -> CreateMessageResult;
    /// `roots/list` (server to client).
    ListRootsRequest = "roots/list" (RequestParams) -> ListRootsResult;
    /// `elicitation/create` (server to client). When the params carry `task`, the answer is a
    /// [`CreateTaskResult`](crate::tasks::CreateTaskResult) instead.
    ElicitRequest = "elicitation/create" (ElicitRequestParams) -> ElicitResult;
    /// `tasks/get` (requestor to receiver, either direction).
    GetTaskRequest = "tasks/get" (GetTaskRequestParams) -> GetTaskResult;
    /// `tasks/result` (either direction): the original request's result, as a JSON object.
    GetTaskPayloadRequest = "tasks/result" (GetTaskPayloadRequestParams) -> GetTaskPayloadResult;
    /// `tasks/list` (either direction).
    ListTasksRequest = "tasks/list" (PaginatedRequestParams) -> ListTasksResult;
    /// `tasks/cancel` (either direction).
    CancelTaskRequest = "tasks/cancel" (CancelTaskRequestParams) -> CancelTaskResult;
    /// `server/discover` (client to server, 2026-07-28): versions, capabilities and
    /// instructions, without a handshake.
    DiscoverRequest = "server/discover" (RequestParams) -> DiscoverResult;
    /// `subscriptions/listen` (client to server, 2026-07-28): a long-lived stream of the
    /// notifications the client opts in to; the result ends it.
    SubscriptionsListenRequest = "subscriptions/listen" (SubscriptionsListenRequestParams) -> SubscriptionsListenResult;
}

notification_methods! {
    /// `notifications/initialized` (client to server).
    InitializedNotification = "notifications/initialized" (EmptyParams);
    /// `notifications/cancelled` (either direction).
    CancelledNotification = "notifications/cancelled" (CancelledNotificationParams);
    /// `notifications/progress` (either direction).
    ProgressNotification = "notifications/progress" (ProgressNotificationParams);
    /// `notifications/message` (server to client).
    LoggingMessageNotification = "notifications/message" (LoggingMessageNotificationParams);
    /// `notifications/resources/list_changed` (server to client).
    ResourceListChangedNotification = "notifications/resources/list_changed" (NotificationParams);
    /// `notifications/resources/updated` (server to client).
    ResourceUpdatedNotification = "notifications/resources/updated" (ResourceUpdatedNotificationParams);
    /// `notifications/tools/list_changed` (server to client).
    ToolListChangedNotification = "notifications/tools/list_changed" (NotificationParams);
    /// `notifications/prompts/list_changed` (server to client).
    PromptListChangedNotification = "notifications/prompts/list_changed" (NotificationParams);
    /// `notifications/roots/list_changed` (client to server).
    RootsListChangedNotification = "notifications/roots/list_changed" (NotificationParams);
    /// `notifications/elicitation/complete` (server to client).
    ElicitationCompleteNotification = "notifications/elicitation/complete" (ElicitationCompleteNotificationParams);
    /// `notifications/tasks/status` (task receiver to requestor, either direction).
    TaskStatusNotification = "notifications/tasks/status" (TaskStatusNotificationParams);
    /// `notifications/subscriptions/acknowledged` (server to client, 2026-07-28): the first
    /// message of a `subscriptions/listen` stream.
    SubscriptionsAcknowledgedNotification = "notifications/subscriptions/acknowledged" (SubscriptionsAcknowledgedNotificationParams);
}
