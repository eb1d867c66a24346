//! A wrong tool signature is reported alone: the impl and its generated method are still
//! there, so the code that uses them raises no other error or warning.
#![deny(warnings)]

use std::sync::Arc;

use oxmcp::prelude::*;
use oxmcp::types::Implementation;

struct Counter {
    count: u64,
}

#[tool_router]
impl Counter {
    /// Counts.
    #[tool]
    async fn bump(
        &mut self,
        /// By how much.
        by: u64,
    ) -> String {
        self.count += by;
        self.count.to_string()
    }
}

fn main() {
    let _ = McpServer::builder(Implementation::new("counter", "1"))
        .tools(Arc::new(Counter { count: 0 }).tool_routes())
        .build();
}
