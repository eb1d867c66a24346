//! Where the negotiated state a request is handled under comes from.
//!
//! By default a session negotiates once, in `initialize`, and every request is handled under
//! what was agreed there. A [`ContextSource`] replaces that: a [`FixedContext`] gives every
//! request the same state (the stateless Streamable HTTP mode, which in 2025-11-25 knows no
//! client capabilities), and a source of its own can build the state from each request (the
//! 2026-07-28 revision carries version, capabilities and client info in every request's
//! `_meta`). A session with a source needs no `initialize`: it handles requests from the
//! start, and answers an `initialize` it gets without changing anything.

use std::fmt;
use std::sync::Arc;

use oxmcp_types::ErrorData;
use serde_json::value::RawValue;

use super::SessionInfo;
use crate::extensions::Extensions;
use crate::role::Role;

/// What a [`ContextSource`] sees of a request before it is handled.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RequestHead<'a> {
    /// The method.
    pub method: &'a str,
    /// The raw params.
    pub params: Option<&'a RawValue>,
    /// What the transport attached to the request.
    pub extensions: &'a Extensions,
}

impl<'a> RequestHead<'a> {
    /// The head of a request of `method` with `params`, carrying `extensions`.
    pub fn new(method: &'a str, params: Option<&'a RawValue>, extensions: &'a Extensions) -> Self {
        Self {
            method,
            params,
            extensions,
        }
    }
}

/// Gives each request the negotiated state it is handled under.
///
/// By default a session negotiates once, in `initialize`. A session with a source needs no
/// `initialize`: it handles requests from the start under what the source gives (a
/// [`FixedContext`] for the stateless Streamable HTTP mode; a source of its own can build
/// the state from each request's `_meta`, as the 2026-07-28 revision does), and answers an
/// `initialize` it gets without changing anything.
///
/// ```
/// use std::sync::Arc;
/// use oxmcp_core::session::{ContextSource, RequestHead, SessionInfo};
/// use oxmcp_core::role::Server;
/// use oxmcp_types::{ClientCapabilities, ErrorData, Implementation, ProtocolVersion};
///
/// /// Every request is handled as 2025-06-18, whatever the client said.
/// #[derive(Debug)]
/// struct Pinned(Arc<SessionInfo<Server>>);
///
/// impl ContextSource<Server> for Pinned {
///     fn negotiate(&self, _: &RequestHead<'_>) -> Result<Arc<SessionInfo<Server>>, ErrorData> {
///         Ok(self.0.clone())
///     }
/// }
/// let info = SessionInfo::new(
///     ProtocolVersion::V2025_06_18,
///     ClientCapabilities::default(),
///     Implementation::new("anyone", "0"),
///     None,
/// );
/// let source: Arc<dyn ContextSource<Server>> = Arc::new(Pinned(info));
/// # let _ = source;
/// ```
pub trait ContextSource<R: Role>: fmt::Debug + Send + Sync + 'static {
    /// The state `request` is handled under, or the error it is answered with.
    fn negotiate(&self, request: &RequestHead<'_>) -> Result<Arc<SessionInfo<R>>, ErrorData>;

    /// The state the session reports before any request (for its notifications and its
    /// [`Peer::session`](super::Peer::session)); `None` when there is none.
    fn session(&self) -> Option<Arc<SessionInfo<R>>> {
        None
    }
}

/// The same negotiated state for every request.
pub struct FixedContext<R: Role>(Arc<SessionInfo<R>>);

impl<R: Role> FixedContext<R> {
    /// Every request is handled under `info`.
    pub fn new(info: Arc<SessionInfo<R>>) -> Self {
        Self(info)
    }
}

impl<R: Role> fmt::Debug for FixedContext<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FixedContext").field(&self.0).finish()
    }
}

impl<R: Role> ContextSource<R> for FixedContext<R> {
    fn negotiate(&self, _: &RequestHead<'_>) -> Result<Arc<SessionInfo<R>>, ErrorData> {
        Ok(self.0.clone())
    }

    fn session(&self) -> Option<Arc<SessionInfo<R>>> {
        Some(self.0.clone())
    }
}
