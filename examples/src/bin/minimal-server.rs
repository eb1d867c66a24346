//! The smallest useful MCP server: two tools, served over stdio.
//!
//! Run: `cargo run -p oxmcp-examples --bin minimal-server` (it speaks MCP on stdin/stdout).

use std::sync::Arc;

use oxmcp::prelude::*;
use oxmcp::transport::stdio::stdio;
use oxmcp::types::Implementation;

/// The result of `add`.
#[schema]
struct Sum {
    sum: f64,
}

struct Calculator;

#[tool_router]
impl Calculator {
    /// Adds two numbers.
    #[tool(annotations(read_only))]
    async fn add(
        &self,
        /// The first number.
        a: f64,
        /// The second number.
        b: f64,
    ) -> Json<Sum> {
        Json(Sum { sum: a + b })
    }

    /// Reads a small text file.
    #[tool]
    fn read(
        &self,
        /// The file's path.
        path: String,
    ) -> std::io::Result<String> {
        std::fs::read_to_string(path) // an error is a tool execution error
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = McpServer::builder(Implementation::new("minimal", "1.0.0"))
        .tools(Arc::new(Calculator).tool_routes())
        .build()?;
    server.serve(stdio()).wait().await; // until the client closes stdin
    Ok(())
}
