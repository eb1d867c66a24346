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

fn one_post_session(
    inner: &ServiceInner,
    version: ProtocolVersion,
    negotiated: Negotiated,
) -> Arc<Session> {
    let (session, transport) = Session::new(
        Arc::from(""),
        version,
        inner.settings.clone(),
        Weak::new(),
        SessionKind::Stateless,
    );
    let transport = transport.with_negotiated(negotiated);
    let running = inner.factory.start(transport);
    let _ = session.handle.set(running.handle().clone());
    session
}

impl Session {
    /// Whether this is the session of one stateless POST.
    pub(super) fn is_stateless(&self) -> bool {
        matches!(self.kind, SessionKind::Stateless)
    }
}
