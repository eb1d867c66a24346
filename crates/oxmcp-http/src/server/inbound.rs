//! What each message of an HTTP request carries to the engine: the request's parts
//! (method, URI, headers, HTTP extensions), the [`RemoteAddr`] of its connection when
//! known, and the [`Principal`] the [`AuthHook`](super::AuthHook) named. A handler reads
//! them from its context: `cx.extensions().get::<http::request::Parts>()`,
//! `cx.extensions().get::<RemoteAddr>()` and `cx.principal()`. When the hook named a
//! principal, the parts come without their `Authorization` header.

use std::net::SocketAddr;
use std::sync::Arc;

use http::request::Parts;
use oxmcp_core::transport::Frame;
use oxmcp_core::{ExtensionEntry, Extensions, Principal};
use oxmcp_types::Message;

use super::client::ClientKey;

/// The address of a request's client: in the [`Extensions`] of each message of a request
/// that came through [`serve`](super::serve) (`cx.extensions().get::<RemoteAddr>()`).
///
/// The per-client session cap counts anonymous clients by it
/// ([`max_sessions_per_client`](super::HttpServerConfig::max_sessions_per_client)). Behind
/// another server, insert it yourself: in axum, serve with
/// `into_make_service_with_connect_info::<SocketAddr>()` and add a
/// `middleware::map_request` layer that copies `ConnectInfo<SocketAddr>` into the HTTP
/// request's extensions as a `RemoteAddr` (the service moves it to the messages'
/// extensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// Removes the credentials from a request the [`AuthHook`](super::AuthHook) authenticated
/// (named a principal for): the `Authorization` header, the bearer token itself, never
/// reaches the engine or a handler, which see the verified principal instead (no token
/// passthrough).
pub(crate) fn strip_credentials(parts: &mut Parts, principal: Option<&Arc<Principal>>) {
    if principal.is_some() {
        parts.headers.remove(http::header::AUTHORIZATION);
    }
}

/// Where an HTTP request comes from, before it is known what its messages need besides:
/// its parts, the principal the hook named, the client's address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin<'a> {
    pub(crate) parts: &'a Arc<Parts>,
    pub(crate) principal: Option<&'a Arc<Principal>>,
    pub(crate) remote: Option<&'a Arc<RemoteAddr>>,
}

impl Origin<'_> {
    /// What its messages are handed to the engine with.
    pub(crate) fn inbound(&self) -> Inbound {
        self.inbound_with(None)
    }

    /// The same with `more` in the extensions too, in one allocation (a modern request's
    /// state and `Mcp-Param-*` headers).
    pub(crate) fn inbound_with(&self, more: impl IntoIterator<Item = ExtensionEntry>) -> Inbound {
        let entries = std::iter::once(ExtensionEntry::new(self.parts.clone()))
            .chain(self.principal.map(|p| ExtensionEntry::new(p.clone())))
            .chain(self.remote.map(|r| ExtensionEntry::new(r.clone())))
            .chain(more);
        Inbound {
            extensions: Extensions::from_entries(entries),
        }
    }

    /// The bucket of the request's client (see [`ClientKey::of`]).
    pub(crate) fn client_key(&self) -> ClientKey {
        ClientKey::of(self.principal.map(|p| &**p), self.remote.map(|r| &**r))
    }
}

/// The extensions every message of one HTTP request is handed to the engine with.
#[derive(Debug, Clone)]
pub(crate) struct Inbound {
    extensions: Extensions,
}

impl Inbound {
    /// What a request with `parts`, from `principal` at `remote`, brings (one allocation:
    /// these are on every POST's path).
    pub(crate) fn new(
        parts: &Arc<Parts>,
        principal: Option<&Arc<Principal>>,
        remote: Option<&Arc<RemoteAddr>>,
    ) -> Self {
        Origin {
            parts,
            principal,
            remote,
        }
        .inbound()
    }

    /// The same, with `value` in the extensions too.
    pub(crate) fn with<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The bucket of the request's client (see [`ClientKey::of`]).
    pub(crate) fn client_key(&self) -> ClientKey {
        ClientKey::of(
            self.extensions.get::<Principal>(),
            self.extensions.get::<RemoteAddr>(),
        )
    }

    /// `message` as a frame carrying the request's extensions.
    pub(crate) fn frame(&self, message: Message) -> Frame {
        Frame::DecodedWith {
            message,
            extensions: self.extensions.clone(),
        }
    }
}
