//! [`WeakMcpServer`]: a handle on a server that does not keep it alive, for what the
//! server itself holds (a tool that changes the server's tool list, for example).

use std::sync::Weak;

use super::{Inner, McpServer};

/// A handle on an [`McpServer`] that does not keep it alive (see
/// [`McpServer::downgrade`]).
///
/// ```
/// use oxmcp_core::server::McpServer;
/// use oxmcp_types::Implementation;
///
/// let server = McpServer::builder(Implementation::new("s", "1")).build().unwrap();
/// let weak = server.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(server);
/// assert!(weak.upgrade().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct WeakMcpServer {
    shared: Weak<Inner>,
}

impl WeakMcpServer {
    /// The server, while any [`McpServer`] handle on it lives.
    pub fn upgrade(&self) -> Option<McpServer> {
        self.shared.upgrade().map(|shared| McpServer { shared })
    }
}

impl McpServer {
    /// A handle that does not keep the server alive: what a tool, prompt or resource of
    /// this server keeps to reach it (holding the server itself would keep it alive
    /// forever).
    pub fn downgrade(&self) -> WeakMcpServer {
        WeakMcpServer {
            shared: std::sync::Arc::downgrade(&self.shared),
        }
    }
}
