//! Middleware: code that sees every request and notification before the handler does.
//!
//! A [`Middleware`] gets the request, its [`RequestContext`] and [`Next`], the rest of the
//! chain. It may answer by itself, refuse, change the request or its context's
//! [extensions](RequestContext::extensions_mut), or pass it on with [`Next::run`] and look
//! at (or change) the answer. It can also add to what the side declares
//! ([`capabilities`](Middleware::capabilities)). Metrics, rate limits, scope checks, tracing
//! spans, and whole protocol extensions (tasks) are middleware.
//!
//! [`McpServer`](crate::McpServer) and [`ClientHandler`](crate::ClientHandler) take
//! middleware in their builders; any other [`Handler`] is wrapped with
//! [`MiddlewareStack::wrap`]. The engine answers `initialize`, `ping` and `logging/setLevel`
//! itself: middleware sees every other method, before the capability-gated ones reach the
//! handler.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Mutex;
//! use oxmcp_core::middleware::{Middleware, Next};
//! use oxmcp_core::role::Server;
//! use oxmcp_core::{HandlerResult, IncomingRequest, RequestContext};
//! use oxmcp_types::ErrorData;
//!
//! /// Counts calls per tool, and refuses the tool `shutdown`.
//! #[derive(Default)]
//! struct Guard {
//!     calls: Mutex<HashMap<String, u64>>,
//! }
//!
//! impl Middleware<Server> for Guard {
//!     async fn handle_request(
//!         &self,
//!         request: IncomingRequest,
//!         cx: RequestContext<Server>,
//!         next: Next<Server>,
//!     ) -> HandlerResult {
//!         if request.method == "tools/call" {
//!             #[derive(serde::Deserialize)]
//!             struct Name { name: String }
//!             let Name { name } = request.params()?;
//!             if name == "shutdown" {
//!                 return Err(ErrorData::invalid_params("the tool `shutdown` is disabled"));
//!             }
//!             *self.calls.lock().unwrap().entry(name).or_default() += 1;
//!         }
//!         next.run(request, cx).await
//!     }
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::context::{NotificationContext, RequestContext};
use crate::handler::{
    BoxFuture, DynHandler, Handler, HandlerResult, IncomingNotification, IncomingRequest,
};
use crate::role::Role;

/// Sees every request and notification on its way to the handler (see the
/// [module docs](self)).
pub trait Middleware<R: Role>: Send + Sync + 'static {
    /// Handles one request: answer it, or pass it on with [`Next::run`].
    fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<R>,
        next: Next<R>,
    ) -> impl Future<Output = HandlerResult> + Send;

    /// Handles one notification; the default passes it on.
    fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<R>,
        next: NextNotification<R>,
    ) -> impl Future<Output = ()> + Send {
        next.run(notification, cx)
    }

    /// Adds to what this side declares (a protocol extension declares itself here, for
    /// example under the `extensions` capability). The default adds nothing.
    fn capabilities(&self, own: &mut R::OwnCapabilities) {
        let _ = own;
    }
}

/// Object-safe form of [`Middleware`].
trait DynMiddleware<R: Role>: Send + Sync + 'static {
    fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<R>,
        next: Next<R>,
    ) -> BoxFuture<'_, HandlerResult>;
    fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<R>,
        next: NextNotification<R>,
    ) -> BoxFuture<'_, ()>;
    fn capabilities(&self, own: &mut R::OwnCapabilities);
}

impl<R: Role, M: Middleware<R>> DynMiddleware<R> for M {
    fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<R>,
        next: Next<R>,
    ) -> BoxFuture<'_, HandlerResult> {
        Box::pin(Middleware::handle_request(self, request, cx, next))
    }

    fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<R>,
        next: NextNotification<R>,
    ) -> BoxFuture<'_, ()> {
        Box::pin(Middleware::handle_notification(
            self,
            notification,
            cx,
            next,
        ))
    }

    fn capabilities(&self, own: &mut R::OwnCapabilities) {
        Middleware::capabilities(self, own);
    }
}

type Layers<R> = Arc<[Arc<dyn DynMiddleware<R>>]>;

/// An ordered list of middleware: the first added sees a request first (and its answer
/// last). Cheap to clone.
pub struct MiddlewareStack<R: Role> {
    layers: Layers<R>,
}

impl<R: Role> Clone for MiddlewareStack<R> {
    fn clone(&self) -> Self {
        Self {
            layers: self.layers.clone(),
        }
    }
}

impl<R: Role> Default for MiddlewareStack<R> {
    fn default() -> Self {
        Self {
            layers: Arc::new([]),
        }
    }
}

impl<R: Role> fmt::Debug for MiddlewareStack<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiddlewareStack")
            .field("layers", &self.layers.len())
            .finish()
    }
}

impl<R: Role> MiddlewareStack<R> {
    /// An empty stack.
    pub fn new() -> Self {
        Self::default()
    }

    /// This stack with `middleware` added innermost (after those already in it).
    #[must_use]
    pub fn with(self, middleware: impl Middleware<R>) -> Self {
        let mut layers: Vec<Arc<dyn DynMiddleware<R>>> = self.layers.iter().cloned().collect();
        layers.push(Arc::new(middleware));
        Self {
            layers: layers.into(),
        }
    }

    /// How many middleware there are.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Lets every middleware add to `own` (see [`Middleware::capabilities`]).
    pub fn capabilities(&self, own: &mut R::OwnCapabilities) {
        for layer in self.layers.iter() {
            layer.capabilities(own);
        }
    }

    /// `handler` behind this stack: a [`Handler`] for [`serve_server`](crate::serve_server)
    /// or [`connect`](crate::connect).
    pub fn wrap<H: Handler<R>>(&self, handler: H) -> Layered<R> {
        Layered {
            layers: self.layers.clone(),
            handler: Arc::new(handler),
        }
    }

    /// Runs `request` through the stack, then `handler`.
    pub(crate) fn run_request(
        &self,
        handler: Arc<dyn DynHandler<R>>,
        request: IncomingRequest,
        cx: RequestContext<R>,
    ) -> BoxFuture<'static, HandlerResult> {
        let next = Next {
            layers: self.layers.clone(),
            index: 0,
            handler,
        };
        next.run(request, cx)
    }

    /// Runs `notification` through the stack, then `handler`.
    pub(crate) fn run_notification(
        &self,
        handler: Arc<dyn DynHandler<R>>,
        notification: IncomingNotification,
        cx: NotificationContext<R>,
    ) -> BoxFuture<'static, ()> {
        let next = NextNotification {
            layers: self.layers.clone(),
            index: 0,
            handler,
        };
        next.run(notification, cx)
    }
}

/// The rest of the chain after a middleware: the next middleware, or the handler.
pub struct Next<R: Role> {
    layers: Layers<R>,
    index: usize,
    handler: Arc<dyn DynHandler<R>>,
}

impl<R: Role> fmt::Debug for Next<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next")
            .field("remaining", &(self.layers.len() - self.index))
            .finish_non_exhaustive()
    }
}

impl<R: Role> Next<R> {
    /// Passes the request on and returns its answer. The future owns what it needs, so it
    /// may be spawned.
    pub fn run(
        self,
        request: IncomingRequest,
        cx: RequestContext<R>,
    ) -> BoxFuture<'static, HandlerResult> {
        match self.layers.get(self.index).cloned() {
            Some(layer) => Box::pin(async move {
                let next = Self {
                    index: self.index + 1,
                    ..self
                };
                layer.handle_request(request, cx, next).await
            }),
            None => {
                let handler = self.handler;
                Box::pin(async move { handler.handle_request(request, cx).await })
            }
        }
    }
}

/// The rest of the chain after a middleware, for a notification.
pub struct NextNotification<R: Role> {
    layers: Layers<R>,
    index: usize,
    handler: Arc<dyn DynHandler<R>>,
}

impl<R: Role> fmt::Debug for NextNotification<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextNotification")
            .field("remaining", &(self.layers.len() - self.index))
            .finish_non_exhaustive()
    }
}

impl<R: Role> NextNotification<R> {
    /// Passes the notification on.
    pub fn run(
        self,
        notification: IncomingNotification,
        cx: NotificationContext<R>,
    ) -> BoxFuture<'static, ()> {
        match self.layers.get(self.index).cloned() {
            Some(layer) => Box::pin(async move {
                let next = Self {
                    index: self.index + 1,
                    ..self
                };
                layer.handle_notification(notification, cx, next).await;
            }),
            None => {
                let handler = self.handler;
                Box::pin(async move { handler.handle_notification(notification, cx).await })
            }
        }
    }
}

/// A handler behind a [`MiddlewareStack`].
pub struct Layered<R: Role> {
    layers: Layers<R>,
    handler: Arc<dyn DynHandler<R>>,
}

impl<R: Role> fmt::Debug for Layered<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layered")
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

impl<R: Role> Handler<R> for Layered<R> {
    fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<R>,
    ) -> impl Future<Output = HandlerResult> + Send {
        let next = Next {
            layers: self.layers.clone(),
            index: 0,
            handler: self.handler.clone(),
        };
        next.run(request, cx)
    }

    fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<R>,
    ) -> impl Future<Output = ()> + Send {
        let next = NextNotification {
            layers: self.layers.clone(),
            index: 0,
            handler: self.handler.clone(),
        };
        next.run(notification, cx)
    }
}
