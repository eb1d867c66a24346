//! The fixture server, and (with the `interop` feature) the interop peers.

use oxmcp_http::Server;

#[cfg(feature = "interop")]
pub(crate) use crate::peers::*;

/// The conformance fixture server on 127.0.0.1 with a free port.
pub(crate) async fn fixture() -> Server {
    oxmcp_conformance::server::serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}
