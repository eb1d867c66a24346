//! What a legacy HTTP+SSE session (2024-11-05) adds: every message goes on its one SSE
//! stream as an `event: message`, and the session learns its protocol version from the
//! engine's answer to `initialize`. Until the engine answered an `initialize` with a result,
//! its open stream does not keep it from being reaped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use oxmcp_core::transport::{OutboundMessage, Route};
use oxmcp_types::{ProtocolVersion, RequestId};

use super::{Session, SessionKind, lock};

/// `initialize` requests of a legacy session remembered until the engine answers them.
const MAX_PENDING_INITIALIZE: usize = 4;

impl SessionKind {
    /// A legacy session, not initialized yet.
    pub(crate) fn legacy() -> Self {
        Self::Legacy(LegacyState::default())
    }
}

/// What a legacy session learns from its engine.
#[derive(Debug, Default)]
pub(crate) struct LegacyState {
    /// Whether the engine answered an `initialize` with a result.
    initialized: AtomicBool,
    /// The ids of the `initialize` requests POSTed and not answered yet.
    initializing: Mutex<Vec<RequestId>>,
    /// The protocol version the engine negotiated.
    negotiated: OnceLock<ProtocolVersion>,
}

impl LegacyState {
    /// The protocol version the engine negotiated, once it answered `initialize`.
    pub(super) fn negotiated(&self) -> Option<ProtocolVersion> {
        self.negotiated.get().copied()
    }

    /// Notes the engine's answer to request `id`: a result to one of the `initialize`
    /// requests makes the session initialized, at the version it carries.
    fn answered(&self, id: &RequestId, bytes: &[u8]) {
        let mut initializing = lock(&self.initializing);
        let Some(at) = initializing.iter().position(|i| i == id) else {
            return;
        };
        initializing.swap_remove(at);
        drop(initializing);
        #[derive(serde::Deserialize)]
        struct VersionOnly {
            #[serde(rename = "protocolVersion")]
            protocol_version: String,
        }
        if let Ok(oxmcp_types::Message::Response(response)) =
            oxmcp_types::Message::from_slice(bytes)
        {
            if let Ok(v) = serde_json::from_str::<VersionOnly>(response.result.get()) {
                let _ = self
                    .negotiated
                    .set(ProtocolVersion::negotiate(&v.protocol_version));
            }
            self.initialized.store(true, Ordering::Release);
        }
    }
}

impl Session {
    /// Whether this is a legacy HTTP+SSE session.
    pub(crate) fn is_legacy(&self) -> bool {
        matches!(self.kind, SessionKind::Legacy { .. })
    }

    /// A legacy session's client POSTed `initialize` request `id`: the engine's result to it
    /// makes the session initialized.
    pub(crate) fn legacy_initialize(&self, id: &RequestId) {
        if let SessionKind::Legacy(legacy) = &self.kind {
            let mut initializing = lock(&legacy.initializing);
            // A client that keeps sending initialize without reading answers gains nothing.
            if initializing.len() < MAX_PENDING_INITIALIZE {
                initializing.push(id.clone());
            }
        }
    }

    /// Puts a message of the server's own (an error to a batch element the HTTP layer
    /// refused) on a legacy session's stream.
    pub(crate) async fn legacy_send(&self, bytes: Bytes) {
        let stream = lock(&self.state).standalone;
        if let Some(stream) = stream {
            self.deliver(stream, bytes, false).await;
        }
    }

    /// Whether this is a legacy session the engine has not initialized yet: its open
    /// stream does not keep it from being reaped.
    pub(super) fn legacy_uninitialized(&self) -> bool {
        matches!(&self.kind, SessionKind::Legacy(legacy)
            if !legacy.initialized.load(Ordering::Acquire))
    }

    /// Routes one outgoing message of a legacy session: on its one stream, after noting
    /// the engine's answers to `initialize`.
    pub(super) async fn route_legacy(&self, legacy: &LegacyState, message: OutboundMessage) {
        let bytes = Bytes::from(message.bytes);
        if let Route::Response(id) = &message.route {
            legacy.answered(id, &bytes);
        }
        self.legacy_send(bytes).await;
    }
}
