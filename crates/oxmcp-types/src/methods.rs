//! Methods as types: each request and notification of the spec is a marker type that names
//! its method string, its params and (for requests) its result.
//!
//! The marker types carry the spec's names (`InitializeRequest`, `PingRequest`, ...), so that
//! `peer.request::<InitializeRequest>(params)` reads like the spec.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::lifecycle::{InitializeRequestParams, InitializeResult};
use crate::logging::{LoggingMessageNotificationParams, SetLevelRequestParams};
use crate::meta::{EmptyParams, EmptyResult};
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
}
