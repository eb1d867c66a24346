//! The short-lived session of one stateless POST ([`HttpServerConfig::stateless`]): it has
//! no id and is in no registry, needs no `initialize`: its transport fixes the context of
//! its requests (the POST's protocol version, a client that declared nothing, see
//! [`Transport::negotiated`](oxmcp_core::transport::Transport::negotiated)), and its input
//! ends once the POST's requests are answered (or, for a POST without requests, once its
//! messages are in), which ends it.
//!
//! [`HttpServerConfig::stateless`]: crate::HttpServerConfig::stateless

use std::sync::{Arc, Weak};

use oxmcp_core::transport::Negotiated;
use oxmcp_types::{Implementation, ProtocolVersion};

use super::{Session, SessionKind};
use crate::server::ServiceInner;

/// The `clientInfo.name` a stateless session reports: the client never introduced itself.
pub(crate) const STATELESS_CLIENT: &str = "stateless-client";

/// Starts the short-lived session of one stateless POST.
pub(crate) fn stateless_session(inner: &ServiceInner, version: ProtocolVersion) -> Arc<Session> {
    let client = Implementation::new(STATELESS_CLIENT, "0");
    one_post_session(inner, version, Negotiated::new(version, client))
}

/// Starts the short-lived session of one modern (2026-07-28) POST: its request declares
/// its own state in its `_meta`.
pub(crate) fn modern_session(inner: &ServiceInner) -> Arc<Session> {
    one_post_session(
        inner,
        ProtocolVersion::LATEST_MODERN,
        Negotiated::per_request(),
    )
}

/// Starts a session for modern (2026-07-28) requests that outlives its first one: it
/// serves one request at a time, and waits in the [`ModernPool`](super::ModernPool) in
/// between.
pub(crate) fn pooled_session(inner: &ServiceInner) -> Arc<Session> {
    start(
        inner,
        ProtocolVersion::LATEST_MODERN,
        Negotiated::per_request(),
        SessionKind::Pooled,
    )
}

fn one_post_session(
    inner: &ServiceInner,
    version: ProtocolVersion,
    negotiated: Negotiated,
) -> Arc<Session> {
    start(inner, version, negotiated, SessionKind::Stateless)
}

fn start(
    inner: &ServiceInner,
    version: ProtocolVersion,
    negotiated: Negotiated,
    kind: SessionKind,
) -> Arc<Session> {
    let (session, transport) = Session::new(
        Arc::from(""),
        version,
        inner.settings.clone(),
        Weak::new(),
        kind,
    );
    let transport = transport.with_negotiated(negotiated);
    let running = inner.factory.start(transport);
    let _ = session.handle.set(running.handle().clone());
    session
}

impl Session {
    /// Whether this session has no id: that of one stateless POST, or one of the pool's.
    pub(super) fn is_stateless(&self) -> bool {
        matches!(self.kind, SessionKind::Stateless | SessionKind::Pooled)
    }

    /// Whether this is a session of the [`ModernPool`](super::ModernPool).
    pub(crate) fn is_pooled(&self) -> bool {
        matches!(self.kind, SessionKind::Pooled)
    }

    /// Whether the session's input ends once its POST's requests are answered (not a
    /// pooled session's: it waits for its next request).
    pub(super) fn ends_with_its_answers(&self) -> bool {
        matches!(self.kind, SessionKind::Stateless)
    }
}
