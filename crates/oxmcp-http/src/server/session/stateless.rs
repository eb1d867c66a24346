//! The short-lived session of one stateless POST ([`HttpServerConfig::stateless`]): it has
//! no id and is in no registry, is initialized on the spot with a synthetic `initialize`
//! (empty client capabilities), and its input ends once the POST's requests are answered
//! (or, for a POST without requests, once its messages are in), which ends it.
//!
//! [`HttpServerConfig::stateless`]: crate::HttpServerConfig::stateless

use std::sync::{Arc, Weak};

use oxmcp_core::transport::Frame;
use oxmcp_types::ProtocolVersion;

use super::{Session, SessionKind};
use crate::server::ServiceInner;

/// The `initialize` request a stateless session is given before the POST's messages.
fn synthetic_initialize(version: ProtocolVersion) -> Vec<u8> {
    format!(
        r#"{{"jsonrpc":"2.0","id":"oxmcp-stateless-initialize","method":"initialize","params":{{"protocolVersion":"{version}","capabilities":{{}},"clientInfo":{{"name":"stateless-client","version":"0"}}}}}}"#
    )
    .into_bytes()
}

/// The `notifications/initialized` that follows it.
const INITIALIZED: &[u8] = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// Starts the short-lived session of one stateless POST.
pub(crate) fn stateless_session(inner: &ServiceInner, version: ProtocolVersion) -> Arc<Session> {
    let (session, transport) = Session::new(
        Arc::from(""),
        version,
        inner.settings.clone(),
        Weak::new(),
        SessionKind::Stateless,
    );
    let running = inner.factory.start(transport);
    let _ = session.handle.set(running.handle().clone());
    session
}

/// Initializes a stateless session on the spot. Call it after the POST's requests are
/// registered: the session's input ends once no request is waiting, and the answer to this
/// `initialize` must not end it early.
pub(crate) async fn prime_stateless(session: &Session, version: ProtocolVersion) {
    let _ = session
        .forward(Frame::Message(synthetic_initialize(version)))
        .await;
    let _ = session.forward(Frame::Message(INITIALIZED.to_vec())).await;
}

impl Session {
    /// Whether this is the session of one stateless POST.
    pub(super) fn is_stateless(&self) -> bool {
        matches!(self.kind, SessionKind::Stateless)
    }
}
