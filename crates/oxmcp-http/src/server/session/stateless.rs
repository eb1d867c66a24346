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
    let (session, transport) = Session::new(
        Arc::from(""),
        version,
        inner.settings.clone(),
        Weak::new(),
        SessionKind::Stateless,
    );
    let client = Implementation::new(STATELESS_CLIENT, "0");
    let transport = transport.with_negotiated(Negotiated::new(version, client));
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
