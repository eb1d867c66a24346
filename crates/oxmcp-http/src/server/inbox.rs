//! The one task that reads this instance's inbox on the [`Bus`](crate::bus::Bus) and
//! hands each envelope to the session it names, when this instance holds it (an envelope
//! for a session it no longer holds is dropped: the client's next request rebuilds the
//! session elsewhere, and a server-to-client request waiting here would have gone with it).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use oxmcp_core::transport::Frame;
use oxmcp_types::Message;

use super::post::cancelled_id;
use super::registry::Registry;
use crate::bus::{Delivery, Envelope};

/// The id of a request applied from another instance (its answer goes nowhere).
fn applied_id() -> oxmcp_types::RequestId {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    oxmcp_types::RequestId::String(format!("oxmcp-apply-{n}").into())
}

/// How long the task waits after a failed read before the next.
const RETRY: Duration = Duration::from_millis(500);

impl Registry {
    /// Starts the inbox task once, when the service has a bus. It stops when the registry
    /// is dropped.
    pub(crate) fn ensure_inbox(self: &Arc<Self>) {
        let Some(bus) = self.settings.config.bus.clone() else {
            return;
        };
        if self.inbox.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let received = bus.receive().await;
                let Some(registry) = weak.upgrade() else {
                    return;
                };
                match received {
                    Ok(envelopes) => {
                        for envelope in envelopes {
                            registry.deliver(envelope).await;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "bus: the inbox could not be read");
                        drop(registry);
                        tokio::time::sleep(RETRY).await;
                    }
                }
            }
        });
    }

    /// Hands one envelope to its session.
    async fn deliver(&self, envelope: Envelope) {
        let Some(session) = self.get(&envelope.session).filter(|s| s.is_shared()) else {
            tracing::debug!(session = %envelope.session, "bus: an envelope for no session held here");
            return;
        };
        if envelope.delivery == Delivery::Ended {
            tracing::debug!(session = %envelope.session, "session deleted elsewhere: ended here");
            session.end().await;
            return;
        }
        if envelope.delivery == Delivery::Unrelated {
            session.unrelated_here(envelope.message).await;
            return;
        }
        let message = match Message::from_slice(&envelope.message) {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(error = %e, "bus: an undecodable envelope");
                return;
            }
        };
        if envelope.delivery == Delivery::Apply {
            if let Message::Request(mut request) = message {
                request.id = applied_id();
                let _ = session
                    .forward(Frame::Decoded(Message::Request(request)))
                    .await;
            }
            return;
        }
        let cancelled = match (&message, envelope.delivery) {
            (Message::Notification(n), Delivery::Cancelled) => cancelled_id(n),
            (Message::Response(_) | Message::Error(_), Delivery::Response) => None,
            _ => {
                tracing::warn!("bus: an envelope whose message is not what it says");
                return;
            }
        };
        if let Some(id) = &cancelled
            && !session.has_exchange(id)
        {
            // Not running here (a broadcast reaches every instance).
            return;
        }
        if session.forward(Frame::Decoded(message)).await.is_err() {
            return;
        }
        if let Some(id) = cancelled {
            session.cancelled(&id);
        }
    }
}
