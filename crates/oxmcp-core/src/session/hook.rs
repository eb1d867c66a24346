//! [`OutboundHook`]: what an extension adds to the messages a [`Peer`](super::Peer) sends on
//! behalf of a piece of work.
//!
//! A peer with a hook (see [`Peer::with_hook`](super::Peer::with_hook)) asks it, for every
//! request and notification it sends, where the message goes and what its params become, and
//! tells it when a request waits for the other side. The task extension uses this for a task's
//! work: its messages carry the related-task `_meta`, go with a `tasks/result` waiting on the
//! task, and the task shows `input_required` while a request of it is outstanding. A peer
//! without a hook pays nothing for the possibility.

use std::fmt;
use std::future::ready;

use serde_json::value::RawValue;

use crate::error::RequestError;
use crate::handler::BoxFuture;
use crate::transport::Route;

/// Decorates what a [`Peer`](super::Peer) sends on behalf of one piece of work. Every method
/// has a default that changes nothing.
///
/// ```
/// use std::sync::Arc;
/// use oxmcp_core::session::OutboundHook;
/// use serde_json::value::RawValue;
///
/// /// Marks every message with the job it belongs to.
/// struct Job(&'static str);
///
/// impl OutboundHook for Job {
///     fn params(
///         &self,
///         _method: &str,
///         params: Option<Box<RawValue>>,
///     ) -> Result<Option<Box<RawValue>>, serde_json::Error> {
///         let mut object: serde_json::Map<String, serde_json::Value> = match params {
///             Some(raw) => serde_json::from_str(raw.get())?,
///             None => serde_json::Map::new(),
///         };
///         object.insert("_meta".into(), serde_json::json!({ "example.com/job": self.0 }));
///         serde_json::value::to_raw_value(&object).map(Some)
///     }
///
///     fn label(&self) -> Option<&str> {
///         Some(self.0)
///     }
/// }
/// let hook: Arc<dyn OutboundHook> = Arc::new(Job("nightly"));
/// assert_eq!(hook.label(), Some("nightly"));
/// ```
pub trait OutboundHook: Send + Sync + 'static {
    /// Where a message of session `session` goes; `route` is where the peer would put it.
    fn route(&self, session: u64, route: &Route) -> Route {
        let _ = session;
        route.clone()
    }

    /// The params of an outgoing request or notification `method` (after the engine added
    /// its own `_meta`, such as a progress token).
    fn params(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
    ) -> Result<Option<Box<RawValue>>, serde_json::Error> {
        let _ = method;
        Ok(params)
    }

    /// Called before the request `method` is sent; what it returns is released when the
    /// answer came (or the request failed, timed out or was dropped).
    fn request_hold<'a>(&'a self, method: &'a str) -> BoxFuture<'a, Option<WaitHold>> {
        let _ = method;
        Box::pin(ready(None))
    }

    /// Called when the work starts waiting on the other side for longer than one request
    /// (see [`Peer::hold`](super::Peer::hold)).
    fn hold(&self) -> BoxFuture<'_, Option<WaitHold>> {
        Box::pin(ready(None))
    }

    /// Answers the request `method` itself instead of sending it to the other side, or
    /// `None` (the default) to send it. The tasks extension of 2026-07-28 answers a task's
    /// requests to the client this way: they wait as the task's `inputRequests` until the
    /// client answers them with `tasks/update`. Called after the capability checks and
    /// before anything else, multi round-trip requests included.
    fn answer<'a>(
        &'a self,
        method: &'a str,
        params: Option<&'a RawValue>,
    ) -> Option<BoxFuture<'a, Result<Box<RawValue>, RequestError>>> {
        let _ = (method, params);
        None
    }

    /// Whether the notification `method` goes out at all (default: every one does). A
    /// 2026-07-28 task sends neither progress nor log messages, for example.
    fn keeps(&self, method: &str) -> bool {
        let _ = method;
        true
    }

    /// A short name for logs and `Debug` output (a task id, for example).
    fn label(&self) -> Option<&str> {
        None
    }
}

/// What a [`WaitHold`] holds: released once, by [`release`](Release::release) or by dropping it.
pub trait Release: Send {
    /// Ends the wait; the returned future completes once whatever the hold showed is undone
    /// (a task back to `working`, for example).
    fn release(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// A wait on the other side, as an [`OutboundHook`] shows it: ended by [`release`](Self::release)
/// or, without waiting for its effect, by being dropped.
pub struct WaitHold(Box<dyn Release>);

impl fmt::Debug for WaitHold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WaitHold")
    }
}

impl WaitHold {
    /// A hold that ends with `release`.
    pub fn new(release: impl Release + 'static) -> Self {
        Self(Box::new(release))
    }

    /// Ends the wait and waits until its effect is done.
    pub async fn release(self) {
        self.0.release().await;
    }
}

/// Releases `hold`, if there is one.
pub(crate) async fn release(hold: Option<WaitHold>) {
    if let Some(hold) = hold {
        hold.release().await;
    }
}
