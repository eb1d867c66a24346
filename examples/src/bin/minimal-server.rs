//! The smallest useful MCP server: two tools, served over stdio.
//!
//! Run: `cargo run -p oxmcp-examples --bin minimal-server` (it speaks MCP on stdin/stdout).

use std::sync::Arc;

use oxmcp::prelude::*;
use oxmcp::transport::stdio::stdio;
use oxmcp::types::Implementation;

/// The result of `add`.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct Sum {
    sum: f64,
}

struct Calculator;

#[tool_router]
impl Calculator {
    /// Returns its text.
    #[tool]
    async fn echo(
        &self,
        /// The text to send back.
        text: String,
    ) -> String {
        text
    }

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
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = McpServer::builder(Implementation::new("minimal", "1.0.0"))
        .tools(Arc::new(Calculator).tool_routes())
        .build()?;
    server.serve(stdio()).wait().await; // until the client closes stdin
    Ok(())
}
