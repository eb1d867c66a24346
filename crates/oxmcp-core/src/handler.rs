//! What a session calls for the peer's requests and notifications.

use std::future::Future;
use std::pin::Pin;

use oxmcp_types::ErrorData;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::context::{NotificationContext, RequestContext};
use crate::role::Role;

/// What a request handler returns: the raw JSON result, or a JSON-RPC error.
pub type HandlerResult = Result<Box<RawValue>, ErrorData>;

/// An incoming request, with its params still raw so they are parsed once, into the type
/// the handler wants.
#[derive(Debug)]
#[non_exhaustive]
pub struct IncomingRequest {
    /// The method.
    pub method: String,
    /// The raw params object.
    pub params: Option<Box<RawValue>>,
}

/// An incoming notification.
#[derive(Debug)]
#[non_exhaustive]
pub struct IncomingNotification {
    /// The method.
    pub method: String,
    /// The raw params object.
    pub params: Option<Box<RawValue>>,
}

pub(crate) fn parse_params<T: DeserializeOwned>(params: Option<&RawValue>) -> Result<T, ErrorData> {
    let text = params.map_or("{}", RawValue::get);
    serde_json::from_str(text)
        .map_err(|e| ErrorData::invalid_params(format!("invalid params: {e}")))
}

impl IncomingRequest {
    /// A request (mostly for tests).
    pub fn new(method: impl Into<String>, params: Option<Box<RawValue>>) -> Self {
        Self {
            method: method.into(),
            params,
        }
    }

    /// Parses the params into `T`; absent params parse as `{}`. A mismatch is -32602.
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, ErrorData> {
        parse_params(self.params.as_deref())
    }
}

impl IncomingNotification {
    /// A notification (mostly for tests).
    pub fn new(method: impl Into<String>, params: Option<Box<RawValue>>) -> Self {
        Self {
            method: method.into(),
            params,
        }
    }

    /// Parses the params into `T`; absent params parse as `{}`.
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, ErrorData> {
        parse_params(self.params.as_deref())
    }
}

/// Serializes a handler's result.
///
/// ```
/// let raw = oxmcp_core::to_result(&serde_json::json!({"ok": true})).unwrap();
/// assert_eq!(raw.get(), r#"{"ok":true}"#);
/// ```
pub fn to_result<T: Serialize + ?Sized>(value: &T) -> HandlerResult {
    serde_json::value::to_raw_value(value)
        .map_err(|e| ErrorData::internal_error(format!("could not serialize the result: {e}")))
}

/// Handles the peer's requests and notifications for one role.
///
/// The engine answers `initialize`, `ping`, `logging/setLevel` and the utility notifications
/// itself, and refuses methods whose capability was not declared, so a handler sees only the
/// rest. Requests run concurrently (each future is dropped if the peer cancels it);
/// notifications are handled one at a time, in arrival order.
pub trait Handler<R: Role>: Send + Sync + 'static {
    /// Answers one request. Unknown methods should get [`ErrorData::method_not_found`].
    fn handle_request(
        &self,
        request: IncomingRequest,
        context: RequestContext<R>,
    ) -> impl Future<Output = HandlerResult> + Send;

    /// Handles one notification. The default ignores it.
    fn handle_notification(
        &self,
        notification: IncomingNotification,
        context: NotificationContext<R>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (notification, context);
        async {}
    }
}

/// A handler that answers every request with -32601 and ignores notifications: for clients
/// that offer nothing to servers, and for tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHandler;

impl<R: Role> Handler<R> for NoHandler {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        _: RequestContext<R>,
    ) -> HandlerResult {
        Err(ErrorData::method_not_found(&request.method))
    }
}

/// A boxed future that is `Send`: what object-safe handlers and middleware return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Object-safe form of [`Handler`], so a session stores `Arc<dyn DynHandler<R>>`.
pub(crate) trait DynHandler<R: Role>: Send + Sync + 'static {
    fn handle_request(
        &self,
        request: IncomingRequest,
        context: RequestContext<R>,
    ) -> BoxFuture<'_, HandlerResult>;
    fn handle_notification(
        &self,
        notification: IncomingNotification,
        context: NotificationContext<R>,
    ) -> BoxFuture<'_, ()>;
}

impl<R: Role, H: Handler<R>> DynHandler<R> for H {
    fn handle_request(
        &self,
        request: IncomingRequest,
        context: RequestContext<R>,
    ) -> BoxFuture<'_, HandlerResult> {
        Box::pin(Handler::handle_request(self, request, context))
    }

    fn handle_notification(
        &self,
        notification: IncomingNotification,
        context: NotificationContext<R>,
    ) -> BoxFuture<'_, ()> {
        Box::pin(Handler::handle_notification(self, notification, context))
    }
}
