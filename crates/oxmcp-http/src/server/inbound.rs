//! What each message of an HTTP request carries to the engine: the request's parts
//! (method, URI, headers, and the HTTP extensions, such as the [`RemoteAddr`] of a
//! connection accepted by [`serve`](super::serve)) and the [`Principal`] the
//! [`AuthHook`](super::AuthHook) named. A handler reads them from its context:
//! `cx.extensions().get::<http::request::Parts>()` and `cx.principal()`.

use std::net::SocketAddr;
use std::sync::Arc;

use http::request::Parts;
use oxmcp_core::transport::Frame;
use oxmcp_core::{Extensions, Principal};
use oxmcp_types::Message;

/// The address of the client of a connection accepted by [`serve`](super::serve), in the
/// HTTP extensions of each of its requests (and so in the request's
/// [`Parts`](http::request::Parts) that handlers see).
///
/// The per-client session cap counts anonymous clients by it
/// ([`max_sessions_per_client`](super::HttpServerConfig::max_sessions_per_client)). Behind
/// another server, insert it yourself: in axum, serve with
/// `into_make_service_with_connect_info::<SocketAddr>()` and add a
/// `middleware::map_request` layer that copies `ConnectInfo<SocketAddr>` into the request's
/// extensions as a `RemoteAddr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// The extensions every message of one HTTP request is handed to the engine with.
#[derive(Debug, Clone)]
pub(crate) struct Inbound {
    extensions: Extensions,
}

impl Inbound {
    /// What a request with `parts`, from `principal`, brings.
    pub(crate) fn new(parts: Arc<Parts>, principal: Option<&Arc<Principal>>) -> Self {
        let mut extensions = Extensions::new();
        extensions.insert_arc(parts);
        if let Some(principal) = principal {
            extensions.insert_arc(principal.clone());
        }
        Self { extensions }
    }

    /// `message` as a frame carrying the request's extensions.
    pub(crate) fn frame(&self, message: Message) -> Frame {
        Frame::DecodedWith {
            message,
            extensions: self.extensions.clone(),
        }
    }
}
