//! The seam through which an era other than the handshake's shapes this side's requests: a
//! 2026-07-28 client puts the protocol version, its capabilities and its info in each
//! request's `_meta`, answers `input_required` results and retries (see
//! `crate::client::modern`).

use futures_util::future::BoxFuture;
use serde_json::value::RawValue;

use super::{Peer, RequestOptions};
use crate::error::RequestError;
use crate::handler::IncomingNotification;
use crate::role::Role;

/// Sends one request of `peer` (already checked against the negotiated capabilities) and
/// returns its final result; it sends through [`Peer::send_request_unchecked`].
pub(crate) trait Exchange<R: Role>: Send + Sync + 'static {
    fn request<'a>(
        &'a self,
        peer: &'a Peer<R>,
        method: &'a str,
        params: Option<Box<RawValue>>,
        options: RequestOptions,
    ) -> BoxFuture<'a, Result<Box<RawValue>, RequestError>>;

    /// Whether a notification of the peer goes on to the taps and the handler (a modern
    /// client drops those of a subscription it no longer listens to).
    fn accepts(&self, notification: &IncomingNotification) -> bool;

    /// How the tasks the peer makes of this side's requests are polled (the tasks
    /// extension; a modern client's config says).
    fn task_polling(&self) -> crate::client::TaskPolling {
        crate::client::TaskPolling::default()
    }
}
